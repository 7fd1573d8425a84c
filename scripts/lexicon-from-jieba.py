#!/usr/bin/python3
"""Derive the word list the triage model segments with from jieba's dictionary.

    apt-get install -y python3-jieba
    /usr/bin/python3 scripts/lexicon-from-jieba.py            # writes Sources/WeiminCore/Resources/lexicon/words.tsv

Keeps words of 2-6 characters made only of CJK ideographs with frequency >= --min-freq, plus every
single ideograph jieba lists (whatever its frequency): jieba's path depends on how likely a lone
character is (的, 了, 我 split off cheaply), and without them the segmentation drifts from jieba's.
The header carries the total frequency of the whole original dictionary, so log(freq / total) is
exactly jieba's probability for every kept word.
"""
import argparse
import os
import subprocess
import sys

DEFAULT_DICT = "/usr/lib/python3/dist-packages/jieba/dict.txt"
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                           "Sources", "WeiminCore", "Resources", "lexicon", "words.tsv")


def is_ideograph(ch):
    # The same ranges as WordSegmenter.isIdeograph: CJK Unified Ideographs, Extension A,
    # compatibility ideographs, Extensions B-G.
    o = ord(ch)
    return (0x4E00 <= o <= 0x9FFF or 0x3400 <= o <= 0x4DBF or 0xF900 <= o <= 0xFAFF
            or 0x20000 <= o <= 0x3134F)


def jieba_version():
    try:
        return subprocess.run(["dpkg-query", "-W", "-f", "${Version}", "python3-jieba"],
                              capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dict", default=DEFAULT_DICT, help="jieba's dict.txt (dpkg -L python3-jieba | grep dict.txt)")
    ap.add_argument("--min-freq", type=int, default=6, help="lowest frequency kept for words of 2-6 characters")
    ap.add_argument("--out", default=DEFAULT_OUT)
    args = ap.parse_args()

    total = 0
    entries = {}
    with open(args.dict, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 2:
                continue
            word, freq = parts[0], int(parts[1])
            # jieba adds every line to its total, duplicates included.
            total += freq
            entries[word] = freq

    kept = []
    for word, freq in entries.items():
        if freq <= 0 or len(word) > 6 or not all(is_ideograph(c) for c in word):
            continue
        if len(word) == 1 or freq >= args.min_freq:
            kept.append((word, freq))
    kept.sort()

    singles = sum(1 for w, _ in kept if len(w) == 1)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as out:
        out.write("# Derived from jieba %s dict.txt (MIT, see LICENSE) by scripts/lexicon-from-jieba.py --min-freq %d\n"
                  % (jieba_version(), args.min_freq))
        out.write("# %d words of 2-6 ideographs with freq >= %d, and %d single ideographs\n"
                  % (len(kept) - singles, args.min_freq, singles))
        out.write("#total\t%d\n" % total)
        for word, freq in kept:
            out.write("%s\t%d\n" % (word, freq))
    size = os.path.getsize(args.out)
    print("%s: %d entries (%d words, %d single characters), total %d, %d bytes"
          % (os.path.relpath(args.out), len(kept), len(kept) - singles, singles, total, size), file=sys.stderr)


if __name__ == "__main__":
    main()
