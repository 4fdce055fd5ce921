"""The failure taxonomy: loading, checking, and resolving the labels teams write.

A taxonomy is a versioned YAML file (see ``taxonomy/failure-classes.yaml``):
classes with an optional parent, keywords and adaptation kinds; aliases; retired
ids with their replacement (a list when the class was split in parts); and the
catalogue of adaptation kinds.  This module is the only one that knows that
format.  Labels are matched case-insensitively with spaces, ``_`` and ``-``
treated alike, so ``Connection_Timeout``, ``connection timeout`` and
``connection-timeout`` are one label.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from failearn.errors import TaxonomyError
from failearn.resources import default_taxonomy_path
from failearn.yamlload import YamlLoadError, load_yaml

_SEPARATORS = re.compile(r"[\s_\-]+")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


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
        default_factory=dict, repr=False, compare=False)
    # Normalised retired id -> the live classes it was split into.
    _splits: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False,
                                                compare=False)

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

    def resolve(self, label: str, mapping: Mapping[str, str] | None = None,
                text: str | None = None) -> Resolution | None:
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

    def _lookup(self, label: str, mapping: Mapping[str, str] | None
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
                {"id": c.id, "name": c.name, "description": c.description, "parent": c.parent,
                 "keywords": list(c.keywords), "adaptations": list(c.adaptations),
                 "aliases": sorted(a for a, t in self.aliases.items() if t == c.id)}
                for c in self.classes.values()
            ],
            "retired": [
                {"id": r.id, "replaced_by": r.replaced_by, "retired_in": r.retired_in,
                 **({"split_into": list(r.split_into)} if r.split_into else {})}
                for r in self.retired.values()
            ],
            "adaptations": [
                {"id": a.id, "name": a.name, "description": a.description}
                for a in self.adaptations.values()
            ],
        }


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _line(lines: Mapping[str, int], *paths: str) -> int | None:
    for path in paths:
        if path in lines:
            return lines[path]
    return None


_Parsed = tuple[str, list[FailureClass], list[tuple[str, str]], list[RetiredClass],
                dict[str, Adaptation]]


def _parse(data: Any, lines: Mapping[str, int], problems: list[Problem]) -> _Parsed:
    if not isinstance(data, dict):
        problems.append(Problem("not-a-mapping", "the taxonomy must be a YAML mapping", 1))
        return "", [], [], [], {}
    for key in data:
        if key not in {"version", "classes", "aliases", "retired", "adaptations"}:
            problems.append(Problem("unknown-key", f"unknown top-level key {key!r}",
                                    _line(lines, str(key))))
    version = data.get("version")
    if version in (None, ""):
        problems.append(Problem("missing-version", "the taxonomy has no `version`", 1))
    adaptations: dict[str, Adaptation] = {}
    raw_adaptations = data.get("adaptations") or {}
    if isinstance(raw_adaptations, dict):
        for aid, spec in raw_adaptations.items():
            spec = spec if isinstance(spec, dict) else {"name": str(spec)}
            adaptations[str(aid)] = Adaptation(str(aid), str(spec.get("name", aid)),
                                               str(spec.get("description", "")))
    else:
        problems.append(Problem("bad-adaptations", "`adaptations` must be a mapping",
                                _line(lines, "adaptations")))
    classes: list[FailureClass] = []
    raw_classes = data.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        problems.append(Problem("no-classes", "`classes` must be a non-empty list",
                                _line(lines, "classes")))
        raw_classes = []
    for position, item in enumerate(raw_classes):
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(Problem("bad-class", f"class #{position + 1} has no `id`",
                                    _line(lines, f"classes.{position}", "classes")))
            continue
        classes.append(FailureClass(
            id=str(item["id"]), name=str(item.get("name") or item["id"]),
            description=str(item.get("description") or ""),
            parent=str(item["parent"]) if item.get("parent") else None,
            keywords=tuple(str(k) for k in _as_list(item.get("keywords"))),
            adaptations=tuple(str(a) for a in _as_list(item.get("adaptations"))),
            line=_line(lines, f"classes.{position}.id", f"classes.{position}")))
    aliases: list[tuple[str, str]] = []
    raw_aliases = data.get("aliases") or {}
    if isinstance(raw_aliases, dict):
        for alias, target in raw_aliases.items():
            for one in _as_list(target):
                aliases.append((str(alias), str(one)))
    else:
        problems.append(Problem("bad-aliases", "`aliases` must map a label to a class id",
                                _line(lines, "aliases")))
    retired: list[RetiredClass] = []
    for position, item in enumerate(_as_list(data.get("retired"))):
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(Problem("bad-retired", "each retired entry needs an `id`",
                                    _line(lines, f"retired.{position}", "retired")))
            continue
        replaced = [str(r) for r in _as_list(item.get("replaced_by")) if r]
        retired.append(RetiredClass(str(item["id"]), replaced[0] if replaced else "",
                                    str(item["retired_in"]) if item.get("retired_in") else None,
                                    _line(lines, f"retired.{position}.id"),
                                    tuple(replaced) if len(replaced) > 1 else ()))
    return str(version or ""), classes, aliases, retired, adaptations


def _check(classes: list[FailureClass], aliases: list[tuple[str, str]],
           retired: list[RetiredClass], adaptations: dict[str, Adaptation],
           lines: Mapping[str, int], problems: list[Problem]) -> None:
    ids: dict[str, str] = {}
    for cls in classes:
        key = normalise_label(cls.id)
        if not _ID.match(cls.id):
            problems.append(Problem("bad-id", f"class id {cls.id!r} must be kebab-case "
                                    "(lower-case letters, digits, single hyphens)", cls.line))
        if key in ids:
            problems.append(Problem("duplicate-id", f"class id {cls.id!r} is defined twice",
                                    cls.line))
        ids[key] = cls.id
    for cls in classes:
        if cls.parent is not None and normalise_label(cls.parent) not in ids:
            problems.append(Problem("unknown-parent",
                                    f"class {cls.id!r} names an unknown parent {cls.parent!r}",
                                    cls.line))
        for kind in cls.adaptations:
            if adaptations and kind not in adaptations:
                problems.append(Problem("unknown-adaptation",
                                        f"class {cls.id!r} lists an unknown adaptation {kind!r}",
                                        cls.line))
    parents = {cls.id: cls.parent for cls in classes}
    for cls in classes:
        seen: list[str] = []
        current: str | None = cls.id
        while current is not None and current in parents:
            if current in seen:
                problems.append(Problem("parent-cycle", "the class hierarchy has a cycle: "
                                        + " -> ".join([*seen, current]), cls.line))
                break
            seen.append(current)
            current = parents[current]
    alias_targets: dict[str, set[str]] = {}
    alias_spelling: dict[str, list[str]] = {}
    for alias, target in aliases:
        key = normalise_label(alias)
        alias_targets.setdefault(key, set()).add(target)
        alias_spelling.setdefault(key, []).append(alias)
        if normalise_label(target) not in ids:
            problems.append(Problem("unknown-alias-target",
                                    f"alias {alias!r} names an unknown class {target!r}",
                                    _line(lines, f"aliases.{alias}")))
        if key in ids and ids[key] != target:
            problems.append(Problem("alias-shadows-class",
                                    f"alias {alias!r} is also a class id but names {target!r}",
                                    _line(lines, f"aliases.{alias}")))
    for key, targets in alias_targets.items():
        spellings = alias_spelling[key]
        if len(targets) > 1:
            problems.append(Problem("ambiguous-alias", f"alias {spellings[0]!r} names "
                                    f"{len(targets)} classes: {', '.join(sorted(targets))}",
                                    _line(lines, f"aliases.{spellings[0]}")))
        elif len(spellings) > 1:
            problems.append(Problem("duplicate-alias", "alias "
                                    + " / ".join(repr(s) for s in spellings)
                                    + " is written more than once",
                                    _line(lines, *(f"aliases.{s}" for s in spellings))))
    retired_ids: dict[str, RetiredClass] = {}
    for item in retired:
        key = normalise_label(item.id)
        if key in ids:
            problems.append(Problem("retired-is-live",
                                    f"retired id {item.id!r} is still a live class",
                                    item.line))
        if key in retired_ids:
            problems.append(Problem("duplicate-retired", f"retired id {item.id!r} appears twice",
                                    item.line))
        retired_ids[key] = item
        if not item.replaced_by:
            problems.append(Problem("dangling-replaced-by",
                                    f"retired id {item.id!r} has no `replaced_by`",
                                    item.line))
    for item in retired:
        for part in item.split_into[1:]:
            key = normalise_label(part)
            if key not in ids and key not in retired_ids:
                problems.append(Problem("dangling-replaced-by",
                                        f"retired id {item.id!r} is split into {part!r}, "
                                        "which is neither a class nor a retired id",
                                        item.line))
        chain = [item.id]
        current = item.replaced_by
        while current:
            key = normalise_label(current)
            if key in ids:
                break
            if current in chain:
                problems.append(Problem("replaced-by-cycle", "retired ids replace each other "
                                        "in a cycle: " + " -> ".join([*chain, current]),
                                        item.line))
                break
            if key not in retired_ids:
                problems.append(Problem("dangling-replaced-by",
                                        f"retired id {item.id!r} is replaced by {current!r}, "
                                        "which is neither a class nor a retired id",
                                        item.line))
                break
            chain.append(current)
            current = retired_ids[key].replaced_by


def build_taxonomy(data: Any, lines: Mapping[str, int] | None = None,
                   path: Path | None = None) -> tuple[Taxonomy | None, list[Problem]]:
    """Build and check a taxonomy from plain data; a list of problems when it is inconsistent."""
    problems: list[Problem] = []
    line_map = lines or {}
    version, classes, aliases, retired, adaptations = _parse(data, line_map, problems)
    _check(classes, aliases, retired, adaptations, line_map, problems)
    if problems:
        return None, problems
    return Taxonomy(
        version=version,
        classes={c.id: c for c in classes},
        aliases=dict(aliases),
        retired={r.id: r for r in retired},
        adaptations=adaptations,
        path=path,
    ), []


def check_taxonomy_file(path: Path) -> tuple[Taxonomy | None, list[Problem]]:
    """Load and check a taxonomy file; problems instead of an exception."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem("unreadable", f"cannot read {path}: {exc}")]
    try:
        loaded = load_yaml(text)
    except YamlLoadError as exc:
        return None, [Problem(exc.code, str(exc), exc.line)]
    return build_taxonomy(loaded.data, loaded.lines, path)


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load a taxonomy (the bundled one by default); raise :class:`TaxonomyError` if bad."""
    target = path or default_taxonomy_path()
    taxonomy, problems = check_taxonomy_file(target)
    if taxonomy is None:
        raise TaxonomyError(f"taxonomy {target} has {len(problems)} problem(s): {problems[0]}",
                            problems=[str(p) for p in problems],
                            hint="run `failearn taxonomy check` to see them all")
    return taxonomy
