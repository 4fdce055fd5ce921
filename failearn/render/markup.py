"""Text as Markdown and HTML show it literally: the filters templates use.

Post-mortem text is data, never markup: :func:`md_text` escapes what would format,
link or split a table cell, :func:`md_code` and :func:`html_code` keep code spans
as code, :func:`url` lets through only web links.
"""

from __future__ import annotations

import re
from typing import Any

_BACKTICKS = re.compile(r"`+")
# Punctuation that could format, link, open HTML or an entity, or split a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!&])")
# What would open a block at the start of a line: a list item, a setext underline.
_MD_BULLET = re.compile(r"^([-+=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is a code span) as CommonMark reads it: a run of n backticks
    opens a code span that the next run of exactly n backticks closes; a run with no such
    partner is literal text."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    latest: dict[int, int] = {}  # run length -> the nearest run of that length after
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = latest.get(length)
        latest[length] = index
    parts: list[tuple[str, bool]] = []
    done = index = 0
    while index < len(runs):
        closer = following[index]
        if closer is None:
            index += 1
            continue
        parts.append((text[done : runs[index][0]], False))
        done = runs[closer][1]
        parts.append((text[runs[index][0] : done], True))
        index = closer + 1
    parts.append((text[done:], False))
    return [part for part in parts if part[0]]


def _md_literal(text: str) -> str:
    """Text escaped, at the start of a line too (where ``-`` or ``1.`` open a list)."""
    return _MD_ORDERED.sub(r"\1\\\2", _MD_BULLET.sub(r"\\\1", _MD_SPECIAL.sub(r"\\\1", text)))


def md_text(value: object) -> str:
    """Text from a post-mortem, safe inside Markdown (a paragraph or a table cell): what it
    wrote as code spans stays code (found by CommonMark's own rule, which counts backtick
    runs); everything else that would format, link, open HTML or split a cell is
    backslash-escaped, unmatched backticks included; line breaks become spaces."""
    text = " ".join(str(value if value is not None else "").split())
    out: list[str] = []
    for part, is_code in code_spans(text):
        if is_code and "\\|" not in part:
            # GitHub splits table cells at '|' even inside code spans: escape it there too.
            out.append(part.replace("|", "\\|"))
        else:
            # A backslash before a pipe cannot be written inside a code span so that every
            # renderer keeps the cell whole: such a span is shown as text.
            out.append(_md_literal(part) if not out else _MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def md_code(value: object) -> str:
    """A value (a service, a rule id: anything a source named) as a Markdown code span that
    stays one: fenced with more backticks than it holds, padded when it starts or ends
    with one, and with '|' escaped so that it cannot split a table cell (a value with a
    backslash before a pipe is escaped text instead)."""
    text = " ".join(str(value if value is not None else "").split())
    if "\\|" in text:
        return _md_literal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if not text or text[0] == "`" or text[-1] == "`" else ""
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"


def html_code(value: object) -> Any:
    """Escape text for HTML, then turn `code spans` into <code> elements."""
    from markupsafe import Markup, escape

    escaped = str(escape("" if value is None else str(value)))
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escaped))


def url(value: object) -> str:
    """A link target with everything but the characters of a path or URL percent-encoded."""
    from urllib.parse import quote

    return quote(str(value), safe="/#:.-_~%?=&+@")


def plain(value: object) -> str:
    """Text for the plain-text report: code-span backticks dropped, whitespace folded."""
    return " ".join(str("" if value is None else value).replace("`", "").split())


def signed(value: float) -> str:
    text = f"{value:+.1f}"
    return "±0" if text in ("+0.0", "-0.0") else text.replace(".0", "")
