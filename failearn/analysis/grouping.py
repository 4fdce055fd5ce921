"""Which incidents make which pattern: density clustering, then the partial evidence.

An incident known only by its metrics, its trace shape or a note is still an
incident of some pattern, but too little of it is known for it to *found* one:
compared with the richly described incidents, it is close to every one whose
metrics (or spans) look alike, and a few of them would bridge patterns that have
nothing else in common.  So the grouping runs in three steps:

1. the rows that carry the window's usual evidence — rows that recorded the same
   failing request (a shared trace id) being one failure whatever else they say,
   and at least half
   (:data:`~failearn.analysis.encode.SHARED_ENOUGH`) of the evidence weight of the
   typical (weighted median) incident of the window — are clustered
   (:func:`failearn.analysis.hierarchy.cluster`).  In a folder of post-mortems every
   incident has prose only, and that is the usual evidence;
2. each row with less joins the cluster of a row that recorded the same failing
   request (a shared trace id), else the cluster its evidence points to: compared on
   the blocks it has, its nearest clustered row is in that cluster, closer than the
   distance at which the cluster separated from the rest, and at least half of its
   :data:`VOTERS` nearest clustered rows (by weight) agree;
3. the partial rows that point nowhere are clustered among themselves: a pattern
   may be seen only through its metrics.

In steps 1 and 3 a cluster of incidents known mostly by their messages counts
only when they are more alike than not, and a cluster known by its messages or its
prose only when its incidents have something to say in common: a word or phrase
that at least half of them hold, and that is at least twice as common among them
as in the window (:func:`common_ground`).  One-off incidents that are merely closer
to each other than to anything else ("billing data corruption", "cart timeout")
are no pattern, however their weak resemblances add up.

Labels are per distinct row; clusters are numbered in the order the steps find them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from failearn.analysis.encode import SHARED_ENOUGH, BlockSimilarities
from failearn.analysis.hierarchy import ROOT_DISTANCE, Links, Result, _within, assign, cluster
from failearn.analysis.weighted import weighted_median

VOTERS = 5


@dataclass(frozen=True)
class GroupingOptions:
    """The clustering's parameters (see :mod:`failearn.commands.cluster` for how they are chosen)."""

    min_cluster_size: int = 3
    floor: float = 0.05
    min_cohesion: float = 0.05


@dataclass(frozen=True)
class Grouping:
    labels: np.ndarray  # per distinct row, its cluster or -1
    full: int  # rows clustered in step 1
    attached: int  # partial rows that joined a cluster in step 2
    partial_clusters: int  # clusters found among the partial rows in step 3


def group(
    similarities: BlockSimilarities,
    counts: np.ndarray,
    options: GroupingOptions,
    progress: Callable[[str], None] | None = None,
    templates: Sequence[tuple[str, ...]] | None = None,
    links: Links | None = None,
    body: np.ndarray | None = None,
    terms: Sequence[Iterable[str]] | None = None,
) -> Grouping:
    """Cluster the distinct rows (each standing for ``counts`` incidents, carrying
    ``templates`` and the words and phrases ``terms``); rows in ``links`` recorded the
    same failing request (a trace id)."""
    rows = similarities.rows
    vocabulary = Terms.of(terms, counts) if terms is not None else None
    labels = np.full(rows, -1, dtype=np.int64)
    if rows == 0:
        return Grouping(labels, 0, 0, 0)
    evidence = similarities.total.astype(np.float64)
    if body is not None:
        # A title alone is a name for an incident, not evidence of its shape.
        evidence = evidence - np.where(body, 0.0, similarities.evidence[:, 1] ** 2)
    typical = weighted_median(evidence, counts)
    full = np.flatnonzero(evidence >= SHARED_ENOUGH * typical - 1e-12)
    partial = np.flatnonzero(evidence < SHARED_ENOUGH * typical - 1e-12)
    sets = _message_sets(templates, rows)
    found = _cluster(
        similarities.take(full),
        counts[full],
        options,
        progress,
        _within(links, full, rows),
        sets[full],
    )
    recurring = (
        recurring_messages(templates, counts)
        if templates is not None
        else np.ones(rows, dtype=bool)
    )
    titled = ~body if body is not None else np.zeros(rows, dtype=bool)
    found = _significant(
        found,
        similarities.take(full),
        counts[full],
        options.floor,
        recurring[full],
        options.min_cohesion,
        vocabulary.take(full) if vocabulary else None,
        titled[full],
    )
    labels[full] = found.labels
    attached = 0
    if len(partial) and found.clusters:
        _follow(labels, links)
        unlinked = partial[labels[partial] < 0]
        clustered = full[found.labels >= 0]
        if len(unlinked):
            labels[unlinked] = _attach(
                similarities.on_shared_blocks(),
                unlinked,
                clustered,
                labels[clustered],
                found.birth,
                counts,
            )
        attached = int((labels[partial] >= 0).sum())
    left = partial[labels[partial] < 0]
    more = (
        _significant(
            _cluster(
                similarities.take(left),
                counts[left],
                options,
                None,
                _within(links, left, rows),
                sets[left],
            ),
            similarities.take(left),
            counts[left],
            options.floor,
            recurring[left],
            options.min_cohesion,
            vocabulary.take(left) if vocabulary else None,
            titled[left],
        )
        if len(left)
        else None
    )
    if more is not None and more.clusters:
        labels[left] = np.where(more.labels >= 0, more.labels + found.clusters, -1)
    return Grouping(labels, len(full), attached, more.clusters if more is not None else 0)


def _message_sets(templates: Sequence[tuple[str, ...]] | None, rows: int) -> np.ndarray:
    """Per row, a number for its set of message templates (-1: none): only incidents that
    recorded the same messages are linked at the floor, so that one that recorded only a
    line many failures share (a stack frame, a wrapper) does not chain them together."""
    if templates is None:
        return np.full(rows, -1, dtype=np.int64)
    index: dict[tuple[str, ...], int] = {}
    return np.array(
        [index.setdefault(t, len(index)) if t else -1 for t in templates], dtype=np.int64
    )


def _cluster(
    similarities: BlockSimilarities,
    counts: np.ndarray,
    options: GroupingOptions,
    progress: Callable[[str], None] | None,
    links: Links | None,
    sets: np.ndarray | None = None,
) -> Result:
    return cluster(
        similarities,
        counts,
        min_cluster_size=options.min_cluster_size,
        floor=options.floor,
        progress=progress,
        links=links,
        kinds=sets,
    )


def _follow(labels: np.ndarray, links: Links | None) -> None:
    """In place: a row without a cluster takes the cluster of a row it shares a trace id
    with (the lowest such cluster, to be deterministic)."""
    if links is None or not len(links[0]):
        return
    a, b = np.concatenate([links[0], links[1]]), np.concatenate([links[1], links[0]])
    take = (labels[a] < 0) & (labels[b] >= 0)
    if take.any():
        order = np.lexsort((labels[b][take], a[take]))
        rows, found = a[take][order], labels[b][take][order]
        first = np.ones(len(rows), dtype=bool)
        first[1:] = rows[1:] != rows[:-1]
        labels[rows[first]] = found[first]


def kinds(similarities: BlockSimilarities, recurring: np.ndarray) -> np.ndarray:
    """Per row, the block that carries most of its evidence (0 messages … 3 metrics); its
    messages count only when one of them recurs in the window (a line quoted once in one
    post-mortem makes it no alert)."""
    evidence = similarities.evidence.copy()
    evidence[~recurring, 0] = 0.0
    return np.asarray(np.argmax(evidence, axis=1), dtype=np.int64)


def recurring_messages(templates: Sequence[tuple[str, ...]], counts: np.ndarray) -> np.ndarray:
    """Per row, whether one of its message templates is carried by two incidents or more."""
    carried: dict[str, float] = {}
    for row_templates, count in zip(templates, counts.tolist(), strict=True):
        for template in row_templates:
            carried[template] = carried.get(template, 0.0) + count
    return np.array([any(carried[t] >= 2 for t in row) for row in templates], dtype=bool)


def cohesion(
    similarities: BlockSimilarities, rows: np.ndarray, counts: np.ndarray, sample: int = 300
) -> float:
    """The mean similarity of two incidents of ``rows`` (two of one row count as 1); the
    heaviest ``sample`` rows when there are more."""
    if len(rows) > sample:
        rows = rows[np.argsort(-counts[rows], kind="stable")[:sample]]
    weights = counts[rows].astype(np.float64)
    total = float(weights.sum())
    if total < 2:
        return 1.0
    table = similarities.between(rows, similarities.take(rows)).astype(np.float64)
    np.fill_diagonal(table, 1.0)
    return float((weights @ table @ weights - total) / (total * total - total))


def _significant(
    found: Result,
    similarities: BlockSimilarities,
    counts: np.ndarray,
    floor: float,
    recurring: np.ndarray,
    min_cohesion: float,
    vocabulary: Terms | None = None,
    titled: np.ndarray | None = None,
) -> Result:
    """Only the clusters whose incidents share something (steps 1 and 3).

    A cluster counts when the mean similarity of two of its incidents (its cohesion) is
    at least ``min_cohesion``: incidents that happen to be closer to each other than to
    anything else, but share next to nothing beyond what unrelated incidents share (a
    similarity of 0), are no pattern.  And error messages are templated: two incidents
    of one failure record the same messages, or most of them, so a cluster whose
    incidents are known mostly by their (recurring) messages counts only when they are
    more alike than not: the weighted median of the distance of its rows to their nearest
    other incident is at most :data:`~failearn.analysis.hierarchy.ROOT_DISTANCE` (or the
    floor).  Prose is not templated: post-mortems on one theme share a tenth of their
    words, and their clusters need only the cohesion.
    """
    if not found.clusters:
        return found
    kind = kinds(similarities, recurring)
    keep = np.ones(found.clusters, dtype=bool)
    for cluster_id in range(found.clusters):
        rows = np.flatnonzero(found.labels == cluster_id)
        if not len(rows):
            continue
        main = int(np.bincount(kind[rows], weights=counts[rows]).argmax())
        tight = weighted_median(found.nearest[rows], counts[rows])
        templated = main == 0 or (
            main == 1
            and titled is not None
            and 2 * float(counts[rows][titled[rows]].sum()) > float(counts[rows].sum())
        )
        keep[cluster_id] = (
            (not templated or tight <= max(floor, ROOT_DISTANCE) + 1e-9)
            and (main > 1 or vocabulary is None or common_ground(vocabulary, rows, counts))
            and cohesion(similarities, rows, counts) >= min_cohesion
        )
    number = np.cumsum(keep) - 1
    labels = np.where(
        (found.labels >= 0) & keep[np.maximum(found.labels, 0)],
        number[np.maximum(found.labels, 0)],
        -1,
    )
    return replace(found, labels=labels, birth=found.birth[keep], typical=found.typical[keep])


@dataclass(frozen=True)
class Terms:
    """Per row, the ids of the words and phrases it holds; per term, the share of the
    window's incidents that hold it."""

    rows: list[np.ndarray]
    share: np.ndarray
    incidents: float

    @classmethod
    def of(cls, terms: Sequence[Iterable[str]], counts: np.ndarray) -> Terms:
        index: dict[str, int] = {}
        rows = [
            np.unique(np.fromiter((index.setdefault(t, len(index)) for t in row), dtype=np.int64))
            for row in terms
        ]
        held = np.zeros(len(index))
        for ids, count in zip(rows, counts.tolist(), strict=True):
            held[ids] += count
        incidents = max(float(counts.sum()), 1.0)
        return cls(rows, held / incidents, incidents)

    def take(self, indices: np.ndarray) -> Terms:
        return Terms([self.rows[i] for i in indices.tolist()], self.share, self.incidents)


MOST = 0.5  # a pattern's word is held by at least this share of its incidents...
LIFT = 2.0  # ...and is at least this many times as common among them as in the window


def common_ground(vocabulary: Terms, rows: np.ndarray, counts: np.ndarray) -> bool:
    """Whether at least half of the incidents of ``rows`` hold one word or phrase that is at
    least twice as common among them as in the window (a cluster of most of the window
    needs only to be more common than in the window)."""
    weights = counts[rows].astype(np.float64)
    total = float(weights.sum())
    if total <= 0:
        return False
    held = np.zeros(len(vocabulary.share))
    for row, weight in zip(rows.tolist(), weights.tolist(), strict=True):
        held[vocabulary.rows[row]] += weight
    share = held / total
    lift = min(LIFT, vocabulary.incidents / total)
    return bool(((share >= MOST) & (share >= lift * vocabulary.share - 1e-12)).any())


def _attach(
    shared: BlockSimilarities,
    partial: np.ndarray,
    clustered: np.ndarray,
    cluster_of: np.ndarray,
    birth: np.ndarray,
    counts: np.ndarray,
) -> np.ndarray:
    """Per partial row, the cluster its evidence points to (step 2), or -1."""
    return assign(shared, partial, clustered, cluster_of, birth, counts, VOTERS)[0]


# -- the floor -----------------------------------------------------------------------

FLOOR_RANGE = (0.05, 0.5)
FLOOR_QUANTILE = 90
MIN_PAIRS = 10
SAMPLED = 50  # rows of one message set compared with each other, at most


def natural_variation(
    similarities: BlockSimilarities, templates: list[tuple[str, ...]], counts: np.ndarray
) -> tuple[float | None, dict[str, float | int]]:
    """How far apart incidents that recorded the same messages lie: the 90th percentile of
    the distances between distinct rows sharing their set of message templates (weighted by
    the incidents they stand for), clipped to FLOOR_RANGE; None with fewer than MIN_PAIRS.

    Two incidents that say the same thing are one failure, whatever their other evidence
    (a title naming another table, a missing trace, noisy metrics) adds: that spread is
    the variation a pattern must absorb, measured in this window.
    """
    groups: dict[tuple[str, ...], list[int]] = {}
    for row, row_templates in enumerate(templates):
        if row_templates:
            groups.setdefault(row_templates, []).append(row)
    distances: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    for key in sorted(groups):
        rows = np.asarray(groups[key], dtype=np.int64)
        if len(rows) < 2:
            continue
        if len(rows) > SAMPLED:
            rows = rows[np.linspace(0, len(rows) - 1, SAMPLED).astype(np.int64)]
        sims = similarities.between(rows, similarities.take(rows)).astype(np.float64)
        upper = np.triu_indices(len(rows), 1)
        distances.append(1.0 - sims[upper])
        weights.append(counts[rows][upper[0]] * counts[rows][upper[1]])
    if not distances or sum(len(d) for d in distances) < MIN_PAIRS:
        return None, {"pairs": sum(len(d) for d in distances)}
    d, w = np.concatenate(distances), np.concatenate(weights)
    order = np.argsort(d, kind="stable")
    cumulative = np.cumsum(w[order]) / w.sum()
    ranked = d[order]

    def at(share: float) -> float:
        return float(ranked[min(len(ranked) - 1, int(np.searchsorted(cumulative, share)))])

    quantile, median = at(FLOOR_QUANTILE / 100), at(0.5)
    floor = min(FLOOR_RANGE[1], max(FLOOR_RANGE[0], quantile))
    return round(floor, 4), {
        "pairs": len(d),
        "p50": round(median, 4),
        f"p{FLOOR_QUANTILE}": round(quantile, 4),
    }
