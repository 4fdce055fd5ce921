"""Each guardrail of the weekly report at its edges, as pure checks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from failearn.config import RulesConfig
from failearn.suggest.guardrails import (
    breaker_open,
    choose,
    decayed_while_registered,
    in_cooldown,
    is_decaying,
    is_stale,
    override_rate,
    priority,
    severity_weight,
)
from failearn.timeutil import iso
from tests.helpers.factories import view

T = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONFIG = RulesConfig()


def ago(**delta: float) -> str:
    return iso(T - timedelta(**delta))


@pytest.mark.parametrize(
    ("minutes", "blocked"),
    [(0, True), (29, True), (29.98, True), (30, False), (31, False), (600, False)],
)
def test_cooldown_between_adaptations(minutes: float, blocked: bool) -> None:
    assert in_cooldown(ago(minutes=minutes), T, CONFIG.cooldown) is blocked


def test_no_adaptation_no_cooldown_and_a_later_one_does_not_count() -> None:
    assert not in_cooldown(None, T, CONFIG.cooldown)
    assert not in_cooldown(iso(T + timedelta(minutes=5)), T, CONFIG.cooldown)


@pytest.mark.parametrize(("active", "open_"), [(0, False), (10, False), (11, True), (40, True)])
def test_circuit_breaker_opens_above_ten_active_rules(active: int, open_: bool) -> None:
    assert breaker_open(active, CONFIG.max_active_rules) is open_


@pytest.mark.parametrize(
    ("days", "stale", "decaying"),
    [(14, False, False), (15, False, True), (29, False, True), (30, True, True), (31, True, True)],
)
def test_stale_after_the_ttl_and_decaying_after_half(
    days: int, stale: bool, decaying: bool
) -> None:
    assert is_stale(ago(days=days), T, CONFIG.ttl) is stale
    assert is_decaying(ago(days=days), T, CONFIG.ttl) is decaying


def decisions(rejected: int, total: int, support: int = 5) -> list[tuple[str, int]]:
    return [("rejected", support)] * rejected + [("accepted", support)] * (total - rejected)


@pytest.mark.parametrize(
    ("rejected", "total", "warning"),
    [
        (30, 100, False),
        (31, 100, True),
        (3, 10, False),
        (4, 10, True),
        (0, 0, False),
        (1, 1, False),
        (1, 3, False),
        (9, 9, False),
    ],
)
def test_override_rate_warns_above_thirty_percent(rejected: int, total: int, warning: bool) -> None:
    rate = override_rate(decisions(rejected, total), CONFIG)
    assert (rate.reviewed, rate.rejected, rate.warning) == (total, rejected, warning)
    assert (rate.hint is not None) is warning


@pytest.mark.parametrize(
    ("minimum", "reviewed", "warning"),
    [(10, 9, False), (10, 10, True), (1, 1, True), (0, 1, True), (3, 2, False), (3, 3, True)],
)
def test_the_override_warning_needs_a_minimum_of_reviews(
    minimum: int, reviewed: int, warning: bool
) -> None:
    config = replace(CONFIG, override_min_reviews=minimum)
    rate = override_rate(decisions(reviewed, reviewed), config)
    assert rate.warning is warning and rate.min_reviews == minimum


@pytest.mark.parametrize(
    ("created", "matched", "decayed"),
    [
        ("2026-11-01T00:00:00Z", "2026-10-31T00:00:00Z", True),  # halfway 11-15, passed
        ("2026-11-16T00:00:00Z", "2026-10-31T00:00:00Z", False),  # created after halfway
        ("2026-11-15T00:00:00Z", "2026-10-31T00:00:00Z", False),  # created at halfway
        ("2026-11-14T23:59:59Z", "2026-10-31T00:00:00Z", True),
        ("2026-11-10T00:00:00Z", "2026-11-08T10:00:00Z", True),  # halfway exactly at T
        ("2026-11-10T00:00:00Z", "2026-11-08T10:00:01Z", False),  # halfway just after T
        ("2026-11-01T00:00:00Z", None, False),  # never matched: no decay
        (None, "2026-10-31T00:00:00Z", False),  # not registered
    ],
)
def test_decayed_only_while_registered(
    created: str | None, matched: str | None, decayed: bool
) -> None:
    assert decayed_while_registered(created, matched, T, CONFIG.ttl) is decayed


def test_a_rejected_adaptation_holds_back_the_same_one_on_another_service() -> None:
    rejected = view("R-old", pattern="P1", service="checkout", status="rejected")
    same = view("R-pay", pattern="P1", service="payments", confidence=0.9)
    other_kind = replace(
        view("R-scale", pattern="P1", service="payments", confidence=0.8),
        adaptation="pre-emptive-scaling",
    )
    other_pattern = view("R-p2", pattern="P2", service="payments", confidence=0.7)
    choice = choose(
        [same, other_kind, other_pattern], CONFIG, [], {}, T, {("P1", "pool-resize"): rejected}
    )
    assert [v.id for v in choice.suggestions] == ["R-scale", "R-p2"]
    ((held, reason, detail),) = [(s.rule.id, s.reason, s.detail) for s in choice.suppressed]
    assert (held, reason) == ("R-pay", "rejected-before")
    assert "R-old" in detail and "`checkout`" in detail and "evidence changes" in detail


def test_override_hint_names_the_support_that_would_have_avoided_the_rejections() -> None:
    low = [("rejected", 3)] * 4 + [("accepted", 3)]
    high = [("accepted", 8)] * 5 + [("rejected", 8)]
    rate = override_rate(low + high, CONFIG)
    assert rate.warning
    assert rate.hint is not None and "min_support from 3 to 8" in rate.hint
    assert "--min-support 8" in rate.hint


def test_override_hint_falls_back_to_min_confidence() -> None:
    rate = override_rate([("rejected", 3)] * 10, CONFIG)
    assert rate.hint is not None and "min_confidence from 0.1 to 0.2" in rate.hint


def test_min_support_two_is_held_back_three_is_suggested() -> None:
    two = view("R-two", pattern="P1", support=2, service="payments")
    three = view("R-three", pattern="P2", support=3)
    choice = choose([two, three], CONFIG, [], {}, T)
    assert [v.id for v in choice.suggestions] == ["R-three"]
    assert [(s.rule.id, s.reason) for s in choice.suppressed] == [("R-two", "below-support")]
    lower = choose([two, three], replace(CONFIG, min_support=2), [], {}, T)
    assert {v.id for v in lower.suggestions} == {"R-two", "R-three"}


def test_budget_one_suggestion_per_pattern_and_reasons_in_order() -> None:
    rules = [
        view(f"R-{n}", pattern=f"P{n}", service=f"svc-{n}", confidence=0.9 - n / 100)
        for n in range(5)
    ]
    rules.append(view("R-0b", pattern="P0", service="svc-0", confidence=0.95))
    rules.append(view("R-cool", pattern="P7", service="search", confidence=0.99))
    rules.append(view("R-breaker", pattern="P8", service="auth", confidence=0.99))
    rules.append(view("R-weak", pattern="P9", confidence=0.05, recency=0.2))
    choice = choose(rules, CONFIG, ["auth"], {"search": ago(minutes=5)}, T)
    assert [v.id for v in choice.suggestions] == ["R-0b", "R-1", "R-2"]
    reasons = {s.rule.id: s.reason for s in choice.suppressed}
    assert reasons == {
        "R-cool": "cooldown",
        "R-breaker": "circuit-breaker",
        "R-0": "same-pattern",
        "R-3": "over-budget",
        "R-4": "over-budget",
        "R-weak": "low-confidence",
    }
    cool = next(s for s in choice.suppressed if s.rule.id == "R-cool")
    assert "until 2026-11-23T10:25:00Z" in cool.detail
    weak = next(s for s in choice.suppressed if s.rule.id == "R-weak")
    assert "no matching incident for a while" in weak.detail


def test_a_zero_budget_suggests_nothing() -> None:
    choice = choose([view()], replace(CONFIG, budget=0), [], {}, T)
    assert choice.suggestions == () and choice.suppressed[0].reason == "over-budget"


def test_one_change_to_a_service_is_asked_for_once() -> None:
    # A pattern that split in two asks twice for the same pool resize on checkout.
    first = view("R-a", pattern="P1", confidence=0.9)
    again = view("R-b", pattern="P2", confidence=0.8)
    elsewhere = view("R-c", pattern="P2b", service="payments", confidence=0.7)
    choice = choose([again, first, elsewhere], CONFIG, [], {}, T)
    assert [v.id for v in choice.suggestions] == ["R-a", "R-c"]
    assert [(s.rule.id, s.reason, s.detail) for s in choice.suppressed] == [
        ("R-b", "same-action", "R-a already suggests pool-resize for `checkout`")
    ]
    # The same change quoting other figures is one change; towards another dependency, two.
    seen = [
        replace(first, action="Align `search`'s timeout for calls to `inventory` (p99 6444 ms)."),
        replace(again, action="Align `search`'s timeout for calls to `inventory` (p99 6100 ms)."),
        replace(elsewhere, service="checkout", action="Open the breaker to `db-1`."),
    ]
    other = replace(seen[2], id="R-d", pattern_id="P3", action="Open the breaker to `db-2`.")
    choice = choose([*seen, other], CONFIG, [], {}, T)
    assert [v.id for v in choice.suggestions] == ["R-a", "R-c", "R-d"]
    assert [(s.rule.id, s.reason) for s in choice.suppressed] == [("R-b", "same-action")]


def test_priority_weighs_confidence_by_severity() -> None:
    scale = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
    assert severity_weight(["SEV1", "SEV3"], scale) == pytest.approx(0.8)
    assert severity_weight([None, "P0"], scale) == 0.5
    assert severity_weight([], scale) == 0.5
    severe = view("R-a", pattern="P1", confidence=0.6, severity_weight=1.0)
    mild = view("R-b", pattern="P2", service="payments", confidence=0.7, severity_weight=0.6)
    assert priority(severe) > priority(mild)
    assert [v.id for v in choose([mild, severe], CONFIG, [], {}, T).suggestions] == ["R-a", "R-b"]
