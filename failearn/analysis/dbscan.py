"""DBSCAN on weighted distinct rows, in bounded memory, and how its parameters are chosen.

Rows are compared by a similarity (distance ``1 - similarity``) computed block
by block: the dot products of a plain matrix (:class:`DotProducts`), or the
incidents' similarity of :class:`failearn.analysis.encode.BlockSimilarities`;
each row stands for ``weight`` incidents.  The algorithm is DBSCAN's, with
scikit-learn's conventions (a point counts itself; a core point has neighbours
of total weight ``>= min_samples`` within ``eps``), computed in two passes over
blocks of rows so that memory grows with ``block × rows`` and never with the
squared size of a
neighbourhood, which is what makes scikit-learn's DBSCAN need gigabytes on one
large cluster:

1. *neighbours*: the weighted neighbour count of every row → core rows;
2. *clustering*: per block, the core-to-core links are reduced to a spanning
   star per connected piece (enough to keep connectivity), the pieces are
   joined with scipy's connected components, and every border row joins the
   cluster of its most similar core row.

Clusters are numbered deterministically by the caller; labels here are
component numbers, -1 for noise.

**Choosing ``eps`` and ``min_samples``** (:func:`choose_parameters`), unless the
configuration or the command line sets them:

* ``min_samples = clip(round(ln N), 3, 12)`` for N incidents in the window:
  three is the domain's minimum support, and the logarithm grows it slowly
  so that a large window needs a little more evidence;
* ``eps`` comes from the k-distances (k = ``min_samples``; incidents sampled
  evenly, at most 2,000): each incident's distance to its k-th neighbour.
  Incidents inside patterns have small k-distances, noise large ones, and
  between the two the density of k-distances falls into a valley (an empty
  band when patterns and noise are far apart).  ``eps`` is the first valley
  after the main peak of their histogram (bins of 0.025, smoothed over three
  bins): the first bin lower than or equal to the next, below half the peak,
  with at least a fifth of the incidents under it; ``eps`` is the end of
  that bin.  When there is no such valley below 0.5 (little noise, or all
  noise), ``eps`` is the knee of the sorted curve: the point farthest below
  the chord from its first to its last value (Kneedle).  Either way it is
  clipped to [0.05, 0.5].  Below 200 sampled incidents a histogram is too
  sparse to have valleys: ``eps`` is then placed a third of the way into the
  widest gap of the sorted curve (at least 0.05 wide, lower edge below 0.5,
  a fifth of the incidents under it), else at the knee.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

EPS_RANGE = (0.05, 0.5)
MIN_SAMPLES_RANGE = (3, 12)
KNEE_SAMPLE = 2000
BLOCK = 1024
BIN = 0.025
SPARSE = 200


class Similarities(Protocol):
    """Similarities of rows, a block at a time."""

    @property
    def rows(self) -> int: ...

    def take(self, indices: np.ndarray) -> Similarities: ...

    def between(self, rows: slice | np.ndarray, other: Any = None) -> np.ndarray: ...


@dataclass(frozen=True)
class DotProducts:
    """Rows whose dot products are their similarities (unit vectors: the cosine)."""

    matrix: np.ndarray

    @property
    def rows(self) -> int:
        return int(self.matrix.shape[0])

    def take(self, indices: np.ndarray) -> DotProducts:
        return DotProducts(self.matrix[indices])

    def between(self, rows: slice | np.ndarray, other: Any = None) -> np.ndarray:
        cols = self.matrix if other is None else other.matrix
        return np.asarray(self.matrix[rows] @ cols.T)


def _similarities(source: Similarities | np.ndarray) -> Similarities:
    return DotProducts(source) if isinstance(source, np.ndarray) else source


@dataclass(frozen=True)
class Parameters:
    """DBSCAN's parameters and where each came from.

    ``eps_source`` is ``valley``, ``gap`` or ``knee`` (from the k-distance curve), ``default``
    (no incidents), ``config`` or ``option``; ``min_samples_source`` is ``default``,
    ``config`` or ``option``.
    """

    eps: float
    min_samples: int
    eps_source: str
    min_samples_source: str
    knee: dict[str, float | int] | None = None


def default_min_samples(incidents: int) -> int:
    low, high = MIN_SAMPLES_RANGE
    return int(min(high, max(low, round(math.log(max(incidents, 1))))))


def k_distances(
    source: Similarities | np.ndarray, weights: np.ndarray, k: int, sample: int = KNEE_SAMPLE
) -> np.ndarray:
    """Sorted distances at which each sampled incident has ``k`` incidents (itself included).

    Incidents are sampled evenly along the rows weighted by their counts, so a
    row standing for many incidents is sampled as often as they would be.
    """
    similarities = _similarities(source)
    total = float(weights.sum())
    if total == 0 or similarities.rows == 0:
        return np.zeros(0)
    picks = min(sample, int(total))
    cumulative = np.cumsum(weights)
    positions = (np.arange(picks) + 0.5) * total / picks
    rows = np.searchsorted(cumulative, positions, side="right")
    rows = np.minimum(rows, similarities.rows - 1)
    unique_rows, multiplicity = np.unique(rows, return_counts=True)
    out = []
    for start in range(0, len(unique_rows), BLOCK):
        chosen = unique_rows[start : start + BLOCK]
        sims = similarities.between(chosen)
        # The weighted k-th neighbour lies among the k most similar rows (weights >= 1).
        top = min(k, sims.shape[1])
        idx = np.argpartition(-sims, top - 1, axis=1)[:, :top]
        top_sims = np.take_along_axis(sims, idx, axis=1)
        order = np.argsort(-top_sims, axis=1, kind="stable")
        top_sims = np.take_along_axis(top_sims, order, axis=1)
        top_weights = weights[np.take_along_axis(idx, order, axis=1)]
        reached = np.cumsum(top_weights, axis=1) >= k
        first = np.where(reached.any(axis=1), reached.argmax(axis=1), top - 1)
        out.append(1.0 - top_sims[np.arange(len(chosen)), first])
    distances = np.clip(np.concatenate(out), 0.0, 2.0)
    return np.sort(np.repeat(distances, multiplicity))


def knee(values: np.ndarray) -> tuple[int, float]:
    """Index and value of the knee of an ascending curve (farthest below its chord)."""
    if len(values) < 3 or values[-1] <= values[0]:
        return len(values) - 1, float(values[-1]) if len(values) else 0.0
    x = np.linspace(0.0, 1.0, len(values))
    y = (values - values[0]) / (values[-1] - values[0])
    index = int(np.argmax(x - y))
    return index, float(values[index])


def widest_gap(
    values: np.ndarray, min_width: float = 0.05, min_share: float = 0.2
) -> tuple[float, float] | None:
    """A third into the widest gap of a short ascending curve: (eps, lower edge)."""
    if len(values) < 5:
        return None
    gaps = np.diff(values)
    share = np.arange(1, len(values)) / len(values)
    allowed = (values[:-1] < EPS_RANGE[1]) & (share >= min_share)
    candidates = np.where(allowed, gaps, -1.0)
    index = int(np.argmax(candidates))
    if candidates[index] < min_width:
        return None
    return float(values[index] + candidates[index] / 3.0), float(values[index + 1])


def valley(
    values: np.ndarray, width: float = BIN, min_share: float = 0.2
) -> tuple[float, float] | None:
    """The first valley of the k-distance density after its peak: (bin end, bin start).

    See the module docstring; ``None`` when there is none below ``EPS_RANGE[1]``.
    """
    if len(values) < 5:
        return None
    edges = np.arange(0.0, 1.0 + width, width)
    counts, _ = np.histogram(np.clip(values, 0.0, 1.0), bins=edges)
    smooth = np.convolve(counts.astype(np.float64), np.ones(3) / 3.0, mode="same")
    peak = int(np.argmax(smooth))
    for i in range(peak + 1, len(smooth) - 1):
        start = float(edges[i])
        if start >= EPS_RANGE[1]:
            break
        below = float(np.mean(values < start))
        if smooth[i] <= smooth[i + 1] and smooth[i] <= 0.5 * smooth[peak] and below >= min_share:
            return start + width, start
    return None


def choose_parameters(
    similarities: Similarities | np.ndarray,
    weights: np.ndarray,
    incidents: int,
    eps: float | None,
    min_samples: int | None,
    eps_source: str = "config",
    min_samples_source: str = "config",
) -> Parameters:
    """DBSCAN's parameters: the given ones, else the documented defaults (module docstring)."""
    samples = min_samples if min_samples is not None else default_min_samples(incidents)
    samples_from = min_samples_source if min_samples is not None else "default"
    if eps is not None:
        return Parameters(float(eps), samples, eps_source, samples_from)
    curve = k_distances(similarities, weights, samples)
    if len(curve) == 0:
        return Parameters(EPS_RANGE[1], samples, "default", samples_from)
    found = valley(curve) if len(curve) >= SPARSE else widest_gap(curve)
    if found is not None:
        value, start = found
        source = "valley" if len(curve) >= SPARSE else "gap"
        share = float(np.mean(curve < start))
    else:
        index, value = knee(curve)
        source = "knee"
        share = (index + 1) / len(curve)
    chosen = float(min(EPS_RANGE[1], max(EPS_RANGE[0], value)))
    summary: dict[str, float | int] = {
        "k": samples,
        "sampled": len(curve),
        "share_below": round(share, 4),
        **{f"p{q}": round(float(np.percentile(curve, q)), 4) for q in (10, 50, 90)},
    }
    return Parameters(round(chosen, 4), samples, source, samples_from, summary)


def dbscan(
    source: Similarities | np.ndarray,
    weights: np.ndarray,
    eps: float,
    min_samples: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Weighted DBSCAN over the rows of ``source`` (a matrix: its rows' dot products);
    (labels with -1 for noise, core mask)."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    similarities = _similarities(source)
    rows = similarities.rows
    if rows == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool)
    threshold = np.float32(1.0 - eps)
    w32 = weights.astype(np.float32)
    if progress:
        progress("neighbours")
    counts = np.zeros(rows)
    for start in range(0, rows, BLOCK):
        sims = similarities.between(slice(start, start + BLOCK))
        counts[start : start + BLOCK] = (sims >= threshold) @ w32
    core = counts >= min_samples - 1e-9
    if progress:
        progress("clustering")
    core_index = np.flatnonzero(core)
    core_rows = similarities.take(core_index) if len(core_index) else None
    sources: list[np.ndarray] = []
    targets: list[np.ndarray] = []
    nearest_core = np.full(rows, -1, dtype=np.int64)
    for start in range(0, rows, BLOCK):
        block = np.arange(start, min(start + BLOCK, rows))
        sims = (
            similarities.between(slice(start, start + BLOCK), core_rows)
            if core_rows is not None
            else np.zeros((len(block), 0))
        )
        linked = sims >= threshold
        if not len(core_index):
            continue
        best = sims.argmax(axis=1)
        has = linked[np.arange(len(block)), best]
        nearest_core[start : start + len(block)][has] = core_index[best[has]]
        block_core = core[start : start + len(block)]
        links = sparse.csr_matrix(linked & block_core[:, None])
        if links.nnz == 0:
            continue
        # The block's rows and the core columns as one bipartite graph; one star per piece.
        size = len(block) + len(core_index)
        graph = (
            sparse.bmat([[None, links], [links.T, None]], format="csr", dtype=np.int8)
            if links.nnz
            else None
        )
        assert graph is not None
        _, piece = connected_components(graph, directed=False)
        nodes = np.concatenate([np.arange(start, start + len(block)), core_index])
        touched = np.zeros(size, dtype=bool)
        touched[np.unique(links.nonzero()[0])] = True
        touched[len(block) + np.unique(links.nonzero()[1])] = True
        touched_nodes = np.flatnonzero(touched)
        pieces = piece[touched_nodes]
        order = np.argsort(pieces, kind="stable")
        pieces, touched_nodes = pieces[order], touched_nodes[order]
        heads = np.searchsorted(pieces, pieces)  # first node of each piece
        sources.append(nodes[touched_nodes])
        targets.append(nodes[touched_nodes[heads]])
    labels = np.full(rows, -1, dtype=np.int64)
    if not len(core_index):
        return labels, core
    src = np.concatenate(sources) if sources else np.zeros(0, dtype=np.int64)
    dst = np.concatenate(targets) if targets else np.zeros(0, dtype=np.int64)
    graph = sparse.csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(rows, rows))
    _, component = connected_components(graph, directed=False)
    labels[core] = component[core]
    border = (~core) & (nearest_core >= 0)
    labels[border] = component[nearest_core[border]]
    return labels, core
