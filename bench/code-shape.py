#!/usr/bin/env python3
"""Figures for docs/architecture.md's last section, read from the source tree (no build needed):

  python3 bench/code-shape.py [ROOT]          # ROOT defaults to the repository; or a `git worktree` of an older commit

- stores built outside the container: `XxxStore(database:`-style constructions (repositories, ledgers, importers,
  directories) anywhere in Sources/ except AppServices.swift and Persistence's own files;
- use cases: types in Sources/WeiminApp, and the files they take;
- longest function: the longest `func`/`init` body in Sources/ (lines from its line to its closing brace);
- lines over 140 characters, and files over 400 lines, in Sources/.
"""
import pathlib, re, sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).resolve().parent.parent)
src = root / "Sources"
files = sorted(p for p in src.rglob("*.swift"))
store = re.compile(r"\b[A-Z][A-Za-z]*(Store|Registry|Ledger|Replies|Importer|Directory|Writer|Corrections)\(database:")
outside = [(p, n) for p in files if p.name != "AppServices.swift" and "WeiminPersistence" not in p.parts
           for n, line in enumerate(p.read_text().splitlines(), 1) if store.search(line)]

def functions(path):
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if re.match(r"\s*(public |private |fileprivate |internal |static |@discardableResult |mutating |nonisolated )*(func |init\()", line):
            depth, started = 0, False
            for j in range(i, len(lines)):
                depth += lines[j].count("{") - lines[j].count("}")
                started = started or "{" in lines[j]
                if started and depth <= 0:
                    yield j - i + 1, f"{path.relative_to(root)}:{i + 1}"
                    break

longest = max((f for p in files for f in functions(p)), default=(0, "-"))
app = src / "WeiminApp"
use_cases = sorted(app.glob("*.swift")) if app.exists() else []
long_lines = sum(1 for p in files for line in p.read_text().splitlines() if len(line) > 140)
big_files = [(len(p.read_text().splitlines()), str(p.relative_to(root))) for p in files if len(p.read_text().splitlines()) > 400]

print(f"stores built outside the container: {len(outside)}")
print(f"use-case files in Sources/WeiminApp: {len(use_cases)} ({', '.join(p.stem for p in use_cases) or 'none'})")
print(f"longest function: {longest[0]} lines ({longest[1]})")
print(f"lines over 140 characters in Sources/: {long_lines}")
print(f"files over 400 lines in Sources/: {len(big_files)} {sorted(big_files, reverse=True)[:5]}")
