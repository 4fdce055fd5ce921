"""Where a rendered result goes: one JSON spelling, and ``--output FILE`` written safely
(checked first, then replaced whole or not at all).

``report`` and ``rules export`` both write to a file when asked; both check the
file first (:func:`check_output`), before any work is done or recorded, so that
a typo cannot replace the database with a report and an unwritable path fails
before the registry records a report nobody will read.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any

from failearn.errors import UsageError
from failearn.visible import json_escapes

# The files SQLite keeps beside a database while it is open or after a crash.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def json_text(document: Any) -> str:
    """A JSON document as failearn prints it: indented, UTF-8 as is (but for bidirectional
    and invisible characters, written as escapes), times as text."""
    return json_escapes(json.dumps(document, indent=2, ensure_ascii=False, default=str)) + "\n"


def _named(path: Path) -> Path:
    """The path with its directory resolved but its last part as named (a symlink stays)."""
    absolute = path.absolute()
    return absolute.parent.resolve() / absolute.name


def _database_files(database: Path) -> set[Path]:
    files: set[Path] = set()
    for base in {_named(database), database.resolve()}:
        files.update(base.with_name(base.name + suffix) for suffix in _SIDE_FILES)
    return files


def check_output(path: Path, database: Path | str) -> None:
    """Refuse an output file that is the database (or one of its side files), a directory,
    or cannot be written; nothing is created.  (A PostgreSQL database, a URL, has no file.)"""
    target = path.resolve()
    protected = _database_files(database) if isinstance(database, Path) else set()
    same = target in protected or _named(path) in protected
    if not same and isinstance(database, Path) and path.exists() and database.exists():
        try:
            same = path.samefile(database)
        except OSError:
            same = False
    if same:
        raise UsageError(f"--output {path} is the database ({database}); refusing to "
                         "overwrite it", hint="write the output to another file")
    if target.is_dir():
        raise UsageError(f"cannot write {path}: it is a directory")
    parent = target.parent
    if not parent.is_dir():
        raise UsageError(f"cannot write {path}: directory {parent} does not exist")
    if not os.access(target if target.exists() else parent, os.W_OK):
        raise UsageError(f"cannot write {path}: permission denied")


def write_output(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` (UTF-8) whole or not at all: into a temporary file beside
    it, flushed to disk, then renamed over it, so that a full disk or a crash leaves the
    previous file as it was.  A symbolic link is written through (the link stays); an
    existing file keeps its permissions.  An OS error is a usage error naming the file."""
    target = path.resolve() if path.is_symlink() else path
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except OSError:
        mode = 0o666 & ~_umask()
    temporary: Path | None = None
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        temporary = Path(name)
        with os.fdopen(fd, "wb") as handle:
            handle.write(text.encode("utf-8"))
            handle.flush()
            os.fsync(handle.fileno())
        temporary.chmod(mode)
        temporary.replace(target)
        temporary = None
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}",
                         hint="the previous file, if any, is unchanged") from exc
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
