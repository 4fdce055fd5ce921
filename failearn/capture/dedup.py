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

from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Iterator, Sequence
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


def as_group(parts: Sequence[Member]) -> Group:
    """The incident that the reports ``parts`` make."""
    if len(parts) == 1:  # most reports are alone in their incident, named after them
        only = parts[0]
        return Group(only.record_id, only.key, (only.key,))
    primary = min(parts, key=priority)
    return Group(primary.record_id, primary.key, tuple(sorted(m.key for m in parts)))


def group(members: Sequence[Member], window: timedelta) -> list[Group]:
    """Partition reports into incidents; groups sorted by incident id."""
    unique = sorted({m.key: m for m in members}.values(), key=_series_order)
    given = Counter(m.record_id for m in unique if m.id_given)
    shared = {record_id for record_id, count in given.items() if count > 1}
    groups = [as_group(parts) for parts in components(unique, window, shared)]
    groups.sort(key=lambda g: g.incident_id)
    return groups


def _series_order(member: Member) -> tuple[str, str, datetime, str]:
    return (member.service, member.failure_class, member.timestamp, member.key)


def components(
    series: Iterable[Member], window: timedelta, shared: Collection[str]
) -> Iterator[list[Member]]:
    """The incidents of reports given in (service, failure class, timestamp, key) order, as
    lists of reports, each as soon as it is complete.

    A run of reports of one service and class, each within ``window`` of the one before, is
    one incident unless a report of it gives one of the ``shared`` ids (ids that more than
    one report gives): such runs wait until every report is read, and runs that share an
    id are joined.  Memory is bounded by the largest run and the runs that share ids, not
    by the number of reports.
    """
    held: list[list[Member]] = []
    run: list[Member] = []
    for member in series:
        if run:
            last = run[-1]
            if (
                member.service != last.service
                or member.failure_class != last.failure_class
                or member.timestamp - last.timestamp > window
            ):
                if _links(run, shared):
                    held.append(run)
                else:
                    yield run
                run = []
        run.append(member)
    if run:
        if _links(run, shared):
            held.append(run)
        else:
            yield run
    yield from _joined(held)


def _links(run: list[Member], shared: Collection[str]) -> bool:
    return bool(shared) and any(m.id_given and m.record_id in shared for m in run)


def _joined(runs: list[list[Member]]) -> Iterator[list[Member]]:
    """Runs joined where their reports give the same id."""
    finder = _UnionFind(str(i) for i in range(len(runs)))
    first: dict[str, str] = {}
    for index, run in enumerate(runs):
        for member in run:
            if member.id_given:
                other = first.setdefault(member.record_id, str(index))
                finder.union(other, str(index))
    joined: dict[str, list[Member]] = defaultdict(list)
    for index, run in enumerate(runs):
        joined[finder.find(str(index))].extend(run)
    yield from joined.values()


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
