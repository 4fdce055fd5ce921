from __future__ import annotations

from datetime import UTC, datetime

from failearn.analysis.patterns import KnownPattern, MatchOptions, match, new_ids, trend
from failearn.analysis.precursors import PrecursorOptions, find_precursors


def test_a_metric_higher_in_every_incident_of_a_pattern_is_a_precursor() -> None:
    metrics = [{"volume": 2.0 + i / 10, "cpu": 0.5} for i in range(6)]
    metrics += [{"volume": (i % 5) / 10 - 0.2, "cpu": 0.5} for i in range(20)]
    metrics += [{}, {"volume": 40.0}]
    found = find_precursors(metrics, [list(range(6))], PrecursorOptions())
    assert [p.metric for p in found[0]] == ["volume"]
    signal = found[0][0]
    assert signal.direction == "higher" and signal.support == 6 and signal.rest_count == 21
    assert signal.median_in_pattern == 2.25 and signal.effect_size > 0.9


def test_no_precursor_when_values_are_mixed_or_scarce() -> None:
    metrics = [{"volume": float(i % 3)} for i in range(30)]
    assert find_precursors(metrics, [list(range(0, 30, 5))], PrecursorOptions()) == [[]]
    scarce = [{"volume": 5.0}, {}, {}, {}] + [{"volume": 0.0}] * 10
    assert find_precursors(scarce, [[0, 1, 2, 3]], PrecursorOptions()) == [[]]


def test_matching_prefers_overlap_then_signature() -> None:
    known = [
        KnownPattern("P0001", frozenset({"a", "b", "c"}), {"template:x": 3.0}, "t", "t"),
        KnownPattern("P0002", frozenset({"d"}), {"template:y": 1.0}, "t", "t"),
    ]
    clusters = [
        (frozenset({"z"}), {"template:y": 5.0}),
        (frozenset({"b", "c", "e"}), {"template:q": 1.0}),
        (frozenset({"w"}), {"template:nothing": 1.0}),
    ]
    assert match(clusters, known, MatchOptions()) == ["P0002", "P0001", None]
    assert new_ids(["P0001", "P0007"], 2) == ["P0008", "P0009"]


def test_trend() -> None:
    as_of = datetime(2026, 11, 23, tzinfo=UTC)
    start = datetime(2026, 8, 25, tzinfo=UTC)
    weekly = [f"2026-11-{d:02d}T00:00:00Z" for d in (1, 8, 15, 20)]
    assert trend(weekly, weekly[0], start, as_of, 1.5).status == "recurring"
    burst = [*weekly, "2026-11-21T00:00:00Z", "2026-11-22T00:00:00Z"]
    assert trend(burst, burst[0], start, as_of, 1.5).status == "growing"
    assert trend(weekly[:3], weekly[0], start, as_of, 1.5).status == "fading"
    assert (
        trend(["2026-11-20T00:00:00Z"], "2026-11-20T00:00:00Z", start, as_of, 1.5).status == "new"
    )


def test_a_split_pattern_keeps_its_id_in_its_larger_part_and_gets_it_back_when_joined() -> None:
    old = KnownPattern("P0001", frozenset("abcdefgh"), {"template:x": 1.0}, "2026-09-01", "t")
    # The week after: split in two; the larger part carries more of its incidents on.
    split = [(frozenset("abc"), {"template:x": 1.0}), (frozenset("defghij"), {"template:x": 1.0})]
    assert match(split, [old], MatchOptions()) == [None, "P0001"]
    # The week after that, the smaller part is the new P0002 and they join again.
    parts = [
        KnownPattern("P0001", frozenset("defghij"), {"template:x": 1.0}, "2026-09-01", "t"),
        KnownPattern("P0002", frozenset("abc"), {"template:x": 1.0}, "2026-10-19", "t"),
    ]
    joined = [(frozenset("abcdefghijk"), {"template:x": 1.0})]
    assert match(joined, parts, MatchOptions()) == ["P0001"]
    # Joined, the older pattern wins when it brought a fair part (half the largest's) ...
    reversed_parts = [
        KnownPattern("P0003", frozenset("efghij"), {}, "2026-10-19", "t"),
        KnownPattern("P0002", frozenset("abcd"), {}, "2026-09-01", "t"),
    ]
    assert match(joined, reversed_parts, MatchOptions()) == ["P0002"]
    # ... not when it is a sliver of a large pattern's cluster.
    big = frozenset(f"i{n}" for n in range(40))
    sliver = [
        KnownPattern("P0007", big, {}, "2026-10-01", "t"),
        KnownPattern("P0001", frozenset({"i0", "i1"}), {}, "2025-01-01", "t"),
    ]
    assert match([(big, {})], sliver, MatchOptions()) == ["P0007"]
    # A pattern that lost a join continues into its next cluster.
    older = KnownPattern("P0001", frozenset(f"o{n}" for n in range(100)), {}, "2026-01-01", "t")
    younger = KnownPattern("P0002", frozenset(f"p{n}" for n in range(60)), {}, "2026-06-01", "t")
    x = frozenset([*older.members, *(f"p{n}" for n in range(31))])
    y = frozenset(f"p{n}" for n in range(31, 60))
    assert match([(x, {}), (y, {})], [older, younger], MatchOptions()) == ["P0001", "P0002"]
    # ... even when a sliver got there first; and the order patterns come in changes nothing.
    a = [f"a{n}" for n in range(201)]
    b = KnownPattern("P0001", frozenset(f"b{n}" for n in range(60)), {}, "2026-01-01", "t")
    c = KnownPattern("P0003", frozenset(f"c{n}" for n in range(5)), {}, "2026-03-01", "t")
    a_pattern = KnownPattern("P0002", frozenset(a), {}, "2026-02-01", "t")
    clusters = [(frozenset(a[:101]) | b.members, {}), (frozenset([*a[101:], "c0", "c1", "c2"]), {})]
    for order in ([b, a_pattern, c], [c, a_pattern, b]):
        assert match(clusters, order, MatchOptions()) == ["P0001", "P0002"]
    # A pattern that ended in a join is not carried on by resemblance elsewhere.
    other = [(frozenset("abcdefghijk"), {"template:x": 1.0}), (frozenset("z"), {"template:x": 1.0})]
    assert match(other, parts, MatchOptions()) == ["P0001", None]


def test_a_pattern_that_lost_its_cluster_is_not_carried_over_by_its_signature() -> None:
    """A pattern that shared incidents with a cluster ends where another took that cluster:
    it does not jump to a look-alike cluster it shares nothing with."""
    older = KnownPattern("P0001", frozenset({"a", "b", "c"}), {"x": 1.0}, "2026-01-01", "")
    joined = KnownPattern("P0002", frozenset({"d", "e"}), {"y": 1.0}, "2026-02-01", "")
    clusters = [(frozenset({"a", "b", "c", "d", "e"}), {"x": 1.0}), (frozenset({"z"}), {"y": 1.0})]
    assert match(clusters, [older, joined], MatchOptions()) == ["P0001", None]
    stranger = KnownPattern("P0003", frozenset({"q"}), {"y": 1.0}, "2026-03-01", "")
    assert match(clusters, [older, joined, stranger], MatchOptions()) == ["P0001", "P0003"]
