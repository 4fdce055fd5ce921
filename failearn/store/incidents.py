"""SQL of incident identity: which incident an id names today.

Ingest merges records into incidents and may later merge two incidents into one
(a record that bridges them), and ``taxonomy migrate`` regroups them; the id an
incident had before a merge is kept in ``incident_aliases``.  A user may also
name an incident by the id of any record in it.  Everything that takes an
incident id from a person, or holds incident ids from an earlier run (the
similarity index, rule evidence), asks here what they name now.

``failearn incidents list|show`` browse them here too: the incidents that match
a filter, with the pattern the newest cluster run put each in, and one
incident with its records, former ids and error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from failearn.errors import NotFoundError, UsageError
from failearn.record import TEXT_FIELDS
from failearn.store import Store, chunks, marks


def incidents_named(store: Store, text: str) -> list[str]:
    """The incidents ``text`` names: an incident id, else an id it had before a merge, else
    the id of a record merged into it (several when records of one id sit in several)."""
    name = text.strip()
    row = store.conn.execute("SELECT id FROM incidents WHERE id = ?", (name,)).fetchone()
    if row:
        return [str(row[0])]
    row = store.conn.execute(
        "SELECT a.incident_id FROM incident_aliases a JOIN incidents i ON i.id = a.incident_id "
        "WHERE a.alias = ?",
        (name,),
    ).fetchone()
    if row:
        return [str(row[0])]
    return [
        str(r[0])
        for r in store.conn.execute(
            "SELECT DISTINCT r.incident_id FROM reports r JOIN incidents i ON i.id = r.incident_id "
            "WHERE r.record_id = ? ORDER BY r.incident_id",
            (name,),
        )
    ]


def resolve_incident(store: Store, text: str) -> str:
    """The one incident ``text`` names (:func:`incidents_named`); an error when none is."""
    found = incidents_named(store, text)
    if not found:
        raise NotFoundError(
            f"no incident {text!r} in {store.path}", hint="`failearn incidents list` lists them"
        )
    if len(found) > 1:
        raise UsageError(
            f"{text!r} is a record of {len(found)} incidents: " + ", ".join(found),
            hint="name one of them",
        )
    return found[0]


def current_ids(store: Store, incident_ids: Sequence[str]) -> dict[str, str]:
    """Each of ``incident_ids`` mapped to the incident it is now (itself, or the incident
    that absorbed it); ids that name no incident any more are left out."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(incident_ids))):
        where = f"IN ({marks(len(chunk))})"
        found.update(
            (str(i), str(i))
            for (i,) in store.conn.execute(f"SELECT id FROM incidents WHERE id {where}", chunk)
        )
        found.update(
            (str(alias), str(target))
            for alias, target in store.conn.execute(
                "SELECT a.alias, a.incident_id FROM incident_aliases a "
                f"JOIN incidents i ON i.id = a.incident_id WHERE a.alias {where}",
                chunk,
            )
            if alias not in found
        )
    return found


# The text columns an incident takes from its reports (a merged incident from the first of
# its reports that has each): what ingest merges, and what ``incidents show`` shows.
INCIDENT_TEXT = (*TEXT_FIELDS, "trace_shape", "metrics", "caused_by_rule")
# The columns ``incidents list`` shows of each incident.
LISTED = (
    "id",
    "timestamp",
    "service",
    "failure_class",
    "severity",
    "title",
    "source",
    "line",
    "report_count",
)
# What ``incidents show`` gives of one incident, beyond its records.
SHOWN = (
    *LISTED,
    "last_timestamp",
    "ended_at",
    "failure_class_raw",
    "failure_class_via",
    "taxonomy_version",
    *(name for name in INCIDENT_TEXT if name not in LISTED),
    "kind",
)

_NEWEST_RUN = "(SELECT MAX(run_id) FROM cluster_runs)"


def pattern_members(store: Store, pattern_id: str) -> list[str]:
    """The incidents of ``pattern_id`` in the newest cluster run that saw it (as they are
    named now: merged ones by the incident that absorbed them)."""
    members = [
        str(r[0])
        for r in store.conn.execute(
            "SELECT m.incident_id FROM cluster_members m JOIN clusters c "
            "ON c.run_id = m.run_id AND c.cluster_id = m.cluster_id "
            "WHERE c.pattern_id = ? AND m.run_id = "
            "(SELECT MAX(run_id) FROM clusters WHERE pattern_id = ?)",
            (pattern_id, pattern_id),
        )
    ]
    return sorted(set(current_ids(store, members).values()))


def find_incidents(
    store: Store,
    *,
    services: Sequence[str] = (),
    classes: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    ids: Sequence[str] | None = None,
    limit: int | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """The incidents that match (newest first, at most ``limit``) with the pattern the
    newest cluster run put each in, and how many match in all."""
    where: list[str] = []
    params: list[Any] = []
    for column, values in (("i.service", services), ("i.failure_class", classes), ("i.id", ids)):
        if values is not None and (values or column == "i.id"):
            where.append(f"{column} IN ({marks(len(values))})" if values else "0 = 1")
            params.extend(values)
    if since is not None:
        where.append("i.timestamp >= ?")
        params.append(since)
    if until is not None:
        where.append("i.timestamp < ?")
        params.append(until)
    condition = f"WHERE {' AND '.join(where)}" if where else ""
    total = int(
        store.conn.execute(f"SELECT COUNT(*) FROM incidents i {condition}", params).fetchone()[0]
    )
    columns = ", ".join(f"i.{name}" for name in LISTED)
    cap = "" if limit is None else f" LIMIT {int(limit)}"
    rows = store.query(
        f"SELECT {columns}, c.pattern_id FROM incidents i "
        f"LEFT JOIN cluster_members m ON m.incident_id = i.id AND m.run_id = {_NEWEST_RUN} "
        "LEFT JOIN clusters c ON c.run_id = m.run_id AND c.cluster_id = m.cluster_id "
        f"{condition} ORDER BY i.timestamp DESC, i.id{cap}",
        params,
    )
    return rows, total


def incident_detail(store: Store, incident_id: str) -> dict[str, Any]:
    """One incident's fields, its pattern, its records, former ids and error messages."""
    columns = ", ".join(f"i.{name}" for name in SHOWN)
    row = store.query(
        f"SELECT {columns}, c.pattern_id FROM incidents i "
        f"LEFT JOIN cluster_members m ON m.incident_id = i.id AND m.run_id = {_NEWEST_RUN} "
        "LEFT JOIN clusters c ON c.run_id = m.run_id AND c.cluster_id = m.cluster_id "
        "WHERE i.id = ?",
        (incident_id,),
    )[0]
    row["records"] = store.query(
        "SELECT record_id, source, line, kind, timestamp, severity, title FROM reports "
        "WHERE incident_id = ? ORDER BY timestamp, record_id",
        (incident_id,),
    )
    row["former_ids"] = [
        str(r[0])
        for r in store.conn.execute(
            "SELECT alias FROM incident_aliases WHERE incident_id = ? ORDER BY alias",
            (incident_id,),
        )
    ]
    row["error_messages"] = sorted(
        {
            str(r[0])
            for r in store.conn.execute(
                "SELECT message FROM incident_error_messages WHERE incident_id = ?", (incident_id,)
            )
        }
    )
    row["trace_ids"] = [
        str(r[0])
        for r in store.conn.execute(
            "SELECT trace_id FROM incident_trace_ids WHERE incident_id = ? ORDER BY trace_id",
            (incident_id,),
        )
    ]
    return row


def incident_count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])
