"""``failearn cluster`` end to end on small hand-made sets whose right grouping is obvious."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from failearn.store import Store
from failearn.store.cluster import latest_patterns
from tests.helpers.cli import Cli
from tests.helpers.clusters import AS_OF, NOISE, OOM, POOL, SEARCH, WEEK_48, WEEKS, cluster, ingest
from tests.helpers.paths import FIXTURES


def by_members(doc: dict[str, Any]) -> dict[frozenset[str], dict[str, Any]]:
    return {frozenset(c["incident_ids"]): c for c in doc["clusters"]}


def test_obvious_groups_come_out_as_clusters_and_the_rest_as_noise(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli)
    assert doc["command"] == "cluster" and doc["run_id"] >= 1
    assert doc["run_number"] == 1  # the first cluster run, whatever ingests came before
    groups = by_members(doc)
    assert set(groups) == {frozenset(POOL), frozenset(SEARCH), frozenset(OOM)}
    assert set(doc["noise"]) == NOISE
    pool = groups[frozenset(POOL)]
    # A cross-service pattern: one cluster over checkout and payments.
    assert pool["services"] == {"checkout": 4, "payments": 4}
    assert pool["classes"] == {"connection-pool-exhaustion": 8}
    assert pool["dominant_class"] == "connection-pool-exhaustion"
    assert pool["size"] == 8 and pool["pattern_id"] == "P0001" and pool["id"] == 1
    # Labelled by its dominant title; the masked template stays as evidence.
    assert pool["label"] == "checkout pool exhausted on db"
    assert pool["titles"] == ["checkout pool exhausted on db", "payments pool exhausted on db"]
    assert pool["dominant_template"] == (
        "HikariPool-<id> - Connection is not available, request timed out after <dur>"
    )
    assert "pool exhausted" in pool["top_terms"]
    assert pool["first_seen"] == "2026-11-02T12:10:00Z"
    assert pool["last_seen"] == "2026-11-16T12:17:00Z"
    assert 0.7 <= pool["cohesion"] <= 1.0
    assert pool["status"] in {"new", "recurring", "growing", "fading"}
    # Incidents with no metrics (search) and no trace shape (oom) still group.
    search = groups[frozenset(SEARCH)]
    # No titles: the template without its placeholders is the label.
    assert search["label"] == "upstream request timeout after calling inventory"
    assert search["dominant_template"] == (
        "upstream request timeout after <dur> calling inventory at <ip>:<num>"
    )
    params = doc["parameters"]
    assert params["method"] == "average-linkage hierarchy cut by stability"
    assert params["eps_source"] == "variation" and 0.05 <= params["eps"] <= 0.5
    assert params["variation"]["pairs"] >= 10
    assert (params["min_size"], params["min_size_source"]) == (3, "min_support")
    assert params["min_cohesion"] == 0.05
    assert doc["window"] == {
        "start": "2026-08-25T00:00:00Z",
        "end": "2026-11-23T00:00:00Z",
        "lookback": "90d",
    }


def test_precursor_signal_of_the_pool_pattern(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli)
    pool = by_members(doc)[frozenset(POOL)]
    signals = {p["metric"]: p for p in pool["precursors"]}
    volume = signals["request_volume_change_pct"]
    assert volume["direction"] == "higher" and volume["effect_size"] == 1.0
    assert 1.6 <= volume["median_in_pattern"] <= 2.6 and abs(volume["median_rest"]) < 0.6
    assert volume["support"] == 8 and volume["support_share"] == 1.0
    assert volume["consistency"] == 1.0 and volume["p_value"] < 0.01
    oom = by_members(doc)[frozenset(OOM)]
    assert "request_volume_change_pct" not in {p["metric"] for p in oom["precursors"]}


def test_same_data_gives_the_same_document(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, WEEKS, db="a.db")
    ingest(cli, WEEKS, db="b.db")
    first = cli("cluster", "--db", "a.db", "--as-of", AS_OF, "--format", "json").stdout
    second = cli("cluster", "--db", "b.db", "--as-of", AS_OF, "--format", "json").stdout
    assert first == second


def test_pattern_ids_are_stable_across_weekly_runs(cli: Cli) -> None:
    ingest(cli, WEEKS)
    week_47 = by_members(cluster(cli))
    ingest(cli, WEEK_48, as_of="2026-11-30")
    doc = cluster(cli, as_of="2026-11-30")
    week_48 = {c["pattern_id"]: c for c in doc["clusters"]}
    assert set(week_48) == {c["pattern_id"] for c in week_47.values()}
    pool = week_48[week_47[frozenset(POOL)]["pattern_id"]]
    assert set(pool["incident_ids"]) > POOL and "pool-w48-1" in pool["incident_ids"]
    assert pool["status"] == "recurring" and pool["recent_count"] == 3
    assert pool["pattern_first_seen"] == "2026-11-02T12:10:00Z"
    # Running the same week again keeps the ids too.
    again = cluster(cli, as_of="2026-11-30")
    assert [c["pattern_id"] for c in again["clusters"]] == [
        c["pattern_id"] for c in doc["clusters"]
    ]
    with sqlite3.connect("failearn.db") as conn:
        history = conn.execute(
            "SELECT pattern_id, COUNT(*) FROM pattern_history "
            "GROUP BY pattern_id ORDER BY pattern_id"
        ).fetchall()
        assert history == [("P0001", 3), ("P0002", 3), ("P0003", 3)]
        assert conn.execute("SELECT COUNT(*) FROM patterns").fetchone()[0] == 3


def test_a_pattern_is_new_when_it_first_appears_in_the_last_week(cli: Cli) -> None:
    ingest(cli, WEEK_48, as_of="2026-11-30")
    doc = cluster(cli, as_of="2026-11-30")
    statuses = {c["status"] for c in doc["clusters"]}
    assert statuses == {"new"}


def test_only_noise(cli: Cli, tmp_path: Path) -> None:
    noise = tmp_path / "noise.ndjson"
    noise.write_text(
        "".join(
            line
            for line in WEEKS.read_text(encoding="utf-8").splitlines(keepends=True)
            if '"noise-' in line
        ),
        encoding="utf-8",
    )
    ingest(cli, noise)
    doc = cluster(cli)
    assert doc["clusters"] == [] and set(doc["noise"]) == NOISE


def test_twins_with_and_without_metrics_are_one_pattern(cli: Cli) -> None:
    # Same service, class, title and message; every other one carries a latency metric.
    ingest(cli, FIXTURES / "analysis" / "with-and-without-metrics.ndjson")
    doc = cluster(cli)
    assert [c["size"] for c in doc["clusters"]] == [24] and doc["noise"] == []
    similar = cli.json("similar", "NM-0", "--top", "23")
    assert len(similar["results"]) == 23
    assert {round(m["score"], 3) for m in similar["results"]} == {1.0}


def test_a_single_incident_is_noise(cli: Cli, tmp_path: Path) -> None:
    one = tmp_path / "one.ndjson"
    one.write_text(WEEKS.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
    ingest(cli, one)
    doc = cluster(cli)
    assert doc["clusters"] == [] and doc["noise"] == ["pool-1"]


def test_an_empty_window(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli, as_of="2026-01-01")
    assert doc["clusters"] == [] and doc["noise"] == [] and doc["incidents"] == 0
    assert doc["parameters"]["eps_source"] == "default"


def test_parameters_from_the_command_line_and_the_configuration(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli, "--eps", "0.2", "--min-size", "4")
    params = doc["parameters"]
    assert (params["eps"], params["eps_source"]) == (0.2, "option")
    assert (params["min_size"], params["min_size_source"]) == (4, "option")
    # min_size 4: the five OOMs and six timeouts stay patterns
    assert {c["size"] for c in doc["clusters"]} >= {5, 6}
    (tmp_path / "failearn.toml").write_text(
        "[cluster]\neps = 0.3\nmin_size = 6\nmin_cohesion = 0.5\n", encoding="utf-8"
    )
    doc = cluster(cli)
    params = doc["parameters"]
    assert (params["eps"], params["eps_source"]) == (0.3, "config")
    assert (params["min_size"], params["min_size_source"]) == (6, "config")
    assert params["min_cohesion"] == 0.5
    # min_size 6: the five OOMs are too few to be a pattern
    assert sorted(c["size"] for c in doc["clusters"]) == [6, 8]
    # A min_size above the window leaves everything as noise.
    assert cluster(cli, "--min-size", "100")["clusters"] == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--eps", "0"), "eps must be in (0, 1]"),
        (("--eps", "1.5"), "eps must be in (0, 1]"),
        (("--min-size", "1"), "error: --min-size must be between 2 and 1,000,000"),
        (("--min-size", "9223372036854775808"), "error: --min-size must be between 2 and"),
        (("--lookback", "soon"), "--lookback"),
        (("--lookback", "0s"), "--lookback must be positive"),
        (("--as-of", "yesterday-ish"), "--as-of"),
    ],
)
def test_bad_options_are_usage_errors(cli: Cli, args: tuple[str, ...], message: str) -> None:
    ingest(cli, WEEKS)
    result = cli("cluster", *args)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_database(cli: Cli) -> None:
    result = cli("cluster", "--db", "missing.db")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and "failearn ingest" in result.stderr


def test_text_output_lists_the_patterns(cli: Cli) -> None:
    ingest(cli, WEEKS)
    result = cli("cluster", "--as-of", AS_OF)
    assert result.exit_code == 0
    assert "3 patterns, 6 noise" in result.stdout
    assert "P0001" in result.stdout and "request_volume_change_pct higher" in result.stdout


def test_the_run_is_stored_with_readable_tables(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli)
    with sqlite3.connect("failearn.db") as conn:
        run = conn.execute(
            "SELECT as_of, window_start, incidents, clusters, noise, eps FROM cluster_runs"
        ).fetchone()
        assert run == (doc["as_of"], "2026-08-25T00:00:00Z", 25, 3, 6, doc["parameters"]["eps"])
        members = conn.execute(
            "SELECT COUNT(*) FROM cluster_members WHERE cluster_id IS NULL"
        ).fetchone()[0]
        assert members == 6
        assert conn.execute(
            "SELECT command, status FROM runs WHERE id = ?", (doc["run_id"],)
        ).fetchone() == ("cluster", "ok")
        ids = conn.execute("SELECT incident_ids FROM similarity_model").fetchone()[0]
        assert len(json.loads(ids)) == 25


def test_the_stored_clusters_say_what_the_json_says(cli: Cli) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli)
    with Store.open("failearn.db") as store:
        stored = {
            row["cluster_id"]: row
            for row in store.query("SELECT * FROM clusters WHERE run_id = ?", [doc["run_id"]])
        }
    assert set(stored) == {c["id"] for c in doc["clusters"]}
    for entry in doc["clusters"]:
        assert list(entry)[:5] == ["id", "pattern_id", "size", "incident_ids", "label"]
        row = stored[entry["id"]]
        shared = set(entry) - {"id", "incident_ids", "precursors"}
        assert shared and shared <= set(row)
        for key in shared:
            value = row[key]
            if isinstance(entry[key], dict | list):
                value = json.loads(value)
            assert value == entry[key], key
        assert json.loads(row["signature"])


def test_latest_patterns_is_the_contract_for_the_report(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, WEEKS)
    doc = cluster(cli)
    with Store.open(tmp_path / "failearn.db") as store:
        assert latest_patterns(store, "2026-11-01T00:00:00Z") is None
        snapshot = latest_patterns(store, "2026-11-23T00:00:00Z")
    assert snapshot is not None
    assert snapshot.run_id == doc["run_id"] and snapshot.incidents == 25
    assert set(snapshot.noise) == NOISE
    pool = next(p for p in snapshot.patterns if p.pattern_id == "P0001")
    assert set(pool.incident_ids) == POOL and pool.support == pool.size == 8
    assert pool.classes == {"connection-pool-exhaustion": 8}
    assert pool.dominant_class == "connection-pool-exhaustion"
    assert pool.services == {"checkout": 4, "payments": 4}
    assert pool.first_seen == "2026-11-02T12:10:00Z"
    assert pool.precursors[0].metric == "request_volume_change_pct"
    assert pool.precursors[0].effect_size == 1.0


def test_a_database_copy_keeps_its_patterns(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, WEEKS)
    cluster(cli)
    shutil.copyfile("failearn.db", "copy.db")
    with Store.open(tmp_path / "copy.db") as store:
        snapshot = latest_patterns(store, "2026-12-01T00:00:00Z")
    assert snapshot is not None and len(snapshot.patterns) == 3
