"""Benchmark: ingest of a 1-million-point Prometheus range-query file (goal: at least a third
of the rate of ``orjson.loads`` + one ``executemany`` of the points, in the same run).

Run by hand (not a test):  python bench/bench_series_ingest.py [--points 1000000] [--runs 3]

One file of 20 series (a range query's answer, as ``curl`` saves it) is written
once.  Each run, alternately: the bare pipeline — read the file, ``orjson.loads``
it, build one (series, time, value) row per point and insert them with one
``executemany`` into a fresh SQLite table without indexes, commit — and
failearn's ingest core (:func:`failearn.commands.ingest.run_ingest`) into a fresh
database: sniffing, parsing with every check (finite values, increasing times,
names, services), the comparison with stored points, the inbox's raw copy, the
series and points tables with their key, one transaction.  The medians and
their ratio are printed, with the whole ``failearn ingest`` command (start-up
included) and its peak memory for context.
"""

from __future__ import annotations

import argparse
import math
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from measure import run_failearn

GOAL = 1 / 3
SERIES = 20
START = 1_790_000_000


def write_file(path: Path, points: int) -> None:
    per = points // SERIES
    result = []
    for number in range(SERIES):
        values = [
            [START + 60 * i, f"{100 + 20 * math.sin(i / 90 + number):.4g}"] for i in range(per)
        ]
        result.append(
            {
                "metric": {
                    "__name__": "request_rate",
                    "service": f"svc-{number:02d}",
                    "instance": "10.0.0.1:9100",
                },
                "values": values,
            }
        )
    path.write_bytes(
        orjson.dumps({"status": "success", "data": {"resultType": "matrix", "result": result}})
    )


def bare(path: Path, db: Path) -> float:
    """Read, orjson.loads, one executemany of the points, commit: seconds."""
    started = time.perf_counter()
    document = orjson.loads(path.read_bytes())
    rows = [
        (number, int(float(at) * 1000), float(value))
        for number, series in enumerate(document["data"]["result"])
        for at, value in series["values"]
    ]
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE points (series_id INTEGER, at INTEGER, value REAL)")
    conn.executemany("INSERT INTO points VALUES (?, ?, ?)", rows)
    conn.commit()
    conn.close()
    return time.perf_counter() - started


def failearn_core(path: Path, db: Path) -> float:
    from failearn.commands.ingest import IngestOptions, run_ingest
    from failearn.config import Settings
    from failearn.taxonomy.file import load_taxonomy

    settings = Settings(db=db)
    taxonomy = load_taxonomy(None)
    started = time.perf_counter()
    result = run_ingest(
        settings, taxonomy, IngestOptions(paths=[str(path)], as_of=datetime.now(UTC))
    )
    seconds = time.perf_counter() - started
    assert result.series is not None and not result.series.errors
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="failearn-bench-series-") as name:
        work = Path(name)
        path = work / "range-query.json"
        write_file(path, options.points)
        points = (options.points // SERIES) * SERIES
        print(f"{points:,} points in {SERIES} series, {path.stat().st_size / 1e6:.1f} MB")
        bare_runs, core_runs = [], []
        for run in range(options.runs):
            bare_runs.append(bare(path, work / f"bare-{run}.db"))
            core_runs.append(failearn_core(path, work / f"core-{run}.db"))
        bare_s, core_s = statistics.median(bare_runs), statistics.median(core_runs)
        for label, median, runs in (
            ("bare pipeline (orjson + one executemany)", bare_s, bare_runs),
            ("failearn ingest, core", core_s, core_runs),
        ):
            print(
                f"{label:<41} median {median:6.2f} s  {points / median:>10,.0f} points/s"
                f"   runs {', '.join(f'{s:.2f}' for s in runs)}"
            )
        ratio = bare_s / core_s
        print(
            f"ratio {ratio:.2f} of the bare rate (goal >= {GOAL:.2f}: "
            f"{'met' if ratio >= GOAL else 'missed'})"
        )
        seconds, peak, doc = run_failearn("ingest", str(path), "--db", str(work / "cmd.db"))
        print(
            f"whole command (start-up included)  {seconds:6.2f} s  "
            f"{points / seconds:>10,.0f} points/s   peak {peak:.0f} MB; "
            f"{doc['series']['points']['new']:,} points stored"
        )


if __name__ == "__main__":
    main()
