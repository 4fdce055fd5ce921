"""Preparing records for the store: the rows of one record, whatever its payload holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from failearn.anonymize import Anonymizer
from failearn.config import Settings
from failearn.normalise import Context
from failearn.prepare import Prepared, Preparer, prepare
from failearn.record import RawRecord
from failearn.taxonomy import load_taxonomy

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
GOOD: dict[str, Any] = {
    "id": "inc-1", "timestamp": "2026-11-02T14:03:00Z", "service": "checkout",
    "failure_class": "timeout", "trace_ids": ["4bf92f3577b34da6a3ce929d0e0e4736"],
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
