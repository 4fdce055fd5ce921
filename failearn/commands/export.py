"""``failearn export``: the store in a form DuckDB, Spark and pandas read directly.

:func:`run_export` streams one table's rows (:mod:`failearn.store.export`) into
a file: Parquet (pyarrow, imported only here: ``pip install 'failearn[export]'``),
NDJSON or CSV.  Rows are written in batches, so a store of millions of
incidents is exported in bounded memory.  List columns (an incident's error
messages, trace ids, dependencies) are lists in Parquet and NDJSON, and JSON
arrays in CSV; BLOB columns are left out of NDJSON and CSV.
"""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import orjson

from failearn.config import Settings
from failearn.errors import UsageError
from failearn.outputs import in_place, open_output, written_in_place
from failearn.store import Store
from failearn.store import export as sql
from failearn.store.location import display

FORMATS = ("parquet", "ndjson", "csv")
_EXTENSIONS = {"parquet": "parquet", "ndjson": "ndjson", "csv": "csv"}
BATCH = 10_000


@dataclass(frozen=True)
class ExportOptions:
    what: str = "incidents"
    format: str = "parquet"
    output: Path | None = None  # None: WHAT.EXT in the working directory; "-": stdout


@dataclass(frozen=True)
class ExportResult:
    db: str
    what: str
    format: str
    output: str
    rows: int
    columns: list[str]


def default_output(options: ExportOptions) -> Path:
    return Path(f"{options.what}.{_EXTENSIONS.get(options.format, options.format)}")


def run_export(settings: Settings, options: ExportOptions) -> ExportResult:
    """Write ``options.what`` of the store to ``options.output`` in ``options.format``."""
    if options.what not in sql.WHAT:
        raise UsageError(f"--what must be one of {', '.join(sql.WHAT)}, not {options.what!r}")
    if options.format not in FORMATS:
        raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {options.format!r}")
    output = options.output or default_output(options)
    to_stdout = str(output) == "-"
    if to_stdout and options.format == "parquet":
        raise UsageError("Parquet is binary: give --output a file name")
    writer = (
        _parquet
        if options.format == "parquet"
        else (_ndjson if options.format == "ndjson" else _csv)
    )
    if options.format == "parquet":
        _require_pyarrow()
    with (
        Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False) as store,
        store.snapshot(),
    ):
        columns = sql.columns(store, options.what)
        count = writer(columns, sql.rows(store, options.what), output)
    return ExportResult(
        display(settings.db),
        options.what,
        options.format,
        "-" if to_stdout else str(output),
        count,
        [c.name for c in columns],
    )


def _require_pyarrow() -> None:
    try:
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            "Parquet export needs pyarrow, which is not installed",
            hint="pip install 'failearn[export]', or use --format ndjson",
        ) from exc


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _parquet(columns: list[sql.Column], rows: Iterable[tuple[Any, ...]], output: Path) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    types = {
        "TEXT": pa.string(),
        "INTEGER": pa.int64(),
        "REAL": pa.float64(),
        "BLOB": pa.binary(),
        "LIST": pa.list_(pa.string()),
    }
    schema = pa.schema([pa.field(c.name, types[c.kind]) for c in columns])
    count = 0
    with _writing(output, binary=True) as handle, pq.ParquetWriter(handle, schema) as writer:
        for batch in _batches(rows):
            arrays = [
                pa.array([row[i] for row in batch], type=schema.field(i).type)
                for i in range(len(columns))
            ]
            writer.write_batch(pa.record_batch(arrays, schema=schema))
            count += len(batch)
    return count


def _ndjson(columns: list[sql.Column], rows: Iterable[tuple[Any, ...]], output: Path) -> int:
    kept = [i for i, c in enumerate(columns) if c.kind != "BLOB"]
    names = [columns[i].name for i in kept]
    count = 0
    with _writing(output, binary=True) as handle:
        for batch in _batches(rows):
            handle.write(
                b"".join(
                    orjson.dumps(dict(zip(names, (row[i] for i in kept), strict=True))) + b"\n"
                    for row in batch
                )
            )
            count += len(batch)
    return count


def _csv(columns: list[sql.Column], rows: Iterable[tuple[Any, ...]], output: Path) -> int:
    kept = [i for i, c in enumerate(columns) if c.kind != "BLOB"]
    lists = {i for i, c in enumerate(columns) if c.kind == "LIST"}
    count = 0
    with _writing(output, binary=False) as handle:
        out = csv.writer(handle, lineterminator="\n")
        out.writerow([columns[i].name for i in kept])
        for batch in _batches(rows):
            out.writerows(
                [orjson.dumps(row[i]).decode() if i in lists else row[i] for i in kept]
                for row in batch
            )
            count += len(batch)
    return count


@contextmanager
def _writing(output: Path, *, binary: bool) -> Iterator[Any]:
    """The output opened for writing (stdout for ``-``); a file is replaced only when the
    export is complete."""
    if str(output) == "-":
        yield sys.stdout.buffer if binary else sys.stdout
        return
    if in_place(output):
        with written_in_place(output, output, binary=binary) as handle:
            yield handle
        return
    partial = output.with_name(f".{output.name}.partial")
    handle = open_output(partial, output, binary=binary)
    try:
        with handle:
            yield handle
        partial.replace(output)
    finally:
        partial.unlink(missing_ok=True)
