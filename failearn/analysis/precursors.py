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
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from failearn.analysis.model import Precursor


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


def find_precursors(metrics: Sequence[dict[str, float]], clusters: Sequence[Sequence[int]],
                    options: PrecursorOptions) -> list[list[Precursor]]:
    """Per cluster (lists of incident indices into ``metrics``), its precursor signals."""
    names = sorted({name for m in metrics for name, v in m.items() if _number(v)})
    found: list[list[Precursor]] = [[] for _ in clusters]
    membership = np.full(len(metrics), -1, dtype=np.int64)
    for number, members in enumerate(clusters):
        membership[np.asarray(members, dtype=np.int64)] = number
    for name in names:
        having = np.array([i for i, m in enumerate(metrics) if _number(m.get(name))],
                          dtype=np.int64)
        if len(having) < 2 * max(options.min_support, 3):
            continue
        values = np.array([float(metrics[i][name]) for i in having])
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
            consistency = float(np.mean(pattern > median_rest if higher
                                        else pattern < median_rest))
            if (abs(effect) < options.min_effect or p_value > options.max_p
                    or consistency < options.min_consistency):
                continue
            found[number].append(Precursor(
                metric=name, direction="higher" if higher else "lower",
                median_in_pattern=_round(median_in), median_rest=_round(median_rest),
                delta=_round(median_in - median_rest), effect_size=round(effect, 3),
                p_value=float(f"{p_value:.3g}"), support=n1,
                support_share=round(n1 / len(members), 3), consistency=round(consistency, 3),
                rest_count=n2))
    for signals in found:
        signals.sort(key=lambda p: (-abs(p.effect_size), p.metric))
    return found


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _round(value: float) -> float:
    """Four significant digits: enough to read, stable across platforms."""
    return float(f"{value:.4g}")
