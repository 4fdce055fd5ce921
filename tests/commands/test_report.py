"""Pieces of the report core: the week it covers, links to post-mortems."""

from __future__ import annotations

import pytest

from failearn.commands.report import incident_link, report_week
from failearn.timeutil import parse_as_of


@pytest.mark.parametrize(
    ("as_of", "label", "start", "end"),
    [
        ("2026-11-23", "2026-W47", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("2026-11-25T09:00:00Z", "2026-W47", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("2026-11-23T00:00:01Z", "2026-W47", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("2026-11-29T23:59:59Z", "2026-W47", "2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"),
        ("2026-11-30", "2026-W48", "2026-11-23T00:00:00Z", "2026-11-30T00:00:00Z"),
        ("2027-01-04", "2026-W53", "2026-12-28T00:00:00Z", "2027-01-04T00:00:00Z"),
    ],
)
def test_the_week_is_the_last_complete_iso_week_before_the_as_of(
    as_of: str, label: str, start: str, end: str
) -> None:
    week = report_week(parse_as_of(as_of))
    assert (week.label, week.start, week.end, week.partial) == (label, start, end, False)


@pytest.mark.parametrize(
    ("source", "line", "base", "link"),
    [
        ("pm/2026-11-17-pool.md", 1, None, "pm/2026-11-17-pool.md"),
        ("exports/alerts.ndjson", 29, None, "exports/alerts.ndjson#L29"),
        (
            "./pm/a.md",
            None,
            "https://git.example/pm/blob/main/",
            "https://git.example/pm/blob/main/pm/a.md",
        ),
        ("javascript:alert(1)", None, None, "./javascript:alert(1)"),
        (
            ".github/postmortems/a.md",
            None,
            "https://git.example/pm/blob/main/",
            "https://git.example/pm/blob/main/.github/postmortems/a.md",
        ),
        (
            "./.hidden/b.md",
            None,
            "https://git.example/pm/blob/main",
            "https://git.example/pm/blob/main/.hidden/b.md",
        ),
        (
            "../shared/alerts.ndjson",
            7,
            "https://git.example/pm/blob/main/",
            "https://git.example/pm/blob/main/../shared/alerts.ndjson#L7",
        ),
        ("../shared/c.md", None, None, "../shared/c.md"),
        ("-", 3, None, None),
        (None, None, None, None),
    ],
)
def test_incident_links(
    source: str | None, line: int | None, base: str | None, link: str | None
) -> None:
    assert incident_link(source, line, base) == link
