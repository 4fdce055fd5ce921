"""The files of a project across runs: unchanged, moved, or gone.

An ingest in CI reads the same post-mortems every day.  A Markdown file whose
size and modification time are as recorded when its report was stored (read
under the same configuration) is not parsed again; when only the time changed
(a fresh checkout) its bytes are hashed, and the same hash is the same file.
A modification time within :data:`RACY` of when it was recorded is not
trusted (an edit in the same clock tick keeps size and time), as git does.

A file found at a new path whose content, or whose given id, is that of a
stored post-mortem whose file is gone was moved: the caller keeps its report
and incident.  Reports whose file no longer exists are *gone*: listed, and
withdrawn with ``ingest --prune``.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from stat import S_ISREG

from failearn.project import file_of, source_key
from failearn.sources import STDIN, InputFile
from failearn.store import ingest as sql

RACY = 2_000_000_000  # nanoseconds


@dataclass(frozen=True, slots=True)
class FileState:
    """A file as it was just before it was read."""

    size: int
    mtime_ns: int
    sha256: str
    checked_ns: int


def _state(path: Path, limit: int, stat_size: int, mtime_ns: int) -> FileState | None:
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError:
        return None
    if len(data) > limit:
        return None
    return FileState(stat_size, mtime_ns, hashlib.sha256(data).hexdigest(), time.time_ns())


@dataclass
class Unchanged:
    """Which Markdown inputs need no reading, and what the others were before reading."""

    recorded: dict[str, sql.SourceFile]
    fingerprint: str
    limit: int
    states: dict[str, FileState] = field(default_factory=dict)
    refreshed: list[tuple[sql.SourceFile, FileState]] = field(default_factory=list)

    def split(self, inputs: list[InputFile]) -> tuple[list[InputFile], list[InputFile]]:
        """(inputs to read, unchanged Markdown files not to read)."""
        to_read: list[InputFile] = []
        skipped: list[InputFile] = []
        for item in inputs:
            if item.kind != "markdown" or item.path is None or item.problem is not None:
                to_read.append(item)
                continue
            if self._unchanged(item.source, item.path):
                skipped.append(item)
            else:
                to_read.append(item)
        return to_read, skipped

    def _unchanged(self, source: str, path: Path) -> bool:
        try:
            stat = path.stat()
        except OSError:
            return False
        if not S_ISREG(stat.st_mode):  # a FIFO would block; reading rejects it
            return False
        known = self.recorded.get(source)
        usable = known is not None and known.fingerprint == self.fingerprint
        if (
            usable
            and known is not None
            and (known.size, known.mtime_ns) == (stat.st_size, stat.st_mtime_ns)
            and known.mtime_ns < known.checked_ns - RACY
        ):
            return True
        state = _state(path, self.limit, stat.st_size, stat.st_mtime_ns)
        if state is None:
            return False
        if usable and known is not None and known.sha256 == state.sha256:
            self.refreshed.append((known, state))
            return True
        self.states[source] = state
        return False

    def rows(self, stored: dict[str, tuple[str, str]], run_id: int) -> list[tuple[object, ...]]:
        """Rows for ``source_files``: the files read whose report is stored (``stored``:
        source -> (report key, content hash)), and the skipped files whose time changed."""
        rows: list[tuple[object, ...]] = [
            (
                source,
                s.size,
                s.mtime_ns,
                s.sha256,
                self.fingerprint,
                *stored[source],
                s.checked_ns,
                run_id,
            )
            for source, s in sorted(self.states.items())
            if source in stored
        ]
        rows += [
            (
                k.source,
                s.size,
                s.mtime_ns,
                s.sha256,
                k.fingerprint,
                k.report_key,
                k.content_sha256,
                s.checked_ns,
                run_id,
            )
            for k, s in self.refreshed
        ]
        return rows


class Orphans:
    """Stored post-mortems whose file is gone, by payload hash and by given id."""

    def __init__(self, stored: Iterable[sql.StoredPostmortem], root: Path) -> None:
        self.by_sha: dict[str, sql.StoredPostmortem] = {}
        self.by_id: dict[str, sql.StoredPostmortem] = {}
        for report in stored:
            if report.key.startswith("<") or file_of(report.key, root).exists():
                continue
            if report.sha256:
                self.by_sha.setdefault(report.sha256, report)
            if report.id_given:
                self.by_id.setdefault(report.record_id, report)

    def claim(
        self, sha256: str, record_id: str | None, id_given: bool
    ) -> tuple[sql.StoredPostmortem, str] | None:
        """The stored post-mortem a new file is (same content, or same given id) and how it
        was matched; each is claimed once."""
        found: tuple[sql.StoredPostmortem, str] | None = None
        if id_given and record_id is not None and record_id in self.by_id:
            found = (self.by_id[record_id], "id")
        elif sha256 in self.by_sha:
            found = (self.by_sha[sha256], "content")
        if found is not None:
            report = found[0]
            self.by_sha = {k: v for k, v in self.by_sha.items() if v.key != report.key}
            self.by_id = {k: v for k, v in self.by_id.items() if v.key != report.key}
        return found


def scope(paths: Iterable[str], root: Path) -> tuple[set[str], list[str]]:
    """The stored sources the command line covers: (files named, folder prefixes)."""
    files: set[str] = set()
    prefixes: list[str] = []
    for given in paths:
        if given == STDIN:
            continue
        path = Path(given)
        key = source_key(path, root)
        if path.is_dir():
            prefixes.append("" if key == "." else key.rstrip("/") + "/")
        else:
            files.add(key)
    return files, prefixes


def gone(sources: Iterable[str], root: Path, covered: tuple[set[str], list[str]]) -> list[str]:
    """The stored sources, among those the command line covers, whose file no longer exists
    (a folder ``""`` covers the project, not files outside it)."""
    files, prefixes = covered
    found = []
    for source in sources:
        if source.startswith("<"):
            continue
        inside = source in files or any(
            source.startswith(p) if p else not (source.startswith(("/", "../"))) for p in prefixes
        )
        if inside and not file_of(source, root).exists():
            found.append(source)
    return found
