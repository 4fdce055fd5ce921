"""Normalise raw records into canonical incidents, through the quality gates.

Pure functions over plain data: a :class:`~failearn.record.RawRecord` and a
:class:`Context` in, a :class:`Normalised` (an incident, or located issues)
out.  No I/O, so every gate can be tested with a table of cases.

Field names are matched loosely (``trace_ids``, ``traceIds`` and ``Trace IDs``
are one field) and through the aliases of the configuration's ``[fields]``.
Every gate failure is an :class:`~failearn.record.Issue` with a stable code
from :mod:`failearn.codes`, the field, and the line the field was written on.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import PurePosixPath
from typing import Any

from failearn import codes
from failearn.capture.anonymize import PEOPLE_LABELS, Anonymizer
from failearn.capture.classify import (
    TEXT_MODEL_ROUTES,
    Abstained,
    Classifier,
    Deferred,
    Inferred,
    PendingClass,
    TextModel,
    taxonomy_model,
)
from failearn.capture.services import ServiceFinder, ServiceFound
from failearn.capture.severity import normalise_severity
from failearn.config import Settings
from failearn.errors import ConfigError
from failearn.provenance import Provenance
from failearn.record import (
    CANONICAL_FIELDS,
    EXTRA_FIELDS,
    TEXT_FIELDS,
    Incident,
    Issue,
    RawRecord,
)
from failearn.sources.postmortem import START_FIELDS, DateProblem, read_written_time
from failearn.sources.vendors import BUILTIN_NAMES
from failearn.taxonomy.file import Resolution, Taxonomy, normalise_label
from failearn.timeutil import ParsedTime, TimeParseError, is_unset_time, iso, parse_time

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
# The text a class is inferred from, when a record names none, and what each part weighs.
INFERENCE_TEXT = (("title", 3), ("root_cause", 2), ("summary", 1), ("resolution", 1))
_TRACE_SPLIT = re.compile(r"[\s,;]+")
_SHAPE_SPLIT = re.compile(r"\s*(?:->|→|>|/|,)\s*")
_LIST_SPLIT = re.compile(r"\s*,\s*")
_SLUG = re.compile(r"[^a-z0-9]+")


def field_key(name: str) -> str:
    """The loose matching key of a field name: case-folded, without separators."""
    return "".join(ch for ch in name.casefold() if ch.isalnum())


@dataclass(frozen=True)
class Context:
    """Everything normalisation needs besides the record: settings, taxonomy, clock, masks."""

    settings: Settings
    taxonomy: Taxonomy
    as_of: datetime
    anonymizer: Anonymizer | None
    aliases: dict[str, str] = field(default_factory=dict)
    people_keys: frozenset[str] = frozenset()
    trace_pattern: re.Pattern[str] = re.compile(r"^[0-9a-f]{32}$")
    key_cache: dict[str, str] = field(default_factory=dict)
    severity_cache: dict[str, str | None] = field(default_factory=dict)
    classifier: Classifier | None = None
    # The [classes] mapping, and each [sources.NAME] table's merged over it, with their
    # labels normalised once (normalised label -> class label).
    class_maps: dict[str, dict[str, str]] = field(default_factory=dict)
    formats_tried: tuple[str, ...] = ()
    classes: dict[str, str] = field(default_factory=dict)
    services: ServiceFinder | None = None

    @classmethod
    def build(
        cls,
        settings: Settings,
        taxonomy: Taxonomy,
        as_of: datetime,
        anonymizer: Anonymizer | None,
        text_model: TextModel | None = None,
        defer_text_model: bool = False,
    ) -> Context:
        """The context of a run; ``text_model`` is the class model for records that name no
        class (by default the taxonomy's).  With ``defer_text_model`` a record that needs
        the text model is not classified here but left pending (:class:`PendingClass`):
        ingest settles such records once the whole run is read."""
        aliases: dict[str, str] = {}
        # Only what a source may give: ``source``, ``line`` and the like are set by ingest,
        # so a payload's own "source" (an exporter's name) stays in the record's extra.
        canonical = (*CANONICAL_FIELDS, *EXTRA_FIELDS)
        for name in canonical:
            aliases[field_key(name)] = name
        for name, spellings in BUILTIN_ALIASES.items():
            for spelling in spellings:
                aliases.setdefault(field_key(spelling), name)
        for name, spellings in settings.fields.items():
            for spelling in spellings:
                aliases[field_key(spelling)] = name
        people = frozenset(
            {
                *(field_key(p) for p in settings.anonymize.people_fields),
                *(field_key(p) for p in PEOPLE_LABELS),
            }
        )
        check_class_mapping(settings, taxonomy)
        pattern = re.compile(settings.gates.trace_id_pattern)  # validated with the settings
        classes = normalised_mapping(settings.classes)
        class_maps = {
            name: {**classes, **normalised_mapping(table.classes)}
            for name, table in settings.sources.items()
            if table.classes
        }
        classifier = None
        if settings.classify.infer != "off":
            if text_model is None:
                text_model = taxonomy_model(taxonomy, settings.classify.taxonomy_min_probability)
            classifier = Classifier(
                taxonomy,
                settings.classes,
                settings.classify.keywords,
                {name: t.classes for name, t in settings.sources.items()},
                None if defer_text_model else text_model,
                defer=defer_text_model,
            )
        tried = (*[n for n, t in settings.sources.items() if t.detect], *BUILTIN_NAMES, "canonical")
        finder = ServiceFinder(settings.services.names, settings.services.default)
        return cls(
            settings,
            taxonomy,
            as_of,
            anonymizer,
            aliases,
            people,
            pattern,
            classifier=classifier,
            class_maps=class_maps,
            formats_tried=tried,
            classes=classes,
            services=finder if finder else None,
        )


def normalised_mapping(mapping: Mapping[str, str]) -> dict[str, str]:
    """A label mapping keyed by normalised label, built once per run (not per record).

    Of labels that normalise alike ("Config Change", "config-change"), the first written
    wins, as when the mapping is searched in order."""
    normalised: dict[str, str] = {}
    for label, target in mapping.items():
        key = normalise_label(label)
        if key:
            normalised.setdefault(key, target)
    return normalised


def resolve_label(
    taxonomy: Taxonomy, label: str, mapping: Mapping[str, str], text: str | None = None
) -> Resolution | None:
    """Resolve a label through a :func:`normalised_mapping` first (route ``config``), then
    the taxonomy's ids, aliases, retired ids and names: what ``Taxonomy.resolve(label,
    mapping, text)`` does, with one dictionary lookup for the mapping."""
    target = mapping.get(normalise_label(label)) if mapping else None
    if target is not None:
        inner = taxonomy.resolve(target, None, text)
        if inner is not None:
            via = inner.via if inner.via in ("split", "split-default") else "config"
            return Resolution(inner.class_id, via, label)
    return taxonomy.resolve(label, None, text)


def check_class_mapping(settings: Settings, taxonomy: Taxonomy) -> None:
    """Every class a configuration maps a label to must exist in the taxonomy: a typo would
    otherwise reject records far from its cause.  (Keywords are checked by the
    classifier that uses them.)"""
    targets = [(f"classes.{label!r}", target) for label, target in settings.classes.items()]
    for name, table in settings.sources.items():
        targets += [
            (f"sources.{name}.classes.{label!r}", target) for label, target in table.classes.items()
        ]
    for where, target in targets:
        if taxonomy.resolve(target) is None:
            raise ConfigError(
                f"`{where}` maps to {target!r}, which is not a class of taxonomy "
                f"{taxonomy.version}",
                hint="see `failearn taxonomy show`",
            )


def unclassified(
    pending: PendingClass, found: Abstained | None, taxonomy_version: str, source: str
) -> Issue:
    """The error of a record no class was found for: the text model abstained (its
    likeliest classes named), or nothing in the record names one."""
    hints = pending.hints
    named = (
        f"none of its labels ({', '.join(repr(h) for h in hints[:3])}) is mapped and "
        if hints
        else ""
    )
    example = hints[0] if hints else "<label>"
    if found is not None:
        shown = ", ".join(f"{c} ({p:.2f})" for c, p in found.candidates)
        message = (
            f"no failure class: {named}the {found.via} model is not sure enough (no "
            f"class reaches p {found.threshold:g}); likeliest: {shown}"
        )
        hint = (
            f"add `failure_class` (likeliest: {shown}), or map it in failearn.toml: "
            f'[classes] "{example}" = "<class-id>"'
        )
    else:
        message = f"no failure class: {named}its text names no class of taxonomy {taxonomy_version}"
        hint = (
            f'add `failure_class`, or map it in failearn.toml: [classes] "{example}" = '
            '"<class-id>", or [classify] keywords = {"<phrase>" = "<class-id>"}'
        )
    return Issue(
        code="unclassified",
        message=printable(message),
        source=source,
        line=pending.line,
        field="failure_class",
        hint=hint,
    )


@dataclass(slots=True)
class Normalised:
    """The outcome of normalising one record: an incident, or the errors that reject it."""

    incident: Incident | None
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]


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


# Terminal control sequences and control characters: escape sequences (CSI ``ESC [ … m``,
# OSC ``ESC ] … BEL`` that retitles a terminal, DCS/APC strings, C1 CSI/OSC), then any
# other C0 control but tab and newline, DEL and C1.  Incident text is shown in terminals
# and reports: stored text never holds them, so no renderer has to care.
_CONTROL_SEQUENCE = re.compile(
    "\x1b\\][^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    "|\x1b\\[[0-?]*[ -/]*[@-~]?"
    "|\x1b[PX^_][^\x1b\x9c]*(?:\x1b\\\\|\x9c)?"
    "|\x1b[ -/]*[0-~]?"
    "|\x9b[0-?]*[ -/]*[@-~]?"
    "|[\x90\x98\x9d\x9e\x9f][^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"
    "|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)
_ANY_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text without terminal escape sequences and control characters (tab and newline
    stay; CR LF becomes LF)."""
    if text.isprintable() or _ANY_CONTROL.search(text) is None:  # the first: C speed
        return text
    return _CONTROL_SEQUENCE.sub("", text.replace("\r\n", "\n"))


def _printable_any(value: Any) -> Any:
    """Nested data with every string (and key) printable."""
    if not value:
        return value
    if isinstance(value, str):
        return printable(value)
    if isinstance(value, list):
        return [_printable_any(item) for item in value]
    if isinstance(value, dict):
        return {
            printable(k) if isinstance(k, str) else k: _printable_any(v) for k, v in value.items()
        }
    return value


def _as_written(value: Any) -> str:
    """A value as a message quotes it: text quoted, a YAML date or time as written."""
    if isinstance(value, date | datetime):
        return f"'{value.isoformat()}'"
    return repr(value)


def _decoded(value: bytes) -> str:
    """A YAML ``!!binary`` value, as the text it most likely holds."""
    return value.decode("utf-8", errors="replace")


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = _decoded(value)
    if isinstance(value, str):
        stripped = (value if value.isprintable() else printable(value)).strip()
        return stripped or None
    if isinstance(value, list):
        lines = [_text(item) for item in value]
        joined = "\n".join(f"- {line}" for line in lines if line)
        return joined or None
    if isinstance(value, dict):
        parts = [f"{k}: {_text(v)}" for k, v in value.items() if _text(v)]
        return "; ".join(parts) or None
    return printable(str(value))


def _strings(value: Any, split: re.Pattern[str] | None = None) -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    result: list[str] = []
    for item in items:
        if type(item) is not str:
            if item is None or isinstance(item, dict | list):
                continue
            item = _decoded(item) if isinstance(item, bytes) else str(item)
        text = (item if item.isprintable() else printable(item)).strip()
        if not text:
            continue
        if split is not None:
            result.extend(part for part in split.split(text) if part)
        else:
            result.append(text)
    return result


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


def _type_name(value: Any) -> str:
    """How a value's type reads in a message (JSON's words: a list, an object, null)."""
    return {
        dict: "an object",
        list: "a list",
        tuple: "a list",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), f"a {type(value).__name__}")


def _text_list(
    values: Mapping[str, Any],
    name: str,
    spelling: Mapping[str, str],
    out: _Collector,
    split: re.Pattern[str] | None = None,
) -> list[str]:
    """A list field as text items: a string (split where the field allows it) or a list of
    strings.  Anything else is dropped with an ``invalid-field-type`` warning naming the
    field, never silently."""
    value = values.get(name)
    if value is None:
        return []
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


def _canonicalise(
    payload: Mapping[str, Any], context: Context, collector: _Collector
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    """Map payload keys onto canonical names: (values, spelling used, unknown fields)."""
    values: dict[str, Any] = {}
    spelling: dict[str, str] = {}
    unknown: dict[str, Any] = {}
    people: dict[str, Any] = {}
    cache = context.key_cache
    for key, value in payload.items():
        loose = cache.get(key)
        if loose is None:
            loose = cache[key] = field_key(str(key))
        if loose in context.people_keys:
            people[str(key)] = value
            continue
        name = context.aliases.get(loose)
        if name is None:
            unknown[str(key)] = value
            continue
        if name in values:
            if isinstance(values[name], list) and isinstance(value, list):
                values[name] = values[name] + value
            elif name == "trace_ids":
                values[name] = _strings(values[name]) + _strings(value)
            else:
                unknown[str(key)] = value
                if value != values[name]:
                    collector.add(
                        "duplicate-key",
                        f"`{name}` is given twice, as "
                        f"{spelling.get(name, name)!r} and {str(key)!r}; the first "
                        "is used and the other kept with the record",
                        name,
                        level="warning",
                        spelling=str(key),
                    )
            continue
        values[name] = value
        spelling[name] = str(key)
    if people:
        values["__people__"] = people
    return values, spelling, unknown


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


_DAY_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def _day_only(value: Any) -> date | None:
    """The day a value names when it names no time of day (``2019-01-23``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY_ONLY.match(value):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _parse_written(value: Any, kind: str, out: _Collector, where: str | None) -> ParsedTime:
    """A time as sources write it; for a post-mortem, also as people write dates
    (``27/09/2023``, ``Sept 6 2023``).  Raises TimeParseError with what to write."""
    try:
        return parse_time(value)
    except TimeParseError:
        if kind != "markdown" or not isinstance(value, str):
            raise
    try:
        written = read_written_time(value)
    except DateProblem as exc:
        raise TimeParseError(str(exc)) from exc
    if written.note:
        out.add(
            "imprecise-timestamp",
            f"timestamp {_as_written(value)} {written.note}",
            "timestamp",
            level="warning",
            spelling=where,
        )
    local = written.value()
    if local.tzinfo is None:
        return ParsedTime(local.replace(tzinfo=UTC), naive=True)
    return ParsedTime(local.astimezone(UTC))


def _timestamp(
    values: Mapping[str, Any], spelling: Mapping[str, str], context: Context, out: _Collector
) -> datetime | None:
    value = values.get("timestamp")
    where = spelling.get("timestamp")
    start = values.get("timeline_start")
    found_in = out.raw.found_in.get("timeline_start")
    day = _day_only(value)
    if (
        day is not None
        and not _blank(start)
        and found_in is None
        and _day_only(start) is None
        and str(start).startswith(day.isoformat())
    ):
        # A field names the day, the timeline the minute of that day: the minute.
        value, where = start, spelling.get("timeline_start")
    if _blank(value):
        # A post-mortem's timeline says when it started, when no field does.
        value, where = start, spelling.get("timeline_start")
        if not _blank(value) and found_in is not None:
            out.add(
                "timestamp-found",
                f"no field or timeline names when it started: "
                f"{_as_written(value)} is taken from {found_in}",
                "timestamp",
                level="note",
                spelling=where,
                hint="write the start in front matter (`date:` or `timestamp:`) to say it exactly",
            )
    if _blank(value):
        return None
    try:
        parsed = _parse_written(value, out.raw.kind, out, where)
    except TimeParseError as exc:
        out.add(
            "invalid-timestamp",
            f"timestamp {_as_written(value)} cannot be read: {exc}",
            "timestamp",
            spelling=where,
        )
        return None
    if parsed.naive:
        out.add(
            "naive-timestamp",
            f"timestamp {_as_written(value)} names no time zone; taken as UTC",
            "timestamp",
            level="warning",
            spelling=where,
        )
    gates = context.settings.gates
    if parsed.value > context.as_of + gates.max_future:
        out.add(
            "timestamp-in-future",
            f"timestamp {iso(parsed.value)} is after {iso(context.as_of + gates.max_future)}",
            "timestamp",
            spelling=where,
            hint="check the date (and --as-of); [gates] max_future sets how far ahead a "
            "start may be",
        )
        return None
    if parsed.value.year < gates.earliest_year:
        out.add(
            "timestamp-too-old",
            f"timestamp {iso(parsed.value)} is before {gates.earliest_year}",
            "timestamp",
            spelling=where,
        )
        return None
    # Stored to the second: one precision for comparing across runs and sources.
    return parsed.value.replace(microsecond=0)


def _trace_ids(
    values: Mapping[str, Any], spelling: Mapping[str, str], context: Context, out: _Collector
) -> list[str]:
    given = _strings(values.get("trace_ids"), _TRACE_SPLIT)
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


def class_texts(raw: RawRecord, context: Context) -> list[tuple[str, int]]:
    """The weighted texts a class is inferred from, for one raw record (what ingest reads
    when the record names no class; the evaluation harness reads the same)."""
    collector = _Collector(raw, raw.field_lines)
    values, _, _ = _canonicalise(raw.payload or {}, context, collector)
    return _inference_text(values)


def _inference_text(values: Mapping[str, Any]) -> list[tuple[str, int]]:
    parts = [
        (text, weight)
        for text, weight in ((_text(values.get(name)), weight) for name, weight in INFERENCE_TEXT)
        if text
    ]
    errors = "\n".join(_strings(values.get("error_messages")))
    if errors:
        parts.append((errors, 2))
    return parts


def _failure_class(
    values: Mapping[str, Any], spelling: Mapping[str, str], context: Context, out: _Collector
) -> tuple[str | None, str, str, list[str]]:
    """(class id, label, route, other labels); the label is empty when none was found,
    and an error is reported when a label or an inference failed."""
    labels = _strings(values.get("failure_class"))
    source_format = values.get("source_format")
    if not labels:
        return _inferred(values, spelling, context, out, source_format)
    chosen: tuple[str, str, str] | None = None
    others: list[str] = []
    mapping = (
        context.class_maps.get(source_format, context.classes)
        if isinstance(source_format, str)
        else context.classes
    )
    # A label naming a class that was split in parts is placed by the record's text.
    text = _class_text(values) if context.taxonomy.has_splits else None
    for label in labels:
        resolution = resolve_label(context.taxonomy, label, mapping, text)
        if resolution is not None and chosen is None:
            chosen = (resolution.class_id, label, resolution.via)
        else:
            others.append(label)
    if chosen is None:
        shown = ", ".join(repr(label) for label in labels)
        near = closest_class(context.taxonomy, labels[0])
        suggestion = (
            f"did you mean `{near}`? Fix the label (a [classes] mapping is for a "
            "team's own name of a class, not for a typo)"
            if near
            else f"use a class id (`failearn taxonomy show`) or map the label in failearn.toml: "
            f'[classes] "{labels[0]}" = "<class-id>"'
        )
        out.add(
            "unknown-class",
            f"failure class {shown} is not in taxonomy {context.taxonomy.version}",
            "failure_class",
            spelling=spelling.get("failure_class"),
            hint=suggestion,
        )
        return None, labels[0], "", others
    return chosen[0], chosen[1], chosen[2], others


def _inferred_service(
    values: Mapping[str, Any], finder: ServiceFinder, out: _Collector
) -> ServiceFound | None:
    """The service of a post-mortem that names none, from [services], kept with its
    provenance."""
    sections = values.get("sections")
    headings = [str(h) for h in sections if h != "preamble"] if isinstance(sections, dict) else []
    texts = [_text(v) or "" for v in sections.values()] if isinstance(sections, dict) else []
    texts += [_text(values.get(name)) or "" for name in ("summary", "root_cause", "timeline")]
    found = finder.find(_text(values.get("title")), headings, texts)
    if found is None:
        return None
    # Kept with its route and how sure (None: [services] default, an assumption); ingest
    # lists it with the other inferred fields.
    out.inferred.append(
        Provenance("service", found.service, found.via, found.confidence, found.evidence)
    )
    return found


def _policy(context: Context, kind: str) -> tuple[tuple[str, ...], tuple[str, ...], str]:
    """(required fields, recommended fields, the [gates] keys' prefix) for a kind of input:
    post-mortems (Markdown) have their own policy."""
    gates = context.settings.gates
    if kind == "markdown":
        return gates.postmortem_require, gates.postmortem_recommend, "postmortem_"
    return gates.require, gates.recommend, ""


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance, transpositions counting one (``timout`` -> ``timeout`` is 1)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def closest_class(taxonomy: Taxonomy, label: str) -> str | None:
    """The class id a misspelt label most likely means: a class id, alias or name within
    two edits (one for short words), and no other as close."""
    wanted = normalise_label(label)
    if len(wanted) < 4:
        return None
    limit = 1 if len(wanted) < 8 else 2
    best: dict[str, int] = {}
    names = [(c.id, c.id) for c in taxonomy.classes.values()]
    names += [(c.name, c.id) for c in taxonomy.classes.values()]
    names += list(taxonomy.aliases.items())
    for name, class_id in names:
        distance = edit_distance(wanted, normalise_label(name))
        if distance <= limit and distance < best.get(class_id, limit + 1):
            best[class_id] = distance
    if not best:
        return None
    nearest = min(best.values())
    winners = sorted(c for c, d in best.items() if d == nearest)
    return winners[0] if len(winners) == 1 else None


def _class_text(values: Mapping[str, Any]) -> str:
    """The text that places a record in one part of a split class."""
    parts = [_text(values.get(name)) or "" for name in ("title", "summary", "root_cause")]
    return "\n".join([*parts, *_strings(values.get("error_messages"))])


def _inferred(
    values: Mapping[str, Any],
    spelling: Mapping[str, str],
    context: Context,
    out: _Collector,
    source_format: Any,
) -> tuple[str | None, str, str, list[str]]:
    """A class for a record that names none: from its hints and text, or an error (whose
    hint names the likeliest classes when a text model abstained); or left pending."""
    classifier = context.classifier
    if classifier is None or (context.settings.classify.infer == "sources" and not source_format):
        return None, "", "", []
    hints = _strings(values.get("class_hints"))
    text = _inference_text(values)
    if not hints and not text:
        return None, "", "", []
    found = classifier.infer(hints, text, source_format if isinstance(source_format, str) else None)
    if isinstance(found, Inferred):
        out.inferred.append(
            Provenance(
                "failure_class",
                found.class_id,
                found.via,
                found.probability,
                found.label or None,
                found.candidates,
            )
        )
        return found.class_id, found.label or found.class_id, found.via, []
    where = spelling.get("class_hints") or spelling.get("title")
    line = out.lines.get(where or "")
    pending = PendingClass(
        found.text if isinstance(found, Deferred) else "",
        tuple(hints),
        line if line is not None else out.raw.line,
    )
    if isinstance(found, Deferred):
        out.pending = pending
        return None, "", "", []
    out.issues.append(unclassified(pending, found, context.taxonomy.version, out.raw.source))
    return None, "?", "", []


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
            if isinstance(raw, int | float) and not isinstance(raw, bool):
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


def normalise(raw: RawRecord, context: Context) -> Normalised:
    """Turn one raw record into a canonical incident, or reject it with located issues."""
    if raw.issues and raw.payload is None:
        return Normalised(None, list(raw.issues))
    payload = raw.payload or {}
    out = _Collector(raw, raw.field_lines)
    out.issues.extend(raw.issues)
    values, spelling, unknown = _canonicalise(payload, context, out)
    if raw.kind == "json" and not any(key != "__people__" for key in values):
        out.add(
            "unknown-format",
            "the payload has no field of an incident record and matches "
            f"none of the formats tried ({', '.join(context.formats_tried)}); its keys: "
            f"{', '.join(list(map(str, payload))[:8]) or 'none'}",
            None,
        )
        return Normalised(None, out.issues)
    given = values.get("id")
    if isinstance(given, dict | list | tuple):
        out.add(
            "invalid-field-type",
            f"`id` is {_type_name(given)}, not a single value (an id is a string or a number)",
            "id",
            spelling=spelling.get("id"),
        )
    timestamp = _timestamp(values, spelling, context, out)
    service_values = _strings(values.get("service"))
    service = " ".join(service_values[0].split()) if service_values else None
    if not service and raw.kind == "markdown" and context.services is not None:
        found = _inferred_service(values, context.services, out)
        if found is not None:
            service = found.service
    class_id, class_label, class_via, other_classes = _failure_class(values, spelling, context, out)
    trace_ids = _trace_ids(values, spelling, context, out)
    present = {
        "timestamp": timestamp is not None
        or values.get("timestamp") not in (None, "")
        or values.get("timeline_start") not in (None, ""),
        "service": bool(service),
        "failure_class": bool(class_label) or out.pending is not None,
        "trace_ids": bool(trace_ids) or bool(_strings(values.get("trace_ids"))),
    }
    require, recommend, key = _policy(context, raw.kind)
    for name in (*require, *recommend):
        missing = not present[name] if name in present else _text(values.get(name)) is None
        if not missing:
            continue
        if name in require:
            out.add(
                "missing-field",
                f"required field `{name}` is missing or empty",
                name,
                spelling=spelling.get(name),
                hint=f"add the field, or map the name your source uses in [fields]; "
                f"[gates] {key}require makes it required",
            )
        else:
            out.add(
                "missing-recommended-field",
                f"recommended field `{name}` is missing",
                name,
                level="warning",
                spelling=spelling.get(name),
                hint=f"add the field when you have it; [gates] {key}recommend lists it",
            )
    errors = [i for i in out.issues if i.level == "error"]
    settled = class_id is not None or out.pending is not None
    if errors or timestamp is None or not service or not settled:
        if not errors:
            # A field the policy does not require is absent, yet the record cannot
            # stand without it: say which.
            for name, ok in (
                ("timestamp", timestamp is not None),
                ("service", bool(service)),
                ("failure_class", settled),
            ):
                if not ok:
                    out.add(
                        "missing-field",
                        f"field `{name}` is needed to store an incident",
                        name,
                        spelling=spelling.get(name),
                    )
        return Normalised(None, out.issues)
    severity_raw = _text(values.get("severity"))
    scale = context.settings.severity
    if severity_raw in context.severity_cache:
        severity = context.severity_cache[severity_raw]
    else:
        severity = normalise_severity(severity_raw, scale.scale, scale.aliases)
        if severity_raw is not None:
            context.severity_cache[severity_raw] = severity
    if severity_raw and severity is None:
        out.add(
            "unknown-severity",
            f"severity {severity_raw!r} is not on the scale "
            f"{', '.join(scale.scale)}; no severity, the spelling kept as severity_raw",
            "severity",
            level="warning",
            spelling=spelling.get("severity"),
        )
    anonymizer = context.anonymizer
    if anonymizer is not None:
        # Every stored field is masked by the same rules: names and lists too.
        service, class_label = anonymizer.mask(service), anonymizer.mask(class_label)
        severity_raw = anonymizer.mask(severity_raw) if severity_raw else severity_raw
        if values.get("dependencies") is not None:
            values["dependencies"] = _mask_any(values["dependencies"], anonymizer)
    texts: dict[str, str | None] = {}
    for name in TEXT_FIELDS:
        text = _text(values.get(name))
        texts[name] = anonymizer.text(text) if (anonymizer and text) else text
    errors_list = _text_list(values, "error_messages", spelling, out)
    sections = _sections(values, spelling, out)
    extra = dict(unknown.items())
    if values.get("tags") is not None:
        extra["tags"] = values["tags"]
    if values.get("source_format") is not None:
        extra["source_format"] = values["source_format"]
    extra = _printable_any(extra)
    people: dict[str, list[str]] = {}
    for key, value in (values.get("__people__") or {}).items():
        people[printable(key)] = anonymizer.people(value) if anonymizer else _strings(value)
    if anonymizer is not None:
        errors_list = [anonymizer.text(message) for message in errors_list]
        # A section under a people heading ("Authors") lists people; others may label some.
        sections = {
            k: anonymizer.mask(anonymizer.people_block(v))
            if field_key(k) in context.people_keys
            else anonymizer.text(v)
            for k, v in sections.items()
        }
        extra = _mask_any(extra, anonymizer)
    ended_at: datetime | None = None
    end_name = "ended_at" if not is_unset_time(values.get("ended_at")) else "timeline_end"
    if not is_unset_time(values.get(end_name)):
        try:
            ended_at = parse_time(values.get(end_name)).value
        except TimeParseError:
            out.add(
                "invalid-timestamp",
                f"end time {values.get(end_name)!r} cannot be read; ignored",
                "ended_at",
                level="warning",
                spelling=spelling.get(end_name),
            )
    given_id = _text(values.get("id"))
    if given_id is not None and anonymizer is not None:
        given_id = anonymizer.identifier(given_id)
    # A record's identity is what it says, never a text model's guess: a better model
    # changes the class of the stored report, it does not make a new one.
    said = "" if class_via in TEXT_MODEL_ROUTES else class_label
    record_id = given_id or derive_id(raw, timestamp, service, said, texts["title"])
    caused_by = _text(values.get("caused_by_rule"))
    if caused_by is not None and anonymizer is not None:
        caused_by = anonymizer.mask(caused_by)
    metrics = _metrics(values.get("metrics"), spelling.get("metrics"), out)
    # A trace shape is cut at '/' and '>': masked hop by hop, so a mask stays whole.
    shape = _text_list(values, "trace_shape", spelling, out, _SHAPE_SPLIT)
    if anonymizer is not None:
        metrics = {anonymizer.mask(name): value for name, value in metrics.items()}
        shape = [anonymizer.mask(hop) for hop in shape]
    incident = Incident(
        id=record_id,
        id_given=given_id is not None,
        timestamp=timestamp,
        service=service,
        failure_class=class_id or "",
        failure_class_raw=class_label,
        failure_class_via=class_via,
        taxonomy_version=context.taxonomy.version,
        source=raw.source,
        line=raw.line,
        kind=raw.kind,
        trace_ids=trace_ids,
        severity=severity,
        severity_raw=severity_raw,
        error_messages=errors_list,
        dependencies=_text_list(values, "dependencies", spelling, out, _LIST_SPLIT),
        metrics=metrics,
        trace_shape=shape,
        other_classes=other_classes,
        people=people,
        sections=sections,
        extra=extra,
        provenance=out.inferred,
        pending_class=out.pending,
        ended_at=ended_at,
        caused_by_rule=caused_by,
        dedup_hint=_text(payload.get("fingerprint")) if isinstance(payload, dict) else None,
        **texts,
    )
    return Normalised(incident, out.issues)
