from __future__ import annotations

import numpy as np
from scipy import sparse

from failearn.analysis.features import _components, _distinct_rows


def _leading_right_singular_vectors(matrix: np.ndarray, k: int) -> np.ndarray:
    _, _, vt = np.linalg.svd(matrix, full_matrices=False)
    return vt[:k]


def test_components_from_the_gram_matrix_span_the_leading_singular_vectors() -> None:
    rng = np.random.default_rng(7)
    dense = rng.random((400, 60)) * (rng.random((400, 60)) < 0.1)
    dense[:, :5] *= 10  # a few strong directions, well apart from the rest
    components = _components(sparse.csr_matrix(dense), 8)
    assert components.shape == (8, 60)
    assert np.allclose(components @ components.T, np.eye(8), atol=1e-8)
    expected = _leading_right_singular_vectors(dense, 8)
    # The same subspace, direction by direction (up to sign, which is fixed apart).
    assert np.allclose(np.abs(np.sum(components * expected, axis=1)), 1.0, atol=1e-6)
    # Each sign is fixed: the largest entry of each component is positive.
    assert (components[np.arange(8), np.abs(components).argmax(axis=1)] > 0).all()


def test_components_of_a_small_space_are_the_identity() -> None:
    assert np.array_equal(_components(sparse.csr_matrix(np.ones((5, 3))), 8), np.eye(3))


def test_distinct_rows_are_those_of_numpy_unique() -> None:
    rng = np.random.default_rng(3)
    base = np.round(rng.random((20, 6)), 1)
    rows = np.vstack([base, base[::2], -0.0 * base[:3], np.zeros((2, 6))])
    assert np.array_equal(_distinct_rows(rows), np.unique(rows, axis=0))
    assert np.array_equal(_distinct_rows(rows[:1]), rows[:1])
