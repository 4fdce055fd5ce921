from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from failearn.capture.dedup import Member, components, group

BASE = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=5)


def member(
    key: str,
    seconds: int,
    service: str = "checkout",
    cls: str = "timeout",
    kind: str = "json",
    record_id: str | None = None,
    given_id: bool = True,
) -> Member:
    return Member(
        key, record_id or key, given_id, service, cls, BASE + timedelta(seconds=seconds), kind
    )


def partition(members: list[Member]) -> set[frozenset[str]]:
    return {frozenset(g.keys) for g in group(members, WINDOW)}


def test_across_a_clock_boundary() -> None:
    members = [member("a", 299), member("b", 301)]  # 12:04:59 and 12:05:01
    assert partition(members) == {frozenset({"a", "b"})}


def test_the_window_edge_is_inclusive() -> None:
    assert partition([member("a", 0), member("b", 300)]) == {frozenset({"a", "b"})}
    assert partition([member("a", 0), member("b", 301)]) == {frozenset({"a"}), frozenset({"b"})}


def test_chains_merge_and_other_services_or_classes_do_not() -> None:
    members = [
        member("a", 0),
        member("b", 240),
        member("c", 480),
        member("d", 60, service="payments"),
        member("e", 60, cls="dependency-failure"),
    ]
    assert partition(members) == {frozenset({"a", "b", "c"}), frozenset({"d"}), frozenset({"e"})}


def test_same_given_id_is_one_incident_and_the_post_mortem_is_primary() -> None:
    members = [
        member("alerts#INC-7", 0, record_id="INC-7"),
        member("pm.md", 3600, kind="markdown", record_id="INC-7"),
    ]
    groups = group(members, WINDOW)
    assert len(groups) == 1
    assert groups[0].primary == "pm.md" and groups[0].incident_id == "INC-7"


def test_primary_is_the_earliest_report_when_no_post_mortem() -> None:
    groups = group([member("z", 0), member("a", 10)], WINDOW)
    assert groups[0].incident_id == "z"


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3600),
            st.sampled_from(["checkout", "payments"]),
            st.sampled_from(["timeout", "dependency-failure"]),
        ),
        min_size=1,
        max_size=25,
    ),
    st.randoms(use_true_random=False),
)
def test_the_result_does_not_depend_on_input_order(
    rows: list[tuple[int, str, str]], rnd: random.Random
) -> None:
    members = [member(f"k{n}", s, svc, cls) for n, (s, svc, cls) in enumerate(rows)]
    expected = group(members, WINDOW)
    shuffled = members[:]
    rnd.shuffle(shuffled)
    assert group(shuffled, WINDOW) == expected


def _in_series_order(members: list[Member]) -> list[Member]:
    return sorted(members, key=lambda m: (m.service, m.failure_class, m.timestamp, m.key))


def test_an_incident_is_handed_on_as_soon_as_it_is_complete() -> None:
    members = _in_series_order(
        [member("a", 0), member("b", 100), member("c", 1000), member("d", 0, service="search")]
    )
    read: list[str] = []

    def series() -> Iterator[Member]:
        for m in members:
            read.append(m.key)
            yield m

    stream = components(series(), WINDOW, set())
    assert [m.key for m in next(stream)] == ["a", "b"]
    assert read == ["a", "b", "c"]  # the rest is not read yet
    assert [[m.key for m in parts] for parts in stream] == [["c"], ["d"]]


def test_runs_that_share_an_id_wait_and_are_joined() -> None:
    members = _in_series_order(
        [
            member("a", 0, record_id="x"),
            member("b", 5000),
            member("c", 0, service="search", record_id="x"),
            member("d", 9000, service="search", given_id=False),
        ]
    )
    parts = [sorted(m.key for m in p) for p in components(members, WINDOW, {"x"})]
    assert parts == [["b"], ["d"], ["a", "c"]]
