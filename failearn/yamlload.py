"""Safe YAML loading that remembers where each key was written.

Front matter and taxonomy files are YAML written by people, so errors must
point at a line.  PyYAML's node graph carries marks; this module composes the
node graph first (libyaml's C parser when present: it is ~5x faster), refuses
documents whose alias expansion would explode (the "billion laughs" YAML bomb)
or nest absurdly deep, then constructs plain Python data with the safe
constructor and returns it with a map of key paths to 1-based line numbers,
and the keys written twice in one mapping (YAML keeps the last silently; people
mean one of them, so callers warn).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import yaml

try:  # libyaml is present in most wheels of PyYAML
    _Base: type[Any] = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the build of PyYAML
    _Base = yaml.SafeLoader

_YAML11_ONLY = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}


class _Loader(_Base):  # type: ignore[misc]
    """The safe loader, reading plain scalars as YAML 1.2 does.

    PyYAML follows YAML 1.1, where ``service: off`` is False, ``title: yes`` is
    True, ``id: 0042`` is the octal 34 and ``duration: 1:20`` is 80.  People mean
    the text they wrote: here only ``true``/``false`` are booleans and only
    plain decimals are numbers.  A tag written explicitly (``!!int 0x1F``) still
    decides.
    """

    yaml_implicit_resolvers: ClassVar[dict[Any, list[tuple[str, re.Pattern[str]]]]] = {
        first: [(tag, pattern) for tag, pattern in resolvers if tag not in _YAML11_ONLY]
        for first, resolvers in _Base.yaml_implicit_resolvers.items()
    }


def _construct_bool(loader: Any, node: yaml.ScalarNode) -> bool:
    """An explicit ``!!bool``: a boolean word of YAML 1.1 (``yes``, ``off``), else an error
    at its line."""
    value = str(loader.construct_scalar(node))
    try:
        return bool(loader.bool_values[value.lower()])
    except KeyError:
        raise yaml.constructor.ConstructorError(
            None, None, f"{value!r} is not a boolean", node.start_mark
        ) from None


_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+0123456789."),
)

MAX_NODES = 20_000
MAX_DEPTH = 64


class YamlLoadError(ValueError):
    """A YAML text that cannot be loaded; ``line`` is 1-based within the text."""

    def __init__(self, message: str, *, line: int | None = None, code: str = "invalid-yaml"):
        super().__init__(message)
        self.line = line
        self.code = code


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    """A key written again in the same mapping: its path, and the lines of both."""

    path: str
    line: int
    first_line: int


@dataclass(slots=True)
class LoadedYaml:
    """Plain data and, per key path (``"metrics.cpu"``, ``"trace_ids"``), its 1-based line;
    the keys written twice in one mapping (the last value is the one kept)."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    duplicates: list[DuplicateKey] = field(default_factory=list)


def _duplicates(node: yaml.Node) -> list[DuplicateKey]:
    """Keys written twice in one mapping, found on the composed node graph (after
    construction only the last value remains).  Merge keys (``<<``) are not duplicates."""
    found: list[DuplicateKey] = []
    seen: set[int] = set()
    stack: list[tuple[yaml.Node, str]] = [(node, "")]
    while stack:
        current, prefix = stack.pop()
        if id(current) in seen:  # an alias: the same node again
            continue
        seen.add(id(current))
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, f"{prefix}{n}.") for n, child in enumerate(current.value))
        elif isinstance(current, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    written = (key.tag, key.value)
                    line = key.start_mark.line + 1
                    if written in first:
                        found.append(DuplicateKey(f"{prefix}{key.value}", line, first[written]))
                    else:
                        first[written] = line
                    stack.append((value, f"{prefix}{key.value}."))
                else:
                    stack.append((value, prefix))
    return sorted(found, key=lambda d: (d.line, d.path))


def _check_size(node: yaml.Node) -> None:
    """Walk the node graph as construction would expand it, and stop early if it explodes."""
    count = 0
    stack: list[tuple[yaml.Node, int]] = [(node, 0)]
    while stack:
        current, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise YamlLoadError(
                f"the YAML expands to more than {MAX_NODES:,} values (a YAML bomb?)",
                line=current.start_mark.line + 1,
                code="yaml-too-complex",
            )
        if depth > MAX_DEPTH:
            raise YamlLoadError(
                f"the YAML nests deeper than {MAX_DEPTH} levels",
                line=current.start_mark.line + 1,
                code="yaml-too-complex",
            )
        if isinstance(current, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))


_STR = "tag:yaml.org,2002:str"


def _as_written(node: yaml.Node, loader: Any) -> None:
    """Keep as text a plain scalar that looks like a date but is none (``2026-11-31``), so
    the field's own check reports it where it was written, not the whole document."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, yaml.MappingNode):
            for key, value in current.value:
                stack.append(key)
                stack.append(value)
        elif isinstance(current, yaml.ScalarNode) and current.tag.endswith(":timestamp"):
            try:
                loader.construct_yaml_timestamp(current)
            except (ValueError, AttributeError):  # no date, or not even its shape
                current.tag = _STR


def _key_lines(node: yaml.Node, prefix: str, lines: dict[str, int], depth: int = 0) -> None:
    if depth > 3:
        return
    if isinstance(node, yaml.SequenceNode):
        for position, item in enumerate(node.value):
            path = f"{prefix}{position}"
            lines.setdefault(path, item.start_mark.line + 1)
            _key_lines(item, path + ".", lines, depth + 1)
        return
    if not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if not isinstance(key, yaml.ScalarNode):
            continue
        path = f"{prefix}{key.value}"
        lines.setdefault(path, key.start_mark.line + 1)
        _key_lines(value, path + ".", lines, depth + 1)


def json_key(key: object) -> str:
    """A mapping key as JSON spells it: ``500``, ``true``, ``null``, ``2026-11-02``."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, date | datetime):
        return key.isoformat()
    return str(key)


def string_keys(value: Any) -> Any:
    """Data with every mapping key a string, as JSON (and the store) needs.

    YAML keys may be numbers, dates, booleans or null (``http_errors: {500: 120}``);
    they are kept, spelled as JSON would.
    """
    if isinstance(value, dict):
        return {json_key(k): string_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [string_keys(item) for item in value]
    return value


def load_yaml(text: str) -> LoadedYaml:
    """Load one YAML document safely; an empty document loads as ``None``."""
    loader = _Loader(text)
    try:
        try:
            node = loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else None
            problem = exc.problem or exc.context or "malformed YAML"
            raise YamlLoadError(f"malformed YAML: {problem}", line=line) from exc
        except yaml.YAMLError as exc:
            raise YamlLoadError(f"malformed YAML: {exc}") from exc
        if node is None:
            return LoadedYaml(None)
        _check_size(node)
        _as_written(node, loader)
        # Before construction, which flattens merge keys (<<) into the mappings.
        duplicates = _duplicates(node)
        try:
            data = loader.construct_document(node)
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            raise YamlLoadError(
                f"unsupported YAML: {exc.problem or exc}", line=mark.line + 1 if mark else None
            ) from exc
        except (
            yaml.YAMLError,
            ValueError,
            TypeError,
            KeyError,
            AttributeError,
            RecursionError,
        ) as exc:
            raise YamlLoadError(f"unsupported YAML: {exc}", line=node.start_mark.line + 1) from exc
        lines: dict[str, int] = {}
        _key_lines(node, "", lines)
        return LoadedYaml(data, lines, duplicates)
    finally:
        loader.dispose()
