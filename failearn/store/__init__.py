"""The store: a SQLite file or a PostgreSQL database, the only place failearn writes SQL.

:class:`Store` opens the database (SQLite: WAL, a busy timeout, foreign keys;
PostgreSQL: a psycopg connection, see :mod:`failearn.store.postgres`),
migrates it forward, and runs each command's writes in one transaction
(:meth:`Store.transaction`): a crash, a kill, a dropped connection or Ctrl-C
leaves the database as it was before the command.  Writers queue: SQLite's
``BEGIN IMMEDIATE`` takes the write lock at the start, and on PostgreSQL a
command takes an advisory lock before it begins, so two CI jobs writing at once
wait for each other instead of failing.  Ingests are the exception on
PostgreSQL: several run side by side (one per repository, say), each locking
the sources it writes, and their merges into incidents take turns.

The SQL of each capability lives in a module of this package named for it
(:mod:`failearn.store.ingest` for ingest); callers get plain data back.  It is
written once, in SQLite's dialect; the PostgreSQL connection translates the
few constructs that differ.  All of it is plain :mod:`sqlite3` or psycopg: the
statements are few, hand-written and reviewed in one place, and an ORM would
only add import time to ``failearn ingest``, which CI runs on every push.
"""

from __future__ import annotations

import json
import secrets
import signal
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from failearn import __version__
from failearn.errors import DAMAGE_HINT, StoreError
from failearn.store import location as locations
from failearn.store import sqlite as lite
from failearn.store.migrations import MIGRATIONS
from failearn.timeutil import iso

if TYPE_CHECKING:
    from failearn.store.postgres import PgConnection

MEMORY = lite.MEMORY
# The largest SQLite file an ingest checks for damage before it writes.
QUICK_CHECK_MAX_BYTES = 64 * 1024 * 1024
# Ids per ``IN (...)`` query: well under SQLite's limit on bound parameters.
CHUNK = 500
# How a transaction shares the database with other commands (PostgreSQL; SQLite has one
# writer at a time whatever the mode): "serial" waits for every other writer but ingests;
# "ingest" runs beside other ingests; "exclusive" waits for everything, ingests included.
Mode = Literal["serial", "ingest", "exclusive"]


class Cursor(Protocol):
    @property
    def description(self) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """What the store modules use of a connection: sqlite3's ``execute`` and
    ``executemany`` (PostgreSQL's connection offers the same)."""

    def execute(self, sql: str, parameters: Any = ..., /) -> Cursor: ...

    def executemany(self, sql: str, parameters: Iterable[Any], /) -> Cursor: ...


def chunks(values: Sequence[str]) -> Iterator[list[str]]:
    """``values`` in lists of at most :data:`CHUNK`, for ``IN (...)`` queries."""
    for start in range(0, len(values), CHUNK):
        yield list(values[start : start + CHUNK])


def marks(count: int) -> str:
    """``?, ?, ?`` for ``count`` bound parameters."""
    return ", ".join("?" * count)


# Transactions committed by this process; the CLI compares it before and after a
# command to say truthfully, on Ctrl-C, whether the command's changes were saved.
commits = 0


def _identity(path: str) -> tuple[int, int] | None:
    """The device and inode of a database file (None in memory, or when it is gone)."""
    if path == MEMORY:
        return None
    try:
        status = Path(path).stat()
    except OSError:
        return None
    return status.st_dev, status.st_ino


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

    def __init__(
        self, conn: sqlite3.Connection | PgConnection, path: str, readonly: bool = False
    ) -> None:
        self.conn: Connection = conn
        self._raw = conn
        # What failearn shows of the location: a path, or a URL without its password.
        self.path = path
        self.readonly = readonly
        # The SQLite file as it was opened (device, inode): a commit into a file that was
        # deleted or replaced meanwhile would be lost, and is refused.
        self._file = _identity(path) if isinstance(conn, sqlite3.Connection) else None
        self._migrating = False

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return "sqlite" if isinstance(self._raw, sqlite3.Connection) else "postgresql"

    @property
    def _pg(self) -> PgConnection:
        assert not isinstance(self._raw, sqlite3.Connection)
        return self._raw

    @property
    def _lite(self) -> sqlite3.Connection:
        assert isinstance(self._raw, sqlite3.Connection)
        return self._raw

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Rows of a query as dicts."""
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def insert_id(self, sql: str, params: Sequence[Any]) -> int:
        """Run one ``INSERT`` into a table with an ``id`` key; the id it was given."""
        if self.backend == "sqlite":
            return int(self._lite.execute(sql, params).lastrowid or 0)
        row = self._pg.execute(f"{sql} RETURNING id", params).fetchone()
        assert row is not None
        return int(row[0])

    def insert_many(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
    ) -> None:
        """Insert rows in bulk (PostgreSQL: with ``COPY``)."""
        if not rows:
            return
        if self.backend == "sqlite":
            self._lite.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks(len(columns))})", rows
            )
        else:
            self._pg.copy_rows(table.removeprefix("temp."), columns, rows)

    def analyze(self, *tables: str) -> None:
        """Bring the planner's statistics of ``tables`` up to date after a bulk write, rows
        of this transaction included (PostgreSQL, which otherwise plans a large merge as
        if the tables were empty; SQLite plans well enough from its indexes)."""
        if self.backend == "postgresql":
            self._pg.analyze(tables)

    def next_ids(self, table: str, count: int) -> list[int]:
        """``count`` new ids of ``table`` (PostgreSQL, for rows written by COPY)."""
        return self._pg.next_ids(table, count)

    def stream(self, sql: str) -> Iterator[Any]:
        """The rows of a large query without holding them all in memory (PostgreSQL: a
        server-side cursor, inside the current transaction)."""
        if self.backend == "sqlite":
            yield from self._lite.execute(sql)
        else:
            yield from self._pg.stream(sql)

    def advance_identity(self, table: str) -> None:
        """After rows were written with their ids, let the next generated id follow them
        (PostgreSQL's identity columns; SQLite takes the largest rowid + 1 by itself)."""
        if self.backend == "postgresql":
            self._pg.advance_identity(table)

    def json_text(self, column: str, *path: str) -> str:
        """SQL for the text at ``path`` inside the JSON object in ``column`` (NULL when the
        column is no JSON object or the path leads nowhere)."""
        if self.backend == "sqlite":
            return (
                f"CASE WHEN json_valid({column}) THEN "
                f"json_extract({column}, '$.{'.'.join(path)}') END"
            )
        return (
            f"CASE WHEN left({column}, 1) = '{{' "
            f"THEN ({column}::jsonb #>> '{{{','.join(path)}}}') END"
        )

    def lock(self, name: str) -> None:
        """Serialise a step with every other transaction that takes the same lock, until
        this transaction ends (PostgreSQL; on SQLite a writer is alone already)."""
        if self.backend == "postgresql":
            self._pg.lock(name)

    # -- opening ---------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: Path | str,
        *,
        busy_timeout: timedelta = timedelta(minutes=2),
        create: bool = True,
        existing: bool = False,
    ) -> Store:
        """Open (creating if allowed) and migrate the database at ``path``: a SQLite file
        or a PostgreSQL URL (see :mod:`failearn.store.location`).  With ``existing``, a
        database without tables is refused rather than made a store (what is to be read
        must be there).

        A database file the user cannot write is opened read-only: commands that
        only read it work, and one that writes says the file is read-only.
        """
        where = locations.parse(path) if isinstance(path, str) and path != MEMORY else path
        if locations.is_postgres(where):
            return cls._open_postgres(str(where), busy_timeout, existing)
        target = str(where)
        conn, readonly = lite.connect(target, busy_timeout, create)
        store = cls(conn, target, readonly)
        try:
            store._check_ours(existing)
            lite.configure(conn, target, readonly, busy_timeout)
            store._migrate()
        except sqlite3.OperationalError as exc:
            conn.close()
            raise StoreError(
                f"cannot open database {target}: {exc}",
                hint="is another failearn writing to it, or is it read-only?",
            ) from exc
        except sqlite3.DatabaseError as exc:
            conn.close()
            if "malformed" in str(exc):
                raise StoreError(f"database {target} is damaged: {exc}", hint=DAMAGE_HINT) from exc
            raise StoreError(f"{target} is not a failearn database: {exc}") from exc
        except BaseException:
            conn.close()
            raise
        return store

    @classmethod
    def _open_postgres(cls, url: str, busy_timeout: timedelta, existing: bool) -> Store:
        shown = locations.display(url)
        try:
            from failearn.store import postgres
        except ImportError as exc:
            raise StoreError(
                f"{shown} is a PostgreSQL database, and psycopg is not installed",
                hint="pip install 'failearn[postgres]'",
            ) from exc
        conn = postgres.connect(url, timeout_seconds=busy_timeout.total_seconds(), display=shown)
        store = cls(conn, shown)
        try:
            conn.lock("schema", session=True)
            try:
                store._check_ours(existing)
                store._migrate()
            finally:
                conn.unlock("schema")
        except postgres.Error as exc:
            conn.close()
            raise StoreError(f"cannot open database {shown}: {postgres.describe(exc)}") from exc
        except BaseException:
            conn.close()
            raise
        return store

    def close(self) -> None:
        self._raw.close()

    def check_damage(self) -> None:
        """Refuse to write into a SQLite file that is damaged (``PRAGMA quick_check``),
        when the file is small enough for the check to be cheap (it reads every page:
        about a second per 100 MB); a larger file is checked by SQLite as it is read."""
        if self.backend != "sqlite" or self.path == MEMORY:
            return
        try:
            if Path(self.path).stat().st_size > QUICK_CHECK_MAX_BYTES:
                return
            rows = [
                str(r[0])
                for r in self._lite.execute("PRAGMA quick_check(4)")
                if not str(r[0]).startswith("*** in database")
            ][:3]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise StoreError(
                    f"database {self.path} is busy: {exc}",
                    hint="another failearn is writing; try again",
                ) from exc
            rows = [str(exc)]
        except (OSError, sqlite3.DatabaseError) as exc:
            rows = [str(exc)]
        if rows != ["ok"]:
            raise StoreError(
                f"database {self.path} is damaged: {'; '.join(rows)}", hint=DAMAGE_HINT
            )

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ----------------------------------------------------------------

    def _applied(self) -> list[str]:
        if "_migrations" not in self._relations(("table",)):
            return []
        return [str(r[0]) for r in self.conn.execute("SELECT name FROM _migrations")]

    @property
    def schema_version(self) -> int:
        """How many migrations the database has had."""
        if self.backend == "sqlite":
            return int(self._lite.execute("PRAGMA user_version").fetchone()[0])
        return len(self._applied())

    def _relations(self, kinds: tuple[str, ...] = ("table", "view")) -> list[str]:
        if self.backend == "sqlite":
            return lite.relations(self._lite, kinds)
        names = {"table": "BASE TABLE", "view": "VIEW"}
        return self._pg.relations(tuple(names[k] for k in kinds))

    def _check_ours(self, existing: bool = False) -> None:
        """Refuse, before changing anything, a database some other program made: one
        with tables of its own and no record of failearn's migrations, or a table named
        ``_migrations`` beside none of failearn's (its first migration makes ``runs``).
        With ``existing``, an empty database is refused too (it holds no store to read)."""
        names = set(self._relations(("table",)))
        if existing and not names:
            raise StoreError(
                f"{self.path} holds no failearn store (it has no tables)",
                hint="check the location: a store is made by failearn ingest",
            )
        if names and ("_migrations" not in names or "runs" not in names):
            shown = ", ".join(sorted(names)[:5]) + (" …" if len(names) > 5 else "")
            raise StoreError(
                f"{self.path} is not a failearn database (it holds tables {shown})",
                hint="pass --db with a new file or a failearn database",
            )

    def _too_new(self) -> bool:
        if self.backend == "sqlite":
            return self.schema_version > len(MIGRATIONS)
        known = {name for name, _ in MIGRATIONS}
        return any(name not in known for name in self._applied())

    def _migrate(self) -> None:
        if self._too_new():
            raise StoreError(
                f"database {self.path} has schema version {self.schema_version}, newer than "
                f"this failearn understands ({len(MIGRATIONS)})",
                hint="upgrade failearn",
            )
        if self.schema_version == len(MIGRATIONS):
            return
        if self.readonly:
            raise StoreError(
                f"database {self.path} is read-only and was made by an older "
                "failearn: it needs a migration to be read",
                hint="make the file writable once, or work on a copy",
            )
        self._migrating = True
        try:
            self._apply_migrations()
        finally:
            self._migrating = False

    def _apply_migrations(self) -> None:
        with self.transaction():
            self.conn.execute(
                "CREATE TABLE IF NOT EXISTS _migrations "
                "(name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
            )
            done = {row[0] for row in self.conn.execute("SELECT name FROM _migrations")}
            for name, migrate in MIGRATIONS:
                if name in done:
                    continue
                migrate(self.conn)
                self.conn.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                    (name, iso(datetime.now(UTC))),
                )
            if self.backend == "sqlite":
                self.conn.execute(f"PRAGMA user_version = {len(MIGRATIONS)}")

    def table_columns(self) -> dict[str, list[str]]:
        """Every table and view with its columns (for tests and ``failearn db``)."""
        columns = lite.columns if self.backend == "sqlite" else None
        return {
            name: (columns(self._lite, name) if columns else self._pg.columns(name))
            for name in self._relations()
        }

    # -- transactions ----------------------------------------------------------

    @contextmanager
    def transaction(self, mode: Mode = "serial") -> Iterator[None]:
        """One write transaction; rolled back on any exception, Ctrl-C included.

        On PostgreSQL ``mode`` says whom it waits for (see :data:`Mode`)."""
        if self._in_transaction():
            yield
            return
        self._begin(mode)
        try:
            yield
        except BaseException as exc:
            self._rollback()
            self._end(mode)
            self._raise_lost(exc)
            raise
        try:
            self._commit()
        except BaseException as exc:
            self._raise_lost(exc)
            raise
        finally:
            self._end(mode)

    def _in_transaction(self) -> bool:
        return self._raw.in_transaction

    def _raise_lost(self, error: BaseException) -> None:
        """Raise a lost PostgreSQL connection or a lock wait that timed out as the store
        error it is for the user; return for anything else."""
        if self.backend == "sqlite" or isinstance(error, StoreError):
            return
        from failearn.store import postgres

        if postgres.is_lost_connection(error):
            raise StoreError(
                f"lost the connection to {self.path}: {postgres.describe(error)}",
                hint="nothing of this command was saved; run it again",
            ) from error
        if postgres.is_lock_timeout(error):
            raise StoreError(
                f"database {self.path} is busy: {postgres.describe(error)}",
                hint="another failearn is writing; try again",
            ) from error

    def _commit(self) -> None:
        """Commit with Ctrl-C held back until the commit is counted, so that an interrupt
        can always tell whether the command's changes were saved."""
        global commits
        if self._file is not None and _identity(self.path) != self._file:
            self._rollback()
            raise StoreError(
                f"database {self.path} was deleted or replaced while this "
                "command ran: nothing of it was saved",
                hint="run the command again",
            )
        blocked = _hold_interrupts()
        try:
            self._raw.commit()
            # Creating or migrating the tables is not what the command was asked for.
            commits += not self._migrating
        finally:
            _release_interrupts(blocked)

    def _rollback(self) -> None:
        try:
            self._raw.rollback()
        except Exception:  # a lost connection has rolled back already
            if self.backend == "sqlite":
                raise

    def _begin(self, mode: Mode = "serial") -> None:
        """Take the write lock now (waiting up to the busy timeout), or say why not."""
        if self.readonly:
            raise StoreError(
                f"database {self.path} is read-only",
                hint="this command writes to the database: make the file "
                "writable, or pass another --db",
            )
        if self.backend == "postgresql":
            self._begin_postgres(mode)
            return
        try:
            self._lite.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            if "readonly" in str(exc) or "read-only" in str(exc):
                raise StoreError(f"database {self.path} is read-only: {exc}") from exc
            raise StoreError(
                f"database {self.path} is busy: {exc}",
                hint="another failearn is writing; try again",
            ) from exc

    def _begin_postgres(self, mode: Mode) -> None:
        """Wait for the command's turn, then begin: ingests at READ COMMITTED (their merge
        must see what other ingests committed), every other command on one snapshot."""
        from failearn.store import postgres

        pg = self._pg
        try:
            if mode == "ingest":
                pg.lock_shared("ingest")
                pg.begin("READ COMMITTED")
                return
            pg.lock("writer", session=True)
            if mode == "exclusive":
                pg.lock("ingest", session=True)
            pg.begin("REPEATABLE READ")
        except postgres.Error as exc:
            self._end(mode)
            self._raise_lost(exc)
            raise

    def _end(self, mode: Mode) -> None:
        """Release the locks :meth:`_begin_postgres` took."""
        if self.backend == "sqlite":
            return
        from failearn.store import postgres

        try:
            if mode == "ingest":
                self._pg.unlock_shared("ingest")
                return
            if mode == "exclusive":
                self._pg.unlock("ingest")
            self._pg.unlock("writer")
        except postgres.Error:
            pass  # a lost connection has released them

    @contextmanager
    def snapshot(self) -> Iterator[None]:
        """A read transaction: the queries inside see one state of the database, and
        writers are not blocked meanwhile."""
        if self.backend == "sqlite":
            self._lite.execute("BEGIN DEFERRED")
        else:
            self._pg.begin("REPEATABLE READ READ ONLY")
        try:
            yield
        finally:
            self._rollback()

    @contextmanager
    def rolled_back(self, mode: Mode = "serial") -> Iterator[None]:
        """A transaction that is always rolled back (``--dry-run``).

        It takes the write lock like a real run, so what it reports is what the
        real run would do.  A database opened read-only is copied into memory
        and the run works on the copy: checking needs no write access.
        """
        if self.readonly:
            with self._in_memory_copy():
                self._lite.execute("BEGIN IMMEDIATE")
                try:
                    yield
                finally:
                    self._lite.rollback()
            return
        self._begin(mode)
        try:
            yield
        finally:
            self._rollback()
            self._end(mode)

    @contextmanager
    def _in_memory_copy(self) -> Iterator[None]:
        """Work on an in-memory copy of the database for the duration of the block."""
        original = self._lite
        copy = sqlite3.connect(MEMORY, isolation_level=None, check_same_thread=False)
        try:
            original.backup(copy)
            copy.execute("PRAGMA foreign_keys = ON")
            self.conn = self._raw = copy
            self.readonly = False
            try:
                yield
            finally:
                self.conn = self._raw = original
                self.readonly = True
        finally:
            copy.close()

    # -- bulk loads -------------------------------------------------------------

    def suspend_indexes(self, tables: Sequence[str]) -> list[str]:
        """Drop the secondary indexes of ``tables`` for a bulk load; the SQL to rebuild them.

        Building an index once over loaded rows is several times cheaper than
        keeping it up to date row by row.  Done inside the command's
        transaction, so a failed load rolls the indexes back too.  (SQLite only:
        on PostgreSQL other ingests may be writing the same tables.)
        """
        if self.backend != "sqlite":
            return []
        rows = self._lite.execute(
            f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
            f"AND tbl_name IN ({marks(len(tables))}) ORDER BY name",
            tuple(tables),
        ).fetchall()
        for name, _ in rows:
            self._lite.execute(f'DROP INDEX "{name}"')
        return [str(sql) for _, sql in rows]

    def restore_indexes(self, statements: Sequence[str]) -> None:
        """Rebuild indexes dropped by :meth:`suspend_indexes`."""
        for statement in statements:
            self.conn.execute(statement)

    # -- runs and settings -----------------------------------------------------

    def start_run(self, command: str, as_of: datetime | None, parameters: dict[str, Any]) -> int:
        return self.insert_id(
            "INSERT INTO runs (command, started_at, as_of, parameters, failearn_version) "
            "VALUES (?, ?, ?, ?, ?)",
            (
                command,
                iso(datetime.now(UTC)),
                iso(as_of) if as_of else None,
                json.dumps(parameters, sort_keys=True, default=str),
                __version__,
            ),
        )

    def run_number(self, run_id: int) -> int:
        """The run's number among its command's runs (the first cluster run is 1, however
        many ingests came before it)."""
        row = self.conn.execute(
            "SELECT COUNT(*) FROM runs WHERE id <= ? AND command = "
            "(SELECT command FROM runs WHERE id = ?)",
            (run_id, run_id),
        ).fetchone()
        return int(row[0])

    def finish_run(self, run_id: int, status: str, summary: dict[str, Any]) -> None:
        self.conn.execute(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ? WHERE id = ?",
            (
                iso(datetime.now(UTC)),
                status,
                json.dumps(summary, sort_keys=True, default=str),
                run_id,
            ),
        )

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
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, value),
        )

    def pseudonym_secret(self) -> str:
        """The database's own pseudonymisation secret, created on first use."""
        value = self.setting("pseudonym_secret")
        if value is None:
            # Two first ingests at once (PostgreSQL): the first to commit sets the key and
            # the other waits on it, then keeps it; a key is never replaced.
            self.conn.execute(
                "INSERT OR IGNORE INTO settings (key, value) VALUES (?, ?)",
                ("pseudonym_secret", secrets.token_hex(32)),
            )
            value = self.setting("pseudonym_secret")
        assert value is not None
        return value


def discard_unused(file: Path) -> bool:
    """Remove a database file (and its side files) that holds no run: one a command created
    and then stored nothing in, because it failed or was interrupted.  A database another
    process holds a lock on, or that holds anything, is left alone; True if removed."""
    if not file.exists():  # connecting would create it
        return False
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


def refusal(error: BaseException) -> tuple[str, str] | None:
    """(what happened, a hint) when ``error`` is a PostgreSQL server refusing a command (a
    lock held too long, a missing privilege, a read-only or full server) or a lost
    connection; None for anything else (SQLite's errors included)."""
    if not type(error).__module__.startswith("psycopg"):
        return None
    from failearn.store import postgres

    return postgres.refusal(error)
