"""``failearn similar``: have we seen this before? By incident id and by text."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.cli.test_cluster import AS_OF, POOL, SEARCH, WEEK_48, WEEKS, cluster, ingest
from tests.conftest import Cli


def test_similar_by_incident_id(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    doc = cli.json("similar", "pool-1", "--top", "5")
    results = doc["results"]
    assert len(results) == 5
    assert {r["incident_id"] for r in results} <= POOL - {"pool-1"}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and 0.9 < scores[0] <= 1.0
    first = results[0]
    assert set(first) >= {"incident_id", "score", "timestamp", "service", "failure_class",
                          "source", "resolution", "workarounds"}
    assert first["source"].endswith("weeks-45-47.ndjson") and first["pattern_id"] == "P0001"
    resolved = [r for r in cli.json("similar", "pool-1", "--top", "7")["results"]
                if r["resolution"]]
    assert resolved[0]["incident_id"] == "pool-3"
    assert doc["index"]["indexed"] == 25 and doc["index"]["added"] == 0


def test_similar_by_text(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    doc = cli.json("similar", "--text", "upstream request timeout after 912ms calling "
                   "inventory at 10.1.2.3:8443", "--top", "3")
    assert {r["incident_id"] for r in doc["results"]} <= SEARCH
    assert doc["query"]["text"].startswith("upstream")
    unknown = cli.json("similar", "--text", "zebra quokka")
    assert unknown["results"] == [] and unknown["notes"]


def test_incidents_ingested_after_the_run_are_found(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    ingest(cli, WEEK_48, as_of="2026-11-30")
    doc = cli.json("similar", "pool-w48-1", "--top", "3")
    assert doc["index"]["added"] == 4
    assert {r["incident_id"] for r in doc["results"]} <= POOL | {"pool-w48-2", "pool-w48-3"}
    text = cli.json("similar", "--text", "pool exhausted after 10ms on db-1234.internal",
                    "--top", "11")
    assert {"pool-w48-1", "pool-w48-2", "pool-w48-3"} <= {r["incident_id"]
                                                          for r in text["results"]}


def test_before_any_cluster_run_a_temporary_index_is_used(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cli.json("similar", "search-to-2", "--top", "3")
    assert {r["incident_id"] for r in doc["results"]} <= SEARCH
    assert doc["index"]["run_id"] is None and "no cluster run yet" in doc["notes"][0]


def test_unknown_incident(cli: Cli) -> None:
    ingest(cli, WEEKS)
    result = cli("similar", "INC-404")
    assert result.exit_code == 2
    assert "no incident 'INC-404'" in result.stderr and "Traceback" not in result.stderr


def test_empty_store_and_missing_store(cli: Cli, tmp_path: Path) -> None:
    sqlite3.connect("empty.db").close()
    ingest(cli, WEEKS, db="scratch.db")
    result = cli("similar", "pool-1", "--db", "empty.db")
    assert result.exit_code == 2 and "holds no incidents" in result.stderr
    result = cli("similar", "pool-1", "--db", "absent.db")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_usage_errors(cli: Cli) -> None:
    ingest(cli, WEEKS)
    for args, message in ((("pool-1", "--text", "x"), "not both"), ((), "not both"),
                          (("--text", "  "), "empty"), (("pool-1", "--top", "0"), "--top")):
        result = cli("similar", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_text_output(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli, as_of=AS_OF)
    result = cli("similar", "search-to-2", "--top", "2")
    assert result.exit_code == 0
    assert "search-to-" in result.stdout and "workaround: Lower the inventory" in result.stdout
