"""Message templates: mask the variable parts of an error message, Drain-style.

Two alerts of one failure rarely share a message: each names its own host,
duration, request id or timestamp.  Masking those parts first turns
"timeout after 5012ms on db-7f3a" and "timeout after 930ms on db-19bc" into the
one template "timeout after <dur> on db-<id>", which is what clustering and
labels need.  Typed masks (``<ts>``, ``<uuid>``, ``<ip>``, ``<hex>``, ``<dur>``,
``<path>``, ``<host>``, ``<num>``, ``<id>``) keep a label readable.

Masking works token by token (whitespace-separated), and only on tokens with
a digit or a slash: most words of a message are left alone at the cost of one
cheap test.  Within a token, one combined expression tries the patterns in
order (timestamps before numbers, UUIDs before hex ids, IPs before numbers).
Words such as ``HikariPool-1`` keep their stable
part (``HikariPool-<id>``): the prefix says what the thing is.
"""

from __future__ import annotations

import re
from functools import lru_cache

_MASKS: tuple[tuple[re.Pattern[str], str], ...] = (
    # ISO 8601 / RFC 3339 timestamps and common log spellings of them.
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?"
            r"(?:Z|[+-]\d{2}:?\d{2})?\b"
        ),
        "<ts>",
    ),
    (re.compile(r"\b\d{4}-\d{2}-\d{2}\b"), "<ts>"),
    (re.compile(r"\b\d{2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<ts>"),
    (
        re.compile(
            r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-"
            r"[0-9a-fA-F]{12}\b"
        ),
        "<uuid>",
    ),
    (re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b"), "<ip>"),
    (re.compile(r"\b(?:[0-9a-fA-F]{2}:){5}[0-9a-fA-F]{2}\b"), "<hex>"),
    (re.compile(r"\b0x[0-9a-fA-F]+\b"), "<hex>"),
    # Long hex runs with at least one digit and one letter (trace ids, hashes, commits).
    (re.compile(r"\b(?=[0-9a-fA-F]*\d)(?=[0-9a-fA-F]*[a-fA-F])[0-9a-fA-F]{8,}\b"), "<hex>"),
    (
        re.compile(
            r"\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|m|min|mins|minutes|h|"
            r"hrs|hours|d|days)\b",
            re.IGNORECASE,
        ),
        "<dur>",
    ),
    # Unix paths with at least two segments, and URLs' paths.
    (re.compile(r"(?<![\w<])(?:/[\w.@%+-]+){2,}/?"), "<path>"),
    (re.compile(r"\b[A-Za-z]:\\(?:[\w .-]+\\)*[\w .-]*"), "<path>"),
    # Dotted host names with a digit in their first label (db-7f3a.internal). A label is
    # at most 63 characters (RFC 1035): bounded, and taken whole, so that a long run such
    # as a1-a-a-…-a costs time in proportion to it, not to its square.
    (re.compile(r"\b[A-Za-z](?=[\w-]{0,62}?\d)[\w-]{0,62}+(?:\.[A-Za-z][\w-]*)+\b"), "<host>"),
)
# One pass over the text: the first pattern that matches at a position wins.
_COMBINED = re.compile(
    "|".join(
        f"(?P<m{i}>(?i:{p.pattern}))" if p.flags & re.IGNORECASE else f"(?P<m{i}>{p.pattern})"
        for i, (p, _) in enumerate(_MASKS)
    )
)
_NAMES = {f"m{i}": placeholder for i, (_, placeholder) in enumerate(_MASKS)}
# Inside a word holding a digit: its segments with digits (db-7f3a -> db-<id>).
# (A word without a digit is left as it is by _mask_word: no look-ahead for one, which
# would scan the rest of the run from every separator in it.)
_WORD = re.compile(r"(?<![\w<])[\w]+(?:[-_.:][\w]+)*")
_SEGMENT_SPLIT = re.compile(r"([-_.:])")
_DIGIT = re.compile(r"\d")
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)*%?$")
_NEEDS_MASK = re.compile(r"[\d/\\]")
# "3 seconds": a number and a unit written apart.
_NUMBER_UNIT = re.compile(
    r"<num> (?:ns|us|µs|ms|s|sec|secs|seconds|m|min|mins|minutes|h|hrs|"
    r"hours|d|days)\b",
    re.IGNORECASE,
)
_REPEATS = re.compile(r"(<\w+>)(?:[\s,;]*\1)+")

PLACEHOLDERS = ("<ts>", "<uuid>", "<ip>", "<hex>", "<dur>", "<path>", "<host>", "<num>", "<id>")


def _mask_word(match: re.Match[str]) -> str:
    word = match.group(0)
    if not _DIGIT.search(word):
        return word
    if _NUMBER.match(word):
        return "<num>"
    parts = _SEGMENT_SPLIT.split(word)
    if len(parts) == 1:
        # A single token mixing letters and digits: keep a leading word if any (v2 stays).
        head = re.match(r"^([A-Za-z]+)(\d+)$", word)
        if head and len(head.group(2)) <= 2 and len(head.group(1)) >= 2:
            return word
        return "<id>"
    out = []
    for part in parts:
        if part and _DIGIT.search(part) and part not in "-_.:":
            out.append("<num>" if _NUMBER.match(part) and len(parts) == 1 else "<id>")
        else:
            out.append(part)
    return "".join(out)


def _placeholder(match: re.Match[str]) -> str:
    return _NAMES[match.lastgroup or ""]


@lru_cache(maxsize=1 << 16)
def mask(message: str) -> str:
    """The template of one message: variable parts replaced by typed placeholders (kept for
    the last 65,536 messages: titles, messages and spans recur across incidents)."""
    tokens = message.split()
    for i, token in enumerate(tokens):
        # Only a token with a digit or a slash can hold a variable part: mask token by token.
        if _NEEDS_MASK.search(token):
            tokens[i] = _WORD.sub(_mask_word, _COMBINED.sub(_placeholder, token))
    text = _NUMBER_UNIT.sub("<dur>", " ".join(tokens))
    return _REPEATS.sub(r"\1", text)


# -- variable words ------------------------------------------------------------------

WILDCARD = "<*>"
MIN_VALUES = 3  # a position is variable when this many different words fill it
MAX_TOKENS = 64  # longer messages (stack traces) are left as they are


def _variable_positions(split: dict[str, list[str]]) -> dict[str, set[int]]:
    """Per template, the positions at which templates equal everywhere else hold at least
    MIN_VALUES different words."""
    values: dict[tuple[int, int, tuple[str, ...]], set[str]] = {}
    for tokens in split.values():
        for i in range(len(tokens)):
            key = (len(tokens), i, tuple(tokens[:i] + tokens[i + 1 :]))
            values.setdefault(key, set()).add(tokens[i])
    out: dict[str, set[int]] = {}
    for template, tokens in split.items():
        out[template] = {
            i
            for i in range(len(tokens))
            if len(values[(len(tokens), i, tuple(tokens[:i] + tokens[i + 1 :]))]) >= MIN_VALUES
        }
    return out


def generalise(templates: set[str] | list[str] | dict[str, int]) -> dict[str, str]:
    """Each template with the words that vary in it replaced by ``<*>`` (Drain-style).

    Templates equal but for one (whitespace-separated) position, with at least
    :data:`MIN_VALUES` different words in that position, are one template with a
    variable there ("relation users does not exist", "relation orders …", "relation
    carts …" → "relation <*> does not exist"); a second pass finds a second variable
    among the generalised ones.  A position with only two words stays as written:
    two words may be two causes.
    """
    forms = {t: t for t in templates}
    for _ in range(2):
        split = {f: f.split() for f in set(forms.values()) if 1 < len(f.split()) <= MAX_TOKENS}
        positions = _variable_positions(split)
        renamed = {
            f: " ".join(WILDCARD if i in positions[f] else t for i, t in enumerate(tokens))
            for f, tokens in split.items()
            if positions[f]
        }
        if not renamed:
            break
        forms = {t: renamed.get(f, f) for t, f in forms.items()}
    return forms
