"""What every vendor adapter shares: the expanded item, dotted paths, labels, options.

An adapter turns one vendor payload into :class:`Item` s: one per incident it
describes (an alert of a group, a failing trace), each with a payload in
canonical field names, the part of the original document it came from (kept
raw in the inbox), and a string to find its line by.  A payload that is not an
incident (a "service updated" event) becomes an item with a note instead of a
payload: it is skipped, not rejected.  A payload of a vendor's shape with a part
of the wrong type (``labels`` a list, ``spans`` a number) becomes an item with an
error instead: it is rejected, located, and the rest of the payload is still read.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

_PATH_PART = re.compile(r'\.?(?:\[(\d+)\]|\["([^"]*)"\]|([^.\[\]]+))')


@dataclass(frozen=True, slots=True)
class Options:
    """What the configuration tells adapters: the keys that name a service."""

    service_labels: tuple[str, ...] = (
        "service",
        "service_name",
        "service.name",
        "app",
        "application",
        "job",
        "team",
    )


@dataclass(slots=True)
class Item:
    """One record an adapter found in a payload, or a note on a payload it skips.

    ``document`` is what the inbox keeps for this item (None: the payload as
    received); ``anchor`` is text written inside the record, to locate its line
    (``typed``: the anchor is a JSON value as written, ``"A-1"`` or ``2``).
    """

    payload: dict[str, Any] | None
    document: Any = None
    anchor: str | None = None
    note: str | None = None
    error: str | None = None
    typed: bool = False


def skip(note: str) -> Item:
    """An item for a payload that is not an incident."""
    return Item(None, note=note)


def malformed(error: str, document: Any = None, anchor: str | None = None) -> Item:
    """An item for a part of a payload that cannot be read: it is rejected."""
    return Item(None, document, anchor, error=error)


_TYPE_NAMES = {
    dict: "an object",
    list: "a list",
    str: "a string",
    bool: "a boolean",
    int: "a number",
    float: "a number",
    type(None): "null",
}


def type_name(value: Any) -> str:
    """How a JSON value's type reads in a message: ``a list``, ``null``."""
    return _TYPE_NAMES.get(type(value), f"a {type(value).__name__}")


def wrong_type(path: str, value: Any, expected: str) -> str:
    """The message for a part of a payload of the wrong type."""
    return f"`{path}` is {type_name(value)}, not {expected}"


def parse_path(path: str) -> list[str | int]:
    """``a.b[0]["c.d"]`` as its steps: ``["a", "b", 0, "c.d"]``."""
    steps: list[str | int] = []
    position = 0
    while position < len(path):
        match = _PATH_PART.match(path, position)
        if match is None or match.end() == position:
            raise ValueError(f"{path!r} is not a dotted path (write e.g. alerts[0].labels.app)")
        index, quoted, name = match.groups()
        steps.append(
            int(index) if index is not None else (quoted if quoted is not None else name.strip())
        )
        position = match.end()
    if not steps:
        raise ValueError("the path is empty")
    return steps


def get_path(value: Any, steps: Iterable[str | int]) -> Any:
    """The value at a parsed path, or None where any step is missing."""
    current = value
    for step in steps:
        if isinstance(step, int):
            if not isinstance(current, list) or not -len(current) <= step < len(current):
                return None
            current = current[step]
        elif isinstance(current, dict):
            if step in current:
                current = current[step]
            else:
                return None
        else:
            return None
    return current


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]…`` or None; a shortcut for fixed vendor paths."""
    current = value
    for key in keys:
        if not isinstance(current, dict):
            return None
        current = current.get(key)
    return current


def text(value: Any) -> str | None:
    """A non-empty stripped string, or None."""
    if value is None or isinstance(value, dict | list):
        return None
    result = str(value).strip()
    return result or None


def first_label(labels: Mapping[str, Any] | None, keys: Iterable[str]) -> str | None:
    """The value of the first key present (compared loosely: ``Service`` is ``service``)."""
    if not labels:
        return None
    folded = {str(k).casefold(): v for k, v in labels.items()}
    for key in keys:
        value = text(folded.get(key.casefold()))
        if value is not None:
            return value
    return None


CLASS_LABELS = ("failure_class", "failure_category", "failure_type", "category", "class")


def class_hints(labels: Mapping[str, Any] | None, *more: Any) -> list[str]:
    """Labels that may name a failure class, the explicit ones first, without repeats."""
    hints: list[str] = []
    for key in CLASS_LABELS:
        value = first_label(labels, (key,))
        if value is not None:
            hints.append(value)
    for value in more:
        for item in value if isinstance(value, list) else [value]:
            found = text(item)
            if found is not None:
                hints.append(found)
    return list(dict.fromkeys(hints))


def pairs(tags: Any) -> dict[str, Any]:
    """Tags as a mapping, from a mapping, ``[key, value]`` pairs or ``{key, value}`` objects."""
    if isinstance(tags, dict):
        return dict(tags)
    result: dict[str, Any] = {}
    if isinstance(tags, list):
        for tag in tags:
            if isinstance(tag, list | tuple) and len(tag) == 2:
                result[str(tag[0])] = tag[1]
            elif isinstance(tag, dict) and "key" in tag:
                result[str(tag["key"])] = tag.get("value")
    return result


def short_hash(*parts: Any) -> str:
    """A stable 16-hex digest of some values (for ids of records the vendor left unnamed)."""
    basis = "\x1f".join(repr(part) for part in parts)
    return hashlib.sha1(basis.encode("utf-8")).hexdigest()[:16]


def compact(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload without empty values (so that gates see a field as missing, not blank)."""
    return {k: v for k, v in payload.items() if v not in (None, "", [], {})}
