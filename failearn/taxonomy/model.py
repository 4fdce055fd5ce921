"""The failure taxonomy in memory: its classes, and resolving the labels teams write.

Labels are matched case-insensitively with spaces, ``_`` and ``-`` treated
alike, so ``Connection_Timeout``, ``connection timeout`` and
``connection-timeout`` are one label: through a class id, a class name, an
alias, or a retired id and its replacement (a class split in parts is placed by
the record's text).  Reading and checking the YAML file is
:mod:`failearn.taxonomy.file`'s.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

_SEPARATORS = re.compile(r"[\s_\-]+")


def normalise_label(label: str) -> str:
    """The matching key of a label: case-folded, separators unified, quotes stripped."""
    return _SEPARATORS.sub("-", label.strip().strip("\"'`*").casefold()).strip("-")


@dataclass(frozen=True, slots=True)
class FailureClass:
    id: str
    name: str
    description: str = ""
    parent: str | None = None
    keywords: tuple[str, ...] = ()
    adaptations: tuple[str, ...] = ()
    line: int | None = field(default=None, compare=False)
    # Short incidents of this class, written as a team would title or summarise them: with
    # the description, keywords and aliases, what a record is compared with when the store
    # holds no labels yet (:mod:`failearn.analysis.classes`).
    examples: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RetiredClass:
    """A class id no longer in use.  ``replaced_by`` is its replacement; a class split in
    parts lists them all in ``split_into`` (``replaced_by`` is then the first part)."""

    id: str
    replaced_by: str
    retired_in: str | None = None
    line: int | None = field(default=None, compare=False)
    split_into: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Adaptation:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Resolution:
    """How a label resolved: the class id, the route (id, name, alias, retired, config,
    split, split-default)."""

    class_id: str
    via: str
    label: str


@dataclass(frozen=True, slots=True)
class Problem:
    """One inconsistency found by :func:`check_taxonomy`."""

    code: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line else ""
        return f"{where}{self.message} [{self.code}]"


@dataclass(frozen=True)
class Taxonomy:
    version: str
    classes: dict[str, FailureClass]
    aliases: dict[str, str]
    retired: dict[str, RetiredClass]
    adaptations: dict[str, Adaptation]
    path: Path | None = None
    _index: dict[str, Resolution] = field(default_factory=dict, repr=False, compare=False)
    _plain: dict[str, tuple[Resolution | None, str]] = field(
        default_factory=dict, repr=False, compare=False
    )
    # Normalised retired id -> the live classes it was split into.
    _splits: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        index = self._index
        for retired in self.retired.values():
            target = self._follow(retired.id)
            if target is not None:
                index[normalise_label(retired.id)] = Resolution(target, "retired", retired.id)
        for alias, class_id in self.aliases.items():
            index[normalise_label(alias)] = Resolution(class_id, "alias", alias)
        for cls in self.classes.values():
            index.setdefault(normalise_label(cls.name), Resolution(cls.id, "name", cls.name))
        for cls in self.classes.values():
            index[normalise_label(cls.id)] = Resolution(cls.id, "id", cls.id)
        for retired in self.retired.values():
            parts = self._parts(retired.id)
            if parts:
                self._splits[normalise_label(retired.id)] = parts

    def _parts(self, retired_id: str) -> tuple[str, ...]:
        """The live classes a retired id was split into (following replacements), or ()."""
        seen: set[str] = set()
        current = retired_id
        while current in self.retired and current not in seen:
            seen.add(current)
            entry = self.retired[current]
            if entry.split_into:
                parts = (self._follow(p) if p in self.retired else p for p in entry.split_into)
                return tuple(dict.fromkeys(p for p in parts if p in self.classes))
            current = entry.replaced_by
        return ()

    @property
    def has_splits(self) -> bool:
        """Whether some retired class was split in parts (resolving it needs the text)."""
        return bool(self._splits)

    def split_parts(self, class_or_label: str) -> tuple[str, ...]:
        """The classes a retired class was split into; () when it was not split."""
        return self._splits.get(normalise_label(class_or_label), ())

    def _follow(self, retired_id: str) -> str | None:
        seen: set[str] = set()
        current = retired_id
        while current in self.retired and current not in seen:
            seen.add(current)
            current = self.retired[current].replaced_by
        return current if current in self.classes else None

    def resolve(
        self, label: str, mapping: Mapping[str, str] | None = None, text: str | None = None
    ) -> Resolution | None:
        """Resolve a label: a config mapping first, then ids, aliases, retired ids and names.

        A label naming a class that was split in parts resolves to the part whose
        keywords best match ``text`` (the record's title, summary, errors), via
        ``split``; to the first part, via ``split-default``, when none matches.
        """
        found, key = self._lookup(label, mapping)
        if found is None or not self._splits:
            return found
        parts = self._splits.get(key)
        if not parts:
            return found
        class_id, matched = self.choose_part(parts, text or "")
        return Resolution(class_id, "split" if matched else "split-default", found.label)

    def _lookup(
        self, label: str, mapping: Mapping[str, str] | None
    ) -> tuple[Resolution | None, str]:
        """The resolution of a label and the (normalised) index key it was found under."""
        if not mapping:
            cached = self._plain.get(label)
            if cached is not None:
                return cached
        key = normalise_label(label)
        found: Resolution | None = None
        if key and mapping:
            for source_label, target in mapping.items():
                if normalise_label(source_label) == key:
                    target_key = normalise_label(target)
                    inner = self._index.get(target_key)
                    if inner is not None:
                        return Resolution(inner.class_id, "config", label), target_key
        if key:
            found = self._index.get(key)
        if not mapping and len(self._plain) < 10_000:
            self._plain[label] = (found, key)
        return found, key

    def choose_part(self, parts: tuple[str, ...], text: str) -> tuple[str, bool]:
        """The part of a split class whose keywords best match ``text``: (class id, whether
        any keyword matched).  Ties go to the part listed first; no match to the first."""
        folded = text.casefold()
        scores = dict.fromkeys(parts, 0)
        for class_id, pattern, weight in self._keyword_patterns:
            if class_id in scores and pattern.search(folded):
                scores[class_id] += weight
        best = max(scores.values())
        if best == 0:
            return parts[0], False
        return next(p for p in parts if scores[p] == best), True

    def lineage(self, class_id: str) -> list[str]:
        """The class and its ancestors, nearest first."""
        chain: list[str] = []
        current: str | None = class_id
        while current is not None and current in self.classes and current not in chain:
            chain.append(current)
            current = self.classes[current].parent
        return chain

    def root(self, class_id: str) -> str:
        """The top-level class a class belongs to."""
        chain = self.lineage(class_id)
        return chain[-1] if chain else class_id

    def adaptations_for(self, class_id: str) -> list[str]:
        """Adaptation kinds of a class, falling back to its ancestors' when it lists none."""
        for ancestor in self.lineage(class_id):
            if self.classes[ancestor].adaptations:
                return list(self.classes[ancestor].adaptations)
        return []

    @cached_property
    def _keyword_patterns(self) -> list[tuple[str, re.Pattern[str], int]]:
        patterns: list[tuple[str, re.Pattern[str], int]] = []
        for cls in self.classes.values():
            for keyword in cls.keywords:
                words = keyword.casefold().split()
                body = r"[\s_\-]+".join(re.escape(word) for word in words)
                patterns.append((cls.id, re.compile(rf"(?<![\w]){body}(?![\w])"), len(words)))
        return patterns

    def classify_text(self, text: str) -> tuple[str, int, list[str]] | None:
        """The class whose keywords best match ``text``: (class id, score, matched keywords).

        Each matched keyword scores its number of words, so "connection pool"
        outweighs "pool".  A tie between unrelated classes is no answer; a tie
        between a class and its ancestor goes to the more specific class.
        """
        folded = text.casefold()
        scores: dict[str, int] = {}
        matched: dict[str, list[str]] = {}
        for class_id, pattern, weight in self._keyword_patterns:
            found = pattern.search(folded)
            if found:
                scores[class_id] = scores.get(class_id, 0) + weight
                matched.setdefault(class_id, []).append(found.group(0))
        if not scores:
            return None
        best = max(scores.values())
        top = sorted(cid for cid, score in scores.items() if score == best)
        if len(top) > 1:
            deepest = [cid for cid in top if not any(cid in self.lineage(o)[1:] for o in top)]
            related = all(set(self.lineage(deepest[0])) & set(self.lineage(o)) for o in top)
            if len(deepest) != 1 or not related:
                return None
            top = deepest
        return top[0], best, matched[top[0]]

    def to_dict(self) -> dict[str, Any]:
        """The taxonomy as plain data, for ``taxonomy show --format json``."""
        return {
            "version": self.version,
            "path": str(self.path) if self.path else None,
            "classes": [
                {
                    "id": c.id,
                    "name": c.name,
                    "description": c.description,
                    "parent": c.parent,
                    "keywords": list(c.keywords),
                    "examples": list(c.examples),
                    "adaptations": list(c.adaptations),
                    "aliases": sorted(a for a, t in self.aliases.items() if t == c.id),
                }
                for c in self.classes.values()
            ],
            "retired": [
                {
                    "id": r.id,
                    "replaced_by": r.replaced_by,
                    "retired_in": r.retired_in,
                    **({"split_into": list(r.split_into)} if r.split_into else {}),
                }
                for r in self.retired.values()
            ],
            "adaptations": [
                {"id": a.id, "name": a.name, "description": a.description}
                for a in self.adaptations.values()
            ],
        }
