#!/usr/bin/env python3
"""Appends hand-written, hand-labelled messages to data/triage/corpus.tsv.

Input lines (stdin), one message each:  CAT DEPT URG RISK CADRE¦text
  CAT   n none · p publicity · d disclosure · s service · t petition · o opinion
  DEPT  a department code of the county's catalogue, or - when nothing is to be done
  URG   0 normal · 1 urgent;  RISK 0–3;  CADRE 0/1 (accuses a cadre of misconduct)
Blank lines and lines starting with # are ignored; a text already in the corpus is skipped (and said), and so is a
text that is, or nearly is, in the style-shift evaluation set (data/triage/style-shift/style-shift.tsv): that set must
stay unseen by training.
"""
import sys, csv, pathlib, importlib.util

CATS = {"n": "none", "p": "publicity", "d": "disclosure", "s": "service", "t": "petition", "o": "opinion"}
DEPTS = {"-", "zzb", "jwjw", "wxb", "wmb", "nyncj", "xczxj", "gaj", "xfj", "zjj", "jtj", "jyj", "rsj", "wjj", "sthj", "scjg", "mzj", "slj", "zrzyj", "ybj"}
path = pathlib.Path(__file__).resolve().parent.parent / "data/triage/corpus.tsv"
seen = set()
if path.exists():
    with path.open(encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            seen.add(row["text"])
spec = importlib.util.spec_from_file_location("style_shift", pathlib.Path(__file__).resolve().parent / "style-shift.py")
style_shift = importlib.util.module_from_spec(spec)
spec.loader.exec_module(style_shift)
held_out = pathlib.Path(__file__).resolve().parent.parent / "data/triage/style-shift/style-shift.tsv"
held_exact, held_grams = set(), {}
if held_out.exists():
    with held_out.open(encoding="utf-8") as f:
        for n, row in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            k = style_shift.normalise(row["text"])
            held_exact.add(k)
            if len(k) >= 8:
                for g in style_shift.shingles(k):
                    held_grams.setdefault(g, set()).add(n)
            held_grams[("text", n)] = k
new = path.exists() is False
out = path.open("a", encoding="utf-8")
if new:
    out.write("text\tcategory\tdepartment\turgency\trisk\tcadre\n")
added = 0
for n, line in enumerate(sys.stdin, 1):
    line = line.rstrip("\n")
    if not line.strip() or line.startswith("#"):
        continue
    head, _, text = line.partition("¦")
    parts = head.split()
    text = text.strip()
    if len(parts) != 5 or not text or "\t" in text:
        sys.exit(f"line {n}: expected 'CAT DEPT URG RISK CADRE¦text': {line!r}")
    cat, dept, urg, risk, cadre = parts
    if cat not in CATS or dept not in DEPTS or urg not in "01" or risk not in "0123" or cadre not in "01":
        sys.exit(f"line {n}: bad label in {head!r}")
    if (cat == "n") != (dept == "-"):
        sys.exit(f"line {n}: 'none' messages have no department and actionable ones need one: {line!r}")
    if text in seen:
        print(f"line {n}: skipped, already in the corpus: {text!r}", file=sys.stderr)
        continue
    if style_shift.in_corpus(text, held_exact, held_grams):
        print(f"line {n}: skipped, in (or nearly in) the style-shift evaluation set: {text!r}", file=sys.stderr)
        continue
    seen.add(text)
    out.write(f"{text}\t{CATS[cat]}\t{dept}\t{'urgent' if urg == '1' else 'normal'}\t{risk}\t{'yes' if cadre == '1' else 'no'}\n")
    added += 1
out.close()
print(f"added {added}, corpus now {len(seen)} messages", file=sys.stderr)
