"""SQL of ``failearn taxonomy migrate``: stored labels, re-labelling, the label history.

A migration rewrites each report's ``failure_class``, ``failure_class_via`` and
``taxonomy_version``; what they were before goes to ``report_label_history``
first (with the run that changed them), so nothing is lost: the view
``report_original_labels`` shows each report's first stored class and version
beside its current ones.  The label as written stays in ``failure_class_raw``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from failearn.store import Store, chunks, marks
from failearn.store.ingest import ReportRef


@dataclass(frozen=True, slots=True)
class StoredLabel:
    """A stored report's label and what regrouping needs to know of it."""

    key: str
    record_id: str
    id_given: bool
    incident_id: str | None
    service: str
    timestamp: str
    kind: str
    failure_class: str
    failure_class_raw: str | None
    failure_class_via: str | None
    taxonomy_version: str | None
    # The configured format it was read through (`[sources.NAME]`), if any.
    source_format: str | None = None

    def ref(self, failure_class: str) -> ReportRef:
        """The report as grouping sees it, under a (new) class."""
        return ReportRef(
            self.key,
            self.record_id,
            self.id_given,
            self.service,
            failure_class,
            self.timestamp,
            self.kind,
            self.incident_id,
        )


@dataclass(frozen=True, slots=True)
class LabelChange:
    """One report's new label; the previous one is read from the report itself."""

    key: str
    failure_class: str
    failure_class_via: str
    regroup: bool  # class or route changed (the incident is rebuilt), not only the version


def stored_labels(store: Store) -> list[StoredLabel]:
    """Every stored report's label, by key."""
    rows = store.conn.execute(
        "SELECT key, record_id, id_given, incident_id, service, timestamp, kind, failure_class, "
        "failure_class_raw, failure_class_via, taxonomy_version, "
        f"{store.json_text('details', 'extra', 'source_format')} "
        "FROM reports ORDER BY key"
    )
    return [
        StoredLabel(
            r[0],
            r[1],
            bool(r[2]),
            r[3],
            r[4],
            r[5],
            r[6],
            r[7],
            r[8],
            r[9],
            r[10],
            r[11] if isinstance(r[11], str) else None,
        )
        for r in rows
    ]


def report_texts(store: Store, keys: Iterable[str]) -> dict[str, str]:
    """Title, summary, root cause and error messages of some reports, one text each."""
    texts: dict[str, str] = {}
    for chunk in chunks(sorted(set(keys))):
        for key, title, summary, root_cause, errors in store.conn.execute(
            "SELECT r.key, r.title, r.summary, r.root_cause, (SELECT group_concat("
            "e.message, char(10)) FROM report_error_messages e WHERE e.report_key = r.key) "
            f"FROM reports r WHERE r.key IN ({marks(len(chunk))})",
            chunk,
        ):
            texts[key] = "\n".join(p for p in (title, summary, root_cause, errors) if p)
    return texts


def incident_classes(store: Store, ids: Iterable[str]) -> dict[str, str]:
    """The class of each of these incidents (those that exist)."""
    found: dict[str, str] = {}
    for chunk in chunks(sorted(set(ids))):
        found.update(
            (str(i), str(c))
            for i, c in store.conn.execute(
                f"SELECT id, failure_class FROM incidents WHERE id IN ({marks(len(chunk))})", chunk
            )
        )
    return found


def relabel(
    store: Store, changes: Sequence[LabelChange], version: str, run_id: int, changed_at: str
) -> None:
    """Record each changed report's previous label in the history, then rewrite it.

    Every report moves to ``version``; reports whose class or route changed are
    also marked as updated by ``run_id`` (the regrouping that follows knows them).
    """
    conn = store.conn
    conn.execute(
        "CREATE TEMP TABLE IF NOT EXISTS relabel (key TEXT PRIMARY KEY, "
        "failure_class TEXT NOT NULL, failure_class_via TEXT NOT NULL, "
        "regroup INTEGER NOT NULL) WITHOUT ROWID"
    )
    conn.execute("DELETE FROM temp.relabel")
    conn.executemany(
        "INSERT INTO temp.relabel VALUES (?, ?, ?, ?)",
        ((c.key, c.failure_class, c.failure_class_via, int(c.regroup)) for c in changes),
    )
    conn.execute(
        """
        INSERT INTO report_label_history (run_id, changed_at, report_key, record_id,
            incident_id, failure_class_raw, previous_class, previous_class_via,
            previous_taxonomy_version, failure_class, failure_class_via, taxonomy_version)
        SELECT ?, ?, r.key, r.record_id, r.incident_id, r.failure_class_raw, r.failure_class,
               r.failure_class_via, r.taxonomy_version, t.failure_class, t.failure_class_via, ?
        FROM temp.relabel t JOIN reports r ON r.key = t.key
        ORDER BY r.key
    """,
        (run_id, changed_at, version),
    )
    # Correlated subqueries rather than UPDATE … FROM, which older SQLite builds lack.
    conn.execute(
        """
        UPDATE reports SET
            failure_class = (SELECT t.failure_class FROM temp.relabel t WHERE t.key = reports.key),
            failure_class_via = (SELECT t.failure_class_via FROM temp.relabel t
                                 WHERE t.key = reports.key),
            taxonomy_version = ?,
            updated_run_id = CASE WHEN (SELECT t.regroup FROM temp.relabel t
                                        WHERE t.key = reports.key) = 1
                                  THEN ? ELSE updated_run_id END
        WHERE key IN (SELECT key FROM temp.relabel)
    """,
        (version, run_id),
    )
    conn.execute("DELETE FROM temp.relabel")


def rule_classes(store: Store) -> dict[str, str]:
    """The failure class of every rule of the registry, by rule id."""
    return {
        str(r[0]): str(r[1])
        for r in store.conn.execute("SELECT id, failure_class FROM rules ORDER BY id")
    }


def relabel_rules(store: Store, classes: dict[str, str]) -> None:
    """Move rules to the class their retired one became (rule ids do not change: they
    are made of the pattern, the adaptation and the service)."""
    store.conn.executemany(
        "UPDATE rules SET failure_class = ? WHERE id = ?",
        ((cls, rule_id) for rule_id, cls in sorted(classes.items())),
    )


def set_incident_versions(store: Store, version: str) -> None:
    """Incidents not rebuilt by the regrouping take the version their reports now have."""
    store.conn.execute(
        "UPDATE incidents SET taxonomy_version = ? WHERE taxonomy_version IS NOT ?",
        (version, version),
    )
