"""The cluster core: what happens when two runs overlap."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from failearn.commands.cluster import ClusterOptions, run_cluster
from failearn.config import Settings
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli
from tests.helpers.clusters import AS_OF, WEEKS, ingest


def test_two_runs_at_once_never_share_a_new_pattern_id(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, WEEKS)
    settings = Settings(db=tmp_path / "failearn.db")
    as_of = parse_as_of(AS_OF)
    other: list[int] = []

    def meanwhile(stage: str) -> None:
        # Another run commits its patterns after this one read the store, before it saves.
        if stage == "saving" and not other:
            late = run_cluster(settings, ClusterOptions(as_of, lookback=timedelta(days=11)))
            other.append(late.run_id)
            assert late.clusters[0].dominant_class == "memory-exhaustion"

    result = run_cluster(settings, ClusterOptions(as_of), meanwhile)
    assert other and result.clusters[0].dominant_class == "connection-pool-exhaustion"
    with sqlite3.connect(tmp_path / "failearn.db") as conn:
        classes: dict[str, set[str]] = {}
        for pattern_id, dominant in conn.execute("SELECT pattern_id, dominant_class FROM clusters"):
            classes.setdefault(pattern_id, set()).add(dominant)
        labels = dict(conn.execute("SELECT id, dominant_class FROM patterns"))
    assert all(len(found) == 1 for found in classes.values()), classes
    assert {p: found.pop() for p, found in classes.items()} == labels
