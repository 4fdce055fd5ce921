"""SQL of ``failearn db copy``: every table of one store into another, rows counted.

Both stores are opened (and so migrated) by the same failearn, so they have the
same tables; the copy goes table by table in the order the tables were created,
which is the order their foreign keys need (a rule before its events), in
batches read from the source and written to the target in bulk (``COPY`` on
PostgreSQL).  Ids are copied as they are, and a PostgreSQL target's identity
columns are moved past them so that the next run, audit or event follows on.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from failearn.store import Store

BATCH = 5000
# Kept by each store for itself: the migrations it has applied.
OWN_TABLES = ("_migrations",)


def tables(store: Store) -> list[str]:
    """The store's tables (not views) in the order they were created."""
    if store.backend == "sqlite":
        sql = (
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY rowid"
        )
    else:
        sql = (
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.oid"
        )
    return [str(r[0]) for r in store.conn.execute(sql) if str(r[0]) not in OWN_TABLES]


def row_count(store: Store, table: str) -> int:
    return int(store.conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def holds_data(store: Store) -> list[str]:
    """The tables of ``store`` that hold rows."""
    return [t for t in tables(store) if store.conn.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone()]


def _batches(store: Store, table: str, columns: list[str]) -> Iterator[list[tuple[Any, ...]]]:
    batch: list[tuple[Any, ...]] = []
    for row in store.stream(f"SELECT {', '.join(columns)} FROM {table}"):
        batch.append(tuple(row))
        if len(batch) >= BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def copy_table(source: Store, target: Store, table: str, columns: list[str]) -> int:
    """Copy every row of ``table``; how many were written."""
    written = 0
    for batch in _batches(source, table, columns):
        target.insert_many(table, columns, batch)
        written += len(batch)
    if target.backend == "postgresql" and "id" in columns:
        target.advance_identity(table)
    return written
