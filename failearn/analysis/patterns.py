"""Patterns across runs: matching this run's clusters to known patterns, and their status.

A *pattern* is a recurring failure shape with an id that lasts from week to
week; a *cluster* is what one run found.  Each cluster is matched to the
pattern of an earlier run (at or before this run's as-of) that it resembles
most, one to one, greedily from the best pair:

* **member overlap**: shared incidents over the smaller of the two (weekly runs
  over a 90-day window share most of their incidents), at least
  ``min_overlap``;
* else **signature similarity**: cosine of the two bags of templates and trace
  shapes, at least ``min_similarity`` (it carries a pattern over a gap of more
  than a window, when no incident is shared).

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


def match(clusters: Sequence[tuple[frozenset[str], dict[str, float]]],
          known: Sequence[KnownPattern], options: MatchOptions) -> list[str | None]:
    """For each cluster (members, signature), the id of the known pattern it continues."""
    pairs: list[tuple[float, float, int, str]] = []
    for number, (members, signature) in enumerate(clusters):
        for pattern in known:
            shared = len(members & pattern.members)
            smaller = min(len(members), len(pattern.members)) or 1
            overlap = shared / smaller
            jaccard = shared / (len(members | pattern.members) or 1)
            score = overlap if overlap >= options.min_overlap else 0.0
            if score == 0.0:
                similarity = cosine(signature, pattern.signature)
                score = similarity if similarity >= options.min_similarity else 0.0
                # A shared incident is stronger evidence than a resemblance.
                score *= 0.99
            if score > 0:
                pairs.append((score, jaccard, number, pattern.pattern_id))
    pairs.sort(key=lambda p: (-p[0], -p[1], p[2], p[3]))
    result: list[str | None] = [None] * len(clusters)
    taken: set[str] = set()
    for _, _, number, pattern_id in pairs:
        if result[number] is None and pattern_id not in taken:
            result[number] = pattern_id
            taken.add(pattern_id)
    return result


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


def trend(timestamps: Sequence[str], first_seen: str, window_start: datetime,
          as_of: datetime, growth: float) -> Trend:
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
