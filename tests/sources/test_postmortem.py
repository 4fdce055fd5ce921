"""Post-mortems as real teams keep them: fields in the body, timelines in their own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from failearn.capture.anonymize import Anonymizer
from failearn.capture.normalise import Context, Normalised, normalise
from failearn.config import ClassifyConfig, GatesConfig, Settings
from failearn.sources import postmortem
from failearn.sources.markdown import parse_markdown
from failearn.taxonomy.file import load_taxonomy

REALDATA = Path(__file__).parent.parent / "fixtures" / "realdata"
# Public post-mortems carry no trace ids and no class label: the class is inferred.
POLICY = Settings(
    gates=GatesConfig(require=("timestamp", "service", "failure_class")),
    classify=ClassifyConfig(infer="all"),
)


def incident_of(text: str, source: str = "pm.md", settings: Settings = POLICY) -> Normalised:
    context = Context.build(
        settings, load_taxonomy(), datetime(2026, 11, 23, tzinfo=UTC), Anonymizer("k")
    )
    return normalise(parse_markdown(text, source), context)


def test_fields_in_the_first_lines_without_front_matter() -> None:
    text = (
        "# Checkout outage\n\nDate: 2026-11-02\n**Service**: checkout\n"
        "Severity: SEV2\nCreated by: Jane Doe\n\n## Root cause\n"
        "The connection pool was exhausted.\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.payload["service"] == "checkout" and raw.payload["severity"] == "SEV2"
    assert raw.field_lines["service"] == 4
    result = incident_of(text)
    assert result.errors == []
    incident = result.incident
    assert incident is not None
    assert incident.timestamp == datetime(2026, 11, 2, tzinfo=UTC)
    assert incident.failure_class == "connection-pool-exhaustion"
    assert incident.people["Created by"][0].startswith("person-")


def test_a_metadata_table_and_bold_bullets() -> None:
    text = (
        "# Payments degraded\n\n| Field | Value |\n| --- | --- |\n| Service | payments |\n"
        "| Severity | SEV2 |\n| Start time | 2026-11-04 09:15 UTC |\n\n"
        "- **Impact**: 4 % of payments failed\n- **Time to repair**: 4h 27m\n"
        "- **Time to resolve**: 1d 2h\n- **Root cause**: a timeout calling the card issuer\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.payload["metrics"] == {
        "time_to_repair_minutes": 267.0,
        "time_to_resolve_minutes": 1560.0,
    }
    assert raw.payload["sections"]["Impact"] == "4 % of payments failed"
    incident = incident_of(text).incident
    assert incident is not None
    assert (incident.service, incident.severity) == ("payments", "SEV2")
    assert incident.timestamp == datetime(2026, 11, 4, 9, 15, tzinfo=UTC)
    assert incident.root_cause == "a timeout calling the card issuer"
    assert incident.failure_class == "timeout"


def test_a_timeline_in_pdt_and_a_start_marked_in_it() -> None:
    text = (
        "# Prow outage\n\nAll times in PDT (UTC-7).\n\n## Summary\nservice: prow\n\n"
        "## 3. Timeline\n\n* [08:47] bump merged. **Outage begins.**\n"
        "* [09:34] confirmed functional. **Outage ends.**\n"
    )
    raw = parse_markdown(text, "prow.md")
    assert raw.payload is not None
    # No date anywhere: the times cannot be placed.
    assert "timeline_start" not in raw.payload
    # The file name dates them, and says so.
    raw = parse_markdown(text, "2019-03-26-prow.md")
    assert raw.payload is not None
    assert raw.payload["timeline_start"] == "2019-03-26T15:47:00Z"
    assert raw.found_in == {"timeline_start": "the timeline, dated by the file name"}
    dated = text.replace("# Prow outage", "# March 26th, 2019 Prow outage")
    raw = parse_markdown(dated, "pm.md")
    assert raw.payload is not None
    assert raw.payload["timeline_start"] == "2019-03-26T15:47:00Z"
    assert raw.payload["timeline_end"] == "2019-03-26T16:34:00Z"
    assert raw.field_lines["timeline_start"] == 10


def test_a_timeline_table_in_utc_plus_2_with_a_day_rollover() -> None:
    text = (
        "---\nservice: search\nfailure_class: timeout\n---\n# Search slow on 2026-11-06\n\n"
        "## Timeline (UTC+2)\n\n| Time | Event |\n| --- | --- |\n"
        "| 23:50 | latency rises, impact starts |\n| 00:20 | rollback done, resolved |\n"
    )
    incident = incident_of(text).incident
    assert incident is not None
    assert incident.timestamp == datetime(2026, 11, 6, 21, 50, tzinfo=UTC)
    assert incident.ended_at == datetime(2026, 11, 6, 22, 20, tzinfo=UTC)  # the next day


def test_bullets_with_dates_and_zones_in_the_entries() -> None:
    parts = [
        ("2019-01-22\n", 10),
        ("- 2:54 PM PST: config merged\n- 3:28 PM PST: uploaded\n", 12),
        ("2019-01-23\n", 15),
        ("- 4:49 AM: first user report\n", 17),
    ]
    events = postmortem.timeline_events(parts, date(2019, 1, 23), timezone(timedelta(hours=-8)))
    # A date line is a day of the timeline too (the start when no entry of that day has a
    # time), written as the day.
    assert [e.written() for e in events] == [
        "2019-01-22",
        "2019-01-22T22:54:00Z",
        "2019-01-22T23:28:00Z",
        "2019-01-23",
        "2019-01-23T12:49:00Z",
    ]
    start = postmortem.start_event(events, date(2019, 1, 23))
    assert start is not None and start.line == 17  # the first timed entry on the incident's day
    only_days = postmortem.timeline_events(
        [("2018-01-11\n", 3), ("2018-01-19 11:00 fixed\n", 5)], date(2018, 1, 11), None
    )
    start = postmortem.start_event(only_days, date(2018, 1, 11))
    assert start is not None and start.written() == "2018-01-11"


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("All times in PDT (UTC-7).", -7 * 60),
        ("All times PST.", -8 * 60),
        ("Timeline (all times UTC+2)", 120),
        ("all times are in UTC", 0),
        ("## Timeline (CEST)", 120),
        ("Timeline is in CET", 60),
    ],
)
def test_the_zone_a_post_mortem_names(text: str, offset: int) -> None:
    zone = postmortem.document_zone(text)
    assert zone is not None
    assert zone.utcoffset(None) == timedelta(minutes=offset)


@pytest.mark.parametrize(
    "text",
    [
        "> (all times in Pacific Time)",
        "All times in Pacific Time",
        "All times are in Pacific Time.",
        "All times in America/Los_Angeles",
    ],
)
def test_pacific_time_follows_daylight_saving(text: str) -> None:
    zone = postmortem.document_zone(text)
    assert zone is not None
    summer = datetime(2019, 5, 30, 13, 26, tzinfo=zone).astimezone(UTC)
    assert summer.hour == 20


@pytest.mark.parametrize(
    ("value", "minutes"),
    [
        ("4h 27m", 267),
        ("0h 16m", 16),
        ("8m", 8),
        ("1d 5h 47m", 1787),
        ("7h (during support hours 10:00-17:00)", 420),
        ("unknown", None),
    ],
)
def test_durations(value: str, minutes: float | None) -> None:
    assert postmortem.duration_minutes(value) == minutes


def test_headings_of_the_well_known_templates() -> None:
    text = (
        "# Title\n\n### Date\n2015-10-21\n\n### Summary of impact\nAPI errors.\n\n"
        "### Root cause and mitigation\nA bad config push.\n\n### Next steps\nValidate.\n\n"
        "## Chain of Events\n- 10:00 push\n"
    )
    raw = parse_markdown(text, "azure.md")
    assert raw.payload is not None
    # A date heading dates the timeline (it is not a field of its own).
    assert raw.payload["timeline_start"] == "2015-10-21T10:00:00"
    assert raw.payload["summary"] == "API errors."
    assert raw.payload["root_cause"] == "A bad config push."
    assert raw.payload["action_items"] == "Validate."
    assert raw.payload["timeline"] == "- 10:00 push"
    assert raw.payload["timeline_start"] == "2015-10-21T10:00:00"


def test_a_moj_incident_page() -> None:
    name = "2023-07-21-vpc-cni-not-allocating-ip-addresses.html.md.erb"
    path = REALDATA / "moj-cloud-platform" / name
    raw = parse_markdown(path.read_text(encoding="utf-8"), path.name)
    assert raw.payload is not None
    assert raw.payload["timeline_start"] == "2023-07-21T08:15:00"  # "First detected"
    assert raw.payload["timeline_end"] == "2023-07-21T12:42:00"  # "Resolved"
    assert raw.payload["metrics"]["time_to_repair_minutes"] == 267.0
    assert "Impact" in raw.payload["sections"] and "Identified" in raw.payload["sections"]
    assert raw.payload["summary"]  # "Context"


def test_a_kubernetes_post_mortem_in_pst() -> None:
    path = REALDATA / "kubernetes-test-infra" / "post-mortem-2019-01-23.md"
    text = "---\nservice: prow\n---\n" + path.read_text(encoding="utf-8")
    incident = incident_of(text, path.name).incident
    assert incident is not None
    assert incident.timestamp == datetime(2019, 1, 23, 12, 49, tzinfo=UTC)  # 4:49 AM PST
    assert incident.people["Created By"][0].startswith("person-")
    assert incident.failure_class == "configuration-error"


def test_an_empty_template_is_rejected_for_what_it_lacks() -> None:
    path = REALDATA / "postmortem-templates" / "postmortem-template-srebook.md"
    result = incident_of(path.read_text(encoding="utf-8"), path.name)
    # Its headings read like some class to the taxonomy model: what it lacks is a service
    # and a time.
    assert sorted((i.code, i.field) for i in result.errors) == [
        ("missing-field", "service"),
        ("missing-field", "timestamp"),
    ]


def test_a_timeline_that_rolls_over_past_9999_is_unreadable_not_a_crash() -> None:
    text = (
        "---\nservice: search\nfailure_class: timeout\n---\n# Search slow on 9999-12-31\n\n"
        "## Timeline (UTC-8)\n\n- 23:50 latency rises\n- 00:20 outage began\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.payload["timeline_start"] == "the day after 9999-12-31T00:20:00"
    late = text.replace("- 00:20 outage began\n", "")
    raw = parse_markdown(late, "pm.md")
    assert raw.payload is not None  # 23:50 in UTC-8 is past 9999 in UTC: kept with its zone
    assert raw.payload["timeline_start"] == "9999-12-31T23:50:00-08:00"


def test_an_offset_of_a_day_or_more_names_no_zone() -> None:
    text = (
        "---\nservice: s\n---\n# Outage on 2020-01-01\n\n## Timeline (UTC+30)\n\n"
        "- 10:00 outage began\n"
    )
    raw = parse_markdown(text, "pm.md")
    assert raw.payload is not None
    assert raw.payload["timeline_start"] == "2020-01-01T10:00:00"


def test_metadata_lines_may_mix_labels_and_a_lone_table_row() -> None:
    block = "Date: 2026-11-02\n**Service**: checkout\n| Severity | SEV2 |\nFailure class: timeout"
    assert postmortem.plain_labels(block) == [
        ("Date", "2026-11-02", 0),
        ("Service", "checkout", 1),
        ("Severity", "SEV2", 2),
        ("Failure class", "timeout", 3),
    ]
    # Prose may follow a block of labels; a paragraph of prose with a colon is no metadata.
    assert postmortem.plain_labels("Date: 2026-11-02\nService: checkout\nThen it broke.") == [
        ("Date", "2026-11-02", 0),
        ("Service", "checkout", 1),
    ]
    assert postmortem.plain_labels("Note: the pool was full.\nWe restarted it.") is None
