"""A tiny YAML writer for post-mortem front matter (stdlib only, no PyYAML at build time).

Strings that YAML would read as something else (numbers, booleans, dates) or
that hold ``: ``, quotes, ``#`` or newlines are written double-quoted with JSON
escapes, which are valid YAML; everything else is written plain, as people do.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

_PLAIN = re.compile(r"^[^\W\d_][\w .'/()-]*$")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n"}


def scalar(value: object, quote: bool = False) -> str:
    """One YAML scalar."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    plain = (
        not quote
        and _PLAIN.match(text) is not None
        and text.casefold() not in _RESERVED
        and not text.endswith((" ", "."))
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


def hex_scalar(text: str, quote: bool) -> str:
    """A trace id: plain unless the file quotes them, or it is all digits (an int in YAML)."""
    return json.dumps(text) if quote or text.isdigit() else text


def block_list(key: str, items: Sequence[str]) -> list[str]:
    """``key:`` followed by ``- item`` lines (items already rendered)."""
    return [f"{key}:"] + [f"  - {item}" for item in items]


def flow_list(key: str, items: Sequence[str]) -> list[str]:
    """``key: [a, b, c]`` (items already rendered)."""
    return [f"{key}: [{', '.join(items)}]"]


def mapping(key: str, values: dict[str, float], flow: bool) -> list[str]:
    """A mapping of names to numbers, block or flow style."""
    if flow:
        inner = ", ".join(f"{name}: {scalar(number)}" for name, number in values.items())
        return [f"{key}: {{{inner}}}"]
    return [f"{key}:"] + [f"  {name}: {scalar(number)}" for name, number in values.items()]
