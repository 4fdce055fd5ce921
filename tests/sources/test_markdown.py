from __future__ import annotations

from pathlib import Path

import pytest

from failearn.sources.markdown import parse_markdown, trace_search_pattern
from failearn.sources.sections import classify_heading

FIXTURES = Path(__file__).parent.parent / "fixtures"
REALDATA = FIXTURES / "realdata"


@pytest.mark.parametrize(
    ("heading", "section"),
    [
        ("Root Cause", "root_cause"),
        ("Root Causes", "root_cause"),
        ("Root Cause(s)", "root_cause"),
        ("Causes ", "root_cause"),
        ("3. Root cause", "root_cause"),
        ("**Timeline**", "timeline"),
        ("Timeline (all times PDT)", "timeline"),
        ("Action Items", "action_items"),
        ("Lessons Learned", "lessons_learned"),
        ("Five Whys", "root_cause"),
        ("Executive summary", "summary"),
        ("Mitigation", "resolution"),
        ("Apendix", "appendix"),
        ("Appendinx", "appendix"),
        ("Workarounds", "workarounds"),
        ("IV. Impact", "impact"),
        ("Customer communication", None),
        ("Supporting information", "supporting_information"),
    ],
)
def test_headings_as_people_write_them(heading: str, section: str | None) -> None:
    assert classify_heading(heading) == section


def test_front_matter_lines_and_body_sections() -> None:
    text = (
        "---\ntitle: T\nservice: checkout\nmetrics:\n  cpu: 0.9\n---\n# Title here\n\n"
        "intro\n\n## Root Cause\nbecause `4BF92F3577B34DA6A3CE929D0E0E4736`\n\n"
        "### Details\nmore detail\n\n## Odd section\nkept\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.field_lines["title"] == 2 and raw.field_lines["metrics.cpu"] == 5
    assert raw.payload["title"] == "T"
    assert "because" in raw.payload["root_cause"] and "more detail" in raw.payload["root_cause"]
    assert raw.field_lines["root_cause"] == 11
    assert raw.payload["sections"]["Odd section"] == "kept"
    assert raw.payload["trace_ids"] == ["4BF92F3577B34DA6A3CE929D0E0E4736"]


def test_toml_front_matter() -> None:
    raw = parse_markdown('+++\ntitle = "T"\nservice = "auth"\n+++\n# Body\n', "pm.md")
    assert raw.payload is not None and raw.payload["service"] == "auth"
    assert raw.field_lines["service"] == 3


def test_no_front_matter_still_gives_sections() -> None:
    raw = parse_markdown("# Outage\n\n## Summary\nIt broke.\n", "pm.md")
    assert raw.payload == {
        "title": "Outage",
        "summary": "It broke.",
        "sections": {"Summary": "It broke."},
    }


def test_error_lines_from_code_and_quotes() -> None:
    text = (
        '# X\n\n## Root cause\n\n> {"level":"fatal","error":"duplicated preset"}\n\n'
        "```\nok line\nERROR connection refused to db\n```\n\nSee `Timeout waiting 30s`.\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    errors = raw.payload["error_messages"]
    assert "ERROR connection refused to db" in errors
    assert "Timeout waiting 30s" in errors
    assert any("duplicated preset" in e for e in errors)
    assert "ok line" not in errors


def test_trace_search_pattern_follows_the_gate() -> None:
    assert trace_search_pattern("^[0-9a-f]{16}$").findall("id 00f067aa0ba902b7 x") == [
        "00f067aa0ba902b7"
    ]
    assert trace_search_pattern("^[0-9a-f]{32}$").findall("a" * 40) == []


def test_front_matter_keys_that_are_not_strings_are_kept_as_json_spells_them() -> None:
    text = (FIXTURES / "edge" / "yaml-nonstr-keys.md").read_text(encoding="utf-8")
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.payload["http_errors"] == {"500": 120, "503": 4}
    assert raw.payload["by_day"] == {"2026-11-02": 124}
    assert raw.payload["flags"] == {"true": "enabled", "null": "unset", "1.5": "half"}


def test_front_matter_that_is_never_closed_is_rejected_where_it_opens() -> None:
    text = (FIXTURES / "bad" / "unclosed-front-matter.md").read_text(encoding="utf-8")
    raw = parse_markdown(text, "pm.md")
    assert [(i.code, i.line, i.message) for i in raw.issues] == [
        ("front-matter-not-closed", 1, "front matter opened with `---` on line 1 is never closed")
    ]
    assert raw.payload is None and raw.raw == text
    raw = parse_markdown("\n+++\ntitle = 'x'\n\n# x\n", "pm.md")
    assert [(i.code, i.line) for i in raw.issues] == [("front-matter-not-closed", 2)]


def test_blank_lines_before_the_front_matter_are_allowed() -> None:
    path = FIXTURES / "edge" / "blank-lines-before-front-matter.md"
    raw = parse_markdown(path.read_text(encoding="utf-8"), "pm.md")
    assert raw.payload is not None, raw.issues
    assert raw.payload["id"] == "PM-BLANK" and raw.payload["service"] == "checkout"
    assert (raw.field_lines["id"], raw.field_lines["trace_ids"]) == (4, 9)
    assert raw.payload["title"] == "t"
    assert raw.field_lines["summary"] == 14


def test_a_front_matter_key_written_twice_is_a_warning_at_its_second_line() -> None:
    text = (FIXTURES / "edge" / "duplicate-keys.md").read_text(encoding="utf-8")
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None and raw.payload["service"] == "payments"
    assert [(i.code, i.level, i.line, i.field, i.message) for i in raw.issues] == [
        (
            "duplicate-key",
            "warning",
            6,
            "service",
            "front matter: `service` is written again (first on line 5); the last value is used",
        )
    ]
