from __future__ import annotations

import numpy as np
import pytest
from sklearn.cluster import DBSCAN
from sklearn.metrics import adjusted_rand_score

from failearn.analysis.dbscan import choose_parameters, dbscan, default_min_samples, knee


def blobs(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 16))
    points = np.vstack(
        [c + 0.12 * rng.normal(size=(120, 16)) for c in centres] + [rng.normal(size=(80, 16)) * 2]
    )
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    return points.astype(np.float32), rng.integers(1, 4, size=len(points)).astype(float)


@pytest.mark.parametrize("eps", [0.01, 0.03, 0.1])
def test_same_clusters_as_scikit_learn(eps: float) -> None:
    points, weights = blobs()
    reference = DBSCAN(eps=eps, min_samples=6, metric="cosine", algorithm="brute").fit(
        points, sample_weight=weights
    )
    labels, core = dbscan(points, weights, eps, 6)
    assert adjusted_rand_score(reference.labels_, labels) == 1.0
    assert set(np.flatnonzero(core)) == set(reference.core_sample_indices_)


def test_weights_stand_for_duplicates() -> None:
    points = np.eye(3, dtype=np.float32)
    labels, _ = dbscan(points, np.array([5.0, 1.0, 1.0]), 0.1, 3)
    assert labels.tolist() == [0, -1, -1]


def test_parameters_are_chosen_from_the_gap_between_patterns_and_noise() -> None:
    points, weights = blobs()
    params = choose_parameters(points, weights, int(weights.sum()), None, None)
    assert params.eps_source in {"valley", "gap", "knee"} and 0.05 <= params.eps <= 0.5
    labels, _ = dbscan(points, weights, params.eps, params.min_samples)
    assert len(set(labels.tolist()) - {-1}) == 6
    assert params.knee is not None and params.knee["k"] == params.min_samples


def test_defaults() -> None:
    assert default_min_samples(1) == 3 and default_min_samples(50_000) == 11
    assert default_min_samples(10**9) == 12
    index, value = knee(np.array([0.0, 0.01, 0.02, 0.03, 0.5, 0.9]))
    assert value == 0.03 and index == 3
