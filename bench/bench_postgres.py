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

Beside wall time each side gives CPU seconds: the client's (failearn's with its
workers) and the server's (its processes', read from ``/proc``: run it beside the
server, e.g. in the throwaway cluster of ``pg_virtualenv``), up to the end of the
load (dropping the schema afterwards is not counted).
With ``--runs N`` the pair runs N times.  Each side also gives the WAL it wrote (the
server's, so run it on a server nothing else writes to).  ``--statements N`` lists
the N statements the server spent longest on during failearn's ingest, nested ones
included (the lookups of foreign keys and triggers): it needs ``pg_stat_statements``
loaded with ``track = all``, e.g.

    pg_virtualenv -o shared_preload_libraries=pg_stat_statements \
        -o pg_stat_statements.track=all python bench/bench_postgres.py --statements 15
"""

from __future__ import annotations

import argparse
import os
import secrets
import statistics
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
from measure import FAILEARN, run_python


def server_cpu(url: str) -> float:
    """CPU seconds the server has used so far: its postmaster's, with every backend's, live
    or ended (read from ``/proc``: the server must run on this machine)."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT current_setting('data_directory')").fetchone()
    assert row is not None
    postmaster = int((Path(row[0]) / "postmaster.pid").read_text().split()[0])
    tick = os.sysconf("SC_CLK_TCK")

    def times(pid: int, with_children: bool) -> int:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        used = int(fields[11]) + int(fields[12])
        return used + (int(fields[13]) + int(fields[14]) if with_children else 0)

    total = times(postmaster, True)
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == postmaster:
                total += times(int(entry.name), False)
        except (OSError, ValueError):
            continue
    return total / tick


def wal_position(url: str) -> str:
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute("SELECT pg_current_wal_lsn()::text").fetchone()
    assert row is not None
    return str(row[0])


def wal_mb(url: str, since: str) -> float:
    """MB of WAL the server wrote since the position ``since``."""
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s::pg_lsn)", (since,)
        ).fetchone()
    assert row is not None
    return float(row[0]) / 1e6


def reset_statements(url: str) -> bool:
    """Empty pg_stat_statements' counts; False when the server does not keep them."""
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
            conn.execute("SELECT pg_stat_statements_reset()")
    except psycopg.Error as exc:
        print(f"  (no statement profile: {str(exc).strip().splitlines()[0]})")
        return False
    return True


def print_statements(url: str, limit: int) -> None:
    """The statements the server spent longest on since :func:`reset_statements`."""
    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT total_exec_time, calls, rows, toplevel, "
            "regexp_replace(query, '\\s+', ' ', 'g') FROM pg_stat_statements "
            "WHERE query NOT LIKE '%%pg_stat_statements%%' "
            "ORDER BY total_exec_time DESC LIMIT %s",
            (limit,),
        ).fetchall()
    print("  statements by time on the server (ms; nested: run by a trigger or a key check):")
    for total, calls, count, toplevel, query in rows:
        nested = "" if toplevel else " nested"
        print(f"    {total:9,.0f} ms {calls:8,} calls {count:8,} rows{nested}: {query[:110]}")


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


def bare_copy(path: Path, url: str) -> tuple[float, float]:
    """(seconds, client CPU seconds) of the bare COPY."""
    started = time.perf_counter()
    cpu = time.process_time()
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
    return time.perf_counter() - started, time.process_time() - cpu


def one_run(ndjson: Path, url: str, records: int, run: int, statements: int) -> float:
    """One bare COPY and one failearn ingest into fresh schemas; the wall-clock ratio."""
    server, wal = server_cpu(url), wal_position(url)
    with schema(url) as bare_url:
        bare, bare_cpu = bare_copy(ndjson, bare_url)
        bare_server, bare_wal = server_cpu(url) - server, wal_mb(url, wal)
    profiled = statements > 0 and reset_statements(url)
    server, wal = server_cpu(url), wal_position(url)
    with schema(url) as target:
        done = run_python(
            FAILEARN,
            "ingest",
            str(ndjson),
            "--db",
            target,
            "--as-of",
            "2027-01-01",
            "--format",
            "json",
            env={**os.environ, "FAILEARN_CONFIG": ""},
        )
        ours_server, ours_wal = server_cpu(url) - server, wal_mb(url, wal)
    if done.returncode not in (0, 1):
        raise SystemExit(f"failearn ingest failed:\n{done.stderr}")
    result = orjson.loads(done.stdout)
    print(f"PostgreSQL run {run}: load average {os.getloadavg()[0]:.1f}")
    print(
        f"  bare orjson + COPY        : {records / bare:10,.0f} records/s "
        f"(client {bare_cpu:.1f} CPU s, server {bare_server:.1f} CPU s, WAL {bare_wal:,.0f} MB)"
    )
    print(
        f"  failearn ingest           : {records / done.seconds:10,.0f} records/s "
        f"(client {done.cpu_seconds:.1f} CPU s with its workers, server "
        f"{ours_server:.1f} CPU s, WAL {ours_wal:,.0f} MB; peak {done.peak_mb or 0:,.0f} MB, "
        f"{result['accepted']} accepted, {result['merged']} merged)"
    )
    print(
        f"  ratio failearn / bare     : {bare / done.seconds:10.2f}  (goal >= 0.33); in CPU "
        f"seconds, client and server {(bare_cpu + bare_server) / (done.cpu_seconds + ours_server):.2f}",
        flush=True,
    )
    if profiled:
        print_statements(url, statements)
    return bare / done.seconds


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
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--statements",
        type=int,
        default=0,
        help="list the N statements failearn's ingest kept the server busiest with",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        ndjson = write_ndjson(Path(scratch) / "records.ndjson", args.records)
        os.sync()
        print(f"PostgreSQL, JSON: {args.records:,} records")
        ratios = [
            one_run(ndjson, args.url, args.records, run, args.statements)
            for run in range(1, args.runs + 1)
        ]
    if len(ratios) > 1:
        print(
            f"ratio over {len(ratios)} runs: median {statistics.median(ratios):.2f}, "
            f"min {min(ratios):.2f}, max {max(ratios):.2f}"
        )


if __name__ == "__main__":
    main()
