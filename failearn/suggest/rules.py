"""Rules from patterns: the taxonomy's adaptation kinds made concrete by the evidence.

For every pattern, every service it hit and every adaptation kind the taxonomy
lists for the pattern's dominant class (:meth:`Taxonomy.adaptations_for`), one
:class:`RuleDraft`.  Its id is stable: the same pattern, adaptation kind and
service give the same id every week (:func:`rule_id`).  The evidence makes it
concrete, each piece of it fitted to the adaptation:

* a **trigger** for an adaptation that acts on a signal (scaling, shedding,
  rate limits, a breaker, rerouting, failover): learned from the metric series
  of the service and its dependency, from the precursors of the kinds the
  adaptation acts on (:data:`PREFERRED_SIGNALS`), with its threshold and window
  chosen for a target rate of false alarms in normal time
  (:mod:`failearn.suggest.series_evidence`) — never a constant;
* a **timeout** set from the dependency's latency in normal time, not from what
  it was during the incidents; a **pool** sized from its utilisation before and
  during them;
* the **dependency** the error messages and failing traces point at
  (:mod:`failearn.suggest.dependency`), with the evidence for it;
* the **assumptions** a figure rests on, each with the key that sets it.

Without series for a service, the draft says so and quotes what the incidents
recorded at incident time, marked as such; it gets no trigger.

``fit`` ranks the adaptations of one pattern and service: 3 when a trigger-driven
adaptation has a leading (load) signal learned from the series, 2 when it has
another learned trigger or a sizing grounded in series, 1 with evidence from
incident time only, 0 without; ``preference`` is the adaptation's position in
the taxonomy's list.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping, Sequence
from typing import Any

from failearn.analysis.model import PatternSummary, Precursor
from failearn.config import PrecursorsConfig, RulesConfig
from failearn.suggest.actions import (
    action_text,
    pool_sentence,
    rationale_text,
    scale_phrase,
    timeout_sentence,
)
from failearn.suggest.dependency import DependencyEvidence, choose_dependency
from failearn.suggest.model import IncidentBrief, RuleDraft, Trigger
from failearn.suggest.series_evidence import LearnedTrigger, Levels, ServiceEvidence, signal_kind
from failearn.suggest.wording import (
    assumption,
    feature_phrase,
    listing,
    normal_comparison,
    rates_text,
    signal_text,
    times_a_week,
    value_text,
)
from failearn.taxonomy.file import Taxonomy

# Which kind of signal each adaptation acts on, most useful first.
PREFERRED_SIGNALS: dict[str, tuple[str, ...]] = {
    "pre-emptive-scaling": ("load", "saturation"),
    "load-shedding": ("load", "saturation"),
    "rate-limit": ("load",),
    "pool-resize": ("saturation", "load"),
    "circuit-breaker": ("latency", "errors"),
    "timeout-tuning": ("latency",),
    "retry-cap": ("errors", "latency"),
    "reroute": ("latency", "errors"),
    "failover": ("latency", "errors", "saturation"),
}


def rule_id(pattern_id: str, adaptation: str, service: str) -> str:
    """The stable id of a rule: ``R-`` and ten hex digits of a hash of its three parts."""
    digest = hashlib.sha256(f"{pattern_id}\x1f{adaptation}\x1f{service}".encode()).hexdigest()
    return f"R-{digest[:10]}"


# Adaptations that act when a signal fires (the others change a setting once).
TRIGGERED = (
    "pre-emptive-scaling",
    "load-shedding",
    "rate-limit",
    "circuit-breaker",
    "reroute",
    "failover",
)
USES_DEPENDENCY = ("pool-resize", "circuit-breaker", "timeout-tuning", "retry-cap", "reroute")


def names_dependency(adaptation: str, taxonomy: Taxonomy, failure_class: str) -> bool:
    """Whether an adaptation acts on a dependency (scaling does when it scales a pool)."""
    return adaptation in USES_DEPENDENCY or (
        adaptation == "pre-emptive-scaling"
        and scale_phrase(taxonomy, failure_class).startswith("scale the pool")
    )


# -- the trigger ----------------------------------------------------------------------------------


def trigger_from(learned: LearnedTrigger) -> Trigger:
    """The model's trigger from one learned from the series."""
    signal, measured, result = learned.signal, learned.measurement, learned.in_sample
    per_week = result.false_alarms_per_week
    return Trigger(
        metric=signal.metric,
        direction=learned.direction,
        threshold=learned.threshold,
        window_seconds=signal.window_seconds,
        median_in_pattern=measured.median_before,
        median_rest=measured.median_normal,
        effect_size=measured.effect_size,
        support=measured.incidents,
        kind=signal_kind(signal.metric),
        feature=signal.feature,
        service=signal.service,
        labels=dict(signal.labels),
        source="series",
        incidents=result.incidents,
        fires_before=result.caught,
        median_lead_seconds=result.median_lead,
        false_alarms_per_week=None if per_week is None else round(per_week, 3),
        normal_weeks=round(result.normal_seconds / 604800, 2),
        target_false_alarms=learned.target,
    )


def _backtest(result: Any) -> dict[str, Any]:
    per_week = result.false_alarms_per_week
    return {
        "incidents": result.incidents,
        "fires_before": result.caught,
        "median_lead_seconds": result.median_lead,
        "false_alarms": result.false_alarms,
        "false_alarms_per_week": None if per_week is None else round(per_week, 3),
        "normal_weeks": round(result.normal_seconds / 604800, 2),
        "held_out": result.held_out,
        "text": rates_text(result),
    }


# -- the evidence, piece by piece -----------------------------------------------------------------


def _series_note(
    evidence: ServiceEvidence | None, service: str, dependency: DependencyEvidence | None
) -> dict[str, Any]:
    owners = f"`{service}`"
    if dependency is not None:
        owners += f" or its dependency `{dependency.name}`"
    if evidence is None or not evidence.has_series:
        return {
            "found": False,
            "series": [],
            "span": None,
            "incidents": 0,
            "covered": 0,
            "text": f"No metric series for {owners}: no precursor was measured against "
            "normal time (ingest series, or `failearn metrics pull`).",
        }
    assert evidence.span is not None
    return {
        "found": True,
        "series": list(evidence.series),
        "span": list(evidence.span),
        "incidents": evidence.incidents,
        "covered": evidence.covered,
        "text": f"Series: {_series_words(evidence.series)}, from {evidence.span[0][:10]} "
        f"to {evidence.span[1][:10]}; {evidence.covered} of the "
        f"{evidence.incidents} incidents on `{service}` fall in them.",
    }


def _series_words(series: Sequence[str]) -> str:
    """``checkout:a``, ``checkout:b`` → "`checkout` a, b"."""
    by_owner: dict[str, list[str]] = {}
    for item in series:
        owner, metric = item.split(":", 1)
        by_owner.setdefault(owner, []).append(metric)
    return "; ".join(f"`{owner}` {listing(metrics)}" for owner, metrics in by_owner.items())


def _precursor(learned: LearnedTrigger, horizon: int) -> dict[str, Any]:
    signal, measured = learned.signal, learned.measurement
    phrase = feature_phrase(
        signal.metric, dict(signal.labels), signal.feature, signal.window_seconds
    )
    return {
        "source": "series",
        "service": signal.service,
        "metric": signal.metric,
        "labels": dict(signal.labels),
        "feature": signal.feature,
        "window_seconds": signal.window_seconds,
        "direction": measured.direction,
        "median_before": measured.median_before,
        "median_normal": measured.median_normal,
        "effect_size": measured.effect_size,
        "p_value": measured.p_value,
        "incidents": measured.incidents,
        "normal_windows": measured.controls,
        "text": "Precursor, against normal time: "
        + normal_comparison(
            signal.service,
            phrase,
            measured.median_before,
            measured.median_normal,
            measured.effect_size,
            measured.incidents,
            measured.controls,
            horizon,
            signal.metric,
            signal.feature,
        )
        + ".",
    }


def _at_incident(precursors: Sequence[Precursor], kinds: Sequence[str]) -> dict[str, Any] | None:
    """The pattern's metrics at incident time that suit the adaptation (marked as such)."""
    suited = [p for kind in kinds for p in precursors if signal_kind(p.metric) == kind]
    if not suited:
        return None
    top = suited[0]
    return {
        "source": "at-incident",
        "metric": top.metric,
        "direction": top.direction,
        "median_before": None,
        "median_in_pattern": top.median_in_pattern,
        "median_rest": top.median_rest,
        "effect_size": top.effect_size,
        "incidents": top.support,
        "text": "At incident time only (compared with other incidents, not with normal "
        f"time): {signal_text(top)}.",
    }


def _not_precursors(
    evidence: ServiceEvidence, kinds: Sequence[str], config: PrecursorsConfig
) -> list[dict[str, Any]]:
    """For each metric of suitable kind with no precursor, its strongest signal, and why it
    is not one."""
    best: dict[tuple[str, str], Any] = {}
    precursor_metrics = {
        (f.signal.service, f.signal.name) for f in evidence.findings if f.precursor
    }
    for finding in evidence.findings:
        key = (finding.signal.service, finding.signal.name)
        if key in precursor_metrics or (kinds and signal_kind(finding.signal.metric) not in kinds):
            continue
        if key not in best or finding.measurement.effect_size > best[key].measurement.effect_size:
            best[key] = finding
    found = []
    for (service, name), finding in sorted(best.items()):
        measured, signal = finding.measurement, finding.signal
        if math.isnan(measured.median_before) or math.isnan(measured.median_normal):
            continue
        phrase = feature_phrase(
            signal.metric, dict(signal.labels), signal.feature, signal.window_seconds
        )

        def shown(value: float, signal: Any = signal) -> str:
            return value_text(value, signal.metric, signal.feature)

        why = (
            (f"effect {measured.effect_size:.2f} < {config.min_effect:g} ([precursors] min_effect)")
            if measured.effect_size < config.min_effect
            else (f"p = {measured.p_value:.2g} > {config.max_p:g} ([precursors] max_p)")
        )
        found.append(
            {
                "service": service,
                "metric": name,
                "effect_size": measured.effect_size,
                "text": f"`{service}` {phrase}: {shown(measured.median_before)} before incidents, "
                f"{shown(measured.median_normal)} in normal windows at the same time of "
                f"day — everyday variation, not a precursor ({why})",
            }
        )
    return found


def _levels_of(
    evidence: ServiceEvidence | None, service: str | None, kind: str, word: str = ""
) -> Levels | None:
    if evidence is None or service is None:
        return None
    for levels in evidence.levels:
        if (
            levels.service == service
            and signal_kind(levels.metric) == kind
            and word in levels.metric.casefold()
        ):
            return levels
    return None


# -- drafts ---------------------------------------------------------------------------------------


def _draft_evidence(
    adaptation: str,
    pattern: PatternSummary,
    service: str,
    evidence: ServiceEvidence | None,
    learned: LearnedTrigger | None,
    dependency: DependencyEvidence | None,
    config: RulesConfig,
    precursors: PrecursorsConfig,
) -> dict[str, Any]:
    kinds = PREFERRED_SIGNALS.get(adaptation, ())
    found: dict[str, Any] = {
        "series": _series_note(evidence, service, dependency),
        "dependency": dependency.as_dict() if dependency else None,
        "precursor": None,
        "trigger": None,
        "backtest": None,
        "levels": None,
        "assumptions": [],
        "not_precursors": [],
    }
    horizon = int(precursors.horizon.total_seconds())
    if learned is not None:
        found["precursor"] = _precursor(learned, horizon)
        found["trigger"] = {
            "text": "Threshold and window learned from the series: the ones that fire before "
            "the most incidents at most "
            f"{times_a_week(precursors.target_false_alarms)} in normal time "
            "([precursors] target_false_alarms); on the data they were learned from, "
            f"it {rates_text(learned.in_sample)}."
        }
        found["backtest"] = {
            "in_sample": _backtest(learned.in_sample),
            "held_out": _backtest(learned.held_out),
            "text": f"Backtest, held out by time ({precursors.folds} blocks, each judged by a "
            f"trigger learned without it): it {rates_text(learned.held_out)}.",
        }
    elif kinds:
        found["precursor"] = (
            _at_incident(pattern.precursors, kinds)
            if not (evidence and evidence.has_series)
            else None
        )
        if evidence is not None and evidence.has_series and adaptation in TRIGGERED:
            found["trigger"] = {"text": _no_trigger(evidence, kinds, precursors)}
    if evidence is not None and evidence.has_series and kinds:
        found["not_precursors"] = _not_precursors(evidence, kinds, precursors)[:3]
    return found


def _no_trigger(evidence: ServiceEvidence, kinds: Sequence[str], config: PrecursorsConfig) -> str:
    wanted = " or ".join(kinds)
    if not any(signal_kind(s.split(":", 1)[1]) in kinds for s in evidence.series):
        return f"No trigger: none of these series is a {wanted} signal."
    return (
        f"No trigger: no {wanted} signal of these series differs before the incidents "
        "from normal time in a way that fires before them at most "
        f"{times_a_week(config.target_false_alarms)}."
    )


def _prevention(
    adaptation: str, learned: LearnedTrigger | None, config: RulesConfig
) -> dict[str, Any]:
    if learned is not None and learned.held_out.incidents:
        share = learned.held_out.caught / learned.held_out.incidents
        return {"share": round(share, 3), "source": "held-out backtest", "key": None}
    return {
        "share": config.assumed_prevention,
        "source": "assumed",
        "key": "rules.assumed_prevention",
    }


def _fit(adaptation: str, learned: LearnedTrigger | None, sized: bool, at_incident: bool) -> int:
    if learned is not None:
        first = PREFERRED_SIGNALS.get(adaptation, ("",))[0]
        return 3 if signal_kind(learned.signal.metric) == "load" and first == "load" else 2
    if sized:
        return 2
    return 1 if at_incident else 0


def drafts_for(
    pattern: PatternSummary,
    briefs: Mapping[str, IncidentBrief],
    taxonomy: Taxonomy,
    evidence: Mapping[str, ServiceEvidence],
    config: RulesConfig,
    precursors: PrecursorsConfig,
) -> list[RuleDraft]:
    """Every rule one pattern argues for: per service it hit, per adaptation kind of its class;
    ``evidence`` is the series evidence by service (:func:`failearn.commands.evidence.gather`)."""
    kinds = taxonomy.adaptations_for(pattern.dominant_class)
    by_service: dict[str, list[IncidentBrief]] = {}
    for incident_id in pattern.incident_ids:
        brief = briefs.get(incident_id)
        if brief is not None:
            by_service.setdefault(brief.service, []).append(brief)
    drafts: list[RuleDraft] = []
    services = sorted(pattern.services.items(), key=lambda kv: (-kv[1], kv[0]))
    for service, count in services:
        mine = by_service.get(service, [])
        support = len(mine) if mine else count
        last = max((b.timestamp for b in mine), default=None)
        found = evidence.get(service)
        dependency = found.dependency if found is not None else choose_dependency(mine, service)
        for position, adaptation in enumerate(kinds):
            drafts.append(
                _draft(
                    pattern,
                    service,
                    adaptation,
                    position,
                    mine,
                    support,
                    last,
                    found,
                    dependency,
                    taxonomy,
                    config,
                    precursors,
                )
            )
    return drafts


def _draft(
    pattern: PatternSummary,
    service: str,
    adaptation: str,
    position: int,
    mine: Sequence[IncidentBrief],
    support: int,
    last: str | None,
    found: ServiceEvidence | None,
    dependency: DependencyEvidence | None,
    taxonomy: Taxonomy,
    config: RulesConfig,
    precursors: PrecursorsConfig,
) -> RuleDraft:
    learned = None
    if adaptation in TRIGGERED and found is not None and found.has_series:
        learned = found.trigger(PREFERRED_SIGNALS.get(adaptation, ()))
    trigger = trigger_from(learned) if learned is not None else None
    named = names_dependency(adaptation, taxonomy, pattern.dominant_class)
    evidence = _draft_evidence(
        adaptation, pattern, service, found, learned, dependency, config, precursors
    )
    if not named:
        evidence["dependency"] = None
    depends = dependency.name if dependency is not None else None
    if adaptation == "timeout-tuning":
        levels = _levels_of(found, depends, "latency")
        action, facts, assumed = timeout_sentence(service, dependency, levels, config)
    elif adaptation == "pool-resize":
        levels = _levels_of(found, service, "saturation", "pool")
        action, facts, assumed = pool_sentence(service, dependency, levels, config)
    else:
        action = action_text(
            adaptation,
            service,
            depends if named else None,
            trigger,
            taxonomy,
            pattern.dominant_class,
        )
        facts, assumed = None, []
    evidence["levels"] = facts
    prevention = _prevention(adaptation, learned, config)
    if prevention["source"] == "assumed":
        assumed.append(
            assumption(
                f"it prevents {prevention['share'] * 100:.0f} % of the "
                "pattern's incidents (no trigger to replay)",
                "rules.assumed_prevention",
            )
        )
    evidence["assumptions"] = assumed
    evidence["prevention"] = prevention
    at_incident = bool(evidence["precursor"] and evidence["precursor"]["source"] == "at-incident")
    known = taxonomy.adaptations.get(adaptation)
    return RuleDraft(
        id=rule_id(pattern.pattern_id, adaptation, service),
        pattern_id=pattern.pattern_id,
        pattern_label=pattern.label,
        pattern_status=pattern.status,
        service=service,
        failure_class=pattern.dominant_class,
        adaptation=adaptation,
        adaptation_name=known.name if known else adaptation,
        action=action,
        rationale=rationale_text(pattern, service, support, dependency if named else None),
        trigger=trigger,
        support=support,
        pattern_support=pattern.support,
        cohesion=pattern.cohesion,
        incident_ids=tuple(b.id for b in mine),
        last_matched_at=last,
        fit=_fit(adaptation, learned, facts is not None, at_incident),
        preference=position,
        precursors=pattern.precursors,
        evidence=evidence,
    )


def drafts_from_patterns(
    patterns: Sequence[PatternSummary],
    briefs: Mapping[str, IncidentBrief],
    taxonomy: Taxonomy,
    evidence: Mapping[tuple[str, str], ServiceEvidence],
    config: RulesConfig,
    precursors: PrecursorsConfig,
) -> list[RuleDraft]:
    """Rule drafts for every pattern, ordered by pattern then service support then kind."""
    drafts: list[RuleDraft] = []
    for pattern in patterns:
        mine = {
            service: found
            for (pattern_id, service), found in evidence.items()
            if pattern_id == pattern.pattern_id
        }
        drafts.extend(drafts_for(pattern, briefs, taxonomy, mine, config, precursors))
    return drafts
