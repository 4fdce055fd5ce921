"""Benchmark: where ingest's CPU goes, stage by stage, beside the bare pipeline.

Run by hand (not a test):
    python bench/bench_ingest_stages.py [--records 20000] [PATH ...]

Without paths it measures the ingest benchmark's synthetic NDJSON records
(``bench/ingest_data.py``); with paths (files or folders, as ``failearn
ingest`` takes them: real post-mortems, vendor exports) it measures those.
Every figure is CPU time per record, in one process, so other jobs on the
machine inflate it less than wall time:

* read      cutting the inputs into tasks (NDJSON lines are read here);
* parse     JSON values or files into raw records (orjson, the checks for
            repeated keys and long numbers, vendor formats, Markdown);
* normalise field spellings, the quality gates, classes, masking;
* rows      the report row and its child rows, the problems masked;
* ship      pickling a worker's results and unpickling them in the main process;
* store     what the main process does with the prepared records in a fresh
            store, as ``failearn ingest`` does it: deciding each record's
            outcome, writing the inbox, reports and child rows, the merge into
            incidents, building the indexes, the commit.  Start-up (imports,
            the taxonomy, opening the store) is left out.

The bare pipeline reads the same records, parses each with orjson and
inserts them with one ``executemany`` (bench/bench_ingest.py's, for the
synthetic records; for other inputs each record's JSON text, or each file's
text, in one column).  With two worker processes on two cores the whole
command cannot run faster than its CPU divided by two, nor than the main
process's share: the "bound" line gives the ratio to the bare pipeline that
these stage costs allow at best.
"""

from __future__ import annotations

import argparse
import os
import pickle
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import orjson

sys.path.insert(0, str(Path(__file__).parent))
from bench_ingest import bare_json
from ingest_data import write_ndjson

from failearn.capture.anonymize import Anonymizer
from failearn.capture.normalise import Context, normalise
from failearn.capture.prepare import (
    Prepared,
    Preparer,
    Task,
    _fields,
    fewer_collections,
    prepare,
    tasks,
)
from failearn.commands.ingest import BULK_TABLES, _Run
from failearn.config import Settings
from failearn.record import RawRecord
from failearn.sources import InputFile, discover, read_input
from failearn.sources.jsonfile import value_records
from failearn.store import Store
from failearn.taxonomy.file import load_taxonomy

T = TypeVar("T")
AS_OF = "2027-01-01"


def cpu(work: Callable[[], T]) -> tuple[T, float]:
    """What ``work`` returns and the CPU seconds it took."""
    started = time.process_time()
    out = work()
    return out, time.process_time() - started


def raw_records(task: Task, settings: Settings) -> list[RawRecord]:
    """The raw records of one task, read as a worker reads them (no preparation)."""
    kind = task[0]
    if kind in ("lines", "values"):
        values = list(enumerate(task[3], start=task[2])) if kind == "lines" else task[2]
        return list(value_records(values, task[1], settings.ingest.max_record_bytes))
    if kind == "files":
        pattern = settings.gates.trace_id_pattern
        return [raw for item in task[1] for raw in read_input(item, settings.ingest, pattern)]
    return []


def preparer_for(settings: Settings) -> Preparer:
    taxonomy = load_taxonomy(None)
    anonymizer = None
    if settings.anonymize.enabled:
        anonymizer = Anonymizer("x" * 32, settings.anonymize.mask, settings.anonymize.people_fields)
    as_of = datetime.fromisoformat(AS_OF).replace(tzinfo=UTC)
    context = Context.build(settings, taxonomy, as_of, anonymizer, defer_text_model=True)
    return Preparer(context, b"\0" * 32, 1)


def stage_costs(
    inputs: list[InputFile], settings: Settings
) -> tuple[list[Prepared], dict[str, float]]:
    """(the prepared records, CPU seconds per stage) of preparing ``inputs``."""
    found, read = cpu(lambda: list(tasks(inputs, settings.ingest)))
    for task in found[:1]:  # the readers' own imports are start-up, not parsing
        raw_records(task, settings)
    raws, parse = cpu(lambda: [raw for task in found for raw in raw_records(task, settings)])
    # Each pass with a preparer of its own: the masks remember the texts they saw.
    context = preparer_for(settings).context
    _, norm = cpu(lambda: [normalise(raw, context) for raw in raws])
    preparer = preparer_for(settings)
    prepared, whole = cpu(lambda: [prepare(raw, preparer) for raw in raws])
    shipped = [_fields(p) for p in prepared]
    _, ship = cpu(lambda: pickle.loads(pickle.dumps(shipped, protocol=pickle.HIGHEST_PROTOCOL)))
    costs = {"read": read, "parse": parse, "normalise": norm, "rows": whole - norm, "ship": ship}
    return prepared, costs


def store_cost(prepared: list[Prepared], settings: Settings, db: Path) -> float:
    """CPU seconds of what the main process does with prepared records in a fresh store:
    each record's outcome, the inbox, report and child rows, the merge, indexes, commit."""
    store = Store.open(db)
    started = time.process_time()
    with store.transaction("ingest"):
        run_id = store.start_run("ingest", None, {})
        suspended = store.suspend_indexes(BULK_TABLES)
        run = _Run(store, run_id, settings.ingest.keep_raw, True, settings.ingest.max_errors)
        for record in prepared:
            run.take(record)
        run.flush()
        store.restore_indexes(suspended)
        run.merge(settings.dedup.window)
    seconds = time.process_time() - started
    store.close()
    return seconds


def bare_generic(inputs: list[InputFile], db: Path) -> float:
    """CPU seconds of reading every record or file, orjson for JSON, one executemany."""
    started = time.process_time()
    rows: list[tuple[Any, ...]] = []
    for item in inputs:
        assert item.path is not None
        data = item.path.read_bytes()
        if item.kind == "ndjson":
            rows.extend(
                (item.source, orjson.dumps(orjson.loads(line))) for line in data.splitlines()
            )
        elif item.kind == "json":
            rows.append((item.source, orjson.dumps(orjson.loads(data))))
        else:
            rows.append((item.source, data.decode("utf-8", "replace")))
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE t (source TEXT, payload TEXT)")
    with conn:
        conn.executemany("INSERT INTO t VALUES (?, ?)", rows)
    conn.close()
    return time.process_time() - started


def report(records: int, costs: dict[str, float], bare: float, workers: int = 2) -> None:
    per = {name: seconds / records * 1e6 for name, seconds in costs.items()}
    total = sum(per.values())
    for name, value in per.items():
        print(f"  {name:<10} {value:8.1f} µs/record  {value / total:6.1%}")
    print(f"  {'total':<10} {total:8.1f} µs/record")
    bare_per = bare / records * 1e6
    print(
        f"  bare pipeline {bare_per:5.1f} µs/record: failearn costs {total / bare_per:.1f}× its CPU"
    )
    main = per["read"] + per["store"] + per["ship"] / 2
    bound = max(main, total / workers)
    print(
        f"  bound with {workers} workers on {workers} cores: at least {bound:.0f} µs/record of wall "
        f"time (main process {main:.0f}), ratio to the bare pipeline at most "
        f"{bare_per / bound:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--records", type=int, default=20_000)
    args = parser.parse_args()
    settings = Settings()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        if args.paths:
            paths = [str(Path(p).resolve()) for p in args.paths]
        else:
            paths = [str(write_ndjson(work / "records.ndjson", args.records))]
        inputs = discover(paths, settings.ingest, cwd=work)
        # Garbage is collected as rarely as in ingest's processes.
        with fewer_collections():
            prepared, costs = stage_costs(inputs, settings)
            records = len(prepared)
            costs["store"] = store_cost(prepared, settings, work / "stages.db")
        if args.paths:
            bare = bare_generic(inputs, work / "bare.db")
        else:
            bare = bare_json(Path(paths[0]), work / "bare.db")[1]
        print(
            f"{records:,} records from {len(inputs):,} file(s); load average "
            f"{os.getloadavg()[0]:.1f}"
        )
        report(records, costs, bare)


if __name__ == "__main__":
    main()
