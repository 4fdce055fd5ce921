"""SQL of the learning registry: rules, their append-only event log, and what they match.

``rules`` holds each rule's evidence and latest state; ``rule_events`` every
change (triggers refuse to update or delete an event).  A rule's state at an
as-of is the fold of its events up to then (:func:`failearn.suggest.lifecycle.fold`),
so the functions here return events in the order that fold needs: by rule, time, id.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from failearn.store import Store, chunks, marks

RULE_COLUMNS = (
    "id",
    "pattern_id",
    "service",
    "failure_class",
    "adaptation",
    "action",
    "rationale",
    "trigger",
    "status",
    "confidence",
    "support",
    "pattern_support",
    "cohesion",
    "incident_ids",
    "created_at",
    "updated_at",
    "evidence_as_of",
    "last_matched_at",
    "ttl_seconds",
    "evidence",
)
EVIDENCE_COLUMNS = (
    "action",
    "rationale",
    "trigger",
    "support",
    "pattern_support",
    "cohesion",
    "incident_ids",
    "evidence_as_of",
    "last_matched_at",
    "evidence",
)
STATE_COLUMNS = (
    "status",
    "confidence",
    "updated_at",
    "times_applied",
    "last_applied_at",
    "accepted_count",
    "rejected_count",
    "negative_feedback_count",
    "archived_at",
)


def rules(store: Store, ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """Rules by id (every rule when ``ids`` is None), JSON columns decoded."""
    found: dict[str, dict[str, Any]] = {}
    if ids is None:
        rows = store.query("SELECT * FROM rules ORDER BY id")
    else:
        rows = []
        for chunk in chunks(sorted(set(ids))):
            rows.extend(
                store.query(f"SELECT * FROM rules WHERE id IN ({marks(len(chunk))})", chunk)
            )
    for row in rows:
        row["incident_ids"] = json.loads(row["incident_ids"])
        row["trigger"] = json.loads(row["trigger"]) if row["trigger"] else None
        row["evidence"] = json.loads(row["evidence"]) if row.get("evidence") else None
        found[row["id"]] = row
    return found


def find_rule_id(store: Store, text: str) -> str | None:
    """A rule id as written (case-insensitively, or a unique prefix of at least 4 characters)."""
    row = store.conn.execute(
        "SELECT id FROM rules WHERE lower(id) = lower(?) ORDER BY id", (text.strip(),)
    ).fetchone()
    if row:
        return str(row[0])
    if len(text.strip()) >= 4:
        rows = rule_ids_starting(store, text, limit=2)
        if len(rows) == 1:
            return rows[0]
    return None


def rule_ids_starting(store: Store, text: str, limit: int) -> list[str]:
    """Rule ids that start with ``text`` (case-insensitively), in order, at most ``limit``."""
    prefix = text.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return [
        str(r[0])
        for r in store.conn.execute(
            "SELECT id FROM rules WHERE lower(id) LIKE lower(?) ESCAPE '\\' ORDER BY id LIMIT ?",
            (prefix + "%", limit),
        )
    ]


def insert_rule(store: Store, row: dict[str, Any]) -> None:
    values = [_sql(row[c]) for c in RULE_COLUMNS]
    store.conn.execute(
        f"INSERT INTO rules ({', '.join(RULE_COLUMNS)}) VALUES ({marks(len(RULE_COLUMNS))})", values
    )


def update_evidence(store: Store, rule_id: str, row: dict[str, Any]) -> None:
    """Bring a rule's evidence forward (only from an as-of at or after the stored one)."""
    sets = ", ".join(f"{c} = ?" for c in EVIDENCE_COLUMNS)
    store.conn.execute(
        f"UPDATE rules SET {sets} WHERE id = ? AND evidence_as_of <= ?",
        [*(_sql(row[c]) for c in EVIDENCE_COLUMNS), rule_id, row["evidence_as_of"]],
    )


def update_state(store: Store, rule_id: str, state: dict[str, Any]) -> None:
    sets = ", ".join(f"{c} = ?" for c in STATE_COLUMNS)
    store.conn.execute(
        f"UPDATE rules SET {sets} WHERE id = ?", [*(state[c] for c in STATE_COLUMNS), rule_id]
    )


def add_event(store: Store, event: dict[str, Any]) -> int:
    """Append one event; its id."""
    columns = (
        "rule_id",
        "event",
        "at",
        "actor",
        "note",
        "status_before",
        "status_after",
        "confidence_before",
        "confidence_after",
        "incident_id",
        "forced",
        "details",
        "run_id",
    )
    values = [_sql(event.get(c)) for c in columns]
    values[columns.index("forced")] = int(bool(event.get("forced")))
    return store.insert_id(
        f"INSERT INTO rule_events ({', '.join(columns)}) VALUES ({marks(len(columns))})", values
    )


def events(
    store: Store, rule_ids: Sequence[str] | None = None, *, until: str | None = None
) -> list[dict[str, Any]]:
    """Events (of some rules, up to and including ``until``), by rule, time, id."""
    sql = "SELECT * FROM rule_events"
    clauses: list[str] = []
    params: list[Any] = []
    if until is not None:
        clauses.append("at <= ?")
        params.append(until)
    if rule_ids is not None:
        found: list[dict[str, Any]] = []
        for chunk in chunks(sorted(set(rule_ids))):
            where = " AND ".join([*clauses, f"rule_id IN ({marks(len(chunk))})"])
            found.extend(store.query(f"{sql} WHERE {where}", [*params, *chunk]))
        rows = found
    else:
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        rows = store.query(sql, params)
    for row in rows:
        row["details"] = json.loads(row["details"]) if row["details"] else None
    rows.sort(key=lambda r: (r["rule_id"], r["at"], r["id"]))
    return rows


def last_event_at(store: Store, rule_id: str | None = None) -> str | None:
    """The time of the newest event (of one rule, or of any)."""
    if rule_id is None:
        row = store.conn.execute("SELECT MAX(at) FROM rule_events").fetchone()
    else:
        row = store.conn.execute(
            "SELECT MAX(at) FROM rule_events WHERE rule_id = ?", (rule_id,)
        ).fetchone()
    return None if row is None or row[0] is None else str(row[0])


def adaptations(store: Store, *, until: str, service: str | None = None) -> list[dict[str, Any]]:
    """Applied and reverted events up to ``until`` with their rule's service, newest first."""
    sql = (
        "SELECT e.rule_id, r.service, e.event, e.at FROM rule_events e "
        "JOIN rules r ON r.id = e.rule_id "
        "WHERE e.event IN ('applied', 'reverted') AND e.at <= ?"
    )
    params: list[Any] = [until]
    if service is not None:
        sql += " AND r.service = ?"
        params.append(service)
    return store.query(sql + " ORDER BY e.at DESC, e.id DESC", params)


def last_matched(store: Store, before: str) -> dict[tuple[str, str], str]:
    """The newest incident start before ``before``, per (service, failure class)."""
    return {
        (row[0], row[1]): row[2]
        for row in store.conn.execute(
            "SELECT service, failure_class, MAX(timestamp) FROM incidents WHERE timestamp < ? "
            "GROUP BY service, failure_class",
            (before,),
        )
    }


def rule_references(store: Store, before: str) -> list[dict[str, Any]]:
    """Incidents before ``before`` whose post-mortem names a rule (``caused_by_rule``)."""
    return store.query(
        "SELECT id AS incident_id, caused_by_rule, timestamp, service "
        "FROM incidents WHERE caused_by_rule IS NOT NULL AND timestamp < ? "
        "ORDER BY timestamp, id",
        [before],
    )


def incident_briefs(store: Store, incident_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Service, time, class, severity, title, source and dependencies of each incident."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(list(dict.fromkeys(incident_ids))):
        where = f"IN ({marks(len(chunk))})"
        for row in store.query(
            "SELECT id, timestamp, service, failure_class, severity, title, source, line, "
            f"trace_shape FROM incidents WHERE id {where}",
            chunk,
        ):
            row["dependencies"] = []
            row["error_messages"] = []
            shape = json.loads(row["trace_shape"]) if row["trace_shape"] else []
            row["trace_shape"] = [str(s) for s in shape] if isinstance(shape, list) else []
            found[row["id"]] = row
        for incident_id, message in store.conn.execute(
            "SELECT r.incident_id, e.message FROM report_error_messages e "
            "JOIN reports r ON r.key = e.report_key "
            f"WHERE r.incident_id {where} ORDER BY r.incident_id, r.key, e.position",
            chunk,
        ):
            if incident_id in found:
                found[incident_id]["error_messages"].append(message)
        for incident_id, dependency in store.conn.execute(
            "SELECT r.incident_id, d.dependency FROM report_dependencies d "
            "JOIN reports r ON r.key = d.report_key "
            f"WHERE r.incident_id {where} ORDER BY r.incident_id, d.dependency",
            chunk,
        ):
            if incident_id in found and dependency not in found[incident_id]["dependencies"]:
                found[incident_id]["dependencies"].append(dependency)
    return found


def _sql(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return value
