"""``failearn init``: a starter configuration for a repository of post-mortems.

It scans the repository's Markdown files (its templates and index pages left
out), reports which fields it finds under which names and what is missing,
writes a ``failearn.toml`` (field aliases for names the defaults do not read,
a class mapping for the labels it met, the services it found, the gate
policy), then dry-runs the repository with it and says how many reports would
be stored and why the others would not.  It never overwrites a configuration
without ``force``.
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any

from failearn.capture.normalise import Context
from failearn.capture.normalise.fields import field_key
from failearn.capture.normalise.gates import closest_class
from failearn.commands.ingest import IngestOptions, IngestResult, run_ingest
from failearn.config import (
    CONFIG_FILE,
    DEFAULT_DB,
    IngestConfig,
    Settings,
    settings_from_table,
)
from failearn.errors import UsageError
from failearn.record import RawRecord
from failearn.sources import discover
from failearn.sources.markdown import parse_markdown
from failearn.sources.postmortem import DateProblem, read_written_time
from failearn.sources.reading import read_file
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import TimeParseError, parse_time

# Extensions post-mortem sites use beyond *.md.
MARKDOWN_GLOBS = ("*.md", "*.markdown", "*.md.erb", "*.mdx")
GATE_FIELDS = ("timestamp", "service", "failure_class", "trace_ids")
# A name whose values are dates in most files it appears in is a timestamp.
_MOSTLY = 0.6
_SERVICE_NAME = re.compile(r"(?i)service|component|system|product|application|app$")
_CLASS_NAME = re.compile(r"(?i)categor|class|failure.?type|incident.?type|cause.?type")
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9.\-]*[A-Za-z0-9]")
# Words of incident write-ups that name what happened, not what it happened to.
INCIDENT_WORDS = frozenset(
    (
        "incident",
        "incidents",
        "outage",
        "outages",
        "postmortem",
        "post-mortem",
        "report",
        "reports",
        "review",
        "partial",
        "down",
        "downtime",
        "degraded",
        "degradation",
        "slow",
        "slowness",
        "failure",
        "failures",
        "failed",
        "failing",
        "fail",
        "error",
        "errors",
        "issue",
        "issues",
        "problem",
        "problems",
        "flakiness",
        "flaky",
        "unavailable",
        "unavailability",
        "update",
        "upgrade",
        "release",
        "deploy",
        "deployment",
        "emergency",
        "security",
        "analysis",
        "root",
        "cause",
        "restart",
        "restarted",
        "restarts",
        "users",
        "user",
        "all",
        "some",
        "several",
        "times",
        "new",
        "not",
        "no",
        "due",
        "using",
        "unable",
        "create",
        "created",
        "delete",
        "deleted",
        "destroyed",
        "missing",
        "multiple",
    )
)
# A name that says when something started (and not when the page changed or it ended).
_START_NAME = re.compile(r"(?i)date|time|when|start|began|begin|occur|detect|open|happen")
_NOT_START = re.compile(
    r"(?i)modif|updat|creat|publish|last|review|end|resol|clos|durat|"
    r"time.?to|tt[rdma]|recover|fix"
)


@dataclass
class FieldFound:
    """A canonical field: in how many reports, and under which names (with counts)."""

    name: str
    reports: int = 0
    names: Counter[str] = field(default_factory=Counter)


@dataclass
class InitResult:
    """What ``failearn init`` found, proposed, wrote and would store."""

    root: str
    config: str
    written: bool
    files: int
    left_out: list[tuple[str, str]]
    fields: list[FieldFound]
    unknown_names: list[tuple[str, int]]
    aliases: dict[str, list[str]]
    classes: dict[str, str | None]
    services: list[tuple[str, int]]
    default_service: str | None
    infer_classes: bool
    include: list[str]
    text: str
    dry_run: IngestResult | None = None

    @property
    def would_store(self) -> int:
        if self.dry_run is None:
            return 0
        counts = self.dry_run.counts
        return sum(counts.get(k, 0) for k in ("accepted", "merged", "updated", "unchanged"))


def _is_template(path: Path, text: str) -> bool:
    return "template" in path.name.casefold()


def _is_index(path: Path, text: str, names: set[str]) -> bool:
    """An index page: named index, and linking to other reports of the folder."""
    if not path.name.casefold().startswith("index."):
        return False
    linked = {PurePosixPath(link).name.split(".")[0] for link in _LINK.findall(text)}
    return len(linked & names) >= 2 or len(_LINK.findall(text)) >= 5


def _include(root: Path) -> list[str]:
    found = {g for g in MARKDOWN_GLOBS if any(root.rglob(g))}
    return [g for g in MARKDOWN_GLOBS if g in found or g == "*.md"]


def _date_like(value: Any) -> bool:
    """A value that reads as a date or time (a YAML date, RFC 3339, a date as people
    write it); a number is not one here."""
    if not isinstance(value, str):
        return hasattr(value, "isoformat")
    try:
        parse_time(value)
        return not value.strip().lstrip("-").replace(".", "").isdigit()
    except TimeParseError:
        pass
    try:
        read_written_time(value)
    except DateProblem:
        return False
    return True


def _strings(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in items if isinstance(v, str | int) and str(v).strip()]


@dataclass
class _Scan:
    records: list[RawRecord] = field(default_factory=list)
    left_out: list[tuple[str, str]] = field(default_factory=list)


def _scan(root: Path, include: list[str], settings: Settings) -> _Scan:
    config = IngestConfig(include=tuple(include))
    inputs = discover([str(root)], config, root=root)
    names = {PurePosixPath(i.source).name.split(".")[0] for i in inputs}
    scan = _Scan()
    for item in inputs:
        if item.path is None:
            continue
        read = read_file(item.path, item.source, "markdown", config.max_markdown_bytes)
        text = read.text or ""
        if _is_template(item.path, text):
            scan.left_out.append((item.source, "a template"))
            continue
        if _is_index(item.path, text, names - {item.path.name.split(".")[0]}):
            scan.left_out.append((item.source, "an index of the others"))
            continue
        if read.text is None or not text.strip():
            continue
        scan.records.append(parse_markdown(text, item.source, settings.gates.trace_id_pattern))
    return scan


def _fields(
    records: list[RawRecord], context: Context
) -> tuple[list[FieldFound], Counter[str], dict[str, list[Any]]]:
    """Canonical fields by the names they were found under; names no default reads, with
    their values."""
    found = {name: FieldFound(name) for name in GATE_FIELDS}
    unknown: Counter[str] = Counter()
    values: dict[str, list[Any]] = {}
    for record in records:
        payload = record.payload or {}
        seen: set[str] = set()
        for key, value in payload.items():
            canonical = context.aliases.get(field_key(str(key)))
            if canonical in found and value not in (None, "", []):
                found[canonical].names[str(key)] += 1
                seen.add(canonical)
            elif canonical is None and field_key(str(key)) not in context.people_keys:
                unknown[str(key)] += 1
                values.setdefault(str(key), []).append(value)
        if "timestamp" not in seen and payload.get("timeline_start"):
            # No field, but the timeline, a heading, the file name… says when.
            found["timestamp"].names[record.found_in.get("timeline_start", "the timeline")] += 1
            seen.add("timestamp")
        for name in seen:
            found[name].reports += 1
    return list(found.values()), unknown, values


def _aliases(
    unknown: Counter[str], values: dict[str, list[Any]], fields: list[FieldFound]
) -> dict[str, list[str]]:
    """Aliases for the gate fields no report names under a name failearn reads."""
    missing = {f.name for f in fields if f.reports == 0}
    aliases: dict[str, list[str]] = {}
    for name, _ in unknown.most_common():
        given = values.get(name, [])
        if (
            "timestamp" in missing
            and given
            and _START_NAME.search(name)
            and not _NOT_START.search(name)
            and sum(_date_like(v) for v in given) >= _MOSTLY * len(given)
        ):
            aliases.setdefault("timestamp", []).append(name)
        elif "service" in missing and _SERVICE_NAME.search(name):
            aliases.setdefault("service", []).append(name)
        elif "failure_class" in missing and _CLASS_NAME.search(name):
            aliases.setdefault("failure_class", []).append(name)
    return aliases


def _class_labels(
    records: list[RawRecord], context: Context, aliases: dict[str, list[str]]
) -> dict[str, str | None]:
    """The class labels the reports use that the taxonomy does not know, each with the
    class it most likely means (None: say it in the file)."""
    names = {field_key(n) for n in aliases.get("failure_class", [])}
    labels: dict[str, str | None] = {}
    for record in records:
        for key, value in (record.payload or {}).items():
            loose = field_key(str(key))
            if context.aliases.get(loose) != "failure_class" and loose not in names:
                continue
            for label in _strings(value):
                if context.taxonomy.resolve(label) is None:
                    labels[label] = closest_class(context.taxonomy, label)
    return dict(sorted(labels.items()))


def _title_terms(records: list[RawRecord], taxonomy: Taxonomy) -> list[tuple[str, int]]:
    """Names that recur in the reports' titles: candidate services.  A word of incident
    write-ups, a month, a class's own words, or one in more than half the titles (a
    boilerplate "Incident on") is not one."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    class_words = {
        w
        for c in taxonomy.classes.values()
        for w in re.split(r"[\s\-]+", f"{c.id} {c.name}".casefold())
    }
    months = {
        m.casefold()
        for m in (
            "jan",
            "feb",
            "mar",
            "apr",
            "may",
            "jun",
            "jul",
            "aug",
            "sep",
            "sept",
            "oct",
            "nov",
            "dec",
            "january",
            "february",
            "march",
            "april",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        )
    }
    counts: Counter[str] = Counter()
    spelled: dict[str, Counter[str]] = {}
    titles = [
        str(r.payload.get("title"))
        for r in records
        if r.payload and isinstance(r.payload.get("title"), str)
    ]
    for title in titles:
        words = {w.rstrip(".-") for w in _WORD.findall(title)}
        for word in words:
            key = word.casefold()
            if (
                len(key) < 3
                or key in ENGLISH_STOP_WORDS
                or key in INCIDENT_WORDS
                or key in months
                or key in class_words
                or key.isdigit()
            ):
                continue
            counts[key] += 1
            spelled.setdefault(key, Counter())[word] += 1
    limit = max(2, len(titles) // 2)
    return [(key, n) for key, n in counts.most_common() if 2 <= n <= limit]


def _default_service(root: Path) -> str:
    name = root.resolve().name.casefold()
    return re.sub(r"[^a-z0-9.]+", "-", name).strip("-") or "service"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _toml_list(items: Iterable[str]) -> str:
    return "[" + ", ".join(_toml_string(i) for i in items) + "]"


def render_config(result: InitResult, settings: Settings) -> str:
    """The starter failearn.toml, every choice commented."""
    gates = settings.gates
    lines = [
        "# failearn's configuration for this repository, written by `failearn init`.",
        "# Every key is optional; edit freely. Keys: see docs/adopting.md.",
        "",
        "# Files that hold post-mortems (templates and index pages left out).",
        "[ingest]",
        f"include = {_toml_list(result.include)}",
        "exclude = "
        + _toml_list(
            [*IngestConfig().exclude, *(PurePosixPath(s).name for s, _ in result.left_out)]
        ),
        "",
        "# What a post-mortem must name to be stored, and what it should (a warning).",
        "# Records from alerting and tracing systems follow `require` / `recommend`.",
        "[gates]",
        f"postmortem_require = {_toml_list(gates.postmortem_require)}",
        f"postmortem_recommend = {_toml_list(gates.postmortem_recommend)}",
        f"require = {_toml_list(gates.require)}",
        "",
    ]
    if result.aliases:
        lines += ["# Names these post-mortems use for fields failearn reads.", "[fields]"]
        lines += [f"{name} = {_toml_list(names)}" for name, names in result.aliases.items()]
        lines.append("")
    if result.classes:
        lines += [
            "# Labels met that are not classes of the taxonomy (`failearn taxonomy show`).",
            "[classes]",
        ]
        for label, target in result.classes.items():
            if target is None:
                lines.append(f'# {_toml_string(label)} = "<class-id>"')
            else:
                lines.append(f"# a typo of {target}? Fix the label, or keep this mapping:")
                lines.append(f"{_toml_string(label)} = {_toml_string(target)}")
        lines.append("")
    if result.infer_classes:
        lines += [
            "# Most post-mortems name no failure class: infer one from their text",
            "# (recorded as inferred, shown by ingest, counted apart by audit).",
            "[classify]",
            'infer = "all"',
            "",
        ]
    lines += [
        "# The service of a post-mortem that names none: one of these names found in its",
        "# title, headings, host names or URLs, else the default.",
        "[services]",
    ]
    if result.default_service is not None:
        lines.append(f"default = {_toml_string(result.default_service)}")
    lines.append("[services.names]")
    lines.append('# "checkout" = ["checkout-api", "payments.example.com"]   # name = other names')
    if result.services:
        lines.append("# Words that recur in the titles: uncomment those that name a service.")
        for name, count in result.services:
            lines.append(f"# {_toml_string(name)} = []   # in {count} titles")
    return "\n".join(lines) + "\n"


def run_init(
    root: Path, taxonomy: Taxonomy, as_of: datetime, force: bool = False, write: bool = True
) -> InitResult:
    """Scan ``root``, write its starter configuration, dry-run the repository with it."""
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    target = root / CONFIG_FILE
    if target.exists() and not force and write:
        raise UsageError(
            f"{target} exists: failearn init never overwrites a configuration",
            hint="pass --force to replace it, or edit it",
        )
    root = root.resolve()
    settings = Settings(root=root)
    context = Context.build(settings, taxonomy, as_of, None)
    include = _include(root)
    scan = _scan(root, include, settings)
    fields, unknown, values = _fields(scan.records, context)
    aliases = _aliases(unknown, values, fields)
    by_name = {f.name: f for f in fields}
    classes = _class_labels(scan.records, context, aliases)
    named_class = by_name["failure_class"].reports + (1 if "failure_class" in aliases else 0)
    services: list[tuple[str, int]] = []
    default: str | None = None
    if by_name["service"].reports < len(scan.records) and "service" not in aliases:
        services = _title_terms(scan.records, taxonomy)
        default = _default_service(root)
    result = InitResult(
        root=str(root),
        config=str(target),
        written=False,
        files=len(scan.records),
        left_out=scan.left_out,
        fields=fields,
        unknown_names=[(n, c) for n, c in unknown.most_common(10)],
        aliases=aliases,
        classes=classes,
        services=services,
        default_service=default,
        infer_classes=named_class < len(scan.records) / 2,
        include=include,
        text="",
    )
    result.text = render_config(result, settings)
    if write:
        target.write_text(result.text, encoding="utf-8")
        result.written = True
    configured = replace(
        settings_from_table(tomllib.loads(result.text), target), root=root, db=root / DEFAULT_DB
    )
    # Every problem in full: a repository of post-mortems is small, and the reasons
    # counted by field are the point.
    result.dry_run = run_ingest(
        configured,
        taxonomy,
        IngestOptions(
            paths=[str(root)], as_of=as_of, dry_run=True, max_errors=len(scan.records) * 10
        ),
    )
    return result
