"""``failearn drill``: the learning loop finds a known pattern in a scratch copy, in time."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from failearn.commands.drill import synthetic_records, synthetic_series
from failearn.config import DrillConfig
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli
from tests.helpers.reports import AS_OF, build_store

pytestmark = pytest.mark.slow


def counts(db: str = "failearn.db") -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM incidents").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM rules").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0],
        )


def test_the_drill_detects_and_suggests_and_leaves_the_store_alone(
    cli: Cli, tmp_path: Path
) -> None:
    build_store(cli)
    before = counts()
    doc = cli.json("drill", "--as-of", AS_OF, "--keep", str(tmp_path / "kept"))
    assert doc["passed"] is True and doc["misses"] == []
    assert [s["stage"] for s in doc["stages"]] == ["copy", "ingest", "cluster", "report"]
    assert doc["detected"]["injected_in_pattern"] == 12 == doc["detected"]["size"]
    assert "request_volume_change_pct" in doc["detected"]["precursors"]
    suggestion = doc["suggestion"]
    assert suggestion["action"].startswith("When db pool utilization on `drill-ledger`")
    assert "scale the pool to `ledger-db`" in suggestion["action"]
    # The same machinery as the report: a trigger learned from the injected series, with
    # its held-out backtest.
    assert suggestion["trigger"]["source"] == "series"
    assert suggestion["trigger"]["metric"] == "db_pool_utilization"
    backtest = suggestion["backtest"]
    assert backtest["held_out"] and backtest["fires_before"] >= 10 == backtest["incidents"] - 2
    assert backtest["false_alarms_per_week"] <= 1.0
    assert counts() == before
    kept = str(tmp_path / "kept" / "drill.db")
    assert doc["kept"] == kept and counts(kept)[0] == before[0] + 12
    text = cli("drill", "--as-of", AS_OF)
    assert text.exit_code == 0 and "PASS" in text.stdout and "cluster" in text.stdout
    assert "backtest (held out): fires before" in text.stdout


def test_a_precursor_that_is_not_one_fails_the_drill(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    # A rise smaller than the daily cycle: no threshold tells it from normal time.
    (tmp_path / "failearn.toml").write_text("[drill]\nsignal_peak = 0.5\n")
    doc = cli.json("drill", "--as-of", AS_OF, exit_code=1)
    assert doc["misses"] == ["no trigger was learned from the injected db_pool_utilization series"]
    (tmp_path / "failearn.toml").write_text('[drill]\nsignal = "temperature"\n')
    doc = cli.json("drill", "--as-of", AS_OF, exit_code=1)
    assert doc["misses"] == [
        "no adaptation of connection-pool-exhaustion acts on temperature "
        "(a signal of kind other): choose another [drill] signal"
    ]


def test_the_series_are_deterministic() -> None:
    config = DrillConfig()
    as_of = parse_as_of(AS_OF)
    records = synthetic_records(config, as_of)
    assert synthetic_series(config, as_of, records) == synthetic_series(config, as_of, records)
    assert synthetic_series(replace(config, signal=""), as_of, records) is None


@pytest.mark.parametrize(
    ("args", "miss"),
    [
        (("--target", "1ms"), "more than the target 1ms"),
        (("--incidents", "2"), "holds"),
    ],
)
def test_the_drill_fails_when_the_loop_misses(cli: Cli, args: tuple[str, ...], miss: str) -> None:
    build_store(cli)
    doc = cli.json("drill", "--as-of", AS_OF, *args, exit_code=1)
    assert doc["passed"] is False
    assert any(miss in m or "no pattern holds" in m for m in doc["misses"])


def test_a_configurable_pattern(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    (tmp_path / "failearn.toml").write_text(
        '[drill]\nsignal = "p99_latency_ms"\nsignal_normal = 150.0\nsignal_peak = 9000.0\n'
    )
    doc = cli.json(
        "drill",
        "--as-of",
        AS_OF,
        "--service",
        "ledger",
        "--failure-class",
        "timeout",
        "--message",
        "ledger call timed out after 5000ms",
        "--metric",
        "p99_latency_ms=9000",
        "--incidents",
        "8",
    )
    assert doc["passed"] is True, doc["misses"]
    assert doc["service"] == "ledger" and doc["failure_class"] == "timeout"
    assert "p99_latency_ms" in doc["detected"]["precursors"]
    assert doc["suggestion"]["trigger"]["metric"] == "p99_latency_ms"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--metric", "volume"), "write NAME=NUMBER"),
        (("--failure-class", "gremlins"), "not in taxonomy"),
        (("--incidents", "0"), "between 1 and 10,000"),
        (("--incidents", "9223372036854775808"), "between 1 and 10,000"),
        (("--service", ""), "--service (or [drill] service) is empty"),
        (("--message", "  "), "--message (or [drill] message) is empty"),
        (("--target", "soon"), "not a duration"),
    ],
)
def test_bad_drill_options(cli: Cli, args: tuple[str, ...], message: str) -> None:
    build_store(cli)
    result = cli("drill", "--as-of", AS_OF, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_the_drill_needs_a_database(cli: Cli) -> None:
    result = cli("drill")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_synthetic_records_are_deterministic_and_spread() -> None:
    config = DrillConfig()
    first = synthetic_records(config, parse_as_of(AS_OF))
    assert first == synthetic_records(config, parse_as_of(AS_OF))
    assert len(first) == 12 and first[0]["timestamp"] == "2026-11-09T00:07:00Z"
    assert first[-1]["timestamp"] < "2026-11-23"
    assert len({r["trace_ids"][0] for r in first}) == 12


def test_the_drill_reads_a_database_in_a_folder_it_cannot_write(tmp_path: Path) -> None:
    # A WAL database with no log left, in a read-only folder: SQLite cannot create the
    # index it reads through, so the copy opens it as immutable (before: "not a failearn
    # database").
    import shutil
    import tempfile

    from failearn.store import Store
    from failearn.store.drill import copy_database
    from tests.helpers.process import unprivileged

    base = Path(tempfile.mkdtemp(prefix="failearn-test-"))
    try:
        source = base / "team.db"
        with Store.open(source) as store, store.transaction():
            store.start_run("ingest", None, {})
        source.chmod(0o644)
        base.chmod(0o555)
        scratch = Path(tempfile.mkdtemp(prefix="failearn-test-"))
        scratch.chmod(0o777)
        with unprivileged():
            copy_database(source, scratch / "drill.db")
        with Store.open(scratch / "drill.db") as copy:
            assert [r["command"] for r in copy.runs()] == ["ingest"]
        shutil.rmtree(scratch)
    finally:
        base.chmod(0o755)
        shutil.rmtree(base)


def test_a_drill_held_back_by_the_guardrails_says_why(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    (tmp_path / "failearn.toml").write_text("[rules]\nmin_confidence = 0.99\n")
    doc = cli.json("drill", "--as-of", AS_OF, exit_code=1)
    assert doc["detected"] is not None and doc["suggestion"] is None
    [miss] = doc["misses"]
    assert miss.startswith("no suggestion for `drill-ledger` (held back: low-confidence: ")


def test_injected_records_the_gates_reject_are_a_miss(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    (tmp_path / "failearn.toml").write_text(
        '[gates]\nrequire = ["timestamp", "service", "failure_class", "trace_ids", "ended_at"]\n'
    )
    doc = cli.json("drill", "--as-of", AS_OF, exit_code=1)
    assert doc["misses"][:2] == [
        "12 injected record(s) were rejected by the quality gates",
        "no pattern holds the injected incidents",
    ]
    assert doc["detected"] is None and doc["suggestion"] is None
