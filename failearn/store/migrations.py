"""The schema, as an ordered list of migrations.

Each migration is a named function applied once, in order, inside the
transaction that opens the store; its name is recorded in ``_migrations`` and
the count in ``PRAGMA user_version``, so a database made by an older failearn
is brought forward on open and one made by a newer failearn is refused.
Never edit a migration that has shipped: add a new one.

Table and column names are meant to be read in any SQLite tool.  Times are
UTC ISO 8601 text (``2026-11-02T14:03:00Z``), which sorts correctly as text;
structured values are JSON text.

The same migrations run on PostgreSQL: write them in SQLite's dialect, and the
PostgreSQL connection translates the column types (see
:mod:`failearn.store.postgres`); where the two differ beyond that (a trigger),
a migration asks :func:`backend` and writes each form.  The tests of the store
run every migration on both.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from failearn.store import Connection

Migration = tuple[str, Callable[["Connection"], None]]


def backend(conn: Connection) -> str:
    """``sqlite`` or ``postgresql``: the database a migration is writing."""
    return str(getattr(conn, "backend", "sqlite"))


def run_script(conn: Connection, script: str) -> None:
    """Execute several statements inside the current transaction.

    ``executescript`` would commit first, and a migration must stay inside the
    transaction that opened the store.
    """
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            if statement.strip().strip(";").strip():
                conn.execute(statement)
            statement = ""
    if statement.strip():
        conn.execute(statement)


def _capture(conn: Connection) -> None:
    """Runs, the inbox, reports (one per received record) and merged incidents."""
    run_script(
        conn,
        """
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        as_of TEXT,
        parameters TEXT,
        summary TEXT,
        status TEXT,
        failearn_version TEXT
    );
    CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
    );
    -- Every payload ever received, as received, with its outcome.
    CREATE TABLE inbox (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        received_at TEXT NOT NULL,
        source TEXT NOT NULL,
        line INTEGER,
        kind TEXT NOT NULL,
        sha256 TEXT NOT NULL,
        raw TEXT,
        raw_bytes BLOB,
        raw_dropped INTEGER NOT NULL DEFAULT 0,
        outcome TEXT NOT NULL,
        report_key TEXT,
        record_id TEXT,
        errors TEXT,
        warnings TEXT
    );
    CREATE INDEX inbox_source_sha256 ON inbox(source, sha256);
    -- The current version of each accepted record; an incident is a group of these.
    CREATE TABLE reports (
        key TEXT PRIMARY KEY,
        record_id TEXT NOT NULL,
        id_given INTEGER NOT NULL,
        incident_id TEXT,
        content_sha256 TEXT NOT NULL,
        inbox_id INTEGER REFERENCES inbox(id),
        source TEXT NOT NULL,
        line INTEGER,
        kind TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        service TEXT NOT NULL,
        failure_class TEXT NOT NULL,
        failure_class_raw TEXT,
        failure_class_via TEXT,
        taxonomy_version TEXT,
        severity TEXT,
        severity_rank INTEGER,
        title TEXT,
        summary TEXT,
        root_cause TEXT,
        resolution TEXT,
        workarounds TEXT,
        action_items TEXT,
        timeline TEXT,
        trace_shape TEXT,
        metrics TEXT,
        ended_at TEXT,
        caused_by_rule TEXT,
        details TEXT,
        first_run_id INTEGER REFERENCES runs(id),
        updated_run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX reports_group ON reports(service, failure_class, timestamp);
    CREATE INDEX reports_incident ON reports(incident_id);
    CREATE INDEX reports_record_id ON reports(record_id);
    CREATE TABLE report_trace_ids (
        report_key TEXT NOT NULL REFERENCES reports(key) ON DELETE CASCADE,
        trace_id TEXT NOT NULL,
        PRIMARY KEY (report_key, trace_id)
    ) WITHOUT ROWID;
    CREATE INDEX report_trace_ids_trace ON report_trace_ids(trace_id);
    CREATE TABLE report_error_messages (
        report_key TEXT NOT NULL REFERENCES reports(key) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        message TEXT NOT NULL,
        PRIMARY KEY (report_key, position)
    ) WITHOUT ROWID;
    CREATE TABLE report_dependencies (
        report_key TEXT NOT NULL REFERENCES reports(key) ON DELETE CASCADE,
        dependency TEXT NOT NULL,
        PRIMARY KEY (report_key, dependency)
    ) WITHOUT ROWID;
    -- One row per incident: the merge of its reports.
    CREATE TABLE incidents (
        id TEXT PRIMARY KEY,
        timestamp TEXT NOT NULL,
        last_timestamp TEXT NOT NULL,
        ended_at TEXT,
        service TEXT NOT NULL,
        failure_class TEXT NOT NULL,
        failure_class_raw TEXT,
        failure_class_via TEXT,
        taxonomy_version TEXT,
        severity TEXT,
        title TEXT,
        summary TEXT,
        root_cause TEXT,
        resolution TEXT,
        workarounds TEXT,
        action_items TEXT,
        timeline TEXT,
        trace_shape TEXT,
        metrics TEXT,
        caused_by_rule TEXT,
        source TEXT NOT NULL,
        line INTEGER,
        kind TEXT NOT NULL,
        report_count INTEGER NOT NULL,
        has_fix INTEGER NOT NULL DEFAULT 0,
        created_run_id INTEGER REFERENCES runs(id),
        updated_run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX incidents_timestamp ON incidents(timestamp);
    CREATE INDEX incidents_service_class ON incidents(service, failure_class, has_fix, timestamp);
    -- Ids an incident had before a merge gave it another one.
    CREATE TABLE incident_aliases (
        alias TEXT PRIMARY KEY,
        incident_id TEXT NOT NULL
    );
    -- Earlier incidents of the same service and class that recorded a fix.
    CREATE TABLE incident_links (
        incident_id TEXT NOT NULL,
        related_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        PRIMARY KEY (incident_id, related_id, reason)
    ) WITHOUT ROWID;
    CREATE VIEW incident_trace_ids AS
        SELECT DISTINCT r.incident_id, t.trace_id
        FROM report_trace_ids t JOIN reports r ON r.key = t.report_key;
    CREATE VIEW incident_sources AS
        SELECT r.incident_id, r.source, r.line, r.kind, r.key AS report_key
        FROM reports r;
    CREATE VIEW incident_error_messages AS
        SELECT r.incident_id, r.key AS report_key, e.position, e.message
        FROM report_error_messages e JOIN reports r ON r.key = e.report_key;
    CREATE VIEW incident_dependencies AS
        SELECT DISTINCT r.incident_id, d.dependency
        FROM report_dependencies d JOIN reports r ON r.key = d.report_key;
    """,
    )


def _analysis(conn: Connection) -> None:
    """Cluster runs, their clusters and members, patterns across runs, the similarity index."""
    run_script(
        conn,
        """
    -- One row per `failearn cluster` run: its window and the parameters it used.
    CREATE TABLE cluster_runs (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        as_of TEXT NOT NULL,
        window_start TEXT NOT NULL,
        window_end TEXT NOT NULL,
        incidents INTEGER NOT NULL,
        distinct_rows INTEGER NOT NULL,
        clusters INTEGER NOT NULL,
        noise INTEGER NOT NULL,
        eps REAL NOT NULL,
        eps_source TEXT NOT NULL,
        min_samples INTEGER NOT NULL,
        min_samples_source TEXT NOT NULL,
        parameters TEXT NOT NULL
    );
    CREATE INDEX cluster_runs_as_of ON cluster_runs(as_of, run_id);
    -- Recurring failure shapes; an id lasts across weekly runs.
    CREATE TABLE patterns (
        id TEXT PRIMARY KEY,
        label TEXT NOT NULL,
        dominant_class TEXT NOT NULL,
        status TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        first_run_id INTEGER NOT NULL REFERENCES runs(id),
        last_run_id INTEGER NOT NULL REFERENCES runs(id),
        last_as_of TEXT NOT NULL
    );
    -- What each run found; JSON columns hold {name: count} maps and lists.
    CREATE TABLE clusters (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        cluster_id INTEGER NOT NULL,
        pattern_id TEXT NOT NULL REFERENCES patterns(id),
        status TEXT NOT NULL,
        size INTEGER NOT NULL,
        label TEXT NOT NULL,
        dominant_template TEXT NOT NULL,
        top_terms TEXT NOT NULL,
        services TEXT NOT NULL,
        classes TEXT NOT NULL,
        dominant_class TEXT NOT NULL,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        pattern_first_seen TEXT NOT NULL,
        weeks_active INTEGER NOT NULL,
        recent_count INTEGER NOT NULL,
        weekly_rate REAL NOT NULL,
        cohesion REAL NOT NULL,
        signature TEXT NOT NULL,
        PRIMARY KEY (run_id, cluster_id)
    );
    CREATE INDEX clusters_pattern ON clusters(pattern_id, run_id);
    -- Every incident of a run's window: its cluster, or NULL for noise.
    CREATE TABLE cluster_members (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        incident_id TEXT NOT NULL,
        cluster_id INTEGER,
        PRIMARY KEY (run_id, incident_id)
    ) WITHOUT ROWID;
    CREATE INDEX cluster_members_cluster ON cluster_members(run_id, cluster_id);
    CREATE TABLE cluster_precursors (
        run_id INTEGER NOT NULL REFERENCES runs(id),
        cluster_id INTEGER NOT NULL,
        metric TEXT NOT NULL,
        direction TEXT NOT NULL,
        median_in_pattern REAL NOT NULL,
        median_rest REAL NOT NULL,
        delta REAL NOT NULL,
        effect_size REAL NOT NULL,
        p_value REAL NOT NULL,
        support INTEGER NOT NULL,
        support_share REAL NOT NULL,
        consistency REAL NOT NULL,
        rest_count INTEGER NOT NULL,
        PRIMARY KEY (run_id, cluster_id, metric)
    ) WITHOUT ROWID;
    CREATE VIEW pattern_history AS
        SELECT c.pattern_id, c.run_id, r.as_of, c.cluster_id, c.status, c.size, c.label
        FROM clusters c JOIN cluster_runs r ON r.run_id = c.run_id;
    -- What `failearn similar` searches: the feature model and the vectors of the newest
    -- cluster run's window: JSON lists of ids, services and classes, and
    -- one float16 BLOB of their vectors, read in one go (see failearn.analysis.encode).
    CREATE TABLE similarity_model (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        as_of TEXT NOT NULL,
        window_start TEXT NOT NULL,
        window_end TEXT NOT NULL,
        model TEXT NOT NULL,
        components BLOB NOT NULL,
        message_idf BLOB NOT NULL,
        text_idf BLOB NOT NULL,
        trace_idf BLOB NOT NULL,
        incident_ids TEXT NOT NULL,
        services TEXT NOT NULL,
        classes TEXT NOT NULL,
        blocks BLOB NOT NULL,
        vectors BLOB NOT NULL
    );
    """,
    )


def _audit(conn: Connection) -> None:
    """Stored audits (the latest verdict and the trend) and the label history that
    ``failearn taxonomy migrate`` keeps when it re-labels stored reports."""
    run_script(
        conn,
        """
    -- One row per `failearn audit`: its verdict and figures; `document` is the whole result.
    CREATE TABLE audits (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        as_of TEXT NOT NULL,
        recent_start TEXT NOT NULL,
        baseline_start TEXT NOT NULL,
        taxonomy_version TEXT,
        verdict TEXT NOT NULL,
        drift INTEGER NOT NULL,
        reasons TEXT,
        recent_incidents INTEGER NOT NULL,
        baseline_incidents INTEGER NOT NULL,
        test TEXT,
        statistic REAL,
        p_value REAL,
        js_distance REAL,
        accuracy REAL,
        macro_f1 REAL,
        disagreement_recent REAL,
        disagreement_baseline REAL,
        document TEXT NOT NULL
    );
    CREATE INDEX audits_as_of ON audits(as_of, id);
    -- Per audit and class: counts and shares in the two windows.
    CREATE TABLE audit_classes (
        audit_id INTEGER NOT NULL REFERENCES audits(id) ON DELETE CASCADE,
        failure_class TEXT NOT NULL,
        recent_count INTEGER NOT NULL,
        baseline_count INTEGER NOT NULL,
        recent_share REAL,
        baseline_share REAL,
        delta REAL,
        residual REAL,
        p_value REAL,
        PRIMARY KEY (audit_id, failure_class)
    ) WITHOUT ROWID;
    -- Every change of a report's class, route or taxonomy version made by a migration:
    -- what it was before and what it became.  Nothing is lost.
    CREATE TABLE report_label_history (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        changed_at TEXT NOT NULL,
        report_key TEXT NOT NULL,
        record_id TEXT NOT NULL,
        incident_id TEXT,
        failure_class_raw TEXT,
        previous_class TEXT NOT NULL,
        previous_class_via TEXT,
        previous_taxonomy_version TEXT,
        failure_class TEXT NOT NULL,
        failure_class_via TEXT,
        taxonomy_version TEXT NOT NULL
    );
    CREATE INDEX report_label_history_key ON report_label_history(report_key, id);
    -- Each report's label as first stored, beside its current one.
    CREATE VIEW report_original_labels AS
        SELECT r.key AS report_key, r.record_id, r.incident_id, r.failure_class_raw,
               COALESCE(h.previous_class, r.failure_class) AS original_class,
               COALESCE(h.previous_taxonomy_version, r.taxonomy_version)
                   AS original_taxonomy_version,
               r.failure_class, r.taxonomy_version
        FROM reports r
        LEFT JOIN report_label_history h ON h.id = (
            SELECT MIN(x.id) FROM report_label_history x WHERE x.report_key = r.key);
    """,
    )


def _registry(conn: Connection) -> None:
    """The learning registry: rules and their append-only event log."""
    run_script(
        conn,
        """
    -- One row per adaptation rule; the id is stable: one pattern, adaptation kind and service
    -- always give the same id.  status, confidence and the counters are the latest state;
    -- rule_events is the history they are derived from.
    CREATE TABLE rules (
        id TEXT PRIMARY KEY,
        pattern_id TEXT NOT NULL,
        service TEXT NOT NULL,
        failure_class TEXT NOT NULL,
        adaptation TEXT NOT NULL,
        action TEXT NOT NULL,
        rationale TEXT NOT NULL,
        trigger TEXT,
        status TEXT NOT NULL,
        confidence REAL NOT NULL,
        support INTEGER NOT NULL,
        pattern_support INTEGER NOT NULL,
        cohesion REAL NOT NULL,
        incident_ids TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        evidence_as_of TEXT NOT NULL,
        last_matched_at TEXT,
        ttl_seconds INTEGER NOT NULL,
        times_applied INTEGER NOT NULL DEFAULT 0,
        last_applied_at TEXT,
        accepted_count INTEGER NOT NULL DEFAULT 0,
        rejected_count INTEGER NOT NULL DEFAULT 0,
        negative_feedback_count INTEGER NOT NULL DEFAULT 0,
        archived_at TEXT
    );
    CREATE INDEX rules_service_status ON rules(service, status);
    CREATE INDEX rules_pattern ON rules(pattern_id);
    -- Every change to a rule, who made it, when and why.  Rows are never updated or deleted.
    CREATE TABLE rule_events (
        id INTEGER PRIMARY KEY,
        rule_id TEXT NOT NULL REFERENCES rules(id),
        event TEXT NOT NULL,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        note TEXT,
        status_before TEXT,
        status_after TEXT NOT NULL,
        confidence_before REAL,
        confidence_after REAL NOT NULL,
        incident_id TEXT,
        forced INTEGER NOT NULL DEFAULT 0,
        details TEXT,
        run_id INTEGER REFERENCES runs(id)
    );
    CREATE INDEX rule_events_rule ON rule_events(rule_id, at, id);
    CREATE INDEX rule_events_at ON rule_events(at, event);
    CREATE UNIQUE INDEX rule_events_incident ON rule_events(rule_id, incident_id)
        WHERE event = 'negative-feedback' AND incident_id IS NOT NULL;
    """,
    )
    if backend(conn) == "postgresql":
        _append_only_postgres(conn, "rule_events")
        return
    run_script(
        conn,
        """
    CREATE TRIGGER rule_events_no_update BEFORE UPDATE ON rule_events
    BEGIN
        SELECT RAISE(ABORT, 'rule_events is append-only');
    END;
    CREATE TRIGGER rule_events_no_delete BEFORE DELETE ON rule_events
    BEGIN
        SELECT RAISE(ABORT, 'rule_events is append-only');
    END;
    """,
    )


def _append_only_postgres(conn: Connection, table: str) -> None:
    """Refuse every UPDATE, DELETE and TRUNCATE of ``table``, as SQLite's triggers do."""
    conn.execute(f"""
        CREATE FUNCTION {table}_append_only() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            RAISE EXCEPTION '{table} is append-only';
        END
        $body$""")
    conn.execute(
        f"CREATE TRIGGER {table}_no_update BEFORE UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {table}_append_only()"
    )
    conn.execute(
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        f"FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()"
    )


def _inbox_raw_size(conn: Connection) -> None:
    """The size of a payload whose raw copy is only its head (a file over the size limit
    keeps its first bytes; ``sha256`` is still the hash of all of it)."""
    run_script(
        conn,
        """
    ALTER TABLE inbox ADD COLUMN raw_size INTEGER;
    """,
    )


def _metric_series(conn: Connection) -> None:
    """Metric series per service and metric (never incidents), and their points.

    Plain SQL both backends read alike: times are unix milliseconds (BIGINT),
    values double precision; a point is identified by its series and time.
    """
    run_script(
        conn,
        """
    -- One row per series: its service, metric and the labels that tell it apart (JSON).
    CREATE TABLE metric_series (
        id INTEGER PRIMARY KEY,
        service TEXT NOT NULL,
        metric TEXT NOT NULL,
        labels TEXT NOT NULL,
        unit TEXT,
        first_at BIGINT,
        last_at BIGINT,
        points BIGINT NOT NULL DEFAULT 0,
        created_run_id INTEGER REFERENCES runs(id),
        updated_run_id INTEGER REFERENCES runs(id),
        UNIQUE (service, metric, labels)
    );
    CREATE TABLE metric_points (
        series_id INTEGER NOT NULL REFERENCES metric_series(id),
        at BIGINT NOT NULL,
        value DOUBLE PRECISION NOT NULL,
        PRIMARY KEY (series_id, at)
    );
    """,
    )


def _rule_evidence(conn: Connection) -> None:
    """What a rule's evidence said beyond its trigger (JSON): the series it was measured on,
    its precursor against normal time, its backtest, its dependency and the assumptions."""
    run_script(
        conn,
        """
    ALTER TABLE rules ADD COLUMN evidence TEXT;
    """,
    )


def _report_provenance(conn: Connection) -> None:
    """How each field a record did not give was inferred (route, probability, evidence,
    runners-up): one row per report and inferred field (:mod:`failearn.provenance`)."""
    run_script(
        conn,
        """
    CREATE TABLE report_provenance (
        report_key TEXT NOT NULL REFERENCES reports(key) ON DELETE CASCADE,
        field TEXT NOT NULL,
        value TEXT NOT NULL,
        via TEXT NOT NULL,
        probability DOUBLE PRECISION,
        evidence TEXT,
        candidates TEXT,
        PRIMARY KEY (report_key, field)
    );
    """,
    )


def _source_files(conn: Connection) -> None:
    """What each post-mortem file held when last read (so an unchanged one is not parsed
    again), the reports withdrawn because their file is gone, and the files moved."""
    run_script(
        conn,
        """
    -- A file whose size and modification time (or, failing those, whose bytes) are as
    -- recorded, read under the same configuration, gave this report and still does.
    CREATE TABLE source_files (
        source TEXT PRIMARY KEY,
        size BIGINT NOT NULL,
        mtime_ns BIGINT NOT NULL,
        sha256 TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        report_key TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        checked_ns BIGINT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    -- Reports of files that no longer exist (`ingest --prune`): out of the incidents and
    -- so out of every analysis; their payloads stay in the inbox.
    CREATE TABLE withdrawn_reports (
        id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        record_id TEXT NOT NULL,
        incident_id TEXT,
        source TEXT NOT NULL,
        kind TEXT NOT NULL,
        timestamp TEXT NOT NULL,
        service TEXT NOT NULL,
        failure_class TEXT NOT NULL,
        title TEXT,
        inbox_id INTEGER,
        reason TEXT NOT NULL,
        run_id INTEGER REFERENCES runs(id)
    );
    -- A post-mortem found at a new path (same content, or same id): its report and
    -- incident were kept.
    CREATE TABLE source_moves (
        id INTEGER PRIMARY KEY,
        run_id INTEGER REFERENCES runs(id),
        old_source TEXT NOT NULL,
        new_source TEXT NOT NULL,
        matched_by TEXT NOT NULL,
        incident_id TEXT
    );
    """,
    )


def _cluster_titles(conn: Connection) -> None:
    """The titles a cluster's incidents most often carry (JSON list), shown beside its terms."""
    run_script(
        conn,
        """
    ALTER TABLE clusters ADD COLUMN titles TEXT NOT NULL DEFAULT '[]';
    """,
    )


def _similar_terms(conn: Connection) -> None:
    """The words of the similarity index's incidents, as the inverted index ``similar``
    ranks by (see failearn.analysis.ranking): one row, for the run whose index it is."""
    run_script(
        conn,
        """
    CREATE TABLE similar_terms (
        run_id INTEGER PRIMARY KEY REFERENCES runs(id),
        size INTEGER NOT NULL,
        vocabulary TEXT NOT NULL,
        section_weights TEXT NOT NULL,
        idf BLOB NOT NULL,
        pointers BLOB NOT NULL,
        posting_rows BLOB NOT NULL,
        posting_weights BLOB NOT NULL
    );
    """,
    )


def _class_models(conn: Connection) -> None:
    """Fitted class models kept between ingests: one per route (the team's blend, the
    taxonomy's matcher), under a hash of what it was fitted on; the state is plain arrays
    (see failearn.analysis.class_state), never pickled code."""
    run_script(
        conn,
        """
    CREATE TABLE class_models (
        route TEXT PRIMARY KEY,
        key TEXT NOT NULL,
        saved_at TEXT NOT NULL,
        state BLOB NOT NULL
    );
    """,
    )


# References from the tables an ingest writes in bulk to rows that are never deleted:
# (table, column, the table it names).  PostgreSQL checks them once per statement, see
# :func:`_references_per_statement`.
STATEMENT_REFERENCES = (
    ("inbox", "run_id", "runs"),
    ("reports", "first_run_id", "runs"),
    ("reports", "updated_run_id", "runs"),
    ("reports", "inbox_id", "inbox"),
    ("incidents", "created_run_id", "runs"),
    ("incidents", "updated_run_id", "runs"),
)


def _references_per_statement(conn: Connection) -> None:
    """PostgreSQL: check the run and the inbox row named by each row an ingest writes in
    bulk once per statement, not once per row.

    A foreign key looks its row up once per inserted row and column: six lookups per
    record an ingest stores, a third of the server's work on a large ingest.  These
    references are checked instead by one trigger per table and statement over the
    statement's new rows (a missing row is refused with the foreign key's error code),
    and the rows they name can no longer be deleted, truncated or renumbered: a
    reference once valid stays valid, as the foreign key kept it.  failearn never
    deletes a run or an inbox row (the inbox keeps everything received).  SQLite keeps
    its foreign keys: nothing changes there.
    """
    if backend(conn) != "postgresql":
        return
    conn.execute("""
        CREATE FUNCTION failearn_kept() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            RAISE EXCEPTION '% rows are kept: they cannot be deleted or renumbered',
                TG_TABLE_NAME USING ERRCODE = 'foreign_key_violation';
        END
        $body$""")
    # TG_ARGV: pairs of a column of the new rows and the table whose id it names.
    conn.execute("""
        CREATE FUNCTION failearn_references() RETURNS trigger LANGUAGE plpgsql AS $body$
        DECLARE
            missing BIGINT;
        BEGIN
            FOR i IN 0 .. TG_NARGS - 1 BY 2 LOOP
                EXECUTE format('SELECT n.%1$I FROM (SELECT DISTINCT %1$I FROM new_rows '
                               'WHERE %1$I IS NOT NULL) n WHERE NOT EXISTS '
                               '(SELECT 1 FROM %2$I t WHERE t.id = n.%1$I) LIMIT 1',
                               TG_ARGV[i], TG_ARGV[i + 1])
                    INTO missing;
                IF missing IS NOT NULL THEN
                    RAISE EXCEPTION 'insert or update on table "%" violates its reference '
                        'from "%" to "%"', TG_TABLE_NAME, TG_ARGV[i], TG_ARGV[i + 1]
                        USING ERRCODE = 'foreign_key_violation',
                              DETAIL = format('Key (%s)=(%s) is not present in table "%s".',
                                              TG_ARGV[i], missing, TG_ARGV[i + 1]);
                END IF;
            END LOOP;
            RETURN NULL;
        END
        $body$""")
    for kept in sorted({target for _, _, target in STATEMENT_REFERENCES}):
        conn.execute(
            f"CREATE TRIGGER {kept}_kept BEFORE DELETE OR UPDATE OF id ON {kept} "
            "FOR EACH ROW EXECUTE FUNCTION failearn_kept()"
        )
        conn.execute(
            f"CREATE TRIGGER {kept}_kept_truncate BEFORE TRUNCATE ON {kept} "
            "FOR EACH STATEMENT EXECUTE FUNCTION failearn_kept()"
        )
    for table in dict.fromkeys(t for t, _, _ in STATEMENT_REFERENCES):
        pairs = [(c, target) for t, c, target in STATEMENT_REFERENCES if t == table]
        for column, _ in pairs:
            conn.execute(f"ALTER TABLE {table} DROP CONSTRAINT {table}_{column}_fkey")
        arguments = ", ".join(f"'{value}'" for pair in pairs for value in pair)
        for event in ("INSERT", "UPDATE"):
            conn.execute(
                f"CREATE TRIGGER {table}_references_{event.lower()} AFTER {event} ON {table} "
                "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
                f"EXECUTE FUNCTION failearn_references({arguments})"
            )


MIGRATIONS: list[Migration] = [
    ("0001_capture", _capture),
    ("0002_analysis", _analysis),
    ("0003_audit", _audit),
    ("0004_registry", _registry),
    ("0005_inbox_raw_size", _inbox_raw_size),
    ("0006_metric_series", _metric_series),
    ("0007_rule_evidence", _rule_evidence),
    ("0008_report_provenance", _report_provenance),
    ("0009_source_files", _source_files),
    ("0010_cluster_titles", _cluster_titles),
    ("0011_similar_terms", _similar_terms),
    ("0012_class_models", _class_models),
    ("0013_references_per_statement", _references_per_statement),
]
