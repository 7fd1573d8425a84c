#!/usr/bin/env python3
"""Triage model vs a strong classical baseline, on the same split, in the same run.

Baseline: scikit-learn TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True) + LinearSVC.
Ours:     `weimin model train` / `weimin model eval` (hashed char 1–3-grams, logistic regression).

    python3 bench/triage-baseline.py                              # the team's corpus, category
    python3 bench/triage-baseline.py --label-column department
    python3 bench/triage-baseline.py --data other.csv --text-column review --label-column label

Prints one JSON object (and a short table on stderr): macro-F1, accuracy, training seconds and
microseconds per predicted message for both, and the ratios. Needs a release build
(swift build -c release --product weimin) and `pip install scikit-learn`.
"""
import argparse, csv, json, os, pathlib, random, subprocess, sys, tempfile, time

root = pathlib.Path(__file__).resolve().parent.parent
ap = argparse.ArgumentParser()
ap.add_argument("--data", default=str(root / "data/triage/corpus.tsv"))
ap.add_argument("--text-column", default="text")
ap.add_argument("--label-column", default="category")
ap.add_argument("--test-fraction", type=float, default=0.2)
ap.add_argument("--seed", type=int, default=7)
ap.add_argument("--weimin", default=str(root / ".build/release/weimin"))
ap.add_argument("--train-args", default=None,
                help="options for `weimin model train`; by default as the shipped model trains this head (--idf, and --loss hinge for the department)")
ap.add_argument("--limit", type=int, default=0, help="use at most this many rows (after shuffling)")
args = ap.parse_args()

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.svm import LinearSVC
from sklearn.pipeline import make_pipeline
from sklearn.metrics import f1_score, accuracy_score

delim = "\t" if args.data.endswith((".tsv", ".tab")) else ","
with open(args.data, encoding="utf-8-sig", newline="") as f:
    rows = [(r[args.text_column], r[args.label_column]) for r in csv.DictReader(f, delimiter=delim, quoting=csv.QUOTE_NONE if delim == "\t" else csv.QUOTE_MINIMAL)
            if r.get(args.text_column, "").strip() and r.get(args.label_column, "").strip()]
rng = random.Random(args.seed)
if args.limit:
    rng.shuffle(rows)
    rows = rows[: args.limit]
# Stratified split: the same fraction of every label held out.
by = {}
for i, (_, y) in enumerate(rows):
    by.setdefault(y, []).append(i)
test_idx = set()
for y in sorted(by):
    idx = by[y][:]
    rng.shuffle(idx)
    test_idx.update(idx[: round(len(idx) * args.test_fraction)])
train = [rows[i] for i in range(len(rows)) if i not in test_idx]
test = [rows[i] for i in range(len(rows)) if i in test_idx]

tmp = pathlib.Path(tempfile.mkdtemp(prefix="weimin-triage-bench-"))
def write(path, data):
    with open(path, "w", encoding="utf-8") as f:
        f.write("text\tlabel\n")
        for t, y in data:
            t = t.replace("\t", " ").replace("\n", " ").replace("\r", " ")
            if t.startswith('"'):
                t = "“" + t[1:]
            f.write(f"{t}\t{y}\n")
write(tmp / "train.tsv", train)
write(tmp / "test.tsv", test)

# Ours.
train_args = (args.train_args if args.train_args is not None else "--idf" + (" --loss hinge" if args.label_column == "department" else "")).split()
# Training time as the trainer measures it: features and fitting, as scikit-learn's fit() is timed (no process start, no file reading).
trained = json.loads(subprocess.run([args.weimin, "model", "train", "--data", str(tmp / "train.tsv"), "--label-column", "label",
                                     "--out", str(tmp / "m.wmtm"), "--json"] + train_args, check=True, capture_output=True, text=True).stdout)
ours_train = trained["seconds"]
ours = json.loads(subprocess.run([args.weimin, "model", "eval", "--model", str(tmp / "m.wmtm"), "--data", str(tmp / "test.tsv"),
                                  "--label-column", "label", "--json"], check=True, capture_output=True, text=True).stdout)
speed = json.loads(subprocess.run([args.weimin, "bench", "triage", "--model", str(tmp / "m.wmtm"), "--data", str(tmp / "test.tsv"),
                                   "--head", "label", "--predict-only", "--json"], check=True, capture_output=True, text=True).stdout)

# Baseline.
X_train, y_train = [t for t, _ in train], [y for _, y in train]
X_test, y_test = [t for t, _ in test], [y for _, y in test]
t0 = time.perf_counter()
pipe = make_pipeline(TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True), LinearSVC())
pipe.fit(X_train, y_train)
base_train = time.perf_counter() - t0
t0 = time.perf_counter()
pred = pipe.predict(X_test)
base_batch_us = (time.perf_counter() - t0) / len(X_test) * 1e6
# One message at a time, as messages arrive in the product.
sample = X_test[: min(300, len(X_test))]
t0 = time.perf_counter()
for t in sample:
    pipe.predict([t])
base_single_us = (time.perf_counter() - t0) / len(sample) * 1e6

result = {
    "data": os.path.basename(args.data), "label_column": args.label_column, "train_rows": len(train), "test_rows": len(test),
    "ours": {"macro_f1": ours["macro_f1"], "accuracy": ours["accuracy"], "train_seconds": round(ours_train, 3),
             "predict_us_per_message": speed["predict_us_per_message"]},
    "baseline": {"macro_f1": f1_score(y_test, pred, average="macro"), "accuracy": accuracy_score(y_test, pred),
                 "train_seconds": round(base_train, 3), "predict_us_per_message_batch": round(base_batch_us, 2),
                 "predict_us_per_message_single": round(base_single_us, 2)},
}
result["ratios"] = {
    "macro_f1_ours_over_baseline": round(result["ours"]["macro_f1"] / result["baseline"]["macro_f1"], 3),
    "train_time_ours_over_baseline": round(ours_train / base_train, 3),
    "predict_speedup_vs_batch": round(base_batch_us / speed["predict_us_per_message"], 1),
    "predict_speedup_vs_single": round(base_single_us / speed["predict_us_per_message"], 1),
}
print(json.dumps(result, ensure_ascii=False, indent=1))
o, b, r = result["ours"], result["baseline"], result["ratios"]
print(f"macro-F1  ours {o['macro_f1']:.3f}  baseline {b['macro_f1']:.3f}  ratio {r['macro_f1_ours_over_baseline']}\n"
      f"train s   ours {o['train_seconds']}  baseline {b['train_seconds']}  (ours/baseline {r['train_time_ours_over_baseline']})\n"
      f"µs/msg    ours {o['predict_us_per_message']}  baseline batch {b['predict_us_per_message_batch']} single {b['predict_us_per_message_single']}"
      f"  (speedup {r['predict_speedup_vs_batch']}× / {r['predict_speedup_vs_single']}×)", file=sys.stderr)
