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
from dataclasses import dataclass, field
from typing import Any

import frontmatter
from frontmatter.default_handlers import BaseHandler, YAMLHandler
from markdown_it import MarkdownIt

from failearn.record import RawRecord
from failearn.sources.reading import reject
from failearn.sources.sections import CANONICAL_TEXT, classify_heading
from failearn.yamlload import YamlLoadError, load_yaml

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
    r"not available|crash\w*|unreachable|rejected|overflow|traceback|5\d\d)\b")
_MAX_ERRORS = 20
_MAX_ERROR_CHARS = 500
_TOML_KEY = re.compile(r"^\s*([A-Za-z0-9_\-]+)\s*=", re.MULTILINE)


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


def trace_search_pattern(gate_pattern: str) -> re.Pattern[str]:
    """The gate's anchored trace-id pattern, turned into one that finds ids inside text."""
    inner = gate_pattern
    if inner.startswith("^"):
        inner = inner[1:]
    if inner.endswith("$"):
        inner = inner[:-1]
    return re.compile(rf"(?<![0-9A-Za-z])(?:{inner})(?![0-9A-Za-z])", re.IGNORECASE)


def _split_front_matter(text: str) -> tuple[Any, str, str, int, int] | None:
    """(handler, front matter text, body, front matter's first line, body's first line)."""
    handler = frontmatter.detect_format(text, _HANDLERS)
    if handler is None:
        return None
    try:
        fm, body = handler.split(text)
    except ValueError:
        return None
    boundary = handler.FM_BOUNDARY
    opening = boundary.match(text) if boundary is not None else None
    fm_start = text.find(fm, opening.end() if opening else 0)
    fm_line = text.count("\n", 0, fm_start) + 1
    body_start = text.find(body, fm_start + len(fm)) if body else len(text)
    body_line = text.count("\n", 0, body_start) + 1
    return handler, fm, body, fm_line, body_line


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


def _walk_body(body: str, body_line: int, traces: re.Pattern[str]
               ) -> tuple[str | None, list[_Section], list[str], list[str]]:
    tokens = _MD.parse(body)
    title: str | None = None
    sections: list[_Section] = [_Section("preamble", "preamble", 0, body_line)]
    trace_ids: list[str] = []
    errors: list[str] = []
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
                sections.append(_Section(text, "preamble", level, line))
            else:
                name = classify_heading(text)
                current = sections[-1]
                if name is None and current.name not in (None, "preamble") \
                        and level > current.level:
                    current.parts.append(f"{'#' * level} {text}")
                else:
                    sections.append(_Section(text, name, level, line))
            index += 3
            continue
        if (token.map is not None and token.level == 0 and token.type.endswith("_open")) \
                or token.type in ("fence", "code_block", "html_block", "hr"):
            start, end = token.map if token.map else (0, 0)
            if token.type in ("fence", "code_block"):
                block = token.content
                trace_ids.extend(m.group(0) for m in traces.finditer(block))
                errors.extend(_error_lines(block))
            chunk = "\n".join(lines[start:end]).strip("\n")
            if token.type == "blockquote_open":
                errors.extend(_error_lines(chunk))
            if token.type not in ("fence", "code_block"):
                for code in _INLINE_CODE.findall(chunk):
                    ids = [m.group(0) for m in traces.finditer(code)]
                    trace_ids.extend(ids)
                    if not ids and _ERRORISH.search(code):
                        errors.append(code.strip()[:_MAX_ERROR_CHARS])
            if chunk:
                sections[-1].parts.append(chunk)
            index = _skip_block(tokens, index)
            continue
        index += 1
    return title, sections, trace_ids, errors


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


def _body_fields(sections: list[_Section]) -> tuple[dict[str, str], dict[str, int],
                                                     dict[str, str], list[str]]:
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
            errors.extend(_error_lines(text) or [line.strip() for line in text.splitlines()
                                                 if line.strip() and not line.startswith("```")])
    return {k: "\n\n".join(v) for k, v in fields.items()}, lines, kept, errors


def parse_markdown(text: str, source: str, trace_pattern: str = "^[0-9a-f]{32}$") -> RawRecord:
    """Parse one post-mortem into a raw record (or a rejected one, with a located issue)."""
    payload: dict[str, Any] = {}
    field_lines: dict[str, int] = {}
    body = text
    body_line = 1
    split = _split_front_matter(text)
    if split is not None:
        handler, fm, body, fm_line, body_line = split
        try:
            if isinstance(handler, TomlFrontMatter):
                data, key_lines = _load_toml(fm)
            else:
                loaded = load_yaml(fm)
                data, key_lines = loaded.data, loaded.lines
        except YamlLoadError as exc:
            line = fm_line + exc.line - 1 if exc.line else fm_line
            return reject(source, KIND, exc.code, f"front matter: {exc}", line=line, raw=text)
        except tomllib.TOMLDecodeError as exc:
            return reject(source, KIND, "invalid-yaml", f"front matter (TOML): {exc}",
                          line=fm_line, raw=text)
        if data is None:
            data = {}
        if not isinstance(data, dict):
            first = fm_line + (1 if fm.startswith(("\n", "\r\n")) else 0)
            return reject(source, KIND, "front-matter-not-mapping",
                          f"front matter is a {type(data).__name__}, not a mapping of fields",
                          line=first, raw=text)
        payload.update({str(k): v for k, v in data.items()})
        field_lines = {path: fm_line + line - 1 for path, line in key_lines.items()}
    traces = trace_search_pattern(trace_pattern)
    title, sections, body_traces, body_errors = _walk_body(body, body_line, traces)
    texts, text_lines, kept, section_errors = _body_fields(sections)
    present = {k.casefold().replace("-", "_") for k in payload}
    if title and "title" not in present:
        payload["title"] = title
    for name, value in texts.items():
        if name not in present:
            payload[name] = value
            field_lines.setdefault(name, text_lines[name])
    if kept:
        payload["sections"] = kept
    extra_errors = [e for e in section_errors + body_errors if e]
    if extra_errors:
        payload["error_messages"] = _as_list(payload.get("error_messages")) + _dedupe(
            extra_errors)[:_MAX_ERRORS]
    if body_traces:
        payload["trace_ids"] = _as_list(payload.get("trace_ids")) + _dedupe(body_traces)
    return RawRecord(source=source, line=1, kind=KIND, raw=text, payload=payload,
                     field_lines=field_lines)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _dedupe(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
