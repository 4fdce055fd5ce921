"""The capture core, below the CLI: what a run leaves behind when it is interrupted."""

from __future__ import annotations

import json
import multiprocessing
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from failearn.config import IngestConfig, Settings
from failearn.ingest import IngestOptions, run_ingest
from failearn.taxonomy import load_taxonomy


class _CtrlC:
    """A progress display during which the user presses Ctrl-C."""

    def file(self, source: str, number: int, total: int) -> None:
        pass

    def records(self, count: int) -> None:
        raise KeyboardInterrupt


def test_ctrl_c_while_reading_leaves_no_worker_and_nothing_written(tmp_path: Path) -> None:
    alerts = tmp_path / "alerts.ndjson"
    with alerts.open("w", encoding="utf-8") as handle:
        for n in range(6000):
            handle.write(json.dumps({
                "id": f"a-{n}", "timestamp": "2026-11-02T14:03:00Z", "service": f"s{n}",
                "failure_class": "timeout", "trace_ids": [f"{n + 1:032x}"]}) + "\n")
    settings = replace(Settings(db=tmp_path / "x.db"), ingest=IngestConfig(workers=2))
    options = IngestOptions(paths=[str(alerts)], as_of=datetime(2026, 11, 23, tzinfo=UTC))
    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, load_taxonomy(), options, _CtrlC())
    # At once, not whenever the garbage collector gets to the generator.
    assert multiprocessing.active_children() == []
    # The run created the database and stored nothing: no empty file is left behind.
    assert sorted(tmp_path.glob("x.db*")) == []
