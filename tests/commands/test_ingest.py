"""The capture core, below the CLI: what a run leaves behind when it is interrupted."""

from __future__ import annotations

import json
import multiprocessing
import sqlite3
import subprocess
import sys
import threading
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from failearn.capture.prepare import worker_context
from failearn.commands.ingest import IngestOptions, run_ingest
from failearn.config import ClassifyConfig, IngestConfig, Settings
from failearn.taxonomy.file import load_taxonomy


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
            handle.write(
                json.dumps(
                    {
                        "id": f"a-{n}",
                        "timestamp": "2026-11-02T14:03:00Z",
                        "service": f"s{n}",
                        "failure_class": "timeout",
                        "trace_ids": [f"{n + 1:032x}"],
                    }
                )
                + "\n"
            )
    settings = replace(Settings(db=tmp_path / "x.db"), ingest=IngestConfig(workers=2))
    options = IngestOptions(paths=[str(alerts)], as_of=datetime(2026, 11, 23, tzinfo=UTC))
    with pytest.raises(KeyboardInterrupt):
        run_ingest(settings, load_taxonomy(), options, _CtrlC())
    # At once, not whenever the garbage collector gets to the generator.
    assert multiprocessing.active_children() == []
    # The run created the database and stored nothing: no empty file is left behind.
    assert sorted(tmp_path.glob("x.db*")) == []


def _write(path: Path, count: int, classed: bool) -> Path:
    """Records whose titles only a model trained on them can classify."""
    words = {"timeout": "zorblat frobnication stalled", "dependency-failure": "quux widget gone"}
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            failure_class = ("timeout", "dependency-failure")[n % 2]
            record = {
                "id": f"{path.stem}-{n}",
                "timestamp": "2026-11-02T14:03:00Z",
                "service": f"s{n % 7}",
                "trace_ids": [f"{n + 1:032x}"],
                "title": f"{words[failure_class]} on node {n % 13}",
            }
            if classed:
                record["failure_class"] = failure_class
            handle.write(json.dumps(record) + "\n")
    return path


def _stored(db: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT key, failure_class, COALESCE(failure_class_via, '') FROM reports ORDER BY key"
        ).fetchall()


@pytest.mark.slow
def test_workers_beside_other_threads_come_from_a_fork_server_and_store_the_same(
    tmp_path: Path,
) -> None:
    labelled = _write(tmp_path / "labelled.ndjson", 200, classed=True)
    unlabelled = _write(tmp_path / "unlabelled.ndjson", 3000, classed=False)
    classify = ClassifyConfig(infer="all", min_labels=20)
    options = [
        IngestOptions(paths=[str(path)], as_of=datetime(2026, 11, 23, tzinfo=UTC))
        for path in (labelled, unlabelled)
    ]

    def ingest(db: Path, workers: int) -> list[tuple[str, str, str]]:
        settings = replace(Settings(db=db), classify=classify, ingest=IngestConfig(workers=workers))
        for option in options:
            run_ingest(settings, load_taxonomy(), option)
        return _stored(db)

    # A thread of this process that holds on (as DuckDB's or OpenBLAS's would).
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert worker_context().get_start_method() == "forkserver"
        parallel = ingest(tmp_path / "parallel.db", 2)
    finally:
        stop.set()
        thread.join()
    serial = ingest(tmp_path / "serial.db", 1)
    assert parallel == serial
    # The records that name no class were given one by the team's model.
    inferred = [(key, via) for key, _, via in parallel if "unlabelled" in key]
    assert len(inferred) == 3000
    assert {via for _, via in inferred} == {"model"}


@pytest.mark.slow
def test_a_process_with_one_thread_forks_its_workers() -> None:
    code = (
        "import threading\nfrom failearn.capture.prepare import worker_context\n"
        "print(worker_context().get_start_method())\n"
        "held = threading.Event()\nthreading.Thread(target=held.wait).start()\n"
        "print(worker_context().get_start_method())\nheld.set()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["fork", "forkserver"]


def test_a_source_is_locked_before_its_stored_reports_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Another ingest of the same source (PostgreSQL) must have committed before this one
    # reads what is stored of it; read first and locked after, both wrote the same reports.
    import failearn.commands.ingest as ingest
    from failearn.store import Store

    source = tmp_path / "alerts.ndjson"
    record = {
        "id": "a-1",
        "timestamp": "2026-11-01T10:00:00Z",
        "service": "checkout",
        "trace_ids": ["0af7651916cd43dd8448eb211c80319c"],
    }
    source.write_text(json.dumps({**record, "failure_class": "timeout"}) + "\n")
    settings = Settings(db=tmp_path / "f.db", root=tmp_path)
    options = IngestOptions([str(source)], as_of=datetime(2026, 11, 2, tzinfo=UTC))
    run_ingest(settings, load_taxonomy(None), options)
    steps: list[str] = []
    real_lock, real_known = Store.lock, ingest.sql.known_reports

    def lock(store: Store, name: str) -> None:
        steps.append(name)
        real_lock(store, name)

    def known(store: Store, name: str) -> dict[str, object]:
        steps.append(f"read {name}")
        return real_known(store, name)  # type: ignore[return-value]

    monkeypatch.setattr(Store, "lock", lock)
    monkeypatch.setattr(ingest.sql, "known_reports", known)
    source.write_text(json.dumps({**record, "failure_class": "dns-failure"}) + "\n")
    result = run_ingest(settings, load_taxonomy(None), options)
    assert result.counts["updated"] == 1, (result.counts, steps)
    reads = [s for s in steps if s.startswith("read ")]
    assert reads and steps.index("source:alerts.ndjson") < steps.index(reads[0]), steps
