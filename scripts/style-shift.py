#!/usr/bin/env python3
"""Builds the style-shift evaluation set (data/triage/style-shift/), which is never trained on.

Messages were written apart from the corpus by people who never saw it (drafts/e*.txt, the author's labels), then
labelled a second time, blind, by someone else (second.txt). Disagreements were settled by the labelling guide
(settled.txt). This script:

    scripts/style-shift.py blind            # drafts → blind.tsv (id, text), for the second labeller
    scripts/style-shift.py disagreements    # drafts + second.txt → disputes.tsv (both labels, unattributed) and agreement
    scripts/style-shift.py build            # drafts + second.txt + settled.txt → style-shift.tsv and agreement.json

`build` leaves out any message whose text, or a near-duplicate of it, is in the training corpus (and says how many), so
the set stays unseen; `scripts/corpus-add.py` refuses the same in the other direction. Each row gets a `split`: `dev`
(choosing thresholds) or `test` (reporting), by a hash of its text.
"""
import csv, hashlib, json, pathlib, re, sys, unicodedata

root = pathlib.Path(__file__).resolve().parent.parent
here = root / "data/triage/style-shift"
CATS = {"n": "none", "p": "publicity", "d": "disclosure", "s": "service", "t": "petition", "o": "opinion"}
FIELDS = ["category", "department", "urgency", "risk", "cadre"]


def parse_labels(parts):
    cat, dept, urg, risk, cadre = parts
    return {"category": CATS[cat], "department": dept, "urgency": "urgent" if urg == "1" else "normal", "risk": risk,
            "cadre": "yes" if cadre == "1" else "no"}


def drafts():
    rows = []
    for path in sorted((here / "drafts").glob("e*.txt")):
        for line in path.open(encoding="utf-8"):
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            head, _, text = line.partition("¦")
            rows.append({"id": f"{path.stem}-{len(rows):05d}", "text": text.strip(), "source": path.stem, "first": parse_labels(head.split())})
    seen, out = set(), []
    for r in rows:
        if r["text"] not in seen:
            seen.add(r["text"])
            out.append(r)
    return out


def second():
    labels = {}
    for line in (here / "second.txt").open(encoding="utf-8"):
        parts = line.split()
        if len(parts) == 6 and not line.startswith("#"):
            labels[parts[0]] = parse_labels(parts[1:])
    return labels


def settled():
    path = here / "settled.txt"
    labels = {}
    if path.exists():
        for line in path.open(encoding="utf-8"):
            parts = line.split("#")[0].split()
            if len(parts) == 6:
                labels[parts[0]] = parse_labels(parts[1:])
    return labels


def normalise(text):
    """Close to WeiminCore's TextNormalizer: width folded, lower case, digits as 0, no punctuation or spaces, no @names."""
    t = unicodedata.normalize("NFKC", text).lower()
    t = re.sub(r"@\S{1,8}[\s\u2005]", "", t)
    t = re.sub(r"\d", "0", t)
    t = "".join(ch for ch in t if ch.isalnum())
    return re.sub(r"(.)\1{2,}", r"\1\1", t)  # "嗯嗯嗯" reads as "嗯嗯", as the features see it


def shingles(t):
    return {t[i:i + 2] for i in range(len(t) - 1)} if len(t) >= 2 else {t}


def corpus_index():
    exact, grams = set(), {}
    with (root / "data/triage/corpus.tsv").open(encoding="utf-8") as f:
        for n, r in enumerate(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
            k = normalise(r["text"])
            exact.add(k)
            if len(k) >= 8:
                for g in shingles(k):
                    grams.setdefault(g, set()).add(n)
            grams.setdefault(("text", n), k)
    return exact, grams


def in_corpus(text, exact, grams):
    k = normalise(text)
    if k in exact:
        return True
    if len(k) < 8:
        return False
    mine = shingles(k)
    counts = {}
    for g in mine:
        for n in grams.get(g, ()):
            counts[n] = counts.get(n, 0) + 1
    for n, c in counts.items():
        if c / len(mine) < 0.5:
            continue
        other = shingles(grams[("text", n)])
        if len(mine & other) / len(mine | other) >= 0.7:
            return True
    return False


def kappa(a, b):
    n = len(a)
    agree = sum(x == y for x, y in zip(a, b)) / n
    labels = set(a) | set(b)
    chance = sum((a.count(l) / n) * (b.count(l) / n) for l in labels)
    return agree, (agree - chance) / (1 - chance) if chance < 1 else 1.0


def agreement(rows, sec):
    both = [r for r in rows if r["id"] in sec]
    out = {"labelled_twice": len(both)}
    for f in FIELDS:
        a, k = kappa([r["first"][f] for r in both], [sec[r["id"]][f] for r in both])
        out[f] = {"agreement": round(a, 3), "kappa": round(k, 3)}
    return out


def main():
    cmd = sys.argv[1] if len(sys.argv) > 1 else "build"
    rows = drafts()
    if cmd == "blind":
        order = sorted(rows, key=lambda r: hashlib.sha256(r["text"].encode()).hexdigest())
        with (here / "blind.tsv").open("w", encoding="utf-8") as f:
            f.write("id\ttext\n")
            for r in order:
                f.write(f"{r['id']}\t{r['text']}\n")
        print(f"blind.tsv: {len(order)} messages")
        return
    sec = second()
    disputed = [r for r in rows if r["id"] in sec and any(r["first"][f] != sec[r["id"]][f] for f in ("category", "cadre", "urgency"))]
    if cmd == "disagreements":
        with (here / "disputes.tsv").open("w", encoding="utf-8") as f:
            f.write("id\ttext\tlabels_a\tlabels_b\n")
            for r in disputed:
                a, b = r["first"], sec[r["id"]]
                # Which labeller is which is not said: order by a hash, so neither reads as "the author".
                if hashlib.sha256(r["id"].encode()).digest()[0] & 1:
                    a, b = b, a
                fmt = lambda l: " ".join(l[x] for x in FIELDS)
                f.write(f"{r['id']}\t{r['text']}\t{fmt(a)}\t{fmt(b)}\n")
        print(json.dumps({"messages": len(rows), "disputed": len(disputed), **agreement(rows, sec)}, ensure_ascii=False))
        return
    settle = settled()
    exact, grams = corpus_index()
    kept, dropped_overlap, unlabelled = [], 0, 0
    for r in rows:
        if r["id"] not in sec:
            unlabelled += 1
            continue
        if in_corpus(r["text"], exact, grams):
            dropped_overlap += 1
            continue
        a, b = r["first"], sec[r["id"]]
        if r in disputed:
            if r["id"] not in settle:
                unlabelled += 1
                continue
            final = settle[r["id"]]
        else:
            # Agreed on category, cadre and urgency; department and risk from the guide's settlement when given, else the author's.
            final = settle.get(r["id"], a)
        split = "dev" if hashlib.sha256(r["text"].encode()).digest()[0] < 128 else "test"
        kept.append({"text": r["text"], **final, "source": r["source"], "split": split, "agreed": "no" if r in disputed else "yes"})
    with (here / "style-shift.tsv").open("w", encoding="utf-8") as f:
        f.write("text\t" + "\t".join(FIELDS) + "\tsource\tsplit\tagreed\n")
        for k in kept:
            f.write("\t".join([k["text"]] + [k[x] for x in FIELDS] + [k["source"], k["split"], k["agreed"]]) + "\n")
    stats = {"messages_written": len(rows), "kept": len(kept), "dropped_as_in_corpus": dropped_overlap, "not_labelled_or_settled": unlabelled,
             "disputed": len(disputed), "dev": sum(k["split"] == "dev" for k in kept), "test": sum(k["split"] == "test" for k in kept),
             "categories": {c: sum(k["category"] == c for k in kept) for c in CATS.values()}, "cadre_yes": sum(k["cadre"] == "yes" for k in kept),
             **agreement(rows, sec)}
    (here / "agreement.json").write_text(json.dumps(stats, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(json.dumps(stats, ensure_ascii=False))


if __name__ == "__main__":
    main()
