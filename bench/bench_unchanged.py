"""Benchmark: ingesting a repository of post-mortems again when nothing changed.

Run by hand (not a test):  python bench/bench_unchanged.py [--files 10000]

CI ingests the same post-mortems on every run.  The three runs, each its own
process, in one temporary folder:

* first: 10,000 post-mortems (~2 KB) into a fresh database (every file parsed);
* again: the same files, unchanged (skipped by size and modification time);
* touched: every file's modification time changed, content not (a fresh
  checkout): each file is hashed, none parsed;
* parsed: the same files into a second fresh database, the cost of parsing
  them all again, which is what a second run paid before files were skipped.

Ratios are against "parsed", measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest_data import write_markdown
from measure import run_failearn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        folder = write_markdown(Path(tmp) / "postmortems", args.files)
        first, _, doc = run_failearn("ingest", str(folder), "--db", "a.db", "--as-of", "2026-12-01")
        again, _, again_doc = run_failearn(
            "ingest", str(folder), "--db", "a.db", "--as-of", "2026-12-01"
        )
        for path in folder.iterdir():
            os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
        touched, _, touched_doc = run_failearn(
            "ingest", str(folder), "--db", "a.db", "--as-of", "2026-12-01"
        )
        parsed, _, _ = run_failearn("ingest", str(folder), "--db", "b.db", "--as-of", "2026-12-01")
    print(f"files: {args.files}; stored first: {doc['accepted'] + doc['merged']}")
    print(f"first run     {first:7.2f} s")
    print(f"parsed again  {parsed:7.2f} s  (the baseline: every file parsed)")
    print(
        f"unchanged     {again:7.2f} s  {again / parsed:5.2f}x  "
        f"(not read again: {again_doc['files_unchanged']})"
    )
    print(
        f"touched       {touched:7.2f} s  {touched / parsed:5.2f}x  "
        f"(not read again: {touched_doc['files_unchanged']})"
    )


if __name__ == "__main__":
    main()
