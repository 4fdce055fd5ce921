"""Duplicate merge: which reports are one incident.

Alerts from several replicas, a pager event and the post-mortem written a week
later all describe one incident.  Two reports are one incident when they have
the same service and failure class and start within the dedup window of each
other (5 minutes by default), or when their sources gave them the same id.
The relation is chained (single linkage): reports at 12:00, 12:04 and 12:08 are
one incident.  Windows are measured between reports, never by clock buckets,
so 12:04:59 and 12:05:01 merge.

The result depends only on the set of reports, never on the order they
arrived in: components of a graph are order-free, and an incident's id is the
id of its primary report (a post-mortem before alerts, then the earliest, then
the smallest key).  Pure functions; the store supplies the reports.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from failearn.timeutil import from_iso


@dataclass(frozen=True, slots=True)
class Member:
    """One report as grouping sees it."""

    key: str
    record_id: str
    id_given: bool
    service: str
    failure_class: str
    timestamp: datetime
    kind: str


@dataclass(frozen=True, slots=True)
class Group:
    """One incident: its id, its primary report, and every member's key."""

    incident_id: str
    primary: str
    keys: tuple[str, ...]


class _UnionFind:
    def __init__(self, items: Iterable[str]) -> None:
        self.parent = {item: item for item in items}

    def find(self, item: str) -> str:
        root = item
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[item] != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # Deterministic: the smaller key becomes the root.
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def priority(member: Member) -> tuple[bool, datetime, str]:
    """Sort key of the primary report: post-mortems first, then earliest, then by key."""
    return (member.kind != "markdown", member.timestamp, member.key)


def group(members: Sequence[Member], window: timedelta) -> list[Group]:
    """Partition reports into incidents; groups sorted by incident id."""
    unique = {m.key: m for m in members}
    finder = _UnionFind(unique)
    by_class: dict[tuple[str, str], list[Member]] = defaultdict(list)
    by_id: dict[str, list[str]] = defaultdict(list)
    for member in unique.values():
        by_class[(member.service, member.failure_class)].append(member)
        if member.id_given:
            by_id[member.record_id].append(member.key)
    for series in by_class.values():
        series.sort(key=lambda m: (m.timestamp, m.key))
        for before, after in itertools.pairwise(series):
            if after.timestamp - before.timestamp <= window:
                finder.union(before.key, after.key)
    for keys in by_id.values():
        for other in keys[1:]:
            finder.union(keys[0], other)
    components: dict[str, list[Member]] = defaultdict(list)
    for member in unique.values():
        components[finder.find(member.key)].append(member)
    groups: list[Group] = []
    for parts in components.values():
        primary = min(parts, key=priority)
        groups.append(Group(primary.record_id, primary.key, tuple(sorted(m.key for m in parts))))
    groups.sort(key=lambda g: g.incident_id)
    return groups


def member_from_row(
    key: str,
    record_id: str,
    id_given: bool,
    service: str,
    failure_class: str,
    timestamp: str,
    kind: str,
) -> Member:
    """A member from a stored report's columns."""
    return Member(key, record_id, id_given, service, failure_class, from_iso(timestamp), kind)
