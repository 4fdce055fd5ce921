"""Benchmark: ``failearn ingest`` against the bare pipelines it is measured by.

Run by hand (not a test):  python bench/bench_ingest.py [--records 100000] [--files 10000]

* JSON: 100,000 NDJSON records (~512 B) into a fresh database, beside the bare
  pipeline that reads the same file, parses each line with orjson and inserts
  the parsed rows with one ``sqlite3.executemany`` in one transaction (no
  checks, no merge).  Goal: failearn at least one third of the bare rate.
* Markdown: 10,000 post-mortems (~2 KB) into a fresh database, beside front
  matter + markdown-it-py parsing of the same files with no checks and no
  store.  Goal: at least 1,000 files per second.
* Peak memory of the failearn process (goal: under 500 MB for the JSON run).

Each failearn run is a separate process, so its peak RSS is its own.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import frontmatter
import orjson
from markdown_it import MarkdownIt

sys.path.insert(0, str(Path(__file__).parent))
from ingest_data import write_markdown, write_ndjson
from measure import run_failearn


def bare_json(path: Path, db: Path) -> float:
    started = time.perf_counter()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (id TEXT, timestamp TEXT, service TEXT, failure_class TEXT, "
                 "severity TEXT, trace_ids TEXT, title TEXT, error_messages TEXT, metrics TEXT)")
    rows = []
    with path.open("rb") as handle:
        for line in handle:
            r = orjson.loads(line)
            rows.append((r["id"], r["timestamp"], r["service"], r["failure_class"],
                         r["severity"], orjson.dumps(r["trace_ids"]), r["title"],
                         orjson.dumps(r["error_messages"]), orjson.dumps(r["metrics"])))
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - started


def bare_markdown(directory: Path) -> float:
    md = MarkdownIt("commonmark")
    started = time.perf_counter()
    for path in sorted(directory.glob("*.md")):
        post = frontmatter.load(path)
        md.parse(post.content)
    return time.perf_counter() - started


def failearn_ingest(target: Path, db: Path) -> tuple[float, float, dict[str, Any]]:
    """(seconds, peak RSS in MB, JSON result) of one ``failearn ingest`` process."""
    return run_failearn("ingest", str(target), "--db", str(db), "--as-of", "2027-01-01")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        ndjson = write_ndjson(work / "records.ndjson", args.records)
        size = ndjson.stat().st_size / args.records
        # Written pages still being flushed to disk would slow whichever run comes first.
        os.sync()
        bare = bare_json(ndjson, work / "bare.db")
        seconds, peak, result = failearn_ingest(ndjson, work / "json.db")
        print(f"JSON: {args.records:,} records, {size:.0f} B each")
        print(f"  bare orjson + executemany : {args.records / bare:10,.0f} records/s")
        print(f"  failearn ingest           : {args.records / seconds:10,.0f} records/s "
              f"(peak {peak:,.0f} MB, {result['accepted']} accepted, {result['merged']} merged)")
        print(f"  ratio failearn / bare     : {bare / seconds:10.2f}  (goal >= 0.33)")
        pages = write_markdown(work / "md", args.files)
        os.sync()
        bare_md = bare_markdown(pages)
        seconds_md, peak_md, result_md = failearn_ingest(pages, work / "md.db")
        print(f"Markdown: {args.files:,} files")
        print(f"  bare front matter + parse : {args.files / bare_md:10,.0f} files/s")
        print(f"  failearn ingest           : {args.files / seconds_md:10,.0f} files/s "
              f"(peak {peak_md:,.0f} MB, {result_md['accepted']} accepted)")
        print(f"  ratio failearn / bare     : {bare_md / seconds_md:10.2f}  "
              "(goal: failearn >= 1,000 files/s)")
    print(f"this process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
