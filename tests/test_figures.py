"""One spelling of a percentage everywhere."""

from __future__ import annotations

import pytest

from failearn.figures import percent


@pytest.mark.parametrize(
    ("share", "digits", "text"),
    [
        (0.31, 0, "31 %"),
        (0.0, 0, "0 %"),
        (0.003, 0, "<1 %"),
        (1.0, 0, "100 %"),
        (None, 0, "–"),
        (0.3333, 1, "33.3 %"),
        (0.0004, 1, "<0.1 %"),
        (0.0005, 1, "0.1 %"),
        (0.5, 0, "50 %"),
    ],
)
def test_percent(share: float | None, digits: int, text: str) -> None:
    assert percent(share, digits) == text
