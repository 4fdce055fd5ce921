"""The day the rules of the CLI tests are registered."""

from __future__ import annotations

T0 = "2026-11-23"


def at(time: str) -> str:
    return f"2026-11-23T{time}:00Z"
