"""``failearn db copy``: move a store between backends (SQLite to PostgreSQL and back).

:func:`run_copy` opens the source (it must exist) and the target (created and
migrated if need be; it must hold no data), copies every table inside one
transaction on the target and one snapshot of the source, and compares the row
count of every table on both sides before it commits: a copy is whole or
nothing.  The source is only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from failearn.errors import StoreError, UsageError
from failearn.store import Store, discard_unused
from failearn.store import db as sql
from failearn.store.location import Location, display, parse


@dataclass(frozen=True)
class CopyResult:
    """What was copied: rows per table, on both sides."""

    source: str
    target: str
    tables: dict[str, int]

    @property
    def rows(self) -> int:
        return sum(self.tables.values())


def run_copy(source_text: str, target_text: str, busy_timeout: timedelta) -> CopyResult:
    """Copy the store at ``source_text`` into the empty store at ``target_text``."""
    source_at, target_at = parse(source_text), parse(target_text)
    if _same(source_at, target_at):
        raise UsageError(f"the source and the target are the same database ({display(source_at)})")
    new_file = isinstance(target_at, Path) and not target_at.exists()
    try:
        return _copy_store(source_at, target_at, busy_timeout)
    except BaseException:
        if new_file:  # a failed or interrupted copy leaves no empty file behind
            assert isinstance(target_at, Path)
            discard_unused(target_at)
        raise


def _copy_store(source_at: Location, target_at: Location, busy_timeout: timedelta) -> CopyResult:
    with (
        Store.open(source_at, busy_timeout=busy_timeout, create=False, existing=True) as source,
        Store.open(target_at, busy_timeout=busy_timeout) as target,
    ):
        with target.transaction("exclusive"), source.snapshot():
            full = sql.holds_data(target)
            if full:
                raise UsageError(
                    f"the target {target.path} already holds data (in "
                    f"{', '.join(full[:4])}{' …' if len(full) > 4 else ''})",
                    hint="copy into a new file or an empty database",
                )
            counts = {table: _copy(source, target, table) for table in sql.tables(source)}
        return CopyResult(source.path, target.path, counts)


def _copy(source: Store, target: Store, table: str) -> int:
    columns = source.table_columns()[table]
    expected = sql.row_count(source, table)
    written = sql.copy_table(source, target, table, columns)
    found = sql.row_count(target, table)
    if not expected == written == found:
        raise StoreError(
            f"copying {table}: {expected} rows in the source, {written} written, "
            f"{found} in the target; nothing was copied"
        )
    return found


def _same(a: Location, b: Location) -> bool:
    if isinstance(a, Path) and isinstance(b, Path):
        return a.resolve() == b.resolve()
    return a == b
