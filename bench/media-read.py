#!/usr/bin/env python3
"""How well and how fast Weimin reads photos (Tesseract) and voice notes (the reference speech service), through
`weimin media read --json` — the same pipeline the server runs.

    python3 bench/media-read.py --weimin .build/release/weimin [--asr-url http://127.0.0.1:8765] [--json]

Photos: villagers' sentences drawn with Noto Sans CJK (Debian fonts-noto-cjk) at several sizes, as a clean
screenshot, a slightly rotated and blurred phone photo of a printed note, and a dim, noisy one; character accuracy is
1 − (edit distance / length) against the sentence, punctuation and spaces ignored. Voice: the same sentences spoken by
espeak-ng (tone-numbered pinyin) and sent as AMR; character error rate and the real-time factor (seconds of work per
second of audio). espeak-ng's robot voice is far from a villager's: its figures bound the plumbing, not the model.
Needs Pillow, pypinyin, espeak-ng and sox; the speech part only with --asr-url.
"""
import argparse
import json
import os
import random
import subprocess
import tempfile
import time

SENTENCES = [
    "村口的路灯坏了三个月了，晚上走路看不见，请派人来修一下。",
    "我家的低保这个月还没有发下来，请问是什么原因？",
    "河边的垃圾堆了好几天没人清理，臭得很。",
    "后山那段路又塌方了，车子过不去，孩子上学很危险。",
    "自来水停了两天了，什么时候能恢复供水？",
    "关于收取二〇二七年度卫生费的通知，每户缴纳三百元。",
    "反映村干部优亲厚友，把危房改造名额给了自己亲戚。",
    "请问新农合的缴费截止到哪一天？在哪里交？",
]
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def plain(text):
    return "".join(c for c in text if c.isalnum())


def distance(a, b):
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def read(weimin, path, env=None):
    started = time.monotonic()
    out = subprocess.run([weimin, "media", "read", path, "--json"], capture_output=True, text=True, check=True, env=env)
    return json.loads(out.stdout), time.monotonic() - started


def photos(work, rng):
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    made = []
    for i, sentence in enumerate(SENTENCES):
        for style in ("screenshot", "photo", "dim"):
            size = rng.choice([26, 30, 34])
            font = ImageFont.truetype(FONT, size, index=2)
            lines = [sentence[k:k + 16] for k in range(0, len(sentence), 16)]
            w, h = 40 + 16 * size + 20, 40 + len(lines) * int(size * 1.6)
            bg = (250, 250, 250) if style == "screenshot" else (232, 228, 218)
            img = Image.new("RGB", (w, h), bg)
            d = ImageDraw.Draw(img)
            for n, line in enumerate(lines):
                d.text((24, 20 + n * int(size * 1.6)), line, font=font, fill=(25, 25, 30))
            if style != "screenshot":
                px = img.load()
                for _ in range(w * h // (12 if style == "photo" else 4)):
                    x, y = rng.randrange(w), rng.randrange(h)
                    v = rng.randrange(-30, 30) if style == "photo" else rng.randrange(-60, 60)
                    r, g, b = px[x, y]
                    px[x, y] = tuple(max(0, min(255, c + v)) for c in (r, g, b))
                img = img.rotate(rng.uniform(-3, 3), expand=False, fillcolor=bg).filter(ImageFilter.GaussianBlur(0.7))
                if style == "dim":
                    img = img.point(lambda c: int(c * 0.6) + 40)
            path = os.path.join(work, "p%02d-%s.jpg" % (i, style))
            img.save(path, quality=75)
            made.append((path, sentence, style))
    return made


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--weimin", required=True)
    p.add_argument("--asr-url")
    p.add_argument("--json", action="store_true")
    a = p.parse_args()
    rng = random.Random(20261128)
    work = tempfile.mkdtemp(prefix="weimin-media-bench-")
    report = {"photos": {}, "voice": None}
    by_style = {}
    for path, sentence, style in photos(work, rng):
        result, seconds = read(a.weimin, path)
        truth, got = plain(sentence), plain(result["text"])
        by_style.setdefault(style, []).append((1 - distance(truth, got) / len(truth), seconds))
    for style, rows in by_style.items():
        report["photos"][style] = {
            "images": len(rows), "char_accuracy": round(sum(r[0] for r in rows) / len(rows), 3),
            "seconds_per_image": round(sum(r[1] for r in rows) / len(rows), 2)}
    if a.asr_url:
        from pypinyin import Style, lazy_pinyin
        errors = chars = 0
        work_s = audio_s = 0.0
        env = dict(os.environ, WEIMIN_ASR_URL=a.asr_url)
        for i, sentence in enumerate(SENTENCES):
            wav, amr = os.path.join(work, "v%02d.wav" % i), os.path.join(work, "v%02d.amr" % i)
            pinyin = " ".join(lazy_pinyin(sentence, style=Style.TONE3, neutral_tone_with_five=True))
            subprocess.run(["espeak-ng", "-v", "cmn-latn-pinyin", "-s", "130", "-w", wav, pinyin], check=True, capture_output=True)
            subprocess.run(["sox", "-q", "-D", wav, "-r", "8000", "-c", "1", "-t", "amr-nb", amr], check=True)
            audio_s += float(subprocess.run(["soxi", "-D", wav], capture_output=True, text=True, check=True).stdout)
            result, seconds = read(a.weimin, amr, env)
            work_s += seconds
            truth = plain(sentence)
            errors += distance(truth, plain(result["text"]))
            chars += len(truth)
        report["voice"] = {"notes": len(SENTENCES), "audio_seconds": round(audio_s, 1), "cer": round(errors / chars, 3),
                           "real_time_factor": round(work_s / audio_s, 2)}
    if a.json:
        print(json.dumps(report, ensure_ascii=False))
    else:
        for style, r in report["photos"].items():
            print("photos %-10s %2d images  char accuracy %.3f  %.2f s/image" % (style, r["images"], r["char_accuracy"], r["seconds_per_image"]))
        if report["voice"]:
            v = report["voice"]
            print("voice  %d notes, %.1f s of audio  CER %.3f  real-time factor %.2f" % (v["notes"], v["audio_seconds"], v["cer"], v["real_time_factor"]))


if __name__ == "__main__":
    main()
