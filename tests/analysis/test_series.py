"""Series on a grid, the features triggers watch, normal time and windows — at their edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from failearn.analysis.series import (
    CHANGE,
    LEVEL,
    Grid,
    extremes,
    feature,
    normal_mask,
    rolling_mean,
    to_grid,
    windows,
)


def test_a_series_goes_on_a_grid_at_its_median_step_and_gaps_stay_gaps() -> None:
    grid = to_grid(np.array([0, 60_000, 120_000, 300_000]), np.array([1.0, 2.0, 3.0, 4.0]))
    assert (grid.start, grid.step) == (0, 60)
    assert np.isnan(grid.values[3]) and np.isnan(grid.values[4])
    assert grid.values[[0, 1, 2, 5]].tolist() == [1.0, 2.0, 3.0, 4.0]
    assert grid.times.tolist() == [0, 60, 120, 180, 240, 300] and grid.end == 360
    assert grid.index(59) == 0 and grid.index(60) == 1 and grid.index(-1) == -1
    assert len(to_grid(np.empty(0, np.int64), np.empty(0)).values) == 0


def test_a_rolling_mean_needs_half_its_window() -> None:
    values = np.array([1.0, np.nan, np.nan, 4.0, 5.0, 6.0])
    mean = rolling_mean(values, 3)
    assert math.isnan(mean[2]) and math.isnan(mean[3])  # one of three known
    assert mean[4] == 4.5 and mean[5] == 5.0  # two of three, three of three
    assert math.isnan(mean[0])  # one point is under half of 3
    assert rolling_mean(values, 1)[3] == 4.0 and math.isnan(rolling_mean(values, 1)[1])


def test_features_level_and_change() -> None:
    grid = Grid(0, 60, np.array([100.0] * 10 + [110.0] * 20))
    level = feature(grid, LEVEL, 120)
    assert level[10] == 105.0 and level[11] == 110.0
    change = feature(grid, CHANGE, 600)
    assert math.isnan(change[5])  # nothing 10 minutes before yet
    assert change[12] == pytest.approx(10.0) and change[29] == pytest.approx(0.0)
    zero = feature(Grid(0, 60, np.zeros(20)), CHANGE, 120)
    assert np.isnan(zero).all()  # a change from zero is not a percentage


@pytest.mark.parametrize(
    ("moment", "normal"),
    [
        (0, False),
        (-3600, False),
        (-3601, True),  # an incident within the next hour
        (7200, False),
        (7201, True),  # or within the last two hours
    ],
)
def test_normal_time_keeps_away_from_incidents(moment: int, normal: bool) -> None:
    grid = Grid(-10_000, 1, np.zeros(20_000))
    mask = normal_mask(grid, np.array([0]), before=3600, after=7200)
    assert mask[moment + 10_000] is np.bool_(normal)
    assert normal_mask(grid, np.empty(0), 3600, 7200).all()


def test_windows_end_their_lead_before_each_moment() -> None:
    grid = Grid(0, 60, np.arange(100, dtype=float))
    found = windows(grid, np.array([3600.0, 60.0]), horizon=600, lead=120)
    assert found.index[0].tolist() == [51, 52, 53, 54, 55, 56, 57, 58]  # (3000, 3480]
    assert found.inside[1].tolist() == [False] * 7 + [False]  # before the grid
    taken = found.take(grid.values)
    assert extremes(taken, True)[0] == 58 and extremes(taken, False)[0] == 51
    assert math.isnan(extremes(taken, True)[1])


def test_an_extreme_needs_half_its_window() -> None:
    rows = np.array([[1.0, np.nan, np.nan, 7.0], [np.nan, np.nan, np.nan, 7.0]])
    assert extremes(rows, True)[0] == 7.0 and math.isnan(extremes(rows, True)[1])
