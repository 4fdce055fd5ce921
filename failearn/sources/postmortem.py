"""What post-mortems say outside front matter: labelled fields, timelines, time zones.

Teams write the facts of an incident in the body: in the first lines
(``Date: 2019-01-23``, ``**Service**: prow``), in a metadata table
(``| Severity | SEV2 |``), in bold bullets (``- **Time to repair**: 4h 27m``),
and in a timeline (a table or a list, ``- 2:54 PM PST: …``, ``[08:47] …``,
``| 2026-03-12 14:06 | … |``) whose times are in the post-mortem's own zone
when it names one ("All times in PDT (UTC-7)", "Timeline (UTC+2)").
Pure functions over text; :mod:`failearn.sources.markdown` puts them together.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo

from failearn.timeutil import ZONE_ABBREVIATIONS

_MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_ISO_DATE = r"(?P<y>\d{4})[-/](?P<mo>\d{1,2})[-/](?P<d>\d{1,2})"
_WORD_DATE = (
    rf"(?P<wm>{_MONTH})\s+(?P<wd>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<wy>\d{{4}})"
    rf"|(?P<wd2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<wm2>{_MONTH}),?\s+(?P<wy2>\d{{4}})"
)
DATE = re.compile(rf"{_ISO_DATE}|{_WORD_DATE}", re.IGNORECASE)
_YEAR = re.compile(r"\d{4}")
# Named zones first: "Pacific Time" must not stop at an abbreviation-like "Pacif".
_ZONE = (
    r"(?P<zone>(?:Pacific|Eastern|Central|Mountain)\s+Time"
    r"|(?:UTC|GMT)\s*[+\-−]\s*\d{1,2}(?::?\d{2})?|UTC|GMT|Z|[A-Z]{2,5}(?![A-Za-z]))"
)
_TIME = (
    r"(?P<h>\d{1,2})(?P<sep>[:.])(?P<mi>\d{2})(?::(?P<s>\d{2}))?(?:\.\d+)?"
    r"(?:\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?))?"
)
# A date with a time beside it, anywhere in an entry: "Fault occurs 2020-02-12 11:45".
_ABOUT = r"(?:(?:ca\.?|circa|approx\.?|about|around|~)\s*)?"
_DATETIME = re.compile(
    rf"(?:{_ISO_DATE}|{_WORD_DATE}|(?P<md_m>\d{{1,2}})-(?P<md_d>\d{{1,2}}))(?:[ T,]+|\s+at\s+)"
    rf"{_ABOUT}{_TIME}(?:\s*\(?{_ZONE}\)?(?![\w]))?",
    re.IGNORECASE,
)
# A time that opens an entry: "2:54 PM PST: …", "[08:47] …", "**14:03** …".
_LEADING_TIME = re.compile(
    rf"^[\s>*+\-|#]*(?:\[|\*\*|`)?\s*{_ABOUT}{_TIME.replace('(?P<sep>[:.])', '(?P<sep>:)')}"
    rf"(?:\s*\(?{_ZONE}\)?(?![\w]))?(?:\]|\*\*|`)?(?:\s*[:\-–—|]|\s|$)",
    re.IGNORECASE,
)
_DATE_LINE = re.compile(rf"^[\s>*+\-#|]*(?:\*\*)?\s*(?:{_ISO_DATE})\s*(?:\*\*)?\s*:?\s*$")
_ISO_ANYWHERE = re.compile(_ISO_DATE)
_ALL_TIMES = re.compile(
    rf"(?:all\s+)?(?:times?|timeline)\s+(?:is\s+|are\s+|listed\s+|shown\s+)?(?:in\s+)?\(?"
    rf"(?:{_ZONE}|(?P<iana>[A-Za-z]+/[A-Za-z_]+(?:/[A-Za-z_]+)?))\)?"
    rf"(?:\s*\((?P<offset>(?:UTC|GMT)\s*[+\-−]\s*\d{{1,2}}(?::?\d{{2}})?)\))?",
    re.IGNORECASE,
)
_ZONE_IN_HEADING = re.compile(rf"\(\s*(?:all\s+times\s+(?:in\s+)?)?{_ZONE}\s*\)", re.IGNORECASE)
_NAMED_ZONES = {
    "pacific time": "America/Los_Angeles",
    "eastern time": "America/New_York",
    "central time": "America/Chicago",
    "mountain time": "America/Denver",
}

START = re.compile(
    r"(?i)\b(?:outage|incident|impact|problem|issue|fault|degradation|downtime|failure|errors?)"
    r"\s+(?:begins?|began|start(?:s|ed)?|occur(?:s|red)?)\b|\bfirst\s+(?:detected|noticed|seen)\b"
    r"|\bfault\s+detected\b|\bincident\s+start\b"
)
END = re.compile(
    r"(?i)\b(?:outage|incident|impact|downtime|problem)\s+(?:ends?|ended|is\s+over)\b"
    r"|\b(?:fully\s+)?resolved\b|\bservice\s+restored\b"
)

_DURATION = re.compile(r"(?i)(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?|s|secs?)\b")
_DURATION_UNITS = {"d": 1440, "h": 60, "m": 1, "s": 1 / 60}
DURATION_LABELS = {
    "time to repair": "time_to_repair_minutes",
    "time to resolve": "time_to_resolve_minutes",
    "time to detect": "time_to_detect_minutes",
    "time to mitigate": "time_to_mitigate_minutes",
    "time to recover": "time_to_recover_minutes",
    "ttr": "time_to_resolve_minutes",
    "ttd": "time_to_detect_minutes",
    "ttm": "time_to_mitigate_minutes",
    "mttr": "time_to_repair_minutes",
    "duration": "duration_minutes",
    "outage duration": "duration_minutes",
    "time to acknowledge": "time_to_acknowledge_minutes",
}
# Labels of body metadata that name a canonical field (others are kept as written).
BODY_FIELDS = {
    "affected service": "service",
    "affected services": "service",
    "impacted service": "service",
    "impacted services": "service",
    "services": "service",
    "service": "service",
    "severity": "severity",
    "incident severity": "severity",
    "severity level": "severity",
}
# Names a start time goes by in front matter and records (besides ``timestamp``).
START_FIELDS = (
    "started_at",
    "occurred_at",
    "start",
    "started",
    "detected_at",
    "date",
    "incident_date",
    "start_time",
    "start_date",
    "start_datetime",
    "incident_start",
    "date_of_incident",
    "detected",
    "detected_on",
    "began",
    "began_at",
    "impact_start",
    "outage_start",
)
DATE_LABELS = (
    "date",
    "incident date",
    "start time",
    "start date",
    "start date time",
    "started",
    "start",
    "began",
    "date of incident",
    "incident start",
)
_BOLD_LABEL = re.compile(
    r"^(?P<indent>\s*)(?:[-*+]\s+)?\*\*(?P<label>[^*\n]{1,60}?)\s*:?\s*\*\*\s*:?\s*(?P<rest>.*)$"
)
_PLAIN_LABEL = re.compile(r"^\s*(?P<label>[A-Za-z][\w /()&'\-]{0,40}?)\s*:\s+(?P<rest>\S.*?)\s*$")
_LABEL_KEY = re.compile(r"[^\w\s]+")


def label_key(label: str) -> str:
    """A label as lower-case words: ``**Time to repair**:`` is ``time to repair``."""
    return " ".join(_LABEL_KEY.sub(" ", label.replace("*", "").casefold()).split())


# -- labelled fields ---------------------------------------------------------------------


@dataclass(slots=True)
class Labelled:
    """One ``**Label**: value`` item: its label, its text (nested lines included), its line."""

    label: str
    value: str
    line: int
    indent: int


def labelled_items(
    lines: list[str], first_line: int, known: Iterable[str] = ()
) -> list[Labelled] | None:
    """The bold-label items of a list block, or None when it is not such a list.

    A nested bullet starts a new item only when its label names a known section
    (``- **Resolution**:`` inside ``- **Context**:``); otherwise it is the text of
    the item above it.
    """
    known_keys = set(known)
    items: list[Labelled] = []
    first = next((line for line in lines if line.strip()), "")
    if not _BOLD_LABEL.match(first):
        return None
    base_indent = len(first) - len(first.lstrip())
    for offset, line in enumerate(lines):
        match = _BOLD_LABEL.match(line)
        if match is not None:
            indent = len(match.group("indent"))
            key = label_key(match.group("label"))
            if indent <= base_indent + 1 or key in known_keys:
                items.append(
                    Labelled(
                        match.group("label").strip(),
                        match.group("rest").strip(),
                        first_line + offset,
                        indent,
                    )
                )
                continue
        if items:
            items[-1].value = (
                (items[-1].value + "\n" + line).strip("\n")
                if line.strip()
                else items[-1].value + "\n"
            )
    for item in items:
        item.value = _dedent(item.value).strip()
    return items


def _dedent(text: str) -> str:
    lines = text.split("\n")
    rest = [line for line in lines[1:] if line.strip()]
    if not rest:
        return text
    margin = min(len(line) - len(line.lstrip()) for line in rest)
    return "\n".join([lines[0], *(line[margin:] for line in lines[1:])])


_PIPE_PAIR = re.compile(r"^\s*\|\s*(?P<label>[^|]+?)\s*\|\s*(?P<rest>[^|]*?)\s*\|?\s*$")


def plain_labels(paragraph: str) -> list[tuple[str, str, int]] | None:
    """``Key: value`` lines of a paragraph, with line offsets.

    A line may also be a lone ``| Key | Value |`` row.  Every line must be one,
    except that prose may follow a block of at least two: a paragraph of prose
    that happens to hold a colon is not metadata.
    """
    found: list[tuple[str, str, int]] = []
    for offset, line in enumerate(paragraph.splitlines()):
        line = line.rstrip()
        if not line.strip():
            continue
        match = _BOLD_LABEL.match(line) or _PLAIN_LABEL.match(line) or _PIPE_PAIR.match(line)
        if match is None or not match.group("rest").strip():
            return found if len(found) >= 2 else None
        found.append((match.group("label").strip(), match.group("rest").strip(), offset))
    return found or None


def table_rows(block: str) -> list[list[str]]:
    """The cells of a Markdown table, the separator row dropped."""
    rows: list[list[str]] = []
    for line in block.splitlines():
        stripped = line.strip()
        if not stripped.startswith("|") and "|" not in stripped:
            continue
        cells = [c.strip() for c in stripped.strip("|").split("|")]
        if all(re.fullmatch(r":?-{2,}:?", c) for c in cells if c):
            continue
        rows.append(cells)
    return rows


_TIMELINE_HEADERS = ("time", "date", "timestamp", "when", "date time", "datetime", "hour")


def is_timeline_table(rows: list[list[str]]) -> bool:
    return bool(rows) and any(
        label_key(c).split(" (")[0] in _TIMELINE_HEADERS
        or label_key(c).startswith(("time ", "date "))
        for c in rows[0][:2]
    )


def key_value_rows(rows: list[list[str]]) -> list[tuple[str, str]]:
    """``| Key | Value |`` (or two such pairs a row) as pairs; empty values dropped."""
    if not rows or is_timeline_table(rows) or len(rows[0]) not in (2, 4):
        return []
    pairs: list[tuple[str, str]] = []
    for row in rows:
        for index in range(0, len(row) - 1, 2):
            key, value = row[index].strip("* "), row[index + 1].strip()
            if label_key(key) in ("field", "key", "property", "item", "name", "value", ""):
                continue
            if len(key.split()) > 8:
                return []
            if value:
                pairs.append((key, value))
    return pairs


def duration_minutes(value: str) -> float | None:
    """``4h 27m``, ``1d 5h 47m``, ``8m``, ``0h 16m (during support hours)`` in minutes."""
    head = value.split("(")[0]
    total = 0.0
    found = False
    for number, unit in _DURATION.findall(head):
        total += float(number) * _DURATION_UNITS[unit[0].casefold()]
        found = True
    return round(total, 2) if found else None


# -- dates, zones and timelines ------------------------------------------------------------


def _zone(name: str | None, when: date | None = None) -> tzinfo | None:
    if not name:
        return None
    text = " ".join(name.replace("−", "-").split())
    upper = text.upper()
    offset = re.fullmatch(r"(?:UTC|GMT)\s*([+-])\s*(\d{1,2})(?::?(\d{2}))?", upper)
    if offset:
        minutes = int(offset.group(2)) * 60 + int(offset.group(3) or 0)
        if minutes >= 24 * 60:  # "UTC+30" names no zone
            return None
        return timezone(timedelta(minutes=minutes if offset.group(1) == "+" else -minutes))
    if upper in ZONE_ABBREVIATIONS:
        return timezone(timedelta(minutes=ZONE_ABBREVIATIONS[upper]))
    named = _NAMED_ZONES.get(text.casefold())
    if named:
        try:
            from zoneinfo import ZoneInfo

            return ZoneInfo(named)
        except Exception:  # no zone database: standard time of the zone
            return timezone(
                timedelta(
                    hours={
                        "America/Los_Angeles": -8,
                        "America/New_York": -5,
                        "America/Chicago": -6,
                        "America/Denver": -7,
                    }[named]
                )
            )
    return None


def zone_named(name: str) -> tzinfo | None:
    """A zone by IANA name (``Europe/London``), abbreviation (``PDT``) or offset (``UTC+2``)."""
    found = _zone(name)
    if found is not None or "/" not in name:
        return found
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo(name.strip())
    except Exception:  # unknown name, or no zone database
        return None


def document_zone(text: str) -> tzinfo | None:
    """The zone a post-mortem says its times are in, if it says so."""
    for pattern in (_ALL_TIMES, _ZONE_IN_HEADING):
        for match in pattern.finditer(text):
            groups = match.groupdict()
            zone = (
                _zone(groups.get("offset"))
                or _zone(groups.get("zone"))
                or (zone_named(groups["iana"]) if groups.get("iana") else None)
            )
            if zone is not None and (
                pattern is _ZONE_IN_HEADING
                or match.group(0).casefold().lstrip().startswith(("all", "time"))
            ):
                return zone
    return None


def find_date(text: str) -> date | None:
    """The first date written in a text (``2019-01-23``, ``January 23rd, 2019``)."""
    if _YEAR.search(text) is None:  # every date failearn reads has a four-digit year
        return None
    for match in DATE.finditer(text):
        found = _date_of(match)
        if found is not None:
            return found
    return None


def _date_of(match: re.Match[str]) -> date | None:
    groups = match.groupdict()
    try:
        if groups.get("y"):
            return date(int(groups["y"]), int(groups["mo"]), int(groups["d"]))
        month = groups.get("wm") or groups.get("wm2")
        day = groups.get("wd") or groups.get("wd2")
        year = groups.get("wy") or groups.get("wy2")
        if month and day and year:
            return date(int(year), _MONTHS[month[:3].casefold()], int(day))
    except (ValueError, KeyError):
        return None
    return None


@dataclass(slots=True)
class Event:
    """One timeline entry placed in time: local wall time, its zone (if known), text, line."""

    local: datetime
    zone: tzinfo | None
    text: str
    line: int
    date_only: bool = False
    # The entry rolled over midnight past the last day a date can name (9999-12-31).
    past_limit: bool = False

    @property
    def instant(self) -> datetime:
        """UTC when the zone is known, else the wall time without a zone; the wall time
        in its zone when the UTC instant is beyond the years 1-9999."""
        if self.zone is None:
            return self.local
        local = self.local.replace(tzinfo=self.zone)
        try:
            return local.astimezone(UTC)
        except OverflowError:
            return local

    def written(self) -> str:
        """ISO text: ``2019-01-23T12:49:00Z`` with a zone, naive otherwise.

        A time that cannot be stored is written so that it fails to parse where it
        is read, and the record is rejected with the entry's line.
        """
        if self.past_limit:
            return f"the day after {self.local.isoformat()}"
        if self.date_only:  # a day is the day written, in any zone
            return self.local.date().isoformat()
        value = self.instant
        if value.tzinfo is None:
            return value.date().isoformat() if self.date_only else value.isoformat()
        if value.utcoffset():
            return value.isoformat()
        return value.replace(tzinfo=None).isoformat() + "Z"


def _clock(match: re.Match[str]) -> tuple[int, int, int] | None:
    hour, minute = int(match.group("h")), int(match.group("mi"))
    second = int(match.group("s") or 0)
    ampm = (match.group("ampm") or "").replace(".", "").replace(" ", "").casefold()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def _entries(parts: Iterable[tuple[str, int]]) -> Iterable[tuple[str, int]]:
    """Candidate entries: table rows and list items / lines, with their lines."""
    for text, first_line in parts:
        for offset, line in enumerate(text.splitlines()):
            if line.strip():
                yield line, first_line + offset


def timeline_events(
    parts: Iterable[tuple[str, int]], base: date | None, zone: tzinfo | None
) -> list[Event]:
    """The entries of a timeline section placed in time, in the order written.

    Times without a date take the date of the last date line, or of the entry
    before them (rolling over midnight when a time goes backwards), or ``base``
    (the post-mortem's date); ``[MM-DD HH:MM]`` takes the year of ``base``.
    """
    events: list[Event] = []
    current: date | None = None
    previous: datetime | None = None
    for line, number in _entries(parts):
        if _DATE_LINE.match(line):
            current = find_date(line)
            previous = None
            if current is not None:  # a day the timeline names, if nothing more is known
                events.append(
                    Event(
                        datetime(current.year, current.month, current.day),
                        zone,
                        _entry_text(line),
                        number,
                        True,
                    )
                )
            continue
        entry_zone = zone
        match = _DATETIME.search(line)
        day: date | None = None
        clock: tuple[int, int, int] | None = None
        if match is not None:
            clock = _clock(match)
            if match.group("md_m") is None:
                day = _date_of(match)
            else:
                day = _month_day(
                    int(match.group("md_m")), int(match.group("md_d")), current or base
                )
        else:
            match = _LEADING_TIME.match(line)
            if match is not None:
                clock = _clock(match)
                day = current or (previous.date() if previous else None) or base
            else:
                iso = _ISO_ANYWHERE.search(line)
                if iso is not None and (day := _date_of(iso)) is not None:
                    local = datetime(day.year, day.month, day.day)
                    events.append(Event(local, entry_zone, _entry_text(line), number, True))
                    # "Unless noted, all events happened on 2019-10-21": the day of the
                    # times that follow.
                    current, previous = day, None
                continue
        if clock is None or day is None:
            continue
        named = match.groupdict().get("zone")
        if named:
            entry_zone = _zone(named) or entry_zone
        local = datetime(day.year, day.month, day.day, *clock)
        past_limit = False
        if (
            match.re is _LEADING_TIME
            and previous is not None
            and current is None
            and local < previous
        ):
            try:
                local += timedelta(days=1)
            except OverflowError:
                past_limit = True
        previous = local
        events.append(Event(local, entry_zone, _entry_text(line), number, past_limit=past_limit))
    return events


def _month_day(month: int, day: int, base: date | None) -> date | None:
    if base is None:
        return None
    try:
        found = date(base.year, month, day)
    except ValueError:
        return None
    if found > base and (found - base).days > 31:
        try:
            found = date(base.year - 1, month, day)
        except ValueError:
            return None
    return found


def _entry_text(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")] if "|" in line else [line]
    return " ".join(" | ".join(c for c in cells if c).lstrip("-*+ ").split())[:300]


def start_event(events: list[Event], base: date | None) -> Event | None:
    """When the failure started: an entry that says so, else the first on the post-mortem's
    date, else the first entry."""
    marked = [e for e in events if START.search(e.text)]
    if marked:
        return min(marked, key=lambda e: _sort_key(e))
    if base is not None:
        same_day = [e for e in events if e.local.date() == base]
        if same_day:
            # A timed entry says more than a line that only names the day.
            return next((e for e in same_day if not e.date_only), same_day[0])
    timed = [e for e in events if not e.date_only]
    return timed[0] if timed else (events[0] if events else None)


def end_event(events: list[Event]) -> Event | None:
    """When it ended: the last entry that says the outage ended or was resolved."""
    marked = [e for e in events if END.search(e.text)]
    return max(marked, key=lambda e: _sort_key(e)) if marked else None


def _sort_key(event: Event) -> datetime:
    instant = event.instant
    return instant.replace(tzinfo=None) if instant.tzinfo else instant


# -- dates as teams write them ---------------------------------------------------------------

_MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_WEEKDAY = r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,?\s+)?"
_NUMERIC_DATE = re.compile(
    rf"^\s*{_WEEKDAY}(?P<a>\d{{1,2}})[/.](?P<b>\d{{1,2}})[/.](?P<y>\d{{4}})", re.IGNORECASE
)
_MONTH_ONLY = re.compile(r"^\s*(?P<y>\d{4})[-/](?P<m>\d{1,2})\s*$")
_WORD_ONLY = re.compile(rf"^\s*{_WEEKDAY}(?:{_WORD_DATE})", re.IGNORECASE)
_TIME_AFTER = re.compile(
    rf"^\s*(?:,|at|@|T)?\s*{_TIME}(?:\s*\(?{_ZONE}\)?(?![\w]))?", re.IGNORECASE
)
_REST = re.compile(r"^[\s.,;)]*$")
FORMATS = (
    "2023-09-27",
    "2023-09-27T14:03:00Z",
    "27/09/2023",
    "Sept 6 2023",
    "6 September 2023 14:03 UTC",
    "2023-05",
)


class DateProblem(ValueError):
    """A date written so that it cannot be read for sure; the message says how to write it."""


@dataclass(frozen=True, slots=True)
class WrittenTime:
    """A time read from a date as a person wrote it: wall time, its zone if named, a note
    when it is less than it seems (only a month), whether it named a time of day."""

    local: datetime
    zone: tzinfo | None
    note: str | None = None
    timed: bool = False

    def value(self) -> datetime:
        return self.local.replace(tzinfo=self.zone) if self.zone is not None else self.local


def _expected() -> str:
    return (
        "write it as 2023-09-27 or 2023-09-27T14:03:00Z (failearn also reads "
        + ", ".join(FORMATS[2:])
        + ")"
    )


def read_written_time(text: str) -> WrittenTime:
    """A date (and time) as post-mortems write them, for a field RFC 3339 could not read:
    ``27/09/2023``, ``09/27/2023`` (only when the day is over 12), ``Sept 6 2023``,
    ``6 September 2023 14:03 UTC``, ``Wednesday, 2023-01-25 09:15 UTC``, ``2023-05`` (the
    first of the month, with a note).  Raises :class:`DateProblem` naming the formats."""
    month = _MONTH_ONLY.match(text)
    if month is not None:
        try:
            local = datetime(int(month.group("y")), int(month.group("m")), 1)
        except ValueError as exc:
            raise DateProblem(f"{text.strip()!r} is no month: {_expected()}") from exc
        return WrittenTime(local, None, "names only a month; taken as its first day")
    numeric = _NUMERIC_DATE.match(text)
    match: re.Match[str] | None = numeric or _WORD_ONLY.match(text) or _ISO_START.match(text)
    if match is None:
        raise DateProblem(f"{text.strip()!r} is not a date failearn can read: {_expected()}")
    day = _numeric_day(match, text) if numeric is not None else _date_of(match)
    if day is None:
        raise DateProblem(f"{text.strip()!r} is not a valid date: {_expected()}")
    rest = text[match.end() :]
    written = WrittenTime(datetime(day.year, day.month, day.day), None)
    clock = _TIME_AFTER.match(rest)
    if clock is not None:
        hms = _clock(clock)
        if hms is None:
            raise DateProblem(f"{text.strip()!r} has no valid time of day: {_expected()}")
        zone_name = clock.groupdict().get("zone")
        zone = _zone(zone_name, day) if zone_name else None
        if zone_name and zone is None:
            raise DateProblem(
                f"{text.strip()!r}: {zone_name!r} is no time zone failearn "
                "knows; write an offset such as +02:00 or UTC"
            )
        written = WrittenTime(datetime(day.year, day.month, day.day, *hms), zone, timed=True)
        rest = rest[clock.end() :]
    if not _REST.match(rest):
        raise DateProblem(f"{text.strip()!r} is not a date failearn can read: {_expected()}")
    return written


_ISO_START = re.compile(rf"^\s*{_WEEKDAY}{_ISO_DATE}", re.IGNORECASE)


def _numeric_day(match: re.Match[str], text: str) -> date | None:
    a, b, year = int(match.group("a")), int(match.group("b")), int(match.group("y"))
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    elif a == b:
        day = month = a
    else:
        raise DateProblem(
            f"{text.strip()!r} could be {a} {_MONTH_NAMES[b - 1]} or {_MONTH_NAMES[a - 1]} "
            f"{b}: write it as {year}-{b:02d}-{a:02d} or {year}-{a:02d}-{b:02d} "
            "(year-month-day)"
            if b <= 12 and a <= 12
            else f"{text.strip()!r}: {_expected()}"
        )
    try:
        return date(year, month, day)
    except ValueError:
        return None


# A month and day without a year ("On August 16, the team was notified").
_MONTH_DAY = re.compile(
    rf"\b(?P<wm>{_MONTH})\s+(?P<wd>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})"
    rf"(?!:)",
    re.IGNORECASE,
)
_TIME_BEFORE = re.compile(rf"{_TIME}(?:\s*\(?{_ZONE}\)?)?\s*,?\s*(?:on\s+)?$", re.IGNORECASE)
_NEAR = 40


def opening_time(text: str, year_of: date | None = None) -> WrittenTime | None:
    """The first date an opening paragraph gives, with the time written beside it ("On
    2021-04-27 at 15:09 UTC", "At 01:52 UTC, 2022-10-28"); a month and day without a year
    takes the year of ``year_of`` (the page's date), never falling after it."""
    found = DATE.search(text)
    day = _date_of(found) if found is not None else None
    if found is None or day is None:
        if year_of is None:
            return None
        found = _MONTH_DAY.search(text)
        if found is None:
            return None
        try:
            day = date(
                year_of.year, _MONTHS[found.group("wm")[:3].casefold()], int(found.group("wd"))
            )
        except (KeyError, ValueError):
            return None
        if day > year_of:
            day = day.replace(year=day.year - 1)
    clock = _TIME_AFTER.match(text[found.end() : found.end() + _NEAR])
    if clock is None:
        clock = _TIME_BEFORE.search(text[max(0, found.start() - _NEAR) : found.start()])
    hms = _clock(clock) if clock is not None else None
    if clock is None or hms is None:
        return WrittenTime(datetime(day.year, day.month, day.day), None)
    zone_name = clock.groupdict().get("zone")
    zone = _zone(zone_name, day) if zone_name else None
    return WrittenTime(datetime(day.year, day.month, day.day, *hms), zone, timed=True)


_PATH_DATE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})[-/_](?P<mo>\d{2})[-/_](?P<d>\d{2})(?!\d)")


def path_date(path: str) -> date | None:
    """A date a file name or a page's path holds (``2023-09-27-db.md``,
    ``2025/04/11/crates-io``, ``post-mortem-2019-05-30.md``)."""
    for match in _PATH_DATE.finditer(path):
        try:
            return date(int(match.group("y")), int(match.group("mo")), int(match.group("d")))
        except ValueError:
            continue
    return None
