"""Benchmark: ``failearn ingest`` against the bare pipelines it is measured by.

Run by hand (not a test):  python bench/bench_ingest.py [--records 100000] [--files 10000]
[--runs 5]

* JSON: 100,000 NDJSON records (~512 B) into a fresh database, beside the bare
  pipeline that reads the same file, parses each line with orjson and inserts
  the parsed rows with one ``sqlite3.executemany`` in one transaction (no
  checks, no merge).  Goal: failearn at least one third of the bare rate.
* Markdown: 10,000 post-mortems (~2 KB) into a fresh database, beside front
  matter + markdown-it-py parsing of the same files with no checks and no
  store.  Goal: at least 1,000 files per second.
* Peak memory of the failearn process (goal: under 500 MB for the JSON run).

Each failearn run is a separate process, so its peak RSS is its own.  With
``--runs N`` the JSON pair runs N times (each run's ratio, then the median and
the spread; ``--files 0`` leaves Markdown out).  Beside the wall-clock ratio
each run gives the ratio of CPU seconds (failearn's with its workers'): on a
machine other jobs share, wall time measures the queue for the cores as much
as the work.
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
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


def bare_json(path: Path, db: Path) -> tuple[float, float]:
    """(seconds, CPU seconds) of the bare pipeline."""
    started = time.perf_counter()
    cpu = time.process_time()
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(
        "CREATE TABLE t (id TEXT, timestamp TEXT, service TEXT, failure_class TEXT, "
        "severity TEXT, trace_ids TEXT, title TEXT, error_messages TEXT, metrics TEXT)"
    )
    rows = []
    with path.open("rb") as handle:
        for line in handle:
            r = orjson.loads(line)
            rows.append(
                (
                    r["id"],
                    r["timestamp"],
                    r["service"],
                    r["failure_class"],
                    r["severity"],
                    orjson.dumps(r["trace_ids"]),
                    r["title"],
                    orjson.dumps(r["error_messages"]),
                    orjson.dumps(r["metrics"]),
                )
            )
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
    conn.close()
    return time.perf_counter() - started, time.process_time() - cpu


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


def json_pair(ndjson: Path, work: Path, records: int, run: int) -> float:
    """One bare run and one failearn run of the same file; the wall-clock ratio."""
    for name in ("bare.db", "json.db"):
        for suffix in ("", "-wal", "-shm"):
            (work / f"{name}{suffix}").unlink(missing_ok=True)
    bare, bare_cpu = bare_json(ndjson, work / "bare.db")
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    seconds, peak, result = failearn_ingest(ndjson, work / "json.db")
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime)
    print(f"JSON run {run}: load average {os.getloadavg()[0]:.1f}")
    print(f"  bare orjson + executemany : {records / bare:10,.0f} records/s ({bare_cpu:.1f} CPU s)")
    print(
        f"  failearn ingest           : {records / seconds:10,.0f} records/s "
        f"({cpu:.1f} CPU s, peak {peak:,.0f} MB, {result['accepted']} accepted, "
        f"{result['merged']} merged)"
    )
    print(
        f"  ratio failearn / bare     : {bare / seconds:10.2f}  (goal >= 0.33); "
        f"in CPU seconds {bare_cpu / cpu:.2f}",
        flush=True,
    )
    return bare / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        ndjson = write_ndjson(work / "records.ndjson", args.records)
        print(
            f"JSON input: {args.records:,} records, "
            f"{ndjson.stat().st_size / args.records:.0f} B each"
        )
        # Written pages still being flushed to disk would slow whichever run comes first.
        os.sync()
        ratios = [json_pair(ndjson, work, args.records, run) for run in range(1, args.runs + 1)]
        if len(ratios) > 1:
            print(
                f"JSON ratio over {len(ratios)} runs: median {statistics.median(ratios):.2f}, "
                f"min {min(ratios):.2f}, max {max(ratios):.2f}"
            )
        if not args.files:
            return
        pages = write_markdown(work / "md", args.files)
        os.sync()
        bare_md = bare_markdown(pages)
        seconds_md, peak_md, result_md = failearn_ingest(pages, work / "md.db")
        print(f"Markdown: {args.files:,} files")
        print(f"  bare front matter + parse : {args.files / bare_md:10,.0f} files/s")
        print(
            f"  failearn ingest           : {args.files / seconds_md:10,.0f} files/s "
            f"(peak {peak_md:,.0f} MB, {result_md['accepted']} accepted)"
        )
        print(
            f"  ratio failearn / bare     : {bare_md / seconds_md:10.2f}  "
            "(goal: failearn >= 1,000 files/s)"
        )
    print(f"this process peak: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
