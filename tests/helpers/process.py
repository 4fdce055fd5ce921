"""A test's process as a user's would be: unprivileged, and never stuck."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def no_hang(seconds: int = 20) -> Iterator[None]:
    """Turn a read that blocks forever (a FIFO) into a failure instead of a stuck test run."""

    def stuck(signum: int, frame: FrameType | None) -> None:
        raise AssertionError(f"blocked for {seconds}s")

    previous = signal.signal(signal.SIGALRM, stuck)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


NOBODY = 65534


@contextmanager
def unprivileged() -> Iterator[None]:
    """Permissions as a user sees them: root reads and writes anything, so drop to nobody."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(NOBODY)
    try:
        yield
    finally:
        os.seteuid(0)
