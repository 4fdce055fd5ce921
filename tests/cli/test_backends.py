"""The weekly loop on SQLite and on PostgreSQL: the same commands give the same outputs,
byte for byte; and PostgreSQL under the load a team puts on it (several ingests at once,
a report and a review during an ingest)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from failearn.store import Store
from tests.helpers.cli import Cli
from tests.helpers.paths import REPO

AS_OF = "2026-11-23"
START = datetime(2026, 6, 1, tzinfo=UTC)
SAMPLES = REPO / "sample-postmortems"


def _weekly(cli: Cli, db: str, out: Path) -> dict[str, Any]:
    """Ingest, cluster, audit, report, accept the first rule: every output, by name."""
    seen: dict[str, Any] = {}
    ingest = cli.json("ingest", str(SAMPLES), "--db", db, "--as-of", AS_OF)
    seen["ingest"] = {k: v for k, v in ingest.items() if k not in ("db", "seconds")}
    seen["cluster"] = cli("cluster", "--db", db, "--as-of", AS_OF).stdout
    audit = cli.json("audit", "--db", db, "--as-of", AS_OF)
    seen["audit"] = {k: v for k, v in audit.items() if k != "db"}
    for name in ("report.md", "report.html"):
        result = cli("report", "--db", db, "--as-of", AS_OF, "--output", str(out / name))
        assert result.exit_code == 0, result.stderr
        seen[name] = (out / name).read_bytes()
    rules = cli.json("rules", "list", "--db", db, "--as-of", AS_OF)
    seen["rules"] = rules
    first = rules["rules"][0]["rule_id"]
    accepted = cli(
        "rules",
        "accept",
        first,
        "--db",
        db,
        "--by",
        "lead",
        "--as-of",
        AS_OF,
        "--note",
        "weekly review",
    )
    assert accepted.exit_code == 0, accepted.stderr
    seen["accepted"] = cli.json("rules", "show", first, "--db", db, "--as-of", AS_OF)
    seen["similar"] = cli("similar", rules["rules"][0]["incident_ids"][0], "--db", db).stdout
    return seen


@pytest.mark.slow
def test_the_weekly_loop_gives_the_same_outputs_on_both_backends(
    cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    (tmp_path / "lite").mkdir()
    (tmp_path / "pg").mkdir()
    lite = _weekly(cli, str(tmp_path / "lite" / "f.db"), tmp_path / "lite")
    pg = _weekly(cli, pg_url, tmp_path / "pg")
    assert lite["ingest"]["accepted"] > 100
    assert lite["rules"]["rules"], "the samples make at least one rule"
    for name in lite:
        assert pg[name] == lite[name], name


def _records(path: Path, repo: int, count: int) -> Path:
    """Alerts of one repository: services shared with the others, times interleaved with
    theirs so that the merge joins reports of several repositories into one incident."""
    with path.open("w", encoding="utf-8") as handle:
        for n in range(count):
            # Repositories 0..7 fire a minute apart: chains of reports across them.
            when = START + timedelta(minutes=n * 8 + repo)
            handle.write(
                json.dumps(
                    {
                        "id": f"r{repo}-{n}",
                        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "service": ("checkout", "payments", "search")[n % 3],
                        "failure_class": "timeout",
                        "summary": f"upstream timed out ({repo}/{n})",
                        "trace_ids": [f"{repo + 1:08x}{n:024x}"],
                    }
                )
                + "\n"
            )
    return path


def _failearn(*args: str) -> list[str]:
    return [sys.executable, "-m", "failearn", *args]


def _incidents(db: str) -> list[tuple[Any, ...]]:
    with Store.open(db) as store:
        return [
            tuple(r)
            for r in store.conn.execute(
                "SELECT id, timestamp, last_timestamp, service, report_count FROM incidents "
                "ORDER BY id"
            )
        ]


def _ingest_at_once(paths: list[Path], db: str) -> list[tuple[str, str]]:
    """(stdout, stderr) of one ``failearn ingest`` per path, all started at once; each
    must succeed."""
    runs = [
        subprocess.Popen(
            _failearn("ingest", str(path), "--db", db, "--as-of", AS_OF, "--format", "json"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for path in paths
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0] * len(paths), outputs
    return outputs


@pytest.mark.slow
def test_eight_ingests_at_once_lose_nothing_and_merge_as_one_would(
    tmp_path: Path, pg_url: str
) -> None:
    repos = [_records(tmp_path / f"repo{r}.ndjson", r, 300) for r in range(8)]
    outputs = _ingest_at_once(repos, pg_url)
    received = [json.loads(out)["records"] for out, _ in outputs]
    assert received == [300] * 8
    serial = str(tmp_path / "serial.db")
    for path in reversed(repos):  # another order, one at a time, on SQLite
        subprocess.run(
            _failearn("ingest", str(path), "--db", serial, "--as-of", AS_OF),
            check=True,
            capture_output=True,
        )
    together = _incidents(pg_url)
    assert together == _incidents(serial)
    assert sum(row[4] for row in together) == 2400
    assert len(together) < 2400, "reports of several repositories merged into incidents"
    with Store.open(pg_url) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 2400
        assert store.conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 2400


@pytest.mark.slow
def test_two_ingests_of_one_source_beside_another_take_turns(tmp_path: Path, pg_url: str) -> None:
    # The second ingest of a source must read what the first stored only once the first
    # has committed: reading first and waiting after, it wrote the same reports again (a
    # duplicate key, exit 3), seen with a third ingest beside them.
    same, other = (
        _records(tmp_path / "same.ndjson", 0, 300),
        _records(tmp_path / "o.ndjson", 1, 300),
    )
    outputs = _ingest_at_once([same, same, other], pg_url)
    counts = sorted(
        (json.loads(out)["unchanged"], json.loads(out)["records"]) for out, _ in outputs
    )
    assert counts == [(0, 300), (0, 300), (300, 300)], "one of the two read the other's reports"
    serial = str(tmp_path / "serial.db")
    for path in (same, other):
        subprocess.run(
            _failearn("ingest", str(path), "--db", serial, "--as-of", AS_OF),
            check=True,
            capture_output=True,
        )
    assert _incidents(pg_url) == _incidents(serial)


@pytest.mark.slow
def test_a_report_and_a_review_go_ahead_during_an_ingest(
    cli: Cli, tmp_path: Path, pg_url: str
) -> None:
    _weekly(cli, pg_url, tmp_path)
    with Store.open(pg_url) as store:
        before = store.conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        rule = store.query("SELECT id FROM rules WHERE accepted_count = 0 ORDER BY id")
    big = _records(tmp_path / "big.ndjson", 0, 20_000)
    ingest = subprocess.Popen(
        _failearn("ingest", str(big), "--db", pg_url, "--as-of", AS_OF, "--format", "json"),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not _writing(pg_url):
            time.sleep(0.05)
        assert ingest.poll() is None, "the ingest finished before the others started"
        report = cli(
            "report", "--db", pg_url, "--as-of", AS_OF, "--output", str(tmp_path / "during.md")
        )
        assert report.exit_code == 0, report.stderr
        if rule:
            accept = cli(
                "rules", "accept", rule[0]["id"], "--db", pg_url, "--by", "lead", "--as-of", AS_OF
            )
            assert accept.exit_code == 0, accept.stderr
        assert ingest.poll() is None, "the report and the review waited for the ingest"
    finally:
        _, err = ingest.communicate(timeout=300)
    assert ingest.returncode == 0, err
    with Store.open(pg_url) as store:
        after = store.conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0]
        events = store.query("SELECT event FROM rule_events WHERE event = 'accepted'")
    assert after == before + 20_000
    assert len(events) == (2 if rule else 1)


def _writing(url: str) -> bool:
    """Whether an ingest has begun writing (its transaction holds rows)."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = 'failearn' "
            "AND state = 'idle in transaction' OR (application_name = 'failearn' "
            "AND state = 'active' AND query LIKE 'COPY%%')"
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.slow
def test_a_connection_dropped_mid_ingest_leaves_the_database_as_it_was(
    tmp_path: Path, pg_url: str
) -> None:
    import psycopg

    first = _records(tmp_path / "first.ndjson", 1, 50)
    subprocess.run(
        _failearn("ingest", str(first), "--db", pg_url, "--as-of", AS_OF),
        check=True,
        capture_output=True,
    )
    before = _incidents(pg_url)
    big = _records(tmp_path / "big.ndjson", 2, 20_000)
    ingest = subprocess.Popen(
        _failearn("ingest", str(big), "--db", pg_url, "--as-of", AS_OF),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not _writing(pg_url):
        time.sleep(0.05)
    assert ingest.poll() is None, "the ingest finished before its connection could be dropped"
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'failearn'"
        )
    _, err = ingest.communicate(timeout=120)
    assert ingest.returncode == 2, err
    assert "lost the connection" in err and "nothing of this command was saved" in err, err
    assert "Traceback" not in err
    assert _incidents(pg_url) == before
    with Store.open(pg_url) as store:
        assert store.conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0] == 50
