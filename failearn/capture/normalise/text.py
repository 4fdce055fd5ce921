"""Text as a record gives it, made safe to store and show.

Whatever a source wrote (bytes, numbers, lists) becomes text here; terminal control
sequences and control characters are dropped, since stored text is shown in
terminals and reports and no renderer should have to care.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

# Terminal control sequences and control characters: escape sequences (CSI ``ESC [ … m``,
# OSC ``ESC ] … BEL`` that retitles a terminal, DCS/APC strings, C1 CSI/OSC), then any
# other C0 control but tab and newline, DEL and C1.  Incident text is shown in terminals
# and reports: stored text never holds them, so no renderer has to care.
_CONTROL_SEQUENCE = re.compile(
    "\x1b\\][^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    "|\x1b\\[[0-?]*[ -/]*[@-~]?"
    "|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\\\|\x9c)?"
    "|\x1b[ -/]*[0-~]?"
    "|\x9b[0-?]*[ -/]*[@-~]?"
    "|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
_ANY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text without terminal escape sequences and control characters (tab and newline
    stay; CR LF becomes LF)."""
    if text.isprintable() or _ANY_CONTROL.search(text) is None:  # the first: C speed
        return text
    return _CONTROL_SEQUENCE.sub("", text.replace("\r\n", "\n"))


def _printable_any(value: Any) -> Any:
    """Nested data with every string (and key) printable."""
    if not value:
        return value
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable_any(item) for item in value]
    if isinstance(value, dict):
        return {
            printable(k) if isinstance(k, str) else k: _printable_any(v) for k, v in value.items()
        }
    return value


def _as_written(value: Any) -> str:
    """A value as a message quotes it: text quoted, a YAML date or time as written."""
    if isinstance(value, date | datetime):
        return f"'{value.isoformat()}'"
    return repr(value)


def _decoded(value: bytes) -> str:
    """A YAML ``!!binary`` value, as the text it most likely holds."""
    return value.decode("utf-8", errors="replace")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = _decoded(value)
    if isinstance(value, str):
        stripped = (value if value.isprintable() else printable(value)).strip()
        return stripped or None
    if isinstance(value, list):
        lines = [_text(item) for item in value]
        joined = "\n".join(f"- {line}" for line in lines if line)
        return joined or None
    if isinstance(value, dict):
        parts = [f"{k}: {_text(v)}" for k, v in value.items() if _text(v)]
        return "; ".join(parts) or None
    return printable(str(value))


@dataclass(frozen=True, slots=True)
class Separators:
    """What cuts a text into list items: a pattern of separators, none of them a letter or
    a digit, and ``marks``, characters one of which every separator holds (when given).
    A text of letters and digits only, or holding no mark, is one item: the pattern need
    not be tried."""

    pattern: re.Pattern[str]
    marks: tuple[str, ...] = ()

    def split(self, text: str) -> list[str]:
        if text.isalnum() or (self.marks and not any(mark in text for mark in self.marks)):
            return [text]
        return [part for part in self.pattern.split(text) if part]


def _strings(value: Any, split: Separators | None = None) -> list[str]:
    if value is None:
        return []
    if type(value) is str:  # one text: the usual case of a service, a class, a trace id
        text = (value if value.isprintable() else printable(value)).strip()
        if not text:
            return []
        return [text] if split is None else split.split(text)
    items = value if isinstance(value, list | tuple) else [value]
    result: list[str] = []
    for item in items:
        if type(item) is not str:
            if item is None or isinstance(item, dict | list):
                continue
            item = _decoded(item) if isinstance(item, bytes) else str(item)
        text = (item if item.isprintable() else printable(item)).strip()
        if not text:
            continue
        if split is not None:
            result.extend(split.split(text))
        else:
            result.append(text)
    return result


def _type_name(value: Any) -> str:
    """How a value's type reads in a message (JSON's words: a list, an object, null)."""
    return {
        dict: "an object",
        list: "a list",
        tuple: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), f"a {type(value).__name__}")
