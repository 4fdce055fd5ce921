"""Precursor signals: metrics consistently different in a pattern's incidents.

For each cluster and each metric, the pattern's values are compared with the
rest of the window (every other incident that carries the metric, noise
included) by a Mann-Whitney U test computed from one ranking per metric:

* ``effect_size`` is Cliff's delta, ``2U / (n1·n2) - 1``: +1 when every value of
  the pattern is above every other value, 0 when the two are mixed;
* ``p_value`` from the normal approximation with the tie correction;
* ``consistency`` is the share of the pattern's values on its side of the
  rest's median.

A metric is a precursor when ``|effect| >= min_effect``, ``p <= max_p``,
``consistency >= min_consistency``, and at least half of the pattern's
incidents (and ``min_support`` of them) carry it.  "Request volume +2 % before
every pool exhaustion" comes out as ``request_volume_change_pct``, higher,
median 2.1 against 0.0, effect 0.95.

Those are measured at incident time, against other incidents.  :func:`measure`
measures a signal of a metric series where a precursor lives: in the window
before each incident, against the same service's normal windows at the same
time of day on other days (see below).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

import numpy as np

from failearn.analysis.model import Precursor
from failearn.analysis.series import extremes, windows


@dataclass(frozen=True)
class PrecursorOptions:
    min_effect: float = 0.6
    max_p: float = 0.01
    min_consistency: float = 0.75
    min_support: int = 3


def _ranks(values: np.ndarray) -> tuple[np.ndarray, float]:
    """Average ranks (1-based) and the tie term Σ(t³ - t)."""
    order = np.argsort(values, kind="stable")
    sorted_values = values[order]
    _, starts, counts = np.unique(sorted_values, return_index=True, return_counts=True)
    average = starts + (counts + 1) / 2.0
    ranks = np.empty(len(values))
    ranks[order] = np.repeat(average, counts)
    ties = float(np.sum(counts.astype(np.float64) ** 3 - counts))
    return ranks, ties


def find_precursors(
    metrics: Sequence[dict[str, float]],
    clusters: Sequence[Sequence[int]],
    options: PrecursorOptions,
) -> list[list[Precursor]]:
    """Per cluster (lists of incident indices into ``metrics``), its precursor signals."""
    reported: dict[str, tuple[list[int], list[float]]] = {}
    for i, m in enumerate(metrics):
        for name, v in m.items():
            if _number(v):
                indices, values_of = reported.setdefault(name, ([], []))
                indices.append(i)
                values_of.append(float(v))
    found: list[list[Precursor]] = [[] for _ in clusters]
    membership = np.full(len(metrics), -1, dtype=np.int64)
    for number, members in enumerate(clusters):
        membership[np.asarray(members, dtype=np.int64)] = number
    for name in sorted(reported):
        having = np.array(reported[name][0], dtype=np.int64)
        if len(having) < 2 * max(options.min_support, 3):
            continue
        values = np.array(reported[name][1])
        ranks, ties = _ranks(values)
        owner = membership[having]
        n = len(values)
        for number, members in enumerate(clusters):
            inside = owner == number
            n1 = int(inside.sum())
            n2 = n - n1
            if n1 < options.min_support or n2 < 3 or n1 < 0.5 * len(members):
                continue
            u1 = float(ranks[inside].sum()) - n1 * (n1 + 1) / 2.0
            effect = 2.0 * u1 / (n1 * n2) - 1.0
            variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
            z = (u1 - n1 * n2 / 2.0) / math.sqrt(variance) if variance > 0 else 0.0
            p_value = math.erfc(abs(z) / math.sqrt(2.0))
            pattern, rest = values[inside], values[~inside]
            median_in, median_rest = float(np.median(pattern)), float(np.median(rest))
            higher = effect > 0
            consistency = float(np.mean(pattern > median_rest if higher else pattern < median_rest))
            if (
                abs(effect) < options.min_effect
                or p_value > options.max_p
                or consistency < options.min_consistency
            ):
                continue
            found[number].append(
                Precursor(
                    metric=name,
                    direction="higher" if higher else "lower",
                    median_in_pattern=_round(median_in),
                    median_rest=_round(median_rest),
                    delta=_round(median_in - median_rest),
                    effect_size=round(effect, 3),
                    p_value=float(f"{p_value:.3g}"),
                    support=n1,
                    support_share=round(n1 / len(members), 3),
                    consistency=round(consistency, 3),
                    rest_count=n2,
                )
            )
    for signals in found:
        signals.sort(key=lambda p: (-abs(p.effect_size), p.metric))
    return found


def _number(value: object) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _round(value: float) -> float:
    """Four significant digits: enough to read, stable across platforms."""
    return float(f"{value:.4g}")


# -- against normal time --------------------------------------------------------------------------
#
# The precursors above compare incidents with other incidents, at incident time.  With metric
# series, a precursor is measured where it matters: in the window *before* each incident
# against the same service's *normal* windows at the same time of day on other days (the
# daily cycle cancels out), by the window's highest (or lowest) value.

DAY = 86_400


@dataclass(frozen=True)
class NormalOptions:
    """How precursors are measured against normal time (``[precursors]``, in seconds)."""

    horizon: int = 3600
    min_lead: int = 120
    control_days: int = 7
    exclude_after: int = 7200
    min_effect: float = 0.6
    max_p: float = 0.01


@dataclass(frozen=True)
class Measurement:
    """One signal before a pattern's incidents against normal windows.

    Each incident is compared with its own controls — the same window at the
    same time of day on other days — so the daily cycle cancels out:
    ``effect_size`` is the mean over incidents of Cliff's delta between the
    incident's window extreme and its controls' (+1: higher than every control),
    signed so that a positive value means "further in ``direction``";
    ``p_value`` is a two-sided sign test over the incidents (8 incidents all on
    one side give p < 0.01, 7 cannot).  ``before`` are the incidents' window
    extremes (NaN: no data), in incident order; ``median_normal`` is the median
    of all their controls.
    """

    direction: str
    effect_size: float
    p_value: float
    incidents: int
    controls: int
    median_before: float
    median_normal: float
    before: tuple[float, ...]

    def is_precursor(self, options: NormalOptions, min_support: int) -> bool:
        return (
            self.effect_size >= options.min_effect
            and self.p_value <= options.max_p
            and self.incidents >= min_support
        )


def sign_test(positive: int, negative: int) -> float:
    """The two-sided p-value of a sign test (exact binomial, ties left out)."""
    n = positive + negative
    if n == 0:
        return 1.0
    tail = sum(math.comb(n, k) for k in range(0, min(positive, negative) + 1)) / 2.0**n
    return min(1.0, 2.0 * tail)


def cliffs_delta(first: np.ndarray, second: np.ndarray) -> tuple[float, float]:
    """Cliff's delta of ``first`` over ``second`` (+1: every value of ``first`` above every
    value of ``second``) and the two-sided Mann-Whitney p-value (normal approximation)."""
    n1, n2 = len(first), len(second)
    if n1 == 0 or n2 == 0:
        return 0.0, 1.0
    values = np.concatenate((first, second))
    ranks, ties = _ranks(values)
    n = n1 + n2
    u1 = float(ranks[:n1].sum()) - n1 * (n1 + 1) / 2.0
    delta = 2.0 * u1 / (n1 * n2) - 1.0
    variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1))) if n > 1 else 0.0
    z = (u1 - n1 * n2 / 2.0) / math.sqrt(variance) if variance > 0 else 0.0
    return delta, math.erfc(abs(z) / math.sqrt(2.0))


def measure(
    values: np.ndarray,
    grid: Any,
    normal: np.ndarray,
    incidents: Sequence[float] | np.ndarray,
    options: NormalOptions,
) -> Measurement:
    """A feature before ``incidents`` (seconds) against its normal windows at the same time of
    day on up to ``control_days`` days either side, in the direction where it differs more."""

    moments = np.asarray(incidents, dtype=np.float64)
    shifts = np.array(
        [sign * days * DAY for days in range(1, options.control_days + 1) for sign in (-1, 1)],
        dtype=np.float64,
    )
    before_windows = windows(grid, moments, options.horizon, options.min_lead)
    control_windows = windows(
        grid, (moments[:, None] + shifts[None, :]).ravel(), options.horizon, options.min_lead
    )
    usable = control_windows.inside.all(axis=1) & control_windows.take(normal).all(axis=1)
    best: Measurement | None = None
    for direction in ("higher", "lower"):
        higher = direction == "higher"
        before = extremes(before_windows.take(values), higher)
        controls = extremes(control_windows.take(values), higher)
        controls[~usable] = np.nan
        controls = controls.reshape(len(moments), len(shifts))
        found = _matched(direction, before, controls)
        if best is None or found.effect_size > best.effect_size:
            best = found
    assert best is not None
    return best


def _matched(direction: str, before: np.ndarray, controls: np.ndarray) -> Measurement:
    """The incidents' extremes against each one's own controls (rows of ``controls``)."""
    sign = 1.0 if direction == "higher" else -1.0
    with np.errstate(invalid="ignore"):
        against = np.sign(before[:, None] - controls) * sign
    known = ~np.isnan(against)
    counted = known.sum(axis=1)
    rows = (~np.isnan(before)) & (counted > 0)
    deltas = np.where(known, against, 0.0).sum(axis=1)[rows] / counted[rows]
    pooled = controls[rows][~np.isnan(controls[rows])]
    effect = float(deltas.mean()) if len(deltas) else 0.0
    p_value = sign_test(int((deltas > 0).sum()), int((deltas < 0).sum()))
    shown = before[rows]
    return Measurement(
        direction,
        round(effect, 3),
        float(f"{p_value:.3g}"),
        int(rows.sum()),
        len(pooled),
        _round(float(np.median(shown))) if len(shown) else math.nan,
        _round(float(np.median(pooled))) if len(pooled) else math.nan,
        tuple(float(v) for v in before),
    )
