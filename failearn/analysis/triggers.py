"""Triggers learned from metric series, and how well they would have worked.

A trigger watches one signal (a feature of a series, :mod:`failearn.analysis.series`)
and fires when it goes beyond a threshold.  For each threshold worth trying
(:func:`thresholds`: upper quantiles of the signal in normal time, and the
values it reached before each incident, rounded to two significant figures),
:func:`evaluate` records when it would have fired in normal time (alarm
episodes: runs beyond the threshold, runs closer than ``rearm`` together
counting once) and, for each incident, whether it fired in the ``horizon``
before it (at least ``min_lead`` ahead) and how far ahead.

:func:`learn` chooses among every candidate of every signal the one that fires
before the most incidents while firing at most ``target`` times a week in
normal time; ties go to the preferred signal, then the fewer false alarms,
then the longer lead.  :func:`cross_validate` says how that choice does on data
it was not made on: time is cut into ``folds`` blocks, a trigger is learned
without each block and tried on it (a block where none meets the target fires
never, and its incidents count as missed).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from failearn.analysis.series import Grid, Windows

WEEK = 7 * 86_400
QUANTILES = (0.9, 0.95, 0.98, 0.99, 0.995, 0.998, 0.999, 0.9995, 0.9998, 0.9999, 1.0)


@dataclass(frozen=True)
class TriggerOptions:
    """How triggers are learned and judged (``[precursors]``, in seconds)."""

    horizon: int = 3600
    min_lead: int = 120
    rearm: int = 3600
    target: float = 1.0
    folds: int = 4
    min_normal: int = 7 * 86_400


@dataclass(frozen=True)
class Backtest:
    """What a trigger would have done: before how many incidents it fired and how far ahead,
    and how often it fired in normal time."""

    incidents: int
    caught: int
    leads: tuple[float, ...]
    false_alarms: int
    normal_seconds: float
    held_out: bool = False

    @property
    def recall(self) -> float | None:
        return None if self.incidents == 0 else self.caught / self.incidents

    @property
    def false_alarms_per_week(self) -> float | None:
        return (
            None if self.normal_seconds <= 0 else self.false_alarms / (self.normal_seconds / WEEK)
        )

    @property
    def median_lead(self) -> float | None:
        return float(np.median(self.leads)) if self.leads else None


@dataclass
class Candidate:
    """One threshold on one signal, evaluated: alarm times in normal time, per incident
    whether (and how far ahead) it fired."""

    signal: int
    threshold: float
    higher: bool
    fires: np.ndarray
    caught: np.ndarray
    leads: np.ndarray
    normal_by_fold: np.ndarray = field(default_factory=lambda: np.zeros(0))
    fire_folds: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    fires_by_fold: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def round_figures(value: float, figures: int = 2) -> float:
    if value == 0 or not math.isfinite(value):
        return value
    digits = figures - 1 - math.floor(math.log10(abs(value)))
    return round(value, digits)


def thresholds(
    values: np.ndarray, valid: np.ndarray, before: Sequence[float], higher: bool
) -> list[float]:
    """The thresholds worth trying for a signal: upper (or lower) quantiles of its normal
    values and the values it reached before the incidents, at two significant figures."""
    normal = values[valid]
    found: set[float] = set()
    if len(normal):
        levels = QUANTILES if higher else tuple(1 - q for q in QUANTILES)
        found.update(round_figures(float(v)) for v in np.quantile(normal, levels))
    reached = np.array([v for v in before if math.isfinite(v)])
    if len(reached):
        # Just inside what the incidents reached, at a dozen of its quantiles.
        for value in np.quantile(reached, np.linspace(0.0, 1.0, 12)):
            found.add(round_figures(float(value) * (0.995 if (value > 0) == higher else 1.005)))
    return sorted(found)


def _episodes(beyond: np.ndarray, times: np.ndarray, rearm: int) -> np.ndarray:
    """The start times of alarm episodes: runs of ``beyond``, merged when closer than
    ``rearm`` seconds."""
    if not beyond.any():
        return np.empty(0, dtype=np.int64)
    padded = np.concatenate(([False], beyond, [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    starts, ends = times[edges[0::2]], times[edges[1::2] - 1]
    keep = np.ones(len(starts), dtype=bool)
    keep[1:] = starts[1:] - ends[:-1] >= rearm
    return np.asarray(starts[keep], dtype=np.int64)


def evaluate(
    signal: int,
    values: np.ndarray,
    grid: Grid,
    valid: np.ndarray,
    before: Windows,
    threshold: float,
    higher: bool,
    options: TriggerOptions,
) -> Candidate:
    """One threshold on one signal over the grid (``valid``: normal time with a value;
    ``before``: the window before each incident)."""
    return evaluate_many(signal, values, grid, valid, before, [threshold], higher, options)[0]


def evaluate_many(
    signal: int,
    values: np.ndarray,
    grid: Grid,
    valid: np.ndarray,
    before: Windows,
    thresholds: Sequence[float],
    higher: bool,
    options: TriggerOptions,
) -> list[Candidate]:
    """Several thresholds on one signal at once (the windows are read once)."""
    taken = before.take(values)
    known = ~np.isnan(values)
    found = []
    for threshold in thresholds:
        with np.errstate(invalid="ignore"):
            beyond = ((values > threshold) if higher else (values < threshold)) & known
            hits = (taken > threshold) if higher else (taken < threshold)
        fires = _episodes(beyond & valid, grid.times, options.rearm)
        caught = np.asarray(
            hits.any(axis=1) if hits.size else np.zeros(len(before.ends)), dtype=bool
        )
        leads = np.full(len(before.ends), np.nan)
        if caught.any():
            first = before.index[caught, hits[caught].argmax(axis=1)]
            leads[caught] = before.ends[caught] - (grid.start + first * grid.step)
        found.append(Candidate(signal, threshold, higher, fires, caught, leads))
    return found


@dataclass(frozen=True)
class Folds:
    """Time cut into equal blocks; which block each incident falls in."""

    start: int
    end: int
    count: int
    incident_folds: np.ndarray

    def of(self, times: np.ndarray) -> np.ndarray:
        size = max(1.0, (self.end - self.start) / self.count)
        return np.clip(
            ((np.asarray(times) - self.start) // size).astype(np.int64), 0, self.count - 1
        )

    def normal_seconds(self, grid: Grid, valid: np.ndarray) -> np.ndarray:
        """Seconds of normal time with a value in each block."""
        counts = np.bincount(self.of(grid.times[valid]), minlength=self.count)
        return counts.astype(np.float64) * grid.step


def folds_for(start: int, end: int, incidents: Sequence[float] | np.ndarray, count: int) -> Folds:
    folds = Folds(start, end, max(1, count), np.zeros(0, dtype=np.int64))
    return Folds(start, end, folds.count, folds.of(np.asarray(incidents, dtype=np.float64)))


def attach_folds(candidate: Candidate, folds: Folds, normal_by_fold: np.ndarray) -> Candidate:
    candidate.normal_by_fold = normal_by_fold
    candidate.fire_folds = folds.of(candidate.fires)
    candidate.fires_by_fold = np.bincount(candidate.fire_folds, minlength=folds.count)
    return candidate


def _score(
    candidate: Candidate,
    incidents: np.ndarray,
    blocks: np.ndarray,
    options: TriggerOptions,
    preference: int,
) -> tuple[float, ...] | None:
    """How a candidate ranks (more incidents caught, the preferred signal, fewer false
    alarms), or None when it does not meet the target; the lead time breaks ties later."""
    normal = float(candidate.normal_by_fold[blocks].sum())
    if normal < options.min_normal:
        return None
    rate = int(candidate.fires_by_fold[blocks].sum()) / (normal / WEEK)
    if rate > options.target:
        return None
    caught = int((candidate.caught & incidents).sum())
    if not caught:
        return None
    return (float(caught), -preference, -round(rate, 6))


def learn(
    candidates: Sequence[Candidate],
    preference: Sequence[int],
    incidents: np.ndarray,
    blocks: np.ndarray,
    options: TriggerOptions,
) -> Candidate | None:
    """The candidate that fires before the most of ``incidents`` (a mask) at most ``target``
    times a week in the normal time of ``blocks`` (a mask of folds)."""
    best: tuple[float, ...] | None = None
    tied: list[Candidate] = []
    for candidate in candidates:
        score = _score(candidate, incidents, blocks, options, preference[candidate.signal])
        if score is None or (best is not None and score < best):
            continue
        if best is None or score > best:
            best, tied = score, []
        tied.append(candidate)
    if not tied:
        return None
    # The longer median lead wins a tie; the first of equals (candidates come in order).
    leads = [float(np.median(c.leads[c.caught & incidents])) for c in tied]
    return tied[max(range(len(tied)), key=lambda i: (leads[i], -i))]


def backtest(
    candidate: Candidate, incidents: np.ndarray, blocks: np.ndarray, held_out: bool = False
) -> Backtest:
    """What a candidate did over ``incidents`` (a mask) and the normal time of ``blocks``."""
    caught = candidate.caught & incidents
    alarms = int(candidate.fires_by_fold[blocks].sum())
    return Backtest(
        int(incidents.sum()),
        int(caught.sum()),
        tuple(float(v) for v in candidate.leads[caught]),
        alarms,
        float(candidate.normal_by_fold[blocks].sum()),
        held_out,
    )


def cross_validate(
    candidates: Sequence[Candidate],
    preference: Sequence[int],
    folds: Folds,
    options: TriggerOptions,
) -> Backtest:
    """Learn without each block of time and try the trigger on it; the sum over blocks."""
    incidents = caught = alarms = 0
    normal = 0.0
    leads: list[float] = []
    for block in range(folds.count):
        inside = folds.incident_folds == block
        blocks = np.arange(folds.count) == block
        incidents += int(inside.sum())
        chosen = learn(candidates, preference, ~inside, ~blocks, options)
        if chosen is None:
            # No trigger: no alarm, every incident of the block missed.
            normal += max((float(c.normal_by_fold[block]) for c in candidates), default=0.0)
            continue
        result = backtest(chosen, inside, blocks)
        caught += result.caught
        alarms += result.false_alarms
        normal += result.normal_seconds
        leads.extend(result.leads)
    return Backtest(incidents, caught, tuple(leads), alarms, normal, held_out=True)
