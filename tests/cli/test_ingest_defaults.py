"""Defaults that meet post-mortems as teams write them: dates, gate policy, typos, services."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli

AS_OF = "2026-01-01"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SERVICES = (
    '[services]\ndefault = "platform"\n[services.names]\nprow = []\nboskos = ["boskos.k8s.io"]\n'
)


def ingest(cli: Cli, *paths: str, exit_code: int = 0) -> dict[str, Any]:
    return cli.json("ingest", *paths, "--as-of", AS_OF, exit_code=exit_code)


def write(name: str, text: str) -> str:
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return name


def stored(sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect("failearn.db") as conn:
        return conn.execute(sql).fetchall()


def front(key: str, value: str) -> str:
    return (
        f"---\n{key}: {value}\nservice: api\nfailure_class: timeout\n---\n"
        "# API timeouts\n\n## Summary\n\nCalls to the API timed out.\n"
    )


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("date", "2023-09-27", "2023-09-27T00:00:00Z"),
        ("incident_date", "2023-09-27 14:03", "2023-09-27T14:03:00Z"),
        ("start_time", "2023-09-27T14:03:00+02:00", "2023-09-27T12:03:00Z"),
        ("started_at", "2023-09-27T14:03:00Z", "2023-09-27T14:03:00Z"),
        ("detected", "'2023-09-27T14:03:00Z'", "2023-09-27T14:03:00Z"),
        ("Date", "27/09/2023", "2023-09-27T00:00:00Z"),
        ("date", "Sept 6 2023", "2023-09-06T00:00:00Z"),
        ("date", "6 September 2023 14:03 UTC", "2023-09-06T14:03:00Z"),
    ],
)
def test_the_start_is_read_under_the_names_teams_use(
    cli: Cli, key: str, value: str, expected: str
) -> None:
    doc = ingest(cli, write("pm.md", front(key, value)))
    assert doc["accepted"] == 1, doc["errors"]
    assert stored("SELECT timestamp FROM reports") == [(expected,)]
    # No trace id in a post-mortem: a warning naming the key that makes it one.
    (warning,) = [w for w in doc["warnings"] if w["code"] == "missing-recommended-field"]
    assert warning["field"] == "trace_ids"
    assert "[gates] postmortem_recommend" in warning["hint"]


def test_a_date_field_names_the_day_and_the_timeline_the_minute(cli: Cli) -> None:
    text = front("date", "2023-09-27") + "\n## Timeline\n\n- 14:03 UTC the outage began\n"
    doc = ingest(cli, write("pm.md", text))
    assert doc["accepted"] == 1
    assert stored("SELECT timestamp FROM reports") == [("2023-09-27T14:03:00Z",)]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("09/06/2023", "could be 9 June or September 6: write it as 2023-06-09 or 2023-09-06"),
        (
            "last Tuesday",
            "write it as 2023-09-27 or 2023-09-27T14:03:00Z (failearn also reads "
            "27/09/2023, Sept 6 2023",
        ),
    ],
)
def test_a_date_that_cannot_be_read_for_sure_is_a_located_error_naming_the_format(
    cli: Cli, value: str, message: str
) -> None:
    doc = ingest(cli, write("pm.md", front("date", value)), exit_code=1)
    (error,) = doc["errors"]
    assert (error["code"], error["line"], error["field"]) == ("invalid-timestamp", 2, "timestamp")
    assert message in error["message"]


def test_a_month_alone_is_its_first_day_with_a_warning(cli: Cli) -> None:
    doc = ingest(cli, write("pm.md", front("date", "2023-05")))
    assert stored("SELECT timestamp FROM reports") == [("2023-05-01T00:00:00Z",)]
    assert any(
        w["code"] == "imprecise-timestamp" and "only a month" in w["message"]
        for w in doc["warnings"]
    )


def test_no_front_matter_the_dated_heading_gives_the_day_with_a_note(cli: Cli) -> None:
    Path("failearn.toml").write_text(
        SERVICES + '[classify]\ninfer = "all"\n'
        '[classify.keywords]\n"crashed" = "hardware-failure"\n'
    )
    text = (
        "# 2018-02-22 NGINX crash\n\n## Summary\n\nWe got alerts saying the proxy was "
        "down; the nginx pods had crashed.\n"
    )
    doc = ingest(cli, write("reports/nginx.md", text))
    assert doc["accepted"] == 1, doc["errors"]
    (note,) = [w for w in doc["warnings"] if w["code"] == "timestamp-found"]
    assert (note["level"], note["line"]) == ("note", 1)
    assert note["message"] == (
        "no field or timeline names when it started: '2018-02-22' is taken from the first heading"
    )
    assert stored("SELECT timestamp, service FROM reports") == [
        ("2018-02-22T00:00:00Z", "platform")
    ]


def test_the_file_name_dates_a_report_that_says_nothing_else(cli: Cli) -> None:
    Path("failearn.toml").write_text(SERVICES + '[classify]\ninfer = "all"\n')
    text = "# Prow outage\n\n## Summary\n\nProw stopped scheduling jobs: a config error.\n"
    doc = ingest(cli, write("post-mortem-2019-05-30.md", text))
    assert doc["accepted"] == 1, doc["errors"]
    notes = {w["code"]: w["message"] for w in doc["warnings"] if w["level"] == "note"}
    assert notes["timestamp-found"].endswith("'2019-05-30' is taken from the file name")
    (service,) = [p for p in doc["inferred"] if p["field"] == "service"]
    assert (service["value"], service["via"], service["probability"], service["evidence"]) == (
        "prow",
        "title",
        0.9,
        "Prow",
    )
    assert stored(
        "SELECT value, via, probability, evidence FROM report_provenance WHERE field = 'service'"
    ) == [("prow", "title", 0.9, "Prow")]
    result = cli("ingest", "post-mortem-2019-05-30.md", "--as-of", AS_OF, "--db", "x.db")
    assert "inferred service prow via title (p 0.90; from 'Prow')" in result.stdout


def test_toml_front_matter_as_zola_writes_it(cli: Cli) -> None:
    text = (
        '+++\npath = "inside-rust/2023/02/08/dns-outage"\ntitle = "DNS Outage on '
        '2023-01-25"\nservice = "crates.io"\nfailure_class = "dns-failure"\n+++\n\n'
        "On Wednesday, 2023-01-25 at 09:15 UTC, we deployed changes.\n"
    )
    doc = ingest(cli, write("dns.md", text))
    assert doc["accepted"] == 1, doc["errors"]
    assert stored("SELECT timestamp, title FROM reports") == [
        ("2023-01-25T09:15:00Z", "DNS Outage on 2023-01-25")
    ]


def test_gate_errors_name_the_key_that_governs_them(cli: Cli) -> None:
    doc = ingest(
        cli, write("pm.md", "---\ndate: 2023-09-27\n---\n# Something broke\n"), exit_code=1
    )
    hints = {e["field"]: e["hint"] for e in doc["errors"] if e["code"] == "missing-field"}
    assert set(hints) == {"service", "failure_class"}
    assert all("[gates] postmortem_require makes it required" in h for h in hints.values())
    record = {"timestamp": "2023-09-27T10:00:00Z", "service": "api", "failure_class": "timeout"}
    Path("r.json").write_text(json.dumps(record))
    doc = ingest(cli, "r.json", exit_code=1)
    (error,) = doc["errors"]
    assert (error["field"], error["code"]) == ("trace_ids", "missing-field")
    assert "[gates] require makes it required" in error["hint"]


def test_a_class_typo_gets_did_you_mean_and_no_mapping_hint(cli: Cli) -> None:
    doc = ingest(
        cli, write("pm.md", front("date", "2023-09-27").replace("timeout", "timout")), exit_code=1
    )
    (error,) = doc["errors"]
    assert error["code"] == "unknown-class"
    assert error["hint"].startswith("did you mean `timeout`?")
    assert '[classes] "timout"' not in error["hint"]
    doc = ingest(
        cli, write("pm.md", front("date", "2023-09-27").replace("timeout", "gremlins")), exit_code=1
    )
    assert '[classes] "gremlins" = "<class-id>"' in doc["errors"][0]["hint"]


def test_services_are_found_in_headings_hosts_and_urls(cli: Cli) -> None:
    Path("failearn.toml").write_text(SERVICES)
    base = "---\ndate: 2023-09-27\nfailure_class: timeout\n---\n# Jobs stuck\n\n"
    write("a.md", base + "## Prow scheduler\n\nIt stopped.\n")
    write("b.md", base + "## Summary\n\nLeases at https://boskos.k8s.io/leases timed out.\n")
    write("c.md", base + "## Summary\n\nSee [the dashboard](https://ci.example.org/prow/jobs).\n")
    write("d.md", base + "## Summary\n\nNothing names a service here.\n")
    ingest(cli, ".")
    rows = stored(
        "SELECT r.source, r.service, p.via FROM reports r LEFT JOIN "
        "report_provenance p ON p.report_key = r.key AND p.field = 'service' "
        "ORDER BY r.source"
    )
    assert rows == [
        ("a.md", "prow", "heading"),
        ("b.md", "boskos", "host name"),
        ("c.md", "prow", "url"),
        ("d.md", "platform", "default"),
    ]


def test_audit_counts_inferred_services_apart(cli: Cli) -> None:
    Path("failearn.toml").write_text(SERVICES)
    base = "---\ndate: 2025-12-{day}\nfailure_class: timeout\n{extra}---\n# {title}\n"
    write("a.md", base.format(day="20", extra="", title="Prow stuck"))
    write("b.md", base.format(day="21", extra="", title="Jobs stuck"))
    write("c.md", base.format(day="22", extra="service: api\n", title="API slow"))
    ingest(cli, ".")
    doc = cli.json("audit", "--as-of", AS_OF)
    assert doc["hygiene"]["inferred_services"] == [
        {"via": "default", "incidents": 1},
        {"via": "title", "incidents": 1},
    ]
    result = cli("audit", "--as-of", AS_OF)
    assert "2 incident(s) named no service; it was inferred (" in result.stdout


def test_a_toml_field_is_located_on_its_own_line(cli: Cli) -> None:
    text = (
        '+++\nfailure_class = "timout"\ntitle = "Outage"\nservice = "api"\n'
        "date = 2023-09-27T10:00:00Z\n+++\n\nIt broke.\n"
    )
    doc = ingest(cli, write("pm.md", text), exit_code=1)
    (error,) = doc["errors"]  # the first key too, not the +++ line above it
    assert (error["code"], error["line"]) == ("unknown-class", 2)
