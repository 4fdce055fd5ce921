"""The streaming reader of JSON arrays: each element's exact bytes and line, in bounded
memory, and where an array stops being JSON."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from failearn.sources import jsonarray
from failearn.sources.jsonarray import Broken, elements
from failearn.sources.reading import Oversize


def read(
    data: bytes, max_bytes: int = 1000, max_elements: int | None = None
) -> list[tuple[int, bytes | Oversize] | Broken]:
    return list(elements(io.BytesIO(data), max_bytes, max_elements))


def test_elements_come_with_their_exact_text_and_line() -> None:
    data = b'\xef\xbb\xbf [\n  {"id": 1},\n\n  {"id": "a]}\\"[{",\n   "x": [1,\n 2]},\n  7 ,"s"]\n'
    assert read(data) == [
        (2, b'{"id": 1}'),
        (4, b'{"id": "a]}\\"[{",\n   "x": [1,\n 2]}'),
        (7, b"7"),
        (7, b'"s"'),
    ]


@pytest.mark.parametrize(
    ("data", "line", "message"),
    [
        (b'[{"id": 1},\n{"id": 2}', 2, "the array is not closed (a `]` is missing)"),
        (b'[{"id": 1},\n{"id": 2', 2, "the file ends inside this element"),
        (b'[{"id": 1}\n{"id": 2}]', 2, "a `,` or `]` must follow an element"),
        (b'[{"id": 1}\n,]', 2, "a `,` before `]` (a trailing comma)"),
        (b'[{"id": 1}]\n{"id": 2}\n', 2, "more follows the end of the array"),
    ],
)
def test_where_an_array_stops_being_json_is_located(data: bytes, line: int, message: str) -> None:
    *good, broken = read(data)
    assert good[0] == (1, b'{"id": 1}')
    assert isinstance(broken, Broken)
    assert (broken.line, broken.message, broken.code) == (line, message, "invalid-json")
    # What the file holds from there on is kept: its head, hash and size.
    assert broken.rest.size == len(broken.rest.head)
    assert data.endswith(broken.rest.head)
    assert broken.rest.sha256 == hashlib.sha256(broken.rest.head).hexdigest()


def test_an_element_over_the_limit_is_hashed_past_not_held() -> None:
    big = b'{"id": "' + b"x" * 50_000 + b'", "n": [1, {"a": "]"}]}'
    data = b'[{"id": 1}, ' + big + b', {"id": 3}]'
    assert read(data, max_bytes=1000) == [
        (1, b'{"id": 1}'),
        (1, Oversize(big, hashlib.sha256(big).hexdigest(), len(big))),
        (1, b'{"id": 3}'),
    ]


def test_more_elements_than_the_limit_reject_the_rest() -> None:
    data = b'[\n{"id": 1},\n{"id": 2},\n{"id": 3}]'
    *good, broken = read(data, max_elements=2)
    assert [line for line, _ in good] == [2, 3]  # type: ignore[misc]
    assert isinstance(broken, Broken) and (broken.line, broken.code) == (4, "too-many-records")
    assert broken.rest.head == b'{"id": 3}]'


def test_memory_stays_a_chunk_and_an_element() -> None:
    class Counting(io.BytesIO):
        largest = 0

        def read(self, size: int | None = -1, /) -> bytes:
            chunk = super().read(size)
            self.largest = max(self.largest, len(chunk))
            return chunk

    stream = Counting(b"[" + b",".join([b'{"id": 1, "s": "' + b"y" * 900 + b'"}'] * 20_000) + b"]")
    count = sum(1 for _ in elements(stream, 5000))
    assert count == 20_000 and stream.largest <= jsonarray.CHUNK


values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet='ab"\\[]{},:\n é'),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text(alphabet='k"\\]{', max_size=3), inner, max_size=3)
    ),
    max_leaves=8,
)


@given(st.lists(values, max_size=6), st.integers(1, 9), st.sampled_from(["", " ", "\n  "]))
def test_any_array_read_in_any_chunks_gives_its_elements(
    array: list[Any], chunk: int, space: str
) -> None:
    text = "[" + space + ("," + space).join(json.dumps(v) for v in array) + space + "]"
    original = jsonarray.CHUNK
    jsonarray.CHUNK = chunk
    try:
        found = read(text.encode("utf-8"), max_bytes=10_000)
    finally:
        jsonarray.CHUNK = original
    assert [json.loads(data) for _, data in found] == array  # type: ignore[misc]
    lines = [text[: text.index(json.dumps(v), 1)].count("\n") + 1 for v in array[:1]]
    assert [line for line, _ in found[:1]] == lines  # type: ignore[misc]
