"""Reading one JSON value exactly: big integers, 1e400, nesting, repeated keys."""

from __future__ import annotations

import json
import math
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failearn.sources import jsonvalue
from failearn.sources.jsonvalue import MAX_DEPTH, TooDeepError, load, repeated_keys


@pytest.mark.parametrize("data", [b'{"id": 18446744073709551617}', '{"id": 18446744073709551617}'])
def test_an_integer_beyond_64_bits_keeps_its_text(data: bytes | str) -> None:
    assert load(data) == {"id": "18446744073709551617"}
    assert load(b'{"id": 18446744073709551615}') == {"id": 18446744073709551615}


@pytest.mark.parametrize(
    ("data", "value"),
    [
        (b'{"id": -18446744073709551617}', {"id": "-18446744073709551617"}),
        (b'{"id": 1234567890123456789}', {"id": 1234567890123456789}),
        (b'{"t": "12345678901234567890", "n": 7}', {"t": "12345678901234567890", "n": 7}),
        (b'[1e3, 0.5, "x09876543210987654321"]', [1000.0, 0.5, "x09876543210987654321"]),
    ],
)
def test_long_runs_of_digits_read_as_written(data: bytes, value: object) -> None:
    assert load(data) == value
    assert load(data.decode()) == value


def test_a_number_beyond_a_double_is_infinity_not_invalid_json() -> None:
    value = load(b'{"m": 1e400, "n": -1e400}')
    assert math.isinf(value["m"]) and value["n"] < 0
    with pytest.raises(json.JSONDecodeError):
        load(b'{"m": 1e400,}')


def test_nesting_is_bounded() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert repeated_keys(load(ok), ok) == []
    deeper = "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1)
    with pytest.raises(TooDeepError):
        repeated_keys(load(deeper), deeper)
    with pytest.raises(TooDeepError):
        load("[" * 2000 + "]" * 2000)


@pytest.mark.parametrize(
    ("data", "keys"),
    [
        (b'{"a": 1, "b": "x:y", "c": {"a": 2}}', []),
        (b'{"a": 1, "a": 2}', ["a"]),
        (b'{"t": "10:00", "x": [{"k": 1, "k": 2, "j": 0, "j": 1}], "t": "11:00"}', ["k", "j", "t"]),
        (b'{"s": "\\":\\"", "s": 1}', ["s"]),
        (b'{"a" :1,\n"a"\n\t: 2}', ["a"]),
        (b'{"s": "a\\": b \\":", "t": "c\\" :"}', []),
        (b'{"u": "x", "v": {"u": "y"}}', []),
    ],
)
def test_repeated_keys_are_named(data: bytes, keys: list[str]) -> None:
    assert repeated_keys(load(data), data) == keys


@given(st.text(alphabet=st.sampled_from(list('"  \t\r\n::ab{}')), max_size=30))
def test_key_ends_are_counted_as_the_pattern_finds_them(text: str) -> None:
    found = len(re.findall(r'"[ \t\r\n]*:', text))
    assert jsonvalue._key_ends(text.encode()) == found
    assert jsonvalue._key_ends(text) == found


@pytest.mark.parametrize("space", [b"", b" ", b"\n  ", b"\t"])
def test_a_key_written_twice_is_named_however_the_text_is_spaced(space: bytes) -> None:
    data = b'{"a"' + space + b":1," + space + b'"a"' + space + b': 2, "t": "10:00:00"}'
    value = load(data)
    assert repeated_keys(value, data) == ["a"]
