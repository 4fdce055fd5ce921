"""Text as it may reach a person: nothing in it can steer a terminal or hide or reorder
what is shown.

A file name, a post-mortem's title or a reviewer's note may hold a terminal escape
sequence (that recolours, retitles or clears the terminal), a bidirectional
override that shows text in another order than it is stored (``U+202E``,
``U+2066`` …) or a character of no width that hides a difference (``U+200B`` …).
Every renderer passes what it shows through :func:`visible`, which spells each
such character as an escape a person can read (``\\x1b``, ``\\u202e``); JSON
spells them as JSON escapes (:func:`json_escapes`), the same string to a script.
Newlines and tabs stay: they are layout, not tricks.
"""

from __future__ import annotations

import re

# C0 controls but tab and newline, DEL, C1 controls.
_CONTROLS = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Bidirectional controls (embeddings, overrides, isolates, marks) and characters of no width
# (zero-width space and joiners, word joiner and invisible operators, the byte-order mark).
_INVISIBLE = (
    "\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\u206a-\u206f"
    "\ufeff\ufff9-\ufffb"
)
_UNSAFE = re.compile(f"[{_CONTROLS}{_INVISIBLE}]")
_UNSAFE_IN_JSON = re.compile(f"[{_INVISIBLE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control, bidirectional and invisible character written as an
    escape (tab and newline kept)."""
    if text.isascii() and text.isprintable():  # the usual case, at C speed
        return text
    return _UNSAFE.sub(_escape, text)


def is_visible(text: str) -> bool:
    """Whether :func:`visible` leaves ``text`` as it is."""
    return _UNSAFE.search(text) is None


def json_escapes(document: str) -> str:
    """A JSON document with bidirectional and invisible characters spelled as ``\\uXXXX``
    (control characters are escaped by JSON itself); the same data to a parser."""
    return _UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", document)
