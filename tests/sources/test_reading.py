"""Reading one file: encodings, binary content, files that are not files."""

from __future__ import annotations

import codecs
import hashlib
import io

import pytest

from failearn.sources.reading import Oversize, bounded_lines, decode

TEXT = "---\nid: café\n---\n# Outage ☕\n"


@pytest.mark.parametrize(
    "data",
    [
        TEXT.encode("utf-8"),
        TEXT.encode("utf-8-sig"),
        TEXT.encode("utf-16"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        codecs.BOM_UTF32_LE + TEXT.encode("utf-32-le"),
        codecs.BOM_UTF32_BE + TEXT.encode("utf-32-be"),
    ],
)
def test_text_in_utf8_or_marked_utf16_or_utf32_is_read(data: bytes) -> None:
    read = decode(data, "pm.md", "markdown")
    assert read.rejected is None and read.text == TEXT


def test_bytes_that_break_the_encoding_their_mark_names_are_rejected_at_their_line() -> None:
    data = codecs.BOM_UTF16_LE + "a\nb\n".encode("utf-16-le") + b"\x00\xdc"  # a lone surrogate
    read = decode(data, "pm.md", "markdown")
    assert read.rejected is not None
    assert [(i.code, i.line) for i in read.rejected.issues] == [("invalid-utf8", 3)]
    assert "marked UTF-16" in read.rejected.issues[0].message


def test_binary_without_a_mark_is_still_binary() -> None:
    read = decode(b"\x89PNG\r\n\x1a\n\x00\x00", "x.md", "markdown")
    assert read.rejected is not None and read.rejected.issues[0].code == "binary-file"


@pytest.mark.parametrize(
    "encoded",
    [
        '{"a": "é"}\n{"b": 2}\n'.encode("utf-16"),
        codecs.BOM_UTF16_BE + '{"a": "é"}\n{"b": 2}\n'.encode("utf-16-be"),
        '{"a": "é"}\n{"b": 2}\n'.encode("utf-8-sig"),
    ],
)
def test_lines_of_a_stream_come_out_as_utf8(encoded: bytes) -> None:
    lines = list(bounded_lines(io.BufferedReader(io.BytesIO(encoded)), 100))
    assert lines == ['{"a": "é"}\n'.encode(), b'{"b": 2}\n']


class CountingReader(io.BufferedReader):
    """A stream that remembers the most bytes one call handed out."""

    largest = 0

    def readline(self, size: int | None = -1, /) -> bytes:
        line = super().readline(size)
        self.largest = max(self.largest, len(line))
        return line


def test_a_line_over_the_limit_is_never_read_whole() -> None:
    long_line = b'{"id": "' + b"x" * 3_000_000 + b'"}\n'
    stream = CountingReader(io.BytesIO(b'{"a": 1}\n' + long_line + b'{"b": 2}\n'))
    lines = list(bounded_lines(stream, 1000))
    assert lines[0] == b'{"a": 1}\n' and lines[2] == b'{"b": 2}\n'
    assert lines[1] == Oversize(
        long_line[:1001], hashlib.sha256(long_line).hexdigest(), len(long_line)
    )
    assert stream.largest <= 1024 * 1024


def test_a_long_line_of_a_utf16_stream_is_cut_too() -> None:
    text = "{}\n" + "y" * 5000 + "\n{}\n"
    lines = list(bounded_lines(io.BufferedReader(io.BytesIO(text.encode("utf-16"))), 100))
    assert lines[0] == b"{}\n" and lines[2] == b"{}\n"
    assert isinstance(lines[1], Oversize) and lines[1].size == 5001
