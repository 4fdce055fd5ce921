"""SQL of the capture stage: the inbox, reports, and the incidents merged from them.

An *incident* is a group of *reports* (accepted records).  Reports are written
as they are read; once the run has read everything, the grouping is computed
in Python (:mod:`failearn.capture.dedup`) and the touched incidents are rebuilt here
from their reports in one set-based statement each.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from failearn.record import TEXT_FIELDS
from failearn.store import Store, chunks, marks
from failearn.store.incidents import INCIDENT_TEXT

INBOX_COLUMNS = (
    "run_id",
    "received_at",
    "source",
    "line",
    "kind",
    "sha256",
    "raw",
    "raw_bytes",
    "raw_dropped",
    "outcome",
    "report_key",
    "record_id",
    "errors",
    "warnings",
    "raw_size",
)
REPORT_COLUMNS = (
    "key",
    "record_id",
    "id_given",
    "incident_id",
    "content_sha256",
    "inbox_id",
    "source",
    "line",
    "kind",
    "timestamp",
    "service",
    "failure_class",
    "failure_class_raw",
    "failure_class_via",
    "taxonomy_version",
    "severity",
    "severity_rank",
    *TEXT_FIELDS,
    "trace_shape",
    "metrics",
    "ended_at",
    "caused_by_rule",
    "details",
    "first_run_id",
    "updated_run_id",
)
_MERGED_TEXT = INCIDENT_TEXT
_PRIORITY = "x.kind != 'markdown', x.timestamp, x.key"


@dataclass(frozen=True, slots=True)
class ReportRef:
    """What grouping needs to know of one stored report."""

    key: str
    record_id: str
    id_given: bool
    service: str
    failure_class: str
    timestamp: str
    kind: str
    incident_id: str | None


@dataclass(frozen=True, slots=True)
class KnownReport:
    """A stored report's identity, to tell unchanged and updated records apart."""

    content_sha256: str
    service: str
    failure_class: str
    incident_id: str | None
    first_run_id: int | None
    record_id: str = ""
    id_given: bool = True


def is_empty(store: Store) -> bool:
    """True when nothing has been received yet: the first load of a store."""
    return store.conn.execute("SELECT 1 FROM inbox LIMIT 1").fetchone() is None


def inbox_hashes(store: Store, source: str) -> set[str]:
    """Hashes of every payload already received from ``source``."""
    rows = store.conn.execute("SELECT sha256 FROM inbox WHERE source = ?", (source,))
    return {row[0] for row in rows}


def add_inbox_many(store: Store, rows: Sequence[tuple[Any, ...]]) -> list[int]:
    """Insert inbox rows in bulk; the id each was given, in order."""
    if not rows:
        return []
    if store.backend == "sqlite":
        # One writer at a time: the rowids given are consecutive after the largest.
        before = int(store.conn.execute("SELECT COALESCE(MAX(id), 0) FROM inbox").fetchone()[0])
        store.insert_many("inbox", INBOX_COLUMNS, rows)
        return list(range(before + 1, before + len(rows) + 1))
    # Other ingests may be writing beside this one: ids come from the table's sequence.
    ids = store.next_ids("inbox", len(rows))
    store.insert_many(
        "inbox", ("id", *INBOX_COLUMNS), [(i, *row) for i, row in zip(ids, rows, strict=True)]
    )
    return ids


def set_inbox_outcomes(store: Store, outcomes: Iterable[tuple[str, int]]) -> None:
    store.conn.executemany("UPDATE inbox SET outcome = ? WHERE id = ?", outcomes)


def known_reports(store: Store, source: str) -> dict[str, KnownReport]:
    """The reports already stored from one source, by key.

    A report's key is its source, or its source, ``#`` and its id: a range of
    the primary key, so no index on ``source`` is needed.
    """
    rows = store.conn.execute(
        "SELECT key, content_sha256, service, failure_class, incident_id, first_run_id, "
        "record_id, id_given FROM reports WHERE key = ? OR (key > ? AND key < ?)",
        (source, source + "#", source + "$"),
    )
    return {
        row[0]: KnownReport(row[1], row[2], row[3], row[4], row[5], row[6], bool(row[7]))
        for row in rows
    }


def delete_reports(store: Store, keys: Sequence[str]) -> None:
    """Remove reports (to be replaced by newer versions) and their many-valued fields."""
    for table in (
        "report_trace_ids",
        "report_error_messages",
        "report_dependencies",
        "report_provenance",
    ):
        store.conn.executemany(f"DELETE FROM {table} WHERE report_key = ?", ((k,) for k in keys))
    store.conn.executemany("DELETE FROM reports WHERE key = ?", ((k,) for k in keys))


PROVENANCE_COLUMNS = (
    "report_key",
    "field",
    "value",
    "via",
    "probability",
    "evidence",
    "candidates",
)


def add_reports(
    store: Store,
    reports: Sequence[tuple[Any, ...]],
    trace_ids: Sequence[tuple[str, str]],
    errors: Sequence[tuple[str, int, str]],
    dependencies: Sequence[tuple[str, str]],
    provenance: Sequence[tuple[Any, ...]] = (),
) -> None:
    """Insert reports (in :data:`REPORT_COLUMNS` order), their many-valued fields and the
    provenance of their inferred fields (in :data:`PROVENANCE_COLUMNS` order).

    The reports are new to the store (a replaced one was deleted first), and each
    report's messages are numbered and its dependencies distinct; only a trace id
    given twice in one record can repeat a row (kept once), and a field's provenance
    given twice (the last is kept).
    """
    store.insert_many("reports", REPORT_COLUMNS, reports)
    store.insert_many(
        "report_trace_ids", ("report_key", "trace_id"), list(dict.fromkeys(trace_ids))
    )
    store.insert_many("report_error_messages", ("report_key", "position", "message"), errors)
    store.insert_many("report_dependencies", ("report_key", "dependency"), dependencies)
    if provenance:
        last = {(row[0], row[1]): row for row in provenance}
        store.insert_many("report_provenance", PROVENANCE_COLUMNS, list(last.values()))


# The routes of a class that a record gave as a label (not inferred): what a team model
# learns from.
_LABEL_ROUTES = ("id", "name", "alias", "retired", "config", "split", "split-default")


def labelled_texts(
    store: Store, limit: int
) -> list[tuple[str, str | None, str | None, str | None, str | None, str]]:
    """The most recent ``limit`` reports whose class a person gave (not inferred): title,
    root cause, summary, resolution, error messages (one per line) and class."""
    rows = store.conn.execute(
        f"SELECT title, root_cause, summary, resolution, (SELECT group_concat(message, "
        f"char(10)) FROM (SELECT message FROM report_error_messages e WHERE e.report_key = "
        f"r.key ORDER BY position) m), failure_class FROM reports r "
        f"WHERE COALESCE(failure_class_via, 'id') IN ({marks(len(_LABEL_ROUTES))}) "
        f"ORDER BY timestamp DESC, key LIMIT ?",
        (*_LABEL_ROUTES, limit),
    )
    return [(r[0] or "", r[1], r[2], r[3], r[4], r[5]) for r in rows]


_IN_GROUPS = "(service, failure_class) IN (SELECT service, failure_class FROM temp.regroup_groups)"
# What regrouping decided for a report of the groups it looked at: its incident, the
# incident it had before (NULL: new to the store), whether its row must point elsewhere,
# whether it is the primary report of an incident made only of new reports.  Only reports
# that moved, had an incident before or joined others are noted: the new report alone in
# its incident (most of them) needs nothing but its incident's id, in ``regroup_ids``.
REGROUP_COLUMNS = ("key", "incident_id", "previous", "moved", "new_primary")


def start_regroup(store: Store, groups: Iterable[tuple[str, str]]) -> None:
    """Empty the regrouping's scratch tables and note the (service, class) groups to regroup."""
    conn = store.conn
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS regroup_groups (service TEXT NOT NULL, "
        "failure_class TEXT NOT NULL, PRIMARY KEY (service, failure_class)) WITHOUT ROWID"
    )
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS regroup (key TEXT PRIMARY KEY, incident_id TEXT NOT "
        "NULL, previous TEXT, moved INTEGER NOT NULL, new_primary INTEGER NOT NULL) "
        "WITHOUT ROWID"
    )
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS regroup_ids (id TEXT PRIMARY KEY) WITHOUT ROWID")
    conn.execute("DELETE FROM temp.regroup_groups")
    conn.execute("DELETE FROM temp.regroup")
    conn.execute("DELETE FROM temp.regroup_ids")
    store.insert_many("temp.regroup_groups", ("service", "failure_class"), sorted(set(groups)))


def connected_groups(store: Store) -> list[tuple[str, str]]:
    """The groups of :func:`start_regroup`, with every group that one of their reports
    reaches by an id its source gave (repeatedly): all that one merge must look at."""
    while True:
        reached = store.conn.execute(
            "SELECT DISTINCT b.service, b.failure_class FROM reports a JOIN reports b "
            "ON b.record_id = a.record_id AND b.id_given = 1 WHERE a.id_given = 1 AND "
            "(a.service, a.failure_class) IN (SELECT service, failure_class FROM "
            "temp.regroup_groups) AND (b.service, b.failure_class) NOT IN "
            "(SELECT service, failure_class FROM temp.regroup_groups)"
        ).fetchall()
        if not reached:
            break
        store.insert_many("temp.regroup_groups", ("service", "failure_class"), reached)
    rows = store.conn.execute(
        "SELECT service, failure_class FROM temp.regroup_groups ORDER BY service, failure_class"
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def shared_record_ids(store: Store) -> set[str]:
    """Ids that more than one report of the regrouped groups gave."""
    rows = store.conn.execute(
        f"SELECT record_id FROM reports WHERE id_given = 1 AND {_IN_GROUPS} "
        "GROUP BY record_id HAVING COUNT(*) > 1"
    )
    return {str(r[0]) for r in rows}


def group_reports(
    store: Store, service: str, failure_class: str
) -> Iterator[tuple[str, str, bool, str, str, str | None, int | None]]:
    """The reports of one group in time order: key, record id, id given, timestamp, kind,
    incident id, the run that last wrote it."""
    rows = store.conn.execute(
        "SELECT key, record_id, id_given, timestamp, kind, incident_id, updated_run_id "
        "FROM reports WHERE service = ? AND failure_class = ? ORDER BY timestamp, key",
        (service, failure_class),
    )
    for r in rows:
        yield r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6]


def add_regrouped(store: Store, incidents: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """Note what regrouping decided: the ids of the incidents it made, and the reports it
    moved or merged (rows in :data:`REGROUP_COLUMNS` order)."""
    store.insert_many("temp.regroup_ids", ("id",), [(i,) for i in incidents])
    store.insert_many("temp.regroup", REGROUP_COLUMNS, rows)


def regroup_aliases(store: Store) -> dict[str, str]:
    """Incident ids that no longer name an incident -> the incident that took the report
    (the smallest key) that had it."""
    rows = store.conn.execute(
        "SELECT p.previous, r.incident_id FROM (SELECT previous, MIN(key) AS key FROM "
        "temp.regroup WHERE previous IS NOT NULL GROUP BY previous) p "
        "JOIN temp.regroup r ON r.key = p.key "
        "WHERE p.previous NOT IN (SELECT id FROM temp.regroup_ids) ORDER BY p.previous"
    )
    return {str(r[0]): str(r[1]) for r in rows}


def regrouped_ids(store: Store) -> tuple[set[str], set[str]]:
    """(every incident id of the regrouped groups, every id their reports had before)."""
    now = {str(r[0]) for r in store.conn.execute("SELECT id FROM temp.regroup_ids")}
    before = {
        str(r[0])
        for r in store.conn.execute(
            "SELECT DISTINCT previous FROM temp.regroup WHERE previous IS NOT NULL"
        )
    }
    return now, before


def mark_merged(store: Store, run_id: int, first_inbox_id: int) -> int:
    """Mark as ``merged`` the inbox rows of this run's new reports that joined others (all
    but the primary reports of incidents made only of new reports); how many."""
    cursor = store.conn.execute(
        "UPDATE inbox SET outcome = 'merged' WHERE id >= ? AND run_id = ? AND "
        "outcome = 'accepted' AND report_key IN "
        "(SELECT key FROM temp.regroup WHERE new_primary = 0)",
        (first_inbox_id, run_id),
    )
    return max(int(getattr(cursor, "rowcount", 0) or 0), 0)


def _load_temp_ids(store: Store, ids: Iterable[str]) -> None:
    store.conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS touched_incidents (id TEXT PRIMARY KEY) WITHOUT ROWID"
    )
    store.conn.execute("DELETE FROM temp.touched_incidents")
    store.insert_many("temp.touched_incidents", ("id",), [(i,) for i in dict.fromkeys(ids)])


def lock_merge(store: Store) -> None:
    """Take the merge's turn: one merge into incidents at a time, so that each sees every
    report the merges before it committed (PostgreSQL, where ingests run side by side)."""
    store.lock("merge")


def regroup(
    store: Store, aliases: dict[str, str], replaced_ids: Iterable[str], run_id: int
) -> None:
    """Point reports at their incidents and rebuild every incident touched, as the
    regrouping's scratch table says (:func:`add_regrouped`).

    ``replaced_ids`` are incidents whose reports were replaced or withdrawn; ``aliases``
    maps each old id that no longer exists to the incident that absorbed it.
    """
    conn = store.conn
    store.analyze("temp.regroup", "temp.regroup_ids")
    _move(store)
    _load_temp_ids(store, replaced_ids)
    conn.execute(
        "INSERT OR IGNORE INTO temp.touched_incidents (id) SELECT id FROM temp.regroup_ids "
        "UNION SELECT previous FROM temp.regroup WHERE previous IS NOT NULL"
    )
    store.analyze("reports", "incidents", "temp.touched_incidents")
    conn.execute("DELETE FROM incidents WHERE id IN (SELECT id FROM temp.touched_incidents)")
    # A single-report incident is its report; only merged ones look further.
    merged = ",\n".join(
        f"COALESCE(p.{name}, CASE WHEN agg.n > 1 THEN (SELECT x.{name} FROM reports x "
        f"WHERE x.incident_id = p.incident_id AND x.{name} IS NOT NULL "
        f"ORDER BY {_PRIORITY} LIMIT 1) END)"
        for name in _MERGED_TEXT
    )
    conn.execute(
        f"""
        INSERT INTO incidents (id, timestamp, last_timestamp, ended_at, service, failure_class,
            failure_class_raw, failure_class_via, taxonomy_version, severity,
            {", ".join(_MERGED_TEXT)}, source, line, kind, report_count, has_fix,
            created_run_id, updated_run_id)
        SELECT p.incident_id, agg.first_ts, agg.last_ts, agg.ended_at, p.service,
            p.failure_class, p.failure_class_raw, p.failure_class_via, p.taxonomy_version,
            CASE WHEN agg.n = 1 THEN p.severity ELSE (SELECT x.severity FROM reports x
                WHERE x.incident_id = p.incident_id AND x.severity IS NOT NULL
                ORDER BY x.severity_rank, {_PRIORITY} LIMIT 1) END,
            {merged},
            p.source, p.line, p.kind, agg.n, 0, agg.created, ?
        FROM (SELECT g.incident_id, MIN(g.timestamp) AS first_ts, MAX(g.timestamp) AS last_ts,
                     MAX(g.ended_at) AS ended_at, COUNT(*) AS n,
                     MIN(g.first_run_id) AS created,
                     CASE WHEN COUNT(*) = 1 THEN MIN(g.key) ELSE (
                         SELECT x.key FROM reports x WHERE x.incident_id = g.incident_id
                         ORDER BY {_PRIORITY} LIMIT 1) END AS primary_key
              FROM reports g
              WHERE g.incident_id IN (SELECT id FROM temp.touched_incidents)
              GROUP BY g.incident_id) agg
        JOIN reports p ON p.key = agg.primary_key
    """,
        (run_id,),
    )
    conn.execute(
        "UPDATE incidents SET has_fix = 1 WHERE id IN "
        "(SELECT id FROM temp.touched_incidents) "
        "AND (resolution IS NOT NULL OR workarounds IS NOT NULL)"
    )
    for old, target in aliases.items():
        conn.execute(
            "INSERT INTO incident_aliases (alias, incident_id) VALUES (?, ?) "
            "ON CONFLICT(alias) DO UPDATE SET incident_id = excluded.incident_id",
            (old, target),
        )
        conn.execute(
            "UPDATE incident_aliases SET incident_id = ? WHERE incident_id = ?", (target, old)
        )
    # An id that names an incident again is no alias any more: the touched ids that
    # were just rebuilt are exactly ``new_ids``.
    conn.execute(
        "DELETE FROM incident_aliases WHERE alias IN (SELECT t.id FROM "
        "temp.touched_incidents t JOIN incidents i ON i.id = t.id)"
    )
    _relink(store)


def _move(store: Store) -> None:
    """Point the reports that moved at their new incident."""
    if store.backend == "sqlite":
        # Correlated subqueries rather than UPDATE … FROM, which older SQLite builds lack.
        store.conn.execute(
            "UPDATE reports SET incident_id = (SELECT m.incident_id FROM temp.regroup m "
            "WHERE m.key = reports.key) WHERE key IN (SELECT key FROM temp.regroup "
            "WHERE moved = 1)"
        )
        return
    store.conn.execute(
        "UPDATE reports SET incident_id = m.incident_id "
        "FROM temp.regroup m WHERE reports.key = m.key AND m.moved = 1"
    )


def _relink(store: Store) -> None:
    """Known workarounds: up to three earlier incidents of the same service and class that
    recorded a resolution or a workaround, for every incident rebuilt in this run."""
    conn = store.conn
    conn.execute(
        "DELETE FROM incident_links WHERE reason = 'known-workaround' AND incident_id "
        "IN (SELECT id FROM temp.touched_incidents)"
    )
    earlier = (
        "SELECT x.id FROM incidents x WHERE x.service = t.service "
        "AND x.failure_class = t.failure_class AND x.has_fix = 1 "
        "AND x.timestamp < t.timestamp ORDER BY x.timestamp DESC, x.id DESC LIMIT 3"
    )
    # The same rows either way; each database is given the form it plans well (SQLite has
    # no LATERAL, and PostgreSQL would run the IN form once per pair of incidents).
    join = (
        f"JOIN incidents e ON e.id IN ({earlier})"
        if store.backend == "sqlite"
        else f"CROSS JOIN LATERAL ({earlier}) e"
    )
    conn.execute(f"""
        INSERT OR IGNORE INTO incident_links (incident_id, related_id, reason)
        SELECT t.id, e.id, 'known-workaround'
        FROM incidents t {join}
        WHERE t.id IN (SELECT id FROM temp.touched_incidents)
    """)


def counts(store: Store) -> dict[str, int]:
    """Row counts of the capture tables."""
    conn = store.conn
    return {
        "incidents": conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0],
        "reports": conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0],
        "inbox": conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0],
        "rejected": conn.execute(
            "SELECT COUNT(*) FROM inbox WHERE outcome = 'rejected'"
        ).fetchone()[0],
    }


# -- files: unchanged, moved, gone ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceFile:
    """What a file held when it was last read, and the report it gave."""

    source: str
    size: int
    mtime_ns: int
    sha256: str
    fingerprint: str
    report_key: str
    content_sha256: str
    checked_ns: int


SOURCE_FILE_COLUMNS = (
    "source",
    "size",
    "mtime_ns",
    "sha256",
    "fingerprint",
    "report_key",
    "content_sha256",
    "checked_ns",
    "run_id",
)


def source_files(store: Store) -> dict[str, SourceFile]:
    """The recorded files whose report is still stored as it was then."""
    rows = store.conn.execute(
        "SELECT f.source, f.size, f.mtime_ns, f.sha256, f.fingerprint, f.report_key, "
        "f.content_sha256, f.checked_ns FROM source_files f "
        "JOIN reports r ON r.key = f.report_key AND r.content_sha256 = f.content_sha256"
    )
    return {row[0]: SourceFile(*row) for row in rows}


def put_source_files(store: Store, rows: Sequence[tuple[Any, ...]]) -> None:
    """Record files as read (rows in :data:`SOURCE_FILE_COLUMNS` order)."""
    updates = ", ".join(f"{c} = excluded.{c}" for c in SOURCE_FILE_COLUMNS[1:])
    store.conn.executemany(
        f"INSERT INTO source_files ({', '.join(SOURCE_FILE_COLUMNS)}) "
        f"VALUES ({marks(len(SOURCE_FILE_COLUMNS))}) "
        f"ON CONFLICT (source) DO UPDATE SET {updates}",
        rows,
    )


def forget_source_files(store: Store, sources: Iterable[str]) -> None:
    """Files to read again next time (rejected, moved or gone)."""
    store.conn.executemany("DELETE FROM source_files WHERE source = ?", ((s,) for s in sources))


@dataclass(frozen=True, slots=True)
class StoredPostmortem:
    """A stored post-mortem's report, as a moved file is matched against it."""

    key: str
    record_id: str
    id_given: bool
    incident_id: str | None
    service: str
    failure_class: str
    first_run_id: int | None
    sha256: str | None


def stored_postmortems(store: Store) -> list[StoredPostmortem]:
    """Every stored Markdown report, with the hash of the payload it was read from."""
    rows = store.conn.execute(
        "SELECT r.key, r.record_id, r.id_given, r.incident_id, r.service, r.failure_class, "
        "r.first_run_id, i.sha256 FROM reports r LEFT JOIN inbox i ON i.id = r.inbox_id "
        "WHERE r.kind = 'markdown' ORDER BY r.key"
    )
    return [StoredPostmortem(r[0], r[1], bool(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]


def report_sources(store: Store) -> list[str]:
    """Every source a stored report was read from (one row per file, not per report)."""
    rows = store.conn.execute("SELECT DISTINCT source FROM reports ORDER BY source")
    return [str(r[0]) for r in rows]


def reports_from(store: Store, sources: Sequence[str]) -> list[tuple[str, str, str, str | None]]:
    """(key, service, failure class, incident id) of the stored reports of ``sources``."""
    found: list[tuple[str, str, str, str | None]] = []
    for chunk in chunks(list(sources)):
        rows = store.conn.execute(
            "SELECT key, service, failure_class, incident_id FROM reports "
            f"WHERE source IN ({marks(len(chunk))}) ORDER BY key",
            chunk,
        )
        found.extend((r[0], r[1], r[2], r[3]) for r in rows)
    return sorted(found)


def withdraw_reports(store: Store, keys: Sequence[str], reason: str, run_id: int) -> None:
    """Move reports out of the incidents into ``withdrawn_reports`` (the caller regroups
    their incidents)."""
    for chunk in chunks(list(keys)):
        store.conn.execute(
            "INSERT INTO withdrawn_reports (key, record_id, incident_id, source, kind, "
            "timestamp, service, failure_class, title, inbox_id, reason, run_id) "
            "SELECT key, record_id, incident_id, source, kind, timestamp, service, "
            f"failure_class, title, inbox_id, ?, ? FROM reports WHERE key IN "
            f"({marks(len(chunk))}) ORDER BY key",
            (reason, run_id, *chunk),
        )
    delete_reports(store, keys)
    store.conn.executemany("DELETE FROM source_files WHERE report_key = ?", ((k,) for k in keys))


def record_moves(
    store: Store, run_id: int, moves: Sequence[tuple[str, str, str, str | None]]
) -> None:
    """Note post-mortems found at a new path: (old source, new source, how, incident)."""
    store.conn.executemany(
        "INSERT INTO source_moves (run_id, old_source, new_source, matched_by, incident_id) "
        "VALUES (?, ?, ?, ?, ?)",
        [(run_id, *move) for move in moves],
    )
