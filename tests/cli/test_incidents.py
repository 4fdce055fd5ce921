"""``failearn incidents list|show``: browse the store by service, class, pattern and time,
in text, JSON and TSV."""

from __future__ import annotations

import pytest

from tests.helpers.cli import Cli
from tests.helpers.clusters import OOM, POOL, WEEKS, cluster, ingest

CHECKOUT = ["pool-7", "pool-5", "pool-3", "pool-1"]  # newest first


@pytest.fixture
def store(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)


def _ids(doc: dict[str, object]) -> list[str]:
    return [row["incident_id"] for row in doc["incidents"]]  # type: ignore[attr-defined]


def test_filters_by_service_class_pattern_and_time(cli: Cli, store: None) -> None:
    everything = cli.json("incidents", "list", "--limit", "0")
    assert everything["total"] == everything["shown"] == 25
    stamps = [row["timestamp"] for row in everything["incidents"]]
    assert stamps == sorted(stamps, reverse=True)
    assert _ids(cli.json("incidents", "list", "--service", "checkout")) == CHECKOUT
    pool = cli.json("incidents", "list", "--class", "connection-pool-exhaustion")
    assert set(_ids(pool)) == POOL
    pattern = {row["pattern_id"] for row in pool["incidents"]}
    assert len(pattern) == 1 and None not in pattern
    (pattern_id,) = pattern
    assert set(_ids(cli.json("incidents", "list", "--pattern", pattern_id))) == POOL
    recent = cli.json(
        "incidents",
        "list",
        "--service",
        "checkout",
        "--since",
        "2026-11-06",
        "--until",
        "2026-11-14",
    )
    assert _ids(recent) == ["pool-5", "pool-3"]
    both = cli.json("incidents", "list", "--service", "checkout", "--service", "recommendations")
    assert set(_ids(both)) == {*CHECKOUT, *OOM}
    limited = cli.json("incidents", "list", "--limit", "2")
    assert limited["shown"] == 2 and limited["total"] == 25
    assert cli.json("incidents", "list", "--pattern", "P9999")["incidents"] == []


def test_piped_text_and_tsv_are_one_tab_separated_line_per_incident(cli: Cli, store: None) -> None:
    text = cli("incidents", "list", "--service", "checkout")
    tsv = cli("incidents", "list", "--service", "checkout", "--format", "tsv")
    assert text.exit_code == tsv.exit_code == 0
    assert text.stdout == tsv.stdout  # CliRunner's stdout is not a terminal
    rows = [line.split("\t") for line in tsv.stdout.splitlines()]
    assert [row[0] for row in rows] == CHECKOUT
    assert all(len(row) == 7 for row in rows)
    assert rows[-1][1:4] == ["2026-11-02 12:10", "checkout", "connection-pool-exhaustion"]


def test_a_terminal_gets_a_table_with_no_id_cut(
    cli: Cli, store: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as for a terminal
    monkeypatch.setenv("TERM", "dumb")  # without colour codes
    monkeypatch.setenv("COLUMNS", "40")
    result = cli("incidents", "list", "--class", "connection-pool-exhaustion")
    assert result.exit_code == 0
    assert "incident" in result.stdout.splitlines()[0] and "…" not in result.stdout
    for incident in POOL:
        assert incident in result.stdout
    assert "connection-pool-exhaustion" in result.stdout


def test_show_names_an_incident_as_every_command_does(cli: Cli, store: None) -> None:
    doc = cli.json("incidents", "show", "pool-3")
    assert doc["command"] == "incidents show"
    incident = doc["incident"]
    assert incident["incident_id"] == "pool-3" and incident["service"] == "checkout"
    assert incident["pattern_id"] is not None
    assert [r["record_id"] for r in doc["records"]] == ["pool-3"]
    text = cli("incidents", "show", "pool-3")
    assert text.exit_code == 0
    assert any(line.split() == ["service", "checkout"] for line in text.stdout.splitlines())
    tsv = cli("incidents", "show", "pool-3", "--format", "tsv")
    assert "service\tcheckout" in tsv.stdout.splitlines()


def test_mistakes_are_usage_errors(cli: Cli, store: None) -> None:
    unknown = cli("incidents", "show", "nope")
    assert unknown.exit_code == 2
    assert "no incident 'nope'" in unknown.stderr and "failearn incidents list" in unknown.stderr
    backwards = cli("incidents", "list", "--since", "2026-11-10", "--until", "2026-11-01")
    assert backwards.exit_code == 2 and "is not after --since" in backwards.stderr
    bad = cli("incidents", "list", "--since", "yesterday")
    assert bad.exit_code == 2 and "error: --since 'yesterday': write a date" in bad.stderr
    fmt = cli("incidents", "list", "--format", "yaml")
    assert fmt.exit_code == 2 and "Value error" not in fmt.stderr


def test_no_database_is_a_clear_error(cli: Cli) -> None:
    result = cli("incidents", "list")
    assert result.exit_code == 2 and "does not exist" in result.stderr
