"""Clusters cut by stability from an average-linkage hierarchy, on weighted rows.

Why this shape: a recurring failure pattern is a group of incidents more alike
among themselves than to the rest, but how alike depends on the data — alerts that
mask to one template sit on top of each other, post-mortems on one theme share a
tenth of their words.  No single radius (DBSCAN's ``eps``) fits both, so the
clusters are read off a whole hierarchy, at whatever scale each lives, the way
HDBSCAN reads them (Campello, Moulavi & Sander, 2013), from a hierarchy built by
average linkage rather than single linkage: one post-mortem that resembles two
themes (a hub) does not chain them together, as a minimum spanning tree would.

1. *floor groups*: rows linked by a chain of pairs closer than the floor are one
   group — incidents the window cannot tell apart (:func:`neighbours` finds the
   pairs block by block, with each row's nearest rows);
2. *average linkage* of the groups (each weighing the incidents it stands for,
   compared through its heaviest row): the distance of two clusters is the
   weighted mean distance of their members; pairs never compared (neither among
   the other's :data:`NEIGHBOURS` nearest groups, in a large window) count as
   unrelated, distance 1 (:func:`average_linkage`);
3. the hierarchy *condensed*: a split counts when both sides weigh at least
   ``min_cluster_size``, otherwise the lighter side's rows fall out; below the floor
   nothing splits; the *stability* of each cluster is ``Σ weight · (λ_leave −
   λ_birth)`` with ``λ = 1 / distance``;
4. *excess of mass*: bottom-up, a cluster is kept when it is at least as stable as
   its descendants together (and has some mass in excess), else they are kept.  The
   root (every incident, born at distance 1) is a cluster only when it never splits
   — a window with one pattern — and then only its rows at least half as dense as
   its densest, when they are more alike than not (median distance at most
   :data:`ROOT_DISTANCE`).

The floor is HDBSCAN(ε̂)'s ``cluster_selection_epsilon`` (Malzer & Baum, 2019): the
variation a pattern's incidents show, not a density threshold
(:func:`failearn.analysis.grouping.natural_variation`).  A row belongs to the kept
cluster it fell out of, or lies under.  Everything is deterministic: ties are
broken by row order.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from failearn.analysis.weighted import weighted_median

BLOCK = 256
CAP = 1.0  # distance at which incidents are unrelated: the root of the hierarchy
ROOT_DISTANCE = 0.5  # a window's one cluster must be at least this tight (median)
OUTLIER = 2.0  # a row that joined a cluster from farther than this × its typical row's is out
NEIGHBOURS = 30  # nearest groups compared with each group in a large window
EXACT = 4000  # up to this many groups, every pair is compared
SAMPLE = 6000  # up to this many rows, every pair is compared


class Similarities(Protocol):
    """Similarities of rows, a block at a time (see :mod:`failearn.analysis.encode`)."""

    @property
    def rows(self) -> int: ...

    def take(self, indices: np.ndarray) -> Any: ...

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


def as_similarities(source: Similarities | np.ndarray) -> Similarities:
    return DotProducts(source) if isinstance(source, np.ndarray) else source


# -- neighbours and floor groups ---------------------------------------------------------


@dataclass(frozen=True)
class Neighbours:
    """Per row, its ``k`` nearest other rows (-1: none) and their distances, nearest first;
    and pairs of rows that a chain of pairs within the floor links (a spanning forest)."""

    index: np.ndarray  # int64, rows × k
    distance: np.ndarray  # float64, rows × k (inf where index is -1)
    linked: tuple[np.ndarray, np.ndarray]


def _top(sims: np.ndarray, first: int | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar columns of each row of ``sims`` (rows ``first…`` of the same
    set, themselves left out; None: another set); ties go to the lower column."""
    rows, width = sims.shape
    if first is not None:
        own = np.arange(first, first + rows)
        inside = own < width
        sims[np.flatnonzero(inside), own[inside]] = -np.inf
    take = min(k, width)
    index = np.full((rows, k), -1, dtype=np.int64)
    distance = np.full((rows, k), np.inf)
    if take == 0:
        return index, distance
    part = (
        np.argpartition(-sims, take - 1, axis=1)[:, :take]
        if take < width
        else np.tile(np.arange(width), (rows, 1))
    )
    chosen = np.take_along_axis(sims, part, axis=1)
    order = np.lexsort((part, -chosen), axis=1)
    part = np.take_along_axis(part, order, axis=1)
    chosen = np.take_along_axis(chosen, order, axis=1)
    found = np.isfinite(chosen)
    index[:, :take] = np.where(found, part, -1)
    distance[:, :take] = np.where(found, 1.0 - chosen.astype(np.float64), np.inf)
    return index, distance


def _stars(linked: np.ndarray, first: int) -> tuple[np.ndarray, np.ndarray]:
    """The pairs of a block (rows ``first…`` × all rows) within the floor, reduced to one
    star per connected piece: enough to keep who is linked to whom."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    rows, width = linked.shape
    links = sparse.csr_matrix(linked)
    if links.nnz == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    graph = sparse.bmat([[None, links], [links.T, None]], format="csr")
    _, piece = connected_components(graph, directed=False)
    nodes = np.concatenate([np.arange(first, first + rows), np.arange(width)])
    touched = np.zeros(rows + width, dtype=bool)
    touched[np.unique(links.nonzero()[0])] = True
    touched[rows + np.unique(links.nonzero()[1])] = True
    touched_nodes = np.flatnonzero(touched)
    pieces = piece[touched_nodes]
    order = np.argsort(pieces, kind="stable")
    pieces, touched_nodes = pieces[order], touched_nodes[order]
    heads = np.searchsorted(pieces, pieces)  # first node of each piece
    return nodes[touched_nodes], nodes[touched_nodes[heads]]


def neighbours(
    source: Similarities | np.ndarray,
    k: int,
    floor: float = 0.0,
    progress: Callable[[str], None] | None = None,
    kinds: np.ndarray | None = None,
) -> Neighbours:
    """Each row's ``k`` most similar other rows, exactly, a block of rows at a time; and the
    rows linked by pairs within ``floor`` (of the same ``kinds`` only, when given)."""
    similarities = as_similarities(source)
    rows = similarities.rows
    index = np.full((rows, k), -1, dtype=np.int64)
    distance = np.full((rows, k), np.inf)
    sources, targets = [], []
    for start in range(0, rows, BLOCK):
        sims = similarities.between(slice(start, start + BLOCK))
        if floor > 0:
            within = sims >= np.float32(1.0 - floor)
            if kinds is not None:
                within &= kinds[start : start + BLOCK][:, None] == kinds[None, :]
            count = within.shape[0]
            within[np.arange(count), np.arange(start, start + count)] = False
            a, b = _stars(within, start)
            sources.append(a)
            targets.append(b)
        index[start : start + BLOCK], distance[start : start + BLOCK] = _top(
            sims.astype(np.float64), start, k
        )
        if progress:
            progress("neighbours")
    linked = (
        (np.concatenate(sources), np.concatenate(targets))
        if sources
        else (np.zeros(0, np.int64), np.zeros(0, np.int64))
    )
    return Neighbours(index, distance, linked)


def floor_groups(rows: int, linked: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Per row, its group: the connected piece of the pairs within the floor, numbered in
    the order of their first row."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    a, b = linked
    graph = sparse.csr_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(rows, rows))
    _, piece = connected_components(graph, directed=False)
    _, first = np.unique(piece, return_index=True)
    renumber = np.empty(len(first), dtype=np.int64)
    renumber[np.argsort(np.argsort(first, kind="stable"), kind="stable")] = np.arange(len(first))
    return np.asarray(renumber[piece], dtype=np.int64)


def leaders(
    similarities: Similarities,
    weights: np.ndarray,
    floor: float,
    progress: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Floor groups without chaining: rows taken heaviest first, each joins the first group
    whose leader is within the floor of it, else leads a new group.  Per row, its group
    (numbered in leader order) and its distance to the nearest leader other than itself
    (``CAP`` when none is below ``CAP``)."""
    rows = similarities.rows
    order = np.argsort(-weights, kind="stable")
    group = np.full(rows, -1, dtype=np.int64)
    nearest = np.full(rows, CAP)
    heads: list[int] = []
    threshold = np.float32(1.0 - floor)
    for start in range(0, rows, BLOCK):
        block = order[start : start + BLOCK]
        if heads:
            sims = similarities.between(block, similarities.take(np.asarray(heads)))
            best = sims.argmax(axis=1)
            top = sims[np.arange(len(block)), best]
            joined = top >= threshold
            group[block[joined]] = best[joined]
            nearest[block] = np.minimum(1.0 - top.astype(np.float64), CAP)
        else:
            joined = np.zeros(len(block), dtype=bool)
        waiting = block[~joined]
        if len(waiting):
            inner = similarities.between(waiting, similarities.take(waiting))
            for i, row in enumerate(waiting.tolist()):
                if group[row] >= 0:
                    continue
                group[row] = len(heads)
                follow = (inner[i] >= threshold) & (group[waiting] < 0)
                group[waiting[follow]] = len(heads)
                heads.append(row)
                others = np.delete(inner[i], i)
                if len(others):
                    nearest[row] = min(nearest[row], float(np.minimum(1.0 - others.max(), CAP)))
        if progress:
            progress("neighbours")
    return group, np.maximum(nearest, 0.0)


def heaviest(groups: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per group, its heaviest row (the lowest of equals): what the group is compared by."""
    order = np.lexsort((np.arange(len(groups)), -weights, groups))
    first = np.ones(len(order), dtype=bool)
    first[1:] = groups[order][1:] != groups[order][:-1]
    return np.asarray(order[first], dtype=np.int64)


# -- average linkage -------------------------------------------------------------------


@dataclass(frozen=True)
class Hierarchy:
    """A binary tree over ``rows`` leaves: internal node ``rows + i`` joins ``left[i]`` and
    ``right[i]`` at ``distance[i]``; ``size`` is the weight under each node (leaves first)."""

    left: np.ndarray
    right: np.ndarray
    distance: np.ndarray
    size: np.ndarray
    rows: int


def dense_average_linkage(distances: np.ndarray, weights: np.ndarray, floor: float) -> Hierarchy:
    """Weighted average linkage (UPGMA) of every pair (a square matrix of distances), by
    the nearest-neighbour chain: O(n²) time and memory, numpy per step."""
    rows = len(weights)
    d = np.maximum(np.asarray(distances, dtype=np.float64), floor)
    np.fill_diagonal(d, np.inf)
    size = weights.astype(np.float64).copy()
    active = np.ones(rows, dtype=bool)
    slot_node = np.arange(rows)  # the tree node each slot holds now
    merges: list[tuple[float, int, int]] = []  # (distance, slot kept, slot merged into it)
    chain: list[int] = []
    remaining = rows
    while remaining > 1:
        if not chain:
            chain.append(int(np.flatnonzero(active)[0]))
        x = chain[-1]
        row = np.where(active, d[x], np.inf)
        y = int(np.argmin(row))
        if len(chain) > 1 and row[chain[-2]] <= row[y]:
            y = chain[-2]
        if len(chain) > 1 and y == chain[-2]:
            chain.pop()
            chain.pop()
            keep, gone = min(x, y), max(x, y)
            merges.append((float(d[x, y]), keep, gone))
            total = size[keep] + size[gone]
            joined = (size[keep] * d[keep] + size[gone] * d[gone]) / total
            d[keep], d[:, keep] = joined, joined
            d[keep, keep] = np.inf
            d[gone], d[:, gone] = np.inf, np.inf
            size[keep] = total
            active[gone] = False
            remaining -= 1
        else:
            chain.append(y)
    # The chain finds the merges out of order; replay them by distance (average linkage never
    # inverts) to number the tree's nodes.
    merges.sort(key=lambda m: m[0])
    tree_size = np.concatenate([weights.astype(np.float64), np.zeros(max(rows - 1, 0))])
    left = np.zeros(max(rows - 1, 0), dtype=np.int64)
    right = np.zeros(max(rows - 1, 0), dtype=np.int64)
    height = np.zeros(max(rows - 1, 0))
    parent = list(range(rows))

    def find(slot: int) -> int:
        while parent[slot] != slot:
            parent[slot] = parent[parent[slot]]
            slot = parent[slot]
        return slot

    for i, (dist, x, y) in enumerate(merges):
        rx, ry = find(x), find(y)
        node = rows + i
        left[i], right[i], height[i] = slot_node[rx], slot_node[ry], min(dist, CAP)
        tree_size[node] = tree_size[slot_node[rx]] + tree_size[slot_node[ry]]
        parent[ry] = rx
        slot_node[rx] = node
    return Hierarchy(left, right, height, tree_size, rows)


def average_linkage(
    a: np.ndarray, b: np.ndarray, d: np.ndarray, weights: np.ndarray, floor: float
) -> Hierarchy:
    """Weighted average linkage (UPGMA) from the distances of some pairs; pairs not given
    count as ``CAP``.  Distances below ``floor`` count as the floor (they are all ties)."""
    rows = len(weights)
    size = np.concatenate([weights.astype(np.float64), np.zeros(max(rows - 1, 0))])
    left = np.zeros(max(rows - 1, 0), dtype=np.int64)
    right = np.zeros(max(rows - 1, 0), dtype=np.int64)
    height = np.zeros(max(rows - 1, 0))
    # Per node, its known neighbours: node -> [Σ w_a w_b d over known pairs, Σ w_a w_b].
    known: list[dict[int, list[float]]] = [{} for _ in range(2 * rows - 1)] if rows else []
    for x, y, dist in zip(a.tolist(), b.tolist(), np.maximum(d, floor).tolist(), strict=True):
        if x == y:
            continue
        mass = float(size[x] * size[y])
        if y in known[x] and known[x][y][0] <= mass * dist:
            continue  # the same pair given twice: the nearer reading counts
        known[x][y] = known[y][x] = [mass * dist, mass]

    def average(x: int, y: int) -> float:
        total, seen = known[x][y]
        pairs = size[x] * size[y]
        return float((total + (pairs - seen) * CAP) / pairs)

    heap = [(average(x, y), x, y) for x in range(rows) for y in known[x] if x < y]
    heapq.heapify(heap)
    alive = np.zeros(2 * rows - 1, dtype=bool)
    alive[:rows] = True
    merged = 0
    while heap and merged < rows - 1:
        dist, x, y = heapq.heappop(heap)
        if not (alive[x] and alive[y]):
            continue
        node = rows + merged
        left[merged], right[merged], height[merged] = x, y, dist
        size[node] = size[x] + size[y]
        alive[x] = alive[y] = False
        alive[node] = True
        table: dict[int, list[float]] = {}
        for side in (x, y):
            for other, (total, seen) in known[side].items():
                if other in (x, y) or not alive[other]:
                    continue
                entry = table.setdefault(other, [0.0, 0.0])
                entry[0] += total
                entry[1] += seen
                del known[other][side]
            known[side] = {}
        known[node] = table
        for other, entry in table.items():
            known[other][node] = entry
            heapq.heappush(heap, (average(node, other), other, node))
        merged += 1
    # What the pairs never joined: unrelated pieces, joined at CAP in row order.
    roots = [n for n in range(2 * rows - 1) if alive[n]] if rows else []
    while len(roots) > 1:
        x, y = roots[0], roots[1]
        node = rows + merged
        left[merged], right[merged], height[merged] = x, y, CAP
        size[node] = size[x] + size[y]
        roots = [node, *roots[2:]]
        merged += 1
    return Hierarchy(left, right, height, size, rows)


# -- condensing and selecting -------------------------------------------------------------


def level(distance: Any) -> Any:
    """The level of the hierarchy at a distance, HDBSCAN's ``λ = 1 / distance``."""
    return 1.0 / np.asarray(distance)


def distance_at(lam: Any) -> Any:
    """The distance at a level of the hierarchy."""
    return 1.0 / np.asarray(lam)


@dataclass(frozen=True)
class Condensed:
    """The condensed tree: clusters (0 is the root) with their parent and birth λ, and for
    every row the cluster it fell out of and the λ at which it did."""

    parent: np.ndarray  # per cluster, its parent cluster (-1 for the root)
    birth: np.ndarray  # per cluster, λ at which it was born
    size: np.ndarray  # per cluster, its weight at birth
    point_cluster: np.ndarray  # per row
    point_lambda: np.ndarray  # per row


def _leaves(tree: Hierarchy, node: int) -> list[int]:
    out, stack = [], [node]
    while stack:
        x = stack.pop()
        if x < tree.rows:
            out.append(x)
        else:
            stack.extend((int(tree.left[x - tree.rows]), int(tree.right[x - tree.rows])))
    return out


def condense(tree: Hierarchy, min_cluster_size: float, floor: float) -> Condensed:
    """Walk the hierarchy from the root: a split is a split when both sides weigh at least
    ``min_cluster_size``; otherwise the lighter side's rows fall out (module docstring).
    Below the floor nothing splits: the rows of a node that joins there stay to the end."""
    rows = tree.rows
    top = level(floor)
    point_cluster = np.zeros(rows, dtype=np.int64)
    point_lambda = np.zeros(rows)
    parents, births, sizes = [-1], [level(CAP)], [float(tree.size[-1]) if rows else 0.0]
    if rows == 0:
        return Condensed(
            np.array(parents), np.array(births), np.array(sizes), point_cluster, point_lambda
        )
    stack = [(2 * rows - 2, 0)]
    while stack:
        node, cluster = stack.pop()
        if node < rows or tree.distance[node - rows] <= floor * (1 + 1e-9):
            leaves = _leaves(tree, node)
            point_cluster[leaves] = cluster
            point_lambda[leaves] = top
            continue
        i = node - rows
        lam = level(tree.distance[i])
        sides = (int(tree.left[i]), int(tree.right[i]))
        big = [s for s in sides if tree.size[s] >= min_cluster_size - 1e-9]
        if len(big) == 2:
            for side in sides:
                parents.append(cluster)
                births.append(lam)
                sizes.append(float(tree.size[side]))
                stack.append((side, len(parents) - 1))
            continue
        for side in sides:
            if side in big:
                stack.append((side, cluster))
            else:
                leaves = _leaves(tree, side)
                point_cluster[leaves] = cluster
                point_lambda[leaves] = lam
    return Condensed(
        np.array(parents), np.array(births), np.array(sizes), point_cluster, point_lambda
    )


def select(condensed: Condensed, weights: np.ndarray, min_cluster_size: float) -> np.ndarray:
    """Excess of mass: which clusters are kept (bool per cluster).  The root is kept only
    when it never splits (and weighs ``min_cluster_size``): one pattern in the window."""
    clusters = len(condensed.parent)
    stability = np.zeros(clusters)
    np.add.at(
        stability,
        condensed.point_cluster,
        weights * (condensed.point_lambda - condensed.birth[condensed.point_cluster]),
    )
    for child in range(1, clusters):
        parent = int(condensed.parent[child])
        stability[parent] += condensed.size[child] * (
            condensed.birth[child] - condensed.birth[parent]
        )
    children: list[list[int]] = [[] for _ in range(clusters)]
    for child in range(1, clusters):
        children[int(condensed.parent[child])].append(child)
    best = stability.copy()
    kept = np.zeros(clusters, dtype=bool)
    for cluster in range(clusters - 1, 0, -1):  # children are numbered after their parent
        below = sum(best[c] for c in children[cluster])
        if (children[cluster] and below > stability[cluster] + 1e-12) or stability[
            cluster
        ] <= 1e-12:
            # A cluster whose rows all leave as it is born has no mass in excess: no cluster.
            best[cluster] = below
        else:
            kept[cluster] = True
            stack = list(children[cluster])
            while stack:
                c = stack.pop()
                kept[c] = False
                stack.extend(children[c])
    if clusters == 1 and condensed.size[0] >= min_cluster_size - 1e-9:
        kept[0] = True
    return kept


def labels_of(condensed: Condensed, kept: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per row, the number of its kept cluster (numbered 0… in cluster order), -1 for noise.

    A row belongs to the kept cluster it fell out of, or lies under, unless it fell out at
    more than :data:`OUTLIER` times the distance at which the cluster's rows typically do
    (the weighted median): an incident that only joined a tight pattern from afar is an
    outlier of it (GLOSH's outlier score, measured from the typical row rather than the
    densest); and a row that fell out only at the root's distance (it shares nothing with
    the cluster) is never in it.  When the root is the one cluster, its rows must also be
    more alike than not.
    """
    clusters = len(condensed.parent)
    owner = np.full(clusters, -1, dtype=np.int64)
    for cluster in range(clusters):  # parents first
        parent = int(condensed.parent[cluster])
        owner[cluster] = cluster if kept[cluster] else (owner[parent] if parent >= 0 else -1)
    number = np.full(clusters, -1, dtype=np.int64)
    kept_ids = np.flatnonzero(kept)
    number[kept_ids] = np.arange(len(kept_ids))
    mine = owner[condensed.point_cluster]
    labels = np.where(mine >= 0, number[np.maximum(mine, 0)], -1)
    leave = distance_at(condensed.point_lambda)
    for cluster in kept_ids.tolist():
        rows = np.flatnonzero(mine == cluster)
        if not len(rows):
            continue
        # A row that joined only where everything joins (it shares nothing with the
        # cluster) is no member of it, however many such rows there are; the typical row
        # is read among the others.
        apart = leave[rows] >= CAP - 1e-9
        labels[rows[apart]] = -1
        rows = rows[~apart]
        if not len(rows):
            continue
        typical = weighted_median(leave[rows], weights[rows])
        labels[rows[leave[rows] > OUTLIER * typical + 1e-12]] = -1
    if kept[0] and (
        not (labels >= 0).any() or float(np.median(leave[labels >= 0])) > ROOT_DISTANCE
    ):
        # Incidents no more alike than unlike are no pattern, however alone they are.
        labels = np.full(len(labels), -1)
    return np.asarray(labels, dtype=np.int64)


# -- all together -------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """Per row its cluster (0…) or -1 and the distance to its nearest other incident (0 when
    it stands for two or more, or is in a floor group); per cluster the distance at which it
    separated from the rest (its birth) and the distance at which its rows typically fell
    out."""

    labels: np.ndarray
    birth: np.ndarray
    nearest: np.ndarray
    typical: np.ndarray  # per cluster, the distance at which its rows typically fell out
    # The heaviest row of each clustered floor group and the weight of its group: what the
    # clusters are compared by when the rest of a large window joins them.
    heads: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    head_weight: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @property
    def clusters(self) -> int:
        return int(self.birth.shape[0])

    def reach(self) -> np.ndarray:
        """Per cluster, how far from it an incident may lie and still join it."""
        return np.asarray(np.minimum(self.birth, OUTLIER * self.typical), dtype=np.float64)


def group_pairs(
    similarities: Similarities, reps: np.ndarray, progress: Callable[[str], None] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs of groups (by their rows ``reps``) whose distance average linkage reads:
    all of them up to :data:`EXACT` groups, else each group's NEIGHBOURS nearest."""
    chosen = similarities.take(reps)
    count = len(reps)
    k = count - 1 if count <= EXACT else NEIGHBOURS
    found = neighbours(chosen, max(k, 1), progress=progress)
    a = np.repeat(np.arange(count), found.index.shape[1])
    b = found.index.ravel()
    keep = b >= 0
    return a[keep], b[keep], found.distance.ravel()[keep]


Links = tuple[np.ndarray, np.ndarray]


def _tree(
    similarities: Similarities,
    reps: np.ndarray,
    mass: np.ndarray,
    floor: float,
    links: Links | None,
) -> Hierarchy:
    """The average-linkage tree of the groups: exact up to EXACT groups, else from each
    group's NEIGHBOURS nearest; groups that share a trace id are as close as can be."""
    if len(reps) <= EXACT:
        chosen = similarities.take(reps)
        distances = np.empty((len(reps), len(reps)))
        for start in range(0, len(reps), BLOCK):
            distances[start : start + BLOCK] = 1.0 - chosen.between(slice(start, start + BLOCK))
        distances = np.minimum(np.minimum(distances, distances.T), CAP)
        if links is not None and len(links[0]):
            distances[links[0], links[1]] = distances[links[1], links[0]] = floor
        return dense_average_linkage(distances, mass, floor)
    a, b, d = group_pairs(similarities, reps)
    if links is not None and len(links[0]):
        a, b = np.concatenate([a, links[0]]), np.concatenate([b, links[1]])
        d = np.concatenate([d, np.full(len(links[0]), floor)])
    return average_linkage(a, b, d, mass, floor)


def _within(links: Links | None, subset: np.ndarray, rows: int) -> Links | None:
    """The links between rows of ``subset``, renumbered as positions in it."""
    if links is None:
        return None
    position = np.full(rows, -1, dtype=np.int64)
    position[subset] = np.arange(len(subset))
    a, b = position[links[0]], position[links[1]]
    keep = (a >= 0) & (b >= 0)
    return a[keep], b[keep]


def cluster(
    source: Similarities | np.ndarray,
    weights: np.ndarray,
    *,
    min_cluster_size: int,
    floor: float,
    progress: Callable[[str], None] | None = None,
    links: Links | None = None,
    limit: int = SAMPLE,
    kinds: np.ndarray | None = None,
) -> Result:
    """Cluster the rows of ``source`` (each standing for ``weights`` incidents); pairs of rows
    in ``links`` are one failure whatever their evidence (they share a trace id).

    Up to ``limit`` rows, every pair is compared (:func:`cluster_exactly`).  Above it, the
    ``limit`` heaviest rows are clustered, every other row joins the cluster its nearest
    clustered rows agree on (when it is closer than the cluster's birth distance, as the
    rows that fall out of a cluster belong to it), and the rows that join none are
    clustered the same way in turn: a pattern the first rows missed is found among them.
    """
    similarities = as_similarities(source)
    rows = similarities.rows
    if rows <= limit:
        return cluster_exactly(
            similarities,
            weights,
            min_cluster_size=min_cluster_size,
            floor=floor,
            progress=progress,
            links=links,
            kinds=kinds,
        )
    sample = np.sort(np.argsort(-weights, kind="stable")[:limit])
    first = cluster_exactly(
        similarities.take(sample),
        weights[sample],
        min_cluster_size=min_cluster_size,
        floor=floor,
        progress=progress,
        links=_within(links, sample, rows),
        kinds=kinds[sample] if kinds is not None else None,
    )
    labels = np.full(rows, -1, dtype=np.int64)
    nearest = np.zeros(rows)
    labels[sample], nearest[sample] = first.labels, first.nearest
    rest = np.setdiff1d(np.arange(rows), sample)
    heads = sample[first.heads]
    joined, distance = assign(
        similarities,
        rest,
        heads,
        first.labels[first.heads],
        first.reach(),
        first.head_weight,
        by_target=True,
    )
    labels[rest], nearest[rest] = joined, distance
    left = rest[joined < 0]
    if not len(left):
        return Result(labels, first.birth, nearest, first.typical)
    more = cluster(
        similarities.take(left),
        weights[left],
        min_cluster_size=min_cluster_size,
        floor=floor,
        progress=progress,
        links=_within(links, left, rows),
        limit=limit,
        kinds=kinds[left] if kinds is not None else None,
    )
    labels[left] = np.where(more.labels >= 0, more.labels + first.clusters, -1)
    nearest[left] = np.minimum(nearest[left], more.nearest)
    return Result(
        labels,
        np.concatenate([first.birth, more.birth]),
        nearest,
        np.concatenate([first.typical, more.typical]),
    )


def assign(
    similarities: Similarities,
    rows: np.ndarray,
    clustered: np.ndarray,
    cluster_of: np.ndarray,
    reach: np.ndarray,
    weights: np.ndarray,
    voters: int = 5,
    by_target: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Per row of ``rows``, the cluster its nearest ``clustered`` rows point to, or -1: the
    nearest one's, when it is within that cluster's ``reach`` and at least half of the
    ``voters`` nearest (by weight) agree; and each row's distance to its nearest.
    ``weights`` are per row of the window, or per clustered row with ``by_target``."""
    out = np.full(len(rows), -1, dtype=np.int64)
    distance = np.full(len(rows), CAP)
    if not len(clustered) or not len(rows):
        return out, distance
    targets = similarities.take(clustered)
    count = min(voters, len(clustered))
    for start in range(0, len(rows), BLOCK):
        block = rows[start : start + BLOCK]
        index, far = _top(similarities.between(block, targets).astype(np.float64), None, count)
        nearest = cluster_of[index[:, 0]]
        weight = weights[index] if by_target else weights[clustered][index]
        agree = ((cluster_of[index] == nearest[:, None]) * weight).sum(axis=1) / weight.sum(axis=1)
        ok = (far[:, 0] <= reach[nearest]) & (agree >= 0.5)
        out[start : start + len(block)] = np.where(ok, nearest, -1)
        distance[start : start + len(block)] = np.minimum(far[:, 0], CAP)
    return out, distance


def cluster_exactly(
    similarities: Similarities,
    weights: np.ndarray,
    *,
    min_cluster_size: int,
    floor: float,
    progress: Callable[[str], None] | None = None,
    links: Links | None = None,
    kinds: np.ndarray | None = None,
) -> Result:
    """Cluster every row, comparing every group (module docstring)."""
    rows = similarities.rows
    if rows == 0:
        return Result(np.zeros(0, np.int64), np.zeros(0), np.zeros(0), np.zeros(0))
    found = neighbours(similarities, 1, floor, progress, kinds)
    groups = floor_groups(rows, found.linked)
    nearest = np.minimum(found.distance[:, 0], CAP)
    reps = heaviest(groups, weights)
    mass = np.bincount(groups, weights=weights)
    if progress:
        progress("clustering")
    tree = _tree(
        similarities,
        reps,
        mass,
        floor,
        (groups[links[0]], groups[links[1]]) if links is not None else None,
    )
    condensed = condense(tree, min_cluster_size, floor)
    kept = select(condensed, mass, min_cluster_size)
    group_labels = labels_of(condensed, kept, mass)
    birth = distance_at(condensed.birth[kept])
    # A cluster left with no row (all of them outliers) is no cluster: renumber.
    remaining = np.unique(group_labels[group_labels >= 0])
    number = np.full(len(birth) + 1, -1, dtype=np.int64)
    number[remaining] = np.arange(len(remaining))
    group_labels = number[group_labels]
    leave = distance_at(condensed.point_lambda)
    typical = np.array(
        [
            weighted_median(leave[group_labels == c], mass[group_labels == c])
            for c in range(len(remaining))
        ]
    )
    alone = np.bincount(groups, minlength=len(reps))[groups] == 1
    nearest = np.where((weights >= 2 - 1e-9) | ~alone, 0.0, nearest)
    clustered = group_labels >= 0
    return Result(
        group_labels[groups], birth[remaining], nearest, typical, reps[clustered], mass[clustered]
    )
