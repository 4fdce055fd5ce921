"""SQL of the taxonomy audit: the incidents of a window, class usage, stored audits.

Each ``failearn audit`` is kept in ``audits`` (verdict and headline figures,
plus the whole result as JSON in ``document``) and ``audit_classes`` (per class
counts and shares), so that other commands can show the latest verdict and the
trend without re-running the audit:

* :func:`latest_audit` — the latest audit whose ``as_of`` is at or before a
  given instant, as an :class:`AuditSummary` (None when there is none);
* :func:`audit_history` — the audits up to an instant, one per ``as_of``
  (the latest run of each), oldest first: the trend.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from failearn.store import Store


@contextmanager
def snapshot(store: Store) -> Iterator[None]:
    """A read transaction: the queries inside see one state of the database, and (WAL)
    writers are not blocked while the audit computes."""
    with store.snapshot():
        yield


@dataclass(frozen=True, slots=True)
class AuditIncident:
    """An incident as the audit reads it (text fields only when asked for)."""

    id: str
    timestamp: str
    service: str
    failure_class: str
    failure_class_raw: str | None
    failure_class_via: str | None
    taxonomy_version: str | None
    title: str | None = None
    summary: str | None = None
    root_cause: str | None = None
    error_messages: str | None = None


@dataclass(frozen=True, slots=True)
class AuditSummary:
    """One stored audit: its verdict and headline figures.

    Times are UTC ISO text.  ``shifts`` are the sentences naming the classes
    that moved (empty unless drift was found in the class mix).
    """

    audit_id: int
    run_id: int | None
    as_of: str
    recent_start: str
    baseline_start: str
    taxonomy_version: str | None
    verdict: str
    drift: bool
    reasons: tuple[str, ...]
    recent_incidents: int
    baseline_incidents: int
    test: str | None
    statistic: float | None
    p_value: float | None
    js_distance: float | None
    accuracy: float | None
    macro_f1: float | None
    disagreement_recent: float | None
    disagreement_baseline: float | None
    shifts: tuple[str, ...] = ()


_TEXT = """,
    i.title, i.summary, i.root_cause,
    (SELECT group_concat(e.message, char(10)) FROM (
        SELECT x.message FROM report_error_messages x JOIN reports r ON r.key = x.report_key
        WHERE r.incident_id = i.id ORDER BY r.key, x.position) e) AS error_messages"""


def incidents_between(
    store: Store, start: str, end: str, *, with_text: bool = False
) -> list[AuditIncident]:
    """Incidents with ``start <= timestamp < end``, oldest first (ties by id)."""
    sql = (
        "SELECT i.id, i.timestamp, i.service, i.failure_class, i.failure_class_raw, "
        "i.failure_class_via, i.taxonomy_version"
        + (_TEXT if with_text else "")
        + " FROM incidents i WHERE i.timestamp >= ? AND i.timestamp < ? "
        "ORDER BY i.timestamp, i.id"
    )
    return [AuditIncident(*row) for row in store.conn.execute(sql, (start, end))]


def class_counts(store: Store, until: str) -> dict[str, int]:
    """Incidents per class, over every incident before ``until``."""
    rows = store.conn.execute(
        "SELECT failure_class, COUNT(*) FROM incidents WHERE timestamp < ? GROUP BY failure_class",
        (until,),
    )
    return {str(name): int(count) for name, count in rows}


def inferred_services(store: Store, start: str, end: str) -> list[tuple[str, int]]:
    """(how, incidents) for the incidents between ``start`` and ``end`` whose service a
    report did not name but had inferred (``report_provenance``), by route."""
    rows = store.conn.execute(
        "SELECT p.via, COUNT(DISTINCT r.incident_id) FROM report_provenance p "
        "JOIN reports r ON r.key = p.report_key JOIN incidents i ON i.id = r.incident_id "
        "WHERE p.field = 'service' AND i.timestamp >= ? AND i.timestamp < ? GROUP BY p.via",
        (start, end),
    )
    return sorted(((str(via), int(n)) for via, n in rows), key=lambda r: (-r[1], r[0]))


def service_class_counts(store: Store, until: str) -> list[tuple[str, str, int]]:
    """(service, class, incidents) over every incident before ``until``, sorted."""
    rows = store.conn.execute(
        "SELECT service, failure_class, COUNT(*) FROM incidents WHERE timestamp < ? "
        "GROUP BY service, failure_class ORDER BY service, failure_class",
        (until,),
    )
    return [(str(s), str(c), int(n)) for s, c, n in rows]


def save_audit(
    store: Store,
    summary: AuditSummary,
    classes: Sequence[tuple[str, int, int, float, float, float, float, float | None]],
    document: dict[str, Any],
) -> int:
    """Store one audit (``summary.audit_id`` is ignored); its id.

    ``classes`` rows are (class, recent count, baseline count, recent share,
    baseline share, delta, residual, p-value).
    """
    s = summary
    audit_id = store.insert_id(
        "INSERT INTO audits (run_id, as_of, recent_start, baseline_start, taxonomy_version, "
        "verdict, drift, reasons, recent_incidents, baseline_incidents, test, statistic, "
        "p_value, js_distance, accuracy, macro_f1, disagreement_recent, disagreement_baseline, "
        "document) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            s.run_id,
            s.as_of,
            s.recent_start,
            s.baseline_start,
            s.taxonomy_version,
            s.verdict,
            int(s.drift),
            json.dumps(list(s.reasons), ensure_ascii=False),
            s.recent_incidents,
            s.baseline_incidents,
            s.test,
            s.statistic,
            s.p_value,
            s.js_distance,
            s.accuracy,
            s.macro_f1,
            s.disagreement_recent,
            s.disagreement_baseline,
            json.dumps(document, ensure_ascii=False, sort_keys=True, default=str),
        ),
    )
    store.conn.executemany(
        "INSERT INTO audit_classes (audit_id, failure_class, recent_count, baseline_count, "
        "recent_share, baseline_share, delta, residual, p_value) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(audit_id, *row) for row in classes],
    )
    return audit_id


_SUMMARY = (
    "SELECT id, run_id, as_of, recent_start, baseline_start, taxonomy_version, verdict, "
    "drift, reasons, recent_incidents, baseline_incidents, test, statistic, p_value, "
    "js_distance, accuracy, macro_f1, disagreement_recent, disagreement_baseline, "
    "document FROM audits"
)


def _summary(row: Sequence[Any]) -> AuditSummary:
    document = json.loads(row[19]) if row[19] else {}
    shifts = tuple(str(s.get("message", "")) for s in document.get("shifts", []))
    return AuditSummary(
        int(row[0]),
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        bool(row[7]),
        tuple(json.loads(row[8] or "[]")),
        int(row[9]),
        int(row[10]),
        row[11],
        row[12],
        row[13],
        row[14],
        row[15],
        row[16],
        row[17],
        row[18],
        shifts,
    )


def latest_audit(store: Store, as_of: str) -> AuditSummary | None:
    """The latest audit with ``as_of`` at or before the given instant (UTC ISO text);
    of several audits for one ``as_of``, the last run.  None when there is none."""
    row = store.conn.execute(
        f"{_SUMMARY} WHERE as_of <= ? ORDER BY as_of DESC, id DESC LIMIT 1", (as_of,)
    ).fetchone()
    return None if row is None else _summary(row)


def audit_history(store: Store, as_of: str, limit: int = 12) -> list[AuditSummary]:
    """Up to ``limit`` audits at or before ``as_of``, one per ``as_of`` (its last run),
    oldest first."""
    rows = store.conn.execute(
        f"{_SUMMARY} WHERE id IN (SELECT MAX(id) FROM audits WHERE as_of <= ? GROUP BY as_of) "
        "ORDER BY as_of DESC LIMIT ?",
        (as_of, limit),
    ).fetchall()
    return [_summary(row) for row in reversed(rows)]


def stored_document(store: Store, audit_id: int) -> dict[str, Any] | None:
    """The whole stored result of one audit (its JSON document)."""
    row = store.conn.execute("SELECT document FROM audits WHERE id = ?", (audit_id,)).fetchone()
    return None if row is None else dict(json.loads(row[0]))
