"""The baseline: today's known problems, so that CI fails only on new or changed reports.

A team adopting failearn on years of post-mortems cannot fix them all before
the gate goes green.  ``failearn ingest --write-baseline`` records every
rejected record (its source, the hash of what it held, the codes of its
errors) in a JSON file kept in the repository.  Later runs still reject those
records, but count them as known: only a record that is new, or whose content
changed, fails the run.  Fixing a report removes it from the problems; writing
the baseline again drops what was fixed.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from failearn.errors import ConfigError
from failearn.record import Issue

VERSION = 1
DEFAULT_NAME = "failearn-baseline.json"


@dataclass
class Baseline:
    """Known problems by source and by the hash of the record's payload."""

    path: Path
    known: dict[str, dict[str, list[str]]] = field(default_factory=dict)

    def covers(self, source: str, sha256: str) -> bool:
        """Whether a rejected record is a known problem (same source, same content)."""
        return sha256 in self.known.get(source, {})

    def add(self, source: str, sha256: str, errors: Iterable[Issue]) -> None:
        codes = sorted({issue.code for issue in errors})
        self.known.setdefault(source, {})[sha256] = codes

    def document(self) -> dict[str, object]:
        return {
            "version": VERSION,
            "about": "Known problems failearn ingest does not fail on; written by "
            "`failearn ingest --write-baseline`. Fix a report and write it again.",
            "problems": {
                source: dict(sorted(records.items()))
                for source, records in sorted(self.known.items())
            },
        }


def load(path: Path) -> Baseline:
    """The baseline at ``path``; an empty one when the file does not exist."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Baseline(path)
    except OSError as exc:
        raise ConfigError(f"cannot read the baseline {path}: {exc.strerror}") from exc
    try:
        data = json.loads(text)
        problems = data["problems"]
        known = {
            str(source): {str(sha): [str(c) for c in codes] for sha, codes in records.items()}
            for source, records in problems.items()
        }
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigError(
            f"{path} is not a failearn baseline",
            hint="write it again with `failearn ingest --write-baseline`",
        ) from exc
    return Baseline(path, known)


def write(baseline: Baseline) -> None:
    """Write the baseline atomically (a temporary file in the same folder, renamed)."""
    baseline.path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(baseline.document(), indent=2, ensure_ascii=False) + "\n"
    handle, temporary = tempfile.mkstemp(prefix=".failearn-baseline-", dir=baseline.path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        Path(temporary).replace(baseline.path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def baseline_path(configured: Path | None, root: Path) -> Path:
    """Where the baseline lives: ``[gates] baseline``, else at the project root."""
    return configured if configured is not None else root / DEFAULT_NAME
