"""The taxonomy audit: is the team still classifying failures the way it used to?

:func:`run_audit` is the one core function behind ``failearn audit``.  It reads
the merged incidents of two windows — recent = [as_of − recent, as_of),
baseline = [as_of − recent − baseline, as_of − recent) — and returns an
:class:`AuditResult`:

* drift in the class mix (:mod:`failearn.analysis.drift`): a test of
  homogeneity, the Jensen–Shannon distance, per-class shares and residuals, and
  the classes that moved, paired when one fell while another rose;
* label consistency (:mod:`failearn.analysis.consistency`): a local classifier
  trained on the baseline's labels, its held-out agreement, and the recent
  records whose text disagrees with their label;
* hygiene: labels written as aliases or retired names, records under an older
  taxonomy version or a class the taxonomy no longer has, classes never used,
  services that only ever use one class.

The verdict is ``drift`` when the class mix shifted (significant and large) or
labelling did (the disagreement rate rose significantly and by enough),
``insufficient-data`` when the windows hold too few incidents to say, else
``no-drift``.  Every audit is stored (:mod:`failearn.store.audit`).  Reads run
in one snapshot and the one write transaction comes last, so the classifier
never holds the write lock that ingest jobs wait for.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime, timedelta
from typing import Any

from failearn.analysis.consistency import (
    LabelCheck,
    LabelledRecord,
    LabelSettings,
    Prediction,
    check_labels,
    record_text,
)
from failearn.analysis.drift import (
    DRIFT,
    INSUFFICIENT,
    NO_DRIFT,
    DriftAnalysis,
    DriftThresholds,
    Shift,
    compare,
    name_shifts,
)
from failearn.capture.classify import INFERRED_ROUTES
from failearn.config import AuditConfig, Settings
from failearn.errors import UsageError
from failearn.figures import percent
from failearn.store import Store
from failearn.store import audit as sql
from failearn.store.location import display as display_location
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import format_duration, iso


@dataclass(frozen=True)
class AuditOptions:
    """What the user asked for: the reference instant and the audit settings in force
    (``[audit]`` with the command line's overrides applied)."""

    as_of: datetime
    config: AuditConfig
    # Called with the finished result before it is stored (the command renders it
    # there): what it raises leaves the store as it was.
    before_commit: Callable[[AuditResult], None] | None = None


@dataclass(frozen=True)
class ShiftFinding:
    """A named shift and the recent incidents involved (those of the rising class, the
    ones that look like the falling class first)."""

    shift: Shift
    incident_ids: list[str]
    incident_count: int


@dataclass(frozen=True)
class Disagreement:
    """A recent incident whose text reads like another class than its label."""

    incident_id: str
    timestamp: str
    service: str
    title: str | None
    prediction: Prediction


@dataclass(frozen=True)
class LabelRoute:
    """Records whose label reached its class through an alias, a retired name, a split,
    a class name or a configured mapping (not the class id itself)."""

    label: str
    failure_class: str
    via: str
    recent: int
    baseline: int
    incident_ids: list[str]


@dataclass(frozen=True)
class LabelOrigins:
    """Where the classes of the audited incidents came from: a person's label, or inferred
    (by route: a mapped hint, the team model, the taxonomy…).  Only human labels train
    and are judged by the label-consistency classifier."""

    human_recent: int = 0
    human_baseline: int = 0
    # Route -> (recent, baseline) counts of incidents whose class was inferred.
    inferred: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def inferred_recent(self) -> int:
        return sum(r for r, _ in self.inferred.values())

    @property
    def inferred_baseline(self) -> int:
        return sum(b for _, b in self.inferred.values())


@dataclass(frozen=True)
class Hygiene:
    label_routes: list[LabelRoute] = field(default_factory=list)
    # Records normalised under another taxonomy version: version -> (count, some ids).
    old_versions: list[tuple[str, int, list[str]]] = field(default_factory=list)
    # Stored classes the taxonomy in use does not have: (class, count, some ids).
    unknown_classes: list[tuple[str, int, list[str]]] = field(default_factory=list)
    # Classes of the taxonomy no incident up to as_of uses.
    unused_classes: list[str] = field(default_factory=list)
    # Services with several incidents, all of one class: (service, class, count).
    single_class_services: list[tuple[str, str, int]] = field(default_factory=list)
    # Incidents whose service was inferred, not named: (how, count) over both windows.
    inferred_services: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class AuditResult:
    """Everything one audit found; renderers turn it into text, JSON or Markdown."""

    run_id: int | None
    audit_id: int | None
    db: str
    as_of: datetime
    recent_start: datetime
    baseline_start: datetime
    taxonomy_version: str
    config: AuditConfig
    verdict: str
    drift: bool
    reasons: list[str]
    distribution: DriftAnalysis
    shifts: list[ShiftFinding]
    labels: LabelCheck | None
    labelling_drift: bool
    labelling_reason: str
    disagreements: list[Disagreement]
    hygiene: Hygiene
    origins: LabelOrigins = field(default_factory=LabelOrigins)


# -- options -------------------------------------------------------------------------

_LIMITS: dict[str, tuple[float, float, str]] = {
    # name: (low, high, what) — inclusive bounds.
    "alpha": (1e-12, 0.5, "a probability between 0 and 0.5"),
    "min_distance": (0.0, 1.0, "a distance between 0 and 1"),
    "min_recent": (1, 1e9, "a positive count"),
    "min_baseline": (1, 1e9, "a positive count"),
    "min_expected": (0.0, 1e9, "a non-negative count"),
    "samples": (100, 1e7, "between 100 and 10,000,000"),
    "seed": (0, 2**32 - 1, "a non-negative integer"),
    "class_alpha": (1e-12, 1.0, "a probability between 0 and 1"),
    "min_share_change": (0.0, 1.0, "a share between 0 and 1"),
    "folds": (2, 20, "between 2 and 20"),
    "max_training": (100, 1e9, "at least 100"),
    "confidence": (0.0, 1.0, "a probability between 0 and 1"),
    "min_disagreement_rise": (0.0, 1.0, "a share between 0 and 1"),
    "show": (0, 1e6, "a non-negative count"),
}


def check_config(config: AuditConfig) -> None:
    """Refuse audit settings that make no sense, naming the option and the config key."""
    for name in ("recent", "baseline"):
        value: timedelta = getattr(config, name)
        if value <= timedelta(0):
            raise UsageError(
                f"--{name} / [audit] {name} must be a positive duration, "
                f"not {format_duration(value) if value else '0'}"
            )
    for name, (low, high, what) in _LIMITS.items():
        number: float = getattr(config, name)
        if math.isnan(number) or not low <= number <= high:
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} / [audit] {name} must be {what}, not {number!r}")


# -- the audit ---------------------------------------------------------------------------


def run_audit(settings: Settings, taxonomy: Taxonomy, options: AuditOptions) -> AuditResult:
    """Audit the store of ``settings`` at ``options.as_of``; store and return the result."""

    config = options.config
    check_config(config)
    as_of = options.as_of
    recent_start = as_of - config.recent
    baseline_start = recent_start - config.baseline
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        with sql.snapshot(store):
            recent = sql.incidents_between(
                store, iso(recent_start), iso(as_of), with_text=config.classifier
            )
            baseline = sql.incidents_between(
                store, iso(baseline_start), iso(recent_start), with_text=config.classifier
            )
            usage = sql.class_counts(store, iso(as_of))
            service_classes = sql.service_class_counts(store, iso(as_of))
            inferred = sql.inferred_services(store, iso(baseline_start), iso(as_of))
        result = _audit(
            recent,
            baseline,
            usage,
            service_classes,
            taxonomy,
            options,
            display_location(settings.db),
            recent_start,
            baseline_start,
        )
        result = replace(result, hygiene=replace(result.hygiene, inferred_services=inferred))
        with store.transaction():
            run_id = store.start_run("audit", as_of, _parameters(config, taxonomy))
            result = _with_ids(result, run_id, None)
            # The stored document is the JSON the command prints (the report reads it).
            audit_id = sql.save_audit(
                store, _summary(result), _class_rows(result), audit_document(result)
            )
            result = _with_ids(result, run_id, audit_id)
            store.finish_run(
                run_id,
                result.verdict,
                {
                    "verdict": result.verdict,
                    "drift": result.drift,
                    "audit_id": audit_id,
                    "recent_incidents": result.distribution.recent_total,
                    "baseline_incidents": result.distribution.baseline_total,
                },
            )
            if options.before_commit is not None:
                options.before_commit(result)
    finally:
        store.close()
    return result


def _parameters(config: AuditConfig, taxonomy: Taxonomy) -> dict[str, Any]:
    values = {f.name: getattr(config, f.name) for f in fields(config)}
    values["recent"] = format_duration(config.recent)
    values["baseline"] = format_duration(config.baseline)
    values["taxonomy"] = taxonomy.version
    return values


def _with_ids(result: AuditResult, run_id: int, audit_id: int | None) -> AuditResult:
    return replace(result, run_id=run_id, audit_id=audit_id)


def _audit(
    recent: list[sql.AuditIncident],
    baseline: list[sql.AuditIncident],
    usage: dict[str, int],
    service_classes: list[tuple[str, str, int]],
    taxonomy: Taxonomy,
    options: AuditOptions,
    db: str,
    recent_start: datetime,
    baseline_start: datetime,
) -> AuditResult:
    config = options.config
    distribution = compare(
        Counter(i.failure_class for i in recent),
        Counter(i.failure_class for i in baseline),
        DriftThresholds.of(config),
    )
    labels = None
    if config.classifier and distribution.verdict != INSUFFICIENT:
        labels = _check_labels(_human(recent), _human(baseline), config)
    predicted = {p.id: p.predicted for p in labels.predictions} if labels else {}
    shifts = name_shifts(distribution.classes, _evidence(distribution, recent, baseline, predicted))
    findings = [_finding(s, recent, baseline, predicted, config.show) for s in shifts]
    labelling_drift, labelling_reason = _labelling_verdict(labels, distribution, config)
    if distribution.verdict == INSUFFICIENT:
        verdict, reasons = INSUFFICIENT, [f"insufficient data: {distribution.reason}"]
    else:
        found = distribution.verdict == DRIFT or labelling_drift
        verdict = DRIFT if found else NO_DRIFT
        reasons = [distribution.reason, labelling_reason]
    by_id = {i.id: i for i in recent}
    disagreements = [
        Disagreement(p.id, by_id[p.id].timestamp, by_id[p.id].service, by_id[p.id].title, p)
        for p in (labels.disagreements if labels else [])
    ]
    return AuditResult(
        run_id=None,
        audit_id=None,
        db=db,
        as_of=options.as_of,
        recent_start=recent_start,
        baseline_start=baseline_start,
        taxonomy_version=taxonomy.version,
        config=config,
        verdict=verdict,
        drift=verdict == DRIFT,
        reasons=reasons,
        distribution=distribution,
        shifts=findings,
        labels=labels,
        labelling_drift=labelling_drift,
        labelling_reason=labelling_reason,
        disagreements=disagreements,
        hygiene=_hygiene(recent, baseline, usage, service_classes, taxonomy, config.show),
        origins=_origins(recent, baseline),
    )


def _inferred(incident: sql.AuditIncident) -> bool:
    return (incident.failure_class_via or "id") in INFERRED_ROUTES


def _human(incidents: list[sql.AuditIncident]) -> list[sql.AuditIncident]:
    """The incidents whose class a person gave: the only ones a label model learns from
    or judges (an inferred class is the model's own opinion)."""
    return [i for i in incidents if not _inferred(i)]


def _origins(recent: list[sql.AuditIncident], baseline: list[sql.AuditIncident]) -> LabelOrigins:
    routes: dict[str, list[int]] = {}
    for position, incidents in enumerate((recent, baseline)):
        for incident in incidents:
            if _inferred(incident):
                routes.setdefault(incident.failure_class_via or "", [0, 0])[position] += 1
    return LabelOrigins(
        len(_human(recent)),
        len(_human(baseline)),
        {via: (r, b) for via, (r, b) in sorted(routes.items())},
    )


def _check_labels(
    recent: list[sql.AuditIncident], baseline: list[sql.AuditIncident], config: AuditConfig
) -> LabelCheck:
    def labelled(incident: sql.AuditIncident) -> LabelledRecord:
        text = record_text(
            (incident.title, incident.summary, incident.root_cause, incident.error_messages)
        )
        return LabelledRecord(incident.id, text, incident.failure_class)

    return check_labels(
        [labelled(i) for i in baseline], [labelled(i) for i in recent], LabelSettings.of(config)
    )


def _labelling_verdict(
    labels: LabelCheck | None, distribution: DriftAnalysis, config: AuditConfig
) -> tuple[bool, str]:
    if not config.classifier:
        return False, "label consistency not checked (--no-classifier)"
    if distribution.verdict == INSUFFICIENT or labels is None:
        return False, "label consistency not checked: too few incidents"
    if labels.status != "ok":
        return False, f"label consistency not checked: {labels.reason}"
    recent_rate, base_rate = labels.recent_rate, labels.baseline_rate
    if recent_rate is None or base_rate is None or labels.rise_p_value is None:
        return False, "label consistency: no recent record could be assessed"
    rise = recent_rate - base_rate
    figures = (
        f"{len(labels.disagreements)} of {labels.recent_assessed} recent records "
        f"({percent(recent_rate)}) read like another class than their label, against "
        f"{percent(base_rate)} of the baseline (held out)"
    )
    if labels.recent_assessed < config.min_recent:
        return False, f"label consistency: {figures}; too few recent records to judge"
    if labels.rise_p_value < config.alpha and rise >= config.min_disagreement_rise:
        return True, (
            f"labelling drifted: {figures}; p = {labels.rise_p_value:.2g} < "
            f"{config.alpha:g} and a rise of {rise * 100:.0f} points ≥ "
            f"{config.min_disagreement_rise * 100:.0f}"
        )
    return False, f"labelling is consistent: {figures}"


def _baseline_services(baseline: list[sql.AuditIncident]) -> dict[str, set[str]]:
    services: dict[str, set[str]] = defaultdict(set)
    for incident in baseline:
        services[incident.service].add(incident.failure_class)
    return services


def _looks_like(
    incident: sql.AuditIncident,
    fell: str,
    rose: str,
    services: dict[str, set[str]],
    predicted: dict[str, str],
) -> bool:
    """Whether a recent record labelled ``rose`` reads, or sits, like ``fell``: the
    classifier predicts ``fell``, or its service used ``fell`` and not ``rose`` before."""
    if predicted.get(incident.id) == fell:
        return True
    used = services.get(incident.service, set())
    return fell in used and rose not in used


def _evidence(
    distribution: DriftAnalysis,
    recent: list[sql.AuditIncident],
    baseline: list[sql.AuditIncident],
    predicted: dict[str, str],
) -> dict[tuple[str, str], int]:
    falling = [c.failure_class for c in distribution.classes if c.direction == "fell"]
    rising = [c.failure_class for c in distribution.classes if c.direction == "rose"]
    if not falling or not rising:
        return {}
    services = _baseline_services(baseline)
    evidence: dict[tuple[str, str], int] = {}
    for fell in falling:
        for rose in rising:
            evidence[(fell, rose)] = sum(
                1
                for i in recent
                if i.failure_class == rose and _looks_like(i, fell, rose, services, predicted)
            )
    return evidence


def _finding(
    shift: Shift,
    recent: list[sql.AuditIncident],
    baseline: list[sql.AuditIncident],
    predicted: dict[str, str],
    show: int,
) -> ShiftFinding:
    target = shift.rose or shift.fell
    assert target is not None
    members = [i for i in recent if i.failure_class == target.failure_class]
    if shift.kind == "paired" and shift.fell is not None and shift.rose is not None:
        services = _baseline_services(baseline)
        fell, rose = shift.fell.failure_class, shift.rose.failure_class
        members.sort(
            key=lambda i: (not _looks_like(i, fell, rose, services, predicted), i.timestamp, i.id)
        )
    return ShiftFinding(shift, [i.id for i in members[:show]], len(members))


def _hygiene(
    recent: list[sql.AuditIncident],
    baseline: list[sql.AuditIncident],
    usage: dict[str, int],
    service_classes: list[tuple[str, str, int]],
    taxonomy: Taxonomy,
    show: int,
) -> Hygiene:
    routes: dict[tuple[str, str, str], list[list[str]]] = {}
    versions: dict[str, list[str]] = defaultdict(list)
    unknown: dict[str, list[str]] = defaultdict(list)
    for window, incidents in ((0, recent), (1, baseline)):
        for incident in incidents:
            via = incident.failure_class_via or "id"
            if via != "id":
                key = (incident.failure_class_raw or "", incident.failure_class, via)
                routes.setdefault(key, [[], []])[window].append(incident.id)
            if incident.taxonomy_version != taxonomy.version:
                versions[incident.taxonomy_version or "unknown"].append(incident.id)
            if incident.failure_class not in taxonomy.classes:
                unknown[incident.failure_class].append(incident.id)
    label_routes = [
        LabelRoute(label, cls, via, len(ids[0]), len(ids[1]), sorted(ids[0] + ids[1])[:show])
        for (label, cls, via), ids in routes.items()
    ]
    # Retired and split names first (vocabulary that should go), then by use; classes
    # inferred for records that named none last.
    rank = {
        "retired": 0,
        "split": 0,
        "split-default": 0,
        "alias": 1,
        "config": 2,
        "name": 3,
        "mapping": 5,
        "hint": 5,
        "keyword": 5,
        "model": 5,
        "taxonomy": 5,
    }
    label_routes.sort(key=lambda r: (rank.get(r.via, 4), -(r.recent + r.baseline), r.label))
    per_service: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for service, cls, count in service_classes:
        per_service[service].append((cls, count))
    single = [
        (service, used[0][0], used[0][1])
        for service, used in sorted(per_service.items())
        if len(used) == 1 and used[0][1] >= 5
    ]
    return Hygiene(
        label_routes=label_routes,
        old_versions=[(v, len(ids), sorted(ids)[:show]) for v, ids in sorted(versions.items())],
        unknown_classes=[(c, len(ids), sorted(ids)[:show]) for c, ids in sorted(unknown.items())],
        unused_classes=[c for c in taxonomy.classes if not usage.get(c)],
        single_class_services=single,
    )


# -- storing ---------------------------------------------------------------------------


def _summary(result: AuditResult) -> sql.AuditSummary:
    test = result.distribution.test
    labels = result.labels
    ok = labels is not None and labels.status == "ok"
    return sql.AuditSummary(
        audit_id=0,
        run_id=result.run_id,
        as_of=iso(result.as_of),
        recent_start=iso(result.recent_start),
        baseline_start=iso(result.baseline_start),
        taxonomy_version=result.taxonomy_version,
        verdict=result.verdict,
        drift=result.drift,
        reasons=tuple(result.reasons),
        recent_incidents=result.distribution.recent_total,
        baseline_incidents=result.distribution.baseline_total,
        test=test.method,
        statistic=rounded(test.statistic),
        p_value=significant(test.p_value),
        js_distance=rounded(test.js_distance),
        accuracy=rounded(labels.accuracy) if ok and labels else None,
        macro_f1=rounded(labels.macro_f1) if ok and labels else None,
        disagreement_recent=rounded(labels.recent_rate) if ok and labels else None,
        disagreement_baseline=rounded(labels.baseline_rate) if ok and labels else None,
    )


def _class_rows(
    result: AuditResult,
) -> list[tuple[str, int, int, float, float, float, float, float | None]]:
    return [
        (
            c.failure_class,
            c.recent_count,
            c.baseline_count,
            rounded(c.recent_share) or 0.0,
            rounded(c.baseline_share) or 0.0,
            rounded(c.delta) or 0.0,
            rounded(c.residual) or 0.0,
            significant(c.p_value),
        )
        for c in result.distribution.classes
    ]


def rounded(value: float | None, digits: int = 4) -> float | None:
    if value is None or math.isnan(value):
        return None
    rounded = round(float(value), digits)
    return 0.0 if rounded == 0 else rounded


def significant(value: float | None) -> float | None:
    """A p-value to four significant digits (they span many orders of magnitude)."""
    if value is None or math.isnan(value):
        return None
    return float(f"{value:.4g}")


def audit_document(result: AuditResult) -> dict[str, Any]:
    """The JSON document of ``failearn audit --format json`` (its contract
    keys first: docs/audit.md); also what the audit stores and the Markdown template receives."""
    dist = result.distribution
    test = dist.test
    config = result.config
    labels = result.labels
    return {
        "drift": result.drift,
        "verdict": result.verdict,
        "reasons": result.reasons,
        "statistics": {
            "test": test.method,
            "chi_square": rounded(test.statistic),
            "dof": test.dof,
            "p_value": significant(test.p_value),
            "monte_carlo_samples": test.samples,
            "seed": test.seed,
            "smallest_expected": rounded(test.smallest_expected),
            "jensen_shannon_distance": rounded(test.js_distance),
            "significant": dist.significant,
            "large": dist.large,
        },
        "classes": [
            {
                "failure_class": c.failure_class,
                "recent_share": rounded(c.recent_share),
                "baseline_share": rounded(c.baseline_share),
                "delta": rounded(c.delta),
                "residual": rounded(c.residual, 3),
                "p_value": significant(c.p_value),
                "recent_count": c.recent_count,
                "baseline_count": c.baseline_count,
                "direction": c.direction,
            }
            for c in dist.classes
        ],
        "shifts": [
            {
                "kind": f.shift.kind,
                "fell": f.shift.fell.failure_class if f.shift.fell else None,
                "rose": f.shift.rose.failure_class if f.shift.rose else None,
                "message": f.shift.message,
                "evidence": f.shift.evidence,
                "incident_ids": f.incident_ids,
                "incident_count": f.incident_count,
            }
            for f in result.shifts
        ],
        "labels": _labels_document(result, labels),
        "hygiene": {
            "label_routes": [asdict(r) for r in result.hygiene.label_routes],
            "label_origins": _origins_document(result),
            "old_versions": [
                {"taxonomy_version": v, "incidents": n, "incident_ids": ids}
                for v, n, ids in result.hygiene.old_versions
            ],
            "unknown_classes": [
                {"failure_class": c, "incidents": n, "incident_ids": ids}
                for c, n, ids in result.hygiene.unknown_classes
            ],
            "unused_classes": result.hygiene.unused_classes,
            "single_class_services": [
                {"service": s, "failure_class": c, "incidents": n}
                for s, c, n in result.hygiene.single_class_services
            ],
            "inferred_services": [
                {"via": via, "incidents": n} for via, n in result.hygiene.inferred_services
            ],
        },
        "as_of": iso(result.as_of),
        "windows": {
            "recent": {
                "start": iso(result.recent_start),
                "end": iso(result.as_of),
                "duration": format_duration(config.recent),
                "incidents": dist.recent_total,
            },
            "baseline": {
                "start": iso(result.baseline_start),
                "end": iso(result.recent_start),
                "duration": format_duration(config.baseline),
                "incidents": dist.baseline_total,
            },
        },
        "thresholds": {
            "alpha": config.alpha,
            "min_distance": config.min_distance,
            "min_recent": config.min_recent,
            "min_baseline": config.min_baseline,
            "min_expected": config.min_expected,
            "class_alpha": config.class_alpha,
            "min_share_change": config.min_share_change,
            "confidence": config.confidence,
            "min_disagreement_rise": config.min_disagreement_rise,
        },
        "taxonomy_version": result.taxonomy_version,
        "audit_id": result.audit_id,
        "run_id": result.run_id,
        "db": result.db,
    }


def _labels_document(result: AuditResult, labels: LabelCheck | None) -> dict[str, Any]:
    if labels is None:
        return {"status": "not-run", "reason": result.labelling_reason, "drift": False}
    show = result.config.show
    return {
        "status": labels.status,
        "drift": result.labelling_drift,
        "reason": result.labelling_reason,
        "model": labels.model,
        "evaluation": labels.reason,
        "training_records": labels.training_records,
        "classes": labels.classes,
        "excluded_classes": labels.excluded_classes,
        "accuracy": rounded(labels.accuracy),
        "macro_f1": rounded(labels.macro_f1),
        "folds": [
            {
                "fold": f.fold,
                "records": f.records,
                "accuracy": rounded(f.accuracy),
                "macro_f1": rounded(f.macro_f1),
            }
            for f in labels.folds
        ],
        "disagreement_rate_recent": rounded(labels.recent_rate),
        "disagreement_rate_baseline": rounded(labels.baseline_rate),
        "recent_assessed": labels.recent_assessed,
        "baseline_assessed": labels.baseline_assessed,
        "rise_p_value": significant(labels.rise_p_value),
        "disagreement_count": len(result.disagreements),
        "disagreements": [
            {
                "incident_id": d.incident_id,
                "timestamp": d.timestamp,
                "service": d.service,
                "title": d.title,
                "failure_class": d.prediction.label,
                "predicted_class": d.prediction.predicted,
                "probability": rounded(d.prediction.probability, 3),
                "label_probability": rounded(d.prediction.label_probability, 3),
            }
            for d in result.disagreements[:show]
        ],
    }


def _origins_document(result: AuditResult) -> dict[str, Any]:
    origins = result.origins
    return {
        "human": {"recent": origins.human_recent, "baseline": origins.human_baseline},
        "inferred": {
            "recent": origins.inferred_recent,
            "baseline": origins.inferred_baseline,
            "by_route": {
                via: {"recent": r, "baseline": b} for via, (r, b) in origins.inferred.items()
            },
        },
    }
