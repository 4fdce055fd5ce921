from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

from failearn.errors import StoreError
from failearn.store import Store
from failearn.store.migrations import MIGRATIONS
from tests.helpers.process import unprivileged

FIXTURES = Path(__file__).parent.parent / "fixtures"


def test_a_blank_database_is_migrated_to_the_current_schema(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert store.schema_version == len(MIGRATIONS)
        applied = [r[0] for r in store.conn.execute("SELECT name FROM _migrations ORDER BY name")]
        assert applied == sorted(name for name, _ in MIGRATIONS)
        columns = store.table_columns()
    assert {
        "runs",
        "inbox",
        "reports",
        "incidents",
        "incident_trace_ids",
        "incident_aliases",
        "incident_links",
    } <= set(columns)
    assert "trace_id" in columns["incident_trace_ids"]
    with Store.open(db_url) as again:  # opening it again changes nothing
        assert again.schema_version == len(MIGRATIONS)
        assert again.table_columns() == columns


def test_both_backends_have_the_same_tables_and_columns(tmp_path: Path, pg_url: str) -> None:
    with Store.open(tmp_path / "s.db") as lite, Store.open(pg_url) as pg:
        assert pg.table_columns() == lite.table_columns()
        assert (lite.backend, pg.backend) == ("sqlite", "postgresql")


def test_a_new_sqlite_database_uses_a_write_ahead_log(tmp_path: Path) -> None:
    Store.open(tmp_path / "new.db").close()
    mode = sqlite3.connect(tmp_path / "new.db").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_a_database_of_the_first_schema_migrates_forward_keeping_its_data(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((FIXTURES / "db" / "schema-0001.sql").read_text(encoding="utf-8"))
    with Store.open(old) as store:
        assert store.schema_version == len(MIGRATIONS)
        migrated = store.table_columns()
        incidents = store.conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0]
    with Store.open(tmp_path / "fresh.db") as fresh:
        assert migrated == fresh.table_columns()
    assert incidents == 5


def test_a_database_from_a_newer_failearn_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer than this failearn"):
        Store.open(path)


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(StoreError, match="not a failearn database"):
        Store.open(path)
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "absent.db", create=False)
    with pytest.raises(StoreError, match="does not exist"):
        Store.open(tmp_path / "no" / "dir.db")


def test_a_failed_transaction_leaves_the_store_as_it_was(db_url: str) -> None:
    with Store.open(db_url) as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.start_run("ingest", None, {})
            raise RuntimeError("crash mid-command")
        assert store.runs() == []
        with store.transaction():
            store.start_run("ingest", None, {})
        assert len(store.runs()) == 1


def test_a_second_writer_waits_instead_of_failing(db_url: str) -> None:
    path = db_url
    Store.open(path).close()
    script = textwrap.dedent(f"""
        import time
        from failearn.store import Store
        store = Store.open({path!r})
        with store.transaction():
            store.start_run("holder", None, {{}})
            print("locked", flush=True)
            time.sleep(1.5)
    """)
    holder = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    with Store.open(path) as store, store.transaction():
        store.start_run("waiter", None, {})
    holder.wait(timeout=10)
    with Store.open(path) as store:
        assert sorted(r["command"] for r in store.runs()) == ["holder", "waiter"]


def test_migration_0005_adds_the_size_of_a_payload_kept_in_part(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((FIXTURES / "db" / "schema-0001.sql").read_text(encoding="utf-8"))
    with Store.open(old) as store:
        assert "raw_size" in store.table_columns()["inbox"]
        assert (
            store.conn.execute("SELECT COUNT(*) FROM inbox WHERE raw_size IS NULL").fetchone()[0]
            == 7
        )


def test_a_database_the_user_cannot_write_is_read_but_not_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "shared.db"
    with Store.open(path) as store, store.transaction():
        store.start_run("ingest", None, {})
    monkeypatch.setattr("failearn.store.sqlite.os.access", lambda *args, **kwargs: False)
    with Store.open(path) as store:
        assert store.readonly
        assert [r["command"] for r in store.runs()] == ["ingest"]
        with pytest.raises(StoreError, match="is read-only"), store.transaction():
            store.start_run("report", None, {})
        with pytest.raises(sqlite3.OperationalError):
            store.conn.execute("INSERT INTO settings (key, value) VALUES ('k', 'v')")


def test_a_read_only_database_of_an_older_schema_says_it_needs_a_migration(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = tmp_path / "old.db"
    with sqlite3.connect(old) as conn:
        conn.executescript((FIXTURES / "db" / "schema-0001.sql").read_text(encoding="utf-8"))
    monkeypatch.setattr("failearn.store.sqlite.os.access", lambda *args, **kwargs: False)
    with pytest.raises(StoreError, match="needs a migration"):
        Store.open(old)


def test_a_database_in_a_folder_the_user_cannot_write_is_read_and_checked_in_memory() -> None:
    # The write-ahead log's index (-shm) cannot be created beside the file: SQLite refuses a
    # plain read-only open, so the file is opened immutable; a dry run works on a copy.
    base = Path(tempfile.mkdtemp(prefix="failearn-test-"))
    try:
        path = base / "shared.db"
        with Store.open(path) as store, store.transaction():
            store.start_run("ingest", None, {})
        before = path.read_bytes()
        path.chmod(0o644)
        base.chmod(0o755)
        with unprivileged(), Store.open(path) as store:
            assert store.readonly
            assert [r["command"] for r in store.runs()] == ["ingest"]
            with pytest.raises(StoreError, match="is read-only"), store.transaction():
                store.start_run("report", None, {})
            with store.rolled_back():
                store.start_run("report", None, {})
                assert [r["command"] for r in store.runs()] == ["report", "ingest"]
            assert [r["command"] for r in store.runs()] == ["ingest"]
        assert path.read_bytes() == before
        assert sorted(p.name for p in base.iterdir()) == ["shared.db"]
    finally:
        shutil.rmtree(base)


def test_a_database_another_program_made_is_refused_and_left_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "app.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (x)")
        conn.execute("INSERT INTO notes VALUES (1)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match=r"is not a failearn database .*notes"):
        Store.open(path)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]
