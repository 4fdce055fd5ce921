"""Incident JSON: one object, an array of objects, or NDJSON / JSON Lines.

NDJSON is streamed line by line (an export of a million alerts never sits in
memory whole; a line over ``[ingest] max_record_bytes`` is never read whole)
and every record carries its line number.  A top-level array is streamed too,
element by element with the element's line (:mod:`failearn.sources.jsonarray`),
so an error in the 4,000th record of an export points at its line and the
records before a break in the array are kept.  A ``.json`` document that is not
one JSON value but several lines of objects is read as NDJSON.  A container
object such as ``{"incidents": [...]}`` is read whole and unwrapped.  Each value
is read by :mod:`failearn.sources.jsonvalue` (exact big integers, nesting
bounded, repeated keys reported).

Every object goes through :class:`~failearn.sources.vendors.Formats`: a vendor
payload (an Alertmanager group, an OTLP export, …) becomes the records it
holds; a plain record passes through untouched.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import IO, Any

import orjson

from failearn.codes import hint
from failearn.record import Issue, RawRecord
from failearn.sources import jsonarray, jsonvalue
from failearn.sources.jsonarray import Broken
from failearn.sources.reading import (
    Oversize,
    bounded_lines,
    decode,
    head_and_digest,
    reject,
    too_large,
)
from failearn.sources.vendors import DEFAULT, Formats
from failearn.sources.vendors.common import type_name
from failearn.sources.vendors.mapping import Mapped

KIND = "json"
CONTAINER_KEYS = ("incidents", "records", "items", "data", "results", "events")


def _record(source: str, line: int, raw: str, value: Any, kind: str = KIND) -> RawRecord:
    if not isinstance(value, dict):
        return reject(
            source,
            kind,
            "not-an-object",
            f"{type_name(value)} is not an incident record (a JSON object is)",
            line=line,
            raw=raw,
        )
    return RawRecord(source=source, line=line, kind=kind, raw=raw, payload=value)


def _records(
    source: str, line: int, raw: str, value: Any, formats: Formats, file_format: Mapped | None
) -> list[RawRecord]:
    """The records of one JSON value: a vendor payload's, or the value itself."""
    if isinstance(value, dict):
        expanded = formats.expand(value, source, line, raw, KIND, file_format)
        if expanded is not None:
            return expanded
    return [_record(source, line, raw, value)]


def value_records(
    numbered: Iterable[tuple[int, bytes | Oversize]],
    source: str,
    max_record_bytes: int,
    formats: Formats = DEFAULT,
    file_format: Mapped | None = None,
) -> Iterator[RawRecord]:
    """Records of JSON values given as ``(line, bytes)``: NDJSON lines, array elements."""
    expand = formats.expand
    for number, data in numbered:
        if isinstance(data, Oversize):
            yield too_large(
                source, KIND, data.head, data.sha256, data.size, max_record_bytes, "line", number
            )
            continue
        if len(data) > max_record_bytes:
            head, digest, size = head_and_digest(data)
            yield too_large(source, KIND, head, digest, size, max_record_bytes, "line", number)
            continue
        if not data.strip():
            continue
        try:
            value = jsonvalue.load(data)
            repeated = jsonvalue.repeated_keys(value, data)
        except jsonvalue.TooDeepError as exc:
            yield reject(
                source,
                KIND,
                "json-too-deep",
                str(exc),
                line=number,
                raw=data.decode("utf-8", "replace").rstrip("\r\n"),
            )
            continue
        except json.JSONDecodeError as exc:
            decoded = decode(data, source, KIND, line_offset=number - 1)
            if decoded.rejected is not None:
                yield decoded.rejected
                continue
            yield reject(
                source,
                KIND,
                "invalid-json",
                f"invalid JSON: {exc.msg} (column {exc.colno})",
                line=number,
                raw=data.decode("utf-8", "replace").rstrip("\r\n"),
            )
            continue
        raw = data.decode("utf-8", "replace").rstrip("\r\n")
        records: list[RawRecord] | None = None
        if type(value) is dict:
            records = expand(value, source, number, raw, KIND, file_format)
        if records is None:
            records = [_record(source, number, raw, value)]
        if repeated:
            _warn_repeated(records, repeated, source, number)
        yield from records


def _warn_repeated(records: list[RawRecord], keys: list[str], source: str, line: int) -> None:
    """A ``duplicate-key`` warning on each record of a value that writes keys twice."""
    shown = ", ".join(f'"{key}"' for key in keys[:5]) + (" …" if len(keys) > 5 else "")
    issue = Issue(
        code="duplicate-key",
        message=f"key {shown} is written twice in one object; the last value is kept",
        source=source,
        line=line,
        hint=hint("duplicate-key"),
        level="warning",
    )
    for record in records:
        if record.payload is not None:
            record.issues.append(issue)


def iter_ndjson_lines(
    lines: Iterable[bytes | Oversize],
    source: str,
    max_record_bytes: int,
    first_line: int = 1,
    formats: Formats = DEFAULT,
    file_format: Mapped | None = None,
) -> Iterator[RawRecord]:
    """Records of an NDJSON stream, one per non-blank line, with line numbers."""
    yield from value_records(
        enumerate(lines, start=first_line), source, max_record_bytes, formats, file_format
    )


def read_ndjson(
    handle: IO[bytes],
    source: str,
    max_record_bytes: int,
    formats: Formats = DEFAULT,
    file_format: Mapped | None = None,
) -> Iterator[RawRecord]:
    """Stream NDJSON from a binary file handle (a file or stdin); nothing at all is an error."""
    empty = True
    for record in iter_ndjson_lines(
        bounded_lines(handle, max_record_bytes), source, max_record_bytes, 1, formats, file_format
    ):
        empty = False
        yield record
    if empty:
        yield reject(source, KIND, "empty-file", "the input holds no records", line=1, raw="")


def broken_array(source: str, broken: Broken) -> RawRecord:
    """The rest of an array that stops being JSON, rejected at the line where it does;
    the inbox keeps the head of that rest, with the SHA-256 and size of all of it."""
    rest = broken.rest
    record = reject(
        source,
        KIND,
        broken.code,
        broken.message if broken.code != "invalid-json" else f"invalid JSON: {broken.message}",
        line=broken.line,
        raw_bytes=rest.head,
    )
    record.sha256 = rest.sha256
    record.size = rest.size if len(rest.head) < rest.size else None
    return record


def read_array(
    handle: IO[bytes],
    source: str,
    max_record_bytes: int,
    formats: Formats = DEFAULT,
    file_format: Mapped | None = None,
    max_records: int | None = None,
) -> Iterator[RawRecord]:
    """Records of a JSON array streamed element by element (nothing for an empty array)."""
    for item in jsonarray.elements(handle, max_record_bytes, max_records):
        if isinstance(item, Broken):
            yield broken_array(source, item)
            return
        yield from value_records((item,), source, max_record_bytes, formats, file_format)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _unwrap(value: Any) -> tuple[str | None, Any]:
    if isinstance(value, dict):
        for key in CONTAINER_KEYS:
            inner = value.get(key)
            if isinstance(inner, list) and inner and all(isinstance(i, dict) for i in inner):
                return key, inner
    return None, value


def parse_json_document(
    text: str, source: str, formats: Formats = DEFAULT, file_format: Mapped | None = None
) -> Iterator[RawRecord]:
    """Records of a ``.json`` document: an object, an array, a container, or NDJSON.

    A vendor payload is recognised before a container is unwrapped: an OTLP
    export or an Alertmanager group is one payload, however many records it holds.
    """
    if jsonarray.starts_array(text[:64].encode("utf-8")):
        elements = read_array(
            io.BytesIO(text.encode("utf-8")), source, len(text) * 4 + 1, formats, file_format
        )
        first = next(elements, None)
        if first is None:  # nothing to store, but the file was received: say so
            yield reject(
                source, KIND, "empty-file", "the JSON array holds no records", line=1, raw=text
            )
            return
        yield first
        yield from elements
        return
    try:
        value = jsonvalue.load(text)
        repeated = jsonvalue.repeated_keys(value, text)
    except jsonvalue.TooDeepError as exc:
        yield reject(source, KIND, "json-too-deep", str(exc), line=1, raw=text)
        return
    except json.JSONDecodeError as exc:
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) > 1 and all(line.lstrip().startswith("{") for line in lines):
            yield from iter_ndjson_lines(
                (line.encode("utf-8") for line in text.splitlines()),
                source,
                len(text) + 1,
                1,
                formats,
                file_format,
            )
            return
        yield reject(
            source,
            KIND,
            "invalid-json",
            f"invalid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
            line=exc.lineno,
            raw=text,
        )
        return
    records = _document_records(text, value, source, formats, file_format)
    if repeated and records:
        _warn_repeated(records[:1], repeated, source, 1)
    yield from records


def _document_records(
    text: str, value: Any, source: str, formats: Formats, file_format: Mapped | None
) -> list[RawRecord]:
    if isinstance(value, dict):
        expanded = formats.expand(value, source, 1, text, KIND, file_format)
        if expanded is not None:
            return expanded
    key, inner = _unwrap(value)
    if key is not None:
        # A container: the records are the elements of one key.
        return [
            record
            for element in inner
            for record in _records(
                source,
                _find_line(text, element),
                orjson.dumps(element).decode(),
                element,
                formats,
                file_format,
            )
        ]
    return [_record(source, 1, text, value)]


def _find_line(text: str, element: dict[str, Any]) -> int:
    """Best-effort line of a record inside a container: where its id is written."""
    identifier = element.get("id")
    if isinstance(identifier, str | int):
        needle = json.dumps(identifier)
        position = text.find(needle)
        if position >= 0:
            return _line_of(text, position)
    return 1
