"""Fixtures of the CLI tests: rules registered at a known time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.factories import draft, seed
from tests.helpers.rules import T0


@pytest.fixture
def checkout(tmp_path: Path) -> list[str]:
    """Three rules on checkout (one pattern) and one on search, registered at T0."""
    drafts = [
        draft("P0001", "checkout", kind)
        for kind in ("pool-resize", "pre-emptive-scaling", "circuit-breaker")
    ]
    drafts.append(draft("P0002", "search", "timeout-tuning", failure_class="timeout"))
    return seed(str(tmp_path / "failearn.db"), drafts, T0)
