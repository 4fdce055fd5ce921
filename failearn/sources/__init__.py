"""Sources: find the inputs named on the command line and read them into raw records.

Sources know formats (Markdown, JSON, NDJSON) and nothing about gates or
storage.  A directory is walked recursively in a stable (sorted) order for the
``[ingest] include`` globs, skipping ``exclude`` and anything that is not a
regular file (a FIFO would block the run forever); a directory that cannot be
listed becomes an input that is rejected, so nothing is skipped silently.  A
file named explicitly is always read (and rejected if it is not a regular
file); ``-`` is NDJSON on standard input.  A file that cannot be named or
followed (a name that is not UTF-8, a loop of symbolic links) is an input
rejected for it: one stray file never costs the run.
"""

from __future__ import annotations

import fnmatch
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from failearn.config import IngestConfig
from failearn.errors import UsageError
from failearn.project import resolved_key
from failearn.record import RawRecord
from failearn.sources import jsonfile, markdown
from failearn.sources.reading import (
    display_path,
    is_regular,
    is_utf8,
    keep_copy,
    open_regular,
    printable_name,
    read_file,
    reject,
)
from failearn.sources.vendors import DEFAULT, Formats
from failearn.visible import is_visible, visible

STDIN = "-"
STDIN_SOURCE = "<stdin>"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input to read: a path (or stdin), how it is shown, and its format."""

    path: Path | None
    source: str
    kind: str  # "markdown", "json", "ndjson", or "directory" (one that cannot be listed)
    # Why the input cannot be read at all (a directory that cannot be listed, a file name
    # that is not UTF-8), and the code of that rejection.
    problem: str | None = None
    problem_code: str = "unreadable-file"


def kind_of(path: Path) -> str:
    """The format of a file, from its name: ``x.md.erb`` is Markdown, ``x.jsonl`` NDJSON."""
    name = path.name.casefold()
    if name.endswith((".ndjson", ".jsonl")):
        return "ndjson"
    if name.endswith(".json"):
        return "json"
    # Markdown by suffix (x.md, x.html.md.erb) and, for a file named on the command line
    # or picked by an [ingest] include glob, whatever else it is called.
    return "markdown"


def _excluded(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)


DIRECTORY = "directory"


def _walk(root: Path, config: IngestConfig) -> Iterator[tuple[Path, str | None]]:
    """The files to read under ``root`` and the directories that cannot be listed (with
    why), in a stable order."""
    failures: list[OSError] = []
    for directory, subdirs, files in os.walk(root, onerror=failures.append):
        subdirs[:] = sorted(d for d in subdirs if not _excluded(d, config.exclude))
        for name in sorted(files):
            if _excluded(name, config.exclude):
                continue
            if any(
                fnmatch.fnmatch(name.casefold(), pattern.casefold()) for pattern in config.include
            ):
                path = Path(directory) / name
                if is_regular(path):
                    yield path, None
    for failure in failures:
        where = Path(failure.filename) if failure.filename else root
        yield where, f"cannot list the directory: {failure.strerror or failure}"


def _identity(path: Path) -> Path:
    """What makes two paths one file: the path with its links followed (as given when they
    loop: reading it says so)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()


def _named(candidate: Path, source: str, kind: str, problem: str | None) -> InputFile:
    """The input, or when its name is not UTF-8 or holds a control, bidirectional or
    invisible character one rejected for it, named printably."""
    utf8 = is_utf8(source)
    if utf8 and is_visible(source):
        return InputFile(candidate, source, kind, problem)
    shown = visible(printable_name(source))
    if problem is not None:
        return InputFile(candidate, shown, kind, problem)
    why = (
        "is not valid UTF-8 (its bytes are shown as \\xNN)"
        if not utf8
        else "holds a control, bidirectional or invisible character (shown as \\xNN or "
        "\\uNNNN), which could steer a terminal or hide what it says"
    )
    return InputFile(candidate, shown, kind, f"the file name {why}", "invalid-file-name")


def discover(
    paths: list[str], config: IngestConfig, cwd: Path | None = None, root: Path | None = None
) -> list[InputFile]:
    """The inputs named by ``paths``; a path that does not exist is a usage error.

    With a project ``root``, each file is named relative to it
    (:func:`failearn.project.source_key`), so the same file is the same source from any
    folder; else relative to ``cwd``."""
    inputs: list[InputFile] = []
    seen: set[Path] = set()
    for given in paths:
        if given == STDIN:
            inputs.append(InputFile(None, STDIN_SOURCE, "ndjson"))
            continue
        path = Path(given)
        if not os.path.lexists(path):
            raise UsageError(f"{printable_name(given)}: no such file or directory")
        candidates = (
            sorted(_walk(path, config), key=lambda c: c[0]) if path.is_dir() else [(path, None)]
        )
        for candidate, problem in candidates:
            identity = _identity(candidate)
            if identity in seen:
                continue
            seen.add(identity)
            kind = DIRECTORY if problem is not None else kind_of(candidate)
            source = (
                resolved_key(identity, root) if root is not None else display_path(candidate, cwd)
            )
            inputs.append(_named(candidate, source, kind, problem))
    return inputs


def read_input(
    item: InputFile,
    config: IngestConfig,
    trace_pattern: str = "^[0-9a-f]{32}$",
    formats: Formats = DEFAULT,
) -> Iterator[RawRecord]:
    """The raw records of one input, rejected ones included, in the order written.

    A file named by a ``[sources.<name>]`` table's ``files`` is read in that
    format (JSON) or gains what the table adds (Markdown).
    """
    if item.problem is not None:
        kind = jsonfile.KIND if item.kind == "ndjson" else item.kind
        record = reject(item.source, kind, item.problem_code, item.problem)
        if item.kind != DIRECTORY and item.path is not None:
            keep_copy(record, item.path)
        yield record
        return
    file_format = formats.for_file(item.source) if formats.mappings else None
    if item.path is None:
        yield from jsonfile.read_ndjson(
            sys.stdin.buffer, item.source, config.max_record_bytes, formats
        )
        return
    if item.kind == "ndjson":
        try:
            handle = open_regular(item.path)
        except OSError as exc:
            yield reject(
                item.source,
                jsonfile.KIND,
                "unreadable-file",
                f"cannot read the file: {exc.strerror or exc}",
            )
            return
        with handle:
            yield from jsonfile.read_ndjson(
                handle, item.source, config.max_record_bytes, formats, file_format
            )
        return
    limit = config.max_markdown_bytes if item.kind == "markdown" else config.max_json_bytes
    read = read_file(item.path, item.source, item.kind, limit)
    if read.rejected is not None:
        yield read.rejected
        return
    assert read.text is not None
    if item.kind == "markdown":
        record = markdown.parse_markdown(read.text, item.source, trace_pattern)
        if file_format is not None and record.payload is not None:
            record.payload = file_format.overlay(record.payload)
        yield record
    else:
        yield from jsonfile.parse_json_document(read.text, item.source, formats, file_format)
