"""The elements of a JSON array read from a stream: each one's exact bytes and line.

A JSON export parsed whole takes about fifteen times its size in memory (the
text, the parsed values, the copies made to keep each record's text).  An array
is read in chunks instead: a scanner finds where each element ends (brackets
counted outside strings; a regular expression skips a string whole) and hands
on its bytes, which are parsed alone.  Memory is then a chunk and one element
(itself under ``[ingest] max_record_bytes``: a larger element is hashed as it
streams past and only its head is kept), whatever the size of the file.

Streaming parsers such as ijson yield parsed values, not the text they were
read from nor its line; failearn needs both (the inbox keeps and hashes each
record's exact text, and every error names its line), and the scanner that
finds them is small.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from failearn.sources.reading import RAW_HEAD_BYTES, Oversize

CHUNK = 1024 * 1024
_SPACE = re.compile(rb"[ \t\r\n]*+")
# Inside a container: everything up to the next bracket outside a string.
_TO_BRACKET = re.compile(rb'(?:[^"\[\]{}]++|"(?:[^"\\]++|\\.)*+")*+([\[\]{}])', re.DOTALL)
# One step of the slow scan (a scalar element, or an element too large to hold).
_TO_MARK = re.compile(rb'[^"\[\]{},]*+([\[\]{},"])')
_STRING_END = re.compile(rb'(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRING_PART = re.compile(rb'(?:[^"\\]++|\\.)*+', re.DOTALL)


@dataclass(frozen=True, slots=True)
class Broken:
    """Where the array stops being JSON: the line, why, and what the file holds from
    there on (its head, the SHA-256 and size of all of it)."""

    line: int
    message: str
    rest: Oversize
    code: str = "invalid-json"


class _Scan:
    """A buffer over the stream with the line number of its first byte."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.buf = b""
        self.pos = 0
        self.line = 1  # the line of buf[0]
        self.eof = False

    def fill(self, keep_from: int) -> bool:
        """Read another chunk, dropping what lies before ``keep_from``; False at the end."""
        if self.eof:
            return False
        chunk = self.handle.read(CHUNK)
        if not chunk:
            self.eof = True
            return False
        if keep_from:
            self.line += self.buf.count(b"\n", 0, keep_from)
            self.buf = self.buf[keep_from:]
            self.pos -= keep_from
        self.buf += chunk
        return True

    def line_at(self, offset: int) -> int:
        return self.line + self.buf.count(b"\n", 0, offset)

    def skip_space(self) -> bool:
        """Move past whitespace; False when the stream ends first."""
        while True:
            match = _SPACE.match(self.buf, self.pos)
            assert match is not None
            self.pos = match.end()
            if self.pos < len(self.buf):
                return True
            if not self.fill(self.pos):
                return False

    def rest(self, start: int) -> Oversize:
        """What the stream holds from ``start`` on: head, SHA-256 and size."""
        digest = hashlib.sha256(self.buf[start:])
        head = self.buf[start : start + RAW_HEAD_BYTES]
        size = len(self.buf) - start
        while chunk := self.handle.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            if len(head) < RAW_HEAD_BYTES:
                head += chunk[: RAW_HEAD_BYTES - len(head)]
        return Oversize(head, digest.hexdigest(), size)


TOO_MANY = "too-many-records"


def too_many(limit: int) -> str:
    """Why the rest of a file is not read."""
    return (
        f"the file holds more than {limit:,} records; the rest of it is not read (the "
        "limit is [ingest] max_records_per_file)"
    )


def starts_array(head: bytes) -> bool:
    """Whether a stream that begins with ``head`` is a JSON array."""
    return head.removeprefix(codecs.BOM_UTF8).lstrip(b" \t\r\n").startswith(b"[")


def elements(
    handle: IO[bytes], max_bytes: int, max_elements: int | None = None
) -> Iterator[tuple[int, bytes | Oversize] | Broken]:
    """``(line, bytes)`` of each element of the array the stream holds (an element over
    ``max_bytes`` as its :class:`Oversize` head), then a :class:`Broken` if the stream
    stops being the array's JSON, or holds more than ``max_elements``."""
    scan = _Scan(handle)
    scan.fill(0)
    if scan.buf.startswith(codecs.BOM_UTF8):
        scan.pos = len(codecs.BOM_UTF8)
    if not scan.skip_space() or scan.buf[scan.pos : scan.pos + 1] != b"[":
        yield _broken(scan, scan.pos, "the file is not a JSON array")
        return
    scan.pos += 1
    first = True
    count = 0
    while True:
        if not scan.skip_space():
            yield _broken(scan, scan.pos, "the array is not closed (a `]` is missing)")
            return
        if scan.buf[scan.pos : scan.pos + 1] == b"]" and first:
            scan.pos += 1
            break
        start = scan.pos
        line = scan.line_at(start)
        if max_elements is not None and count >= max_elements:
            yield Broken(line, too_many(max_elements), scan.rest(start), TOO_MANY)
            return
        count += 1
        element = _element(scan, max_bytes)
        if element is None:
            yield _broken(scan, start, "the file ends inside this element")
            return
        yield line, element
        first = False
        if not scan.skip_space():
            yield _broken(scan, scan.pos, "the array is not closed (a `]` is missing)")
            return
        mark = scan.buf[scan.pos : scan.pos + 1]
        scan.pos += 1
        if mark == b"]":
            break
        if mark != b",":
            yield _broken(scan, scan.pos - 1, "a `,` or `]` must follow an element")
            return
        comma = scan.line_at(scan.pos - 1)
        if scan.skip_space() and scan.buf[scan.pos : scan.pos + 1] == b"]":
            yield Broken(comma, "a `,` before `]` (a trailing comma)", scan.rest(scan.pos))
            return
    if scan.skip_space():
        yield _broken(scan, scan.pos, "more follows the end of the array")


def _broken(scan: _Scan, at: int, message: str) -> Broken:
    return Broken(scan.line_at(at), message, scan.rest(at))


def _element(scan: _Scan, max_bytes: int) -> bytes | Oversize | None:
    """The bytes of the element at ``scan.pos`` (moving past it), its head when it is over
    ``max_bytes``, None when the stream ends inside it."""
    start = scan.pos
    if scan.buf[start : start + 1] not in (b"{", b"["):
        return _slow(scan, start, 0, max_bytes)
    depth = 0
    while True:
        match = _TO_BRACKET.match(scan.buf, scan.pos)
        if match is None:
            if scan.pos - start > max_bytes or len(scan.buf) - start > max_bytes + CHUNK:
                return _slow(scan, start, depth, max_bytes)
            if not scan.fill(start):
                return None
            start = 0
            continue
        depth += 1 if match.group(1) in b"[{" else -1
        scan.pos = match.end()
        if depth == 0:
            return _sized(scan.buf[start : scan.pos], max_bytes)
        if scan.pos - start > max_bytes:
            return _slow(scan, start, depth, max_bytes)


def _sized(text: bytes, max_bytes: int) -> bytes | Oversize:
    """An element's bytes, or its head when it is over ``max_bytes``."""
    if len(text) <= max_bytes:
        return text
    return Oversize(text[:RAW_HEAD_BYTES], hashlib.sha256(text).hexdigest(), len(text))


def _slow(scan: _Scan, start: int, depth: int, max_bytes: int) -> bytes | Oversize | None:  # noqa: C901
    """Scan on mark by mark from ``scan.pos`` (inside an element begun at ``start``, at
    ``depth``); once it is over ``max_bytes`` only its head and hash are kept."""
    digest: hashlib._Hash | None = None
    head = b""
    size = 0
    in_string = False
    while True:
        end = None
        while end is None:
            if in_string:
                match = _STRING_END.match(scan.buf, scan.pos)
                if match is None:
                    part = _STRING_PART.match(scan.buf, scan.pos)
                    assert part is not None
                    scan.pos = part.end()
                    break
                scan.pos, in_string = match.end(), False
                continue
            match = _TO_MARK.match(scan.buf, scan.pos)
            if match is None:
                scan.pos = len(scan.buf)
                break
            mark = match.group(1)
            if mark == b'"':
                scan.pos, in_string = match.end(), True
            elif mark in b"[{":
                scan.pos, depth = match.end(), depth + 1
            elif depth == 0:  # `,` or `]` after a scalar: the element ended before it
                scan.pos = end = match.start(1)
            elif mark == b",":
                scan.pos = match.end()
            else:
                scan.pos, depth = match.end(), depth - 1
                if depth == 0:
                    end = scan.pos
        if end is not None:
            text = scan.buf[start:end].rstrip(b" \t\r\n")
            if digest is None:
                return _sized(text, max_bytes)
            digest.update(text)
            head += text[: max(0, RAW_HEAD_BYTES - len(head))]
            return Oversize(head, digest.hexdigest(), size + len(text))
        if digest is None and scan.pos - start > max_bytes:
            digest = hashlib.sha256()
        if digest is not None:  # hand on what was scanned: only the head stays
            done = scan.buf[start : scan.pos]
            digest.update(done)
            size += len(done)
            if len(head) < RAW_HEAD_BYTES:
                head += done[: RAW_HEAD_BYTES - len(head)]
            start = scan.pos
        if not scan.fill(start):
            return None
        start = 0
