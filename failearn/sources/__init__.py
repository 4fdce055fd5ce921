"""Sources: find the inputs named on the command line and read them into raw records.

Sources know formats (Markdown, JSON, NDJSON) and nothing about gates or
storage.  A directory is walked recursively in a stable (sorted) order for the
``[ingest] include`` globs, skipping ``exclude``; a file named explicitly is
always read; ``-`` is NDJSON on standard input.
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
from failearn.record import RawRecord
from failearn.sources import jsonfile, markdown
from failearn.sources.reading import display_path, read_file
from failearn.sources.vendors import DEFAULT, Formats

STDIN = "-"
STDIN_SOURCE = "<stdin>"


@dataclass(frozen=True, slots=True)
class InputFile:
    """One input to read: a path (or stdin), how it is shown, and its format."""

    path: Path | None
    source: str
    kind: str  # "markdown", "json" or "ndjson"


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


def _walk(root: Path, config: IngestConfig) -> Iterator[Path]:
    for directory, subdirs, files in os.walk(root):
        subdirs[:] = sorted(d for d in subdirs if not _excluded(d, config.exclude))
        for name in sorted(files):
            if _excluded(name, config.exclude):
                continue
            if any(fnmatch.fnmatch(name.casefold(), pattern.casefold())
                   for pattern in config.include):
                yield Path(directory) / name


def discover(paths: list[str], config: IngestConfig, cwd: Path | None = None) -> list[InputFile]:
    """The inputs named by ``paths``; a path that does not exist is a usage error."""
    inputs: list[InputFile] = []
    seen: set[Path] = set()
    for given in paths:
        if given == STDIN:
            inputs.append(InputFile(None, STDIN_SOURCE, "ndjson"))
            continue
        path = Path(given)
        if not path.exists():
            raise UsageError(f"{given}: no such file or directory")
        candidates = sorted(_walk(path, config)) if path.is_dir() else [path]
        for candidate in candidates:
            resolved = candidate.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            inputs.append(InputFile(candidate, display_path(candidate, cwd), kind_of(candidate)))
    return inputs


def read_input(item: InputFile, config: IngestConfig,
               trace_pattern: str = "^[0-9a-f]{32}$",
               formats: Formats = DEFAULT) -> Iterator[RawRecord]:
    """The raw records of one input, rejected ones included, in the order written.

    A file named by a ``[sources.<name>]`` table's ``files`` is read in that
    format (JSON) or gains what the table adds (Markdown).
    """
    file_format = formats.for_file(item.source) if formats.mappings else None
    if item.path is None:
        yield from jsonfile.read_ndjson(sys.stdin.buffer, item.source, config.max_record_bytes,
                                        formats)
        return
    if item.kind == "ndjson":
        try:
            handle = item.path.open("rb")
        except OSError as exc:
            from failearn.sources.reading import reject
            yield reject(item.source, jsonfile.KIND, "unreadable-file",
                         f"cannot read the file: {exc.strerror or exc}")
            return
        with handle:
            yield from jsonfile.read_ndjson(handle, item.source, config.max_record_bytes,
                                            formats, file_format)
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
