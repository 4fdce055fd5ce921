"""The confidence formula: its documented values and the monotonicity the registry relies on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failearn.suggest.confidence import Feedback, confidence, prior, recency

T = datetime(2026, 11, 23, tzinfo=UTC)
TTL = timedelta(days=30)

supports = st.integers(min_value=0, max_value=100_000)
# The values the registry computes are 0 or far from underflow: recency moves by one
# microsecond in a TTL of days (~1e-12), cohesion is a mean of similarities.  Subnormal
# floats would only test rounding (5e-324 * 0.5 == 5e-324).
cohesions = st.one_of(st.just(0.0), st.floats(min_value=1e-9, max_value=1.0))
counts = st.integers(min_value=0, max_value=200)
recencies = st.one_of(st.just(0.0), st.floats(min_value=1e-12, max_value=1.0))
feedbacks = st.builds(Feedback, counts, counts, counts)


def test_documented_values() -> None:
    assert prior(5, 1.0) == pytest.approx(0.5)
    assert prior(5, 0.0) == pytest.approx(0.25)
    assert confidence(5, 1.0, Feedback(), 1.0) == pytest.approx(0.5)
    # two pseudo-reviews at P = 0.5, then one acceptance: (1 + 1) / (2 + 1)
    assert confidence(5, 1.0, Feedback(accepted=1), 1.0) == pytest.approx(2 / 3)
    # one negative feedback weighs two: 1 / (2 + 2)
    assert confidence(5, 1.0, Feedback(negative=1), 1.0) == pytest.approx(0.25)
    assert confidence(5, 1.0, Feedback(), 0.5) == pytest.approx(0.25)
    assert confidence(0, 1.0, Feedback(), 1.0) == 0.0


@given(supports, cohesions, feedbacks, recencies)
def test_more_support_never_lowers_confidence(n: int, c: float, f: Feedback, r: float) -> None:
    assert confidence(n + 1, c, f, r) >= confidence(n, c, f, r)


@given(supports, cohesions, feedbacks, recencies)
def test_negative_feedback_always_lowers_confidence(
    n: int, c: float, f: Feedback, r: float
) -> None:
    before = confidence(n, c, f, r)
    after = confidence(n, c, Feedback(f.accepted, f.rejected, f.negative + 1), r)
    assert after <= before
    if before > 0:
        assert after < before


@given(supports, cohesions, feedbacks, recencies)
def test_rejection_lowers_and_acceptance_raises(n: int, c: float, f: Feedback, r: float) -> None:
    before = confidence(n, c, f, r)
    assert confidence(n, c, Feedback(f.accepted + 1, f.rejected, f.negative), r) >= before
    assert confidence(n, c, Feedback(f.accepted, f.rejected + 1, f.negative), r) <= before


@given(supports, cohesions, feedbacks, recencies)
def test_confidence_is_a_share(n: int, c: float, f: Feedback, r: float) -> None:
    assert 0.0 <= confidence(n, c, f, r) <= 1.0


@given(st.integers(min_value=0, max_value=60 * 24 * 60))
def test_recency_falls_to_zero_over_the_ttl(minutes: int) -> None:
    value = recency(T - timedelta(minutes=minutes), T, TTL)
    assert value == pytest.approx(max(0.0, 1 - minutes / (30 * 24 * 60)))


def test_recency_at_the_edges() -> None:
    assert recency(T - timedelta(days=29), T, TTL) > 0
    assert recency(T - timedelta(days=31), T, TTL) == 0
    assert recency(None, T, TTL) == 0
    assert recency(T + timedelta(days=1), T, TTL) == 1.0
