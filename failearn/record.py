"""The shapes every layer agrees on: raw records, canonical incidents, located issues.

Sources produce :class:`RawRecord` (a payload exactly as received, with where it
came from); :mod:`failearn.capture.normalise` turns one into a :class:`Incident` or a
list of :class:`Issue`; the store keeps both.  The field names of
:class:`Incident` are the canonical names of the record (docs/ingest.md, "The record").
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from failearn.provenance import Provenance

if TYPE_CHECKING:
    from failearn.capture.classify import PendingClass

TEXT_FIELDS: tuple[str, ...] = (
    "title",
    "summary",
    "root_cause",
    "resolution",
    "workarounds",
    "action_items",
    "timeline",
)
LIST_FIELDS: tuple[str, ...] = ("trace_ids", "error_messages", "dependencies", "trace_shape")
CANONICAL_FIELDS: tuple[str, ...] = (
    "id",
    "timestamp",
    "service",
    "failure_class",
    "trace_ids",
    "severity",
    *TEXT_FIELDS,
    "error_messages",
    "dependencies",
    "metrics",
    "trace_shape",
)
# Further fields a source may give (beyond the canonical record).
EXTRA_FIELDS: tuple[str, ...] = (
    "ended_at",
    "caused_by_rule",
    "sections",
    "tags",
    "class_hints",
    "source_format",
    "timeline_start",
    "timeline_end",
)


@dataclass(frozen=True, slots=True)
class Issue:
    """A located problem with one record: an error rejects it, a warning does not.

    ``code`` is stable (scripts and CI match on it); ``message`` says what is
    wrong and ``hint`` what to do about it.
    """

    code: str
    message: str
    source: str
    line: int | None = None
    field: str | None = None
    hint: str | None = None
    level: str = "error"

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "line": self.line,
            "code": self.code,
            "field": self.field,
            "message": self.message,
            "hint": self.hint,
            "level": self.level,
        }


@dataclass(slots=True)
class RawRecord:
    """One record as a source received it.

    ``payload`` holds the fields as the source spelled them; ``field_lines`` maps
    a field name to the 1-based line it was written on (front-matter keys);
    ``raw`` is the exact text received (``raw_bytes`` when it was not UTF-8).
    A record the source could not even read carries ``issues`` and no payload:
    it is still kept in the inbox, rejected.  A payload too large to keep whole
    keeps only its head as ``raw_bytes``, with the ``sha256`` and ``size`` of all
    of it.
    """

    source: str
    line: int | None
    kind: str
    raw: str | None
    payload: dict[str, Any] | None = None
    field_lines: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    raw_bytes: bytes | None = None
    notes: list[str] = field(default_factory=list)
    skip: bool = False
    sha256: str | None = None
    size: int | None = None
    # Fields the source found where no field names them, and where (``timeline_start``:
    # "the first heading"): normalisation says so when it uses one.
    found_in: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class Incident:
    """A canonical incident record (one report of an incident, before merging)."""

    id: str
    id_given: bool
    timestamp: datetime
    service: str
    failure_class: str
    failure_class_raw: str
    failure_class_via: str
    taxonomy_version: str
    source: str
    line: int | None
    kind: str
    trace_ids: list[str] = field(default_factory=list)
    severity: str | None = None
    severity_raw: str | None = None
    title: str | None = None
    summary: str | None = None
    root_cause: str | None = None
    resolution: str | None = None
    workarounds: str | None = None
    action_items: str | None = None
    timeline: str | None = None
    error_messages: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    metrics: dict[str, float] = field(default_factory=dict)
    trace_shape: list[str] = field(default_factory=list)
    other_classes: list[str] = field(default_factory=list)
    people: dict[str, list[str]] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    ended_at: datetime | None = None
    caused_by_rule: str | None = None
    dedup_hint: str | None = None
    # The fields failearn inferred for this record, with how and how sure.
    provenance: list[Provenance] = field(default_factory=list)
    # The class left to the text model until the whole run is read (ingest settles it);
    # ``failure_class`` is empty meanwhile.
    pending_class: PendingClass | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
