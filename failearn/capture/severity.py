"""Severity: the spellings teams use, mapped onto one scale (SEV1 … SEV5 by default).

``SEV1``, ``sev-1``, ``Sev 1``, ``S1``, ``P1``, ``1`` and words such as
``critical`` / ``high`` / ``medium`` / ``low`` / ``info`` all land on the scale.
A configured scale of another length is honoured: numbered spellings map by
position, words by their place on a five-step ladder scaled to the length.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

# A digit, alone or after a prefix ("sev-1", "P 2"): "-1" is no severity.
_NUMBERED = re.compile(r"^(?:(?:sev(?:erity)?|s|p|priority|level)[\s\-_:]*)?([0-9])$")
# Position on a five-step ladder, 1 = most severe.
_WORDS: dict[str, int] = {
    "critical": 1,
    "crit": 1,
    "emergency": 1,
    "fatal": 1,
    "blocker": 1,
    "urgent": 1,
    "disaster": 1,
    "major": 2,
    "high": 2,
    "error": 2,
    "severe": 2,
    "medium": 3,
    "moderate": 3,
    "warning": 3,
    "warn": 3,
    "normal": 3,
    "average": 3,
    "low": 4,
    "minor": 4,
    "info": 5,
    "informational": 5,
    "information": 5,
    "debug": 5,
    "trivial": 5,
    "lowest": 5,
}


def normalise_severity(
    value: object, scale: Sequence[str], aliases: Mapping[str, str] | None = None
) -> str | None:
    """The scale entry for a spelling, or None when it is not a severity failearn knows."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    folded = text.casefold()
    for alias, target in (aliases or {}).items():
        if alias.casefold() == folded and target in scale:
            return target
    for entry in scale:
        if entry.casefold() == folded:
            return entry
    match = _NUMBERED.match(folded)
    if match is not None:
        number = int(match.group(1))
        # SEV0 / P0 exist in some scales: they are the most severe.
        position = max(number, 1)
        return scale[position - 1] if position <= len(scale) else None
    rung = _WORDS.get(folded)
    if rung is None:
        return None
    position = round((rung - 1) * (len(scale) - 1) / 4)
    return scale[position]


def severity_rank(severity: str | None, scale: Sequence[str]) -> int:
    """0 for the most severe entry; len(scale) for none or unknown."""
    if severity in scale:
        return list(scale).index(severity)  # type: ignore[arg-type]
    return len(scale)
