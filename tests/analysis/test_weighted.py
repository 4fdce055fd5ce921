from __future__ import annotations

import numpy as np
import pytest

from failearn.analysis.weighted import weighted_median


@pytest.mark.parametrize(
    ("values", "weights", "expected"),
    [
        ([3.0, 1.0, 2.0], [1.0, 1.0, 1.0], 2.0),
        ([1.0, 2.0, 3.0], [1.0, 1.0, 5.0], 3.0),  # one row standing for five incidents
        ([1.0, 2.0], [1.0, 1.0], 1.0),  # a tie: the lower median
        ([0.4], [2.0], 0.4),
    ],
)
def test_weighted_median(values: list[float], weights: list[float], expected: float) -> None:
    assert weighted_median(np.array(values), np.array(weights)) == expected
