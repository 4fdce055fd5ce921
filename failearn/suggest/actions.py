"""The suggestion as sentences: what to do, worded from the figures that back it.

:func:`action_text` words every adaptation kind, with its trigger when it has
one; :func:`timeout_sentence` and :func:`pool_sentence` word a timeout and a
pool size from the levels measured in normal time, before and during the
incidents (:class:`~failearn.suggest.series_evidence.Levels`), with the
assumption they rest on; :func:`rationale_text` the pattern and the dependency.
"""

from __future__ import annotations

import math
from typing import Any

from failearn.analysis.model import PatternSummary
from failearn.config import RulesConfig
from failearn.suggest.dependency import DependencyEvidence
from failearn.suggest.model import Trigger
from failearn.suggest.series_evidence import Levels
from failearn.suggest.wording import (
    assumption,
    format_number,
    metric_phrase,
    trigger_clause,
)
from failearn.taxonomy.file import Taxonomy

# What scaling adds, by failure class (the nearest listed ancestor wins).
_SCALE_PHRASES: dict[str, str] = {
    "connection-pool-exhaustion": "scale the pool before it exhausts",
    "memory-exhaustion": "add memory or replicas before it runs out",
    "resource-exhaustion": "add capacity before the resource runs out",
    "capacity-overload": "add capacity before it saturates",
}


def scale_phrase(taxonomy: Taxonomy, failure_class: str) -> str:
    for ancestor in taxonomy.lineage(failure_class) or [failure_class]:
        if ancestor in _SCALE_PHRASES:
            return _SCALE_PHRASES[ancestor]
    return "add capacity before it runs out"


def levels_dict(levels: Levels) -> dict[str, Any]:
    return {
        "service": levels.service,
        "metric": levels.metric,
        "labels": dict(levels.labels),
        "normal_median": levels.median,
        "normal_p95": levels.p95,
        "normal_p99": levels.p99,
        "before": levels.before,
        "during": levels.during,
        "incidents": levels.incidents,
    }


def nice_ceiling(value: float) -> float:
    """Up to two significant figures: 463 → 470, 0.234 → 0.24."""
    if value <= 0 or not math.isfinite(value):
        return value
    step = 10.0 ** (math.floor(math.log10(value)) - 1)
    return float(round(math.ceil(value / step - 1e-9) * step, 10))


def timeout_sentence(
    service: str, dependency: DependencyEvidence | None, levels: Levels | None, config: RulesConfig
) -> tuple[str, dict[str, Any] | None, list[dict[str, str]]]:
    s = f"`{service}`"
    target = f" for calls to `{dependency.name}`" if dependency else ""
    if levels is None:
        return (
            f"Align {s}'s timeout{target} with the dependency's latency in normal time "
            "(no latency series of it to measure that from).",
            None,
            [],
        )
    _, unit = metric_phrase(levels.metric)
    value = nice_ceiling(config.timeout_headroom * levels.p99)
    during = (
        ""
        if levels.during is None
        else f"; during these incidents it reached {format_number(levels.during)}{unit}"
    )
    text = (
        f"Set {s}'s timeout{target} to about {format_number(value)}{unit}: "
        f"{config.timeout_headroom:g} × `{levels.service}`'s {metric_phrase(levels.metric)[0]}"
        f" in normal time ({format_number(levels.p99)}{unit} at its 99th percentile, median "
        f"{format_number(levels.median)}{unit}{during}), so that a degraded dependency "
        "fails fast instead of holding callers."
    )
    facts = {**levels_dict(levels), "suggested_timeout": value}
    return (
        text,
        facts,
        [
            assumption(
                f"a timeout of {config.timeout_headroom:g} × the "
                "dependency's p99 latency in normal time",
                "rules.timeout_headroom",
            )
        ],
    )


def pool_sentence(
    service: str, dependency: DependencyEvidence | None, levels: Levels | None, config: RulesConfig
) -> tuple[str, dict[str, Any] | None, list[dict[str, str]]]:
    s = f"`{service}`"
    target = f" for calls to `{dependency.name}`" if dependency else ""
    if levels is None or levels.before is None:
        return (
            f"Resize the connection pool of {s}{target} to the load it sees at peak "
            "(no utilisation series of the pool to size it from).",
            None,
            [],
        )
    goal = config.pool_target_utilization
    grow = levels.before / goal - 1
    during = (
        ""
        if levels.during is None
        else f", {format_number(levels.during)}{' (saturated)' if levels.during >= 0.999 else ''} "
        "during"
    )
    seen = (
        f"its utilisation was {format_number(levels.median)} in normal time (p95 "
        f"{format_number(levels.p95)}), {format_number(levels.before)} at its highest in "
        f"the hour before these incidents{during}"
    )
    facts = {**levels_dict(levels), "target_utilization": goal, "grow_by": round(max(0.0, grow), 3)}
    assumed = [
        assumption(
            f"a pool sized so that its peak stays under {goal:g} utilisation",
            "rules.pool_target_utilization",
        )
    ]
    if grow <= 0:
        return (
            f"Resize the connection pool of {s}{target} only with care: {seen}, under "
            f"{goal:g} — its size is not what ran out.",
            facts,
            assumed,
        )
    saturated = " at least" if (levels.during or 0) >= 0.999 or levels.before >= 0.999 else ""
    return (
        f"Grow the connection pool of {s}{target} by{saturated} {math.ceil(grow * 100)} %: "
        f"{seen}; that keeps its peak under {goal:g}.",
        facts,
        assumed,
    )


# The sentence of each adaptation, as "When <trigger>, …" ends it and as it reads with no
# trigger; {s} is the service, {d} its dependency.
_SENTENCES: dict[str, tuple[str, str]] = {
    "circuit-breaker": (
        "open the circuit breaker from {s} to {d}, so callers fail fast instead of queueing.",
        "Open the circuit breaker from {s} to {d} sooner, so callers fail fast instead of "
        "queueing.",
    ),
    "reroute": (
        "reroute {s}'s calls around {d} while it is degraded.",
        "Reroute {s}'s calls around {d} while it is degraded.",
    ),
    "load-shedding": (
        "shed low-priority load on {s} to protect the critical path.",
        "Shed low-priority load on {s} early to protect the critical path.",
    ),
    "rate-limit": (
        "rate-limit the clients of {s}.",
        "Rate-limit the clients of {s} to the rate it can serve.",
    ),
    "failover": (
        "fail {s} over to standby capacity.",
        "Fail {s} over to standby capacity when it degrades.",
    ),
}
# Adaptations no trigger times: the same sentence either way ({to_d}: " to <dependency>"
# when there is one).
_STANDING: dict[str, str] = {
    "retry-cap": "Cap retries from {s}{to_d} (count and budget), so retries do not amplify "
    "the failure.",
    "deploy-guard": "Gate deployments of {s} on health signals and roll back automatically "
    "when they degrade.",
    "config-validation": "Validate configuration changes to {s} before they apply, and reject "
    "a change that fails instead of loading it.",
    "isolate": "Isolate {s} and rotate its credentials when this pattern recurs.",
}


def action_text(
    adaptation: str,
    service: str,
    dependency: str | None,
    trigger: Trigger | None,
    taxonomy: Taxonomy,
    failure_class: str,
) -> str:
    """The suggestion as one imperative sentence (for adaptations other than a timeout or a
    pool size, which :func:`_timeout` and :func:`_pool` word from their figures)."""
    d = f"`{dependency}`" if dependency else "its failing dependency"
    words = {"s": f"`{service}`", "d": d, "to_d": f" to {d}" if dependency else ""}
    when = f"When {trigger_clause(trigger, service)}, " if trigger else ""
    if adaptation == "pre-emptive-scaling":
        return _scaling_text(
            service, dependency, trigger, when, scale_phrase(taxonomy, failure_class)
        )
    if adaptation in _STANDING:
        return _STANDING[adaptation].format(**words)
    if adaptation in _SENTENCES:
        triggered, standing = _SENTENCES[adaptation]
        return when + triggered.format(**words) if trigger else standing.format(**words)
    known = taxonomy.adaptations.get(adaptation)
    name = known.name if known else adaptation.replace("-", " ")
    if trigger:
        return f"{when}{name[:1].lower()}{name[1:]} on `{service}`."
    return f"{name} on `{service}`."


def _scaling_text(
    service: str, dependency: str | None, trigger: Trigger | None, when: str, scale: str
) -> str:
    """Pre-emptive scaling, in the words the taxonomy gives the class's scaling (the pool
    named after its dependency); a trigger on another service names the one to scale."""
    if dependency and scale.startswith("scale the pool"):
        scale = scale.replace("the pool", f"the pool to `{dependency}`", 1)
    if trigger and trigger.service not in (None, service):
        return f"{when}scale `{service}`: {scale}."
    if trigger:
        return f"{when}{scale}."
    return f"Scale `{service}` pre-emptively: {scale}."


def rationale_text(
    pattern: PatternSummary, service: str, support: int, dependency: DependencyEvidence | None
) -> str:
    first, last = pattern.first_seen[:10], pattern.last_seen[:10]
    others = pattern.support - support
    text = (
        f"{support} incident{'s' if support != 1 else ''} of `{service}` in pattern "
        f"{pattern.pattern_id} \u201c{pattern.label}\u201d ({pattern.status}; "
        f"{first} to {last}"
    )
    if others:
        text += f"; {others} more on other services"
    text += f"), cohesion {pattern.cohesion:.2f}."
    if dependency is not None:
        text += f" Dependency: {dependency.text()}."
    return text
