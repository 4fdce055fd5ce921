"""Patterns across runs: matching this run's clusters to known patterns, and their status.

A *pattern* is a recurring failure shape with an id that lasts from week to
week; a *cluster* is what one run found.  Each cluster of this run continues at
most one pattern of an earlier run (at or before this run's as-of), and each
pattern at most one cluster, as a lineage:

* **shared incidents** first: a pattern continues into the cluster that holds
  the most of its incidents, provided they are at least ``min_overlap`` of the
  smaller of the two (weekly runs over a 90-day window share most of their
  incidents).  When a pattern splits, its larger part keeps the id; when
  several patterns continue into one cluster (they joined), the cluster takes
  the id of the oldest among those that brought at least half as many of its
  incidents as the largest, and the others continue into their next cluster,
  if any, or end there (deferred acceptance, patterns proposing oldest first,
  so the outcome does not depend on the order they are listed in);
* else **signature similarity**, for the clusters and patterns left: cosine of
  the two bags of templates and trace shapes, at least ``min_similarity``,
  best pair first (it carries a pattern over a gap of more than a window, when
  no incident is shared).

A cluster matched to nothing is a new pattern, numbered after the highest id so
far (``P0001``, ``P0002``…).  Status compares the last seven days before the
as-of with the weekly rate before them: ``new`` when the pattern's first
incident is within those seven days, ``growing`` when the last week holds at
least ``growth`` times the usual rate (and two incidents), ``fading`` when it
holds at most the usual rate divided by ``growth``, else ``recurring``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from failearn.timeutil import from_iso, iso

RECENT = timedelta(days=7)


@dataclass(frozen=True)
class KnownPattern:
    """A pattern as its latest cluster (in a run at or before the as-of) left it."""

    pattern_id: str
    members: frozenset[str]
    signature: dict[str, float]
    first_seen: str
    last_seen: str


@dataclass(frozen=True)
class MatchOptions:
    min_overlap: float = 0.5
    min_similarity: float = 0.8
    growth: float = 1.5


def cosine(a: dict[str, float], b: dict[str, float]) -> float:
    dot = sum(v * b.get(k, 0.0) for k, v in a.items())
    norm = math.sqrt(sum(v * v for v in a.values())) * math.sqrt(sum(v * v for v in b.values()))
    return dot / norm if norm > 0 else 0.0


Clusters = Sequence[tuple[frozenset[str], dict[str, float]]]


def match(
    clusters: Clusters, known: Sequence[KnownPattern], options: MatchOptions
) -> list[str | None]:
    """For each cluster (members, signature), the id of the known pattern it continues."""
    candidates = _candidates(clusters, known, options.min_overlap)
    result: list[str | None] = [None] * len(clusters)
    for number, pattern_id in _by_shared_incidents(candidates, known).items():
        result[number] = pattern_id
    unclaimed = [p for p in known if p.pattern_id not in candidates]
    for number, pattern_id in _by_signature(clusters, unclaimed, result, options.min_similarity):
        result[number] = pattern_id
    return result


def _candidates(
    clusters: Clusters, known: Sequence[KnownPattern], min_overlap: float
) -> dict[str, list[tuple[int, int]]]:
    """Per pattern, the clusters it may continue into as (shared incidents, cluster number),
    the one holding most of it first; a pattern that shares too little with every cluster
    is left out."""
    candidates: dict[str, list[tuple[int, int]]] = {}
    for pattern in known:
        eligible = []
        for number, (members, _) in enumerate(clusters):
            shared = len(members & pattern.members)
            overlap = shared / (min(len(members), len(pattern.members)) or 1)
            if shared and overlap >= min_overlap:
                eligible.append(((shared, overlap, -number), number))
        if eligible:
            candidates[pattern.pattern_id] = [
                (key[0], number) for key, number in sorted(eligible, reverse=True)
            ]
    return candidates


def _by_shared_incidents(
    candidates: dict[str, list[tuple[int, int]]], known: Sequence[KnownPattern]
) -> dict[int, str]:
    """Deferred acceptance: each pattern proposes to its clusters in turn, oldest first; a
    cluster keeps the better of its holder and a new proposer (:func:`_preferred`) and
    sends the other on to its next cluster.  Every pattern proposes to every cluster at
    most once, so this ends.  The pattern id each cluster keeps, by cluster number."""
    holders: dict[int, tuple[int, KnownPattern]] = {}
    queue = sorted(
        (p for p in known if p.pattern_id in candidates),
        key=lambda p: (p.first_seen, pattern_number(p.pattern_id), p.pattern_id),
    )
    while queue:
        pattern = queue.pop(0)
        left = candidates[pattern.pattern_id]
        if not left:
            continue
        shared, number = left.pop(0)
        held = holders.get(number)
        if held is None:
            holders[number] = (shared, pattern)
            continue
        kept = _preferred(held, (shared, pattern))
        holders[number] = kept
        queue.append(pattern if kept[1] is held[1] else held[1])
    return {number: pattern.pattern_id for number, (_, pattern) in holders.items()}


def _by_signature(
    clusters: Clusters,
    unclaimed: Sequence[KnownPattern],
    result: Sequence[str | None],
    min_similarity: float,
) -> list[tuple[int, str]]:
    """(cluster number, pattern id) for the clusters still unmatched and the patterns that
    shared no incident with any cluster: the most similar signatures first, each cluster
    and pattern taken once."""
    pairs: list[tuple[float, int, str]] = []
    for number, (_, signature) in enumerate(clusters):
        if result[number] is not None:
            continue
        for pattern in unclaimed:
            similarity = cosine(signature, pattern.signature)
            if similarity >= min_similarity:
                pairs.append((similarity, number, pattern.pattern_id))
    pairs.sort(key=lambda p: (-p[0], p[1], p[2]))
    matched: list[tuple[int, str]] = []
    numbers: set[int] = set()
    taken: set[str] = set()
    for _, number, pattern_id in pairs:
        if number not in numbers and pattern_id not in taken:
            matched.append((number, pattern_id))
            numbers.add(number)
            taken.add(pattern_id)
    return matched


def _preferred(
    one: tuple[int, KnownPattern], other: tuple[int, KnownPattern]
) -> tuple[int, KnownPattern]:
    """Of two patterns continuing into one cluster (they joined), the one that keeps its id:
    the older, unless it brought less than half as many of the cluster's incidents."""

    def age(claim: tuple[int, KnownPattern]) -> tuple[str, int, str]:
        pattern = claim[1]
        return pattern.first_seen, pattern_number(pattern.pattern_id), pattern.pattern_id

    most = max(one[0], other[0])
    fair = [claim for claim in (one, other) if 2 * claim[0] >= most]
    return min(fair, key=age)


def pattern_number(pattern_id: str) -> int:
    digits = pattern_id.lstrip("P")
    return int(digits) if digits.isdigit() else 0


def new_ids(existing: Sequence[str], count: int) -> list[str]:
    start = max((pattern_number(p) for p in existing), default=0) + 1
    return [f"P{n:04d}" for n in range(start, start + count)]


@dataclass(frozen=True)
class Trend:
    status: str
    recent_count: int
    weekly_rate: float


def trend(
    timestamps: Sequence[str],
    first_seen: str,
    window_start: datetime,
    as_of: datetime,
    growth: float,
) -> Trend:
    """Status of a pattern from its incident times in the window (see the module docstring)."""
    recent_from = as_of - RECENT
    recent = sum(1 for t in timestamps if t >= iso(recent_from))
    if from_iso(first_seen) >= recent_from:
        return Trend("new", recent, 0.0)
    before_from = max(window_start, from_iso(first_seen))
    weeks = max((recent_from - before_from) / RECENT, 1.0)
    rate = (len(timestamps) - recent) / weeks
    if recent >= 2 and recent >= growth * rate:
        status = "growing"
    elif recent <= rate / growth:
        status = "fading"
    else:
        status = "recurring"
    return Trend(status, recent, round(rate, 2))
