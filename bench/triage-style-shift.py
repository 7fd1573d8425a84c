#!/usr/bin/env python3
"""Triage judged where it matters: on the corpus's held-out split and on the style-shift set side by side, ours and
scikit-learn trained on the same rows in the same run.

    python3 bench/triage-style-shift.py [--weimin .build/release/weimin] [--json out.json] [--train-args "..."]

Both are trained on the corpus's training split (stratified 80 %, seed 7). Reported for each set: per-class F1 and
macro-F1 of the category, demand recall (messages needing action that reach a person), workload (share of all
messages a person looks at), messages dropped, cadre recall and cadre false flags. Ours is the whole decision
(model, rules, none threshold) from `weimin model eval`; the baseline is TfidfVectorizer(char 1–3, sublinear_tf) +
LinearSVC for the category and for cadre (a message reaches a person when predicted other than none). Also prints
the shipped model on the style-shift test split, and the none-threshold curve chosen on the style-shift dev split.
"""
import argparse, csv, json, pathlib, random, subprocess, sys, tempfile

root = pathlib.Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--corpus", default=str(root / "data/triage/corpus.tsv"))
ap.add_argument("--style-shift", default=str(root / "data/triage/style-shift/style-shift.tsv"))
ap.add_argument("--weimin", default=str(root / ".build/release/weimin"))
ap.add_argument("--train-args", default="--idf --loss department=hinge")
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--json", default=None)
args = ap.parse_args()

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.pipeline import make_pipeline
from sklearn.metrics import f1_score

COLS = ["category", "department", "urgency", "risk", "cadre"]


def read(path):
    with open(path, encoding="utf-8") as f:
        return [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r["text"].strip()]


corpus, shift = read(args.corpus), read(args.style_shift)
rng = random.Random(args.seed)
by = {}
for i, r in enumerate(corpus):
    by.setdefault(r["category"], []).append(i)
test_idx = set()
for y in sorted(by):
    idx = by[y][:]
    rng.shuffle(idx)
    test_idx.update(idx[: round(len(idx) * 0.2)])
train = [r for i, r in enumerate(corpus) if i not in test_idx]
held = [r for i, r in enumerate(corpus) if i in test_idx]
sets = {"held_out": held, "style_shift_test": [r for r in shift if r["split"] == "test"], "style_shift_all": shift}

tmp = pathlib.Path(tempfile.mkdtemp(prefix="weimin-style-shift-"))


def write(path, rows):
    with open(path, "w", encoding="utf-8") as f:
        f.write("text\t" + "\t".join(COLS) + "\n")
        for r in rows:
            f.write(r["text"].replace("\t", " ") + "\t" + "\t".join(r[c] for c in COLS) + "\n")


write(tmp / "train.tsv", train)
subprocess.run([args.weimin, "model", "train", "--data", str(tmp / "train.tsv"), "--label-column", ",".join(COLS), "--out", str(tmp / "m.wmtm"), "--json"]
               + args.train_args.split(), check=True, capture_output=True)


def ours(model, rows, name):
    write(tmp / f"{name}.tsv", rows)
    cmd = [args.weimin, "model", "eval", "--data", str(tmp / f"{name}.tsv"), "--label-column", "category", "--json"]
    if model:
        cmd += ["--model", model]
    out = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    # Per-class F1 of the whole decision comes from classify (the head's per-class is in `per_class`).
    return {"macro_f1": round(out["decision_macro_f1"], 3), "head_macro_f1": round(out["macro_f1"], 3),
            "demand_recall": round(out["demand_recall"], 3), "workload": round(out["workload"], 3), "dropped": out["dropped"],
            "cadre_recall": round(out.get("cadre_recall", 0), 3), "cadre_false_flags": out.get("cadre_false_flags"),
            "per_class_f1": {k: round(v["f1"], 3) for k, v in out["per_class"].items()}}


X = [r["text"] for r in train]
cat = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()).fit(X, [r["category"] for r in train])
cad = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC()).fit(X, [r["cadre"] for r in train])


def baseline(rows):
    texts = [r["text"] for r in rows]
    gold = [r["category"] for r in rows]
    pred = list(cat.predict(texts))
    pc = list(cad.predict(texts))
    needs = [i for i, g in enumerate(gold) if g != "none"]
    reports = [i for i, r in enumerate(rows) if r["cadre"] == "yes"]
    labels = sorted(set(gold))
    return {"macro_f1": round(f1_score(gold, pred, average="macro", labels=sorted(set(gold) | set(pred))), 3),
            "demand_recall": round(sum(pred[i] != "none" for i in needs) / max(1, len(needs)), 3),
            "workload": round(sum(p != "none" for p in pred) / len(pred), 3),
            "dropped": sum(pred[i] == "none" for i in needs),
            "cadre_recall": round(sum(pc[i] == "yes" for i in reports) / max(1, len(reports)), 3),
            "cadre_false_flags": sum(pc[i] == "yes" and rows[i]["cadre"] == "no" for i in range(len(rows))),
            "per_class_f1": {l: round(f, 3) for l, f in zip(labels, f1_score(gold, pred, average=None, labels=labels))}}


result = {"train_rows": len(train), "sets": {}}
for name, rows in sets.items():
    result["sets"][name] = {"rows": len(rows), "ours": ours(str(tmp / "m.wmtm"), rows, name), "baseline": baseline(rows)}
result["shipped_on_style_shift_test"] = ours(None, sets["style_shift_test"], "shipped")
write(tmp / "shift-all.tsv", shift)
with open(tmp / "shift-split.tsv", "w", encoding="utf-8") as f:
    f.write("text\tcategory\tsplit\n")
    for r in shift:
        f.write(f"{r['text']}\t{r['category']}\t{r['split']}\n")
cal = json.loads(subprocess.run([args.weimin, "model", "calibrate", "--data", str(tmp / "shift-split.tsv"), "--split", "dev", "--json"],
                                check=True, capture_output=True, text=True).stdout)
result["shipped_none_threshold_on_dev"] = {"chosen": cal["chosen"], "curve": [p for p in cal["curve"] if round(p["none_above"] * 1000) % 50 == 0]}
print(json.dumps(result, ensure_ascii=False, indent=1))
if args.json:
    pathlib.Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")

print("\n| set | rows | who | macro-F1 | demand recall | workload | dropped | cadre recall | cadre false flags |", file=sys.stderr)
print("|---|---|---|---|---|---|---|---|---|", file=sys.stderr)
for name, s in result["sets"].items():
    for who in ("ours", "baseline"):
        m = s[who]
        print(f"| {name} | {s['rows']} | {who} | {m['macro_f1']} | {m['demand_recall']} | {m['workload']} | {m['dropped']} | {m['cadre_recall']} | {m['cadre_false_flags']} |",
              file=sys.stderr)
