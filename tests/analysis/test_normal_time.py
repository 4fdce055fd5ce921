"""Precursors measured against normal time, and triggers learned for a false-alarm target."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from failearn.analysis.precursors import Measurement, NormalOptions, cliffs_delta, measure
from failearn.analysis.series import CHANGE, LEVEL, Grid, feature, normal_mask, windows
from failearn.analysis.triggers import (
    WEEK,
    Candidate,
    TriggerOptions,
    _episodes,
    attach_folds,
    backtest,
    cross_validate,
    evaluate,
    folds_for,
    learn,
    round_figures,
    thresholds,
)
from tests.helpers.synthetic import DAY, incidents, ramp_before, series, spikes

OPTIONS = NormalOptions()
TRIGGERS = TriggerOptions()


def measured(
    grid: Grid, moments: np.ndarray, window: int = 300, kind: str = LEVEL
) -> tuple[np.ndarray, np.ndarray, Measurement]:
    values = feature(grid, kind, window)
    normal = normal_mask(grid, moments, OPTIONS.horizon, OPTIONS.exclude_after + window)
    return values, normal, measure(values, grid, normal, moments, OPTIONS)


def test_a_ramp_before_every_incident_is_a_precursor() -> None:
    rng = np.random.default_rng(1)
    moments = incidents(21, 1.0, rng)
    grid = ramp_before(series(21, rng), moments, rise=0.6, minutes=20)
    _, _, found = measured(grid, moments)
    assert found.direction == "higher" and found.effect_size > 0.9
    assert found.incidents == len(moments) and found.controls > 5 * len(moments)
    assert found.is_precursor(OPTIONS, min_support=3)
    assert found.median_before > found.median_normal


def test_spikes_as_common_in_normal_time_are_not_a_precursor() -> None:
    rng = np.random.default_rng(2)
    moments = incidents(21, 1.0, rng)
    grid = series(21, rng, base=0.3, noise=0.05)
    everyday = np.sort(rng.uniform(grid.start, grid.end, int(21 * DAY / 2400)))
    before = moments - rng.uniform(4, 14, len(moments)) * 60
    grid = spikes(grid, np.concatenate((everyday, before)), height=0.45)
    _values, _, found = measured(grid, moments, window=120)
    # Every incident had a spike in the hour before it ...
    assert (np.array(found.before) > 0.6).all()
    # ... and so do most normal hours: the difference is small, and not a precursor.
    assert found.effect_size < OPTIONS.min_effect
    assert not found.is_precursor(OPTIONS, min_support=3)


def test_the_daily_cycle_is_not_a_precursor_when_incidents_come_at_the_peak() -> None:
    rng = np.random.default_rng(3)
    moments = incidents(21, 0.8, rng, hour=15.0)
    grid = series(21, rng, noise=0.02)
    _, normal, found = measured(grid, moments)
    assert abs(found.effect_size) < 0.4 and not found.is_precursor(OPTIONS, 3)
    # Against every normal hour of the day instead, it would look like one.
    values = feature(grid, LEVEL, 300)
    any_time = np.arange(grid.start + 7200, grid.end, 3600, dtype=float)
    any_time = any_time[normal[((any_time - grid.start) // grid.step).astype(int)]]
    before = np.nanmax(windows(grid, moments, 3600, 120).take(values), axis=1)
    pooled = np.nanmax(windows(grid, any_time, 3600, 120).take(values), axis=1)
    assert cliffs_delta(before, pooled)[0] > 0.6


def test_a_fall_before_incidents_reads_as_lower() -> None:
    rng = np.random.default_rng(4)
    moments = incidents(21, 1.0, rng)
    grid = ramp_before(series(21, rng), moments, rise=-0.6, minutes=20)
    _, _, found = measured(grid, moments)
    assert found.direction == "lower" and found.effect_size > 0.9


@pytest.mark.parametrize(("count", "precursor"), [(2, False), (3, True)])
def test_a_precursor_needs_min_support_incidents(count: int, precursor: bool) -> None:
    rng = np.random.default_rng(5)
    moments = incidents(21, 1.0, rng)[:count]
    grid = ramp_before(series(21, rng, noise=0.01), moments, rise=1.0, minutes=20)
    _, _, found = measured(grid, moments)
    assert found.is_precursor(replace(OPTIONS, max_p=1.0), min_support=3) is precursor


def test_cliffs_delta_at_its_ends() -> None:
    assert cliffs_delta(np.array([3.0, 4.0]), np.array([1.0, 2.0]))[0] == 1.0
    assert cliffs_delta(np.array([1.0]), np.array([2.0, 3.0]))[0] == -1.0
    assert cliffs_delta(np.array([1.0, 2.0]), np.array([1.0, 2.0]))[0] == 0.0
    assert cliffs_delta(np.array([]), np.array([1.0])) == (0.0, 1.0)


# -- triggers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "count"), [(3599, 1), (3600, 2), (7200, 2)])
def test_alarms_closer_than_rearm_count_once(gap: int, count: int) -> None:
    times = np.arange(0, 20_000, 1, dtype=np.int64)
    beyond = np.zeros(len(times), dtype=bool)
    beyond[100:110] = True
    beyond[109 + gap : 109 + gap + 4] = True
    assert len(_episodes(beyond, times, 3600)) == count


def test_a_trigger_fires_before_an_incident_at_least_min_lead_ahead() -> None:
    grid = Grid(0, 60, np.zeros(200))
    grid.values[100] = 5.0  # 6000 s

    def fired(incident: float) -> tuple[bool, float]:
        before = windows(grid, np.array([incident]), 3600, 120)
        found = evaluate(
            0, grid.values, grid, np.ones(200, dtype=bool), before, 1.0, True, TRIGGERS
        )
        return bool(found.caught[0]), float(found.leads[0])

    assert fired(6120) == (True, 120.0)  # exactly min_lead ahead
    assert fired(6119)[0] is False  # less than min_lead ahead
    assert fired(6000 + 3599) == (True, 3599.0)
    assert fired(6000 + 3600)[0] is False  # beyond the horizon


def candidate(
    rate: float, caught: list[bool], signal: int = 0, threshold: float = 1.0, weeks: float = 4.0
) -> Candidate:
    folds = folds_for(0, int(weeks * WEEK), [WEEK * 0.5] * len(caught), 4)
    fires = np.linspace(0, weeks * WEEK - 1, round(rate * weeks)).astype(np.int64)
    found = Candidate(
        signal,
        threshold,
        True,
        fires,
        np.array(caught),
        np.array([600.0 if c else np.nan for c in caught]),
    )
    return attach_folds(found, folds, np.full(4, weeks * WEEK / 4))


def test_the_trigger_learned_meets_the_false_alarm_target() -> None:
    everything = np.ones(4, dtype=bool)
    noisy = candidate(1.25, [True] * 4)  # 5 alarms in 4 weeks: over 1 a week
    exact = candidate(1.0, [True, True, True, False], threshold=2.0)
    quiet = candidate(0.25, [True, False, False, False], threshold=3.0)
    chosen = learn([noisy, exact, quiet], [0], np.ones(4, dtype=bool), everything, TRIGGERS)
    assert chosen is exact
    stricter = replace(TRIGGERS, target=0.5)
    assert learn([noisy, exact, quiet], [0], np.ones(4, dtype=bool), everything, stricter) is quiet
    assert learn([noisy], [0], np.ones(4, dtype=bool), everything, TRIGGERS) is None


def test_too_little_normal_time_learns_nothing() -> None:
    short = candidate(0.0, [True, True], weeks=0.9)
    assert learn([short], [0], np.ones(2, dtype=bool), np.ones(4, dtype=bool), TRIGGERS) is None
    enough = replace(TRIGGERS, min_normal=int(0.5 * WEEK))
    assert learn([short], [0], np.ones(2, dtype=bool), np.ones(4, dtype=bool), enough) is short


def test_ties_go_to_the_preferred_signal_then_fewer_alarms() -> None:
    load = candidate(0.5, [True, True], signal=0)
    saturation = candidate(0.25, [True, True], signal=1)
    masks = (np.ones(2, dtype=bool), np.ones(4, dtype=bool))
    assert learn([saturation, load], [0, 1], *masks, TRIGGERS) is load
    assert learn([saturation, load], [1, 0], *masks, TRIGGERS) is saturation
    calmer = candidate(0.25, [True, True], signal=0, threshold=2.0)
    assert learn([load, calmer], [0], *masks, TRIGGERS) is calmer


def test_held_out_figures_come_from_blocks_the_trigger_was_not_learned_on() -> None:
    rng = np.random.default_rng(6)
    moments = incidents(28, 1.0, rng)
    grid = ramp_before(series(28, rng), moments, rise=0.6, minutes=20)
    # The daily cycle hides a rise at night from any one level: its change shows it.
    values, normal, found = measured(grid, moments, window=600, kind=CHANGE)
    folds = folds_for(grid.start, grid.end, moments, 4)
    valid = normal & ~np.isnan(values)
    before = windows(grid, moments, TRIGGERS.horizon, TRIGGERS.min_lead)
    candidates = [
        attach_folds(
            evaluate(0, values, grid, valid, before, t, True, TRIGGERS),
            folds,
            folds.normal_seconds(grid, valid),
        )
        for t in thresholds(values, valid, found.before, True)
    ]
    everything = np.ones(len(moments), dtype=bool)
    chosen = learn(candidates, [0], everything, np.ones(4, dtype=bool), TRIGGERS)
    assert chosen is not None
    in_sample = backtest(chosen, everything, np.ones(4, dtype=bool))
    held_out = cross_validate(candidates, [0], folds, TRIGGERS)
    assert in_sample.caught >= 0.8 * len(moments) and held_out.held_out
    assert held_out.incidents == len(moments) and held_out.caught >= 0.7 * len(moments)
    assert held_out.false_alarms_per_week is not None and held_out.false_alarms_per_week < 2
    assert held_out.median_lead is not None and 120 <= held_out.median_lead <= 1200
    # Blocks where no trigger meets the target fire never: their incidents are missed.
    hopeless = replace(TRIGGERS, target=-1.0)
    nothing = cross_validate(candidates, [0], folds, hopeless)
    assert (nothing.caught, nothing.false_alarms) == (0, 0) and nothing.incidents == len(moments)


@pytest.mark.parametrize(
    ("value", "rounded"), [(0.8734, 0.87), (187.4, 190.0), (12.06, 12.0), (-3.46, -3.5), (0.0, 0.0)]
)
def test_thresholds_have_two_significant_figures(value: float, rounded: float) -> None:
    assert round_figures(value) == pytest.approx(rounded)
