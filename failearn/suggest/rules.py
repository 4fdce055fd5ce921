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

from failearn.config import PrecursorsConfig, RulesConfig
from failearn.suggest.dependency import DependencyEvidence, choose_dependency
from failearn.suggest.model import IncidentBrief, PatternEvidence, RuleDraft, Signal, Trigger
from failearn.suggest.series_evidence import LearnedTrigger, Levels, ServiceEvidence
from failearn.suggest.wording import (
    assumption,
    feature_phrase,
    format_number,
    listing,
    metric_phrase,
    normal_comparison,
    rates_text,
    signal_text,
    times_a_week,
    trigger_clause,
    value_text,
)
from failearn.taxonomy import Taxonomy

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
_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("latency", ("latency", "p99", "p95", "p90", "p50", "duration", "response_time")),
    ("errors", ("error", "fail", "5xx", "retry", "retries")),
    ("load", ("volume", "traffic", "request_rate", "rps", "qps", "throughput", "requests",
              "load")),
    ("saturation", ("utilization", "utilisation", "cpu", "memory", "pool", "queue", "disk",
                    "saturation", "connections", "threads")),
)
# What scaling adds, by failure class (the nearest listed ancestor wins).
_SCALE_PHRASES: dict[str, str] = {
    "connection-pool-exhaustion": "scale the pool before it exhausts",
    "memory-exhaustion": "add memory or replicas before it runs out",
    "resource-exhaustion": "add capacity before the resource runs out",
    "capacity-overload": "add capacity before it saturates",
}


def rule_id(pattern_id: str, adaptation: str, service: str) -> str:
    """The stable id of a rule: ``R-`` and ten hex digits of a hash of its three parts."""
    digest = hashlib.sha256(f"{pattern_id}\x1f{adaptation}\x1f{service}".encode()).hexdigest()
    return f"R-{digest[:10]}"


def signal_kind(metric: str) -> str:
    """``load``, ``saturation``, ``latency``, ``errors`` or ``other``, from the metric's name."""
    name = metric.casefold()
    for kind, words in _KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return "other"


# Adaptations that act when a signal fires (the others change a setting once).
TRIGGERED = ("pre-emptive-scaling", "load-shedding", "rate-limit", "circuit-breaker",
             "reroute", "failover")
USES_DEPENDENCY = ("pool-resize", "circuit-breaker", "timeout-tuning", "retry-cap", "reroute")


def names_dependency(adaptation: str, taxonomy: Taxonomy, failure_class: str) -> bool:
    """Whether an adaptation acts on a dependency (scaling does when it scales a pool)."""
    return adaptation in USES_DEPENDENCY or (
        adaptation == "pre-emptive-scaling"
        and _scale_phrase(taxonomy, failure_class).startswith("scale the pool"))


def _scale_phrase(taxonomy: Taxonomy, failure_class: str) -> str:
    for ancestor in taxonomy.lineage(failure_class) or [failure_class]:
        if ancestor in _SCALE_PHRASES:
            return _SCALE_PHRASES[ancestor]
    return "add capacity before it runs out"


# -- the trigger ----------------------------------------------------------------------------------


def trigger_from(learned: LearnedTrigger) -> Trigger:
    """The model's trigger from one learned from the series."""
    signal, measured, result = learned.signal, learned.measurement, learned.in_sample
    per_week = result.false_alarms_per_week
    return Trigger(
        metric=signal.metric, direction=learned.direction, threshold=learned.threshold,
        window_seconds=signal.window_seconds, median_in_pattern=measured.median_before,
        median_rest=measured.median_normal, effect_size=measured.effect_size,
        support=measured.incidents, kind=signal_kind(signal.metric), feature=signal.feature,
        service=signal.service, labels=dict(signal.labels), source="series",
        incidents=result.incidents, fires_before=result.caught,
        median_lead_seconds=result.median_lead,
        false_alarms_per_week=None if per_week is None else round(per_week, 3),
        normal_weeks=round(result.normal_seconds / 604800, 2),
        target_false_alarms=learned.target)


def _backtest(result: Any) -> dict[str, Any]:
    per_week = result.false_alarms_per_week
    return {"incidents": result.incidents, "fires_before": result.caught,
            "median_lead_seconds": result.median_lead, "false_alarms": result.false_alarms,
            "false_alarms_per_week": None if per_week is None else round(per_week, 3),
            "normal_weeks": round(result.normal_seconds / 604800, 2),
            "held_out": result.held_out, "text": rates_text(result)}


# -- the evidence, piece by piece -----------------------------------------------------------------


def _series_note(evidence: ServiceEvidence | None, service: str,
                 dependency: DependencyEvidence | None) -> dict[str, Any]:
    owners = f"`{service}`"
    if dependency is not None:
        owners += f" or its dependency `{dependency.name}`"
    if evidence is None or not evidence.has_series:
        return {"found": False, "series": [], "span": None, "incidents": 0, "covered": 0,
                "text": f"No metric series for {owners}: no precursor was measured against "
                        "normal time (ingest series, or `failearn metrics pull`)."}
    assert evidence.span is not None
    return {"found": True, "series": list(evidence.series), "span": list(evidence.span),
            "incidents": evidence.incidents, "covered": evidence.covered,
            "text": f"Series: {_series_words(evidence.series)}, from {evidence.span[0][:10]} "
                    f"to {evidence.span[1][:10]}; {evidence.covered} of the "
                    f"{evidence.incidents} incidents on `{service}` fall in them."}


def _series_words(series: Sequence[str]) -> str:
    """``checkout:a``, ``checkout:b`` → "`checkout` a, b"."""
    by_owner: dict[str, list[str]] = {}
    for item in series:
        owner, metric = item.split(":", 1)
        by_owner.setdefault(owner, []).append(metric)
    return "; ".join(f"`{owner}` {listing(metrics)}" for owner, metrics in by_owner.items())


def _precursor(learned: LearnedTrigger, horizon: int) -> dict[str, Any]:
    signal, measured = learned.signal, learned.measurement
    phrase = feature_phrase(signal.metric, dict(signal.labels), signal.feature,
                            signal.window_seconds)
    return {"source": "series", "service": signal.service, "metric": signal.metric,
            "labels": dict(signal.labels), "feature": signal.feature,
            "window_seconds": signal.window_seconds, "direction": measured.direction,
            "median_before": measured.median_before, "median_normal": measured.median_normal,
            "effect_size": measured.effect_size, "p_value": measured.p_value,
            "incidents": measured.incidents, "normal_windows": measured.controls,
            "text": "Precursor, against normal time: " + normal_comparison(
                signal.service, phrase, measured.median_before, measured.median_normal,
                measured.effect_size, measured.incidents, measured.controls, horizon,
                signal.metric, signal.feature) + "."}


def _at_incident(precursors: Sequence[Signal], kinds: Sequence[str]) -> dict[str, Any] | None:
    """The pattern's metrics at incident time that suit the adaptation (marked as such)."""
    suited = [p for kind in kinds for p in precursors if signal_kind(p.metric) == kind]
    if not suited:
        return None
    top = suited[0]
    return {"source": "at-incident", "metric": top.metric, "direction": top.direction,
            "median_before": None, "median_in_pattern": top.median_in_pattern,
            "median_rest": top.median_rest, "effect_size": top.effect_size,
            "incidents": top.support,
            "text": "At incident time only (compared with other incidents, not with normal "
                    f"time): {signal_text(top)}."}


def _not_precursors(evidence: ServiceEvidence, kinds: Sequence[str],
                    config: PrecursorsConfig) -> list[dict[str, Any]]:
    """For each metric of suitable kind with no precursor, its strongest signal, and why it
    is not one."""
    best: dict[tuple[str, str], Any] = {}
    precursor_metrics = {(f.signal.service, f.signal.name) for f in evidence.findings
                         if f.precursor}
    for finding in evidence.findings:
        key = (finding.signal.service, finding.signal.name)
        if key in precursor_metrics or (kinds and signal_kind(finding.signal.metric)
                                        not in kinds):
            continue
        if key not in best or finding.measurement.effect_size > \
                best[key].measurement.effect_size:
            best[key] = finding
    found = []
    for (service, name), finding in sorted(best.items()):
        measured, signal = finding.measurement, finding.signal
        if math.isnan(measured.median_before) or math.isnan(measured.median_normal):
            continue
        phrase = feature_phrase(signal.metric, dict(signal.labels), signal.feature,
                                signal.window_seconds)

        def shown(value: float, signal: Any = signal) -> str:
            return value_text(value, signal.metric, signal.feature)

        why = (f"effect {measured.effect_size:.2f} < {config.min_effect:g} ([precursors] "
               "min_effect)") if measured.effect_size < config.min_effect else (
            f"p = {measured.p_value:.2g} > {config.max_p:g} ([precursors] max_p)")
        found.append({
            "service": service, "metric": name, "effect_size": measured.effect_size,
            "text": f"`{service}` {phrase}: {shown(measured.median_before)} before incidents, "
                    f"{shown(measured.median_normal)} in normal windows at the same time of "
                    f"day — everyday variation, not a precursor ({why})"})
    return found


def _levels_of(evidence: ServiceEvidence | None, service: str | None, kind: str,
               word: str = "") -> Levels | None:
    if evidence is None or service is None:
        return None
    for levels in evidence.levels:
        if levels.service == service and signal_kind(levels.metric) == kind and \
                word in levels.metric.casefold():
            return levels
    return None


def _levels_dict(levels: Levels) -> dict[str, Any]:
    return {"service": levels.service, "metric": levels.metric, "labels": dict(levels.labels),
            "normal_median": levels.median, "normal_p95": levels.p95,
            "normal_p99": levels.p99, "before": levels.before, "during": levels.during,
            "incidents": levels.incidents}


def nice_ceiling(value: float) -> float:
    """Up to two significant figures: 463 → 470, 0.234 → 0.24."""
    if value <= 0 or not math.isfinite(value):
        return value
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return float(round(math.ceil(value / step - 1e-9) * step, 10))


# -- sentences ------------------------------------------------------------------------------------


def _timeout(service: str, dependency: DependencyEvidence | None, levels: Levels | None,
             config: RulesConfig) -> tuple[str, dict[str, Any] | None, list[dict[str, str]]]:
    s = f"`{service}`"
    target = f" for calls to `{dependency.name}`" if dependency else ""
    if levels is None:
        return (f"Align {s}'s timeout{target} with the dependency's latency in normal time "
                "(no latency series of it to measure that from).", None, [])
    _, unit = metric_phrase(levels.metric)
    value = nice_ceiling(config.timeout_headroom * levels.p99)
    during = "" if levels.during is None else \
        f"; during these incidents it reached {format_number(levels.during)}{unit}"
    text = (f"Set {s}'s timeout{target} to about {format_number(value)}{unit}: "
            f"{config.timeout_headroom:g} × `{levels.service}`'s {metric_phrase(levels.metric)[0]}"
            f" in normal time ({format_number(levels.p99)}{unit} at its 99th percentile, median "
            f"{format_number(levels.median)}{unit}{during}), so that a degraded dependency "
            "fails fast instead of holding callers.")
    facts = {**_levels_dict(levels), "suggested_timeout": value}
    return text, facts, [assumption(f"a timeout of {config.timeout_headroom:g} × the "
                                    "dependency's p99 latency in normal time",
                                    "rules.timeout_headroom")]


def _pool(service: str, dependency: DependencyEvidence | None, levels: Levels | None,
          config: RulesConfig) -> tuple[str, dict[str, Any] | None, list[dict[str, str]]]:
    s = f"`{service}`"
    target = f" for calls to `{dependency.name}`" if dependency else ""
    if levels is None or levels.before is None:
        return (f"Resize the connection pool of {s}{target} to the load it sees at peak "
                "(no utilisation series of the pool to size it from).", None, [])
    goal = config.pool_target_utilization
    grow = levels.before / goal - 1
    during = "" if levels.during is None else \
        f", {format_number(levels.during)}{' (saturated)' if levels.during >= 0.999 else ''} " \
        "during"
    seen = (f"its utilisation was {format_number(levels.median)} in normal time (p95 "
            f"{format_number(levels.p95)}), {format_number(levels.before)} at its highest in "
            f"the hour before these incidents{during}")
    facts = {**_levels_dict(levels), "target_utilization": goal,
             "grow_by": round(max(0.0, grow), 3)}
    assumed = [assumption(f"a pool sized so that its peak stays under {goal:g} utilisation",
                          "rules.pool_target_utilization")]
    if grow <= 0:
        return (f"Resize the connection pool of {s}{target} only with care: {seen}, under "
                f"{goal:g} — its size is not what ran out.", facts, assumed)
    saturated = " at least" if (levels.during or 0) >= 0.999 or levels.before >= 0.999 else ""
    return (f"Grow the connection pool of {s}{target} by{saturated} {math.ceil(grow * 100)} %: "
            f"{seen}; that keeps its peak under {goal:g}.", facts, assumed)


def action_text(adaptation: str, service: str, dependency: str | None, trigger: Trigger | None,
                taxonomy: Taxonomy, failure_class: str) -> str:
    """The suggestion as one imperative sentence (for adaptations other than a timeout or a
    pool size, which :func:`_timeout` and :func:`_pool` word from their figures)."""
    s = f"`{service}`"
    d = f"`{dependency}`" if dependency else "its failing dependency"
    when = f"When {trigger_clause(trigger, service)}, " if trigger else ""
    if adaptation == "pre-emptive-scaling":
        scale = _scale_phrase(taxonomy, failure_class)
        if dependency and scale.startswith("scale the pool"):
            scale = scale.replace("the pool", f"the pool to {d}", 1)
        if trigger and trigger.service not in (None, service):
            return f"{when}scale {s}: {scale}."
        if trigger:
            return f"{when}{scale}."
        return f"Scale {s} pre-emptively: {scale}."
    if adaptation == "circuit-breaker":
        return (f"{when}open the circuit breaker from {s} to {d}, so callers fail fast "
                "instead of queueing." if trigger else
                f"Open the circuit breaker from {s} to {d} sooner, so callers fail fast "
                "instead of queueing.")
    if adaptation == "reroute":
        return f"{when}reroute {s}'s calls around {d} while it is degraded." if trigger else \
            f"Reroute {s}'s calls around {d} while it is degraded."
    if adaptation == "retry-cap":
        target = f" to {d}" if dependency else ""
        return (f"Cap retries from {s}{target} (count and budget), so retries do not "
                "amplify the failure.")
    if adaptation == "load-shedding":
        if trigger:
            return f"{when}shed low-priority load on {s} to protect the critical path."
        return f"Shed low-priority load on {s} early to protect the critical path."
    if adaptation == "rate-limit":
        return f"{when}rate-limit the clients of {s}." if trigger else \
            f"Rate-limit the clients of {s} to the rate it can serve."
    if adaptation == "failover":
        return f"{when}fail {s} over to standby capacity." if trigger else \
            f"Fail {s} over to standby capacity when it degrades."
    if adaptation == "deploy-guard":
        return (f"Gate deployments of {s} on health signals and roll back automatically "
                "when they degrade.")
    if adaptation == "config-validation":
        return (f"Validate configuration changes to {s} before they apply, and reject a change "
                "that fails instead of loading it.")
    if adaptation == "isolate":
        return f"Isolate {s} and rotate its credentials when this pattern recurs."
    known = taxonomy.adaptations.get(adaptation)
    name = known.name if known else adaptation.replace("-", " ")
    if trigger:
        return f"{when}{name[:1].lower()}{name[1:]} on {s}."
    return f"{name} on {s}."


def rationale_text(pattern: PatternEvidence, service: str, support: int,
                   dependency: DependencyEvidence | None) -> str:
    first, last = pattern.first_seen[:10], pattern.last_seen[:10]
    others = pattern.support - support
    text = (f"{support} incident{'s' if support != 1 else ''} of `{service}` in pattern "
            f"{pattern.pattern_id} \u201c{pattern.label}\u201d ({pattern.status}; "
            f"{first} to {last}")
    if others:
        text += f"; {others} more on other services"
    text += f"), cohesion {pattern.cohesion:.2f}."
    if dependency is not None:
        text += f" Dependency: {dependency.text()}."
    return text


# -- drafts ---------------------------------------------------------------------------------------


def _draft_evidence(adaptation: str, pattern: PatternEvidence, service: str,
                    evidence: ServiceEvidence | None, learned: LearnedTrigger | None,
                    dependency: DependencyEvidence | None, config: RulesConfig,
                    precursors: PrecursorsConfig) -> dict[str, Any]:
    kinds = PREFERRED_SIGNALS.get(adaptation, ())
    found: dict[str, Any] = {"series": _series_note(evidence, service, dependency),
                             "dependency": dependency.as_dict() if dependency else None,
                             "precursor": None, "trigger": None, "backtest": None,
                             "levels": None, "assumptions": [], "not_precursors": []}
    horizon = int(precursors.horizon.total_seconds())
    if learned is not None:
        found["precursor"] = _precursor(learned, horizon)
        found["trigger"] = {
            "text": "Threshold and window learned from the series: the ones that fire before "
                    "the most incidents at most "
                    f"{times_a_week(precursors.target_false_alarms)} in normal time "
                    "([precursors] target_false_alarms); on the data they were learned from, "
                    f"it {rates_text(learned.in_sample)}."}
        found["backtest"] = {
            "in_sample": _backtest(learned.in_sample), "held_out": _backtest(learned.held_out),
            "text": f"Backtest, held out by time ({precursors.folds} blocks, each judged by a "
                    f"trigger learned without it): it {rates_text(learned.held_out)}."}
    elif kinds:
        found["precursor"] = _at_incident(pattern.precursors, kinds) if not (
            evidence and evidence.has_series) else None
        if evidence is not None and evidence.has_series and adaptation in TRIGGERED:
            found["trigger"] = {"text": _no_trigger(evidence, kinds, precursors)}
    if evidence is not None and evidence.has_series and kinds:
        found["not_precursors"] = _not_precursors(evidence, kinds, precursors)[:3]
    return found


def _no_trigger(evidence: ServiceEvidence, kinds: Sequence[str],
                config: PrecursorsConfig) -> str:
    wanted = " or ".join(kinds)
    if not any(signal_kind(s.split(":", 1)[1]) in kinds for s in evidence.series):
        return f"No trigger: none of these series is a {wanted} signal."
    return (f"No trigger: no {wanted} signal of these series differs before the incidents "
            "from normal time in a way that fires before them at most "
            f"{times_a_week(config.target_false_alarms)}.")


def _prevention(adaptation: str, learned: LearnedTrigger | None,
                config: RulesConfig) -> dict[str, Any]:
    if learned is not None and learned.held_out.incidents:
        share = learned.held_out.caught / learned.held_out.incidents
        return {"share": round(share, 3), "source": "held-out backtest", "key": None}
    return {"share": config.assumed_prevention, "source": "assumed",
            "key": "rules.assumed_prevention"}


def _fit(adaptation: str, learned: LearnedTrigger | None, sized: bool,
         at_incident: bool) -> int:
    if learned is not None:
        first = PREFERRED_SIGNALS.get(adaptation, ("",))[0]
        return 3 if signal_kind(learned.signal.metric) == "load" and first == "load" else 2
    if sized:
        return 2
    return 1 if at_incident else 0


def drafts_for(pattern: PatternEvidence, briefs: Mapping[str, IncidentBrief],
               taxonomy: Taxonomy, evidence: Mapping[str, ServiceEvidence],
               config: RulesConfig, precursors: PrecursorsConfig) -> list[RuleDraft]:
    """Every rule one pattern argues for: per service it hit, per adaptation kind of its class;
    ``evidence`` is the series evidence by service (:func:`failearn.evidence.gather`)."""
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
            drafts.append(_draft(pattern, service, adaptation, position, mine, support, last,
                                 found, dependency, taxonomy, config, precursors))
    return drafts


def _draft(pattern: PatternEvidence, service: str, adaptation: str, position: int,
           mine: Sequence[IncidentBrief], support: int, last: str | None,
           found: ServiceEvidence | None, dependency: DependencyEvidence | None,
           taxonomy: Taxonomy, config: RulesConfig,
           precursors: PrecursorsConfig) -> RuleDraft:
    learned = None
    if adaptation in TRIGGERED and found is not None and found.has_series:
        learned = found.trigger(PREFERRED_SIGNALS.get(adaptation, ()))
    trigger = trigger_from(learned) if learned is not None else None
    named = names_dependency(adaptation, taxonomy, pattern.dominant_class)
    evidence = _draft_evidence(adaptation, pattern, service, found, learned, dependency,
                               config, precursors)
    if not named:
        evidence["dependency"] = None
    depends = dependency.name if dependency is not None else None
    if adaptation == "timeout-tuning":
        levels = _levels_of(found, depends, "latency")
        action, facts, assumed = _timeout(service, dependency, levels, config)
    elif adaptation == "pool-resize":
        levels = _levels_of(found, service, "saturation", "pool")
        action, facts, assumed = _pool(service, dependency, levels, config)
    else:
        action = action_text(adaptation, service, depends if named else None, trigger,
                             taxonomy, pattern.dominant_class)
        facts, assumed = None, []
    evidence["levels"] = facts
    prevention = _prevention(adaptation, learned, config)
    if prevention["source"] == "assumed":
        assumed.append(assumption(f"it prevents {prevention['share'] * 100:.0f} % of the "
                                  "pattern's incidents (no trigger to replay)",
                                  "rules.assumed_prevention"))
    evidence["assumptions"] = assumed
    evidence["prevention"] = prevention
    at_incident = bool(evidence["precursor"] and evidence["precursor"]["source"] ==
                       "at-incident")
    known = taxonomy.adaptations.get(adaptation)
    return RuleDraft(
        id=rule_id(pattern.pattern_id, adaptation, service), pattern_id=pattern.pattern_id,
        pattern_label=pattern.label, pattern_status=pattern.status, service=service,
        failure_class=pattern.dominant_class, adaptation=adaptation,
        adaptation_name=known.name if known else adaptation, action=action,
        rationale=rationale_text(pattern, service, support, dependency if named else None),
        trigger=trigger, support=support, pattern_support=pattern.support,
        cohesion=pattern.cohesion, incident_ids=tuple(b.id for b in mine), last_matched_at=last,
        fit=_fit(adaptation, learned, facts is not None, at_incident), preference=position,
        precursors=pattern.precursors, evidence=evidence)


def drafts_from_patterns(patterns: Sequence[PatternEvidence],
                         briefs: Mapping[str, IncidentBrief], taxonomy: Taxonomy,
                         evidence: Mapping[tuple[str, str], ServiceEvidence],
                         config: RulesConfig, precursors: PrecursorsConfig) -> list[RuleDraft]:
    """Rule drafts for every pattern, ordered by pattern then service support then kind."""
    drafts: list[RuleDraft] = []
    for pattern in patterns:
        mine = {service: found for (pattern_id, service), found in evidence.items()
                if pattern_id == pattern.pattern_id}
        drafts.extend(drafts_for(pattern, briefs, taxonomy, mine, config, precursors))
    return drafts
