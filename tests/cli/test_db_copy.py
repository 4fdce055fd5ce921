"""`failearn db copy`: a whole store between backends, row counts checked, nothing lost."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from failearn.store import Store
from failearn.store.db import tables
from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES


def _contents(db: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order."""
    with Store.open(db) as store:
        found = {}
        for table in tables(store):
            rows = [tuple(r) for r in store.conn.execute(f"SELECT * FROM {table}")]
            found[table] = sorted(rows, key=repr)
        return found


def _store(cli: Cli, db: str) -> None:
    for path in ("good", "edge"):
        result = cli("ingest", str(FIXTURES / path), "--db", db, "--as-of", "2026-11-23")
        assert result.exit_code in (0, 1), result.stderr
    assert cli("cluster", "--db", db, "--as-of", "2026-11-23").exit_code == 0


def test_a_store_goes_to_postgresql_and_back_unchanged(
    cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    original = str(tmp_path / "original.db")
    _store(cli, original)
    there = cli.json("db", "copy", original, pg_url)
    assert there["rows"] == sum(there["tables"].values()) > 0
    assert there["tables"]["inbox"] > 0 and there["tables"]["incidents"] > 0
    back = str(tmp_path / "back.db")
    again = cli.json("db", "copy", pg_url, back)
    assert again["tables"] == there["tables"]
    assert _contents(back) == _contents(original)
    with Store.open(pg_url) as store, store.transaction():
        run = store.start_run("next", None, {})  # numbering follows the copied runs
        assert run == max(r[0] for r in _contents(original)["runs"]) + 1


def test_a_target_that_holds_data_is_refused_and_left_alone(
    cli: Cli, tmp_path: Path, db_url: str
) -> None:
    source = str(tmp_path / "source.db")
    _store(cli, source)
    result = cli("ingest", str(FIXTURES / "good"), "--db", db_url, "--as-of", "2026-11-23")
    assert result.exit_code == 0
    before = _contents(db_url)
    refused = cli("db", "copy", source, db_url)
    assert refused.exit_code == 2
    assert "already holds data" in refused.stderr
    assert _contents(db_url) == before


def test_a_copy_onto_itself_or_from_nothing_is_refused(cli: Cli, tmp_path: Path) -> None:
    source = str(tmp_path / "source.db")
    _store(cli, source)
    same = cli("db", "copy", source, f"sqlite:{source}")
    assert same.exit_code == 2 and "the same database" in same.stderr
    missing = cli("db", "copy", str(tmp_path / "absent.db"), str(tmp_path / "t.db"))
    assert missing.exit_code == 2 and "does not exist" in missing.stderr
    assert not (tmp_path / "t.db").exists()


def test_an_interrupted_copy_says_nothing_was_saved_and_leaves_no_file(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import failearn.commands.db as db

    source = str(tmp_path / "source.db")
    _store(cli, source)
    copied: list[str] = []
    real = db._copy

    def copy_then_ctrl_c(source: Store, target: Store, table: str) -> int:
        if len(copied) == 3:
            raise KeyboardInterrupt
        copied.append(table)
        return real(source, target, table)

    monkeypatch.setattr(db, "_copy", copy_then_ctrl_c)
    result = cli("db", "copy", source, str(tmp_path / "new.db"))
    assert result.exit_code == 130
    # Creating the target's tables is not the copy: it said the changes were saved.
    assert "a write that had not finished was rolled back" in result.stderr
    assert not list(tmp_path.glob("new.db*"))


def test_an_empty_source_is_refused_and_left_empty(cli: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.touch()
    result = cli("db", "copy", str(empty), str(tmp_path / "out.db"))
    assert result.exit_code == 2 and "holds no failearn store" in result.stderr
    assert empty.stat().st_size == 0 and not list(tmp_path.glob("out.db*"))


def test_another_programs_migrations_table_does_not_make_its_database_ours(
    cli: Cli, tmp_path: Path
) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE _migrations (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO _migrations (name) VALUES ('0001_init')")
        conn.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY)")
    before = other.read_bytes()
    result = cli("ingest", str(FIXTURES / "good"), "--db", str(other), "--as-of", "2026-11-23")
    assert result.exit_code == 2 and "is not a failearn database" in result.stderr
    assert other.read_bytes() == before
