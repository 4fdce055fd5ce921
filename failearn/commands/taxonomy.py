"""Re-normalising stored incidents to a new taxonomy version (``failearn taxonomy migrate``).

When a taxonomy renames, merges or splits classes, the incidents already
stored still carry the old class ids.  :func:`run_migrate` re-resolves every
stored report's label as written (``failure_class_raw``) under the new
taxonomy and the configured ``[classes]`` mapping (with the report's own
``[sources.NAME] classes``) — as ingest would resolve it today — and falls
back to the report's previous class id (through the new taxonomy's
``retired`` entries) when the written label no longer resolves.  A record
whose class was inferred (it named none: routes ``keyword``, ``mapping``,
``hint``) keeps its class while the class exists and otherwise follows
``retired``; its "label" is a phrase or hint, not a label to resolve.  So does a
record whose label no longer resolves but whose class the new taxonomy has (an
earlier migration placed it): a second run of a migration changes nothing.  A label
naming a class that was split goes to the part whose keywords best match the
report's text.

Nothing is lost: each report's previous class, route and version go to
``report_label_history`` before they are rewritten, and the label as written
stays in ``failure_class_raw``.  A new class is a new dedup group (service +
class), so the reports whose class changed are regrouped by the very function
ingest uses (:func:`failearn.commands.ingest.regroup_reports`): merged classes can merge
incidents, split classes can split them, and old incident ids stay resolvable.

A label that resolves neither way stops the migration before anything is
written (the taxonomy needs a ``retired`` entry or an alias for it).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from failearn.capture.classify import INFERRED_ROUTES
from failearn.commands.ingest import regroup_reports
from failearn.config import Settings
from failearn.errors import TaxonomyError
from failearn.resources import default_taxonomy_path
from failearn.store import Store, incidents
from failearn.store import taxonomy as sql
from failearn.store.location import display as display_location
from failearn.taxonomy.file import Resolution, Taxonomy
from failearn.timeutil import format_duration, iso

_SAMPLE = 20
# A record whose label no longer resolves, already in a class of the new taxonomy.
_KEPT = "kept"


@dataclass(frozen=True)
class MigrateOptions:
    dry_run: bool = False
    dedup_window: timedelta | None = None


@dataclass(frozen=True)
class ClassChange:
    """Records that moved from one class to another, and how they were placed.

    ``how`` is ``label`` when the label as written resolves in the new taxonomy,
    ``previous-class`` when the record's previous class was followed instead
    (its label no longer resolves, or its class was inferred); ``via`` is the
    route of the new resolution (``id``, ``alias``, ``retired``, ``split``,
    ``split-default``, ``config``, ``name``).
    """

    from_class: str
    to_class: str
    via: str
    how: str
    records: int
    record_ids: list[str]


@dataclass(frozen=True)
class MigrateResult:
    run_id: int | None
    db: str
    dry_run: bool
    taxonomy_version: str
    taxonomy_path: str
    from_versions: dict[str, int]
    records: int
    relabelled: int
    rerouted: int
    version_only: int
    unchanged: int
    changes: list[ClassChange]
    incidents_before: int
    incidents_after: int
    # Incidents that kept their id and changed class (new and absorbed ones are below).
    incidents_relabelled: int
    # Old incident id -> the incident that absorbed it; incidents that did not exist before.
    incidents_merged: dict[str, str] = field(default_factory=dict)
    incidents_created: list[str] = field(default_factory=list)
    # Rule id -> its new class, for rules of the registry whose class was retired.
    rules_relabelled: dict[str, str] = field(default_factory=dict)
    dedup_window: str = "5m"
    warnings: list[str] = field(default_factory=list)

    def document(self) -> dict[str, Any]:
        """The result as JSON-ready data."""
        return {
            "taxonomy_version": self.taxonomy_version,
            "taxonomy": self.taxonomy_path,
            "from_versions": self.from_versions,
            "records": {
                "total": self.records,
                "relabelled": self.relabelled,
                "rerouted": self.rerouted,
                "version_only": self.version_only,
                "unchanged": self.unchanged,
            },
            "changes": [
                {
                    "from_class": c.from_class,
                    "to_class": c.to_class,
                    "via": c.via,
                    "how": c.how,
                    "records": c.records,
                    "record_ids": c.record_ids,
                }
                for c in self.changes
            ],
            "incidents": {
                "before": self.incidents_before,
                "after": self.incidents_after,
                "relabelled": self.incidents_relabelled,
                "merged": [
                    {"incident_id": old, "into": new}
                    for old, new in sorted(self.incidents_merged.items())
                ],
                "created": self.incidents_created,
            },
            "rules": {
                "relabelled": [
                    {"rule_id": rule, "to_class": cls}
                    for rule, cls in sorted(self.rules_relabelled.items())
                ]
            },
            "warnings": self.warnings,
            "dedup_window": self.dedup_window,
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "db": self.db,
        }


@dataclass(frozen=True)
class _Placed:
    label: sql.StoredLabel
    resolution: Resolution
    how: str


def _mapping(settings: Settings, source_format: str | None) -> dict[str, str]:
    """The class mapping ingest applies to a record read through ``source_format``."""
    table = settings.sources.get(source_format) if source_format else None
    if table is not None and table.classes:
        return {**settings.classes, **table.classes}
    return settings.classes


def _first_place(
    label: sql.StoredLabel, taxonomy: Taxonomy, settings: Settings
) -> tuple[Resolution | None, str]:
    """Where a report goes, before any text is read (a split class needs it)."""
    written = label.failure_class_raw or label.failure_class
    if label.failure_class_via in INFERRED_ROUTES:
        previous = taxonomy.resolve(label.failure_class)
        if previous is not None and previous.via == "id":
            return Resolution(label.failure_class, label.failure_class_via, written), "inferred"
        return previous, "previous-class"
    resolution = taxonomy.resolve(written, _mapping(settings, label.source_format))
    if resolution is not None:
        return resolution, "label"
    previous = taxonomy.resolve(label.failure_class)
    if previous is not None and previous.via == "id" and label.failure_class_via:
        # Its class is a class of this taxonomy (an earlier migration put it there):
        # it stays, and so does the route that placed it, or every run would reroute it.
        return Resolution(label.failure_class, label.failure_class_via, written), _KEPT
    return previous, "previous-class"


def _place(
    labels: list[sql.StoredLabel], taxonomy: Taxonomy, settings: Settings, store: Store
) -> tuple[list[_Placed], dict[tuple[str, str], int]]:
    """The new class of every report; and the (label, class) pairs that resolve nowhere."""
    first = [(label, *_first_place(label, taxonomy, settings)) for label in labels]
    # Labels that land on a split class are placed by their text: read it for those only.
    split = [
        label.key
        for label, res, how in first
        if res is not None and res.via.startswith("split") and how != _KEPT
    ]
    texts = sql.report_texts(store, split) if split else {}
    placed: list[_Placed] = []
    unresolved: Counter[tuple[str, str]] = Counter()
    for label, resolution, how in first:
        if resolution is None:
            unresolved[(label.failure_class_raw or "", label.failure_class)] += 1
            continue
        if label.key in texts:
            written = label.failure_class_raw or label.failure_class
            text = texts[label.key]
            again = (
                taxonomy.resolve(written, _mapping(settings, label.source_format), text)
                if how == "label"
                else taxonomy.resolve(label.failure_class, None, text)
            )
            resolution = again or resolution
        placed.append(_Placed(label, resolution, "previous-class" if how == _KEPT else how))
    return placed, dict(unresolved)


def _refuse(unresolved: dict[tuple[str, str], int], taxonomy: Taxonomy) -> TaxonomyError:
    problems = [
        f"label {raw!r} (stored as {cls!r}) on {n} record(s)"
        for (raw, cls), n in sorted(unresolved.items())
    ]
    return TaxonomyError(
        f"{sum(unresolved.values())} stored record(s) have labels that taxonomy "
        f"{taxonomy.version} cannot place; nothing was changed",
        problems=problems,
        hint="add each old class id under `retired` with its `replaced_by`, or the label "
        "under `aliases`, then run the migration again",
    )


def _warnings(
    placed: list[_Placed], taxonomy: Taxonomy, settings: Settings, taxonomy_path: Path, changed: int
) -> list[str]:
    warnings: list[str] = []
    dropped: Counter[tuple[str, str]] = Counter()
    defaults: Counter[tuple[str, str]] = Counter()
    for p in placed:
        if p.how == "previous-class" and p.label.failure_class_via not in INFERRED_ROUTES:
            dropped[(p.label.failure_class_raw or "", p.resolution.class_id)] += 1
        if p.resolution.via == "split-default" and p.label.failure_class_via != "split-default":
            defaults[
                (p.label.failure_class_raw or p.label.failure_class, p.resolution.class_id)
            ] += 1
    for (raw, cls), n in sorted(dropped.items()):
        warnings.append(
            f"label {raw!r} ({n} record(s)) no longer resolves in taxonomy "
            f"{taxonomy.version}; placed in `{cls}` through its previous class. "
            "Ingesting these records again would reject them: add the label under "
            "`aliases`"
        )
    for (old, cls), n in sorted(defaults.items()):
        warnings.append(
            f"{n} record(s) labelled {old!r}, a class split in parts, match no "
            f"keyword of the parts; placed in `{cls}`, the first part: review them"
        )
    versions = {p.label.taxonomy_version for p in placed}
    if changed and versions == {taxonomy.version}:
        warnings.append(
            f"labels changed but the taxonomy version is still {taxonomy.version}: "
            "bump `version` so that records say which taxonomy placed them"
        )
    in_use = (settings.taxonomy or default_taxonomy_path()).resolve()
    if taxonomy_path.resolve() != in_use:
        warnings.append(
            f"{taxonomy_path} is not the taxonomy in use ({in_use}); ingest will "
            "keep resolving labels with that one: point `taxonomy` in "
            "failearn.toml at the new file"
        )
    return warnings


def run_migrate(settings: Settings, taxonomy: Taxonomy, options: MigrateOptions) -> MigrateResult:
    """Re-normalise every stored report to ``taxonomy``; regroup what moved."""
    window = options.dedup_window if options.dedup_window is not None else settings.dedup.window
    taxonomy_path = taxonomy.path or default_taxonomy_path()
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        # Regrouping stored reports: no ingest may be writing meanwhile (PostgreSQL).
        scope = (
            store.rolled_back("exclusive") if options.dry_run else store.transaction("exclusive")
        )
        with scope:
            run_id = store.start_run(
                "taxonomy migrate",
                None,
                {
                    "taxonomy": str(taxonomy_path),
                    "version": taxonomy.version,
                    "dry_run": options.dry_run,
                    "dedup_window": format_duration(window),
                },
            )
            result = _migrate(
                store, settings, taxonomy, taxonomy_path, run_id, window, options.dry_run
            )
            store.finish_run(
                run_id,
                "ok",
                {
                    "relabelled": result.relabelled,
                    "rerouted": result.rerouted,
                    "version_only": result.version_only,
                    "incidents_before": result.incidents_before,
                    "incidents_after": result.incidents_after,
                },
            )
    finally:
        store.close()
    return result


def _relabel_rules(store: Store, taxonomy: Taxonomy) -> dict[str, str]:
    """Rules of a retired class follow it to its replacement, as its incidents did."""
    moves: dict[str, str] = {}
    for rule_id, old in sql.rule_classes(store).items():
        if old in taxonomy.classes:
            continue
        resolution = taxonomy.resolve(old)
        if resolution is not None and resolution.class_id != old:
            moves[rule_id] = resolution.class_id
    sql.relabel_rules(store, moves)
    return moves


def _migrate(
    store: Store,
    settings: Settings,
    taxonomy: Taxonomy,
    taxonomy_path: Path,
    run_id: int,
    window: timedelta,
    dry_run: bool,
) -> MigrateResult:
    labels = sql.stored_labels(store)
    placed, unresolved = _place(labels, taxonomy, settings, store)
    if unresolved:
        raise _refuse(unresolved, taxonomy)
    incidents_before = incidents.incident_count(store)
    changes: list[sql.LabelChange] = []
    moved: dict[tuple[str, str, str, str], list[str]] = defaultdict(list)
    touched: set[tuple[str, str]] = set()
    own = []
    counts = Counter[str]()
    for p in placed:
        label, new = p.label, p.resolution
        class_changed = new.class_id != label.failure_class
        route_changed = new.via != (label.failure_class_via or "")
        if class_changed:
            counts["relabelled"] += 1
            moved[(label.failure_class, new.class_id, new.via, p.how)].append(label.record_id)
        elif route_changed:
            counts["rerouted"] += 1
        elif label.taxonomy_version != taxonomy.version:
            counts["version_only"] += 1
        else:
            counts["unchanged"] += 1
            continue
        regroup = class_changed or route_changed
        changes.append(sql.LabelChange(label.key, new.class_id, new.via, regroup))
        if regroup:
            touched |= {(label.service, label.failure_class), (label.service, new.class_id)}
            own.append(label.ref(new.class_id))
    sql.relabel(store, changes, taxonomy.version, run_id, iso(datetime.now(UTC)))
    merged: dict[str, str] = {}
    created: list[str] = []
    relabelled_incidents = 0
    if touched:
        old_ids = {r.incident_id for r in own if r.incident_id is not None}
        before = sql.incident_classes(store, old_ids)
        done = regroup_reports(
            store, touched, run_id, window, updated_keys=[r.key for r in own], collect_ids=True
        )
        old_ids |= done.previous_ids
        new_ids = done.incident_ids
        merged = dict(done.aliases)
        created = sorted(new_ids - old_ids)
        after = sql.incident_classes(store, new_ids)
        relabelled_incidents = sum(
            1 for i, cls in after.items() if i in before and before[i] != cls
        )
    sql.set_incident_versions(store, taxonomy.version)
    rules = _relabel_rules(store, taxonomy)
    class_changes = [
        ClassChange(old, new, via, how, len(ids), sorted(ids)[:_SAMPLE])
        for (old, new, via, how), ids in sorted(moved.items())
    ]
    return MigrateResult(
        run_id=None if dry_run else run_id,
        db=display_location(settings.db),
        dry_run=dry_run,
        taxonomy_version=taxonomy.version,
        taxonomy_path=str(taxonomy_path),
        from_versions=dict(
            sorted(Counter(lb.taxonomy_version or "unknown" for lb in labels).items())
        ),
        records=len(labels),
        relabelled=counts["relabelled"],
        rerouted=counts["rerouted"],
        version_only=counts["version_only"],
        unchanged=counts["unchanged"],
        changes=class_changes,
        incidents_before=incidents_before,
        incidents_after=incidents.incident_count(store),
        incidents_relabelled=relabelled_incidents,
        incidents_merged=merged,
        incidents_created=created,
        rules_relabelled=rules,
        dedup_window=format_duration(window),
        warnings=_warnings(placed, taxonomy, settings, taxonomy_path, len(class_changes)),
    )
