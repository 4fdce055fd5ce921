"""Ingest as separate processes: killed mid-run, and two at once on one database."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.slow

GOOD = Path(__file__).parent.parent / "fixtures" / "good"


def failearn(*args: str) -> list[str]:
    return [sys.executable, "-m", "failearn", *args]


def write_records(path: Path, count: int, service: str) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            handle.write(
                json.dumps(
                    {
                        "id": f"{service}-{n}",
                        "timestamp": f"2026-10-{1 + n % 28:02d}T{n % 24:02d}:{n % 60:02d}:00Z",
                        "service": service,
                        "failure_class": "timeout",
                        "trace_ids": [f"{n + 1:032x}"],
                        "summary": "x" * 200,
                    }
                )
                + "\n"
            )
    return path


def started_by(pid: int) -> int:
    """How many processes ``pid`` has started (an ingest's worker pool)."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="utf-8").rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        count += int(fields[1]) == pid
    return count


def wait_until_reading(process: subprocess.Popen[Any], settle: float = 0.5) -> None:
    """Wait until the ingest's workers read (a large input gets two), then a moment more.

    Not until its database log grows: SQLite keeps a run's pages in its cache and writes
    nothing to the log until the cache spills, late in a run on a slow machine.
    """
    wanted = 2 if (os.cpu_count() or 1) >= 2 else 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if started_by(process.pid) >= wanted:
            break
        time.sleep(0.02)
    time.sleep(settle)


def interruptible() -> None:
    """Let Ctrl-C reach the command even when the tests run as a background job, which
    starts with SIGINT ignored (and a process keeps that across exec)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def snapshot(db: Path) -> tuple[object, ...]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM inbox").fetchone(),
            conn.execute("SELECT COUNT(*) FROM incidents").fetchone(),
            conn.execute("SELECT COUNT(*) FROM runs").fetchone(),
            conn.execute("PRAGMA integrity_check").fetchone(),
        )


def test_a_killed_ingest_leaves_the_database_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    subprocess.run(
        failearn("ingest", str(GOOD), "--db", str(db), "--as-of", "2026-11-23"),
        check=True,
        capture_output=True,
    )
    before = snapshot(db)
    big = write_records(tmp_path / "big.ndjson", 60_000, "search")
    process = subprocess.Popen(
        failearn("ingest", str(big), "--db", str(db), "--as-of", "2026-11-23", "--format", "json"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    wait_until_reading(process)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert snapshot(db) == before


def test_two_ingests_at_once_both_succeed(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    one = write_records(tmp_path / "one.ndjson", 3000, "checkout")
    two = write_records(tmp_path / "two.ndjson", 3000, "payments")
    runs = [
        subprocess.Popen(
            failearn(
                "ingest", str(path), "--db", str(db), "--as-of", "2026-11-23", "--format", "json"
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in (one, two)
    ]
    outputs = [run.communicate(timeout=120) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert [json.loads(out)["accepted"] + json.loads(out)["merged"] for out, _ in outputs] == [
        3000,
        3000,
    ]
    with sqlite3.connect(db) as conn:
        services = conn.execute(
            "SELECT service, SUM(report_count) FROM incidents GROUP BY service ORDER BY service"
        ).fetchall()
    assert services == [("checkout", 3000), ("payments", 3000)]


def test_ctrl_c_while_workers_read_ends_them_quietly_and_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    subprocess.run(
        failearn("ingest", str(GOOD), "--db", str(db), "--as-of", "2026-11-23"),
        check=True,
        capture_output=True,
    )
    before = snapshot(db)
    big = write_records(tmp_path / "big.ndjson", 60_000, "search")  # large: two workers
    # Its own process group, as a terminal's Ctrl-C reaches the command and its workers.
    process = subprocess.Popen(
        failearn("ingest", str(big), "--db", str(db), "--as-of", "2026-11-23", "--format", "json"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    wait_until_reading(process)
    assert process.poll() is None, "the ingest finished before it could be interrupted"
    os.killpg(process.pid, signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    # No worker outlived the command (the system may take a moment to reap the group).
    deadline = time.monotonic() + 5
    with pytest.raises(ProcessLookupError):
        while True:
            os.killpg(process.pid, 0)
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)
    assert snapshot(db) == before


def test_workers_of_a_killed_ingest_end_quietly(tmp_path: Path) -> None:
    # kill -9 of the command: its workers end with it, and none prints a BrokenPipeError
    # traceback handing back a result nobody reads (before: they did, into the CI log).
    db = tmp_path / "f.db"
    big = write_records(tmp_path / "big.ndjson", 60_000, "search")
    process = subprocess.Popen(
        failearn("ingest", str(big), "--db", str(db), "--as-of", "2026-11-23", "--format", "json"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    wait_until_reading(process)
    assert process.poll() is None, "the ingest finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    # stderr ends when the last process holding it (a worker) has ended.
    _, stderr = process.communicate(timeout=60)
    assert stderr == ""
