"""``failearn similar``: have we seen this before? By incident id and by text."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.helpers.cli import Cli
from tests.helpers.clusters import AS_OF, POOL, SEARCH, WEEK_48, WEEKS, cluster, ingest


def test_similar_by_incident_id(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    doc = cli.json("similar", "pool-1", "--top", "5")
    results = doc["results"]
    assert len(results) == 5
    assert {r["incident_id"] for r in results} <= POOL - {"pool-1"}
    # Those that say the same and whose metrics are closest come first, whatever their
    # service: the service is named in no evidence, so a pattern crosses services.
    assert {r["incident_id"] for r in results[:3]} == {"pool-5", "pool-6", "pool-7"}
    scores = [r["score"] for r in results]
    assert scores == sorted(scores, reverse=True) and 0.9 < scores[0] <= 1.0
    first = results[0]
    assert set(first) >= {
        "incident_id",
        "score",
        "timestamp",
        "service",
        "failure_class",
        "source",
        "resolution",
        "workarounds",
    }
    assert first["source"].endswith("weeks-45-47.ndjson") and first["pattern_id"] == "P0001"
    resolved = [
        r for r in cli.json("similar", "pool-1", "--top", "7")["results"] if r["resolution"]
    ]
    assert resolved[0]["incident_id"] == "pool-3"
    assert doc["index"]["indexed"] == 25 and doc["index"]["added"] == 0


def test_similar_by_text(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    doc = cli.json(
        "similar",
        "--text",
        "upstream request timeout after 912ms calling inventory at 10.1.2.3:8443",
        "--top",
        "3",
    )
    assert len(doc["results"]) == 3 and {r["incident_id"] for r in doc["results"]} <= SEARCH
    # Equal scores come in id order; search-to-1 also says what worked around it, words
    # the text does not have.
    assert [r["incident_id"] for r in doc["results"]] == [
        "search-to-2",
        "search-to-3",
        "search-to-4",
    ]
    assert doc["results"][0]["score"] > 0.9
    assert doc["query"]["text"].startswith("upstream")
    unknown = cli.json("similar", "--text", "zebra quokka")
    assert unknown["results"] == [] and unknown["notes"]


def test_incidents_ingested_after_the_run_are_found(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    ingest(cli, WEEK_48, as_of="2026-11-30")
    doc = cli.json("similar", "pool-w48-1", "--top", "3")
    assert doc["index"]["added"] == 4
    assert len(doc["results"]) == 3
    assert {r["incident_id"] for r in doc["results"]} <= POOL | {"pool-w48-2", "pool-w48-3"}
    # Those ingested after the run are found beside those it indexed.
    found = {r["incident_id"] for r in doc["results"]}
    assert found & {"pool-w48-2", "pool-w48-3"} and found & POOL
    assert min(r["score"] for r in doc["results"]) > 0.8
    text = cli.json(
        "similar", "--text", "pool exhausted after 10ms on db-1234.internal", "--top", "11"
    )
    assert {"pool-w48-1", "pool-w48-2", "pool-w48-3"} <= {r["incident_id"] for r in text["results"]}


def test_before_any_cluster_run_a_temporary_index_is_used(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cli.json("similar", "search-to-2", "--top", "3")
    assert len(doc["results"]) == 3 and {r["incident_id"] for r in doc["results"]} <= SEARCH
    # Those that say exactly what it says come first (search-to-1 also has a workaround).
    assert [r["incident_id"] for r in doc["results"]] == [
        "search-to-3",
        "search-to-4",
        "search-to-5",
    ]
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
    for args, message in (
        (("pool-1", "--text", "x"), "not both"),
        ((), "not both"),
        (("--text", "  "), "empty"),
        (("pool-1", "--top", "0"), "--top"),
    ):
        result = cli("similar", *args)
        assert result.exit_code == 2 and message in result.stderr, (args, result.stderr)


def test_text_output(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli, as_of=AS_OF)
    result = cli("similar", "search-to-2", "--top", "5")
    assert result.exit_code == 0
    assert "search-to-" in result.stdout and "workaround: Lower the inventory" in result.stdout


def _copy(record_id: str, new_id: str, timestamp: str, trace: str) -> str:
    for line in WEEKS.read_text("utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == record_id:
            record.update(id=new_id, timestamp=timestamp, trace_ids=[trace])
            return json.dumps(record) + "\n"
    raise AssertionError(record_id)


def test_incidents_merged_after_the_run_are_one_result(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "late.ndjson").write_text(
        _copy("search-to-2", "search-to-2b", "2026-11-06T08:29:00Z", "ab" * 16)
    )
    ingest(cli, WEEKS)
    ingest(cli, tmp_path / "late.ndjson")
    cluster(cli)
    before = cli.json("similar", "search-to-1", "--top", "7")["results"]
    assert {"search-to-2", "search-to-2b"} <= {r["incident_id"] for r in before}
    # A record between the two bridges them: search-to-2b becomes part of search-to-2.
    (tmp_path / "bridge.ndjson").write_text(
        _copy("search-to-2", "search-to-2m", "2026-11-06T08:25:00Z", "cd" * 16)
    )
    ingest(cli, tmp_path / "bridge.ndjson")
    after = cli.json("similar", "search-to-1", "--top", "7")["results"]
    ids = [r["incident_id"] for r in after]
    assert "search-to-2b" not in ids and ids.count("search-to-2") == 1
    assert ids[:5] == [r["incident_id"] for r in before if r["incident_id"] != "search-to-2b"][:5]
    merged = {r["incident_id"]: r["score"] for r in before}
    best = max(merged["search-to-2"], merged["search-to-2b"])
    assert {r["incident_id"]: r["score"] for r in after}["search-to-2"] == best
    # The old id and the bridging record's id both name the merged incident.
    for name in ("search-to-2b", "search-to-2m"):
        doc = cli.json("similar", name, "--top", "3")
        assert doc["query"] == {"incident_id": "search-to-2"}
        assert doc["results"] and doc["results"][0]["incident_id"].startswith("search-to-")
        assert "search-to-2" not in {r["incident_id"] for r in doc["results"]}


def test_incidents_gone_since_the_run_are_left_out(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    with sqlite3.connect("failearn.db") as conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM incidents WHERE id = 'pool-2'")
    doc = cli.json("similar", "pool-1", "--top", "8")
    ids = [r["incident_id"] for r in doc["results"]]
    assert len(ids) == 8 and "pool-2" not in ids and set(ids[:6]) <= POOL


def test_a_cluster_run_stores_the_words_similar_ranks_by(cli: Cli) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    before = cli.json("similar", "pool-1", "--top", "5")
    assert before["notes"] == []
    with sqlite3.connect("failearn.db") as conn:
        (run_id, size) = conn.execute("SELECT run_id, size FROM similar_terms").fetchone()
        assert run_id == before["index"]["run_id"] and size == before["index"]["indexed"]
        conn.execute("DELETE FROM similar_terms")
    # An index stored without them (by an older failearn): built for the query, same answer.
    after = cli.json("similar", "pool-1", "--top", "5")
    assert after["results"] == before["results"]
    assert "index of words was built for this query" in after["notes"][0]
