"""The quality gates of a record: its time, its failure class, its service.

Each gate reads a field, resolves it (a timestamp as written, a label through the
taxonomy and the configuration's mapping, a class or service inferred when the record
names none) and reports what it could not do as an issue with a stable code from
:mod:`failearn.codes`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from failearn.capture.classify import (
    Abstained,
    Deferred,
    Inferred,
    PendingClass,
)
from failearn.capture.normalise.fields import (
    _blank,
    _canonicalise,
    _Collector,
)
from failearn.capture.normalise.text import (
    _as_written,
    _strings,
    _text,
    printable,
)
from failearn.capture.services import ServiceFinder, ServiceFound
from failearn.config import Settings
from failearn.errors import ConfigError
from failearn.provenance import Provenance
from failearn.record import (
    Issue,
    RawRecord,
)
from failearn.sources.postmortem import DateProblem, read_written_time
from failearn.taxonomy.file import Resolution, Taxonomy, normalise_label
from failearn.timeutil import ParsedTime, TimeParseError, iso, parse_time

if TYPE_CHECKING:
    from failearn.capture.normalise import Context


# The text a class is inferred from, when a record names none, and what each part weighs.
INFERENCE_TEXT = (("title", 3), ("root_cause", 2), ("summary", 1), ("resolution", 1))


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


_DAY_ONLY = re.compile(r"^\s*\d{4}-\d{2}-\d{2}\s*$")


def _day_only(value: Any) -> date | None:
    """The day a value names when it names no time of day (``2019-01-23``)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    # A day is ten characters (and str.strip takes the spaces ``\s`` matches).
    if isinstance(value, str) and len(value.strip()) == 10 and _DAY_ONLY.match(value):
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


# The routes of a label that names a class split in parts (the part depends on the text).
_SPLIT_ROUTES = ("split", "split-default")


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
    text: str | None = None
    for label in labels:
        resolution = resolve_label(context.taxonomy, label, mapping)
        if resolution is not None and resolution.via in _SPLIT_ROUTES:
            # A label naming a class that was split in parts is placed by the record's text.
            text = _class_text(values) if text is None else text
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
        other = normalise_label(name)
        if abs(len(other) - len(wanted)) > limit:
            continue  # at least that many edits apart: a long label costs no quadratic work
        distance = edit_distance(wanted, other)
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
