"""The failure taxonomy file: reading, checking and loading it.

A taxonomy is a versioned YAML file (see ``taxonomy/failure-classes.yaml``):
classes with an optional parent, keywords and adaptation kinds; aliases; retired
ids with their replacement (a list when the class was split in parts); and the
catalogue of adaptation kinds.  This module is the only one that knows that
format; :mod:`failearn.taxonomy.model` holds the taxonomy in memory, and its
names are importable from here too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from failearn.errors import TaxonomyError
from failearn.resources import default_taxonomy_path
from failearn.taxonomy.model import (
    Adaptation,
    FailureClass,
    Problem,
    Resolution,
    RetiredClass,
    Taxonomy,
    normalise_label,
)
from failearn.yamlload import YamlLoadError, load_yaml

__all__ = [
    "Adaptation",
    "FailureClass",
    "Problem",
    "Resolution",
    "RetiredClass",
    "Taxonomy",
    "build_taxonomy",
    "check_taxonomy_file",
    "load_taxonomy",
    "normalise_label",
]

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _line(lines: Mapping[str, int], *paths: str) -> int | None:
    for path in paths:
        if path in lines:
            return lines[path]
    return None


def _prose(
    item: Mapping[str, Any],
    key: str,
    lines: Mapping[str, int],
    position: int,
    problems: list[Problem],
) -> str:
    """A class's text field (its description): a string, or a located problem."""
    value = item.get(key)
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        problems.append(
            Problem(
                f"bad-{key}",
                f"class {item['id']!r}: `{key}` must be text",
                _line(lines, f"classes.{position}.{key}", f"classes.{position}"),
            )
        )
        return ""
    return str(value)


def _phrases(
    item: Mapping[str, Any],
    key: str,
    lines: Mapping[str, int],
    position: int,
    problems: list[Problem],
) -> tuple[str, ...]:
    """A class's list of phrases (keywords, examples): non-empty strings, or a located
    problem.  One phrase alone may be written without a list."""
    values = _as_list(item.get(key))
    bad = [
        v
        for v in values
        if not isinstance(v, str | int | float) or isinstance(v, bool) or not str(v).strip()
    ]
    if bad:
        problems.append(
            Problem(
                f"bad-{key}",
                f"class {item['id']!r}: `{key}` must be a list of non-empty text, not {bad[0]!r}",
                _line(lines, f"classes.{position}.{key}", f"classes.{position}"),
            )
        )
        return ()
    return tuple(str(v).strip() for v in values)


_Parsed = tuple[
    str, list[FailureClass], list[tuple[str, str]], list[RetiredClass], dict[str, Adaptation]
]


def _parse(data: Any, lines: Mapping[str, int], problems: list[Problem]) -> _Parsed:
    if not isinstance(data, dict):
        problems.append(Problem("not-a-mapping", "the taxonomy must be a YAML mapping", 1))
        return "", [], [], [], {}
    for key in data:
        if key not in {"version", "classes", "aliases", "retired", "adaptations"}:
            problems.append(
                Problem("unknown-key", f"unknown top-level key {key!r}", _line(lines, str(key)))
            )
    version = data.get("version")
    if version in (None, ""):
        problems.append(Problem("missing-version", "the taxonomy has no `version`", 1))
    adaptations: dict[str, Adaptation] = {}
    raw_adaptations = data.get("adaptations") or {}
    if isinstance(raw_adaptations, dict):
        for aid, spec in raw_adaptations.items():
            spec = spec if isinstance(spec, dict) else {"name": str(spec)}
            adaptations[str(aid)] = Adaptation(
                str(aid), str(spec.get("name", aid)), str(spec.get("description", ""))
            )
    else:
        problems.append(
            Problem(
                "bad-adaptations", "`adaptations` must be a mapping", _line(lines, "adaptations")
            )
        )
    classes: list[FailureClass] = []
    raw_classes = data.get("classes")
    if not isinstance(raw_classes, list) or not raw_classes:
        problems.append(
            Problem("no-classes", "`classes` must be a non-empty list", _line(lines, "classes"))
        )
        raw_classes = []
    for position, item in enumerate(raw_classes):
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(
                Problem(
                    "bad-class",
                    f"class #{position + 1} has no `id`",
                    _line(lines, f"classes.{position}", "classes"),
                )
            )
            continue
        line = _line(lines, f"classes.{position}.id", f"classes.{position}")
        classes.append(
            FailureClass(
                id=str(item["id"]),
                name=str(item.get("name") or item["id"]),
                description=_prose(item, "description", lines, position, problems),
                parent=str(item["parent"]) if item.get("parent") else None,
                keywords=_phrases(item, "keywords", lines, position, problems),
                adaptations=tuple(str(a) for a in _as_list(item.get("adaptations"))),
                line=line,
                examples=_phrases(item, "examples", lines, position, problems),
            )
        )
    aliases: list[tuple[str, str]] = []
    raw_aliases = data.get("aliases") or {}
    if isinstance(raw_aliases, dict):
        for alias, target in raw_aliases.items():
            for one in _as_list(target):
                aliases.append((str(alias), str(one)))
    else:
        problems.append(
            Problem(
                "bad-aliases", "`aliases` must map a label to a class id", _line(lines, "aliases")
            )
        )
    retired: list[RetiredClass] = []
    for position, item in enumerate(_as_list(data.get("retired"))):
        if not isinstance(item, dict) or not item.get("id"):
            problems.append(
                Problem(
                    "bad-retired",
                    "each retired entry needs an `id`",
                    _line(lines, f"retired.{position}", "retired"),
                )
            )
            continue
        replaced = [str(r) for r in _as_list(item.get("replaced_by")) if r]
        retired.append(
            RetiredClass(
                str(item["id"]),
                replaced[0] if replaced else "",
                str(item["retired_in"]) if item.get("retired_in") else None,
                _line(lines, f"retired.{position}.id"),
                tuple(replaced) if len(replaced) > 1 else (),
            )
        )
    return str(version or ""), classes, aliases, retired, adaptations


def _check(
    classes: list[FailureClass],
    aliases: list[tuple[str, str]],
    retired: list[RetiredClass],
    adaptations: dict[str, Adaptation],
    lines: Mapping[str, int],
    problems: list[Problem],
) -> None:
    """Add to ``problems`` what makes the parsed taxonomy inconsistent: the classes, then
    the aliases, then the retired ids, each problem at its line."""
    ids = {normalise_label(cls.id): cls.id for cls in classes}
    retired_ids = {normalise_label(item.id): item for item in retired}
    problems.extend(_id_problems(classes))
    problems.extend(_reference_problems(classes, ids, adaptations))
    problems.extend(_parent_cycles(classes))
    problems.extend(_alias_problems(aliases, ids, lines))
    problems.extend(_retired_problems(retired, ids))
    for item in retired:
        problems.extend(_split_problems(item, ids, retired_ids))
        problems.extend(_replacement_problems(item, ids, retired_ids))


def _id_problems(classes: list[FailureClass]) -> Iterator[Problem]:
    """Ids that are not kebab-case, or are written twice."""
    seen: set[str] = set()
    for cls in classes:
        if not _ID.match(cls.id):
            yield Problem(
                "bad-id",
                f"class id {cls.id!r} must be kebab-case "
                "(lower-case letters, digits, single hyphens)",
                cls.line,
            )
        key = normalise_label(cls.id)
        if key in seen:
            yield Problem("duplicate-id", f"class id {cls.id!r} is defined twice", cls.line)
        seen.add(key)


def _reference_problems(
    classes: list[FailureClass], ids: Mapping[str, str], adaptations: dict[str, Adaptation]
) -> Iterator[Problem]:
    """Parents that are no class, adaptations the taxonomy does not declare."""
    for cls in classes:
        if cls.parent is not None and normalise_label(cls.parent) not in ids:
            yield Problem(
                "unknown-parent",
                f"class {cls.id!r} names an unknown parent {cls.parent!r}",
                cls.line,
            )
        for kind in cls.adaptations:
            if adaptations and kind not in adaptations:
                yield Problem(
                    "unknown-adaptation",
                    f"class {cls.id!r} lists an unknown adaptation {kind!r}",
                    cls.line,
                )


def _parent_cycles(classes: list[FailureClass]) -> Iterator[Problem]:
    """A class that is its own ancestor, once per class on the cycle."""
    parents = {cls.id: cls.parent for cls in classes}
    for cls in classes:
        seen: list[str] = []
        current: str | None = cls.id
        while current is not None and current in parents:
            if current in seen:
                yield Problem(
                    "parent-cycle",
                    "the class hierarchy has a cycle: " + " -> ".join([*seen, current]),
                    cls.line,
                )
                break
            seen.append(current)
            current = parents[current]


def _alias_problems(
    aliases: list[tuple[str, str]], ids: Mapping[str, str], lines: Mapping[str, int]
) -> Iterator[Problem]:
    """Aliases naming no class or shadowing one, then aliases written twice."""
    targets: dict[str, set[str]] = {}
    spellings: dict[str, list[str]] = {}
    for alias, target in aliases:
        key = normalise_label(alias)
        targets.setdefault(key, set()).add(target)
        spellings.setdefault(key, []).append(alias)
        where = _line(lines, f"aliases.{alias}")
        if normalise_label(target) not in ids:
            yield Problem(
                "unknown-alias-target", f"alias {alias!r} names an unknown class {target!r}", where
            )
        if key in ids and ids[key] != target:
            yield Problem(
                "alias-shadows-class",
                f"alias {alias!r} is also a class id but names {target!r}",
                where,
            )
    for key, named in targets.items():
        problem = _repeated_alias(spellings[key], named, lines)
        if problem is not None:
            yield problem


def _repeated_alias(
    spellings: list[str], targets: set[str], lines: Mapping[str, int]
) -> Problem | None:
    """An alias written more than once (in any spelling): ambiguous when it names several
    classes, a duplicate otherwise."""
    if len(targets) > 1:
        return Problem(
            "ambiguous-alias",
            f"alias {spellings[0]!r} names {len(targets)} classes: {', '.join(sorted(targets))}",
            _line(lines, f"aliases.{spellings[0]}"),
        )
    if len(spellings) > 1:
        return Problem(
            "duplicate-alias",
            "alias " + " / ".join(repr(s) for s in spellings) + " is written more than once",
            _line(lines, *(f"aliases.{s}" for s in spellings)),
        )
    return None


def _retired_problems(retired: list[RetiredClass], ids: Mapping[str, str]) -> Iterator[Problem]:
    """Retired ids still live, written twice, or replaced by nothing."""
    seen: set[str] = set()
    for item in retired:
        key = normalise_label(item.id)
        if key in ids:
            yield Problem(
                "retired-is-live", f"retired id {item.id!r} is still a live class", item.line
            )
        if key in seen:
            yield Problem("duplicate-retired", f"retired id {item.id!r} appears twice", item.line)
        seen.add(key)
        if not item.replaced_by:
            yield Problem(
                "dangling-replaced-by", f"retired id {item.id!r} has no `replaced_by`", item.line
            )


def _split_problems(
    item: RetiredClass, ids: Mapping[str, str], retired_ids: Mapping[str, RetiredClass]
) -> Iterator[Problem]:
    """The other parts of a split that are neither a class nor a retired id."""
    for part in item.split_into[1:]:
        key = normalise_label(part)
        if key not in ids and key not in retired_ids:
            yield Problem(
                "dangling-replaced-by",
                f"retired id {item.id!r} is split into {part!r}, "
                "which is neither a class nor a retired id",
                item.line,
            )


def _replacement_problems(
    item: RetiredClass, ids: Mapping[str, str], retired_ids: Mapping[str, RetiredClass]
) -> Iterator[Problem]:
    """Follow ``replaced_by`` from a retired id: it must reach a live class, through
    retired ids only, without a cycle."""
    chain = [item.id]
    current = item.replaced_by
    while current:
        key = normalise_label(current)
        if key in ids:
            return
        if current in chain:
            yield Problem(
                "replaced-by-cycle",
                "retired ids replace each other in a cycle: " + " -> ".join([*chain, current]),
                item.line,
            )
            return
        if key not in retired_ids:
            yield Problem(
                "dangling-replaced-by",
                f"retired id {item.id!r} is replaced by {current!r}, "
                "which is neither a class nor a retired id",
                item.line,
            )
            return
        chain.append(current)
        current = retired_ids[key].replaced_by


def build_taxonomy(
    data: Any, lines: Mapping[str, int] | None = None, path: Path | None = None
) -> tuple[Taxonomy | None, list[Problem]]:
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
    taxonomy, problems = build_taxonomy(loaded.data, loaded.lines, path)
    # YAML keeps the last of a key written twice: an alias or a version would change
    # silently, so the file is refused.
    written_twice = [
        Problem(
            "duplicate-key",
            f"`{d.path}` is written twice (first at line "
            f"{d.first_line}); YAML would keep only this one",
            d.line,
        )
        for d in loaded.duplicates
    ]
    if written_twice:
        return None, sorted(
            [*problems, *written_twice], key=lambda p: (p.line is None, p.line or 0)
        )
    return taxonomy, problems


def load_taxonomy(path: Path | None = None) -> Taxonomy:
    """Load a taxonomy (the bundled one by default); raise :class:`TaxonomyError` if bad."""
    target = path or default_taxonomy_path()
    taxonomy, problems = check_taxonomy_file(target)
    if taxonomy is None:
        raise TaxonomyError(
            f"taxonomy {target} has {len(problems)} problem(s): {problems[0]}",
            problems=[str(p) for p in problems],
            hint="run `failearn taxonomy check` to see them all",
        )
    return taxonomy
