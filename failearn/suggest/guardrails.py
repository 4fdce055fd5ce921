"""The guardrails of the weekly report as pure checks, and the choice of this week's suggestions.

* **minimum support**: a rule needs ``min_support`` incidents (3) before it is
  suggested; fewer is usually noise.
* **cooldown**: a service that had an adaptation (a rule applied or reverted) less
  than ``cooldown`` (30 minutes) ago gets no other one; ``rules apply`` is refused
  unless forced, and suggestions for it wait.  A rule reverted less than its
  cooldown after it was applied is flagged for review.
* **circuit breaker**: more than ``max_active_rules`` (10) accepted or applied
  rules on one service switch automatic adaptation off for that service; the
  report says so first.
* **stale rules**: confidence decays to zero over ``ttl`` (30 days) without a
  matching incident, then the rule is archived.
* **override rate**: above ``override_warning`` (30 %) of reviewed suggestions
  rejected, the analysis is too sensitive: the report warns and names the
  threshold to raise.  Not before ``override_min_reviews`` (10) reviews: one
  rejection out of three is no trend.
* **rejected before**: an adaptation people rejected for a pattern is not
  suggested again for it (on another service either) until the rejected rule's
  evidence changes (:mod:`failearn.suggest.memory`).
* **budget**: at most ``budget`` (3) suggestions, one per pattern and one per
  action on a service (the same adaptation of the same service is not asked
  for twice), spent in order of :func:`priority` (the expected benefit:
  severity-weighted incidents a week the rule would prevent).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from failearn.config import RulesConfig
from failearn.suggest.model import RuleView
from failearn.timeutil import format_duration, from_iso

SUPPRESSION_REASONS = (
    "below-support",
    "low-confidence",
    "rejected-before",
    "circuit-breaker",
    "cooldown",
    "same-pattern",
    "same-action",
    "over-budget",
)


@dataclass(frozen=True, slots=True)
class Adaptation:
    """One applied or reverted rule on a service."""

    rule_id: str
    service: str
    event: str
    at: str


def in_cooldown(last_adaptation_at: str | None, at: datetime, cooldown: timedelta) -> bool:
    """True when the last adaptation on a service was less than ``cooldown`` before ``at``."""
    if last_adaptation_at is None:
        return False
    elapsed = at - from_iso(last_adaptation_at)
    return timedelta(0) <= elapsed < cooldown


def cooldown_until(last_adaptation_at: str, cooldown: timedelta) -> datetime:
    return from_iso(last_adaptation_at) + cooldown


def breaker_open(active_rules: int, max_active_rules: int) -> bool:
    """Automatic adaptation is off for a service with more than ``max_active_rules``."""
    return active_rules > max_active_rules


def is_stale(last_matched_at: str | None, at: datetime, ttl: timedelta) -> bool:
    """No matching incident for the whole TTL (confidence has decayed to zero)."""
    return last_matched_at is None or at - from_iso(last_matched_at) >= ttl


def is_decaying(last_matched_at: str | None, at: datetime, ttl: timedelta) -> bool:
    """Half the TTL has passed without a matching incident."""
    return last_matched_at is None or at - from_iso(last_matched_at) >= ttl / 2


def decayed_while_registered(
    created_at: str | None, last_matched_at: str | None, at: datetime, ttl: timedelta
) -> bool:
    """The rule's confidence fell past half while it was in the registry: it was created
    before half the TTL after its last matching incident, and that point has passed.  A
    rule created already past it was born weak; it did not decay."""
    if created_at is None or last_matched_at is None:
        return False
    halfway = from_iso(last_matched_at) + ttl / 2
    return from_iso(created_at) < halfway <= at


@dataclass(frozen=True, slots=True)
class OverrideRate:
    """Reviewed suggestions (each rule's latest decision in the window) and the rejected share."""

    reviewed: int
    rejected: int
    threshold: float
    warning: bool
    hint: str | None
    min_reviews: int = 0

    @property
    def rate(self) -> float | None:
        return None if self.reviewed == 0 else self.rejected / self.reviewed


def override_rate(decisions: Sequence[tuple[str, int]], config: RulesConfig) -> OverrideRate:
    """The override rate over ``(decision, support)`` pairs, and which threshold to raise.

    The share is compared exactly (3 of 10 is 30 %, not above it), and only from
    ``override_min_reviews`` reviews on.  The hint names the smallest
    ``min_support`` that would have kept the rejected share of the reviewed rules
    at or under the warning level, when one exists.
    """
    reviewed = len(decisions)
    rejected = sum(1 for decision, _ in decisions if decision == "rejected")
    limit = Fraction(str(config.override_warning))
    warning = (
        reviewed >= max(1, config.override_min_reviews) and Fraction(rejected, reviewed) > limit
    )
    hint = None
    if warning:
        proposal = None
        for level in sorted({support for _, support in decisions}):
            if level <= config.min_support:
                continue
            kept = [d for d, support in decisions if support >= level]
            if kept and Fraction(sum(d == "rejected" for d in kept), len(kept)) <= limit:
                proposal = level
                break
        if proposal is not None:
            hint = (
                f"raise [rules] min_support from {config.min_support} to {proposal} "
                f"(--min-support {proposal}): the rejected suggestions had less support "
                "than the accepted ones"
            )
        else:
            proposal_conf = round(min(0.9, config.min_confidence + 0.1), 2)
            hint = (
                f"raise [rules] min_confidence from {config.min_confidence:g} to "
                f"{proposal_conf:g} (--min-confidence {proposal_conf:g}), or "
                f"[rules] min_support above {config.min_support}"
            )
    return OverrideRate(
        reviewed, rejected, config.override_warning, warning, hint, config.override_min_reviews
    )


@dataclass(frozen=True, slots=True)
class Suppressed:
    rule: RuleView
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Choice:
    suggestions: tuple[RuleView, ...]
    suppressed: tuple[Suppressed, ...]


UNKNOWN_SEVERITY_WEIGHT = 0.5


def severity_weight(severities: Iterable[str | None], scale: Sequence[str]) -> float:
    """The mean weight of incidents' severities: the most severe level of the scale weighs 1,
    each level below it one step less (SEV1 1.0, SEV2 0.8 … SEV5 0.2); unknown weighs 0.5."""
    position = {level: i for i, level in enumerate(scale)}
    weights = [
        UNKNOWN_SEVERITY_WEIGHT if s not in position else 1.0 - position[s] / max(1, len(scale))
        for s in severities
    ]
    return sum(weights) / len(weights) if weights else UNKNOWN_SEVERITY_WEIGHT


def priority(rule: RuleView) -> float:
    """What the budget is spent on: the expected benefit, in severity-weighted incidents
    prevented a week — the pattern's recent weekly rate on the rule's service
    (``weekly_rate``: a growing pattern's is high, a fading one's low) × the severity weight
    of its incidents × the share the rule would prevent (``prevention``: its held-out
    backtest, or an assumption) × the confidence that the rule is right."""
    return (
        rule.confidence
        * float(rule.extra.get("severity_weight", UNKNOWN_SEVERITY_WEIGHT))
        * float(rule.extra.get("weekly_rate", 1.0))
        * float(rule.extra.get("prevention", 1.0))
    )


def rank_key(rule: RuleView) -> tuple[float, float, int, int, int, str]:
    """Higher priority first, then confidence, the better-fitting adaptation, the taxonomy's
    order, more support, and the id."""
    return (
        -round(priority(rule), 6),
        -round(rule.confidence, 6),
        -int(rule.extra.get("fit", 0)),
        int(rule.extra.get("preference", 0)),
        -rule.support,
        rule.id,
    )


_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _change(rule: RuleView) -> tuple[str, str, str]:
    """What a rule asks for, whatever evidence it quotes: its service, adaptation and action
    with the numbers of its prose masked; names in backticks are kept whole (a breaker to
    `db-1` and one to `db-2` are two changes)."""
    parts = rule.action.split("`")
    return (
        rule.service,
        rule.adaptation,
        "`".join(
            part if inside else _NUMBER.sub("#", part)
            for inside, part in ((n % 2 == 1, p) for n, p in enumerate(parts))
        ),
    )


def choose(
    pending: Iterable[RuleView],
    config: RulesConfig,
    breakers: Iterable[str],
    cooldowns: dict[str, str],
    at: datetime,
    rejected: Mapping[tuple[str, str], RuleView] | None = None,
) -> Choice:
    """This week's suggestions within the budget, and every other pending rule with its reason.

    ``breakers`` are the services whose circuit breaker is open; ``cooldowns``
    maps a service in cooldown to the time of its last adaptation; ``rejected``
    maps (pattern, adaptation) to a rule of it that people rejected.
    """
    open_breakers = set(breakers)
    refused = rejected or {}
    chosen: list[RuleView] = []
    suppressed: list[Suppressed] = []
    patterns: dict[str, str] = {}
    actions: dict[tuple[str, str, str], str] = {}
    for rule in sorted(pending, key=rank_key):
        if rule.support < config.min_support:
            suppressed.append(
                Suppressed(
                    rule,
                    "below-support",
                    f"{rule.support} incident(s); a rule needs {config.min_support} (min_support)",
                )
            )
        elif rule.confidence < config.min_confidence:
            why = "no matching incident for a while" if rule.recency < 0.5 else "weak evidence"
            suppressed.append(
                Suppressed(
                    rule,
                    "low-confidence",
                    f"confidence {rule.confidence:.2f} < "
                    f"{config.min_confidence:g} (min_confidence; {why})",
                )
            )
        elif (rule.pattern_id, rule.adaptation) in refused:
            earlier = refused[(rule.pattern_id, rule.adaptation)]
            suppressed.append(
                Suppressed(
                    rule,
                    "rejected-before",
                    f"{earlier.id} ({rule.adaptation} for pattern "
                    f"{rule.pattern_id} on `{earlier.service}`) was "
                    "rejected; it comes back when its evidence changes",
                )
            )
        elif rule.service in open_breakers:
            suppressed.append(
                Suppressed(
                    rule,
                    "circuit-breaker",
                    f"more than {config.max_active_rules} active rules on "
                    f"`{rule.service}`; automatic adaptation is off",
                )
            )
        elif rule.service in cooldowns:
            until = cooldown_until(cooldowns[rule.service], config.cooldown)
            suppressed.append(
                Suppressed(
                    rule,
                    "cooldown",
                    f"`{rule.service}` had an adaptation at "
                    f"{cooldowns[rule.service]}; cooldown "
                    f"{format_duration(config.cooldown)} until "
                    f"{until.strftime('%Y-%m-%dT%H:%M:%SZ')}",
                )
            )
        elif rule.pattern_id in patterns:
            suppressed.append(
                Suppressed(
                    rule,
                    "same-pattern",
                    f"{patterns[rule.pattern_id]} is this report's "
                    f"suggestion for pattern {rule.pattern_id}",
                )
            )
        elif _change(rule) in actions:
            # Two patterns (one split in two, or joined since) would ask for one change.
            suppressed.append(
                Suppressed(
                    rule,
                    "same-action",
                    f"{actions[_change(rule)]} already suggests "
                    f"{rule.adaptation} for `{rule.service}`",
                )
            )
        elif len(chosen) >= config.budget:
            suppressed.append(
                Suppressed(rule, "over-budget", f"the budget is {config.budget} suggestions")
            )
        else:
            chosen.append(rule)
            patterns[rule.pattern_id] = rule.id
            actions[_change(rule)] = rule.id
    return Choice(tuple(chosen), tuple(suppressed))
