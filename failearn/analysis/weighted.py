"""Statistics of weighted values: a distinct row stands for the incidents it holds."""

from __future__ import annotations

import numpy as np


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at which half of the weight lies below or at it (the lower median on a tie;
    the first of equal values by their order)."""
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cumulative, 0.5 * cumulative[-1])])
