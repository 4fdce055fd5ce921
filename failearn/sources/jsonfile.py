"""Incident JSON: one object, an array of objects, or NDJSON / JSON Lines.

NDJSON is streamed line by line (an export of a million alerts never sits in
memory whole) and every record carries its line number.  A ``.json`` document
that is not one JSON value but several lines of objects is read as NDJSON.
Arrays are read element by element with the element's line, so an error in the
4,000th record of an export points at its line.  A container object such as
``{"incidents": [...]}`` is unwrapped.

Every object goes through :class:`~failearn.sources.vendors.Formats`: a vendor
payload (an Alertmanager group, an OTLP export, …) becomes the records it
holds; a plain record passes through untouched.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from failearn.record import RawRecord
from failearn.sources.reading import decode, head_and_digest, reject, text_lines, too_large
from failearn.sources.vendors import DEFAULT, Formats
from failearn.sources.vendors.common import type_name
from failearn.sources.vendors.mapping import Mapped

KIND = "json"
CONTAINER_KEYS = ("incidents", "records", "items", "data", "results", "events")
_WHITESPACE = " \t\r\n"


def _record(source: str, line: int, raw: str, value: Any, kind: str = KIND) -> RawRecord:
    if not isinstance(value, dict):
        return reject(source, kind, "not-an-object",
                      f"{type_name(value)} is not an incident record (a JSON object is)",
                      line=line,
                      raw=raw)
    return RawRecord(source=source, line=line, kind=kind, raw=raw, payload=value)


def _records(source: str, line: int, raw: str, value: Any, formats: Formats,
             file_format: Mapped | None) -> list[RawRecord]:
    """The records of one JSON value: a vendor payload's, or the value itself."""
    if isinstance(value, dict):
        expanded = formats.expand(value, source, line, raw, KIND, file_format)
        if expanded is not None:
            return expanded
    return [_record(source, line, raw, value)]


def iter_ndjson_lines(lines: Iterable[bytes], source: str, max_record_bytes: int,
                      first_line: int = 1, formats: Formats = DEFAULT,
                      file_format: Mapped | None = None) -> Iterator[RawRecord]:
    """Records of an NDJSON stream, one per non-blank line, with line numbers."""
    expand = formats.expand
    for number, data in enumerate(lines, start=first_line):
        if len(data) > max_record_bytes:
            head, digest, size = head_and_digest(data)
            yield too_large(source, KIND, head, digest, size, max_record_bytes, "line", number)
            continue
        if not data.strip():
            continue
        try:
            value = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            decoded = decode(data, source, KIND, line_offset=number - 1)
            if decoded.rejected is not None:
                yield decoded.rejected
                continue
            yield reject(source, KIND, "invalid-json", f"invalid JSON: {exc.msg} "
                         f"(column {exc.colno})", line=number,
                         raw=data.decode("utf-8", "replace").rstrip("\r\n"))
            continue
        raw = data.decode("utf-8", "replace").rstrip("\r\n")
        if type(value) is dict:
            expanded = expand(value, source, number, raw, KIND, file_format)
            if expanded is not None:
                yield from expanded
                continue
        yield _record(source, number, raw, value)


def read_ndjson(handle: IO[bytes], source: str, max_record_bytes: int,
                formats: Formats = DEFAULT, file_format: Mapped | None = None
                ) -> Iterator[RawRecord]:
    """Stream NDJSON from a binary file handle (a file or stdin); nothing at all is an error."""
    empty = True
    for record in iter_ndjson_lines(text_lines(handle), source, max_record_bytes, 1, formats,
                                    file_format):
        empty = False
        yield record
    if empty:
        yield reject(source, KIND, "empty-file", "the input holds no records", line=1, raw="")


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _array_elements(text: str, source: str, start: int, formats: Formats,
                    file_format: Mapped | None) -> Iterator[RawRecord]:
    """Elements of a top-level array with their lines (the text is known to be valid JSON)."""
    decoder = json.JSONDecoder()
    index = start + 1
    length = len(text)
    counted_to = 0
    line = 1
    while index < length:
        while index < length and text[index] in _WHITESPACE + ",":
            index += 1
        if index >= length or text[index] == "]":
            return
        line += text.count("\n", counted_to, index)
        counted_to = index
        value, end = decoder.raw_decode(text, index)
        yield from _records(source, line, text[index:end], value, formats, file_format)
        index = end


def _unwrap(value: Any) -> tuple[str | None, Any]:
    if isinstance(value, dict):
        for key in CONTAINER_KEYS:
            inner = value.get(key)
            if isinstance(inner, list) and inner and all(isinstance(i, dict) for i in inner):
                return key, inner
    return None, value


def parse_json_document(text: str, source: str, formats: Formats = DEFAULT,
                        file_format: Mapped | None = None) -> Iterator[RawRecord]:
    """Records of a ``.json`` document: an object, an array, a container, or NDJSON.

    A vendor payload is recognised before a container is unwrapped: an OTLP
    export or an Alertmanager group is one payload, however many records it holds.
    """
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
            yield from iter_ndjson_lines((line.encode("utf-8") for line in text.splitlines()),
                                         source, len(text) + 1, 1, formats, file_format)
            return
        yield reject(source, KIND, "invalid-json", f"invalid JSON: {exc.msg} at line "
                     f"{exc.lineno}, column {exc.colno}", line=exc.lineno, raw=text)
        return
    if isinstance(value, list):
        if not value:  # nothing to store, but the file was received: say so
            yield reject(source, KIND, "empty-file", "the JSON array holds no records", line=1,
                         raw=text)
            return
        yield from _array_elements(text, source, text.index("["), formats, file_format)
        return
    if isinstance(value, dict):
        expanded = formats.expand(value, source, 1, text, KIND, file_format)
        if expanded is not None:
            yield from expanded
            return
    key, inner = _unwrap(value)
    if key is not None:
        # A container: the records are the elements of one key.
        for element in inner:
            yield from _records(source, _find_line(text, element),
                                orjson.dumps(element).decode(), element, formats, file_format)
        return
    yield _record(source, 1, text, value)


def _find_line(text: str, element: dict[str, Any]) -> int:
    """Best-effort line of a record inside a container: where its id is written."""
    identifier = element.get("id")
    if isinstance(identifier, str | int):
        needle = json.dumps(identifier)
        position = text.find(needle)
        if position >= 0:
            return _line_of(text, position)
    return 1
