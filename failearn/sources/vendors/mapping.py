"""Source formats defined in the configuration: ``[sources.<name>]``.

For exports no adapter knows, a team writes the shape down instead of
converting files: dotted paths (with list indexing) from the payload to each
canonical field, constants for what the export never says, and its own class
labels.  The same table can name files (``files`` globs): a Markdown
post-mortem matched so keeps everything it says and gains what the table adds.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Any

import orjson

from failearn.config import SourceMapping
from failearn.errors import ConfigError
from failearn.record import CANONICAL_FIELDS
from failearn.sources.postmortem import zone_named
from failearn.sources.vendors.common import (
    Item,
    Options,
    compact,
    get_path,
    malformed,
    parse_path,
    text,
    wrong_type,
)
from failearn.timeutil import iso

MAPPABLE = (*CANONICAL_FIELDS, "ended_at", "tags", "class_hints", "caused_by_rule")
_TIME_FIELDS = ("timestamp", "ended_at", "timeline_start", "timeline_end")


@dataclass(frozen=True)
class Mapped:
    """One ``[sources.<name>]`` table, validated and with its paths parsed."""

    name: str
    detect: tuple[tuple[str | int, ...], ...]
    files: tuple[str, ...]
    records: tuple[str | int, ...] | None
    fields: dict[str, tuple[tuple[str | int, ...], ...]]
    constants: dict[str, Any]
    classes: dict[str, str]
    services: tuple[tuple[str, re.Pattern[str]], ...]
    timezone: tzinfo | None = None

    @classmethod
    def build(cls, name: str, table: SourceMapping, people: tuple[str, ...]) -> Mapped:
        where = f"sources.{name}"
        allowed = {*MAPPABLE, *people}

        def path(text_path: str, key: str) -> tuple[str | int, ...]:
            try:
                return tuple(parse_path(text_path))
            except ValueError as exc:
                raise ConfigError(f"`{where}.{key}`: {exc}") from exc

        for key in (*table.fields, *table.constants):
            if key not in allowed:
                raise ConfigError(
                    f"`{where}`: unknown field `{key}`",
                    hint="fields: " + ", ".join(sorted(MAPPABLE)),
                )
        services: list[tuple[str, re.Pattern[str]]] = []
        for service, pattern in table.services.items():
            try:
                services.append((service, re.compile(pattern, re.IGNORECASE)))
            except re.error as exc:
                raise ConfigError(
                    f"`{where}.services.{service}`: not a regular expression: {exc}"
                ) from exc
        zone = None
        if table.timezone:
            zone = zone_named(table.timezone)
            if zone is None:
                raise ConfigError(
                    f"`{where}.timezone`: {table.timezone!r} is not a time zone",
                    hint="write a zone name (Europe/London), an abbreviation "
                    "(PDT) or an offset (UTC+2)",
                )
        return cls(
            name=name,
            detect=tuple(path(p, "detect") for p in table.detect),
            files=table.files,
            records=path(table.records, "records") if table.records else None,
            fields={
                key: tuple(path(p, f"fields.{key}") for p in paths)
                for key, paths in table.fields.items()
            },
            constants=dict(table.constants),
            classes=dict(table.classes),
            services=tuple(services),
            timezone=zone,
        )

    def matches(self, value: dict[str, Any]) -> bool:
        """Whether a payload has every ``detect`` path (a table without any never matches)."""
        return bool(self.detect) and all(get_path(value, p) is not None for p in self.detect)

    def matches_file(self, source: str) -> bool:
        """Whether a file (its path as shown) is one of ``files``."""
        return any(
            fnmatch.fnmatch(source, pattern) or fnmatch.fnmatch(source, "*/" + pattern)
            for pattern in self.files
        )

    def _paths(self, element: Any) -> dict[str, Any]:
        record: dict[str, Any] = {}
        for key, paths in self.fields.items():
            for steps in paths:
                value = get_path(element, steps)
                if value not in (None, "", [], {}):
                    record[key] = value
                    break
        return record

    def _fill(self, record: dict[str, Any]) -> dict[str, Any]:
        """A service named in the text, then constants, appended after what is there.

        Appended, because normalisation takes the first spelling of a field:
        a value the payload gives (under any alias) wins over a constant.
        """
        if not text(record.get("service")) and self.services:
            for field in ("title", "summary"):
                written = text(record.get(field)) or ""
                found = next((s for s, p in self.services if p.search(written)), None)
                if found:
                    record.pop("service", None)
                    record["service"] = found
                    break
        for key, value in self.constants.items():
            if record.get(key) in (None, "", [], {}):
                record.pop(key, None)
                record[key] = value
        if self.timezone is not None:
            for key in _TIME_FIELDS:
                local = record.get(key)
                if isinstance(local, str):
                    record[key] = _in_zone(local, self.timezone)
        record["source_format"] = self.name
        return record

    def map(self, element: Any) -> dict[str, Any]:
        """A payload of this format in canonical fields (only what the table maps)."""
        return compact(self._fill(self._paths(element)))

    def overlay(self, payload: dict[str, Any]) -> dict[str, Any]:
        """A payload read by another source (a post-mortem) with what this table adds:
        mapped paths first, then the payload, then constants for what is still missing."""
        mapped = self._paths(payload)
        return self._fill({**mapped, **{k: v for k, v in payload.items() if k not in mapped}})

    def expand(self, value: dict[str, Any], options: Options) -> list[Item]:
        del options
        if self.records is None:
            return [Item(self.map(value))]
        elements = get_path(value, self.records)
        where = _show(self.records)
        if elements == []:  # an export of an empty batch
            return [Item(None, note=f"no records at `{where}` (format {self.name})")]
        if elements is None:
            return [
                malformed(
                    f"format {self.name}: the payload has no records at `{where}` "
                    "(missing or null); is it of this format?"
                )
            ]
        if not isinstance(elements, list):
            return [
                malformed(
                    f"format {self.name}: " + wrong_type(where, elements, "a list of records")
                )
            ]
        items = []
        for n, element in enumerate(elements):
            if not isinstance(element, dict):
                items.append(
                    malformed(
                        f"format {self.name}: "
                        + wrong_type(f"{where}[{n}]", element, "a record object"),
                        element,
                    )
                )
                continue
            record = self.map(element)
            # Located by the id the table maps (e.g. `ref`), as JSON writes it.
            given = record.get("id")
            if isinstance(given, str | int) and not isinstance(given, bool):
                items.append(Item(record, element, orjson.dumps(given).decode(), typed=True))
            else:
                items.append(Item(record, element, _anchor(element)))
        return items


def _in_zone(value: str, zone: tzinfo) -> str:
    """A time written without a zone, read in ``zone`` and written in UTC; others unchanged."""
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return value
    if parsed.tzinfo is not None:
        return value
    local = parsed.replace(tzinfo=zone)
    try:
        return iso(local)
    except OverflowError:  # beyond 9999-12-31 in UTC: left for the gate to reject
        return local.isoformat()


def _show(steps: tuple[str | int, ...]) -> str:
    return "".join(f"[{s}]" if isinstance(s, int) else f".{s}" for s in steps).lstrip(".")


def _anchor(element: dict[str, Any]) -> str | None:
    for key in ("id", "uid", "uuid", "key", "reference"):
        found = text(element.get(key))
        if found:
            return found
    return None
