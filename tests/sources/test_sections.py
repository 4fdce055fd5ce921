"""Which section a heading names: the quick paths give what a plain comparison gives."""

from __future__ import annotations

from difflib import SequenceMatcher

from hypothesis import example, given, settings
from hypothesis import strategies as st

from failearn.sources.sections import _LOOKUP, _SIMILARITY, classify_heading, heading_key
from tests.helpers.process import no_hang


def _plain(heading: str) -> str | None:
    """The rule as written: exact, then the longest phrase the heading starts with, then the
    most similar phrase of about its length, compared one by one."""
    key = heading_key(heading)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    for phrase in sorted(_LOOKUP, key=len, reverse=True):
        if key.startswith(phrase + " ") and len(phrase) >= 4:
            return _LOOKUP[phrase]
    best: tuple[float, str | None] = (0.0, None)
    for phrase in sorted(_LOOKUP, key=len, reverse=True):
        if abs(len(phrase) - len(key)) <= 3:
            ratio = SequenceMatcher(None, key, phrase).ratio()
            if ratio > best[0]:
                best = (ratio, _LOOKUP[phrase])
    return best[1] if best[0] >= _SIMILARITY else None


def _typo(phrase: str, edits: list[tuple[int, int, str]]) -> str:
    chars = list(phrase)
    for kind, where, char in edits:
        at = where % (len(chars) + 1)
        if kind == 0 and chars:
            del chars[min(at, len(chars) - 1)]
        elif kind == 1:
            chars.insert(at, char)
        elif chars:
            chars[min(at, len(chars) - 1)] = char
    return "".join(chars)


EDITS = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 60), st.sampled_from("aeiou rst1")), max_size=4
)


@settings(max_examples=60)
@given(st.sampled_from(sorted(_LOOKUP)), EDITS, st.sampled_from(["", " (all times UTC)", " x"]))
@example("appendix", [(0, 1, "a")], "")
def test_a_heading_with_typos_is_classified_as_the_plain_rule_says(
    phrase: str, edits: list[tuple[int, int, str]], tail: str
) -> None:
    heading = _typo(phrase, edits) + tail
    assert classify_heading.__wrapped__(heading) == _plain(heading)


@settings(max_examples=60)
@given(st.text(alphabet="abcdefghilmnorstuw 019éß*#.()", max_size=50))
@example("Heading 000123")
def test_any_heading_is_classified_as_the_plain_rule_says(heading: str) -> None:
    assert classify_heading.__wrapped__(heading) == _plain(heading)


def test_a_heading_of_many_digits_is_reduced_at_once() -> None:
    # Numbering was matched as (\d+[.)]?)+: every split of a digit run was tried, and a
    # heading of thirty digits and a letter took hours.
    with no_hang(10):
        assert classify_heading.__wrapped__("1" * 40 + "x") is None
        assert heading_key("1.2.3 Root cause(s)") == "root cause"
