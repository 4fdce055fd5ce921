"""Where a command's output file goes: a regular file is replaced whole, anything else
that already exists (a device such as ``/dev/null``, a named pipe, a terminal) is
written in place.

Replacing means writing a temporary file beside the target and renaming it over
the target once complete, so that a crash or a full disk leaves the previous file
as it was.  Renaming over a device or a pipe would put a regular file where it
was (as root, over ``/dev/null``) and the reader of a pipe would get nothing.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from failearn.errors import UsageError


def in_place(path: Path) -> bool:
    """Whether ``path`` is written in place: it exists and is neither a regular file nor
    a directory (a symbolic link counts as what it points at)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def open_output(path: Path, shown: Path, *, binary: bool) -> IO[Any]:
    """``path`` opened for writing the output ``shown`` (text as UTF-8, newlines as
    written); a failure is the user's, naming ``shown``."""
    try:
        return path.open("wb") if binary else path.open("w", encoding="utf-8", newline="")
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from exc


@contextmanager
def written_in_place(path: Path, shown: Path, *, binary: bool) -> Iterator[IO[Any]]:
    """A device or a pipe opened and written as it is; a write it refuses (``/dev/full``)
    is the user's error.  A reader gone early (a broken pipe) is left to the command's
    error boundary, which ends quietly with its own exit code."""
    try:
        with open_output(path, shown, binary=binary) as handle:
            yield handle
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise UsageError(f"cannot write {shown}: {exc.strerror or exc}") from exc
