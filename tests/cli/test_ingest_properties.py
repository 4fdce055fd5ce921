"""Whatever it is given, ``failearn ingest`` keeps it and reports on it: it never fails.

Arbitrary JSON values (leaning on the keys of the canonical record and of the
vendor payloads), real vendor payloads with parts replaced by arbitrary values
(so that every adapter sees odd shapes), arbitrary Markdown with YAML-ish front
matter and real post-mortems with lines edited go through the CLI.  The run must end with exit 0 or
1, never 3 (a crash), no record may be rejected as ``record-error`` (failearn
failing on it), and every file must reach the inbox.  Hypothesis is
derandomised (tests/conftest.py): the same examples on every run.
"""

from __future__ import annotations

import copy
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES

KEYS = (
    # the canonical record and the names sources use for it
    "id",
    "timestamp",
    "service",
    "failure_class",
    "trace_ids",
    "severity",
    "title",
    "summary",
    "root_cause",
    "resolution",
    "error_messages",
    "dependencies",
    "metrics",
    "trace_shape",
    "sections",
    "tags",
    "source_format",
    "ended_at",
    "caused_by_rule",
    "fingerprint",
    "authors",
    "on_call",
    "Created By",
    "class_hints",
    "timeline_start",
    # vendor payloads
    "event",
    "event_type",
    "event_action",
    "routing_key",
    "payload",
    "data",
    "type",
    "alert",
    "alertId",
    "action",
    "resourceSpans",
    "resourceLogs",
    "scopeSpans",
    "spans",
    "resource",
    "attributes",
    "key",
    "value",
    "stringValue",
    "arrayValue",
    "values",
    "status",
    "code",
    "message",
    "events",
    "name",
    "traceId",
    "spanId",
    "parentSpanId",
    "startTimeUnixNano",
    "event_id",
    "exception",
    "level",
    "platform",
    "contexts",
    "trace",
    "trace_id",
    "project",
    "alerts",
    "labels",
    "annotations",
    "groupKey",
    "commonLabels",
    "commonAnnotations",
    "receiver",
    "startsAt",
    "endsAt",
    "generatorURL",
    "orgId",
    "teams",
    "details",
    "createdAt",
    "updatedAt",
    "custom_details",
    "incidents",
    "records",
    "items",
)
TEXTS = (
    "2026-11-02T14:03:00Z",
    "9999-12-31T23:59:59-05:00",
    "0001-01-01T00:30:00+01:00",
    "9999-12-31 23:59 PST",
    "Fri, 31 Dec 9999 23:59:59 -0500",
    "1e400",
    "-1",
    "inf",
    "nan",
    "timeout",
    "checkout",
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "incident.triggered",
    "trigger",
    "Create",
    "STATUS_CODE_ERROR",
    "1793628180000000000",
    "\x1b[31mred\x1b[0m",
    "SEV1",
    "Created By: Jane Doe",
    "",
)
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12) | st.sampled_from(TEXTS)
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KEYS) | text, children, max_size=6)
    ),
    max_leaves=25,
)
objects = st.dictionaries(st.sampled_from(KEYS), json_values, max_size=8)

YAML_VALUES = (
    "[a, b]",
    "{a: 1}",
    "{500: 120}",
    "2026-11-02T14:03:00Z",
    "9999-12-31T23:59:59-05:00",
    ".inf",
    "1e400",
    "-1",
    "null",
    "~",
    "&a [1, 2]",
    "*a",
    "|",
    "- x",
    "'quoted'",
    '"open',
    "true",
    "{a: {b: [1, {c: d}]}}",
    "[4bf92f3577b34da6a3ce929d0e0e4736]",
    "timeout",
    "checkout",
    "!!binary aGk=",
    "!!python/object:os.system x",
    "? [a]",
    "@x",
    "%",
)
front_matter_lines = st.tuples(
    st.sampled_from(KEYS) | text, st.sampled_from(YAML_VALUES) | text
).map(lambda kv: f"{kv[0]}: {kv[1]}")
BODY_LINES = (
    "# Outage on 2026-11-02",
    "# Outage on 9999-12-31",
    "## Summary",
    "## Timeline",
    "## Timeline (UTC+30)",
    "## Root Cause",
    "## Authors",
    "- 23:50 outage began",
    "- 00:20 resolved",
    "| Time | Event |",
    "| --- | --- |",
    "| 10:00 | impact starts |",
    "| Owner | Jane |",
    "Created By: Jane Doe <jane@example.com>",
    "**Authors**: Ann, Bob",
    "All times in PDT",
    "```",
    "> error: connection refused",
    "`4bf92f3577b34da6a3ce929d0e0e4736`",
    "---",
    "+++",
    "",
    "\x1b]0;pwned\x07",
)
body_lines = st.sampled_from(BODY_LINES) | text
markdown = st.builds(
    lambda blank, fm, closed, body: (
        "\n" * blank
        + ("---\n" + "\n".join(fm) + ("\n---\n" if closed else "\n") if fm is not None else "")
        + "\n".join(body)
    ),
    st.integers(0, 2),
    st.none() | st.lists(front_matter_lines, max_size=8),
    st.booleans(),
    st.lists(body_lines, max_size=12),
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path into a JSON value (the value itself is the empty path)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


VENDORS = FIXTURES / "vendors"
VENDOR_PAYLOADS = [
    json.loads(p.read_text(encoding="utf-8")) for p in sorted(VENDORS.glob("*.json"))
] + [
    json.loads(line)
    for line in (VENDORS / "pagerduty-events.ndjson").read_text(encoding="utf-8").splitlines()
]


@st.composite
def vendor_payloads(draw: st.DrawFn) -> Any:
    """A real vendor payload with up to three of its parts replaced by any JSON value."""
    payload = copy.deepcopy(draw(st.sampled_from(VENDOR_PAYLOADS)))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(payload)))
        if not path:
            continue
        parent = payload
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = draw(json_values)
    return payload


POST_MORTEMS = [
    p.read_text(encoding="utf-8")
    for p in sorted((FIXTURES / "realdata").rglob("*.md"))
    + sorted((FIXTURES / "good").glob("*.md"))
]


@st.composite
def edited_post_mortems(draw: st.DrawFn) -> str:
    """A real post-mortem with a few lines inserted, deleted or replaced."""
    lines = draw(st.sampled_from(POST_MORTEMS)).split("\n")
    for _ in range(draw(st.integers(1, 6))):
        edit = draw(st.sampled_from(("insert", "delete", "replace")))
        at = draw(st.integers(0, max(len(lines) - 1, 0)))
        line = draw(body_lines | front_matter_lines)
        if edit == "insert" or not lines:
            lines.insert(at, line)
        elif edit == "delete":
            del lines[at]
        else:
            lines[at] = line
    return "\n".join(lines)


def run_on(files: dict[str, bytes]) -> None:
    """Ingest the files into a new database: exit 0 or 1, each file in the inbox."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for name, data in files.items():
            (root / name).write_bytes(data)
        db = root / "x.db"
        result = Cli()(
            "ingest", str(root), "--db", str(db), "--as-of", "2026-11-23", "--format", "json"
        )
        assert result.exit_code in (0, 1), (result.exit_code, result.stderr)
        document: dict[str, Any] = json.loads(result.stdout)
        outcomes = ("accepted", "merged", "updated", "unchanged", "rejected", "skipped")
        assert sum(document[o] for o in outcomes) == document["records"]
        # record-error is failearn failing on a record: a bug, even if the run goes on.
        assert [e for e in document["errors"] if e["code"] == "record-error"] == []
        with sqlite3.connect(db) as conn:
            sources = {Path(s).name for (s,) in conn.execute("SELECT source FROM inbox")}
        assert sources == set(files), (sources, set(files))


EXAMPLES = settings(
    max_examples=120, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)


@EXAMPLES
@given(
    values=st.lists(json_values | objects | vendor_payloads(), min_size=1, max_size=3),
    lines=st.lists(objects, min_size=1, max_size=4),
)
def test_any_json_is_kept_and_reported_never_a_crash(
    values: list[Any], lines: list[dict[str, Any]]
) -> None:
    files = {f"v{n}.json": json.dumps(value).encode() for n, value in enumerate(values)}
    files["lines.ndjson"] = "".join(json.dumps(line) + "\n" for line in lines).encode()
    run_on(files)


@EXAMPLES
@given(pages=st.lists(markdown | edited_post_mortems(), min_size=1, max_size=3))
def test_any_markdown_is_kept_and_reported_never_a_crash(pages: list[str]) -> None:
    run_on({f"p{n}.md": page.encode() for n, page in enumerate(pages)})
