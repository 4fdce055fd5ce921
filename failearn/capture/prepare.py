"""Preparing records for the store, in this process or in worker processes.

Reading, parsing, normalising and anonymising a record needs nothing from the
database, so it can run in parallel: :func:`prepared_records` cuts the inputs
into tasks (a batch of NDJSON lines, a batch of files), runs them in a pool of
worker processes when the input is large enough to pay for it, and yields the
:class:`Prepared` records in input order, with a bounded number of tasks in
flight so memory stays flat however large the input.  Everything that needs the
database (unchanged or updated, merging) stays in :mod:`failearn.commands.ingest`.
"""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import signal
import sys
import traceback
from collections import deque
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from operator import attrgetter
from pathlib import Path
from typing import IO, Any, Protocol

import orjson

from failearn.capture.anonymize import Anonymizer
from failearn.capture.classify import Abstained, Decision, PendingClass
from failearn.capture.normalise import Context, normalise
from failearn.capture.normalise.gates import unclassified
from failearn.capture.severity import severity_rank
from failearn.codes import RECORD_ERROR, hint
from failearn.config import IngestConfig
from failearn.errors import FailearnError
from failearn.provenance import Provenance
from failearn.record import Incident, Issue, RawRecord
from failearn.sources import InputFile, read_input
from failearn.sources.jsonarray import TOO_MANY, Broken, elements, starts_array, too_many
from failearn.sources.jsonfile import KIND as JSON_KIND
from failearn.sources.jsonfile import broken_array, value_records
from failearn.sources.reading import (
    Oversize,
    bounded_lines,
    head_and_digest,
    keep_copy,
    open_regular,
    reject,
)
from failearn.sources.vendors import DEFAULT, Formats
from failearn.timeutil import iso

NDJSON_BATCH = 2000
# A batch of lines or elements also ends at this many bytes (a line may be megabytes).
BATCH_BYTES = 4 * 1024 * 1024
FILE_BATCH = 32
PARALLEL_MIN_BYTES = 2 * 1024 * 1024


class Progress(Protocol):
    """What a long ingest reports as it goes (a progress bar implements it)."""

    def file(self, source: str, number: int, total: int) -> None: ...

    def records(self, count: int) -> None: ...


# A task: ("lines", source, first line, [bytes | Oversize]), ("values", source,
# [(line, bytes | Oversize)]), ("files", [InputFile]), ("broken", source, Broken),
# ("empty", source) or ("empty-array", InputFile).
Task = tuple[Any, ...]


@dataclass(slots=True)
class Prepared:
    """One record, ready for the store: its inbox facts and, if accepted, its report rows."""

    source: str
    line: int | None
    kind: str
    sha256: str
    raw: str | None
    raw_bytes: bytes | None
    issues: list[Issue]
    skip: bool = False
    notes: list[str] = field(default_factory=list)
    key: str | None = None
    record_id: str | None = None
    service: str | None = None
    failure_class: str | None = None
    content: str | None = None
    report: tuple[Any, ...] | None = None
    trace_rows: list[tuple[str, str]] = field(default_factory=list)
    error_rows: list[tuple[str, int, str]] = field(default_factory=list)
    dependency_rows: list[tuple[str, str]] = field(default_factory=list)
    provenance_rows: list[tuple[Any, ...]] = field(default_factory=list)
    # The size of the payload when the raw copy is only its head.
    raw_size: int | None = None
    # The class left to the text model until the run is read (see :func:`settled`).
    pending: PendingClass | None = None


@dataclass(frozen=True)
class Preparer:
    """What a worker needs: the normalisation context and the facts of this run."""

    context: Context
    fingerprint: bytes
    run_id: int
    formats: Formats = DEFAULT


def report_key(incident: Incident) -> str:
    """The identity of a record across runs: a post-mortem is its file; a JSON record is
    its id within its source."""
    if incident.kind == "markdown":
        return incident.source
    return f"{incident.source}#{incident.id}"


def _sha256(raw: RawRecord) -> str:
    if raw.sha256 is not None:  # the hash of a payload only the head of which is kept
        return raw.sha256
    data = raw.raw_bytes if raw.raw_bytes is not None else (raw.raw or "").encode("utf-8")
    return hashlib.sha256(data).hexdigest()


def _details(incident: Incident) -> str | None:
    """The parts of a record that have no column of their own, as JSON (None when empty)."""
    details = {
        name: value
        for name, value in (
            ("other_classes", incident.other_classes),
            ("severity_raw", incident.severity_raw),
            ("people", incident.people),
            ("sections", incident.sections),
            ("extra", incident.extra),
            ("dedup_hint", incident.dedup_hint),
        )
        if value
    }
    # Keys that are not strings cannot reach here from the sources; spelled as strings
    # all the same, should one slip through (a crash here would lose the whole run).
    return (
        orjson.dumps(details, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
        if details
        else None
    )


def failure(exc: Exception) -> str:
    """An unexpected exception as a record's error says it: what, and where in failearn."""
    where = ""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        parts = Path(frame.filename).parts
        if "failearn" in parts:
            top = max(i for i, part in enumerate(parts) if part == "failearn")
            where = f" (at {'/'.join(parts[top:])}:{frame.lineno})"
            break
    return f"failearn could not process this record: {type(exc).__name__}: {exc}{where}"


def _broken(raw: RawRecord, sha: str, exc: Exception) -> Prepared:
    """A record whose preparation raised: rejected with ``record-error``, kept in the inbox."""
    issue = Issue(
        code=RECORD_ERROR,
        message=failure(exc),
        source=raw.source,
        line=raw.line,
        hint=hint(RECORD_ERROR),
    )
    return Prepared(
        raw.source, raw.line, raw.kind, sha, raw.raw, raw.raw_bytes, [issue], raw_size=raw.size
    )


def prepare(raw: RawRecord, preparer: Preparer) -> Prepared:
    """Normalise one raw record and build its rows (the inbox index is filled in later).

    A record that makes failearn fail (a bug) is rejected as ``record-error`` and kept
    in the inbox: one odd record never costs the rest of the run.
    """
    sha = _sha256(raw)
    try:
        prepared = _prepare(raw, preparer, sha)
    except FailearnError:
        raise
    except Exception as exc:  # any bug is confined to its record
        prepared = _broken(raw, sha, exc)
    return _masked_problems(prepared, preparer.context.anonymizer)


def _masked_problems(prepared: Prepared, anonymizer: Anonymizer | None) -> Prepared:
    """Problems and notes quote values (a class, a time, a trace id): masked as the stored
    text is, so that no message puts a secret into a CI log or the inbox's errors."""
    if anonymizer is None:
        return prepared
    prepared.issues = [
        replace(
            issue,
            message=anonymizer.mask(issue.message),
            hint=anonymizer.mask(issue.hint) if issue.hint else None,
        )
        for issue in prepared.issues
    ]
    prepared.notes = [anonymizer.mask(note) for note in prepared.notes]
    return prepared


def _prepare(raw: RawRecord, preparer: Preparer, sha: str) -> Prepared:
    base = Prepared(
        raw.source,
        raw.line,
        raw.kind,
        sha,
        raw.raw,
        raw.raw_bytes,
        [],
        raw.skip,
        list(raw.notes),
        raw_size=raw.size,
    )
    if raw.skip:
        return base
    result = normalise(raw, preparer.context)
    base.issues = result.issues
    incident = result.incident
    if incident is None:
        return base
    key = report_key(incident)
    run_id = preparer.run_id
    scale = preparer.context.settings.severity.scale
    base.key = key
    base.record_id = incident.id
    base.service = incident.service
    base.failure_class = incident.failure_class
    base.content = hashlib.sha256(sha.encode() + preparer.fingerprint).hexdigest()
    # A report first points at an incident of its own id: the merge moves the few that
    # join another.
    base.report = (
        key,
        incident.id,
        int(incident.id_given),
        incident.id,
        base.content,
        None,
        incident.source,
        incident.line,
        incident.kind,
        iso(incident.timestamp),
        incident.service,
        incident.failure_class,
        incident.failure_class_raw,
        incident.failure_class_via,
        incident.taxonomy_version,
        incident.severity,
        severity_rank(incident.severity, scale),
        incident.title,
        incident.summary,
        incident.root_cause,
        incident.resolution,
        incident.workarounds,
        incident.action_items,
        incident.timeline,
        orjson.dumps(incident.trace_shape).decode() if incident.trace_shape else None,
        orjson.dumps(incident.metrics).decode() if incident.metrics else None,
        iso(incident.ended_at) if incident.ended_at else None,
        incident.caused_by_rule,
        _details(incident),
        run_id,
        run_id,
    )
    base.trace_rows = [(key, trace) for trace in incident.trace_ids]
    base.error_rows = [
        (key, position, message) for position, message in enumerate(incident.error_messages)
    ]
    base.dependency_rows = [(key, dep) for dep in dict.fromkeys(incident.dependencies)]
    base.provenance_rows = [_provenance_row(key, p) for p in incident.provenance]
    base.pending = incident.pending_class
    return base


def _provenance_row(key: str, p: Provenance) -> tuple[Any, ...]:
    return (
        key,
        p.field,
        p.value,
        p.via,
        p.probability,
        p.evidence,
        orjson.dumps([[v, q] for v, q in p.candidates]).decode() if p.candidates else None,
    )


# Where the class sits in a report row: failure_class, failure_class_raw, failure_class_via.
_CLASS_AT = 11


def settled(
    prepared: Prepared, found: Decision, taxonomy_version: str, anonymizer: Anonymizer | None
) -> Prepared:
    """A record whose class was left pending, with the text model's decision: its class and
    provenance, or (the model abstained) rejected as ``unclassified``."""
    pending = prepared.pending
    assert pending is not None and prepared.report is not None and prepared.key is not None
    prepared.pending = None
    if isinstance(found, Abstained):
        issue = unclassified(pending, found, taxonomy_version, prepared.source)
        if anonymizer is not None:
            issue = replace(
                issue,
                message=anonymizer.mask(issue.message),
                hint=anonymizer.mask(issue.hint) if issue.hint else None,
            )
        prepared.issues = [*prepared.issues, issue]
        prepared.key = prepared.report = None
        prepared.trace_rows, prepared.error_rows, prepared.dependency_rows = [], [], []
        prepared.provenance_rows = []
        return prepared
    prepared.failure_class = found.class_id
    report = prepared.report
    prepared.report = (
        *report[:_CLASS_AT],
        found.class_id,
        found.class_id,
        found.via,
        *report[_CLASS_AT + 3 :],
    )
    prepared.provenance_rows = [
        *prepared.provenance_rows,
        _provenance_row(
            prepared.key,
            Provenance(
                "failure_class",
                found.class_id,
                found.via,
                found.probability,
                None,
                found.candidates,
            ),
        ),
    ]
    return prepared


def run_task(task: Task, preparer: Preparer, config: IngestConfig) -> list[Prepared]:
    """Read and prepare the records of one task."""
    kind = task[0]
    pattern = preparer.context.settings.gates.trace_id_pattern
    if kind in ("lines", "values"):
        source = task[1]
        values = list(enumerate(task[3], start=task[2])) if kind == "lines" else task[2]
        try:
            return _values(source, values, preparer, config)
        except FailearnError:
            raise
        except Exception:  # a bug in reading one value: find it, keep the others
            return [
                record for value in values for record in _value(source, value, preparer, config)
            ]
    if kind == "broken":
        return [prepare(broken_array(task[1], task[2]), preparer)]
    if kind == "empty":
        return [
            prepare(
                reject(
                    task[1], JSON_KIND, "empty-file", "the input holds no records", line=1, raw=""
                ),
                preparer,
            )
        ]
    if kind == "empty-array":
        item = task[1]
        return [
            prepare(
                keep_copy(
                    reject(
                        item.source,
                        JSON_KIND,
                        "empty-file",
                        "the JSON array holds no records",
                        line=1,
                    ),
                    item.path,
                ),
                preparer,
            )
        ]
    prepared: list[Prepared] = []
    for item in task[1]:
        try:
            raws = list(read_input(item, config, pattern, preparer.formats))
        except FailearnError:
            raise
        except Exception as exc:  # a bug in reading one file: the others are still read
            raws = [_unreadable(item, exc)]
        prepared.extend(prepare(raw, preparer) for raw in raws)
    return prepared


def _values(
    source: str,
    values: list[tuple[int, bytes | Oversize]],
    preparer: Preparer,
    config: IngestConfig,
) -> list[Prepared]:
    formats = preparer.formats
    file_format = formats.for_file(source) if formats.mappings else None
    raws = value_records(values, source, config.max_record_bytes, formats, file_format)
    return [prepare(raw, preparer) for raw in raws]


def _value(
    source: str, value: tuple[int, bytes | Oversize], preparer: Preparer, config: IngestConfig
) -> list[Prepared]:
    try:
        return _values(source, [value], preparer, config)
    except FailearnError:
        raise
    except Exception as exc:
        number, data = value
        kept = data.head if isinstance(data, Oversize) else data.rstrip(b"\r\n")
        raw = RawRecord(source, number, JSON_KIND, None, raw_bytes=kept)
        return [_broken(raw, _sha256(raw), exc)]


def _unreadable(item: InputFile, exc: Exception) -> RawRecord:
    """A file whose reading raised (a bug), as a rejected record with what it holds."""
    record = reject(
        item.source,
        item.kind if item.kind != "ndjson" else JSON_KIND,
        RECORD_ERROR,
        failure(exc),
        line=1,
    )
    return record if item.path is None else keep_copy(record, item.path)


def _ndjson_tasks(handle: IO[bytes], source: str, config: IngestConfig) -> Iterator[Task]:
    """Batches of NDJSON lines (a line over the record limit as its head); beyond
    ``[ingest] max_records_per_file`` records the rest is one rejected record."""
    batch: list[bytes | Oversize] = []
    size = 0
    first = 1
    number = 0
    records = 0
    for number, line in enumerate(bounded_lines(handle, config.max_record_bytes), start=1):
        if isinstance(line, Oversize) or line.strip():
            records += 1
            if records > config.max_records_per_file:
                if batch:
                    yield ("lines", source, first, batch)
                    batch = []
                yield (
                    "broken",
                    source,
                    _rest_of_lines(line, handle, number, config.max_records_per_file),
                )
                return
        batch.append(line)
        size += len(line.head) if isinstance(line, Oversize) else len(line)
        if len(batch) >= NDJSON_BATCH or size >= BATCH_BYTES:
            yield ("lines", source, first, batch)
            batch, first, size = [], number + 1, 0
    if batch:
        yield ("lines", source, first, batch)
    if not records:
        yield ("empty", source)


def _rest_of_lines(line: bytes | Oversize, handle: IO[bytes], number: int, limit: int) -> Broken:
    """The lines from ``line`` on, not read: the head the inbox keeps, hash and size."""
    first = line.head if isinstance(line, Oversize) else line
    head, digest, size = head_and_digest(first, handle)
    return Broken(number, too_many(limit), Oversize(head, digest, size), TOO_MANY)


def _array_tasks(handle: IO[bytes], item: InputFile, config: IngestConfig) -> Iterator[Task]:
    """Batches of the elements of a JSON array, read as the file streams past."""
    batch: list[tuple[int, bytes | Oversize]] = []
    size = 0
    empty = True
    for element in elements(handle, config.max_record_bytes, config.max_records_per_file):
        empty = False
        if isinstance(element, Broken):
            if batch:
                yield ("values", item.source, batch)
                batch = []
            yield ("broken", item.source, element)
            return
        batch.append(element)
        data = element[1]
        size += len(data.head) if isinstance(data, Oversize) else len(data)
        if len(batch) >= NDJSON_BATCH or size >= BATCH_BYTES:
            yield ("values", item.source, batch)
            batch, size = [], 0
    if batch:
        yield ("values", item.source, batch)
    if empty:
        yield ("empty-array", item)


def _open_array(item: InputFile, config: IngestConfig) -> IO[bytes] | None:
    """The file of a ``.json`` input opened for streaming when it holds an array (within
    ``[ingest] max_json_bytes``); None when it is to be read whole (or rejected)."""
    if item.kind != JSON_KIND or item.path is None or item.problem is not None:
        return None
    try:
        handle = open_regular(item.path)
    except OSError:
        return None
    try:
        if os.fstat(handle.fileno()).st_size <= config.max_json_bytes and starts_array(
            handle.peek(64)[:64]  # type: ignore[attr-defined]
        ):
            return handle
    except OSError:
        pass
    handle.close()
    return None


def tasks(
    inputs: list[InputFile], config: IngestConfig, progress: Progress | None = None
) -> Iterator[Task]:
    """The inputs as tasks, in order; NDJSON and JSON arrays are read here, in batches of
    lines and elements, the other files by the task that prepares them."""
    files: list[InputFile] = []
    for number, item in enumerate(inputs, start=1):
        if progress is not None:
            progress.file(item.source, number, len(inputs))
        array = _open_array(item, config)
        if array is None and (item.kind != "ndjson" or item.problem is not None):
            files.append(item)
            if len(files) >= FILE_BATCH:
                yield ("files", files)
                files = []
            continue
        if files:
            yield ("files", files)
            files = []
        if array is not None:
            with array:
                yield from _array_tasks(array, item, config)
            continue
        if item.path is None:
            yield from _ndjson_tasks(sys.stdin.buffer, item.source, config)
            continue
        try:
            handle = open_regular(item.path)
        except OSError:
            yield ("files", [item])  # read_input turns the failure into a located rejection
            continue
        with handle:
            yield from _ndjson_tasks(handle, item.source, config)
    if files:
        yield ("files", files)


_WORKER: tuple[Preparer, IngestConfig] | None = None
# Allocations between two collections of the youngest generation while records stream.
_COLLECT_EVERY = 50_000


@contextmanager
def fewer_collections() -> Iterator[None]:
    """Collect cyclic garbage less often while records stream through.

    A record's objects form no cycles (reference counting frees them), yet each
    collection walks every object still held — the run's settings and taxonomy,
    the batch not yet written, what the run remembers of each record — and with
    Python's default threshold one runs every 700 allocations (3-12 % of the CPU
    of an ingest of 20,000 records, see docs/scale.md).  The objects alive at the
    start are frozen (never walked again) and the threshold raised until the
    records are read.
    """
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], _COLLECT_EVERY), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _init_worker(preparer: Preparer, config: IngestConfig, parent: int) -> None:
    global _WORKER
    _WORKER = (preparer, config)
    gc.freeze()
    gc.set_threshold(_COLLECT_EVERY, *gc.get_threshold()[1:])
    # Ctrl-C reaches the whole process group: the parent handles it (rolls back, ends the
    # pool); a worker printing its own KeyboardInterrupt traceback helps nobody.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with(parent)


_PR_SET_PDEATHSIG = 1


def _end_with(parent: int) -> None:
    """End this worker the moment its parent does (Linux): a parent killed outright
    (``kill -9``) otherwise leaves workers that finish their task and then print a
    BrokenPipeError traceback handing back a result nobody reads."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if parent and os.getppid() != parent:  # the parent was gone before the request was made
        os._exit(0)


def _worker_task(task: Task) -> list[tuple[Any, ...]]:
    """A task in a worker process; results travel as plain tuples, which pickle far faster
    than objects."""
    assert _WORKER is not None
    return [_fields(p) for p in run_task(task, *_WORKER)]


_FIELDS = Prepared.__slots__
# Every field of a Prepared, as one tuple, in one call.
_fields = attrgetter(*_FIELDS)


def choose_workers(inputs: list[InputFile], configured: int) -> int:
    """How many processes to prepare records in: 1 unless the input is large enough to pay
    for starting workers and shipping results back (standard input always is)."""
    if configured:
        return max(1, configured)
    cpus = os.cpu_count() or 1
    if cpus < 2:
        return 1
    size = 0
    for item in inputs:
        if item.path is None:
            return min(cpus, 2)
        try:
            size += item.path.stat().st_size
        except OSError:
            continue
    return min(cpus, 2) if size >= PARALLEL_MIN_BYTES else 1


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start.

    ``fork`` is the cheapest (a copy of this process, nothing to import or
    unpickle), but a process forked while another thread holds a lock — DuckDB,
    pyarrow, OpenBLAS and other threaded libraries that a notebook or a test run
    loaded beside ingest — inherits the lock held and can hang on it forever.  So
    a process with a single thread (the command line) forks its workers; one with
    threads running has them forked by a fork server, a clean process started
    for the purpose that imports this module once (about a third of a second of
    CPU more, see ``bench/bench_ingest_workers.py``).  Outside Linux every worker is
    a fresh interpreter, as before.
    """
    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    if _threads() == 1:
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _threads() -> int:
    """Threads of this process as the system counts them (native ones too); 0 unknown."""
    try:
        return sum(1 for _ in Path("/proc/self/task").iterdir())
    except OSError:
        return 0


def _result(item: Any) -> list[Prepared]:
    return [Prepared(*fields) for fields in item.get()]


def prepared_records(
    inputs: list[InputFile],
    preparer: Preparer,
    config: IngestConfig,
    workers: int,
    progress: Progress | None = None,
) -> Generator[Prepared, None, None]:
    """Every record of the inputs, prepared, in input order.

    The worker pool ends when the generator is exhausted or closed: a caller that may
    stop early closes it (``contextlib.closing``) rather than wait for the garbage
    collector.
    """
    if workers <= 1:
        for task in tasks(inputs, config, progress):
            yield from run_task(task, preparer, config)
        return
    context = worker_context()
    # A forked worker's parent is this process; otherwise it is the fork server (or none
    # that matters), which ends with this process.
    parent = os.getpid() if context.get_start_method() == "fork" else 0
    pool = context.Pool(workers, initializer=_init_worker, initargs=(preparer, config, parent))
    try:
        pending: deque[Any] = deque()
        for task in tasks(inputs, config, progress):
            pending.append(pool.apply_async(_worker_task, (task,)))
            while len(pending) > workers * 2:
                yield from _result(pending.popleft())
        while pending:
            yield from _result(pending.popleft())
        pool.close()
    finally:
        pool.terminate()
        pool.join()
