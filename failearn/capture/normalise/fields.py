"""A record's fields under their canonical names, and the issues a field raises.

Field names are matched loosely (``trace_ids``, ``traceIds`` and ``Trace IDs`` are one
field) and through the aliases of the configuration's ``[fields]``.  Every issue is
located: the field, and the line it was written on.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from failearn import codes
from failearn.capture.anonymize import Anonymizer
from failearn.capture.classify import (
    PendingClass,
)
from failearn.capture.normalise.text import (
    Separators,
    _decoded,
    _strings,
    _text,
    _type_name,
    printable,
)
from failearn.provenance import Provenance
from failearn.record import (
    Issue,
    RawRecord,
)
from failearn.sources.postmortem import START_FIELDS
from failearn.timeutil import iso

if TYPE_CHECKING:
    from failearn.capture.normalise import Context


# Spellings of canonical fields that need no configuration.  Keys are compared
# after case-folding and dropping separators, so camelCase and snake_case
# variants of a canonical name are already covered.
BUILTIN_ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("incident_id", "incident_key", "uid"),
    "timestamp": START_FIELDS,
    "failure_class": ("class", "failure_category", "failure_type"),
    "trace_ids": ("trace_id", "traces", "trace"),
    "severity": ("sev", "priority"),
    "error_messages": ("error_message", "errors", "error", "messages"),
    "root_cause": ("root_causes", "cause", "causes"),
    "action_items": ("actions", "follow_ups", "followups"),
    "workarounds": ("workaround",),
    "dependencies": ("depends_on", "dependency", "upstreams"),
    "trace_shape": ("call_path", "span_path", "trace_path"),
    "summary": ("description",),
    "title": ("headline", "subject"),
    "ended_at": ("ends_at", "resolved_at", "end_time", "ended", "recovered_at"),
    "caused_by_rule": ("caused_by", "rule_id"),
}
TRACE_SPLIT = Separators(re.compile(r"[\s,;]+"))
SHAPE_SPLIT = Separators(re.compile(r"\s*(?:->|→|>|/|,)\s*"), (">", "→", "/", ","))
LIST_SPLIT = Separators(re.compile(r"\s*,\s*"), (",",))
_SLUG = re.compile(r"[^a-z0-9]+")


def field_key(name: str) -> str:
    """The loose matching key of a field name: case-folded, without separators."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


class _Collector:
    def __init__(self, raw: RawRecord, lines: Mapping[str, int]) -> None:
        self.raw = raw
        self.lines = lines
        self.issues: list[Issue] = []
        self.inferred: list[Provenance] = []
        self.pending: PendingClass | None = None

    def add(
        self,
        code: str,
        message: str,
        name: str | None,
        *,
        hint: str | None = None,
        level: str = "error",
        spelling: str | None = None,
    ) -> None:
        line = self.lines.get(spelling or name or "") if (spelling or name) else None
        self.issues.append(
            Issue(
                code=code,
                message=printable(message),
                source=self.raw.source,
                line=line if line is not None else self.raw.line,
                field=name,
                hint=hint or codes.hint(code),
                level=level,
            )
        )


def _sections(
    values: Mapping[str, Any], spelling: Mapping[str, str], out: _Collector
) -> dict[str, str]:
    """A post-mortem's sections by heading (a mapping of text; anything else is dropped
    with a warning)."""
    given = values.get("sections")
    if given is None:
        return {}
    if not isinstance(given, dict):
        out.add(
            "invalid-field-type",
            f"`sections` is {_type_name(given)}, not an object of headings to text; dropped",
            "sections",
            level="warning",
            spelling=spelling.get("sections"),
        )
        return {}
    sections: dict[str, str] = {}
    for heading, text in given.items():
        value = _text(text)
        if value is not None:
            sections[printable(str(heading))] = value
    return sections


_ONLY_TEXT = frozenset({str})


def _text_list(
    values: Mapping[str, Any],
    name: str,
    spelling: Mapping[str, str],
    out: _Collector,
    split: Separators | None = None,
) -> list[str]:
    """A list field as text items: a string (split where the field allows it) or a list of
    strings.  Anything else is dropped with an ``invalid-field-type`` warning naming the
    field, never silently."""
    value = values.get(name)
    if value is None:
        return []
    if type(value) is list and set(map(type, value)) <= _ONLY_TEXT:  # the usual case
        return _strings(value, split)
    if isinstance(value, bytes):
        value = _decoded(value)
    elif isinstance(value, list | tuple) and any(isinstance(item, bytes) for item in value):
        value = [_decoded(item) if isinstance(item, bytes) else item for item in value]
    if not isinstance(value, str | list | tuple):
        out.add(
            "invalid-field-type",
            f"`{name}` is {_type_name(value)}, not a list of text; dropped",
            name,
            level="warning",
            spelling=spelling.get(name),
        )
        return []
    if type(value) is str:
        return _strings(value, split)
    dropped = [item for item in value if type(item) is not str]
    if not dropped:  # the usual case: a list of strings
        return _strings(value, split)
    texts = [item for item in value if type(item) is str]
    shown = ", ".join(repr(item)[:40] for item in dropped[:3]) + (" …" if len(dropped) > 3 else "")
    out.add(
        "invalid-field-type",
        f"`{name}`: dropped {len(dropped)} item(s) that are not text: {shown}",
        name,
        level="warning",
        spelling=spelling.get(name),
    )
    return _strings(texts, split)


def _mask_any(value: Any, anonymizer: Anonymizer) -> Any:
    if isinstance(value, str):
        return anonymizer.text(value)
    if isinstance(value, list):
        return [_mask_any(item, anonymizer) for item in value]
    if isinstance(value, dict):
        return {
            key: anonymizer.people(item)
            if _names_people(key, item, anonymizer)
            else _mask_any(item, anonymizer)
            for key, item in value.items()
        }
    return value


def _names_people(key: Any, value: Any, anonymizer: Anonymizer) -> bool:
    """A nested ``owner: Jane`` (a people key over names) is pseudonymised like a people
    field."""
    return (
        isinstance(value, str)
        or (isinstance(value, list) and all(isinstance(v, str) for v in value))
    ) and field_key(str(key)) in anonymizer.people_keys


def derive_id(
    raw: RawRecord,
    timestamp: datetime | None,
    service: str | None,
    label: str | None,
    title: str | None,
) -> str:
    """An id for a record whose source gave none.

    A Markdown post-mortem is its file: its id comes from the path, so editing
    the file updates the same incident.  A JSON record is its content: the
    start time, service, class label and title identify it.
    """
    if raw.kind == "markdown":
        stem = PurePosixPath(raw.source).name.split(".")[0]
        slug = _SLUG.sub("-", stem.casefold()).strip("-")[:60] or "postmortem"
        digest = hashlib.sha1(raw.source.encode("utf-8")).hexdigest()[:6]
        return f"pm-{slug}-{digest}"
    basis = "|".join([iso(timestamp) if timestamp else "", service or "", label or "", title or ""])
    return "rec-" + hashlib.sha1(basis.encode("utf-8")).hexdigest()[:12]


# Where a payload's key goes besides a canonical field: with the people, or the extra.
_PEOPLE = "\0people"
_UNKNOWN = "\0unknown"
# Keys remembered with where they go, up to this many at a time.
_ROUTES = 8192


def _route(key: Any, context: Context) -> str:
    """The canonical field a payload's key names, or :data:`_PEOPLE` or :data:`_UNKNOWN`."""
    routes = context.key_cache
    route = routes.get(key)
    if route is None:
        loose = field_key(str(key))
        route = _PEOPLE if loose in context.people_keys else context.aliases.get(loose, _UNKNOWN)
        if len(routes) >= _ROUTES:
            routes.clear()
        routes[key] = route
    return route


def _canonicalise(
    payload: Mapping[str, Any], context: Context, collector: _Collector
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Map payload keys onto canonical names: (values, spelling used, unknown fields)."""
    values: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    unknown: dict[str, Any] = {}
    people: dict[str, Any] = {}
    for key, value in payload.items():
        name = _route(key, context)
        if name is _UNKNOWN:
            unknown[str(key)] = value
        elif name is _PEOPLE:
            people[str(key)] = value
        elif name in values:
            _repeated(name, str(key), value, values, spelling, unknown, collector)
        else:
            values[name] = value
            spelling[name] = str(key)
    if people:
        values["__people__"] = people
    return values, spelling, unknown


def _repeated(
    name: str,
    key: str,
    value: Any,
    values: dict[str, Any],
    spelling: dict[str, str],
    unknown: dict[str, Any],
    collector: _Collector,
) -> None:
    """A second key of a field: lists are joined, trace ids added, anything else is kept
    with the record (and a value that differs is a warning)."""
    if isinstance(values[name], list) and isinstance(value, list):
        values[name] = values[name] + value
    elif name == "trace_ids":
        values[name] = _strings(values[name]) + _strings(value)
    else:
        unknown[key] = value
        if value != values[name]:
            collector.add(
                "duplicate-key",
                f"`{name}` is given twice, as "
                f"{spelling.get(name, name)!r} and {key!r}; the first "
                "is used and the other kept with the record",
                name,
                level="warning",
                spelling=key,
            )


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trace_ids(
    values: Mapping[str, Any], spelling: Mapping[str, str], context: Context, out: _Collector
) -> list[str]:
    given = _strings(values.get("trace_ids"), TRACE_SPLIT)
    valid: list[str] = []
    invalid: list[str] = []
    for item in given:
        candidate = item.strip().strip("`'\"").lower()
        if len(candidate) == 36 and candidate.count("-") == 4:
            candidate = candidate.replace("-", "")
        if context.trace_pattern.match(candidate) and set(candidate) != {"0"}:
            if candidate not in valid:
                valid.append(candidate)
        else:
            invalid.append(item)
    if invalid:
        shown = ", ".join(repr(i) for i in invalid[:3]) + (" …" if len(invalid) > 3 else "")
        if valid:
            out.add(
                "trace-id-dropped",
                f"dropped {len(invalid)} invalid trace id(s): {shown}",
                "trace_ids",
                level="warning",
                spelling=spelling.get("trace_ids"),
            )
        else:
            required = "trace_ids" in _policy(context, out.raw.kind)[0]
            out.add(
                "invalid-trace-id",
                f"no valid trace id among {shown} (expected "
                f"{context.settings.gates.trace_id_pattern})",
                "trace_ids",
                spelling=spelling.get("trace_ids"),
                level="error" if required else "warning",
            )
    return valid


def _policy(context: Context, kind: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(required fields, recommended fields, the [gates] keys' prefix) for a kind of input:
    post-mortems (Markdown) have their own policy."""
    gates = context.settings.gates
    if kind == "markdown":
        return gates.postmortem_require, gates.postmortem_recommend, "postmortem_"
    return gates.require, gates.recommend, ""


def _metrics(value: Any, spelling: str | None, out: _Collector) -> dict[str, float]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        out.add(
            "invalid-field-type",
            "metrics must be a mapping of names to numbers",
            "metrics",
            level="warning",
            spelling=spelling,
        )
        return {}
    metrics: dict[str, float] = {}
    for name, raw in value.items():
        number: float | None = None
        try:
            if (
                type(raw) is float
                or type(raw) is int
                or (isinstance(raw, int | float) and not isinstance(raw, bool))
            ):
                number = float(raw)
            elif isinstance(raw, str):
                number = float(raw.strip().rstrip("%").replace(",", ""))
        except (ValueError, OverflowError):  # OverflowError: an integer beyond any float
            number = None
        if number is None or not math.isfinite(number):
            shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:37] + "..."
            out.add(
                "invalid-metric",
                f"metric {name!r} = {shown} is not a finite number; dropped",
                "metrics",
                level="warning",
                spelling=spelling,
            )
            continue
        metrics[name if type(name) is str and name.isprintable() else printable(str(name))] = number
    return metrics
