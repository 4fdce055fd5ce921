"""Average linkage on weighted rows, cut by stability: scipy's tree, duplicates, the floor."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.cluster.hierarchy import linkage
from scipy.spatial.distance import pdist
from sklearn.metrics import adjusted_rand_score

from failearn.analysis import hierarchy as h


def blobs(seed: int, spread: float = 0.2, scattered: int = 30) -> np.ndarray:
    """Six blobs of unit vectors, then ``scattered`` unit vectors pointing anywhere."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 64))
    points = np.vstack(
        [c + spread * rng.normal(size=(int(rng.integers(20, 60)), 64)) for c in centres]
        + [rng.normal(size=(scattered, 64))]
    )
    return np.asarray(points / np.linalg.norm(points, axis=1, keepdims=True))


def every_pair(points: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    a, b = np.triu_indices(len(points), 1)
    return a, b, 1.0 - np.einsum("ij,ij->i", points[a], points[b])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_average_linkage_is_scipys(seed: int) -> None:
    points = np.abs(blobs(seed))  # cosine distances within [0, 1]
    a, b, d = every_pair(points)
    mine = h.average_linkage(a, b, d, np.ones(len(points)), 0.0)
    reference = linkage(pdist(points, "cosine"), method="average")
    assert np.allclose(np.sort(mine.distance), np.sort(reference[:, 2]), atol=1e-9)


def test_weights_stand_for_duplicates() -> None:
    points = np.abs(blobs(3))[:60]
    weights = np.random.default_rng(3).integers(1, 4, size=len(points)).astype(float)
    repeated = np.repeat(points, weights.astype(int), axis=0)
    a, b, d = every_pair(points)
    mine = h.average_linkage(a, b, d, weights, 0.0)
    reference = linkage(pdist(repeated, "cosine"), method="average")
    # The duplicates merge at distance 0 first; the other merges are the same.
    positive = np.sort(reference[:, 2])[-(len(points) - 1) :]
    assert np.allclose(np.sort(mine.distance), positive, atol=1e-9)


def test_pairs_never_given_count_as_unrelated() -> None:
    # Two pairs, close inside, never compared across: they join at distance 1.
    a, b, d = np.array([0, 2]), np.array([1, 3]), np.array([0.1, 0.2])
    tree = h.average_linkage(a, b, d, np.ones(4), 0.0)
    assert sorted(tree.distance.tolist()) == pytest.approx([0.1, 0.2, 1.0])


def test_each_blob_is_one_cluster_of_its_own() -> None:
    points = blobs(4, spread=0.1)
    result = h.cluster(points, np.ones(len(points)), min_cluster_size=3, floor=0.02)
    labels = result.labels[:-30]
    # Blob points are consecutive: every run of one label is a blob, and no label repeats.
    runs = [int(label) for i, label in enumerate(labels) if i == 0 or label != labels[i - 1]]
    assert len(runs) == 6 and len(set(runs)) == 6 and min(runs) >= 0
    # A scattered point never shares a cluster with a blob's points...
    blob_labels = set(runs)
    joined = [label for label in result.labels[-30:].tolist() if label in blob_labels]
    assert len(joined) <= 3  # ...but for one that happens to lie near it


def test_a_sample_finds_what_every_pair_finds() -> None:
    points = blobs(5, spread=0.1)
    weights = np.ones(len(points))
    exact = h.cluster(points, weights, min_cluster_size=3, floor=0.02)
    sampled = h.cluster(points, weights, min_cluster_size=3, floor=0.02, limit=120)
    blob = slice(0, len(points) - 30)
    assert (sampled.labels[blob] >= 0).mean() > 0.95
    assert adjusted_rand_score(exact.labels[blob], sampled.labels[blob]) > 0.85


def test_a_heavy_row_is_a_cluster_by_itself_and_a_light_one_is_noise() -> None:
    result = h.cluster(np.eye(3), np.array([5.0, 1.0, 1.0]), min_cluster_size=3, floor=0.1)
    assert result.labels.tolist() == [0, -1, -1]


def test_groups_closer_than_the_floor_are_one_cluster() -> None:
    # Two tight groups 0.2 apart, and a third far from both.
    angle = np.arccos(0.8)
    rows = [np.array([1.0, 0.0, 0.0])] * 4 + [np.array([np.cos(angle), np.sin(angle), 0.0])] * 4
    rows += [np.array([0.0, 0.0, 1.0])] * 4
    points = np.asarray(rows) + np.random.default_rng(0).normal(scale=1e-3, size=(12, 3))
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    weights = np.ones(12)
    apart = h.cluster(points, weights, min_cluster_size=3, floor=0.05)
    assert apart.clusters == 3
    merged = h.cluster(points, weights, min_cluster_size=3, floor=0.3)
    assert merged.clusters == 2
    assert len(set(merged.labels[:8].tolist())) == 1 and merged.labels[8] != merged.labels[0]


def test_one_pattern_and_noise_is_one_cluster() -> None:
    rng = np.random.default_rng(1)
    pattern = np.array([1.0, 0.0, 0.0, 0.0]) + rng.normal(scale=0.01, size=(6, 4))
    stray = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]])
    points = np.vstack([pattern, stray])
    points /= np.linalg.norm(points, axis=1, keepdims=True)
    result = h.cluster(points, np.ones(8), min_cluster_size=3, floor=0.05)
    assert result.labels.tolist() == [0] * 6 + [-1, -1]


def test_unrelated_incidents_are_noise_and_too_few_are_noise() -> None:
    alone = h.cluster(np.eye(6), np.ones(6), min_cluster_size=3, floor=0.05)
    assert alone.labels.tolist() == [-1] * 6
    few = h.cluster(np.eye(2), np.ones(2), min_cluster_size=3, floor=0.1)
    assert few.labels.tolist() == [-1, -1] and few.clusters == 0
    empty = h.cluster(np.zeros((0, 3)), np.zeros(0), min_cluster_size=3, floor=0.1)
    assert empty.labels.tolist() == []


def test_linked_rows_join_whatever_their_evidence() -> None:
    # Two groups of three, unrelated by their vectors, linked by shared trace ids.
    points = np.vstack([np.tile([1.0, 0.0], (3, 1)), np.tile([0.0, 1.0], (3, 1))])
    apart = h.cluster(points, np.ones(6), min_cluster_size=3, floor=0.05)
    assert apart.clusters == 2
    links = (np.array([0, 1, 2]), np.array([3, 4, 5]))
    joined = h.cluster(points, np.ones(6), min_cluster_size=3, floor=0.05, links=links)
    assert joined.clusters == 1 and len(set(joined.labels.tolist())) == 1
