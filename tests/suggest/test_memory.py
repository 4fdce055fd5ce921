"""What counts as new evidence for a rejected rule, at its edges."""

from __future__ import annotations

from dataclasses import replace

import pytest

from failearn.config import RulesConfig
from failearn.suggest.memory import earlier_decisions, evidence_change, snapshot

CONFIG = RulesConfig()
VOLUME = {
    "metric": "request_rate",
    "feature": "change",
    "window_seconds": 600,
    "direction": "higher",
    "threshold": 12.0,
}


def test_no_snapshot_no_change() -> None:
    assert evidence_change(None, 100, VOLUME, "postgres", "checkout", CONFIG) is None


@pytest.mark.parametrize(
    ("then", "now", "new"),
    [
        (8, 11, False),
        (8, 12, True),  # half again as many: 12
        (2, 4, False),
        (2, 5, True),  # and at least min_support (3) more
        (8, 8, False),
        (8, 3, False),
    ],
)
def test_the_pattern_went_on_failing(then: int, now: int, new: bool) -> None:
    before = snapshot(then, VOLUME, "postgres")
    why = evidence_change(before, now, VOLUME, "postgres", "checkout", CONFIG)
    assert (why is not None) is new
    if new:
        assert why == (
            f"{now - then} more incidents on `checkout` since it was rejected "
            f"({then} then, {now} now)"
        )


def test_growth_is_a_setting() -> None:
    before = snapshot(10, VOLUME, None)
    assert evidence_change(before, 13, VOLUME, None, "s", CONFIG) is None
    assert (
        evidence_change(before, 13, VOLUME, None, "s", replace(CONFIG, reopen_growth=0.3))
        is not None
    )


def test_a_new_threshold_on_the_same_signal_is_not_new_evidence() -> None:
    before = snapshot(8, VOLUME, "postgres")
    assert (
        evidence_change(before, 9, {**VOLUME, "threshold": 20.0}, "postgres", "s", CONFIG) is None
    )


@pytest.mark.parametrize(
    "change",
    [
        {"metric": "pool_utilization"},
        {"window_seconds": 300},
        {"feature": "level"},
        {"direction": "lower"},
    ],
)
def test_another_signal_is_new_evidence(change: dict[str, object]) -> None:
    before = snapshot(8, VOLUME, "postgres")
    why = evidence_change(before, 8, {**VOLUME, **change}, "postgres", "s", CONFIG)
    assert why is not None and why.startswith("its trigger now watches")


def test_a_trigger_where_there_was_none_is_new_evidence() -> None:
    before = snapshot(8, None, None)
    why = evidence_change(before, 8, VOLUME, None, "s", CONFIG)
    assert why == (
        "its trigger now watches request_rate (change over 10 min, higher) (it watched no trigger)"
    )
    assert evidence_change(before, 8, None, None, "s", CONFIG) is None


def test_another_dependency_is_new_evidence() -> None:
    before = snapshot(8, None, "payments")
    assert evidence_change(before, 8, None, "payments", "s", CONFIG) is None
    assert evidence_change(before, 8, None, "postgres-main", "s", CONFIG) == (
        "its evidence now names `postgres-main` as the dependency (it named `payments`)"
    )
    assert evidence_change(before, 8, None, None, "s", CONFIG) is None


def test_earlier_decisions_are_grouped_by_pattern_in_order() -> None:
    rules = {
        "R-a": {"pattern_id": "P1", "service": "checkout", "adaptation": "pool-resize"},
        "R-b": {"pattern_id": "P1", "service": "payments", "adaptation": "circuit-breaker"},
        "R-c": {"pattern_id": "P2", "service": "search", "adaptation": "timeout-tuning"},
    }

    def event(rule: str, kind: str, at: str) -> dict[str, object]:
        return {
            "rule_id": rule,
            "event": kind,
            "at": at,
            "actor": "ana",
            "note": None,
            "incident_id": None,
        }

    found = earlier_decisions(
        [
            event("R-b", "reverted", "2026-11-20T00:00:00Z"),
            event("R-a", "rejected", "2026-11-10T00:00:00Z"),
            event("R-a", "accepted", "2026-11-09T00:00:00Z"),
            event("R-c", "suggested", "2026-11-09T00:00:00Z"),
            event("R-x", "rejected", "2026-11-09T00:00:00Z"),
        ],
        rules,
    )
    assert list(found) == ["P1"]
    assert [(e["rule_id"], e["event"]) for e in found["P1"]] == [
        ("R-a", "rejected"),
        ("R-b", "reverted"),
    ]
