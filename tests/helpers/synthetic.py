"""Synthetic series with known precursors, for the precursor and trigger tests."""

from __future__ import annotations

import math

import numpy as np

from failearn.analysis.series import Grid

DAY = 86_400
START = 1_792_972_800  # 2026-10-26T00:00:00Z, a Monday


def daily(times: np.ndarray, amplitude: float = 0.5, peak_hour: float = 15.0) -> np.ndarray:
    hours = (times % DAY) / 3600.0
    return 1.0 + amplitude * np.sin(2 * math.pi * (hours - peak_hour + 6) / 24.0)


def incidents(
    days: int,
    per_day: float,
    rng: np.random.Generator,
    hour: float | None = None,
    start: int = START,
) -> np.ndarray:
    """Incident times, at least 6 hours apart, after the first two days."""
    count = int(days * per_day)
    found: list[float] = []
    while len(found) < count:
        day = rng.integers(2, days - 1)
        at = (
            start
            + day * DAY
            + (hour * 3600 + rng.uniform(-1800, 1800) if hour is not None else rng.uniform(0, DAY))
        )
        if all(abs(at - other) > 6 * 3600 for other in found):
            found.append(float(at))
    return np.array(sorted(found))


def series(
    days: int,
    rng: np.random.Generator,
    step: int = 60,
    base: float = 100.0,
    noise: float = 0.03,
    start: int = START,
) -> Grid:
    times = start + step * np.arange(days * DAY // step)
    values = base * daily(times) * (1 + rng.normal(0, noise, len(times)))
    return Grid(start, step, values)


def ramp_before(grid: Grid, moments: np.ndarray, rise: float, minutes: float) -> Grid:
    """Multiply the series by up to ``1 + rise`` over the ``minutes`` before each moment."""
    values = grid.values.copy()
    times = grid.times.astype(float)
    for moment in moments:
        inside = (times > moment - minutes * 60) & (times <= moment)
        values[inside] *= 1 + rise * (times[inside] - (moment - minutes * 60)) / (minutes * 60)
    return Grid(grid.start, grid.step, values)


def spikes(grid: Grid, moments: np.ndarray, height: float, minutes: float = 3) -> Grid:
    values = grid.values.copy()
    times = grid.times.astype(float)
    for moment in moments:
        values[(times >= moment) & (times < moment + minutes * 60)] += height
    return Grid(grid.start, grid.step, values)
