"""The findings of one audit, from the incidents of its two windows: the class mix, label
consistency, the shifts named with the incidents behind them, and hygiene.  Plain data in
and out; :func:`failearn.commands.audit.run_audit` reads the store and stores the result."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime

from failearn.analysis.consistency import (
    LabelCheck,
    LabelledRecord,
    LabelSettings,
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
from failearn.commands.audit.model import (
    AuditOptions,
    AuditResult,
    Disagreement,
    Hygiene,
    LabelOrigins,
    LabelRoute,
    ShiftFinding,
)
from failearn.config import AuditConfig
from failearn.figures import percent
from failearn.store import audit as sql
from failearn.taxonomy.file import Taxonomy


def audit_windows(
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
    """What the incidents of the recent and baseline windows show (the store's ids are
    added when the audit is stored)."""
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
