"""The capture stage: read, normalise, gate, anonymise, store, merge.

:func:`run_ingest` is the one core function behind ``failearn ingest``.  It
streams records from the sources, writes every payload to the inbox (rejected
ones included) and every accepted record as a report, then merges reports into
incidents (:mod:`failearn.capture.dedup`) and rebuilds the incidents it touched, all in
one transaction.  It returns an :class:`IngestResult`; rendering is elsewhere.

Outcomes, per record: ``accepted`` (it made a new incident), ``merged`` (it
joined an incident), ``updated`` (a newer version of a record already stored),
``unchanged`` (already stored as it is), ``rejected`` (a gate failed),
``skipped`` (a payload that is not an incident, e.g. a "service updated" event).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from failearn.analysis import class_state
from failearn.analysis.classes import ClassModel, TeamModel, model_text
from failearn.capture import baseline
from failearn.capture.anonymize import Anonymizer
from failearn.capture.baseline import Baseline
from failearn.capture.classify import Abstained, TextModel, settle, taxonomy_model
from failearn.capture.dedup import Member, as_group, components, member_from_row
from failearn.capture.normalise import Context
from failearn.capture.normalise.gates import check_class_mapping
from failearn.capture.prepare import (
    Prepared,
    Preparer,
    Progress,
    choose_workers,
    fewer_collections,
    prepared_records,
    settled,
)
from failearn.capture.problems import Tally
from failearn.commands.files import Orphans, Unchanged, gone, scope
from failearn.commands.series import SeriesResult, SeriesWriter, split_inputs
from failearn.config import Settings
from failearn.provenance import Provenance
from failearn.record import Issue
from failearn.sources import InputFile, discover
from failearn.sources.vendors import Formats
from failearn.store import MEMORY, Store, discard_unused
from failearn.store import classes as class_sql
from failearn.store import ingest as sql
from failearn.store.location import display as display_location
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import format_duration, iso

OUTCOMES = ("accepted", "merged", "updated", "unchanged", "rejected", "skipped")
BULK_TABLES = (
    "inbox",
    "reports",
    "report_trace_ids",
    "report_error_messages",
    "report_dependencies",
)
_FLUSH_EVERY = 2000


@dataclass(frozen=True)
class IngestOptions:
    """What the user asked for on the command line."""

    paths: list[str]
    as_of: datetime
    dry_run: bool = False
    keep_raw: bool | None = None
    dedup_window: timedelta | None = None
    source_format: str = "auto"
    # Errors (and, apart, warnings and notes) shown in full; None: [ingest] max_errors.
    max_errors: int | None = None
    # Withdraw the reports of files that no longer exist under the paths given.
    prune: bool = False
    # Record today's rejected records as known problems (the baseline file).
    write_baseline: bool = False


@dataclass(frozen=True)
class ClassModelUse:
    """The text model one ingest used to infer classes, and its cost: seconds to build it
    (scikit-learn's import included), seconds to rank the ``settled`` records that needed
    it (``records`` of them were given a class)."""

    route: str
    basis: str
    build_seconds: float
    records: int
    settled: int = 0
    predict_seconds: float = 0.0
    # How the model was fitted (its weights or temperature, its held-out accuracy).
    fit: str = ""


@dataclass
class IngestResult:
    """What an ingest did: counts per outcome, the problems found, what changed.

    ``errors``, ``warnings`` and ``notes`` hold the first few in full and count all of
    them by code; every one is kept with its record in the inbox.
    """

    run_id: int | None
    db: str
    dry_run: bool
    files: int
    records: int
    counts: dict[str, int]
    errors: Tally[Issue]
    warnings: Tally[Issue]
    incidents_created: int
    incidents_updated: int
    incidents_total: int
    dedup_window: str
    seconds: float
    notes: Tally[str] = field(default_factory=lambda: Tally(0))
    # Metric series files among the inputs (None when there were none); their problems are
    # in ``errors`` and ``warnings`` with the records'.
    series: SeriesResult | None = None
    # Every field inferred for an accepted record: (source, line, provenance).
    inferred: list[tuple[str, int | None, Provenance]] = field(default_factory=list)
    # The class text model of the run, if any record needed one: what it is, what it
    # cost (seconds to build it; seconds spent predicting, over how many records).
    class_model: ClassModelUse | None = None
    # Post-mortems found at a new path: (from, to, matched by) — report and incident kept.
    moved: list[tuple[str, str, str]] = field(default_factory=list)
    # Sources whose file no longer exists: withdrawn (with --prune) or only listed.
    withdrawn: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    # Markdown files not read again: as they were when their report was stored.
    files_unchanged: int = 0
    # Rejected records the baseline lists (same source, same content): they do not fail
    # the run; their errors are kept apart.
    known: Tally[Issue] = field(default_factory=lambda: Tally(0))
    known_records: int = 0
    baseline: str | None = None
    baseline_written: bool = False

    @property
    def failed(self) -> bool:
        return self.counts.get("rejected", 0) > self.known_records or bool(
            self.series and self.series.errors
        )


class _Run:
    """The mutable state of one ingest run: decides each record's outcome and batches rows."""

    def __init__(self, store: Store, run_id: int, keep_raw: bool, fresh: bool, shown: int) -> None:
        self.store = store
        self.run_id = run_id
        self.keep_raw = keep_raw
        # A store that has received nothing yet holds no hashes, reports or incidents to
        # look up: the run's own memory is the whole truth.
        self.fresh = fresh
        self.received_at = iso(datetime.now(UTC))
        self.counts = dict.fromkeys(OUTCOMES, 0)
        self.errors: Tally[Issue] = Tally(shown)
        self.warnings: Tally[Issue] = Tally(shown)
        self.notes: Tally[str] = Tally(shown)
        # Every inferred field, with the position of its record in the input.
        self.inferred_at: list[tuple[int, str, int | None, Provenance]] = []
        self.records = 0
        # Records whose class waits for the text model (settled once every record is read),
        # with their position; and their keys: a later version of one waits too, so the
        # versions of a record keep their order.
        self.deferred: list[tuple[int, Prepared]] = []
        self.deferred_keys: set[str] = set()
        # The batch not yet written.
        self.inbox_rows: list[tuple[Any, ...]] = []
        self.reports: dict[str, Prepared] = {}
        self.replaced: list[str] = []
        # What the whole run knows, kept small: a few dozen bytes per record (the reports
        # themselves are in the store; the merge reads them back from there).
        self.first_inbox_id: int | None = None
        self.seen_hashes: dict[str, set[bytes]] = {}
        self.locked_sources: set[str] = set()
        self.known: dict[str, dict[str, sql.KnownReport]] = {}
        self.seen_keys: dict[str, bytes] = {}
        self.touched_groups: set[tuple[str, str]] = set()
        self.updated_keys: set[str] = set()
        # The incident each updated or moved report belonged to, and the incidents whose
        # reports the run replaced.
        self.was: dict[str, str] = {}
        self.replaced_ids: set[str] = set()
        # Files: the report each file read gave (source -> key, content), moves found.
        self.stored_files: dict[str, tuple[str, str]] = {}
        self.orphans: Orphans | None = None
        self.root = Path.cwd()
        self.moves: list[tuple[str, str, str, str | None]] = []
        # The known problems, and (with --write-baseline) the baseline being written.
        self.baseline: Baseline | None = None
        self.baseline_out: Baseline | None = None
        self.known_issues: Tally[Issue] = Tally(shown)
        self.known_records = 0

    # -- per record --------------------------------------------------------------

    def _inbox(self, record: Prepared, outcome: str) -> int | None:
        """Queue the inbox row of a payload; its index in the batch, or None if kept already.

        The inbox keeps every distinct payload: one seen before is written again
        only when it now has a different fate (a record rejected yesterday and
        accepted today under a new mapping).
        """
        hashes = self.seen_hashes.get(record.source)
        if hashes is None:
            self._lock_source(record.source)
            hashes = self.seen_hashes[record.source] = (
                set()
                if self.fresh
                else {_digest(h) for h in sql.inbox_hashes(self.store, record.source)}
            )
        digest = _digest(record.sha256)
        if digest in hashes and outcome in ("unchanged", "rejected", "skipped"):
            return None
        hashes.add(digest)
        errors = [i.as_dict() for i in record.issues if i.level == "error"]
        warnings = [i.as_dict() for i in record.issues if i.level != "error"]
        keep = self.keep_raw
        self.inbox_rows.append(
            (
                self.run_id,
                self.received_at,
                record.source,
                record.line,
                record.kind,
                record.sha256,
                record.raw if keep and record.raw_bytes is None else None,
                record.raw_bytes if keep else None,
                0 if keep else 1,
                outcome,
                record.key,
                record.record_id,
                orjson.dumps(errors).decode() if errors else None,
                orjson.dumps(warnings).decode() if warnings else None,
                record.raw_size,
            )
        )
        return len(self.inbox_rows) - 1

    @property
    def inferred(self) -> list[tuple[str, int | None, Provenance]]:
        """Every inferred field, in the order of the input."""
        return [entry[1:] for entry in sorted(self.inferred_at, key=lambda e: e[0])]

    def take(self, record: Prepared) -> None:
        """One record as read: added now, or put aside until the text model is chosen."""
        self.records += 1
        if record.pending is not None or (
            record.key is not None and record.key in self.deferred_keys
        ):
            self.deferred.append((self.records, record))
            if record.key is not None:
                self.deferred_keys.add(record.key)
            return
        self.add(record, self.records)

    def add(self, record: Prepared, position: int) -> None:  # noqa: C901
        if record.skip:
            self.counts["skipped"] += 1
            for note in record.notes:
                self.notes.add(f"{record.source}:{record.line or 1}: {note}", "skipped")
            self._inbox(record, "skipped")
            return
        for issue in record.issues:
            if issue.level != "error":
                self.warnings.add(issue, issue.code)
        key = record.key
        if key is None or record.report is None:
            self.counts["rejected"] += 1
            errors = [i for i in record.issues if i.level == "error"]
            if self.baseline_out is not None:
                self.baseline_out.add(record.source, record.sha256, errors)
            listed = self.baseline is not None and self.baseline.covers(
                record.source, record.sha256
            )
            self.known_records += listed
            for issue in errors:
                (self.known_issues if listed else self.errors).add(issue, issue.code)
            self._inbox(record, "rejected")
            return
        previous = self.seen_keys.get(key)
        known = None if previous is not None else self._known(record.source).get(key)
        # The incident the stored version of this report belonged to: an edited record
        # updates that incident, it does not make a new one.
        was: str | None = None
        content = _digest(record.content or "")
        if content == previous or (known is not None and record.content == known.content_sha256):
            self.seen_keys[key] = content
            self.counts["unchanged"] += 1
            self._inbox(record, "unchanged")
            self.stored_files[record.source] = (key, record.content or "")
            return
        if previous is not None:
            outcome = "updated"
            self._drop_from_batch(key)
            was = self.was.get(key)
        elif known is not None:
            outcome = "updated"
            self.replaced.append(key)
            self.touched_groups.add((known.service, known.failure_class))
            was = known.incident_id
            if known.incident_id is not None:
                self.replaced_ids.add(known.incident_id)
            if known.first_run_id is not None:
                # An update keeps the run that first brought the record.
                record.report = (*record.report[:-2], known.first_run_id, self.run_id)
            if not known.id_given and not record.report[2]:
                # A post-mortem's id, derived from its first path, stays as it was.
                self._keep_id(record, known.record_id)
        elif (moved := self._moved_from(record)) is not None:
            outcome = "updated"
            was = self._move(record, *moved)
        else:
            outcome = "accepted"
        self.seen_keys[key] = content
        self.counts[outcome] += 1
        self.inferred_at.extend(
            (position, record.source, record.line, _provenance(row))
            for row in record.provenance_rows
        )
        if outcome == "updated":
            self.updated_keys.add(key)
        self.touched_groups.add((record.service or "", record.failure_class or ""))
        if was is not None:
            self.was[key] = was
        index = self._inbox(record, outcome)
        if index is not None:
            record.report = (*record.report[:5], index, *record.report[6:])
        self.reports[key] = record
        self.stored_files[record.source] = (key, record.content or "")
        if len(self.inbox_rows) >= _FLUSH_EVERY:
            self.flush()

    def _known(self, source: str) -> dict[str, sql.KnownReport]:
        known = self.known.get(source)
        if known is None:
            self._lock_source(source)
            known = self.known[source] = {} if self.fresh else sql.known_reports(self.store, source)
        return known

    def _lock_source(self, source: str) -> None:
        """Take this source's turn before anything of it is read from the store: another
        ingest of the same source (PostgreSQL) commits first, and what it stored is then
        seen here (its reports are known, not written twice)."""
        if source not in self.locked_sources:
            self.store.lock(f"source:{source}")
            self.locked_sources.add(source)

    def _keep_id(self, record: Prepared, record_id: str) -> None:
        assert record.report is not None
        record.record_id = record_id
        record.report = (
            record.report[0],
            record_id,
            record.report[2],
            record_id,
            *record.report[4:],
        )

    def _moved_from(self, record: Prepared) -> tuple[sql.StoredPostmortem, str] | None:
        """The stored post-mortem whose file is gone that this new one is, if any."""
        if record.kind != "markdown" or self.fresh or record.report is None:
            return None
        if self.orphans is None:
            self.orphans = Orphans(sql.stored_postmortems(self.store), self.root)
        return self.orphans.claim(record.sha256, record.record_id, bool(record.report[2]))

    def _move(self, record: Prepared, old: sql.StoredPostmortem, how: str) -> str | None:
        """A post-mortem at a new path takes the place of its old report: same incident,
        same first run, and (unless it names one) the same id."""
        assert record.report is not None
        self.replaced.append(old.key)
        self.touched_groups.add((old.service, old.failure_class))
        if old.incident_id is not None:
            self.replaced_ids.add(old.incident_id)
        if old.first_run_id is not None:
            record.report = (*record.report[:-2], old.first_run_id, self.run_id)
        if not old.id_given and not record.report[2]:
            self._keep_id(record, old.record_id)
        self.moves.append((old.key, record.source, how, old.incident_id))
        return old.incident_id

    def _drop_from_batch(self, key: str) -> None:
        """A record seen twice in one run: the later version replaces the earlier."""
        if self.reports.pop(key, None) is None:
            self.replaced.append(key)

    def flush(self) -> None:
        """Write the batch: inbox rows first, then the reports that point at them."""
        if self.replaced:
            sql.delete_reports(self.store, self.replaced)
            sql.forget_source_files(self.store, self.replaced)
            self.replaced = []
        ids = sql.add_inbox_many(self.store, self.inbox_rows)
        if ids and self.first_inbox_id is None:
            self.first_inbox_id = ids[0]
        if self.reports:
            records = list(self.reports.values())
            rows = []
            for record in records:
                assert record.report is not None
                inbox = record.report[5]
                rows.append(
                    record.report
                    if inbox is None
                    else (*record.report[:5], ids[inbox], *record.report[6:])
                )
            sql.add_reports(
                self.store,
                rows,
                [row for r in records for row in r.trace_rows],
                [row for r in records for row in r.error_rows],
                [row for r in records for row in r.dependency_rows],
                [row for r in records for row in r.provenance_rows],
            )
        self.inbox_rows = []
        self.reports = {}

    # -- after every record is read -------------------------------------------------

    def gone(self, paths: list[str], prune: bool) -> tuple[list[str], list[str]]:
        """The stored reports under ``paths`` whose file no longer exists: withdrawn when
        ``prune``; (withdrawn sources, missing sources)."""
        if self.fresh:
            return [], []
        self.flush()
        sources = gone(sql.report_sources(self.store), self.root, scope(paths, self.root))
        if not prune or not sources:
            return [], sources
        found = sql.reports_from(self.store, sources)
        sql.withdraw_reports(
            self.store, [key for key, *_ in found], "file no longer exists", self.run_id
        )
        for _, service, failure_class, incident in found:
            self.touched_groups.add((service, failure_class))
            if incident is not None:
                self.replaced_ids.add(incident)
        return sources, []

    def merge(self, window: timedelta) -> tuple[int, int]:
        """Group the touched reports into incidents; (created, updated) incident counts."""
        self.flush()
        # What only the reading needed.
        self.seen_keys, self.seen_hashes, self.known = {}, {}, {}
        if not self.touched_groups:
            return 0, 0
        done = regroup_reports(
            self.store,
            self.touched_groups,
            self.run_id,
            window,
            self.replaced_ids,
            self.updated_keys,
            self.was,
            only_own=self.fresh,
        )
        # A new record that joined others is "merged"; the primary of a new incident
        # stays "accepted".
        if self.first_inbox_id is not None:
            merged = sql.mark_merged(self.store, self.run_id, self.first_inbox_id)
            self.counts["merged"] += merged
            self.counts["accepted"] -= merged
        return done.created, done.changed - done.created


@dataclass(frozen=True)
class Regrouping:
    """What :func:`regroup_reports` did: counts of incidents, and the ids that went away."""

    # Incidents made only of new reports; incidents whose membership or content changed
    # (the new ones included).
    created: int
    changed: int
    # Old incident ids that no longer exist -> the incident that absorbed them.
    aliases: dict[str, str]
    # With ``collect_ids``: every incident id of the regrouped groups, and every id their
    # reports had before.
    incident_ids: set[str] = field(default_factory=set)
    previous_ids: set[str] = field(default_factory=set)


_REGROUP_BATCH = 5000


def regroup_reports(
    store: Store,
    touched: set[tuple[str, str]],
    run_id: int,
    window: timedelta,
    replaced_ids: Iterable[str] = (),
    updated_keys: Iterable[str] = (),
    own_previous: Mapping[str, str] | None = None,
    only_own: bool = False,
    collect_ids: bool = False,
) -> Regrouping:
    """Regroup every report connected to the ``touched`` (service, class) groups into
    incidents and rebuild those incidents in the store.

    The reports are read from the store group by group in time order and grouped as
    they stream past (:func:`failearn.capture.dedup.components`); what is decided for
    each goes to a scratch table, and the incidents are rebuilt from it in SQL.  Memory
    is bounded by the largest run of reports within the window of each other, not by
    the number of reports.

    ``replaced_ids`` are incidents whose reports the run replaced; ``updated_keys``
    reports whose content changed, so their incidents count as changed.
    ``own_previous``: the reports run ``run_id`` wrote point at their own record id;
    the incident each belonged to before is given here (none: new to the store); without
    it, a report's stored incident is its previous one.  Used by ingest after reading its
    records, and by ``failearn taxonomy migrate`` after re-labelling stored reports (a
    new class is a new dedup group).  ``only_own``: the store held no reports before this
    run, so there is nothing stored to connect to.
    """
    sql.lock_merge(store)
    sql.start_regroup(store, touched)
    groups = sorted(touched) if only_own else sql.connected_groups(store)
    shared = sql.shared_record_ids(store)
    updated = set(updated_keys)
    previous: dict[str, str | None] = {}
    stored: dict[str, str | None] = {}
    rows: list[tuple[Any, ...]] = []

    def members() -> Iterator[Member]:
        for service, failure_class in groups:
            for key, record_id, given, ts, kind, incident, wrote in sql.group_reports(
                store, service, failure_class
            ):
                own = own_previous is not None and wrote == run_id
                previous[key] = (
                    own_previous.get(key) if own_previous and own else (None if own else incident)
                )
                stored[key] = incident
                yield member_from_row(key, record_id, given, service, failure_class, ts, kind)

    incidents: list[str] = []
    created = changed = 0
    for parts in components(members(), window, shared):
        found = as_group(parts)
        incidents.append(found.incident_id)
        new = all(previous[m.key] is None for m in parts)
        created += new
        differs = False
        for m in parts:
            had, was = previous.pop(m.key), stored.pop(m.key)
            differs |= had != found.incident_id or m.key in updated
            primary = new and m.key == found.primary
            if primary and was == found.incident_id:
                continue  # the new report that a new incident is named after: nothing to note
            rows.append(
                (m.key, found.incident_id, had, int(was != found.incident_id), int(primary))
            )
        changed += differs
        if len(rows) + len(incidents) >= _REGROUP_BATCH:
            sql.add_regrouped(store, incidents, rows)
            incidents, rows = [], []
    sql.add_regrouped(store, incidents, rows)
    aliases = sql.regroup_aliases(store)
    now, before = sql.regrouped_ids(store) if collect_ids else (set(), set())
    sql.regroup(store, aliases, replaced_ids, run_id)
    return Regrouping(created, changed, aliases, now, before)


def _fingerprint(
    settings: Settings, taxonomy: Taxonomy, secret: str | None, source_format: str = "auto"
) -> bytes:
    """What, besides the payload, decides a stored record: taxonomy, mappings, masks.

    Canonical JSON (object keys sorted), so that writing failearn.toml's tables in
    another order changes nothing; what is an order (a scale, service labels by
    preference, [sources] tables tried in turn, their service patterns) stays one.
    """
    anonymize = settings.anonymize
    basis = {
        "taxonomy": [taxonomy.version, sorted(taxonomy.aliases.items())],
        "classes": settings.classes,
        "fields": settings.fields,
        "classify": asdict(settings.classify),
        "vendors": asdict(settings.vendors),
        "services": asdict(settings.services),
        "sources": [
            [name, {**asdict(table), "services": list(table.services.items())}]
            for name, table in settings.sources.items()
        ],
        "source_format": source_format,
        # The baseline file decides what fails a run, never what is stored.
        "gates": {
            **{k: v for k, v in asdict(settings.gates).items() if k != "baseline"},
            "require": sorted(settings.gates.require),
        },
        "severity": asdict(settings.severity),
        "anonymize": [anonymize.enabled, sorted(anonymize.mask), sorted(anonymize.people_fields)],
        "secret": hashlib.sha256((secret or "").encode()).hexdigest(),
    }
    canonical = orjson.dumps(basis, default=str, option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(canonical).digest()


def _digest(hexdigest: str) -> bytes:
    """A hex SHA-256 as its 32 bytes: half the memory for each record the run remembers."""
    try:
        return bytes.fromhex(hexdigest)
    except ValueError:
        return hexdigest.encode()


def _provenance(row: tuple[Any, ...]) -> Provenance:
    """A provenance row back as the record's provenance."""
    _, name, value, via, probability, evidence, candidates = row
    runners = tuple((str(v), float(p)) for v, p in orjson.loads(candidates)) if candidates else ()
    return Provenance(name, value, via, probability, evidence, runners)


def text_model_for(settings: Settings, taxonomy: Taxonomy, store: Store) -> TextModel | None:
    """The class text model of a run: the team's blend of the taxonomy and its labels, when
    the store holds at least ``[classify] min_labels`` human labels of the taxonomy's
    classes, else the taxonomy's texts alone.  Either is read back from the store when an
    earlier ingest fitted it on the same labels and taxonomy (:func:`kept_model`)."""
    config = settings.classify
    if config.infer == "off":
        return None
    known = set(taxonomy.classes)
    usable = [row for row in sql.labelled_texts(store, config.max_training) if row[-1] in known]
    classes = len({row[-1] for row in usable})
    if usable and len(usable) >= config.min_labels:
        texts = [model_text(list(zip(row[:5], (3, 2, 1, 1, 2), strict=True))) for row in usable]
        labels = [row[-1] for row in usable]

        def team() -> Any:
            return TeamModel(texts, labels, taxonomy)

        return TextModel(
            "model",
            kept_model(store, "model", taxonomy, list(zip(texts, labels, strict=True)), team),
            config.min_probability,
            f"the taxonomy blended with {len(usable)} labelled report(s) of {classes} class(es)",
        )
    zero_shot = taxonomy_model(
        taxonomy,
        config.taxonomy_min_probability,
        f"the class texts of taxonomy {taxonomy.version} (the store holds "
        f"{len(usable)} human label(s); the team's labels join in at "
        f"{config.min_labels})",
    )
    return replace(zero_shot, build=kept_model(store, "taxonomy", taxonomy, [], zero_shot.build))


def kept_model(
    store: Store,
    route: str,
    taxonomy: Taxonomy,
    labelled: list[tuple[str, str]],
    fit: Callable[[], ClassModel],
) -> Callable[[], ClassModel]:
    """``fit``, unless the store keeps the ``route`` model fitted on the same labelled
    records and taxonomy (by the same code): then that model, read back.  A model fitted
    here is kept for the next run; a kept state that cannot be read is fitted again."""

    def build() -> ClassModel:
        key = class_state.model_key(route, taxonomy, labelled)
        data = class_sql.load_model(store, route, key)
        if data is not None:
            try:
                return class_state.loads(data)
            except ValueError:
                pass  # damaged or of another layout: fitted again below, and replaced
        model = fit()
        state = class_state.dumps(model)  # type: ignore[arg-type]
        class_sql.save_model(store, route, key, iso(datetime.now(UTC)), state)
        return model

    return build


def run_ingest(
    settings: Settings, taxonomy: Taxonomy, options: IngestOptions, progress: Progress | None = None
) -> IngestResult:
    """Ingest the inputs named in ``options`` into the store of ``settings``."""
    started = datetime.now(UTC)
    formats = Formats.build(settings, options.source_format)
    check_class_mapping(settings, taxonomy)
    root = settings.root or Path.cwd().resolve()
    inputs = discover(options.paths, settings.ingest, root=root)
    series_inputs, record_inputs = split_inputs(inputs)
    baseline_file = baseline.baseline_path(settings.gates.baseline, root)
    # 0s is a window (merge only records at the same second), not "use the default".
    window = settings.dedup.window if options.dedup_window is None else options.dedup_window
    keep_raw = settings.ingest.keep_raw if options.keep_raw is None else options.keep_raw
    db_path: Path | str = settings.db
    if options.dry_run and isinstance(db_path, Path) and not db_path.exists():
        db_path = MEMORY
    # A database this run creates and then stores nothing in (it failed, or was
    # interrupted) is removed again: no empty file is left to puzzle the next command.
    new_database = isinstance(db_path, Path) and not db_path.exists()
    store = Store.open(db_path, busy_timeout=settings.busy_timeout)
    try:
        if store.readonly and not new_database:
            store.check_damage()  # before it is copied for a dry run
        # Several ingests may write one PostgreSQL database at once (see _Run.lock_source).
        scope = store.rolled_back("ingest") if options.dry_run else store.transaction("ingest")
        with scope:
            if not new_database and not store.readonly:
                # Checked holding the write lock: another ingest that is still writing (or
                # checkpointing as it closes) is never mistaken for damage.
                store.check_damage()
            run_id = store.start_run(
                "ingest",
                options.as_of,
                {
                    "paths": options.paths,
                    "dry_run": options.dry_run,
                    "keep_raw": keep_raw,
                    "source_format": options.source_format,
                    "dedup_window": format_duration(window),
                    "taxonomy": taxonomy.version,
                },
            )
            secret: str | None = None
            anonymizer: Anonymizer | None = None
            if settings.anonymize.enabled:
                secret = settings.anonymize.secret or store.pseudonym_secret()
                anonymizer = Anonymizer(
                    secret, settings.anonymize.mask, settings.anonymize.people_fields
                )
            # The text model is consulted once every record is read (the run's own labels
            # count), in this process: records that need it wait (``run.deferred``).
            context = Context.build(
                settings, taxonomy, options.as_of, anonymizer, defer_text_model=True
            )
            fingerprint = _fingerprint(settings, taxonomy, secret, options.source_format)
            preparer = Preparer(context, fingerprint, run_id, formats)
            # On PostgreSQL another ingest may be filling an empty store at the same time.
            fresh = store.backend == "sqlite" and sql.is_empty(store)
            files = Unchanged(
                {} if fresh else sql.source_files(store),
                fingerprint.hex(),
                settings.ingest.max_markdown_bytes,
            )
            to_read, skipped = files.split(record_inputs)
            workers = choose_workers(to_read, settings.ingest.workers)
            # The first load into an empty store is a bulk load: the indexes are built
            # once at the end rather than kept up to date per row (dropping and building
            # them over a handful of records costs a few milliseconds).
            suspended = store.suspend_indexes(BULK_TABLES) if fresh else []
            shown = settings.ingest.max_errors if options.max_errors is None else options.max_errors
            run = _Run(store, run_id, keep_raw, fresh, shown)
            run.root = root
            if options.write_baseline:
                run.baseline_out = baseline.Baseline(baseline_file)
            else:
                run.baseline = baseline.load(baseline_file)
            run.records = run.counts["unchanged"] = len(skipped)
            # Closed on the way out, even on an error or Ctrl-C: the worker pool is gone
            # before anything is committed, and never outlives the run.
            with (
                closing(
                    prepared_records(to_read, preparer, settings.ingest, workers, progress)
                ) as records,
                fewer_collections(),
            ):
                for record in records:
                    run.take(record)
                    if progress is not None and run.records % 500 == 0:
                        progress.records(run.records)
            if progress is not None:
                progress.records(run.records)
            run.flush()
            class_model = _settle(run, settings, taxonomy, anonymizer)
            store.restore_indexes(suspended)
            withdrawn, missing = run.gone(options.paths, options.prune)
            sql.record_moves(store, run_id, run.moves)
            sql.put_source_files(store, files.rows(run.stored_files, run_id))
            created, updated = run.merge(window)
            series = _capture_series(store, series_inputs, settings, run, keep_raw)
            total = sql.counts(store)["incidents"]
            status = "rejected" if run.counts["rejected"] or (series and series.errors) else "ok"
            summary: dict[str, Any] = {
                **run.counts,
                "incidents_created": created,
                "incidents_updated": updated,
                "files": len(inputs),
                "moved": len(run.moves),
                "withdrawn": len(withdrawn),
            }
            if series is not None:
                summary["series"] = series.as_dict()
            store.finish_run(run_id, status, summary)
        # Nothing but closing the database follows the commit: an interrupt after it has
        # nothing left to undo.
    except BaseException:
        store.close()
        if new_database:
            discard_unused(Path(db_path))
        raise
    finally:
        store.close()
    if run.baseline_out is not None:
        baseline.write(run.baseline_out)
    return IngestResult(
        run_id=None if options.dry_run else run_id,
        db=display_location(settings.db),
        dry_run=options.dry_run,
        files=len(inputs),
        records=run.records,
        counts=run.counts,
        errors=run.errors,
        warnings=run.warnings,
        incidents_created=created,
        incidents_updated=updated,
        incidents_total=total,
        dedup_window=format_duration(window),
        seconds=(datetime.now(UTC) - started).total_seconds(),
        notes=run.notes,
        series=series,
        inferred=run.inferred,
        class_model=class_model,
        moved=[(old, new, how) for old, new, how, _ in run.moves],
        withdrawn=withdrawn,
        missing=missing,
        files_unchanged=len(skipped),
        known=run.known_issues,
        known_records=run.known_records,
        baseline=_shown_path(baseline_file),
        baseline_written=options.write_baseline,
    )


def _capture_series(
    store: Store, inputs: list[tuple[InputFile, str]], settings: Settings, run: _Run, keep_raw: bool
) -> SeriesResult | None:
    """Store the metric series files among the inputs (:mod:`failearn.commands.series`); their
    problems join the records' in the run's tallies."""
    if not inputs:
        return None
    writer = SeriesWriter(store, settings, run.run_id, keep_raw, run.received_at)
    for item, fmt in inputs:
        writer.add_file(item, fmt)
    for issue in writer.result.errors:
        run.errors.add(issue, issue.code)
    for issue in writer.result.warnings:
        run.warnings.add(issue, issue.code)
    return writer.result


def _settle(
    run: _Run, settings: Settings, taxonomy: Taxonomy, anonymizer: Anonymizer | None
) -> ClassModelUse | None:
    """Give the records put aside their class, and add them to the run in input order.

    The text model is chosen now, from the labels the store holds with this run's
    written (:func:`text_model_for`), and built once; every waiting record is ranked in
    batches.  None when no record needed it.
    """
    import time

    waiting = [
        (position, record)
        for position, record in run.deferred
        if record.pending is not None and record.key is not None
    ]
    use: ClassModelUse | None = None
    if waiting:
        text_model = text_model_for(settings, taxonomy, run.store)
        assert text_model is not None  # records wait only when inference is on
        started = time.perf_counter()
        model = text_model.build()
        built = time.perf_counter() - started
        texts = [record.pending.text for _, record in waiting if record.pending is not None]
        decisions = settle(text_model, model, texts)
        predicted = time.perf_counter() - started - built
        for (_, record), found in zip(waiting, decisions, strict=True):
            settled(record, found, taxonomy.version, anonymizer)
        classified = sum(1 for found in decisions if not isinstance(found, Abstained))
        use = ClassModelUse(
            text_model.route,
            text_model.basis,
            built,
            classified,
            len(waiting),
            predicted,
            model.summary(),
        )
    for position, record in run.deferred:
        record.pending = None  # rejected for another reason: no class needed
        run.add(record, position)
    run.deferred = []
    return use


def _shown_path(path: Path) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)
