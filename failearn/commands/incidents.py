"""``failearn incidents list|show``: browse the stored incidents without an SQL client.

The list filters by service, failure class, pattern (as the newest cluster run
placed incidents) and time, newest first; ``show`` names an incident as every
command does (its id, an id it had before a merge, or the id of one of its
records) and gives its fields, records, former ids, error messages and trace ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from failearn.config import Settings
from failearn.store import Store
from failearn.store import incidents as sql
from failearn.store.location import display as display_location
from failearn.timeutil import iso

# Incidents a list shows unless told otherwise (the count of all matches is always given).
DEFAULT_LIMIT = 50


@dataclass(frozen=True)
class IncidentFilter:
    services: tuple[str, ...] = ()
    classes: tuple[str, ...] = ()
    pattern: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int | None = DEFAULT_LIMIT


@dataclass(frozen=True)
class IncidentRow:
    incident_id: str
    timestamp: str
    service: str
    failure_class: str
    severity: str | None
    title: str | None
    source: str
    line: int | None
    report_count: int
    pattern_id: str | None


@dataclass(frozen=True)
class IncidentList:
    db: str
    filters: IncidentFilter
    incidents: list[IncidentRow]
    total: int


@dataclass(frozen=True)
class IncidentDetail:
    db: str
    incident: IncidentRow
    fields: dict[str, Any]
    records: list[dict[str, Any]] = field(default_factory=list)
    former_ids: list[str] = field(default_factory=list)
    error_messages: list[str] = field(default_factory=list)
    trace_ids: list[str] = field(default_factory=list)


def _open(settings: Settings) -> Store:
    return Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)


def _row(row: dict[str, Any]) -> IncidentRow:
    return IncidentRow(
        incident_id=str(row["id"]),
        timestamp=str(row["timestamp"]),
        service=str(row["service"]),
        failure_class=str(row["failure_class"]),
        severity=row["severity"],
        title=row["title"],
        source=str(row["source"]),
        line=row["line"],
        report_count=int(row["report_count"]),
        pattern_id=row["pattern_id"],
    )


def list_incidents(settings: Settings, filters: IncidentFilter) -> IncidentList:
    """The stored incidents that pass ``filters``, newest first."""
    with _open(settings) as store:
        ids: Sequence[str] | None = None
        if filters.pattern is not None:
            ids = sql.pattern_members(store, filters.pattern.strip())
        rows, total = sql.find_incidents(
            store,
            services=filters.services,
            classes=filters.classes,
            since=iso(filters.since) if filters.since else None,
            until=iso(filters.until) if filters.until else None,
            ids=ids,
            limit=filters.limit,
        )
    return IncidentList(
        db=display_location(settings.db),
        filters=filters,
        incidents=[_row(r) for r in rows],
        total=total,
    )


def show_incident(settings: Settings, name: str) -> IncidentDetail:
    """One incident, named as a user names it; a usage error when the name is unknown."""
    with _open(settings) as store:
        incident_id = sql.resolve_incident(store, name)
        row = sql.incident_detail(store, incident_id)
    listed = _row(row)
    fields = {key: row[key] for key in sql.SHOWN if key not in sql.LISTED}
    return IncidentDetail(
        db=display_location(settings.db),
        incident=listed,
        fields=fields,
        records=row["records"],
        former_ids=row["former_ids"],
        error_messages=row["error_messages"],
        trace_ids=row["trace_ids"],
    )
