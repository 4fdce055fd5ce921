"""Capture of metric series: the files ``failearn ingest`` finds among its inputs, and the
responses ``failearn metrics pull`` fetches.

Series are stored per service and metric (:mod:`failearn.store.series`), never
as incidents.  Every file or response is kept in the inbox like any payload
(kind ``series``, its raw bytes unless ``--no-keep-raw``), with its outcome:
``accepted`` when it brought new or changed points, ``unchanged`` when every
point was stored already, ``rejected`` when nothing of it could be read.  A
refused series is an error naming the file, line and field; the file's other
series are still stored, and nothing stored before is removed.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from failearn.codes import hint
from failearn.config import Settings
from failearn.record import Issue
from failearn.sources import InputFile
from failearn.sources.reading import head_and_digest, open_regular
from failearn.sources.seriesformat import SNIFF_BYTES, series_format
from failearn.store import Store
from failearn.store import ingest as inbox_sql

KIND = "series"


@dataclass
class SeriesResult:
    """What capturing series did, over all the files or responses of one command."""

    files: int = 0
    series: int = 0
    new_series: int = 0
    points_new: int = 0
    points_changed: int = 0
    points_unchanged: int = 0
    points_dropped: int = 0
    rejected_series: int = 0
    rejected_files: int = 0
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def points(self) -> int:
        return self.points_new + self.points_changed + self.points_unchanged

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "series": self.series,
            "new_series": self.new_series,
            "points": {
                "new": self.points_new,
                "changed": self.points_changed,
                "unchanged": self.points_unchanged,
                "not_stored": self.points_dropped,
            },
            "rejected_series": self.rejected_series,
            "rejected_files": self.rejected_files,
        }


def sniff(item: InputFile) -> str | None:
    """The series format of a JSON input, from its head; None for anything else."""
    if item.path is None or item.kind not in ("json", "ndjson") or item.problem is not None:
        return None
    try:
        with open_regular(item.path) as handle:
            return series_format(handle.read(SNIFF_BYTES))
    except OSError:
        return None  # the incident reader says why it cannot be read


def split_inputs(
    inputs: Sequence[InputFile],
) -> tuple[list[tuple[InputFile, str]], list[InputFile]]:
    """The series files among the inputs (with their format), and the others."""
    series: list[tuple[InputFile, str]] = []
    others: list[InputFile] = []
    for item in inputs:
        fmt = sniff(item)
        if fmt is None:
            others.append(item)
        else:
            series.append((item, fmt))
    return series, others


def _read(item: InputFile, limit: int) -> tuple[bytes | None, Issue | None, str, int | None]:
    """A file's bytes (or the head the inbox keeps, with why it was not loaded), its SHA-256
    and, when only the head is kept, its size."""
    assert item.path is not None
    try:
        with open_regular(item.path) as handle:
            data = handle.read(limit + 1)
            if len(data) > limit or os.fstat(handle.fileno()).st_size > limit:
                head, digest, size = head_and_digest(data, handle)
                issue = Issue(
                    "file-too-large",
                    f"the file is {size:,} bytes; the limit is {limit:,}",
                    item.source,
                    1,
                    None,
                    hint("file-too-large"),
                )
                return head, issue, digest, size
    except OSError as exc:
        issue = Issue(
            "unreadable-file",
            f"cannot read the file: {exc.strerror or exc}",
            item.source,
            None,
            None,
            hint("unreadable-file"),
        )
        return None, issue, "", None
    return data, None, hashlib.sha256(data).hexdigest(), None


class SeriesWriter:
    """Stores series payloads in one command's transaction and keeps the tally."""

    def __init__(
        self, store: Store, settings: Settings, run_id: int | None, keep_raw: bool, received_at: str
    ) -> None:
        self.store, self.settings, self.run_id = store, settings, run_id
        self.keep_raw, self.received_at = keep_raw, received_at
        self.result = SeriesResult()

    def add_file(self, item: InputFile, fmt: str) -> None:
        data, problem, digest, size = _read(item, self.settings.ingest.max_json_bytes)
        if problem is not None:
            self._inbox(item.source, data, digest, size, "rejected", [problem])
            self.result.files += 1
            self.result.rejected_files += 1
            self.result.errors.append(problem)
            return
        assert data is not None
        self.add(data, item.source, fmt, digest)

    def add(
        self,
        data: bytes,
        source: str,
        fmt: str,
        digest: str | None = None,
        metric: str | None = None,
        service: str | None = None,
    ) -> None:
        """Parse and store one payload; ``metric`` names the series of a pulled query,
        ``service`` the service it was asked for."""
        # numpy comes in with the parser: only a run that reads series pays for it.
        from failearn.sources.series import parse_series
        from failearn.store import series as sql

        parsed = parse_series(data, source, fmt, self.settings.metrics, metric, service)
        result = self.result
        result.files += 1
        result.points_dropped += parsed.dropped
        errors = [i for i in parsed.issues if i.level == "error"]
        result.errors.extend(errors)
        result.warnings.extend(i for i in parsed.issues if i.level != "error")
        result.rejected_series += sum(1 for i in errors if i.field and "[" in i.field)
        changed = False
        for series in parsed.series:
            written = sql.write_points(
                self.store,
                series.service,
                series.metric,
                series.labels,
                series.unit,
                series.times,
                series.values,
                self.run_id,
            )
            result.series += 1
            result.new_series += int(written.created)
            result.points_new += written.new
            result.points_changed += written.changed
            result.points_unchanged += written.unchanged
            changed = changed or bool(written.new or written.changed)
        if not parsed.series and errors:
            outcome = "rejected"
            result.rejected_files += 1
        else:
            outcome = "accepted" if changed else "unchanged"
        self._inbox(
            source, data, digest or hashlib.sha256(data).hexdigest(), None, outcome, parsed.issues
        )

    def _inbox(
        self,
        source: str,
        data: bytes | None,
        digest: str,
        size: int | None,
        outcome: str,
        issues: Sequence[Issue],
    ) -> None:
        if outcome in ("unchanged", "rejected") and digest in inbox_sql.inbox_hashes(
            self.store, source
        ):
            return
        keep = self.keep_raw and data is not None
        errors = [i.as_dict() for i in issues if i.level == "error"]
        warnings = [i.as_dict() for i in issues if i.level != "error"]
        inbox_sql.add_inbox_many(
            self.store,
            [
                (
                    self.run_id,
                    self.received_at,
                    source,
                    None,
                    KIND,
                    digest,
                    None,
                    data if keep else None,
                    0 if keep else 1,
                    outcome,
                    None,
                    None,
                    orjson.dumps(errors).decode() if errors else None,
                    orjson.dumps(warnings).decode() if warnings else None,
                    size,
                )
            ],
        )
