"""The problems of a run as a person or a CI log can take them in: the first few in full,
the rest counted by code.

Two million broken lines make eight million errors.  Every one of them is kept
with its record in the inbox (the row's ``errors`` and ``warnings``), so what a
run returns and prints needs only the first ``limit`` in full and a count per
code of all of them: memory and output stay flat whatever the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Tally(Generic[T]):
    """At most ``limit`` items kept in full, and how many there were in all, by code."""

    limit: int
    shown: list[T] = field(default_factory=list)
    by_code: dict[str, int] = field(default_factory=dict)
    total: int = 0
    # How many of the items shown carry each code (to count the others).
    _shown_codes: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, item: T, code: str) -> None:
        self.total += 1
        self.by_code[code] = self.by_code.get(code, 0) + 1
        if len(self.shown) < self.limit:
            self.shown.append(item)
            self._shown_codes[code] = self._shown_codes.get(code, 0) + 1

    @property
    def omitted(self) -> int:
        """How many items are counted but not kept in full."""
        return self.total - len(self.shown)

    def omitted_by_code(self) -> dict[str, int]:
        """The items not kept in full, by code, most frequent first (then by code)."""
        rest = {
            code: count - self._shown_codes.get(code, 0) for code, count in self.by_code.items()
        }
        return dict(
            sorted(((c, n) for c, n in rest.items() if n), key=lambda item: (-item[1], item[0]))
        )
