"""Rules from patterns: the taxonomy's adaptation kinds made concrete by the evidence.

For every pattern, every service it hit and every adaptation kind the taxonomy
lists for the pattern's dominant class (:meth:`Taxonomy.adaptations_for`), one
:class:`RuleDraft`.  Its id is stable: the same pattern, adaptation kind and
service give the same id every week (:func:`rule_id`).  The evidence makes it
concrete:

* the **trigger**: the precursor signal that suits the adaptation (a load signal
  such as request volume for pre-emptive scaling, a latency signal for a timeout
  or a circuit breaker), with a threshold between the pattern's median and the
  others' ("rises more than 2 %");
* the **dependency** most of the service's incidents in the pattern name;
* the **incidents**, support and cohesion, in the rationale.

``fit`` ranks the adaptations of one pattern and service: 3 when a trigger-driven
adaptation has a leading (load) signal to act on before the failure, 2 when the
adaptation has a signal of its preferred kind, 0 without; ``preference`` is the
adaptation's position in the taxonomy's list.
"""

from __future__ import annotations

import hashlib
import math
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from failearn.suggest.model import IncidentBrief, PatternEvidence, RuleDraft, Signal, Trigger
from failearn.taxonomy import Taxonomy
from failearn.timeutil import format_duration

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


def is_change_metric(metric: str) -> bool:
    return "change" in metric.casefold() or "delta" in metric.casefold()


def metric_phrase(metric: str) -> tuple[str, str]:
    """A metric's name as words, and its unit: ``request_volume_change_pct`` → request volume, %."""
    words = metric.casefold().split("_")
    unit = ""
    if words and words[-1] in ("pct", "percent"):
        unit, words = " %", words[:-1]
    elif words and words[-1] == "ms":
        unit, words = " ms", words[:-1]
    words = [w for w in words if w not in ("change", "delta")]
    return " ".join(words) or metric, unit


def format_number(value: float) -> str:
    """A number as people write it: 2.1, 0.98, 3150, 0."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    digits = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _round_significant(value: float, figures: int, rounding: str) -> float:
    if value == 0:
        return 0.0
    exponent = math.floor(math.log10(abs(value))) - figures + 1
    quantum = Decimal(1).scaleb(exponent)
    return float(Decimal(repr(value)).quantize(quantum, rounding=rounding))


def trigger_threshold(median_in_pattern: float, median_rest: float, direction: str) -> float:
    """A round threshold near the pattern's median, still beyond the others' median.

    Rising signals round down (2.1 → 2), falling ones up, to one significant
    figure when that stays beyond the rest's median, else two, else the median.
    """
    higher = direction == "higher"
    rounding = ROUND_FLOOR if higher else ROUND_CEILING
    for figures in (1, 2):
        candidate = _round_significant(median_in_pattern, figures, rounding)
        if (candidate > median_rest) if higher else (candidate < median_rest):
            return candidate
    return median_in_pattern


def choose_trigger(adaptation: str, precursors: Sequence[Signal],
                   window: timedelta) -> Trigger | None:
    """The precursor an adaptation should watch, or None when none suits it."""
    preferred = PREFERRED_SIGNALS.get(adaptation, ())
    for kind in preferred:
        for signal in precursors:
            if signal_kind(signal.metric) == kind:
                threshold = trigger_threshold(signal.median_in_pattern, signal.median_rest,
                                              signal.direction)
                seconds = int(window.total_seconds()) if is_change_metric(signal.metric) \
                    else None
                return Trigger(signal.metric, signal.direction, threshold, seconds,
                               signal.median_in_pattern, signal.median_rest,
                               signal.effect_size, signal.support, kind)
    return None


def trigger_clause(trigger: Trigger, service: str) -> str:
    """"request volume to `checkout` rises more than 2 % within 10 minutes"."""
    phrase, unit = metric_phrase(trigger.metric)
    preposition = "to" if trigger.kind == "load" else "on"
    change = is_change_metric(trigger.metric)
    value = format_number(abs(trigger.threshold) if change else trigger.threshold)
    if trigger.direction == "higher":
        verb = "rises more than" if change else "exceeds"
    else:
        verb = "falls more than" if change else "falls below"
    clause = f"{phrase} {preposition} `{service}` {verb} {value}{unit}"
    if trigger.window_seconds:
        clause += f" within {_duration_words(trigger.window_seconds)}"
    return clause


def _duration_words(seconds: int) -> str:
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return format_duration(timedelta(seconds=seconds))


def signal_text(signal: Signal | Trigger) -> str:
    """"request volume +2.1 % in these incidents against 0 % in the others (effect 0.95)"."""
    phrase, unit = metric_phrase(signal.metric)
    change = is_change_metric(signal.metric)

    def shown(value: float) -> str:
        sign = "+" if change and value > 0 else ""
        return f"{sign}{format_number(value)}{unit}"

    return (f"{phrase} {shown(signal.median_in_pattern)} (median) in these incidents against "
            f"{shown(signal.median_rest)} in the others (effect {signal.effect_size:.2f}, "
            f"{signal.support} incidents)")


def _scale_phrase(taxonomy: Taxonomy, failure_class: str) -> str:
    for ancestor in taxonomy.lineage(failure_class) or [failure_class]:
        if ancestor in _SCALE_PHRASES:
            return _SCALE_PHRASES[ancestor]
    return "add capacity before it runs out"


def action_text(adaptation: str, service: str, dependency: str | None, trigger: Trigger | None,
                taxonomy: Taxonomy, failure_class: str) -> str:
    """The suggestion as one imperative sentence."""
    s = f"`{service}`"
    d = f"`{dependency}`" if dependency else "its failing dependency"
    when = f"When {trigger_clause(trigger, service)}, " if trigger else ""
    if adaptation == "pre-emptive-scaling":
        if trigger:
            return f"{when}{_scale_phrase(taxonomy, failure_class)}."
        return f"Scale {s} pre-emptively: {_scale_phrase(taxonomy, failure_class)}."
    if adaptation == "pool-resize":
        target = f" for calls to {d}" if dependency else ""
        reached = ""
        if trigger:
            phrase, unit = metric_phrase(trigger.metric)
            reached = (f" ({phrase} reached {format_number(trigger.median_in_pattern)}{unit} "
                       f"in these incidents)")
        return f"Resize the connection pool of {s}{target} to the load it sees at peak{reached}."
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
    if adaptation == "timeout-tuning":
        target = f" for calls to {d}" if dependency else ""
        seen = ""
        if trigger:
            phrase, unit = metric_phrase(trigger.metric)
            seen = (f" ({phrase} {format_number(trigger.median_in_pattern)}{unit} in these "
                    "incidents)")
        return f"Align {s}'s timeout{target} with the dependency's real latency{seen}."
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
                   trigger: Trigger | None) -> str:
    first, last = pattern.first_seen[:10], pattern.last_seen[:10]
    others = pattern.support - support
    text = (f"{support} incident{'s' if support != 1 else ''} of `{service}` in pattern "
            f"{pattern.pattern_id} \u201c{pattern.label}\u201d ({pattern.status}; "
            f"{first} to {last}")
    if others:
        text += f"; {others} more on other services"
    text += f"), cohesion {pattern.cohesion:.2f}."
    if trigger:
        text += f" Precursor: {signal_text(trigger)}."
    elif pattern.precursors:
        text += f" Precursor: {signal_text(pattern.precursors[0])}."
    return text


def _dependency(briefs: Sequence[IncidentBrief], service: str) -> str | None:
    counts: Counter[str] = Counter()
    for brief in briefs:
        counts.update(d for d in set(brief.dependencies) if d != service)
    if not counts:
        return None
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]


def drafts_for(pattern: PatternEvidence, briefs: Mapping[str, IncidentBrief],
               taxonomy: Taxonomy, trigger_window: timedelta) -> list[RuleDraft]:
    """Every rule one pattern argues for: per service it hit, per adaptation kind of its class."""
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
        incident_ids = tuple(b.id for b in mine) or ()
        support = len(mine) if mine else count
        last = max((b.timestamp for b in mine), default=None)
        dependency = _dependency(mine, service)
        for position, adaptation in enumerate(kinds):
            trigger = choose_trigger(adaptation, pattern.precursors, trigger_window)
            fit = 0 if trigger is None else 3 if trigger.kind == "load" and \
                PREFERRED_SIGNALS.get(adaptation, ("",))[0] == "load" else 2
            known = taxonomy.adaptations.get(adaptation)
            drafts.append(RuleDraft(
                id=rule_id(pattern.pattern_id, adaptation, service),
                pattern_id=pattern.pattern_id, pattern_label=pattern.label,
                pattern_status=pattern.status, service=service,
                failure_class=pattern.dominant_class, adaptation=adaptation,
                adaptation_name=known.name if known else adaptation,
                action=action_text(adaptation, service, dependency, trigger, taxonomy,
                                   pattern.dominant_class),
                rationale=rationale_text(pattern, service, support, trigger),
                trigger=trigger, support=support, pattern_support=pattern.support,
                cohesion=pattern.cohesion, incident_ids=incident_ids, last_matched_at=last,
                fit=fit, preference=position, precursors=pattern.precursors))
    return drafts


def drafts_from_patterns(patterns: Sequence[PatternEvidence],
                         briefs: Mapping[str, IncidentBrief], taxonomy: Taxonomy,
                         trigger_window: timedelta) -> list[RuleDraft]:
    """Rule drafts for every pattern, ordered by pattern then service support then kind."""
    drafts: list[RuleDraft] = []
    for pattern in patterns:
        drafts.extend(drafts_for(pattern, briefs, taxonomy, trigger_window))
    return drafts
