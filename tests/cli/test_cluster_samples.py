"""On the bundled samples, every planted recurring pattern comes out as one cluster."""

from __future__ import annotations

import json
import sqlite3

import pytest

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES, REPO

SAMPLES = REPO / "sample-postmortems"


@pytest.mark.slow
@pytest.mark.skipif(not SAMPLES.is_dir(), reason="sample-postmortems/ is not in this checkout")
def test_every_planted_pattern_is_a_cluster(cli: Cli) -> None:
    truth = json.loads((FIXTURES / "sample_truth.json").read_text(encoding="utf-8"))
    cli.json("ingest", str(SAMPLES), "--as-of", "2026-11-23")
    doc = cli.json("cluster", "--as-of", "2026-11-23")
    with sqlite3.connect("failearn.db") as conn:
        incident_of = dict(conn.execute("SELECT record_id, incident_id FROM reports"))
    cluster_of = {i: c["pattern_id"] for c in doc["clusters"] for i in c["incident_ids"]}
    for pattern in truth["patterns"]:
        incidents = {incident_of[r] for r in pattern["record_ids"] if r in incident_of}
        found = {cluster_of.get(i) for i in incidents}
        assert len(found) == 1 and None not in found, (pattern["name"], found)
        cluster = next(c for c in doc["clusters"] if c["pattern_id"] in found)
        assert set(cluster["incident_ids"]) == incidents, pattern["name"]
        assert set(cluster["services"]) == set(pattern["services"])
    pool = next(c for c in doc["clusters"] if "checkout" in c["services"])
    volume = {p["metric"]: p for p in pool["precursors"]}["request_volume_change_pct"]
    assert volume["direction"] == "higher" and 1.6 <= volume["median_in_pattern"] <= 2.6
