"""The confidence of a rule: support, cohesion, recency and what people and incidents said.

::

    support     S = n / (n + 5)                     n: incidents of the pattern on the service
    quality     Q = 0.5 + 0.5 · cohesion            cohesion of the pattern, clamped to [0, 1]
    prior       P = S · Q
    feedback    F = (2·P + a) / (2 + a + j + 2·f)   a accepted, j rejected, f negative feedback
    recency     R = max(0, 1 − age / ttl)           age: time since the last matching incident
    confidence  C = F · R

``P`` is what the evidence alone says: 0.5 at five incidents of a loose pattern,
approaching 1 for a large, tight one.  ``F`` treats ``P`` as two pseudo-reviews
and adds the real ones: with no feedback ``F = P``; each acceptance moves it
towards 1; each rejection and, twice as strongly, each negative-feedback event
(an incident caused by the rule) move it towards 0.  ``R`` makes a rule decay
linearly to zero over its TTL without a matching incident; at zero it is
archived.

The formula is monotone where it must be: more support never lowers ``C``
(``S`` rises with ``n`` and ``F`` rises with ``P``), an acceptance never lowers
it, and a rejection or negative feedback always lowers it while it is above
zero (tests/suggest/test_confidence.py checks these properties).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

SUPPORT_HALF = 5
PRIOR_WEIGHT = 2.0
NEGATIVE_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Feedback:
    """What people and incidents said about a rule (counts of events)."""

    accepted: int = 0
    rejected: int = 0
    negative: int = 0


def support_term(support: int) -> float:
    n = max(0, support)
    return n / (n + SUPPORT_HALF)


def prior(support: int, cohesion: float) -> float:
    """What the evidence alone says, in [0, 1)."""
    quality = 0.5 + 0.5 * min(1.0, max(0.0, cohesion))
    return support_term(support) * quality


def feedback_term(prior_value: float, feedback: Feedback) -> float:
    numerator = PRIOR_WEIGHT * prior_value + feedback.accepted
    denominator = (
        PRIOR_WEIGHT + feedback.accepted + feedback.rejected + NEGATIVE_WEIGHT * feedback.negative
    )
    return numerator / denominator


def recency(last_matched: datetime | None, as_of: datetime, ttl: timedelta) -> float:
    """1 at a matching incident, falling linearly to 0 after ``ttl`` without one."""
    if last_matched is None or ttl <= timedelta(0):
        return 0.0
    age = max(timedelta(0), as_of - last_matched)
    return max(0.0, 1.0 - age / ttl)


def confidence(support: int, cohesion: float, feedback: Feedback, recency_value: float) -> float:
    """The confidence of a rule, in [0, 1]."""
    value = feedback_term(prior(support, cohesion), feedback) * recency_value
    return min(1.0, max(0.0, value))
