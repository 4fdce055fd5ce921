"""Vendor payloads: recognise what alerting, paging and tracing tools export, and expand it.

One payload of a tool is not one incident record: an Alertmanager
notification holds a group of alerts, an OTLP export many traces, a PagerDuty
webhook may be about a service rather than an incident.  :class:`Formats`
recognises a payload's shape (a few dictionary lookups, so a plain record,
the canonical shape, pays almost nothing), or takes the format the user
forced with ``--source-format``, and expands it into raw records whose
payloads use canonical field names, each with its line.  What is not an
incident is skipped with a note; a payload that is not of a forced format is
rejected as ``unknown-format`` naming the formats tried.

Adapters: :mod:`.alertmanager` (and Grafana's variant), :mod:`.pagerduty`,
:mod:`.opsgenie`, :mod:`.otlp`, :mod:`.sentry`; formats of the configuration's
``[sources.<name>]`` tables: :mod:`.mapping`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import orjson

from failearn.config import Settings
from failearn.errors import ConfigError, UsageError
from failearn.record import RawRecord
from failearn.sources.reading import reject
from failearn.sources.vendors import alertmanager, opsgenie, otlp, pagerduty, sentry
from failearn.sources.vendors.common import Item, Options
from failearn.sources.vendors.mapping import Mapped

AUTO = "auto"
CANONICAL = "canonical"


class Adapter(Protocol):
    def expand(self, value: dict[str, Any], options: Options) -> list[Item]: ...


@dataclass(frozen=True)
class _Builtin:
    name: str
    detect: Callable[[dict[str, Any]], bool]
    expand: Callable[[dict[str, Any], Options], list[Item]]


# In the order auto-detection tries them: the most specific shapes first.
BUILTIN: dict[str, _Builtin] = {
    b.name: b
    for b in (
        _Builtin(pagerduty.NAME, pagerduty.detect, pagerduty.expand),
        _Builtin(opsgenie.NAME, opsgenie.detect, opsgenie.expand),
        _Builtin(otlp.NAME, otlp.detect, otlp.expand),
        _Builtin(sentry.NAME, sentry.detect, sentry.expand),
        _Builtin(alertmanager.NAME, alertmanager.detect, alertmanager.expand),
        _Builtin(alertmanager.GRAFANA, alertmanager.detect, alertmanager.expand),
    )
}
BUILTIN_NAMES: tuple[str, ...] = tuple(BUILTIN)
# A payload with none of these keys is no built-in vendor's: the plain-record fast path.
TRIGGERS = frozenset(
    {
        "event",
        "event_action",
        "routing_key",
        "alert",
        "resourceSpans",
        "resourceLogs",
        "resourceMetrics",
        "resourceProfiles",
        "event_id",
        "data",
        "alerts",
        "labels",
    }
)


def format_names(settings: Settings) -> tuple[str, ...]:
    """Every format ``--source-format`` accepts, ``auto`` first."""
    return (AUTO, CANONICAL, *BUILTIN_NAMES, *settings.sources)


@dataclass(frozen=True)
class Formats:
    """The formats of one run: the forced one (or auto-detection) and the configured ones."""

    forced: str = AUTO
    options: Options = field(default_factory=Options)
    mappings: dict[str, Mapped] = field(default_factory=dict)
    triggers: frozenset[str] = TRIGGERS

    @classmethod
    def build(cls, settings: Settings, forced: str = AUTO) -> Formats:
        """Validate the configured formats and the forced name (a usage error if unknown)."""
        mappings: dict[str, Mapped] = {}
        for name, table in settings.sources.items():
            if name in BUILTIN or name in (AUTO, CANONICAL):
                raise ConfigError(
                    f"`sources.{name}`: `{name}` is a built-in format; give the table another name"
                )
            mappings[name] = Mapped.build(name, table, settings.anonymize.people_fields)
        names = format_names(settings)
        if forced not in names:
            raise UsageError(
                f"--source-format {forced!r} is not a format", hint="formats: " + ", ".join(names)
            )
        triggers = TRIGGERS | {str(m.detect[0][0]) for m in mappings.values() if m.detect}
        options = Options(service_labels=settings.vendors.service_labels)
        return cls(forced, options, mappings, triggers)

    @property
    def tried(self) -> tuple[str, ...]:
        """The formats auto-detection tries, in order."""
        detecting = tuple(name for name, m in self.mappings.items() if m.detect)
        return (*detecting, *BUILTIN_NAMES, CANONICAL)

    def for_file(self, source: str) -> Mapped | None:
        """The configured format whose ``files`` globs name this file, if any."""
        for mapping in self.mappings.values():
            if mapping.files and mapping.matches_file(source):
                return mapping
        return None

    def _detect(self, value: dict[str, Any]) -> Adapter | None:
        for mapping in self.mappings.values():
            if mapping.detect and mapping.matches(value):
                return mapping
        for builtin in BUILTIN.values():
            if builtin.detect(value):
                return builtin
        return None

    def expand(
        self,
        value: dict[str, Any],
        source: str,
        line: int | None,
        raw: str,
        kind: str,
        file_format: Mapped | None = None,
    ) -> list[RawRecord] | None:
        """The records of a vendor payload, or None for a plain (canonical) record."""
        adapter: Adapter | None
        forced = self.forced
        if file_format is not None:
            adapter = file_format
        elif forced == AUTO:
            if self.triggers.isdisjoint(value):
                return None
            adapter = self._detect(value)
            if adapter is None:
                return None
        elif forced == CANONICAL:
            return None
        else:
            mapping = self.mappings.get(forced)
            if mapping is not None:
                adapter, fits = mapping, not mapping.detect or mapping.matches(value)
            else:
                builtin = BUILTIN[forced]
                adapter, fits = builtin, builtin.detect(value)
            if not fits:
                return [
                    reject(
                        source,
                        kind,
                        "unknown-format",
                        f"the payload is not of the format {forced} (tried: {forced}); "
                        f"its keys: {', '.join(list(map(str, value))[:8])}",
                        line=line,
                        raw=raw,
                    )
                ]
        try:
            items = adapter.expand(value, self.options)
        except (TypeError, AttributeError, ValueError, KeyError, IndexError) as exc:
            # A part of the payload of a type the adapter does not check for.
            name = getattr(adapter, "name", "vendor")
            return [
                reject(
                    source,
                    kind,
                    "malformed-payload",
                    f"the {name} payload cannot be read: {type(exc).__name__}: {exc}",
                    line=line,
                    raw=raw,
                )
            ]
        return self.records(items, source, line, raw, kind)

    @staticmethod
    def records(
        items: list[Item], source: str, line: int | None, raw: str, kind: str
    ) -> list[RawRecord]:
        """Raw records of expanded items, each with its own raw text and line."""
        records: list[RawRecord] = []
        cursor = 0  # items come in the payload's order: search on from the last one found
        counted, lines = 0, 0  # newlines counted so far, up to ``counted``
        for item in items:
            if item.payload is None and item.error is None:
                records.append(
                    RawRecord(
                        source=source,
                        line=line,
                        kind=kind,
                        raw=raw,
                        skip=True,
                        notes=[item.note or "not an incident"],
                    )
                )
                continue
            own = raw if item.document is None else orjson.dumps(item.document).decode()
            where = line
            if item.anchor and line is not None:
                position = _token_at(raw, item.anchor, cursor, item.typed)
                if position < 0:
                    position = _token_at(raw, item.anchor, 0, item.typed)
                else:
                    cursor = position + len(item.anchor)
                if position > 0:
                    if position < counted:
                        counted, lines = 0, 0
                    lines += raw.count("\n", counted, position)
                    counted = position
                    where = line + lines
            if item.error is not None:
                records.append(
                    reject(source, kind, "malformed-payload", item.error, line=where, raw=own)
                )
                continue
            records.append(
                RawRecord(source=source, line=where, kind=kind, raw=own, payload=item.payload)
            )
        return records


_WORD = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def _token_at(raw: str, anchor: str, start: int, typed: bool = False) -> int:
    """Where ``anchor`` first stands in ``raw`` from ``start`` as a JSON value of its own:
    the string ``"A-1"``, or the number 2 (not inside ``2026``, ``503`` or ``"2"``); -1 if
    nowhere.  A ``typed`` anchor is a JSON value as written: a string is quoted."""
    if typed and anchor.startswith('"'):
        return raw.find(anchor, start)
    position = raw.find(anchor, start)
    end = len(anchor)
    while position >= 0:
        before = raw[position - 1] if position else " "
        after = raw[position + end] if position + end < len(raw) else " "
        quoted = before == after == '"'
        if (quoted and not typed) or (
            before not in _WORD and before != '"' and after not in _WORD and after != '"'
        ):
            return position
        position = raw.find(anchor, position + 1)
    return -1


DEFAULT = Formats()
