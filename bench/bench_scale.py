"""Benchmark: how far one SQLite file goes: ingest, cluster and report as the store grows.

Run by hand (not a test):  python bench/bench_scale.py [--sizes 100000 1000000]

For each size, synthetic NDJSON incident records (the ingest benchmark's, spread
over 150 days) are ingested into a fresh SQLite file by one ``failearn ingest``
process, then ``failearn cluster`` and ``failearn report`` run over it (the
default 90-day window: about 60 % of the incidents), each a process of its own.
Each step reports wall time, CPU time (its workers included) and peak memory; the
file's size is reported too.
A step that exceeds ``--step-timeout`` is reported as such and the larger
sizes are skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from ingest_data import write_ndjson
from measure import FAILEARN, run_python

AS_OF = "2026-11-01"


def step(timeout: float, *args: str) -> tuple[float, float, float | None, int]:
    """(seconds, CPU seconds, peak MB, exit code) of one failearn process."""
    env = {**os.environ, "FAILEARN_CONFIG": ""}
    started = time.perf_counter()
    done = run_python(f"import signal; signal.alarm({int(timeout)})\n" + FAILEARN, *args, env=env)
    return time.perf_counter() - started, done.cpu_seconds, done.peak_mb, done.returncode


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--step-timeout", type=float, default=1800)
    args = parser.parse_args()
    print(f"{'incidents':>10} {'step':<8} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} {'per 1k':>8}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            records = write_ndjson(work / "records.ndjson", size)
            db = work / "f.db"
            os.sync()
            for name, argv in (
                (
                    "ingest",
                    ("ingest", str(records), "--db", str(db), "--as-of", AS_OF, "--format", "json"),
                ),
                ("cluster", ("cluster", "--db", str(db), "--as-of", AS_OF, "--format", "json")),
                (
                    "report",
                    (
                        "report",
                        "--db",
                        str(db),
                        "--as-of",
                        AS_OF,
                        "--output",
                        str(work / "report.md"),
                    ),
                ),
            ):
                seconds, cpu, peak, code = step(args.step_timeout, *argv)
                status = "" if code in (0, 1) else f"  (exit {code}: stopped or failed)"
                print(
                    f"{size:>10,} {name:<8} {seconds:>8.1f} {cpu:>8.1f} {peak or 0:>8,.0f} "
                    f"{seconds / size * 1000:>8.3f}{status}",
                    flush=True,
                )
                if status:
                    return
            print(f"{size:>10,} {'file':<8} {db.stat().st_size / 2**20:>8,.0f} MB", flush=True)


if __name__ == "__main__":
    main()
