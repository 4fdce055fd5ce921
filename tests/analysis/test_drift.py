"""The class-mix comparison: verdicts, tests, named and paired shifts."""

from __future__ import annotations

from dataclasses import replace

import pytest

from failearn.analysis.drift import (
    DriftThresholds,
    compare,
    name_shifts,
)
from failearn.config import AuditConfig

BASELINE = {
    "timeout": 31,
    "connection-pool-exhaustion": 35,
    "memory-exhaustion": 15,
    "deployment-regression": 18,
    "hardware-failure": 12,
    "dependency-failure": 8,
    "configuration-error": 7,
    "capacity-overload": 7,
    "data-corruption": 6,
}
DEFAULTS = DriftThresholds.of(AuditConfig())


def scaled(counts: dict[str, int], factor: float) -> dict[str, int]:
    return {name: round(count * factor) for name, count in counts.items()}


def test_a_stable_mix_is_no_drift() -> None:
    analysis = compare(scaled(BASELINE, 0.25), BASELINE, DEFAULTS)
    assert analysis.verdict == "no-drift"
    assert not analysis.significant
    assert analysis.test.p_value is not None and analysis.test.p_value > 0.5
    assert all(c.direction is None for c in analysis.classes)
    assert name_shifts(analysis.classes) == []
    assert "no significant shift" in analysis.reason


def test_a_planted_relabelling_is_drift_and_names_the_two_classes() -> None:
    recent = {**scaled(BASELINE, 0.25), "timeout": 0, "resource-exhaustion": 8}
    analysis = compare(recent, BASELINE, DEFAULTS)
    assert analysis.verdict == "drift" and analysis.significant and analysis.large
    moved = {c.failure_class: c.direction for c in analysis.classes if c.direction}
    assert moved == {"timeout": "fell", "resource-exhaustion": "rose"}
    rose = next(c for c in analysis.classes if c.failure_class == "resource-exhaustion")
    assert (rose.recent_count, rose.baseline_count, rose.baseline_share) == (8, 0, 0.0)
    assert rose.delta == pytest.approx(rose.recent_share) and rose.residual > 3
    shifts = name_shifts(analysis.classes, {("timeout", "resource-exhaustion"): 8})
    assert len(shifts) == 1
    shift = shifts[0]
    assert (
        shift.kind,
        shift.fell and shift.fell.failure_class,
        shift.rose and shift.rose.failure_class,
        shift.evidence,
    ) == ("paired", "timeout", "resource-exhaustion", 8)
    assert shift.message == (
        "`timeout` fell from 22 % to 0 % while `resource-exhaustion` rose from 0 % to 22 %: "
        "check whether the taxonomy is being applied consistently"
    )


def test_classes_with_the_largest_residual_come_first() -> None:
    recent = {**scaled(BASELINE, 0.25), "timeout": 0, "resource-exhaustion": 8}
    names = [c.failure_class for c in compare(recent, BASELINE, DEFAULTS).classes]
    assert names[:2] == ["resource-exhaustion", "timeout"]


def test_a_noise_class_is_not_named_for_sitting_in_a_drifting_table() -> None:
    baseline = {**BASELINE, "security-incident": 3}
    recent = {
        **scaled(BASELINE, 0.25),
        "timeout": 0,
        "resource-exhaustion": 8,
        "security-incident": 5,
    }
    analysis = compare(recent, baseline, DEFAULTS)
    noise = next(c for c in analysis.classes if c.failure_class == "security-incident")
    assert analysis.verdict == "drift"
    assert noise.residual > 2 and noise.direction is None
    assert noise.p_value is not None and noise.p_value > DEFAULTS.class_alpha


def test_shifts_are_paired_by_evidence_before_size() -> None:
    baseline = {"a": 40, "b": 40, "c": 10, "d": 10}
    recent = {"a": 0, "b": 40, "c": 32, "d": 28}
    analysis = compare(recent, baseline, replace(DEFAULTS, min_recent=10, min_baseline=10))
    directions = {c.failure_class: c.direction for c in analysis.classes}
    assert directions == {"a": "fell", "b": None, "c": "rose", "d": "rose"}

    def summary(evidence: dict[tuple[str, str], int]) -> list[tuple[str, str | None, str | None]]:
        return [
            (s.kind, s.fell and s.fell.failure_class, s.rose and s.rose.failure_class)
            for s in name_shifts(analysis.classes, evidence)
        ]

    # Without evidence the largest fall meets the largest rise, and the other rise is alone …
    assert summary({}) == [("paired", "a", "c"), ("rose", None, "d")]
    # … with evidence, the fall meets the class that took its records.
    assert summary({("a", "d"): 5, ("a", "c"): 1}) == [("paired", "a", "d"), ("rose", None, "c")]


@pytest.mark.parametrize(
    ("recent", "baseline", "words"),
    [
        ({"timeout": 5, "oom": 3}, BASELINE, "only 8 incident(s) in the recent window"),
        ({}, BASELINE, "no incidents in the recent window"),
        (BASELINE, {}, "no incidents in the baseline window"),
        (scaled(BASELINE, 0.25), {"timeout": 30}, "only 30 incident(s) in the baseline window"),
    ],
)
def test_too_little_data_is_said_plainly(
    recent: dict[str, int], baseline: dict[str, int], words: str
) -> None:
    analysis = compare(recent, baseline, DEFAULTS)
    assert analysis.verdict == "insufficient-data"
    assert words in analysis.reason
    assert not analysis.significant
    assert analysis.test.method == "none" and analysis.test.p_value is None


def test_tiny_windows_never_cry_wolf_even_when_they_differ_completely() -> None:
    analysis = compare({"timeout": 8}, {"memory-exhaustion": 8}, DEFAULTS)
    assert analysis.verdict == "insufficient-data"
    assert all(c.direction is None for c in analysis.classes)


def test_small_expected_counts_use_a_seeded_monte_carlo_test() -> None:
    recent = {**scaled(BASELINE, 0.25), "timeout": 0, "resource-exhaustion": 8}
    first = compare(recent, BASELINE, DEFAULTS).test
    again = compare(recent, BASELINE, DEFAULTS).test
    assert first.method == "monte-carlo" and first.samples == 10_000 and first.seed == 0
    assert first == again
    assert first.smallest_expected is not None and first.smallest_expected < 5


def test_large_counts_use_the_chi_square_distribution() -> None:
    baseline = scaled(BASELINE, 100)
    recent = scaled(BASELINE, 25)
    test = compare(recent, baseline, DEFAULTS).test
    assert test.method == "chi-square" and test.samples is None
    assert test.dof == len(BASELINE) - 1


def test_the_monte_carlo_p_value_agrees_with_the_asymptotic_one_when_counts_are_large() -> None:
    baseline = scaled(BASELINE, 4)
    recent = {**BASELINE, "timeout": 50, "memory-exhaustion": 6, "deployment-regression": 12}
    exact = compare(recent, baseline, DEFAULTS).test
    simulated = compare(recent, baseline, replace(DEFAULTS, min_expected=1e9, samples=20_000)).test
    assert exact.method == "chi-square" and simulated.method == "monte-carlo"
    assert exact.statistic == pytest.approx(simulated.statistic)
    assert exact.p_value is not None and simulated.p_value is not None
    assert 0.005 < exact.p_value < 0.5
    assert simulated.p_value == pytest.approx(exact.p_value, abs=0.02)


def test_a_significant_but_small_shift_is_not_drift() -> None:
    baseline = scaled(BASELINE, 1000)
    recent = {**scaled(BASELINE, 250), "timeout": round(31 * 250 * 1.08)}
    analysis = compare(recent, baseline, DEFAULTS)
    assert analysis.significant and not analysis.large
    assert analysis.verdict == "no-drift"
    assert "significant but small" in analysis.reason


def test_a_single_class_cannot_shift() -> None:
    analysis = compare({"timeout": 40}, {"timeout": 90}, DEFAULTS)
    assert analysis.verdict == "no-drift" and "single class" in analysis.reason
    assert analysis.test.js_distance == 0


def test_jensen_shannon_distance_is_zero_for_one_mix_and_one_for_disjoint_mixes() -> None:
    same = compare(scaled(BASELINE, 0.5), BASELINE, DEFAULTS).test.js_distance
    disjoint = compare({"x": 40}, {"y": 80}, DEFAULTS).test.js_distance
    assert same == pytest.approx(0, abs=0.02)
    assert disjoint == pytest.approx(1)


def test_the_thresholds_are_the_audit_settings_in_force() -> None:
    config = AuditConfig(alpha=0.05, min_recent=7, samples=500, seed=3)
    thresholds = DriftThresholds.of(config)
    assert (thresholds.alpha, thresholds.min_recent, thresholds.samples, thresholds.seed) == (
        0.05,
        7,
        500,
        3,
    )
    assert thresholds.min_distance == AuditConfig().min_distance
