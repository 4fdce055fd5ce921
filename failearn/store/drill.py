"""The store side of ``failearn drill``: a scratch copy of the user's database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from failearn.errors import StoreError
from failearn.store.sqlite import read_only_uri


def copy_database(source: Path, target: Path) -> None:
    """Copy the user's database read-only: the drill never writes to it, not even a
    migration (the copy is migrated when the drill opens it)."""
    if not source.is_file():
        raise StoreError(
            f"database {source} does not exist", hint="run `failearn ingest` first, or pass --db"
        )

    try:
        # As the store reads a file it may not write: in a read-only folder a WAL database
        # with no log left is opened as immutable (SQLite could not create its index).
        src = sqlite3.connect(read_only_uri(source), uri=True)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open database {source}: {exc}") from exc
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)
        except sqlite3.OperationalError as exc:
            raise StoreError(
                f"cannot read database {source}: {exc}",
                hint="the drill only reads it; check that the file is readable",
            ) from exc
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{source} is not a failearn database: {exc}") from exc
        finally:
            dst.close()
    finally:
        src.close()
