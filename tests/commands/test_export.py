"""`failearn export` read back by DuckDB, and the notebook API's DataFrames, on both
backends."""

from __future__ import annotations

import csv
import json
import os
import stat
import threading
from pathlib import Path
from typing import Any

import pytest

import failearn.api as fl
from failearn.store import Store
from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES

AS_OF = "2026-11-23"


def _store(cli: Cli, db: str) -> None:
    for path in ("good", "edge"):
        result = cli("ingest", str(FIXTURES / path), "--db", db, "--as-of", AS_OF)
        assert result.exit_code in (0, 1), result.stderr
    assert cli("cluster", "--db", db, "--as-of", AS_OF).exit_code == 0


def _one(db: str, sql: str) -> Any:
    with Store.open(db) as store:
        return store.conn.execute(sql).fetchone()


def test_duckdb_reads_the_parquet_export_with_the_stores_counts_and_values(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    # Closed at the end: a live DuckDB connection must not be inherited by the worker
    # processes that later tests fork (its finaliser crashes a forked child).
    with pytest.importorskip("duckdb").connect() as duckdb:
        _check_parquet(cli, tmp_path, db_url, duckdb)


def _check_parquet(cli: Cli, tmp_path: Path, db_url: str, duckdb: Any) -> None:
    _store(cli, db_url)
    for what, table in (
        ("incidents", "incidents"),
        ("reports", "reports"),
        ("patterns", "patterns"),
        ("rules", "rules"),
        ("events", "rule_events"),
    ):
        out = tmp_path / f"{what}.parquet"
        result = cli("export", "--what", what, "--output", str(out), "--db", db_url, "--json")
        assert result.exit_code == 0, result.stderr
        summary = json.loads(result.stdout)
        stored = _one(db_url, f"SELECT COUNT(*) FROM {table}")[0]
        read = duckdb.execute(f"SELECT COUNT(*) FROM '{out}'").fetchone()[0]
        assert read == stored == summary["rows"], what
    incidents = str(tmp_path / "incidents.parquet")
    first = _one(
        db_url,
        "SELECT id, timestamp, service, failure_class, report_count "
        "FROM incidents ORDER BY timestamp, id LIMIT 1",
    )
    assert duckdb.execute(
        f"SELECT id, timestamp, service, failure_class, report_count FROM "
        f"'{incidents}' ORDER BY timestamp, id LIMIT 1"
    ).fetchone() == tuple(first)
    per_service = duckdb.execute(
        f"SELECT service, COUNT(*) FROM '{incidents}' GROUP BY 1 ORDER BY 1"
    ).fetchall()
    with Store.open(db_url) as store:
        assert per_service == [
            tuple(r)
            for r in store.conn.execute(
                "SELECT service, COUNT(*) FROM incidents GROUP BY service ORDER BY service"
            )
        ]
        messages = store.conn.execute(
            "SELECT r.incident_id, COUNT(*) FROM report_error_messages e "
            "JOIN reports r ON r.key = e.report_key GROUP BY r.incident_id "
            "ORDER BY r.incident_id LIMIT 3"
        ).fetchall()
    for incident_id, count in messages:
        assert (
            duckdb.execute(
                f"SELECT len(error_messages) FROM '{incidents}' WHERE id = ?", [incident_id]
            ).fetchone()[0]
            == count
        )
    types = {r[0]: r[1] for r in duckdb.execute(f"DESCRIBE SELECT * FROM '{incidents}'").fetchall()}
    assert types["timestamp"] == "VARCHAR" and types["report_count"] == "BIGINT"
    assert types["error_messages"] == "VARCHAR[]"


def test_ndjson_and_csv_carry_the_same_rows(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    _store(cli, db)
    ndjson = cli("export", "--format", "ndjson", "--what", "incidents", "-o", "-", "--db", db)
    assert ndjson.exit_code == 0, ndjson.stderr
    records = [json.loads(line) for line in ndjson.stdout.splitlines()]
    assert (
        cli("export", "--format", "csv", "-o", str(tmp_path / "i.csv"), "--db", db).exit_code == 0
    )
    with (tmp_path / "i.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == [r["id"] for r in records]
    assert len(records) == _one(db, "SELECT COUNT(*) FROM incidents")[0]
    assert all(isinstance(r["trace_ids"], list) for r in records)
    assert [json.loads(r["trace_ids"]) for r in rows] == [r["trace_ids"] for r in records]


def test_an_export_that_cannot_be_made_says_why(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    _store(cli, db)
    bad = cli("export", "--what", "everything", "--db", db)
    assert bad.exit_code == 2 and "--what must be one of" in bad.stderr
    binary = cli("export", "--format", "parquet", "-o", "-", "--db", db)
    assert binary.exit_code == 2 and "give --output a file name" in binary.stderr
    missing = cli("export", "--db", str(tmp_path / "absent.db"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert not list(tmp_path.glob("*.parquet")) and not list(tmp_path.glob(".*partial"))


@pytest.mark.parametrize("name", ["f.db", "./f.db", "f.db-wal", "link.parquet"])
def test_an_export_never_overwrites_the_database(cli: Cli, tmp_path: Path, name: str) -> None:
    db = tmp_path / "f.db"
    _store(cli, str(db))
    (tmp_path / "link.parquet").symlink_to(db)
    before = db.read_bytes()
    for file_format in ("csv", "parquet"):
        result = cli(
            "export", "--what", "rules", "--format", file_format, "-o", name, "--db", str(db)
        )
        assert result.exit_code == 2, result.stderr
        assert "is the database" in result.stderr and "Traceback" not in result.stderr
    assert db.read_bytes() == before
    assert cli("rules", "list", "--db", str(db)).exit_code == 0


def test_an_export_into_a_named_pipe_goes_through_the_pipe(cli: Cli, tmp_path: Path) -> None:
    db = str(tmp_path / "f.db")
    _store(cli, db)
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = cli("export", "--format", "ndjson", "-o", str(pipe), "--db", db)
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert got and len(got[0].splitlines()) == _one(db, "SELECT COUNT(*) FROM incidents")[0]
    assert not list(tmp_path.glob(".pipe*"))


def test_the_notebook_api_gives_dataframes_of_the_store(cli: Cli, db_url: str) -> None:
    pytest.importorskip("pandas")
    _store(cli, db_url)
    incidents = fl.incidents(db_url)
    assert len(incidents) == _one(db_url, "SELECT COUNT(*) FROM incidents")[0]
    assert {"id", "service", "failure_class", "error_messages"} <= set(incidents.columns)
    assert incidents["timestamp"].is_monotonic_increasing
    patterns = fl.patterns(db_url)
    assert len(patterns) == _one(db_url, "SELECT COUNT(*) FROM patterns")[0]
    assert (patterns["size"] > 0).all()
    assert len(fl.rules(db_url)) == 0 and len(fl.events(db_url)) == 0
