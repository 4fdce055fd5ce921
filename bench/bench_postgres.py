"""Benchmark: ``failearn ingest`` into PostgreSQL against a bare psycopg ``COPY``.

Run by hand (not a test), with a PostgreSQL server to write to:

    python bench/bench_postgres.py --url postgresql://postgres@localhost:5432/postgres

(``pg_virtualenv python bench/bench_postgres.py`` starts a throwaway one; the URL
then defaults to the PG* variables it sets.)  Each run works in a fresh schema,
dropped afterwards.

* bare: read the same 100,000 NDJSON records, parse each line with orjson and
  ``COPY`` the parsed rows (9 columns) into one table in one transaction: no
  checks, no merge.
* failearn: ``failearn ingest`` of the file into an empty database, a process of
  its own.  Goal: at least one third of the bare rate.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import orjson
import psycopg

sys.path.insert(0, str(Path(__file__).parent))
from ingest_data import write_ndjson
from measure import run_failearn


@contextmanager
def schema(url: str) -> Iterator[str]:
    """A fresh schema; the URL that works in it."""
    name = f"failearn_bench_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {name}")
    try:
        yield f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{name}"
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {name} CASCADE")


def bare_copy(path: Path, url: str) -> float:
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        conn.execute(
            "CREATE TABLE t (id TEXT, timestamp TEXT, service TEXT, "
            "failure_class TEXT, severity TEXT, trace_ids TEXT, title TEXT, "
            "error_messages TEXT, metrics TEXT)"
        )
        with (
            conn.cursor() as cursor,
            cursor.copy("COPY t FROM STDIN") as copy,
            path.open("rb") as handle,
        ):
            for line in handle:
                r = orjson.loads(line)
                copy.write_row(
                    (
                        r["id"],
                        r["timestamp"],
                        r["service"],
                        r["failure_class"],
                        r["severity"],
                        orjson.dumps(r["trace_ids"]).decode(),
                        r["title"],
                        orjson.dumps(r["error_messages"]).decode(),
                        orjson.dumps(r["metrics"]).decode(),
                    )
                )
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument(
        "--url",
        default=os.environ.get("FAILEARN_BENCH_POSTGRES_URL")
        or (
            f"postgresql://{os.environ.get('PGUSER', 'postgres')}@"
            f"{os.environ.get('PGHOST', 'localhost')}:{os.environ.get('PGPORT', '5432')}/"
            f"{os.environ.get('PGDATABASE', 'postgres')}"
        ),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        ndjson = write_ndjson(Path(scratch) / "records.ndjson", args.records)
        os.sync()
        with schema(args.url) as bare_url:
            bare = bare_copy(ndjson, bare_url)
        with schema(args.url) as url:
            seconds, peak, result = run_failearn(
                "ingest", str(ndjson), "--db", url, "--as-of", "2027-01-01"
            )
    print(f"PostgreSQL, JSON: {args.records:,} records")
    print(f"  bare orjson + COPY        : {args.records / bare:10,.0f} records/s")
    print(
        f"  failearn ingest           : {args.records / seconds:10,.0f} records/s "
        f"(peak {peak:,.0f} MB, {result['accepted']} accepted, {result['merged']} merged)"
    )
    print(f"  ratio failearn / bare     : {bare / seconds:10.2f}  (goal >= 0.33)")


if __name__ == "__main__":
    main()
