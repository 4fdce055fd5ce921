"""What a corpus is to the harness: items with their truth, written as files failearn reads.

A corpus writes itself into a work directory (NDJSON records or Markdown files,
as a team would hand them to ``failearn ingest``) together with the
``failearn.toml`` it needs, and says for each item what the truth is: its
pattern (the cluster it belongs to, ``None`` for noise), its themes, its failure
class, and the text a plain baseline reads.  Whether an item's file carries its
class is the caller's choice (``with_class``), so the same corpus serves the
clustering stage (classes given, as a team that labels has them) and class
inference (labels removed, or only half of them kept).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

WithClass = Callable[[str], bool]
"""Whether the item of this key is written with its failure class."""


@dataclass(frozen=True)
class Item:
    """One record of a corpus and its truth.

    ``key`` is how the store names it: the record's id for NDJSON, the file's path
    relative to the work directory for Markdown (failearn derives those ids).
    """

    key: str
    pattern: str | None
    themes: tuple[str, ...]
    klass: str | None
    text: str


@dataclass(frozen=True)
class Written:
    """A corpus written into a work directory, ready for ``failearn ingest``."""

    items: dict[str, Item]
    inputs: tuple[str, ...]
    config: str
    as_of: str
    lookback: str | None = None
    notes: tuple[str, ...] = field(default=())


class Corpus(Protocol):
    """A named source of items; synthetic corpora are sized, real ones are what they are."""

    @property
    def name(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def description(self) -> str: ...

    def write(self, root: Path, size: int | None, with_class: WithClass) -> Written: ...


BASE_CONFIG = """\
db = "failearn.db"

[classify]
infer = "all"
"""
"""What every corpus's configuration starts with: the store beside it, and class
inference for every record that names no class (the labels-removed settings
rely on it; a record that names its class is not affected)."""


def record_text(record: dict[str, object]) -> str:
    """What a plain baseline reads of a JSON record: its text fields, none of its numbers,
    service or class (title, summary, root cause, error messages, trace span names)."""
    parts = [str(record.get(name, "")) for name in ("title", "summary", "root_cause")]
    for name in ("error_messages", "trace_shape"):
        value = record.get(name)
        if isinstance(value, list):
            parts.extend(str(part) for part in value)
    return "\n".join(part for part in parts if part)


def everything(_key: str) -> bool:
    """Write every item with its class."""
    return True


def nothing(_key: str) -> bool:
    """Write no item with its class."""
    return False


def stable_hash(text: str) -> int:
    """A hash that does not change between runs or machines."""
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:12], 16)


def halves(items: Iterable[Item]) -> tuple[frozenset[str], frozenset[str]]:
    """Split the class-labelled items in two halves, each class spread over both.

    Items are ordered by class, then by a stable hash of their key, and dealt out
    alternately, so the split is the same on every run and no class with two or
    more items sits in one half only.
    """
    labelled = sorted(
        (item for item in items if item.klass is not None),
        key=lambda item: (item.klass or "", stable_hash(item.key), item.key),
    )
    first = frozenset(item.key for item in labelled[0::2])
    second = frozenset(item.key for item in labelled[1::2])
    return first, second
