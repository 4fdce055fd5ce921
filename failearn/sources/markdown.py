"""Markdown post-mortems: front matter via python-frontmatter, sections via markdown-it-py.

The front matter gives the structured fields (with the line of each key, for
located errors).  The body gives the text fields: each heading is classified
(:mod:`failearn.sources.sections`) and its section's Markdown kept; sections
no template has are kept too, under their own heading.  Trace ids and error
messages quoted in the body (inline code, code blocks, quoted log lines) are
added to those of the front matter.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePosixPath
from typing import Any

from frontmatter.default_handlers import BaseHandler, YAMLHandler
from markdown_it import MarkdownIt

from failearn.capture.anonymize import names_a_secret
from failearn.codes import hint
from failearn.record import Issue, RawRecord
from failearn.sources import postmortem
from failearn.sources.reading import reject
from failearn.sources.sections import CANONICAL_TEXT, VOCABULARY, classify_heading
from failearn.timeutil import TimeParseError, parse_time
from failearn.yamlload import DuplicateKey, YamlLoadError, load_yaml, string_keys

KIND = "markdown"


class TomlFrontMatter(BaseHandler):
    """``+++``-delimited TOML front matter (Hugo and Zola sites); parsed with tomllib."""

    FM_BOUNDARY = re.compile(r"^\+{3,}\s*$", re.MULTILINE)
    START_DELIMITER = END_DELIMITER = "+++"


_HANDLERS: list[BaseHandler] = [YAMLHandler(), TomlFrontMatter()]
_INLINE_CODE = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
_ERRORISH = re.compile(
    r"(?i)\b(?:error|exception|fail(?:ed|ure|s)?|timed?[ \-]?out|timeout|refused|denied|"
    r"exhausted|unavailable|panic|fatal|oom\w*|killed|cannot|can't|unable|invalid|exceeded|"
    r"not available|crash\w*|unreachable|rejected|overflow|traceback|5\d\d)\b"
)
_MAX_ERRORS = 20
_MAX_EVENTS = 100
_ZONE_SCAN = 200
# Labels a bold bullet may carry that name a section or a known field.
KNOWN_LABELS = frozenset(
    {
        *(p for phrases in VOCABULARY.values() for p in phrases),
        *postmortem.DURATION_LABELS,
        *postmortem.BODY_FIELDS,
        *postmortem.DATE_LABELS,
    }
)
_MAX_ERROR_CHARS = 500
_TOML_KEY = re.compile(r"^[ \t]*([A-Za-z0-9_\-]+)[ \t]*=", re.MULTILINE)


def _parser() -> MarkdownIt:
    # Block structure is all that is needed: inline code is found by a regex
    # over each block's text, which avoids markdown-it's (costly) inline pass.
    md = MarkdownIt("commonmark")
    md.core.ruler.disable(["inline", "text_join"])
    return md


_MD = _parser()


@dataclass(slots=True)
class _Section:
    heading: str
    name: str | None
    level: int
    line: int
    parts: list[str] = field(default_factory=list)
    part_lines: list[int] = field(default_factory=list)

    def add(self, text: str, line: int) -> None:
        self.parts.append(text)
        self.part_lines.append(line)


# A labelled bullet (``- **Impact**: …``) opens a section below every heading level.
_LABEL_LEVEL = 7
_SHORT_VALUE = 100


@dataclass(slots=True)
class _Body:
    """What the body of a post-mortem holds, as :func:`_walk_body` found it."""

    title: str | None
    title_line: int | None
    sections: list[_Section]
    trace_ids: list[str]
    errors: list[str]
    meta: list[tuple[str, str, int]]


def trace_search_pattern(gate_pattern: str) -> re.Pattern[str]:
    """The gate's anchored trace-id pattern, turned into one that finds ids inside text."""
    inner = gate_pattern
    if inner.startswith("^"):
        inner = inner[1:]
    if inner.endswith("$"):
        inner = inner[:-1]
    return re.compile(rf"(?<![0-9A-Za-z])(?:{inner})(?![0-9A-Za-z])", re.IGNORECASE)


_BLANK_LINES = re.compile(r"(?:[ \t]*\r?\n)*")


class _Unclosed:
    """Front matter that was opened and never closed: where it was opened, by what."""

    def __init__(self, delimiter: str, line: int) -> None:
        self.delimiter = delimiter
        self.line = line


def _split_front_matter(text: str) -> tuple[Any, str, str, int, int] | _Unclosed | None:
    """(handler, front matter text, body, front matter's first line, body's first line);
    an :class:`_Unclosed` when the opening delimiter has no closing one; None when the
    text opens with no front matter.  Blank lines before the opening delimiter are
    allowed (editors and templates leave them)."""
    start = _BLANK_LINES.match(text)
    begin = start.end() if start else 0
    for handler in _HANDLERS:
        boundary = handler.FM_BOUNDARY
        opening = boundary.match(text, begin) if boundary is not None else None
        if boundary is None or opening is None:
            continue
        closing = boundary.search(text, opening.end())
        if closing is None:
            return _Unclosed(str(handler.START_DELIMITER), text.count("\n", 0, begin) + 1)
        fm = text[opening.end() : closing.start()]
        body = text[closing.end() :]
        fm_line = text.count("\n", 0, opening.end()) + 1
        body_line = text.count("\n", 0, closing.end()) + 1
        if body.startswith("\r\n"):
            body, body_line = body[2:], body_line + 1
        elif body.startswith("\n"):
            body, body_line = body[1:], body_line + 1
        return handler, fm, body, fm_line, body_line
    return None


def _load_toml(fm: str) -> tuple[Any, dict[str, int]]:
    data = tomllib.loads(fm)
    lines = {m.group(1): fm.count("\n", 0, m.start()) + 1 for m in _TOML_KEY.finditer(fm)}
    return data, lines


def _error_lines(text: str) -> list[str]:
    found: list[str] = []
    for line in text.splitlines():
        stripped = line.strip().lstrip(">").strip()
        if stripped and _ERRORISH.search(stripped):
            found.append(stripped[:_MAX_ERROR_CHARS])
    return found


def _labelled_list(
    chunk: str, line: int, sections: list[_Section], meta: list[tuple[str, str, int]]
) -> bool:
    """A list of ``**Label**: value`` items: sections for the labels that name one,
    metadata for short values; False when the list is an ordinary one."""
    items = postmortem.labelled_items(chunk.split("\n"), line, KNOWN_LABELS)
    if not items or any(item.label[:1].isdigit() for item in items):
        return False
    current = sections[-1]
    if (
        current.name != "preamble"
        and current.level != _LABEL_LEVEL
        and not any(postmortem.label_key(item.label) in KNOWN_LABELS for item in items)
    ):
        return False
    for item in items:
        key = postmortem.label_key(item.label)
        name = classify_heading(item.label)
        short = "\n" not in item.value and len(item.value) <= _SHORT_VALUE
        if (
            key in postmortem.DURATION_LABELS
            or key in postmortem.BODY_FIELDS
            or key in postmortem.DATE_LABELS
            or (name is None and short and item.value)
        ):
            meta.append((item.label, item.value, item.line))
            continue
        section = _Section(item.label, name, _LABEL_LEVEL, item.line)
        if item.value:
            section.add(item.value, item.line)
        sections.append(section)
    return True


def _trace_ids(text: str, traces: re.Pattern[str], before: str = "") -> list[str]:
    """The trace ids written in ``text``, but not a value that the words before it on its
    line call a secret (``API key `0123…```): that is masked, not kept as evidence."""
    found: list[str] = []
    for match in traces.finditer(text):
        line_start = text.rfind("\n", 0, match.start()) + 1
        context = (before if line_start == 0 else "") + text[line_start : match.start()]
        if not names_a_secret(context):
            found.append(match.group(0))
    return found


def _walk_body(body: str, body_line: int, traces: re.Pattern[str]) -> _Body:
    tokens = _MD.parse(body)
    title: str | None = None
    title_line: int | None = None
    sections: list[_Section] = [_Section("preamble", "preamble", 0, body_line)]
    trace_ids: list[str] = []
    errors: list[str] = []
    meta: list[tuple[str, str, int]] = []
    lines = body.splitlines()
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type == "heading_open":
            level = int(token.tag[1:])
            text = tokens[index + 1].content.strip() if index + 1 < len(tokens) else ""
            line = body_line + (token.map[0] if token.map else 0)
            if level == 1 and title is None:
                title = text.strip("*_ ") or None
                title_line = line
                sections.append(_Section(text, "preamble", level, line))
            else:
                name = classify_heading(text)
                current = sections[-1]
                if (
                    name is None
                    and current.name not in (None, "preamble")
                    and level > current.level
                    and current.level != _LABEL_LEVEL
                ):
                    current.add(f"{'#' * level} {text}", line)
                else:
                    sections.append(_Section(text, name, level, line))
            index += 3
            continue
        if (
            token.map is not None and token.level == 0 and token.type.endswith("_open")
        ) or token.type in ("fence", "code_block", "html_block", "hr"):
            start, end = token.map if token.map else (0, 0)
            if token.type in ("fence", "code_block"):
                block = token.content
                trace_ids.extend(_trace_ids(block, traces))
                errors.extend(_error_lines(block))
            chunk = "\n".join(lines[start:end]).strip("\n")
            if token.type == "blockquote_open":
                errors.extend(_error_lines(chunk))
            if token.type not in ("fence", "code_block"):
                for match in _INLINE_CODE.finditer(chunk):
                    code = match.group(1)
                    line_start = chunk.rfind("\n", 0, match.start()) + 1
                    ids = _trace_ids(code, traces, chunk[line_start : match.start(1)])
                    trace_ids.extend(ids)
                    if not ids and _ERRORISH.search(code):
                        errors.append(code.strip()[:_MAX_ERROR_CHARS])
            index = _skip_block(tokens, index)
            where = body_line + start
            if token.type == "bullet_list_open" and _labelled_list(chunk, where, sections, meta):
                continue
            if token.type == "paragraph_open" and sections[-1].name == "preamble":
                _preamble_meta(chunk, where, meta)
            if chunk:
                sections[-1].add(chunk, where)
            continue
        index += 1
    return _Body(title, title_line, sections, trace_ids, errors, meta)


def _preamble_meta(chunk: str, line: int, meta: list[tuple[str, str, int]]) -> None:
    """``Key: value`` lines and ``| Key | Value |`` tables before the first section."""
    if chunk.lstrip().startswith("|"):
        rows = postmortem.table_rows(chunk)
        meta.extend((key, value, line) for key, value in postmortem.key_value_rows(rows))
        return
    labels = postmortem.plain_labels(chunk)
    if labels:
        meta.extend((label, value, line + offset) for label, value, offset in labels)


def _skip_block(tokens: list[Any], index: int) -> int:
    """The index after the block that starts at ``index`` (nested tokens included)."""
    token = tokens[index]
    if not token.type.endswith("_open"):
        return index + 1
    depth = 0
    while index < len(tokens):
        if tokens[index].nesting == 1:
            depth += 1
        elif tokens[index].nesting == -1:
            depth -= 1
        index += 1
        if depth == 0:
            break
    return index


_META_HEADINGS = frozenset(
    {
        "date",
        "status",
        "report status",
        "authors",
        "author",
        "owner",
        "owners",
        "service",
        "services",
        "affected service",
        "affected services",
        "severity",
        "priority",
        "start date time",
        "end date time",
        "start time",
        "end time",
        "start date",
        "end date",
        "duration",
        "incident number",
        "incident id",
        "category",
        "failure class",
        "component",
        "incident date",
        "detected",
        "time to repair",
        "time to resolve",
    }
)


def _loose(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


def _heading_meta(sections: list[_Section]) -> list[tuple[str, str, int]]:
    """Headings that hold one short value (``### Date`` then ``2015-10-21``): metadata."""
    found: list[tuple[str, str, int]] = []
    for section in sections:
        if section.name is not None or len(section.parts) != 1:
            continue
        if postmortem.label_key(section.heading) not in _META_HEADINGS:
            continue
        value = section.parts[0].strip()
        if value and "\n" not in value and len(value) <= _SHORT_VALUE:
            found.append((section.heading.strip("*_ #"), value, section.part_lines[0]))
    return found


def _apply_meta(
    payload: dict[str, Any], field_lines: dict[str, int], meta: list[tuple[str, str, int]]
) -> list[tuple[str, int]]:
    """Body metadata into the payload (what front matter says wins); the dates written."""
    if not meta:
        return []
    present = {_loose(k) for k in payload}
    metrics: dict[str, float] = {}
    dates: list[tuple[str, int]] = []
    for label, value, line in meta:
        key = postmortem.label_key(label)
        if key in postmortem.DURATION_LABELS:
            minutes = postmortem.duration_minutes(value)
            if minutes is not None:
                metrics.setdefault(postmortem.DURATION_LABELS[key], minutes)
        if key in postmortem.DATE_LABELS:
            dates.append((value, line))
            continue
        target = postmortem.BODY_FIELDS.get(key, label.strip())
        if _loose(target) and _loose(target) not in present:
            payload[target] = value
            field_lines.setdefault(target, line)
            present.add(_loose(target))
    if metrics:
        written = payload.get("metrics")
        if written is None:
            payload["metrics"] = metrics
        elif isinstance(written, dict):
            payload["metrics"] = {**metrics, **written}
    return dates


def _apply_timeline(
    payload: dict[str, Any],
    field_lines: dict[str, int],
    found: _Body,
    dates: list[tuple[str, int]],
    source: str,
) -> dict[str, str]:
    """When the incident started and ended, from the timeline in the post-mortem's zone;
    failing that, from a date the page gives elsewhere.  What was found where no field or
    timeline names it (``{"timeline_start": "the first heading"}``).

    Kept as ``timeline_start`` / ``timeline_end``: normalisation uses them only
    when no field gives the time.
    """
    timelines = [s for s in found.sections if s.name == "timeline"]
    parts = [
        (text, line) for s in timelines for text, line in zip(s.parts, s.part_lines, strict=True)
    ]
    if not parts and not dates:
        return _page_date(payload, field_lines, found, source)
    preamble = [p for s in found.sections if s.name == "preamble" for p in s.parts]
    # Where a post-mortem says which zone its times are in: before the first section,
    # in a timeline's heading, or in the lines that open it.
    title = found.title or _string(payload.get("title")) or ""
    zone_text = "\n".join(
        [
            title,
            *preamble,
            *(s.heading for s in timelines),
            *(text[:_ZONE_SCAN] for text, _ in parts[:3]),
        ]
    )
    zone = postmortem.document_zone(zone_text) if parts else None
    base = (
        next((d for d in (postmortem.find_date(v) for v, _ in dates) if d), None)
        or _front_matter_day(payload)
        or postmortem.find_date(title)
        or (postmortem.find_date(zone_text) if parts else None)
    )
    named = postmortem.path_date(PurePosixPath(source).name) if base is None else None
    base = base or named
    events = postmortem.timeline_events(parts, base, zone) if parts else []
    start = postmortem.start_event(events, base)
    found_in: dict[str, str] = {}
    if start is not None:
        payload["timeline_start"] = start.written()
        field_lines["timeline_start"] = start.line
        if named is not None and not start.date_only and start.local.date() == named:
            found_in["timeline_start"] = "the timeline, dated by the file name"
    elif dates:
        value, line = dates[0]
        day = postmortem.find_date(value)
        payload["timeline_start"] = value if day is None or _readable(value) else day.isoformat()
        field_lines["timeline_start"] = line
    else:
        return _page_date(payload, field_lines, found, source)
    end = postmortem.end_event(events)
    if end is not None:
        payload["timeline_end"] = end.written()
        field_lines["timeline_end"] = end.line
    if events:
        payload["timeline_events"] = [
            {"at": e.written(), "event": e.text} for e in events[:_MAX_EVENTS]
        ]
    return found_in


# Front matter keys of a static site that hold the page's path (and often its date).
_PAGE_KEYS = ("path", "slug", "url", "permalink")
_OPENING_PARTS = 3
_OPENING_CHARS = 1500


def _page_date(
    payload: dict[str, Any], field_lines: dict[str, int], found: _Body, source: str
) -> dict[str, str]:
    """A start for a post-mortem whose fields and timeline give none: the date of its first
    heading, else of its file name, else of its opening paragraph, else of its page path
    (``path = "2025/04/11/…"``).  A time of day the opening paragraph gives on that same
    day is kept.  Where it was found, for the note normalisation writes."""
    title = found.title or _string(payload.get("title"))
    title_line = found.title_line if found.title else field_lines.get("title")
    page_key = next((k for k in _PAGE_KEYS if _string(payload.get(k))), None)
    page_day = postmortem.path_date(_string(payload.get(page_key)) or "") if page_key else None
    name_day = postmortem.path_date(PurePosixPath(source).name)
    heading_day = postmortem.find_date(title) if title else None
    opening, opening_line = _opening(found)
    at = postmortem.opening_time(opening, heading_day or name_day or page_day) if opening else None
    chosen: tuple[date, str, int | None] | None = None
    if heading_day is not None:
        chosen = (heading_day, "the first heading", title_line)
    elif name_day is not None:
        chosen = (name_day, "the file name", None)
    elif at is not None:
        chosen = (at.local.date(), "the opening paragraph", opening_line)
    elif page_day is not None and page_key is not None:
        chosen = (page_day, f"the front matter's `{page_key}`", field_lines.get(page_key))
    if chosen is None:
        return {}
    day, where, line = chosen
    if at is not None and at.timed and at.local.date() == day:
        payload["timeline_start"] = _written(at)
        if where != "the opening paragraph":
            where += ", with the time of the opening paragraph"
    else:
        payload["timeline_start"] = day.isoformat()
    if line is not None:
        field_lines["timeline_start"] = line
    return {"timeline_start": where}


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _opening(found: _Body) -> tuple[str, int | None]:
    """The first paragraphs of a post-mortem (before its first section, or its summary)."""
    parts = [
        (text, line)
        for s in found.sections
        if s.name in ("preamble", "summary")
        for text, line in zip(s.parts, s.part_lines, strict=True)
        if not text.lstrip().startswith(("|", "<", "!", "["))
    ][:_OPENING_PARTS]
    if not parts:
        return "", None
    return "\n\n".join(text for text, _ in parts)[:_OPENING_CHARS], parts[0][1]


def _written(at: postmortem.WrittenTime) -> str:
    value = at.value()
    if value.tzinfo is not None and not value.utcoffset():
        return value.replace(tzinfo=None).isoformat() + "Z"
    return value.isoformat()


_START_KEYS = frozenset(_loose(k) for k in ("timestamp", *postmortem.START_FIELDS))


def _front_matter_day(payload: dict[str, Any]) -> date | None:
    """The day the front matter's start field names (``date: 2023-09-27``): it dates a
    timeline whose entries give only times."""
    for key, value in payload.items():
        if _loose(str(key)) in _START_KEYS:
            if isinstance(value, date):
                return value
            if isinstance(value, str):
                return postmortem.find_date(value)
    return None


def _readable(value: str) -> bool:
    try:
        parse_time(value)
    except TimeParseError:
        return False
    return True


def _body_fields(
    sections: list[_Section],
) -> tuple[dict[str, str], dict[str, int], dict[str, str], list[str]]:
    """Canonical text fields, their lines, every section by heading, section error lines."""
    fields: dict[str, list[str]] = {}
    lines: dict[str, int] = {}
    kept: dict[str, str] = {}
    errors: list[str] = []
    for section in sections:
        text = "\n\n".join(section.parts).strip()
        if not text:
            continue
        key = section.heading if section.name != "preamble" else "preamble"
        kept[key] = (kept[key] + "\n\n" + text) if key in kept else text
        if section.name in CANONICAL_TEXT:
            fields.setdefault(section.name, []).append(text)
            lines.setdefault(section.name, section.line)
        elif section.name == "error_messages":
            errors.extend(
                _error_lines(text)
                or [
                    line.strip()
                    for line in text.splitlines()
                    if line.strip() and not line.startswith("```")
                ]
            )
    return {k: "\n\n".join(v) for k, v in fields.items()}, lines, kept, errors


def parse_markdown(text: str, source: str, trace_pattern: str = "^[0-9a-f]{32}$") -> RawRecord:
    """Parse one post-mortem into a raw record (or a rejected one, with a located issue)."""
    if "\r" in text and "\n" not in text:  # lines ended by CR alone (classic Mac OS)
        text = text.replace("\r", "\n")
    front = _front_matter(text, source)
    if isinstance(front, RawRecord):
        return front
    payload, field_lines = front.payload, front.field_lines
    found = _walk_body(front.body, front.body_line, trace_search_pattern(trace_pattern))
    found.meta.extend(_heading_meta(found.sections))
    _add_body_fields(payload, field_lines, found)
    dates = _apply_meta(payload, field_lines, found.meta)
    found_in = _apply_timeline(payload, field_lines, found, dates, source)
    return RawRecord(
        source=source,
        line=1,
        kind=KIND,
        raw=text,
        payload=payload,
        field_lines=field_lines,
        issues=front.issues,
        found_in=found_in,
    )


@dataclass
class _Front:
    """What the front matter gives: its fields and their lines, warnings about it, and the
    body after it (with the line the body starts on)."""

    payload: dict[str, Any] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    body: str = ""
    body_line: int = 1


def _front_matter(text: str, source: str) -> _Front | RawRecord:
    """The front matter of ``text`` (none: the whole text is the body), or a rejected
    record when it is not closed, not parsed or not a mapping."""
    split = _split_front_matter(text)
    if split is None:
        return _Front(body=text)
    if isinstance(split, _Unclosed):
        return reject(
            source,
            KIND,
            "front-matter-not-closed",
            f"front matter opened with `{split.delimiter}` on line {split.line} is never closed",
            line=split.line,
            raw=text,
        )
    handler, fm, body, fm_line, body_line = split
    loaded = _load_front_matter(handler, fm, fm_line, source, text)
    if isinstance(loaded, RawRecord):
        return loaded
    data, key_lines, duplicates = loaded
    return _Front(
        payload=dict(string_keys(data)),
        field_lines={path: fm_line + line - 1 for path, line in key_lines.items()},
        issues=[_duplicate_key(d, fm_line, source) for d in duplicates],
        body=body,
        body_line=body_line,
    )


def _load_front_matter(
    handler: BaseHandler, fm: str, fm_line: int, source: str, text: str
) -> tuple[dict[str, Any], Mapping[str, int], list[DuplicateKey]] | RawRecord:
    """The front matter's mapping (TOML or YAML), the line of each key and the keys written
    twice; a rejected record when it cannot be read or is no mapping."""
    duplicates: list[DuplicateKey] = []
    try:
        if isinstance(handler, TomlFrontMatter):
            data, key_lines = _load_toml(fm)
        else:
            loaded = load_yaml(fm)
            data, key_lines, duplicates = loaded.data, loaded.lines, loaded.duplicates
    except YamlLoadError as exc:
        line = fm_line + exc.line - 1 if exc.line else fm_line
        return reject(source, KIND, exc.code, f"front matter: {exc}", line=line, raw=text)
    except tomllib.TOMLDecodeError as exc:
        return reject(
            source, KIND, "invalid-yaml", f"front matter (TOML): {exc}", line=fm_line, raw=text
        )
    if data is None:
        data = {}
    if not isinstance(data, dict):
        first = fm_line + (1 if fm.startswith(("\n", "\r\n")) else 0)
        return reject(
            source,
            KIND,
            "front-matter-not-mapping",
            f"front matter is a {type(data).__name__}, not a mapping of fields",
            line=first,
            raw=text,
        )
    return data, key_lines, duplicates


def _duplicate_key(duplicate: DuplicateKey, fm_line: int, source: str) -> Issue:
    """A key the front matter writes twice: a warning, the last value is used."""
    return Issue(
        code="duplicate-key",
        level="warning",
        source=source,
        line=fm_line + duplicate.line - 1,
        field=duplicate.path,
        hint=hint("duplicate-key"),
        message=f"front matter: `{duplicate.path}` is written again (first on line "
        f"{fm_line + duplicate.first_line - 1}); the last value is used",
    )


def _add_body_fields(payload: dict[str, Any], field_lines: dict[str, int], found: _Body) -> None:
    """The fields the body gives (title, text sections, error messages, trace ids), where
    the front matter does not give them already; every section is kept by heading."""
    texts, text_lines, kept, section_errors = _body_fields(found.sections)
    present = {k.casefold().replace("-", "_") for k in payload}
    if found.title and "title" not in present:
        payload["title"] = found.title
        if found.title_line is not None:
            field_lines.setdefault("title", found.title_line)
    for name, value in texts.items():
        if name not in present:
            payload[name] = value
            field_lines.setdefault(name, text_lines[name])
    if kept:
        payload["sections"] = kept
    extra_errors = [e for e in section_errors + found.errors if e]
    if extra_errors:
        payload["error_messages"] = (
            _as_list(payload.get("error_messages")) + _dedupe(extra_errors)[:_MAX_ERRORS]
        )
    if found.trace_ids:
        payload["trace_ids"] = _as_list(payload.get("trace_ids")) + _dedupe(found.trace_ids)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
