"""Rule drafts from patterns: stable ids, concrete actions, triggers and their thresholds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from failearn.suggest.model import IncidentBrief, PatternEvidence, Signal
from failearn.suggest.rules import (
    action_text,
    choose_trigger,
    drafts_for,
    format_number,
    metric_phrase,
    rule_id,
    signal_kind,
    trigger_threshold,
)
from failearn.taxonomy import load_taxonomy
from tests.suggest.factories import VOLUME

TAXONOMY = load_taxonomy()
WINDOW = timedelta(minutes=10)
POOL_UTIL = Signal("pool_utilization", "higher", 0.98, 0.43, 0.55, 1.0, 10)
P99 = Signal("p99_latency_ms", "higher", 6444, 1553, 4891, 0.95, 6)


def pattern(**changes: object) -> PatternEvidence:
    base: dict[str, object] = {
        "pattern_id": "P0001", "label": "HikariPool-<id> - Connection is not available",
        "status": "recurring", "first_seen": "2026-10-27T12:10:00Z",
        "last_seen": "2026-11-20T12:45:00Z",
        "support": 10, "incident_ids": tuple(f"i{n}" for n in range(10)),
        "services": {"checkout": 8, "payments": 2},
        "class_counts": {"connection-pool-exhaustion": 10},
        "dominant_class": "connection-pool-exhaustion", "cohesion": 0.97,
        "precursors": (POOL_UTIL, VOLUME)}
    base.update(changes)
    return PatternEvidence(**base)  # type: ignore[arg-type]


def briefs() -> dict[str, IncidentBrief]:
    out = {}
    for n in range(10):
        service = "checkout" if n < 8 else "payments"
        out[f"i{n}"] = IncidentBrief(f"i{n}", f"2026-11-{10 + n:02d}T12:00:00Z", service,
                                     "connection-pool-exhaustion",
                                     dependencies=("payments", "postgres-main"))
    return out


def test_rule_ids_are_stable_and_distinct() -> None:
    assert rule_id("P0001", "pool-resize", "checkout") == "R-b21ab08ca2"
    assert rule_id("P0001", "pool-resize", "checkout") == rule_id("P0001", "pool-resize",
                                                                 "checkout")
    assert len({rule_id("P0001", a, s) for a in ("pool-resize", "circuit-breaker")
                for s in ("checkout", "payments")}) == 4


def test_the_pool_pattern_gives_a_scaling_rule_on_its_volume_precursor() -> None:
    drafts = drafts_for(pattern(), briefs(), TAXONOMY, WINDOW)
    assert [(d.service, d.adaptation) for d in drafts] == [
        ("checkout", "pool-resize"), ("checkout", "pre-emptive-scaling"),
        ("checkout", "circuit-breaker"), ("payments", "pool-resize"),
        ("payments", "pre-emptive-scaling"), ("payments", "circuit-breaker")]
    scaling = drafts[1]
    assert scaling.action == ("When request volume to `checkout` rises more than 2 % within "
                              "10 minutes, scale the pool before it exhausts.")
    assert scaling.fit == 3 and drafts[0].fit == 2 and drafts[2].fit == 0
    assert scaling.support == 8 and scaling.pattern_support == 10
    assert scaling.incident_ids == tuple(f"i{n}" for n in range(8))
    assert scaling.last_matched_at == "2026-11-17T12:00:00Z"
    assert scaling.trigger is not None and scaling.trigger.threshold == 2.0
    assert scaling.trigger.window_seconds == 600
    assert "8 incidents of `checkout` in pattern P0001" in scaling.rationale
    assert "2 more on other services" in scaling.rationale
    assert "request volume +2.1 % (median) in these incidents against 0 %" in \
        scaling.rationale
    assert drafts[0].action == ("Resize the connection pool of `checkout` for calls to "
                                "`payments` to the load it sees at peak (pool utilization "
                                "reached 0.98 in these incidents).")
    assert drafts[2].action.startswith("Open the circuit breaker from `checkout` to `payments`")


def test_every_class_of_the_taxonomy_gives_actions() -> None:
    for class_id in TAXONOMY.classes:
        for kind in TAXONOMY.adaptations_for(class_id):
            for trigger in (None, choose_trigger(kind, (VOLUME, P99, POOL_UTIL), WINDOW)):
                text = action_text(kind, "svc", None, trigger, TAXONOMY, class_id)
                assert text.endswith(".") and "`svc`" in text and text[0].isupper()


def test_an_unknown_adaptation_kind_uses_its_name() -> None:
    assert action_text("warm-cache", "svc", None, None, TAXONOMY, "timeout") == \
        "warm cache on `svc`."


@pytest.mark.parametrize(("median", "rest", "direction", "expected"), [
    (2.1, 0.0, "higher", 2.0), (2.075, 0.03, "higher", 2.0), (0.98, 0.43, "higher", 0.9),
    (0.98, 0.95, "higher", 0.98), (0.985, 0.98, "higher", 0.985),
    (6444, 1553, "higher", 6000), (1.05, 1.0, "higher", 1.05),
    (243, 2516, "lower", 300), (-3.4, 0.0, "lower", -3.0), (0.0, -1.0, "higher", 0.0)])
def test_trigger_thresholds_are_round_and_beyond_the_rest(median: float, rest: float,
                                                          direction: str,
                                                          expected: float) -> None:
    assert trigger_threshold(median, rest, direction) == pytest.approx(expected)


@pytest.mark.parametrize(("metric", "kind"), [
    ("request_volume_change_pct", "load"), ("pool_utilization", "saturation"),
    ("p99_latency_ms", "latency"), ("error_rate_pct", "errors"), ("cpu", "saturation"),
    ("temperature", "other")])
def test_signal_kinds(metric: str, kind: str) -> None:
    assert signal_kind(metric) == kind


def test_metric_phrases_and_numbers() -> None:
    assert metric_phrase("request_volume_change_pct") == ("request volume", " %")
    assert metric_phrase("p99_latency_ms") == ("p99 latency", " ms")
    assert [format_number(v) for v in (2.075, 0.0, 6444.4, 12.34, 0.0123, -0.5)] == [
        "2.08", "0", "6444", "12.3", "0.012", "-0.5"]


def test_a_falling_change_metric_reads_as_a_fall() -> None:
    drop = Signal("request_volume_change_pct", "lower", -3.4, 0.0, -3.4, -0.9, 5)
    trigger = choose_trigger("load-shedding", (drop,), WINDOW)
    assert trigger is not None
    assert action_text("load-shedding", "svc", None, trigger, TAXONOMY, "capacity-overload") == (
        "When request volume to `svc` falls more than 3 % within 10 minutes, shed "
        "low-priority load on `svc` to protect the critical path.")


def test_no_suitable_precursor_no_trigger() -> None:
    assert choose_trigger("deploy-guard", (VOLUME,), WINDOW) is None
    assert choose_trigger("timeout-tuning", (VOLUME,), WINDOW) is None
