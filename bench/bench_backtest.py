"""Benchmark: ``failearn backtest`` of every rule on a 50,000-incident store with 30 days of
1-minute series for 20 services (goal: under 30 s and 1 GB).

Run by hand (not a test):  python bench/bench_backtest.py [--incidents 50000]

The history of :mod:`backtest_data` is ingested into a fresh database (incidents,
then 60 series of 43,200 points), clustered and reported on (each timed, for
context: the report learns the triggers), then the whole ``failearn backtest``
command is timed as a separate process, start-up included, over every rule the
registry holds, with its peak memory.  Figures are printed with their ratio to
the goals.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from backtest_data import AS_OF, SERIES_DAYS, SERIES_SERVICES, write_history
from measure import run_failearn

GOAL_SECONDS = 30.0
GOAL_MB = 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50_000)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="failearn-bench-backtest-") as name:
        work = Path(name)
        feed, files = write_history(work, options.incidents)
        db = str(work / "failearn.db")
        print(
            f"{options.incidents:,} incidents over two years; {SERIES_DAYS} days of 1-minute "
            f"series for {len(SERIES_SERVICES)} services (3 metrics each); as of {AS_OF}"
        )
        seconds, peak, doc = run_failearn("ingest", str(feed), "--as-of", AS_OF, "--db", db)
        print(
            f"  ingest incidents  {seconds:7.2f} s  {peak:6.0f} MB  "
            f"{doc['incidents']['total']:,} incidents"
        )
        seconds, peak, doc = run_failearn("ingest", *map(str, files), "--as-of", AS_OF, "--db", db)
        points = doc["series"]["points"]["new"]
        print(
            f"  ingest series     {seconds:7.2f} s  {peak:6.0f} MB  {points:,} points "
            f"({points / seconds:,.0f} points/s, whole command)"
        )
        seconds, peak, _ = run_failearn("cluster", "--as-of", AS_OF, "--db", db)
        print(f"  cluster           {seconds:7.2f} s  {peak:6.0f} MB")
        seconds, peak, doc = run_failearn("report", "--as-of", AS_OF, "--db", db)
        learned = sum(
            1
            for s in doc["suggestions"] + doc["suppressed"]
            if s.get("precursor") and s["precursor"].get("source") == "series"
        )
        print(
            f"  report (learns)   {seconds:7.2f} s  {peak:6.0f} MB  "
            f"{len(doc['suggestions'])} suggestion(s)"
        )
        with sqlite3.connect(db) as conn:
            rules = [r[0] for r in conn.execute("SELECT id FROM rules ORDER BY id")]
            triggers = conn.execute(
                "SELECT COUNT(*) FROM rules WHERE trigger IS NOT NULL "
                'AND trigger LIKE \'%"source": "series"%\''
            ).fetchone()[0]
        seconds, peak, doc = run_failearn(
            "backtest", *rules, "--as-of", AS_OF, "--since", "2026-10-24", "--db", db
        )
        replayed = sum(1 for r in doc["rules"] if r["backtest"] is not None)
        print(
            f"backtest of every rule ({len(rules)} rules, {triggers} with a trigger learned "
            f"from series, {replayed} replayed; {learned} suggested with one)"
        )
        print(
            f"  {seconds:7.2f} s  (goal < {GOAL_SECONDS:g} s: ratio {seconds / GOAL_SECONDS:.2f})"
            f"   peak {peak:.0f} MB  (goal < {GOAL_MB:g} MB: ratio {peak / GOAL_MB:.2f})"
        )


if __name__ == "__main__":
    main()
