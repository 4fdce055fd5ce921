"""SQL of the analysis stage: windows of incidents, cluster runs, patterns, similarity index.

**For the stages after clustering** (suggestions, the report), one function:

    latest_patterns(store, as_of) -> PatternSnapshot | None

returns the patterns of the newest cluster run whose as-of is at or before
``as_of`` (the latest run, when several share it): each pattern's id, label,
status, first and last seen, size (its support), incident ids, services, class
counts and dominant class, cohesion and precursor signals — as the frozen
dataclasses of :mod:`failearn.analysis.model`.  ``None`` when no cluster run
exists at or before ``as_of``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from failearn.analysis.model import IncidentDoc, PatternSnapshot, PatternSummary, Precursor
from failearn.analysis.patterns import KnownPattern
from failearn.store import Store, chunks, marks

_TEXTS = ("resolution", "workarounds", "action_items", "timeline")
_DOC_COLUMNS = (
    "id, timestamp, service, failure_class, title, summary, root_cause, "
    "trace_shape, metrics, " + ", ".join(_TEXTS)
)
# A post-mortem's sections, from the newest Markdown report of each incident.
_SECTIONS = (
    "SELECT r.incident_id, r.details FROM reports r JOIN incidents i "
    "ON i.id = r.incident_id WHERE r.kind = 'markdown' AND r.details IS NOT NULL "
    "AND r.details LIKE '%\"sections\"%' AND {where} "
    "ORDER BY r.incident_id, r.timestamp, r.key"
)


def _sections(details: str) -> tuple[tuple[str, str], ...]:
    try:
        sections = json.loads(details).get("sections")
    except (ValueError, AttributeError):
        return ()
    if not isinstance(sections, dict):
        return ()
    return tuple((str(k), v) for k, v in sections.items() if isinstance(v, str) and v)


def _docs(
    store: Store,
    rows: Iterable[Sequence[Any]],
    messages: dict[str, list[str]],
    sections: dict[str, tuple[tuple[str, str], ...]],
) -> list[IncidentDoc]:
    docs = []
    for row in rows:
        shape = json.loads(row[7]) if row[7] else []
        metrics = json.loads(row[8]) if row[8] else {}
        docs.append(
            IncidentDoc(
                id=row[0],
                timestamp=row[1],
                service=row[2],
                failure_class=row[3],
                title=row[4],
                summary=row[5],
                root_cause=row[6],
                messages=tuple(dict.fromkeys(messages.get(row[0], ()))),
                trace_shape=tuple(str(s) for s in shape) if isinstance(shape, list) else (),
                metrics=metrics if isinstance(metrics, dict) else {},
                texts=tuple(
                    (name, text) for name, text in zip(_TEXTS, row[9:13], strict=True) if text
                ),
                sections=sections.get(row[0], ()),
            )
        )
    return docs


def window_docs(store: Store, start: str, end: str) -> list[IncidentDoc]:
    """Incidents starting in [start, end), ordered by time then id, with their messages."""
    messages: dict[str, list[str]] = {}
    for incident_id, message in store.conn.execute(
        "SELECT r.incident_id, e.message FROM incidents i "
        "JOIN reports r ON r.incident_id = i.id "
        "JOIN report_error_messages e ON e.report_key = r.key "
        "WHERE i.timestamp >= ? AND i.timestamp < ? "
        "ORDER BY r.incident_id, r.kind != 'markdown', r.timestamp, r.key, e.position",
        (start, end),
    ):
        messages.setdefault(incident_id, []).append(message)
    sections = {
        incident_id: _sections(details)
        for incident_id, details in store.conn.execute(
            _SECTIONS.format(where="i.timestamp >= ? AND i.timestamp < ?"), (start, end)
        )
    }
    rows = store.conn.execute(
        f"SELECT {_DOC_COLUMNS} FROM incidents WHERE timestamp >= ? AND timestamp < ? "
        "ORDER BY timestamp, id",
        (start, end),
    )
    return _docs(store, rows, messages, sections)


# A trace id in more incidents than this is no one failing request (a placeholder, a reused id).
MAX_TRACE_SHARE = 20


def shared_traces(store: Store, start: str, end: str) -> list[tuple[str, str]]:
    """Incidents of [start, end) that recorded the same trace id: each paired with the first
    (by id) of the incidents that share it with it; trace ids shared too widely left out."""
    return [
        (str(a), str(b))
        for a, b in store.conn.execute(
            """
        WITH window_traces AS (
            SELECT DISTINCT t.trace_id, t.incident_id
            FROM incident_trace_ids t JOIN incidents i ON i.id = t.incident_id
            WHERE i.timestamp >= ? AND i.timestamp < ?),
        shared AS (
            SELECT trace_id, MIN(incident_id) AS head, COUNT(*) AS n
            FROM window_traces GROUP BY trace_id HAVING COUNT(*) BETWEEN 2 AND ?)
        SELECT DISTINCT s.head, w.incident_id FROM shared s
        JOIN window_traces w ON w.trace_id = s.trace_id AND w.incident_id != s.head
        ORDER BY 1, 2""",
            (start, end, MAX_TRACE_SHARE),
        )
    ]


def docs_for(store: Store, incident_ids: Sequence[str]) -> list[IncidentDoc]:
    """The given incidents (in the given order, unknown ids left out)."""
    found: dict[str, IncidentDoc] = {}
    for chunk in chunks(incident_ids):
        where = f"IN ({marks(len(chunk))})"
        messages: dict[str, list[str]] = {}
        for incident_id, message in store.conn.execute(
            "SELECT r.incident_id, e.message FROM reports r "
            "JOIN report_error_messages e ON e.report_key = r.key "
            f"WHERE r.incident_id {where} "
            "ORDER BY r.incident_id, r.kind != 'markdown', r.timestamp, r.key, e.position",
            chunk,
        ):
            messages.setdefault(incident_id, []).append(message)
        sections = {
            incident_id: _sections(details)
            for incident_id, details in store.conn.execute(
                _SECTIONS.format(where=f"r.incident_id {where}"), chunk
            )
        }
        rows = store.conn.execute(f"SELECT {_DOC_COLUMNS} FROM incidents WHERE id {where}", chunk)
        found.update((d.id, d) for d in _docs(store, rows, messages, sections))
    return [found[i] for i in incident_ids if i in found]


def incident_count(store: Store) -> int:
    return int(store.conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0])


# -- cluster runs --------------------------------------------------------------


def known_patterns(store: Store, as_of: str) -> list[KnownPattern]:
    """Every pattern as its newest cluster in a run at or before ``as_of`` left it."""
    rows = store.query(
        """
        SELECT c.pattern_id, c.run_id, c.cluster_id, c.signature, p.first_seen, p.last_seen
        FROM clusters c JOIN cluster_runs r ON r.run_id = c.run_id
        JOIN patterns p ON p.id = c.pattern_id
        WHERE r.as_of <= ?
        ORDER BY c.pattern_id, r.as_of DESC, c.run_id DESC
    """,
        [as_of],
    )
    latest: dict[str, dict[str, Any]] = {}
    for row in rows:
        latest.setdefault(row["pattern_id"], row)
    known = []
    for pattern_id, row in sorted(latest.items()):
        members = frozenset(
            r[0]
            for r in store.conn.execute(
                "SELECT incident_id FROM cluster_members WHERE run_id = ? AND cluster_id = ?",
                (row["run_id"], row["cluster_id"]),
            )
        )
        known.append(
            KnownPattern(
                pattern_id,
                members,
                json.loads(row["signature"]),
                row["first_seen"],
                row["last_seen"],
            )
        )
    return known


def all_pattern_ids(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM patterns ORDER BY id")]


def save_cluster_run(
    store: Store,
    run: dict[str, Any],
    clusters: Sequence[dict[str, Any]],
    members: Sequence[tuple[str, int | None]],
    precursors: Sequence[tuple[int, Precursor]],
) -> None:
    """Write one run's window, clusters, memberships (None: noise) and precursors."""
    conn = store.conn
    run_id = run["run_id"]
    columns = list(run)
    conn.execute(
        f"INSERT INTO cluster_runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [run[c] for c in columns],
    )
    if clusters:
        names = list(clusters[0])
        conn.executemany(
            f"INSERT INTO clusters (run_id, {', '.join(names)}) VALUES "
            f"(?, {', '.join('?' * len(names))})",
            ([run_id, *(_sql_value(c[n]) for n in names)] for c in clusters),
        )
    conn.executemany(
        "INSERT INTO cluster_members (run_id, incident_id, cluster_id) VALUES (?, ?, ?)",
        ((run_id, i, c) for i, c in members),
    )
    conn.executemany(
        "INSERT INTO cluster_precursors (run_id, cluster_id, metric, direction, "
        "median_in_pattern, median_rest, delta, effect_size, p_value, support, support_share, "
        "consistency, rest_count) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (
                run_id,
                cluster,
                p.metric,
                p.direction,
                p.median_in_pattern,
                p.median_rest,
                p.delta,
                p.effect_size,
                p.p_value,
                p.support,
                p.support_share,
                p.consistency,
                p.rest_count,
            )
            for cluster, p in precursors
        ),
    )


def save_patterns(
    store: Store, run_id: int, as_of: str, patterns: Sequence[dict[str, Any]]
) -> None:
    """Create or bring forward patterns (only a run at a later or equal as-of updates one)."""
    for p in patterns:
        store.conn.execute(
            """
            INSERT INTO patterns (id, label, dominant_class, status, first_seen, last_seen,
                                  first_run_id, last_run_id, last_as_of)
            VALUES (:id, :label, :dominant_class, :status, :first_seen, :last_seen,
                    :run_id, :run_id, :as_of)
            ON CONFLICT(id) DO UPDATE SET
                first_seen = MIN(patterns.first_seen, excluded.first_seen),
                last_seen = MAX(patterns.last_seen, excluded.last_seen),
                label = CASE WHEN excluded.last_as_of >= patterns.last_as_of
                             THEN excluded.label ELSE patterns.label END,
                dominant_class = CASE WHEN excluded.last_as_of >= patterns.last_as_of
                                      THEN excluded.dominant_class
                                      ELSE patterns.dominant_class END,
                status = CASE WHEN excluded.last_as_of >= patterns.last_as_of
                              THEN excluded.status ELSE patterns.status END,
                last_run_id = CASE WHEN excluded.last_as_of >= patterns.last_as_of
                                   THEN excluded.last_run_id ELSE patterns.last_run_id END,
                last_as_of = MAX(patterns.last_as_of, excluded.last_as_of)
        """,
            {**p, "run_id": run_id, "as_of": as_of},
        )


def _sql_value(value: Any) -> Any:
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, sort_keys=False, ensure_ascii=False)
    return value


# -- the contract for later stages -----------------------------------------------


def latest_cluster_run(store: Store, as_of: str) -> dict[str, Any] | None:
    """The newest cluster run at or before ``as_of`` (ties: the latest run)."""
    rows = store.query(
        "SELECT * FROM cluster_runs WHERE as_of <= ? ORDER BY as_of DESC, run_id DESC LIMIT 1",
        [as_of],
    )
    return rows[0] if rows else None


def latest_patterns(store: Store, as_of: str) -> PatternSnapshot | None:
    """The patterns of the newest cluster run at or before ``as_of`` (see the module docstring).

    Patterns are ordered by size (largest first), then pattern id; incident ids
    by time then id; precursors by the strength of their effect.
    """
    run = latest_cluster_run(store, as_of)
    if run is None:
        return None
    run_id = run["run_id"]
    members: dict[int | None, list[str]] = {}
    for incident_id, cluster_id in store.conn.execute(
        "SELECT m.incident_id, m.cluster_id FROM cluster_members m "
        "LEFT JOIN incidents i ON i.id = m.incident_id WHERE m.run_id = ? "
        "ORDER BY i.timestamp, m.incident_id",
        (run_id,),
    ):
        members.setdefault(cluster_id, []).append(incident_id)
    signals: dict[int, list[Precursor]] = {}
    for row in store.query(
        "SELECT * FROM cluster_precursors WHERE run_id = ? "
        "ORDER BY cluster_id, ABS(effect_size) DESC, metric",
        [run_id],
    ):
        cluster_id = row.pop("cluster_id")
        row.pop("run_id")
        signals.setdefault(cluster_id, []).append(Precursor(**row))
    patterns = []
    for row in store.query(
        "SELECT * FROM clusters WHERE run_id = ? ORDER BY size DESC, pattern_id", [run_id]
    ):
        pattern = store.query(
            "SELECT first_seen, last_seen FROM patterns WHERE id = ?", [row["pattern_id"]]
        )[0]
        patterns.append(
            PatternSummary(
                pattern_id=row["pattern_id"],
                cluster_id=row["cluster_id"],
                label=row["label"],
                dominant_template=row["dominant_template"],
                top_terms=tuple(json.loads(row["top_terms"])),
                status=row["status"],
                first_seen=min(pattern["first_seen"], row["first_seen"]),
                last_seen=row["last_seen"],
                size=row["size"],
                incident_ids=tuple(members.get(row["cluster_id"], [])),
                services=json.loads(row["services"]),
                classes=json.loads(row["classes"]),
                dominant_class=row["dominant_class"],
                cohesion=row["cohesion"],
                recent_count=row["recent_count"],
                weekly_rate=row["weekly_rate"],
                precursors=tuple(signals.get(row["cluster_id"], [])),
                titles=tuple(json.loads(row["titles"])),
            )
        )
    return PatternSnapshot(
        run_id=run_id,
        as_of=run["as_of"],
        window_start=run["window_start"],
        window_end=run["window_end"],
        incidents=run["incidents"],
        eps=run["eps"],
        min_samples=run["min_samples"],
        patterns=tuple(patterns),
        noise=tuple(members.get(None, [])),
    )


# -- the similarity index -----------------------------------------------------------


@dataclass
class IndexRows:
    """The stored similarity index: model record, then per incident its id and vector."""

    run_id: int
    as_of: str
    window_start: str
    window_end: str
    model: dict[str, Any]
    incident_ids: list[str]
    services: list[str]
    classes: list[str]
    blocks: bytes
    vectors: bytes


def index_as_of(store: Store) -> str | None:
    row = store.conn.execute("SELECT MAX(as_of) FROM similarity_model").fetchone()
    return None if row is None or row[0] is None else str(row[0])


def replace_index(
    store: Store,
    run_id: int,
    meta: dict[str, str],
    model: dict[str, Any],
    incident_ids: Sequence[str],
    services: Sequence[str],
    classes: Sequence[str],
    blocks: bytes,
    vectors: bytes,
) -> None:
    """Replace the similarity index with this run's model and vectors (one row)."""
    store.conn.execute("DELETE FROM similarity_model")
    store.conn.execute(
        "INSERT INTO similarity_model (run_id, as_of, window_start, window_end, model, "
        "components, message_idf, text_idf, trace_idf, incident_ids, services, classes, "
        "blocks, vectors) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            meta["as_of"],
            meta["window_start"],
            meta["window_end"],
            model["model"],
            model["components"],
            model["message_idf"],
            model["text_idf"],
            model["trace_idf"],
            json.dumps(list(incident_ids)),
            json.dumps(list(services)),
            json.dumps(list(classes)),
            blocks,
            vectors,
        ),
    )


def load_index(store: Store) -> IndexRows | None:
    rows = store.query("SELECT * FROM similarity_model LIMIT 1")
    if not rows:
        return None
    model = rows[0]
    return IndexRows(
        model["run_id"],
        model["as_of"],
        model["window_start"],
        model["window_end"],
        model,
        json.loads(model["incident_ids"]),
        json.loads(model["services"]),
        json.loads(model["classes"]),
        model["blocks"],
        model["vectors"],
    )


def unindexed_ids(store: Store, since: str, indexed: set[str]) -> list[str]:
    """Incidents from ``since`` on that the index does not hold (ingested after its run)."""
    return [
        r[0]
        for r in store.conn.execute(
            "SELECT id FROM incidents WHERE timestamp >= ? ORDER BY timestamp, id", (since,)
        )
        if r[0] not in indexed
    ]


def all_incident_ids(store: Store) -> list[str]:
    return [r[0] for r in store.conn.execute("SELECT id FROM incidents ORDER BY timestamp, id")]


def incident_briefs(store: Store, incident_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """What a similarity result shows of each incident."""
    if not incident_ids:
        return {}
    where = f"IN ({marks(len(incident_ids))})"
    return {
        row["id"]: row
        for row in store.query(
            "SELECT id, timestamp, service, failure_class, severity, title, source, line, "
            f"resolution, workarounds FROM incidents WHERE id {where}",
            list(incident_ids),
        )
    }


def latest_pattern_of(store: Store, incident_ids: Sequence[str]) -> dict[str, str]:
    """The pattern each incident belonged to in the newest cluster run that saw it."""
    if not incident_ids:
        return {}
    where = f"IN ({marks(len(incident_ids))})"
    found: dict[str, str] = {}
    for incident_id, pattern_id in store.conn.execute(
        "SELECT m.incident_id, c.pattern_id FROM cluster_members m "
        "JOIN clusters c ON c.run_id = m.run_id AND c.cluster_id = m.cluster_id "
        "JOIN cluster_runs r ON r.run_id = m.run_id "
        f"WHERE m.incident_id {where} ORDER BY r.as_of, m.run_id",
        list(incident_ids),
    ):
        found[incident_id] = pattern_id
    return found
