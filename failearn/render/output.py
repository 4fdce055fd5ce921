"""Where a rendered result goes: one JSON spelling, tables as a terminal or a pipe wants
them, and ``--output FILE`` written safely (checked first, then replaced whole or not at all).

A table of records (rules, incidents, classes) is drawn for a person in a terminal, with
ids never cut; piped or redirected, it prints as ``gh`` prints: tab-separated values, one
line per row, no title, header or box, so that ``cut``, ``sort`` and ``while read`` work.

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
from typing import TYPE_CHECKING, Any

from failearn.errors import UsageError
from failearn.outputs import in_place, written_in_place
from failearn.visible import json_escapes, visible

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.table import Table

# The files SQLite keeps beside a database while it is open or after a crash.
_SIDE_FILES = ("", "-wal", "-shm", "-journal")


def json_text(document: Any) -> str:
    """A JSON document as failearn prints it: indented, UTF-8 as is (but for bidirectional
    and invisible characters, written as escapes), times as text."""
    return json_escapes(json.dumps(document, indent=2, ensure_ascii=False, default=str)) + "\n"


def _cell_text(cell: RenderableType) -> str:
    """A table cell as plain text on one line (markup resolved, tabs and newlines spaces)."""
    from rich.text import Text

    text = cell.plain if isinstance(cell, Text) else Text.from_markup(str(cell)).plain
    return " ".join(text.replace("\t", " ").splitlines())


def tsv_lines(table: Table) -> list[str]:
    """The rows of ``table`` as tab-separated lines."""
    columns = [list(column.cells) for column in table.columns]
    return ["\t".join(_cell_text(cell) for cell in row) for row in zip(*columns, strict=True)]


def draw_table(table: Table, console: Console) -> None:
    """Draw ``table`` with no id cut: a column marked ``no_wrap`` (ids, dates, figures) is
    as wide as its widest cell, and a table that cannot fit the width is drawn wider than
    it (the other columns wrap first) rather than shortening an id to "…"."""
    from rich.cells import cell_len

    _top, right, _bottom, left = table.padding
    needed = (len(table.columns) - 1 + 2 * table.show_edge) if table.box else 0
    for column in table.columns:
        if column.no_wrap:
            widest = max((cell_len(_cell_text(cell)) for cell in column.cells), default=0)
            column.min_width = max(
                column.min_width or 0, widest, cell_len(_cell_text(column.header))
            )
        needed += (column.min_width or 1) + left + right
    if needed > console.width:
        console.size = (needed, console.height)  # rich draws no wider than its console
    console.print(table, crop=False)


def print_table(table: Table, console: Console, *, tsv: bool = False) -> None:
    """A table of records: drawn in a terminal (:func:`draw_table`); tab-separated values,
    one line per row, when the output is not one or ``tsv`` asks for them (what every list
    command's ``--format tsv`` does)."""
    if console.is_terminal and not tsv:
        draw_table(table, console)
        return
    write_lines(tsv_lines(table), console)


def tsv_text(table: Table) -> str:
    """The rows of ``table`` as tab-separated lines, as :func:`print_table` writes them, for
    a file."""
    return "".join(visible(line) + "\n" for line in tsv_lines(table))


def write_lines(lines: list[str], console: Console) -> None:
    """Lines written as they are (tabs kept: rich would expand them), but for controls and
    invisible characters, shown as escapes as everywhere else."""

    console.file.write("".join(visible(line) + "\n" for line in lines))
    console.file.flush()


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
        raise UsageError(
            f"--output {path} is the database ({database}); refusing to overwrite it",
            hint="write the output to another file",
        )
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
    previous file as it was.  A device or a pipe (``/dev/null``) is written in place.
    A symbolic link is written through (the link stays); an existing file keeps its
    permissions.  An OS error is a usage error naming the file."""
    target = path.resolve() if path.is_symlink() else path
    if in_place(target):
        with written_in_place(target, path, binary=True) as handle:
            handle.write(text.encode("utf-8"))
        return
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
        raise UsageError(
            f"cannot write {path}: {exc.strerror or exc}",
            hint="the previous file, if any, is unchanged",
        ) from exc
    finally:
        if temporary is not None:
            temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
