"""The SQLite backend: opening a file (read-only when the user cannot write it), its
pragmas, and what the store asks of its schema.

The SQLite file is the embedded default: WAL so that readers never wait for the
writer, a busy timeout so that a second writer queues behind the first
(``BEGIN IMMEDIATE``), foreign keys on.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import timedelta
from pathlib import Path

from failearn.errors import StoreError

MEMORY = ":memory:"


def connect(target: str, busy_timeout: timedelta, create: bool) -> tuple[sqlite3.Connection, bool]:
    """A connection to the file ``target`` (or memory), and whether it is read-only."""
    readonly = False
    if target != MEMORY:
        file = Path(target)
        if not file.exists() and not create:
            raise StoreError(
                f"database {target} does not exist",
                hint="run `failearn ingest` first, or pass --db",
            )
        if file.is_dir():
            raise StoreError(f"database path {target} is a directory")
        if not file.parent.exists():
            raise StoreError(f"cannot create database {target}: {file.parent} does not exist")
        readonly = file.exists() and not _writable(file)
    location = read_only_uri(Path(target)) if readonly else target
    try:
        conn = sqlite3.connect(
            location,
            timeout=busy_timeout.total_seconds(),
            isolation_level=None,
            check_same_thread=False,
            uri=readonly,
        )
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {target}: {exc}") from exc
    return conn, readonly


def configure(
    conn: sqlite3.Connection, target: str, readonly: bool, busy_timeout: timedelta
) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout.total_seconds() * 1000)}")
    if target != MEMORY and not readonly:
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA cache_size = -65536")  # 64 MiB: big runs spill less


def relations(conn: sqlite3.Connection, kinds: tuple[str, ...] = ("table", "view")) -> list[str]:
    rows = conn.execute(
        f"SELECT name FROM sqlite_master WHERE type IN ({', '.join('?' * len(kinds))}) "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name",
        kinds,
    )
    return [str(r[0]) for r in rows]


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [str(c[1]) for c in conn.execute(f'PRAGMA table_info("{table}")')]


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


def read_only_uri(file: Path) -> str:
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
