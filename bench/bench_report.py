"""Benchmark: ``failearn report`` on a store of 50,000 incidents (goal: under 5 s).

Run by hand (not a test):  python bench/bench_report.py [--incidents 50000] [--runs 3]

Synthetic incidents with recurring patterns (:mod:`cluster_data`) are ingested
into a fresh database and clustered (both timed, for context); then the whole
``failearn report`` command is timed as a separate process (start-up included):
the first run, which registers the rules and writes their events, then the
median of ``--runs`` runs per format (json, md, html, text), which read the
registry and record nothing new.  Every figure is printed with its ratio to
the 5 s goal.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cluster_data import AS_OF, write_incidents

GOAL = 5.0


def timed(*args: str, cwd: Path) -> float:
    started = time.perf_counter()
    completed = subprocess.run(
        [sys.executable, "-m", "failearn", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"failearn {' '.join(args)} failed:\n{completed.stderr}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="failearn-bench-report-") as name:
        work = Path(name)
        feed = work / "incidents.ndjson"
        write_incidents(feed, options.incidents, patterns=30, noise=0.1)
        print(f"{options.incidents:,} incidents, 30 patterns, 10 % noise; as of {AS_OF}")
        print(f"  ingest   {timed('ingest', str(feed), '--as-of', AS_OF, cwd=work):7.2f} s")
        print(f"  cluster  {timed('cluster', '--as-of', AS_OF, cwd=work):7.2f} s")
        first = timed("report", "--as-of", AS_OF, "--format", "json", "-o", "first.json", cwd=work)
        print(f"report (goal < {GOAL:g} s; ratio = time / goal)")
        print(f"  first run, registers the rules  {first:6.2f} s  {first / GOAL:5.2f}")
        for fmt in ("json", "md", "html", "text"):
            runs = [
                timed("report", "--as-of", AS_OF, "--format", fmt, "-o", f"r.{fmt}", cwd=work)
                for _ in range(options.runs)
            ]
            median = statistics.median(runs)
            print(
                f"  {fmt:<5} median of {options.runs}          {median:6.2f} s  "
                f"{median / GOAL:5.2f}"
            )
        size = (work / "r.html").stat().st_size
        print(f"  html page: {size / 1024:.0f} KiB, standalone")


if __name__ == "__main__":
    main()
