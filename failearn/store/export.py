"""SQL of ``failearn export`` and the Python API: the store's main tables as rows and typed
columns, streamed (a store of millions of incidents is never held in memory at once).

What can be exported (:data:`WHAT`):

* ``incidents``: one row per merged incident, with its error messages, trace
  ids and dependencies as lists;
* ``reports``: one row per stored record (the current version of each);
* ``patterns``: one row per recurring pattern, with its size, label, class mix
  and status as the newest cluster run left it;
* ``rules``: the learning registry's rules, their state and evidence;
* ``events``: the registry's append-only event log.

Column types are the schema's declared ones (``TEXT``, ``INTEGER``, ``REAL``,
``BLOB``, or ``LIST`` for the list columns), the same on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from failearn.store import Store

WHAT = ("incidents", "reports", "patterns", "rules", "events")
_LIST_SEPARATOR = "\x1f"  # unit separator: never inside a message, id or name


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # TEXT, INTEGER, REAL, BLOB or LIST (of text)


_INCIDENT_LISTS = {
    "error_messages": (
        "SELECT group_concat(e.message, char(31)) FROM (SELECT x.message "
        "FROM report_error_messages x JOIN reports r ON r.key = x.report_key "
        "WHERE r.incident_id = i.id ORDER BY r.kind != 'markdown', "
        "r.timestamp, r.key, x.position) e"
    ),
    "trace_ids": (
        "SELECT group_concat(t.trace_id, char(31)) FROM (SELECT DISTINCT x.trace_id "
        "FROM report_trace_ids x JOIN reports r ON r.key = x.report_key "
        "WHERE r.incident_id = i.id ORDER BY x.trace_id) t"
    ),
    "dependencies": (
        "SELECT group_concat(d.dependency, char(31)) FROM (SELECT DISTINCT "
        "x.dependency FROM report_dependencies x JOIN reports r "
        "ON r.key = x.report_key WHERE r.incident_id = i.id "
        "ORDER BY x.dependency) d"
    ),
}
_PATTERN_COLUMNS = (
    "size",
    "cohesion",
    "recent_count",
    "weekly_rate",
    "top_terms",
    "services",
    "classes",
    "dominant_template",
)


def _declared(store: Store, table: str) -> list[Column]:
    """The columns of ``table`` with the types its schema declares."""
    if store.backend == "sqlite":
        rows = store.conn.execute(f'PRAGMA table_info("{table}")').fetchall()
        return [Column(str(r[1]), _kind(str(r[2]))) for r in rows]
    rows = store.conn.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        (table,),
    ).fetchall()
    return [Column(str(r[0]), _kind(str(r[1]))) for r in rows]


def _kind(declared: str) -> str:
    text = declared.upper()
    if "INT" in text:
        return "INTEGER"
    if "REAL" in text or "DOUBLE" in text or "FLOAT" in text:
        return "REAL"
    if "BLOB" in text or "BYTEA" in text:
        return "BLOB"
    return "TEXT"


def columns(store: Store, what: str) -> list[Column]:
    """The columns an export of ``what`` has, in order."""
    if what == "incidents":
        return [*_declared(store, "incidents"), *(Column(n, "LIST") for n in _INCIDENT_LISTS)]
    if what == "reports":
        return _declared(store, "reports")
    if what == "patterns":
        clusters = {c.name: c for c in _declared(store, "clusters")}
        return [
            *_declared(store, "patterns"),
            Column("last_cluster_run", "INTEGER"),
            *(clusters[n] for n in _PATTERN_COLUMNS),
        ]
    if what == "rules":
        return _declared(store, "rules")
    if what == "events":
        return _declared(store, "rule_events")
    raise ValueError(f"cannot export {what!r}")


def _sql(store: Store, what: str) -> str:
    if what == "incidents":
        lists = ", ".join(f"({sql}) AS {name}" for name, sql in _INCIDENT_LISTS.items())
        return f"SELECT i.*, {lists} FROM incidents i ORDER BY i.timestamp, i.id"
    if what == "reports":
        return "SELECT * FROM reports ORDER BY key"
    if what == "patterns":
        latest = ", ".join(f"c.{n}" for n in _PATTERN_COLUMNS)
        return (
            "SELECT p.*, c.run_id AS last_cluster_run, " + latest + " FROM patterns p "
            "LEFT JOIN clusters c ON c.pattern_id = p.id AND c.run_id = p.last_run_id "
            "ORDER BY p.id"
        )
    if what == "rules":
        return "SELECT * FROM rules ORDER BY id"
    return "SELECT * FROM rule_events ORDER BY id"


def rows(store: Store, what: str) -> Iterator[tuple[Any, ...]]:
    """The rows of an export of ``what``, list columns as lists (call inside a snapshot
    on PostgreSQL: the rows come from a server-side cursor)."""
    kinds = [c.kind for c in columns(store, what)]
    lists = [i for i, kind in enumerate(kinds) if kind == "LIST"]
    for row in store.stream(_sql(store, what)):
        if not lists:
            yield tuple(row)
            continue
        values = list(row)
        for i in lists:
            values[i] = values[i].split(_LIST_SEPARATOR) if values[i] else []
        yield tuple(values)
