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
from pathlib import Path


def in_place(path: Path) -> bool:
    """Whether ``path`` is written in place: it exists and is neither a regular file nor
    a directory (a symbolic link counts as what it points at)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)
