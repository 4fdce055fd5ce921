"""Time: parsing the timestamps real exports use, durations, ``--as-of`` and ISO weeks.

Everything failearn stores is UTC.  Sources give times in many spellings:
RFC 3339 with ``Z`` or an offset, offsets without a colon (``+0000``), epoch
seconds, milliseconds, microseconds or nanoseconds (as numbers or strings, told
apart by magnitude), RFC 2822 dates from mail-like exports, and times followed by
a zone abbreviation (``10:15 PDT``) as people write them.  A time without any
zone is taken as UTC and flagged, so the caller can warn.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

# Magnitude bounds that tell epoch units apart.  Seconds up to 1e11 reach the
# year 5138; milliseconds from 1e11 start in 1973, which no incident export predates.
_EPOCH_SECONDS_MAX = 1e11
_EPOCH_MILLIS_MAX = 1e14
_EPOCH_MICROS_MAX = 1e17

# Zone abbreviations people write in post-mortems.  Deliberately small and
# unambiguous (IST, CST are left out: they name several zones).
ZONE_ABBREVIATIONS: dict[str, int] = {
    "UTC": 0,
    "GMT": 0,
    "Z": 0,
    "WET": 0,
    "BST": 60,
    "WEST": 60,
    "CET": 60,
    "CEST": 120,
    "EET": 120,
    "EEST": 180,
    "MSK": 180,
    "EST": -300,
    "EDT": -240,
    "CDT": -300,
    "MST": -420,
    "MDT": -360,
    "PST": -480,
    "PDT": -420,
    "AKST": -540,
    "AKDT": -480,
    "HST": -600,
    "JST": 540,
    "KST": 540,
    "AEST": 600,
    "AEDT": 660,
    "NZST": 720,
    "NZDT": 780,
}

_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")
_RFC3339_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d")
_ZONE_SUFFIX = re.compile(
    r"^(?P<body>.+?)\s*(?:\(?\s*(?P<abbr>[A-Z]{1,5})\s*\)?|(?P<utc>(?:UTC|GMT)\s*(?P<sign>[+-])"
    r"\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?))$"
)
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$", re.IGNORECASE)
_DURATION_UNITS = {
    "ms": timedelta(milliseconds=1),
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_MAX_DURATION = timedelta(days=36_525)
_NOT_SET = {"0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:00", "0001-01-01 00:00:00"}


class TimeParseError(ValueError):
    """A value that is not a time failearn can read."""


@dataclass(frozen=True, slots=True)
class ParsedTime:
    """A parsed instant, in UTC, and whether the source gave no zone at all."""

    value: datetime
    naive: bool = False


def from_epoch(number: float) -> datetime:
    """Epoch seconds, milliseconds, microseconds or nanoseconds, told apart by magnitude."""
    magnitude = abs(number)
    try:
        if magnitude < _EPOCH_SECONDS_MAX:
            seconds = float(number)
        elif magnitude < _EPOCH_MILLIS_MAX:
            seconds = number / 1e3
        elif magnitude < _EPOCH_MICROS_MAX:
            seconds = number / 1e6
        else:
            seconds = number / 1e9  # an integer beyond any float overflows here
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise TimeParseError(f"epoch value {_quoted(number)} is out of range") from exc


def _quoted(value: object) -> str:
    """A value as an error message quotes it: at most 40 characters."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _epoch_from_string(text: str) -> datetime:
    try:
        # Integers as strings: keep full precision for nanoseconds.
        value = float(text) if "." in text else int(text)
    except ValueError as exc:  # more digits than Python converts
        raise TimeParseError(f"epoch value {_quoted(text)} is out of range") from exc
    if isinstance(value, float):
        return from_epoch(value)
    if abs(value) >= _EPOCH_MICROS_MAX:
        seconds, nanos = divmod(value, 1_000_000_000)
        try:
            return datetime.fromtimestamp(seconds, tz=UTC) + timedelta(microseconds=nanos // 1000)
        except (OverflowError, OSError, ValueError) as exc:
            raise TimeParseError(f"epoch value {_quoted(text)} is out of range") from exc
    return from_epoch(value)


def _with_zone(parsed: datetime, minutes: int) -> datetime:
    return parsed.replace(tzinfo=timezone(timedelta(minutes=minutes)))


def _utc(parsed: datetime, written: object) -> datetime:
    """An aware time in UTC; a time whose UTC instant falls outside the years 1-9999
    (``9999-12-31T23:59:59-05:00``) is not a time failearn can store."""
    try:
        return parsed.astimezone(UTC)
    except (OverflowError, ValueError) as exc:
        raise TimeParseError(f"{written!r} is outside the years 1 to 9999 in UTC") from exc


def parse_time(value: object) -> ParsedTime:
    """Parse one timestamp as sources give it; raise :class:`TimeParseError` if unreadable."""
    if isinstance(value, bool) or value is None:
        raise TimeParseError(f"{value!r} is not a time")
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return ParsedTime(value.replace(tzinfo=UTC), naive=True)
        return ParsedTime(_utc(value, value.isoformat()))
    if isinstance(value, date):
        return ParsedTime(datetime(value.year, value.month, value.day, tzinfo=UTC), naive=True)
    if isinstance(value, int | float):
        return ParsedTime(from_epoch(value))
    if not isinstance(value, str):
        raise TimeParseError(f"a {type(value).__name__} is not a time")
    text = value.strip()
    if not text:
        raise TimeParseError("the time is empty")
    if text[-1].isdigit() and _NUMBER.match(text):  # a number ends in a digit
        return ParsedTime(_epoch_from_string(text))
    try:
        parsed = _parse_text(text)
    except (OverflowError, ValueError) as exc:
        raise TimeParseError(f"{text!r} is outside the years 1 to 9999") from exc
    if parsed is None:
        raise TimeParseError(f"{text!r} is not a time failearn can read")
    if parsed.tzinfo is None:
        return ParsedTime(parsed.replace(tzinfo=UTC), naive=True)
    return ParsedTime(_utc(parsed, text))


def _parse_text(text: str) -> datetime | None:
    candidate = text.replace(" UTC", "Z") if text.endswith(" UTC") else text
    if candidate.endswith("z") and _RFC3339_DATE.match(candidate):
        candidate = candidate[:-1] + "Z"  # RFC 3339 allows a lower-case z (and t)
    try:
        return datetime.fromisoformat(candidate)
    except ValueError:
        pass
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        parsed = None
    if parsed is not None:
        return parsed
    match = _ZONE_SUFFIX.match(text)
    if match is None:
        return None
    body = match.group("body").strip().rstrip(",")
    try:
        local = datetime.fromisoformat(body)
    except ValueError:
        return None
    if local.tzinfo is not None:
        return None
    if match.group("utc"):
        sign = -1 if match.group("sign") == "-" else 1
        minutes = int(match.group("hh")) * 60 + int(match.group("mm") or 0)
        return _with_zone(local, sign * minutes)
    abbr = match.group("abbr")
    if abbr not in ZONE_ABBREVIATIONS:
        return None
    return _with_zone(local, ZONE_ABBREVIATIONS[abbr])


def is_unset_time(value: object) -> bool:
    """True for the placeholders exporters send for "no time" (Grafana's year 1)."""
    if value is None or value == "" or value == 0:
        return True
    return isinstance(value, str) and value.strip() in _NOT_SET


def parse_duration(text: str | int | float) -> timedelta:
    """Parse ``5m``, ``30m``, ``7d``, ``90d``, ``2h``, ``1w``, ``500ms``; a number is seconds."""
    if isinstance(text, bool):
        raise ValueError(f"{str(text).lower()} is not a duration (write e.g. 5m, 30m, 7d, 90d)")
    if isinstance(text, int | float):
        if not math.isfinite(text) or text < 0:
            raise ValueError(f"{text!r} is not a duration (a number of seconds, 0 or more)")
        if text > _MAX_DURATION.total_seconds():
            raise ValueError(f"{text!r} is longer than failearn can look back (100 years)")
        return timedelta(seconds=text)
    match = _DURATION.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a duration (write e.g. 5m, 30m, 7d, 90d)")
    try:
        value = float(match.group(1)) * _DURATION_UNITS[match.group(2).lower()]
    except OverflowError:
        value = _MAX_DURATION * 2
    if value > _MAX_DURATION:
        raise ValueError(f"{text!r} is longer than failearn can look back (100 years)")
    return value


def format_duration(delta: timedelta) -> str:
    """The shortest exact spelling of a duration in the units of :func:`parse_duration`."""
    seconds = delta.total_seconds()
    if not seconds:
        return "0s"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{int(seconds * 1000)}ms"


AS_OF_YEARS = (1970, 9000)


def parse_as_of(text: str | None, *, now: datetime | None = None) -> datetime:
    """The reference instant of a time-dependent command.

    A date (``2026-11-23``) means the start of that day, UTC: windows end just
    before it, so ``--as-of`` a Monday covers the ISO week that ended the
    Sunday before.  A date-time (ISO 8601) is taken as given, UTC when it names
    no zone.  Unlike a source's timestamps, nothing else is guessed at: an
    option is typed by a person who can write it exactly.
    """
    if text is None:
        return (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    value = text.strip()
    hint = "write a date (2026-11-23) or a date-time (2026-11-23T09:00:00Z)"
    try:
        if "T" in value or " " in value or ":" in value:
            parsed = datetime.fromisoformat(value)
            parsed = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed
        else:
            day = date.fromisoformat(value)
            parsed = datetime(day.year, day.month, day.day, tzinfo=UTC)
        parsed = parsed.astimezone(UTC)
    except (ValueError, OverflowError) as exc:
        raise ValueError(f"--as-of {text!r}: {hint}") from exc
    if not AS_OF_YEARS[0] <= parsed.year <= AS_OF_YEARS[1]:
        raise ValueError(
            f"--as-of {text!r}: the year must be between {AS_OF_YEARS[0]} and {AS_OF_YEARS[1]}"
        )
    return parsed


def iso(value: datetime) -> str:
    """UTC ISO 8601 to the second with a ``Z`` suffix: ``2026-11-02T14:03:00Z``.

    One fixed width, so stored times sort as text.
    """
    # In UTC the ISO form ends in "+00:00": that is the "Z".
    return value.astimezone(UTC).isoformat(timespec="seconds")[:-6] + "Z"


def from_iso(text: str) -> datetime:
    """Read back a time failearn stored."""
    return datetime.fromisoformat(text).astimezone(UTC)


def week_start(value: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week that holds ``value``."""
    utc = value.astimezone(UTC)
    monday = utc.date() - timedelta(days=utc.weekday())
    return datetime(monday.year, monday.month, monday.day, tzinfo=UTC)


def iso_week_label(value: datetime) -> str:
    """``2026-W47``."""
    year, week, _ = value.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"
