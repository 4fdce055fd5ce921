"""How failearn writes a figure for people: one spelling of a share as a percentage.

Every report, audit and message says ``31 %``; a share too small to show at the
precision asked for is ``<1 %`` (never a misleading ``0 %``), and a missing one
``–``.
"""

from __future__ import annotations


def percent(share: float | None, digits: int = 0) -> str:
    """A share (0.31) as a percentage (``31 %``), to ``digits`` decimals."""
    if share is None:
        return "–"
    value = float(share) * 100
    step = 10.0**-digits
    if 0 < value < step / 2:
        return f"<{step:g} %"
    return f"{value:.{digits}f} %"
