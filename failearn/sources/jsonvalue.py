"""One JSON value read exactly: numbers beyond a machine word, deep nesting, repeated keys.

orjson reads every record (several times faster than the standard library), but
it rounds an integer beyond 64 bits to a float, so that two such ids would
become one record, and it refuses a number beyond a double's range (``1e400``)
as invalid JSON, which would reject a whole record for one bad metric.  Such a
value is read again by the standard library: an integer beyond 64 bits as its
JSON text (so ``18446744073709551617`` and ``…618`` stay two ids), ``1e400`` as
infinity (which the metric gate reports as ``invalid-metric``).

A value nested deeper than :data:`MAX_DEPTH` is refused before anything walks it
(the normalisation would otherwise hit Python's recursion limit), and keys
written twice in one object are named: the last value is kept, as every JSON
reader does, and the record carries a ``duplicate-key`` warning.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

import orjson

# Far deeper than any export nests (an OTLP trace: about 12 levels), far shallower than
# the recursion the normalisation of a record can afford.
MAX_DEPTH = 64
# An integer of 20 digits or more may lie beyond 64 bits, where orjson rounds it.
_LONG_DIGITS_TEXT = re.compile(r"\d{20}")
_KEY_ENDS_TEXT = re.compile(r'"[ \t\r\n]*:')
_STRINGS = re.compile(rb'"(?:[^"\\]++|\\.)*+"', re.DOTALL)
_STRINGS_TEXT = re.compile(r'"(?:[^"\\]++|\\.)*+"', re.DOTALL)


class TooDeepError(ValueError):
    """A JSON value nested deeper than :data:`MAX_DEPTH`."""

    def __init__(self) -> None:
        super().__init__(f"the value is nested more than {MAX_DEPTH} levels deep")


def load(data: bytes | str) -> Any:
    """The value of one JSON text (raises :class:`json.JSONDecodeError` when it is not
    JSON, :class:`TooDeepError` when it nests too deeply)."""
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if "depth" in exc.msg:
            raise TooDeepError() from exc
        if "infinity" not in exc.msg:
            raise
        return _exact(data)
    if _long_digits(data):
        return _exact(data)
    return value


# Every digit as 0: a run of 20 digits (a number beyond 64 bits, or a long one in a string)
# is then a plain substring, found by a fast search rather than a regular expression tried
# at every byte.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_TWENTY_ZEROS = b"0" * 20


def _long_digits(data: bytes | str) -> bool:
    if isinstance(data, bytes):
        return _TWENTY_ZEROS in data.translate(_DIGITS_AS_ZERO)
    return _LONG_DIGITS_TEXT.search(data) is not None


_INT64 = range(-(2**63), 2**64)


def _integer(text: str) -> int | str:
    """An integer of the JSON text; one beyond 64 bits stays its text (no later step can
    round it, and every JSON writer can write it back)."""
    value = int(text)
    return value if value in _INT64 else text


def _exact(data: bytes | str) -> Any:
    """The standard library's reading: integers whole, ``1e400`` as infinity."""
    try:
        return json.loads(data, parse_int=_integer)
    except RecursionError as exc:
        raise TooDeepError() from exc
    except json.JSONDecodeError:
        raise
    except ValueError as exc:  # an integer of more digits than Python converts
        raise json.JSONDecodeError(
            str(exc), data if isinstance(data, str) else data.decode("utf-8", "replace"), 0
        ) from exc


def _keys(value: Any, depth: int) -> int:
    """How many keys the objects in ``value`` hold; TooDeepError beyond MAX_DEPTH."""
    if depth > MAX_DEPTH:
        raise TooDeepError()
    count = 0
    children: Iterable[Any]
    if type(value) is dict:
        count = len(value)
        children = value.values()
    elif type(value) is list:
        children = value
    else:
        return 0
    for child in children:
        kind = type(child)
        if kind is dict or kind is list:
            count += _keys(child, depth + 1)
    return count


def _key_ends(data: bytes | str) -> int:
    """How many times a quote and then, after any space, a colon are written (what
    ``_KEY_ENDS_TEXT`` finds): in bytes, the ``":`` left once the spaces are taken out."""
    if isinstance(data, bytes):
        return data.translate(None, b" \t\r\n").count(b'":')
    return len(_KEY_ENDS_TEXT.findall(data))


def repeated_keys(value: Any, data: bytes | str) -> list[str]:
    """The keys ``data`` writes twice in one object (none, usually); raises
    :class:`TooDeepError` for a value nested too deeply.

    Cheap for the common case: the keys of the parsed value are counted and
    compared with the colons of the text outside its strings (one per key
    written); only when they differ is the text read again to name the keys.
    """
    keys = _keys(value, 1)
    colon: Any = b":" if isinstance(data, bytes) else ":"
    if data.count(colon) <= keys:
        return []
    # Every key written ends with a quote and then, after any space, a colon: when the
    # text holds no more of these than the value has keys, no key is written twice.
    if _key_ends(data) <= keys:
        return []
    strings = _STRINGS if isinstance(data, bytes) else _STRINGS_TEXT
    if strings.sub(colon[:0], data).count(colon) <= keys:  # type: ignore[arg-type]
        return []
    found: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen and key not in found:
                found.append(key)
            seen.add(key)
        return dict(items)

    json.loads(data, object_pairs_hook=pairs)
    return found
