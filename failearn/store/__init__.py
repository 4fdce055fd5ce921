"""The store: one SQLite file, the only place failearn writes SQL.

:class:`Store` opens the database (WAL, a busy timeout, foreign keys), migrates
it forward, and runs each command's writes in one transaction
(:meth:`Store.transaction`): a crash, a kill or Ctrl-C leaves the database as it
was before the command.  ``BEGIN IMMEDIATE`` takes the write lock at the start,
so two CI jobs ingesting at once queue behind each other instead of failing
with "database is locked".

The SQL of each capability lives in a module of this package named for it
(:mod:`failearn.store.capture` for ingest); callers get plain data back.
All of it is plain :mod:`sqlite3`: the statements are few, hand-written and
reviewed in one place, and an ORM or sqlite-utils would only add import time
(sqlite-utils imports pandas) to ``failearn ingest``, which CI runs on every push.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failearn import __version__
from failearn.errors import StoreError
from failearn.store.migrations import MIGRATIONS
from failearn.timeutil import iso

MEMORY = ":memory:"
# Ids per ``IN (...)`` query: well under SQLite's limit on bound parameters.
CHUNK = 500


def chunks(values: Sequence[str]) -> Iterator[list[str]]:
    """``values`` in lists of at most :data:`CHUNK`, for ``IN (...)`` queries."""
    for start in range(0, len(values), CHUNK):
        yield list(values[start:start + CHUNK])


def marks(count: int) -> str:
    """``?, ?, ?`` for ``count`` bound parameters."""
    return ", ".join("?" * count)
# Transactions committed by this process; the CLI compares it before and after a
# command to say truthfully, on Ctrl-C, whether the command's changes were saved.
commits = 0


def _hold_interrupts() -> bool:
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    except (AttributeError, ValueError, OSError):  # not POSIX, or not the main thread
        return False
    return True


def _release_interrupts(blocked: bool) -> None:
    if blocked:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


class Store:
    """An open failearn database."""

    def __init__(self, conn: sqlite3.Connection, path: str, readonly: bool = False) -> None:
        self.conn = conn
        self.path = path
        self.readonly = readonly

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts (plain sqlite3: cheap to import)."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout: timedelta = timedelta(minutes=2),
             create: bool = True) -> Store:
        """Open (creating if allowed) and migrate the database at ``path``.

        A database file the user cannot write is opened read-only: commands that
        only read it work, and one that writes says the file is read-only.
        """
        target = str(path)
        readonly = False
        if target != MEMORY:
            file = Path(target)
            if not file.exists() and not create:
                raise StoreError(f"database {target} does not exist",
                                 hint="run `failearn ingest` first, or pass --db")
            if file.is_dir():
                raise StoreError(f"database path {target} is a directory")
            if not file.parent.exists():
                raise StoreError(f"cannot create database {target}: "
                                 f"{file.parent} does not exist")
            readonly = file.exists() and not _writable(file)
        location = _read_only_uri(Path(target)) if readonly else target
        try:
            conn = sqlite3.connect(location, timeout=busy_timeout.total_seconds(),
                                   isolation_level=None, check_same_thread=False,
                                   uri=readonly)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {target}: {exc}") from exc
        store = cls(conn, target, readonly)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout.total_seconds() * 1000)}")
            store._check_ours()
            if target != MEMORY and not readonly:
                if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
                    conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big runs spill less
            store._migrate()
        except sqlite3.OperationalError as exc:
            conn.close()
            raise StoreError(f"cannot open database {target}: {exc}",
                             hint="is another failearn writing to it, or is it read-only?"
                             ) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{target} is not a failearn database: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------

    @property
    def schema_version(self) -> int:
        return int(self.conn.execute("PRAGMA user_version").fetchone()[0])

    def _check_ours(self) -> None:
        """Refuse, before changing anything, a database some other program made: one
        with tables of its own and no record of failearn's migrations."""
        names = {row[0] for row in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")}
        if names and "_migrations" not in names:
            shown = ", ".join(sorted(names)[:5]) + (" …" if len(names) > 5 else "")
            raise StoreError(f"{self.path} is not a failearn database (it holds tables "
                             f"{shown})", hint="pass --db with a new file or a failearn "
                             "database")

    def _migrate(self) -> None:
        if self.schema_version > len(MIGRATIONS):
            raise StoreError(
                f"database {self.path} has schema version {self.schema_version}, newer than "
                f"this failearn understands ({len(MIGRATIONS)})", hint="upgrade failearn")
        if self.schema_version == len(MIGRATIONS):
            return
        if self.readonly:
            raise StoreError(f"database {self.path} is read-only and was made by an older "
                             "failearn: it needs a migration to be read",
                             hint="make the file writable once, or work on a copy")
        with self.transaction():
            self.conn.execute("CREATE TABLE IF NOT EXISTS _migrations "
                              "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
            done = {row[0] for row in self.conn.execute("SELECT name FROM _migrations")}
            for name, migrate in MIGRATIONS:
                if name in done:
                    continue
                migrate(self.conn)
                self.conn.execute("INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                                  (name, iso(datetime.now(UTC))))
            self.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def table_columns(self) -> dict[str, list[str]]:
        """Every table and view with its columns (for tests and ``failearn db``)."""
        names = [r[0] for r in self.conn.execute(
            "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
            "AND name NOT LIKE 'sqlite_%'")]
        return {name: [c[1] for c in self.conn.execute(f'PRAGMA table_info("{name}")')]
                for name in sorted(names)}

    # -- transactions ----------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction; rolled back on any exception, Ctrl-C included."""
        if self.conn.in_transaction:
            yield
            return
        self._begin()
        try:
            yield
        except BaseException:
            self.conn.rollback()
            raise
        else:
            self._commit()

    def _commit(self) -> None:
        """Commit with Ctrl-C held back until the commit is counted, so that an interrupt
        can always tell whether the command's changes were saved."""
        global commits
        blocked = _hold_interrupts()
        try:
            self.conn.commit()
            commits += 1
        finally:
            _release_interrupts(blocked)

    def _begin(self) -> None:
        """Take the write lock now (waiting up to the busy timeout), or say why not."""
        if self.readonly:
            raise StoreError(f"database {self.path} is read-only",
                             hint="this command writes to the database: make the file "
                                  "writable, or pass another --db")
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"database {self.path} is read-only: {exc}") from exc
            raise StoreError(f"database {self.path} is busy: {exc}",
                             hint="another failearn is writing; try again") from exc

    @contextmanager
    def rolled_back(self) -> Iterator[None]:
        """A transaction that is always rolled back (``--dry-run``).

        It takes the write lock like a real run, so what it reports is what the
        real run would do.  A database opened read-only is copied into memory
        and the run works on the copy: checking needs no write access.
        """
        if self.readonly:
            with self._in_memory_copy():
                self.conn.execute("BEGIN IMMEDIATE")
                try:
                    yield
                finally:
                    self.conn.rollback()
            return
        self._begin()
        try:
            yield
        finally:
            self.conn.rollback()

    @contextmanager
    def _in_memory_copy(self) -> Iterator[None]:
        """Work on an in-memory copy of the database for the duration of the block."""
        original = self.conn
        copy = sqlite3.connect(MEMORY, isolation_level=None, check_same_thread=False)
        try:
            original.backup(copy)
            copy.execute("PRAGMA foreign_keys = ON")
            self.conn = copy
            self.readonly = False
            try:
                yield
            finally:
                self.conn, self.readonly = original, True
        finally:
            copy.close()

    # -- bulk loads -------------------------------------------------------------

    def suspend_indexes(self, tables: Sequence[str]) -> list[str]:
        """Drop the secondary indexes of ``tables`` for a bulk load; the SQL to rebuild them.

        Building an index once over loaded rows is several times cheaper than
        keeping it up to date row by row.  Done inside the command's
        transaction, so a failed load rolls the indexes back too.
        """
        rows = self.conn.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks(len(tables))}) ORDER BY name", tuple(tables)).fetchall()
        for name, _ in rows:
            self.conn.execute(f'DROP INDEX "{name}"')
        return [str(sql) for _, sql in rows]

    def restore_indexes(self, statements: Sequence[str]) -> None:
        """Rebuild indexes dropped by :meth:`suspend_indexes`."""
        for statement in statements:
            self.conn.execute(statement)

    # -- runs and settings -----------------------------------------------------

    def start_run(self, command: str, as_of: datetime | None,
                  parameters: dict[str, Any]) -> int:
        cursor = self.conn.execute(
            "INSERT INTO runs (command, started_at, as_of, parameters, failearn_version) "
            "VALUES (?, ?, ?, ?, ?)",
            (command, iso(datetime.now(UTC)), iso(as_of) if as_of else None,
             json.dumps(parameters, sort_keys=True, default=str), __version__))
        return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
            (iso(datetime.now(UTC)), status, json.dumps(summary, sort_keys=True, default=str),
             run_id))

    def runs(self, command: str | None = None, limit: int = 20) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs"
        params: list[Any] = []
        if command:
            sql += " WHERE command = ?"
            params.append(command)
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        return self.query(sql, params)

    def setting(self, key: str) -> str | None:
        row = self.conn.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def put_setting(self, key: str, value: str) -> None:
        self.conn.execute("INSERT INTO settings (key, value) VALUES (?, ?) "
                          "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

    def pseudonym_secret(self) -> str:
        """The database's own pseudonymisation secret, created on first use."""
        value = self.setting("pseudonym_secret")
        if value is None:
            value = secrets.token_hex(32)
            self.put_setting("pseudonym_secret", value)
        return value


def discard_unused(file: Path) -> bool:
    """Remove a database file (and its side files) that holds no run: one a command created
    and then stored nothing in, because it failed or was interrupted.  A database another
    process holds a lock on, or that holds anything, is left alone; True if removed."""
    try:
        conn = sqlite3.connect(file, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN EXCLUSIVE")
            unused = conn.execute("SELECT 1 FROM runs LIMIT 1").fetchone() is None
            conn.rollback()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    if unused:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{file}{suffix}").unlink(missing_ok=True)
    return unused


def _writable(file: Path) -> bool:
    """Whether a write to the existing database ``file`` can succeed: the file itself, and
    its folder when the write-ahead log and its index would have to be created there."""
    if not _may_write(file):
        return False
    companions = [Path(f"{file}{suffix}") for suffix in ("-wal", "-shm")]
    return all(c.exists() for c in companions) or _may_write(file.parent)


def _may_write(path: Path) -> bool:
    """Write permission as the process holds it (its effective user, where that is known)."""
    effective = os.access in os.supports_effective_ids
    return os.access(path, os.W_OK, effective_ids=effective)


def _read_only_uri(file: Path) -> str:
    """The URI that opens ``file`` for reading only.

    Reading a WAL database needs its ``-shm`` index, which SQLite creates beside
    it; in a folder the user cannot write, with no log left to replay, the file
    is opened as immutable (nobody can be writing it through this folder).
    """
    uri = f"{file.resolve().as_uri()}?mode=ro"
    stuck = not _may_write(file.parent) and not Path(f"{file}-shm").exists()
    if stuck and not Path(f"{file}-wal").exists():
        uri += "&immutable=1"
    return uri
