"""Normalise raw records into canonical incidents, through the quality gates.

Pure functions over plain data: a :class:`~failearn.record.RawRecord` and a
:class:`Context` in, a :class:`Normalised` (an incident, or located issues)
out.  No I/O, so every gate can be tested with a table of cases.

The work is split by what it reads: :mod:`~failearn.capture.normalise.fields` (names,
lists, ids), :mod:`~failearn.capture.normalise.text` (text made safe) and
:mod:`~failearn.capture.normalise.gates` (time, class, service).
Every gate failure is an :class:`~failearn.record.Issue` with a stable code
from :mod:`failearn.codes`, the field, and the line the field was written on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from failearn.capture.anonymize import PEOPLE_LABELS, Anonymizer
from failearn.capture.classify import (
    TEXT_MODEL_ROUTES,
    Classifier,
    TextModel,
    taxonomy_model,
)
from failearn.capture.normalise.fields import (
    BUILTIN_ALIASES,
    LIST_SPLIT,
    SHAPE_SPLIT,
    _canonicalise,
    _Collector,
    _mask_any,
    _metrics,
    _policy,
    _sections,
    _text_list,
    _trace_ids,
    derive_id,
    field_key,
)
from failearn.capture.normalise.gates import (
    _failure_class,
    _inferred_service,
    _timestamp,
    check_class_mapping,
    normalised_mapping,
)
from failearn.capture.normalise.text import (
    _printable_any,
    _strings,
    _text,
    _type_name,
    printable,
)
from failearn.capture.services import ServiceFinder
from failearn.capture.severity import normalise_severity
from failearn.config import Settings
from failearn.record import (
    CANONICAL_FIELDS,
    EXTRA_FIELDS,
    TEXT_FIELDS,
    Incident,
    Issue,
    RawRecord,
)
from failearn.sources.vendors import BUILTIN_NAMES
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import TimeParseError, is_unset_time, parse_time


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
    # Trace shapes given as lists of text, as stored (they recur from record to record).
    shape_cache: dict[tuple[str, ...], list[str]] = field(default_factory=dict)
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


@dataclass(slots=True)
class Normalised:
    """The outcome of normalising one record: an incident, or the errors that reject it."""

    incident: Incident | None
    issues: list[Issue]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]


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
    gated = _gated(values, spelling, context, out)
    if gated is None:
        return Normalised(None, out.issues)
    fields = _Fields(values, spelling, unknown, context, out)
    return Normalised(fields.incident(gated, payload), out.issues)


class _Gated(NamedTuple):
    """What the gates made of a record that passed them."""

    timestamp: datetime
    service: str
    class_id: str | None
    class_label: str
    class_via: str
    other_classes: list[str]
    trace_ids: list[str]


def _gated(
    values: dict[str, Any], spelling: dict[str, str], context: Context, out: _Collector
) -> _Gated | None:
    """The record's time, service, class and trace ids through the gates; None (and the
    issues say why) when it cannot be stored."""
    raw = out.raw
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
        "trace_ids": bool(trace_ids),
    }
    _check_policy(values, spelling, present, context, out)
    errors = any(issue.level == "error" for issue in out.issues)
    settled = class_id is not None or out.pending is not None
    if errors or timestamp is None or not service or not settled:
        if not errors:
            _say_needed(timestamp is not None, bool(service), settled, spelling, out)
        return None
    return _Gated(timestamp, service, class_id, class_label, class_via, other_classes, trace_ids)


def _check_policy(
    values: dict[str, Any],
    spelling: dict[str, str],
    present: dict[str, bool],
    context: Context,
    out: _Collector,
) -> None:
    """A required field missing is an error, a recommended one a warning."""
    require, recommend, key = _policy(context, out.raw.kind)
    for name in (*require, *recommend):
        if name in present:
            missing = not present[name]
            if name == "trace_ids" and missing:
                missing = not _strings(values.get("trace_ids"))
        else:
            missing = _text(values.get(name)) is None
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


def _say_needed(
    timestamp: bool, service: bool, settled: bool, spelling: dict[str, str], out: _Collector
) -> None:
    """A field the policy does not require is absent, yet the record cannot stand without
    it: say which."""
    for name, ok in (("timestamp", timestamp), ("service", service), ("failure_class", settled)):
        if not ok:
            out.add(
                "missing-field",
                f"field `{name}` is needed to store an incident",
                name,
                spelling=spelling.get(name),
            )


class _Fields:
    """The fields of a record that passed the gates, read (and masked) into an incident."""

    def __init__(
        self,
        values: dict[str, Any],
        spelling: dict[str, str],
        unknown: dict[str, Any],
        context: Context,
        out: _Collector,
    ) -> None:
        self.values = values
        self.spelling = spelling
        self.unknown = unknown
        self.context = context
        self.out = out
        self.anonymizer = context.anonymizer

    def incident(self, gated: _Gated, payload: dict[str, Any]) -> Incident:
        raw, values, spelling, out, anonymizer = (
            self.out.raw,
            self.values,
            self.spelling,
            self.out,
            self.anonymizer,
        )
        service, class_label = gated.service, gated.class_label
        severity, severity_raw = self.severity()
        if anonymizer is not None:
            # Every stored field is masked by the same rules: names and lists too.
            service, class_label = anonymizer.mask(service), anonymizer.mask(class_label)
            severity_raw = anonymizer.mask(severity_raw) if severity_raw else severity_raw
            if values.get("dependencies") is not None:
                values["dependencies"] = _mask_any(values["dependencies"], anonymizer)
        texts = self.texts()
        errors_list, sections, extra, people = self.details()
        ended_at = self.ended_at()
        # A record's identity is what it says, never a text model's guess: a better model
        # changes the class of the stored report, it does not make a new one.
        said = "" if gated.class_via in TEXT_MODEL_ROUTES else class_label
        given_id = self.given_id()
        record_id = given_id or derive_id(raw, gated.timestamp, service, said, texts["title"])
        caused_by = _text(values.get("caused_by_rule"))
        if caused_by is not None and anonymizer is not None:
            caused_by = anonymizer.mask(caused_by)
        metrics, shape = self.metrics_and_shape()
        return Incident(
            id=record_id,
            id_given=given_id is not None,
            timestamp=gated.timestamp,
            service=service,
            failure_class=gated.class_id or "",
            failure_class_raw=class_label,
            failure_class_via=gated.class_via,
            taxonomy_version=self.context.taxonomy.version,
            source=raw.source,
            line=raw.line,
            kind=raw.kind,
            trace_ids=gated.trace_ids,
            severity=severity,
            severity_raw=severity_raw,
            error_messages=errors_list,
            dependencies=_text_list(values, "dependencies", spelling, out, LIST_SPLIT),
            metrics=metrics,
            trace_shape=shape,
            other_classes=gated.other_classes,
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

    def severity(self) -> tuple[str | None, str | None]:
        """(severity on the scale, as written); a severity off the scale is a warning."""
        context = self.context
        severity_raw = _text(self.values.get("severity"))
        scale = context.settings.severity
        if severity_raw in context.severity_cache:
            severity = context.severity_cache[severity_raw]
        else:
            severity = normalise_severity(severity_raw, scale.scale, scale.aliases)
            if severity_raw is not None:
                context.severity_cache[severity_raw] = severity
        if severity_raw and severity is None:
            self.out.add(
                "unknown-severity",
                f"severity {severity_raw!r} is not on the scale "
                f"{', '.join(scale.scale)}; no severity, the spelling kept as severity_raw",
                "severity",
                level="warning",
                spelling=self.spelling.get("severity"),
            )
        return severity, severity_raw

    def texts(self) -> dict[str, str | None]:
        anonymizer, values = self.anonymizer, self.values
        texts: dict[str, str | None] = {}
        for name in TEXT_FIELDS:
            text = _text(values.get(name))
            texts[name] = anonymizer.text(text) if (anonymizer and text) else text
        return texts

    def details(
        self,
    ) -> tuple[list[str], dict[str, str], dict[str, Any], dict[str, list[str]]]:
        """(error messages, sections, extra fields, people), as stored."""
        values, anonymizer = self.values, self.anonymizer
        errors_list = _text_list(values, "error_messages", self.spelling, self.out)
        sections = _sections(values, self.spelling, self.out)
        extra = dict(self.unknown.items())
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
            # A section under a people heading ("Authors") lists people; others may label
            # some.
            sections = {
                k: anonymizer.mask(anonymizer.people_block(v))
                if field_key(k) in self.context.people_keys
                else anonymizer.text(v)
                for k, v in sections.items()
            }
            extra = _mask_any(extra, anonymizer)
        return errors_list, sections, extra, people

    def ended_at(self) -> datetime | None:
        values = self.values
        end_name = "ended_at" if not is_unset_time(values.get("ended_at")) else "timeline_end"
        if is_unset_time(values.get(end_name)):
            return None
        try:
            return parse_time(values.get(end_name)).value
        except TimeParseError:
            self.out.add(
                "invalid-timestamp",
                f"end time {values.get(end_name)!r} cannot be read; ignored",
                "ended_at",
                level="warning",
                spelling=self.spelling.get(end_name),
            )
            return None

    def given_id(self) -> str | None:
        given_id = _text(self.values.get("id"))
        if given_id is not None and self.anonymizer is not None:
            given_id = self.anonymizer.identifier(given_id)
        return given_id

    def metrics_and_shape(self) -> tuple[dict[str, float], list[str]]:
        metrics = _metrics(self.values.get("metrics"), self.spelling.get("metrics"), self.out)
        if self.anonymizer is not None:
            mask = self.anonymizer.mask
            metrics = {mask(name): value for name, value in metrics.items()}
        given = self.values.get("trace_shape")
        if type(given) is not list or len(given) > _SHAPE_HOPS or not _all_text(given):
            return metrics, self.shape()
        # A list of text raises no issue: its shape as stored is remembered.
        key = tuple(given)
        cache = self.context.shape_cache
        shape = cache.get(key)
        if shape is None:
            if len(cache) >= _SHAPES:
                cache.clear()
            shape = cache[key] = self.shape()
        return metrics, list(shape)

    def shape(self) -> list[str]:
        # A trace shape is cut at '/' and '>': masked hop by hop, so a mask stays whole.
        shape = _text_list(self.values, "trace_shape", self.spelling, self.out, SHAPE_SPLIT)
        if self.anonymizer is not None:
            shape = [self.anonymizer.mask(hop) for hop in shape]
        return shape


# Trace shapes remembered: up to this many, of up to this many hops of short text.
_SHAPES = 4096
_SHAPE_HOPS = 16
_SHAPE_TEXT = 80


def _all_text(items: list[Any]) -> bool:
    return all(type(item) is str and len(item) <= _SHAPE_TEXT for item in items)
