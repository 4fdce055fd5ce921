"""The capped tally of a run's problems."""

from __future__ import annotations

from failearn.capture.problems import Tally


def test_keeps_the_first_in_full_and_counts_all_by_code() -> None:
    tally: Tally[str] = Tally(2)
    for item, code in [("a", "x"), ("b", "y"), ("c", "y"), ("d", "z"), ("e", "y")]:
        tally.add(item, code)
    assert tally.shown == ["a", "b"]
    assert (tally.total, tally.omitted) == (5, 3)
    assert tally.by_code == {"x": 1, "y": 3, "z": 1}
    assert tally.omitted_by_code() == {"y": 2, "z": 1}


def test_a_limit_of_zero_only_counts() -> None:
    tally: Tally[str] = Tally(0)
    tally.add("a", "x")
    assert (tally.shown, tally.total, tally.omitted_by_code()) == ([], 1, {"x": 1})
