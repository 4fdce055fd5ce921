"""Metric series as the precursor analysis reads them: a regular grid, features over a
window, and which moments are normal time.

Everything is plain numpy over one series at a time:

* :func:`to_grid` puts a series' points on a regular grid at its own step
  (the median gap), missing points as NaN, so that gaps stay gaps;
* :func:`feature` is what a trigger watches: the ``level`` (the mean over the
  window) or the ``change`` (the rise, in percent, of the smoothed level over
  the window: "rises more than 12 % within 10 minutes");
* :func:`normal_mask` marks normal time: moments neither in the ``horizon``
  before an incident of the service (that is where precursors are looked for)
  nor within ``after`` of one (the incident and its recovery).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LEVEL = "level"
CHANGE = "change"
FEATURES = (LEVEL, CHANGE)


@dataclass(frozen=True)
class Grid:
    """A series on a regular grid: ``values[i]`` at ``start + i * step`` seconds (NaN: no
    point there)."""

    start: int
    step: int
    values: np.ndarray

    @property
    def times(self) -> np.ndarray:
        return self.start + self.step * np.arange(len(self.values), dtype=np.int64)

    @property
    def end(self) -> int:
        """The first moment after the grid."""
        return self.start + self.step * len(self.values)

    def index(self, seconds: float) -> int:
        """The grid point at or before ``seconds`` (may be outside the grid)."""
        return math.floor((seconds - self.start) / self.step)


def to_grid(times_ms: np.ndarray, values: np.ndarray, step: int | None = None) -> Grid:
    """A series (times in ms, increasing) on a grid at its median step, in whole seconds."""
    seconds = np.asarray(times_ms, dtype=np.int64) // 1000
    if len(seconds) == 0:
        return Grid(0, step or 60, np.empty(0))
    if step is None:
        gaps = np.diff(seconds)
        step = int(max(1, round(float(np.median(gaps))))) if len(gaps) else 60
    start = int(seconds[0])
    positions = np.rint((seconds - start) / step).astype(np.int64)
    grid = np.full(int(positions[-1]) + 1, np.nan)
    grid[positions] = values
    return Grid(start, step, grid)


def points(window_seconds: int, step: int) -> int:
    """How many grid points a window spans (at least one)."""
    return max(1, round(window_seconds / step))


def rolling_mean(values: np.ndarray, count: int) -> np.ndarray:
    """The mean of the ``count`` points ending at each point; NaN where fewer than half of
    them are there."""
    valid = ~np.isnan(values)
    sums = np.concatenate(([0.0], np.cumsum(np.where(valid, values, 0.0))))
    counts = np.concatenate(([0], np.cumsum(valid)))
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - count)
    n = counts[ends] - counts[starts]
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (sums[ends] - sums[starts]) / n
    mean[(n * 2 < min(count, len(values))) | (n == 0)] = np.nan
    return np.asarray(mean, dtype=np.float64)


def feature(grid: Grid, kind: str, window_seconds: int) -> np.ndarray:
    """The feature a trigger watches, at each grid point (NaN where it cannot be told)."""
    count = points(window_seconds, grid.step)
    if kind == LEVEL:
        return rolling_mean(grid.values, count)
    smooth = rolling_mean(grid.values, max(1, count // 3))
    before = np.full(len(smooth), np.nan)
    if count < len(smooth):
        before[count:] = smooth[:-count]
    with np.errstate(invalid="ignore", divide="ignore"):
        change = 100.0 * (smooth - before) / np.abs(before)
    change[~np.isfinite(change) | (np.abs(before) < 1e-9)] = np.nan
    return np.asarray(change, dtype=np.float64)


def normal_mask(grid: Grid, incidents: np.ndarray, before: int, after: int) -> np.ndarray:
    """True at the grid points in normal time: no incident starts within ``before`` seconds
    after the point, none started within ``after`` seconds before it."""
    times = grid.times
    if len(incidents) == 0:
        return np.ones(len(times), dtype=bool)
    ordered = np.sort(np.asarray(incidents, dtype=np.int64))
    following = np.searchsorted(ordered, times, side="left")
    upcoming = np.where(
        following < len(ordered),
        ordered[np.minimum(following, len(ordered) - 1)] - times,
        np.iinfo(np.int64).max,
    )
    preceding = np.where(
        following > 0, times - ordered[np.maximum(following - 1, 0)], np.iinfo(np.int64).max
    )
    return (upcoming > before) & (preceding > after)


@dataclass(frozen=True)
class Windows:
    """Windows of equal length ending ``lead`` seconds before each of some moments: the
    grid points of each (a row), and which of them fall on the grid."""

    index: np.ndarray
    inside: np.ndarray
    ends: np.ndarray

    def take(self, values: np.ndarray) -> np.ndarray:
        """The values in each window (NaN off the grid)."""
        if values.dtype == bool:
            return np.where(self.inside, values[np.clip(self.index, 0, len(values) - 1)], False)
        return np.where(self.inside, values[np.clip(self.index, 0, len(values) - 1)], np.nan)


def windows(grid: Grid, ends: np.ndarray, horizon: int, lead: int) -> Windows:
    """The windows ``(end - horizon, end - lead]`` of the grid, one per end (in seconds)."""
    length = max(1, (horizon - lead) // grid.step)
    last = np.floor((np.asarray(ends, dtype=np.float64) - lead - grid.start) / grid.step).astype(
        np.int64
    )
    index = last[:, None] - np.arange(length - 1, -1, -1, dtype=np.int64)[None, :]
    inside = (index >= 0) & (index < len(grid.values))
    return Windows(
        index.reshape(len(last), length),
        inside.reshape(len(last), length),
        np.asarray(ends, dtype=np.float64),
    )


def extremes(taken: np.ndarray, higher: bool) -> np.ndarray:
    """The highest (or lowest) value of each window (row), NaN where under half is known."""
    if taken.size == 0:
        return np.full(len(taken), np.nan)
    known = ~np.isnan(taken)
    enough = known.sum(axis=1) * 2 >= taken.shape[1]
    filled = np.where(known, taken, -np.inf if higher else np.inf)
    found = filled.max(axis=1) if higher else filled.min(axis=1)
    return np.where(enough & np.isfinite(found), found, np.nan)
