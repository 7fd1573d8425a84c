#!/usr/bin/env python3
"""Reports about cadres on the style-shift set: recall and false flags of the whole decision (`weimin classify --json`,
model and rules), per split. Give two binaries to compare them in the same run.

    python3 bench/cadre-flags.py --weimin .build/release/weimin [--weimin /tmp/weimin-before]
"""
import argparse
import csv
import json
import subprocess
import tempfile

parser = argparse.ArgumentParser()
parser.add_argument("--weimin", action="append", required=True)
parser.add_argument("--data", default="data/triage/style-shift/style-shift.tsv")
args = parser.parse_args()
rows = list(csv.DictReader(open(args.data, encoding="utf-8"), delimiter="\t"))
for binary in args.weimin:
    for split in ["dev", "test"]:
        part = [r for r in rows if r["split"] == split]
        with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
            f.write("\n".join(r["text"].replace("\n", " ") for r in part) + "\n")
        out = subprocess.run([binary, "classify", "--file", f.name, "--json"], capture_output=True, text=True, check=True)
        lines = out.stdout.strip().split("\n")
        assert len(lines) == len(part), (len(lines), len(part))
        tp = fp = pos = 0
        for r, line in zip(part, lines):
            flag = json.loads(line)["decision"]["reports_cadre"]
            gold = r["cadre"] == "yes"
            pos += gold
            tp += flag and gold
            fp += flag and not gold
        neg = len(part) - pos
        print(f"{binary} {split}: reports {pos}, recall {tp / pos:.3f} ({tp}/{pos}), false flags {fp} of {neg} ({fp / neg:.1%})")
