"""Preparing records for the store: the rows of one record, whatever its payload holds."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from failearn.capture.anonymize import Anonymizer
from failearn.capture.normalise import Context
from failearn.capture.prepare import Prepared, Preparer, prepare, run_task
from failearn.config import IngestConfig, Settings
from failearn.record import RawRecord
from failearn.sources import InputFile
from failearn.sources.vendors import Formats
from failearn.taxonomy.file import load_taxonomy

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "id": "inc-1",
    "timestamp": "2026-11-02T14:03:00Z",
    "service": "checkout",
    "failure_class": "timeout",
    "trace_ids": ["4bf92f3577b34da6a3ce929d0e0e4736"],
}


def preparer(settings: Settings | None = None) -> Preparer:
    context = Context.build(settings or Settings(), load_taxonomy(), AS_OF, Anonymizer("k"))
    return Preparer(context, b"fingerprint", 1)


def prepared(payload: dict[str, Any], settings: Settings | None = None) -> Prepared:
    raw = RawRecord(source="x.json", line=3, kind="json", raw="{}", payload=payload)
    return prepare(raw, preparer(settings))


def test_keys_that_are_not_strings_are_stored_as_strings() -> None:
    record = prepared({**GOOD, "http_errors": {500: 120, None: 1}})
    assert record.report is not None
    details = record.report[-3]
    assert details == '{"extra":{"http_errors":{"500":120,"null":1}}}'


class _Tripwire:
    """A taxonomy that fails on one label, as a bug would (the rest is the real one)."""

    def __init__(self, label: str) -> None:
        self._real = load_taxonomy()
        self._label = label

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)

    def resolve(self, label: str, *args: Any, **kwargs: Any) -> Any:
        if label == self._label:
            raise KeyError(label)
        return self._real.resolve(label, *args, **kwargs)


def tripping_preparer(label: str = "kaboom") -> Preparer:
    context = replace(preparer().context, taxonomy=_Tripwire(label))  # type: ignore[arg-type]
    return Preparer(context, b"fingerprint", 1)


def test_a_record_that_makes_failearn_fail_is_rejected_and_kept() -> None:
    raw = RawRecord(
        source="x.json",
        line=3,
        kind="json",
        raw='{"raw": 1}',
        payload={**GOOD, "failure_class": "kaboom"},
    )
    record = prepare(raw, tripping_preparer())
    assert (record.key, record.report, record.raw, record.line) == (None, None, '{"raw": 1}', 3)
    (issue,) = record.issues
    assert (issue.code, issue.level, issue.source, issue.line) == (
        "record-error",
        "error",
        "x.json",
        3,
    )
    assert issue.message.startswith(
        "failearn could not process this record: KeyError: 'kaboom' (at failearn/"
    )
    assert issue.hint is not None and issue.hint.startswith("this is a bug in failearn")


def test_one_failing_line_of_a_batch_leaves_the_others_prepared() -> None:
    lines = [
        orjson.dumps({**GOOD, "id": f"r{n}", "failure_class": label}) + b"\n"
        for n, label in enumerate(("timeout", "kaboom", "timeout"))
    ]
    records = run_task(("lines", "a.ndjson", 10, lines), tripping_preparer(), IngestConfig())
    assert [(r.line, r.record_id, [i.code for i in r.issues]) for r in records] == [
        (10, "r0", []),
        (11, None, ["record-error"]),
        (12, "r2", []),
    ]
    assert records[1].raw == lines[1].decode().rstrip("\n")


class _BrokenExpand(Formats):
    """Formats whose payload reader fails on one record, as a bug in a reader would."""

    def expand(self, value: dict[str, Any], *args: Any, **kwargs: Any) -> Any:
        if value.get("id") == "r1":
            raise RuntimeError("reader bug")
        return None


def test_one_line_whose_reading_fails_leaves_the_others_read() -> None:
    lines = [orjson.dumps({**GOOD, "id": f"r{n}"}) + b"\n" for n in range(3)]
    task_preparer = replace(preparer(), formats=_BrokenExpand())
    records = run_task(("lines", "a.ndjson", 10, lines), task_preparer, IngestConfig())
    assert [(r.line, r.record_id, [i.code for i in r.issues]) for r in records] == [
        (10, "r0", []),
        (11, None, ["record-error"]),
        (12, "r2", []),
    ]
    assert records[1].raw_bytes == lines[1].rstrip(b"\n")
    assert "RuntimeError: reader bug" in records[1].issues[0].message


class _BrokenFiles(Formats):
    """Formats whose file lookup fails for one file, as a bug in a reader would."""

    def for_file(self, source: str) -> Any:
        if source.endswith("b.md"):
            raise RuntimeError("reader bug")
        return None


def test_a_file_whose_reading_fails_is_rejected_and_the_next_is_read(tmp_path: Path) -> None:
    for name in ("a.md", "b.md"):
        (tmp_path / name).write_text(
            "---\nid: PM-1\ntimestamp: 2026-11-02T14:03:00Z\nservice: s\nfailure_class: timeout"
            "\ntrace_ids: [4bf92f3577b34da6a3ce929d0e0e4736]\n---\n# t\n",
            encoding="utf-8",
        )
    inputs = [InputFile(tmp_path / n, n, "markdown") for n in ("b.md", "a.md")]
    formats = _BrokenFiles(mappings={"x": None})  # type: ignore[dict-item]
    task_preparer = replace(preparer(), formats=formats)
    records = run_task(("files", inputs), task_preparer, IngestConfig())
    assert [(r.source, [i.code for i in r.issues]) for r in records] == [
        ("b.md", ["record-error"]),
        ("a.md", []),
    ]
    assert records[0].raw_bytes is not None and b"PM-1" in records[0].raw_bytes
