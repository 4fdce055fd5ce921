"""``failearn ingest`` of metric series: stored per service and metric, never as incidents,
bad series located, nothing stored lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import orjson
import pytest

from failearn.store import Store
from tests.helpers.cli import Cli
from tests.helpers.series import T0, otlp, point, points, prometheus


def write(path: Path, *series: dict[str, Any]) -> Path:
    path.write_bytes(prometheus(*series))
    return path


def rows(sql: str, db: str = "failearn.db") -> list[tuple[Any, ...]]:
    with Store.open(db, create=False) as store:
        return [tuple(r) for r in store.conn.execute(sql).fetchall()]


VOLUME = {"__name__": "request_rate", "service": "checkout"}


def test_series_are_stored_per_service_and_metric_not_as_incidents(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILEARN_DB", db_url)
    (tmp_path / "in").mkdir()
    tmp_path = tmp_path / "in"
    write(
        tmp_path / "volume.json",
        {"metric": VOLUME, "values": points(3)},
        {"metric": {**VOLUME, "service": "payments"}, "values": points(2)},
    )
    (tmp_path / "memory.json").write_bytes(
        orjson.dumps(
            otlp([{"name": "memory_utilization", "gauge": {"dataPoints": [point(0, 0.5)]}}])
        )
    )
    doc = cli.json("ingest", str(tmp_path), "--as-of", "2026-12-01")
    assert doc["records"] == 0 and doc["incidents"]["total"] == 0
    assert doc["series"]["points"] == {"new": 6, "changed": 0, "unchanged": 0, "not_stored": 0}
    assert (doc["series"]["files"], doc["series"]["series"]) == (2, 3)
    assert rows(
        "SELECT service, metric, labels, first_at, last_at, points FROM metric_series "
        "ORDER BY service",
        db_url,
    ) == [
        ("checkout", "request_rate", "{}", T0 * 1000, (T0 + 120) * 1000, 3),
        ("payments", "request_rate", "{}", T0 * 1000, (T0 + 60) * 1000, 2),
        ("recommendations", "memory_utilization", "{}", T0 * 1000, T0 * 1000, 1),
    ]
    assert rows(
        "SELECT at, value FROM metric_points p JOIN metric_series s ON s.id = "
        "p.series_id WHERE s.service = 'checkout' ORDER BY at",
        db_url,
    ) == [(T0 * 1000, 1.5), ((T0 + 60) * 1000, 2.5), ((T0 + 120) * 1000, 3.5)]
    assert rows("SELECT kind, outcome FROM inbox ORDER BY source", db_url) == [
        ("series", "accepted"),
        ("series", "accepted"),
    ]
    assert rows("SELECT COUNT(*) FROM incidents", db_url) == [(0,)]


def test_the_same_file_twice_changes_nothing_and_a_new_value_updates(
    cli: Cli, tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FAILEARN_DB", db_url)
    path = write(tmp_path / "v.json", {"metric": VOLUME, "values": points(3)})
    cli.json("ingest", str(path))
    again = cli.json("ingest", str(path))
    assert again["series"]["points"] == {"new": 0, "changed": 0, "unchanged": 3, "not_stored": 0}
    assert rows("SELECT outcome FROM inbox", db_url) == [("accepted",)]
    values = points(4)
    values[1][1] = "99"
    write(path, {"metric": VOLUME, "values": values})
    later = cli.json("ingest", str(path))
    assert later["series"]["points"] == {"new": 1, "changed": 1, "unchanged": 2, "not_stored": 0}
    assert rows("SELECT value FROM metric_points ORDER BY at", db_url) == [
        (1.5,),
        (99.0,),
        (3.5,),
        (4.5,),
    ]
    assert rows("SELECT points FROM metric_series", db_url) == [(4,)]


def test_a_bad_file_later_loses_nothing_stored_and_is_kept_in_the_inbox(
    cli: Cli, tmp_path: Path
) -> None:
    good = write(tmp_path / "v.json", {"metric": VOLUME, "values": points(3)})
    cli.json("ingest", str(good))
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"status":"success","data":{"resultType":"matrix","result":[{"metric"')
    result = cli("ingest", str(bad), "--format", "json")
    assert result.exit_code == 1
    doc = json.loads(result.stdout)
    assert [(e["code"], e["source"]) for e in doc["errors"]] == [("invalid-json", "bad.json")]
    assert rows("SELECT COUNT(*) FROM metric_points") == [(3,)]
    assert rows("SELECT outcome, raw_bytes IS NOT NULL FROM inbox ORDER BY id") == [
        ("accepted", 1),
        ("rejected", 1),
    ]


def test_one_bad_series_is_refused_the_rest_stored_exit_one(cli: Cli, tmp_path: Path) -> None:
    values = points(3)
    values[2][0] = T0
    path = write(
        tmp_path / "v.json",
        {"metric": VOLUME, "values": points(2)},
        {"metric": {**VOLUME, "service": "payments"}, "values": values},
    )
    result = cli("ingest", str(path))
    assert result.exit_code == 1
    assert (
        "v.json:1: error series-not-monotonic [data.result[1].values[2]]"
        in result.stdout.replace("\n", "")
    )
    assert (
        "metric series: 1 file(s), 1 series, 2 points (2 new, 0 changed, 0 unchanged); "
        "rejected: 1 series, 0 file(s)" in result.stdout
    )
    assert rows("SELECT service FROM metric_series") == [("checkout",)]


def test_series_and_incidents_in_one_run(cli: Cli, tmp_path: Path) -> None:
    write(tmp_path / "v.json", {"metric": VOLUME, "values": points(2)})
    (tmp_path / "i.ndjson").write_text(
        json.dumps(
            {
                "id": "INC-1",
                "timestamp": "2026-10-19T00:10:00Z",
                "service": "checkout",
                "failure_class": "timeout",
                "trace_ids": ["ab" * 16],
            }
        )
        + "\n"
    )
    doc = cli.json("ingest", str(tmp_path), "--as-of", "2026-12-01")
    assert (doc["accepted"], doc["files"], doc["series"]["series"]) == (1, 2, 1)


def test_dry_run_writes_no_series(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", {"metric": VOLUME, "values": points(2)})
    cli.json("ingest", str(path))
    write(path, {"metric": VOLUME, "values": points(5)})
    doc = cli.json("ingest", str(path), "--dry-run")
    assert doc["series"]["points"]["new"] == 3
    assert rows("SELECT COUNT(*) FROM metric_points") == [(2,)]


def test_no_keep_raw_keeps_the_hash_only(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", {"metric": VOLUME, "values": points(2)})
    cli.json("ingest", str(path), "--no-keep-raw")
    assert rows("SELECT raw_bytes, raw_dropped, length(sha256) FROM inbox") == [(None, 1, 64)]


def test_github_annotations_name_the_series(cli: Cli, tmp_path: Path) -> None:
    path = write(tmp_path / "v.json", {"metric": {"__name__": "x"}, "values": points(2)})
    result = cli("ingest", str(path), "--format", "github")
    assert result.exit_code == 1
    assert (
        "title=failearn series-no-service::data.result[0]: no label names the service"
        in result.stdout
    )
    assert "metric series: 1 file(s), 0 series" in result.stdout


@pytest.mark.slow
def test_a_ten_million_point_file_is_refused_without_loading_it(cli: Cli, tmp_path: Path) -> None:
    import resource

    path = tmp_path / "huge.json"
    with path.open("wb") as handle:
        handle.write(
            b'{"status":"success","data":{"resultType":"matrix","result":[{"metric":'
            b'{"__name__":"x","service":"s"},"values":['
        )
        chunk = b",".join(b'[%d,"1"]' % (T0 + i) for i in range(100_000))
        for n in range(100):
            handle.write((b"," if n else b"") + chunk)
        handle.write(b"]}]}}")
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = cli("ingest", str(path), "--format", "json")
    assert result.exit_code == 1
    (error,) = json.loads(result.stdout)["errors"]
    assert error["code"] == "series-too-large"
    assert "about 10,000,000 points; the limit is 2,000,000" in error["message"]
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    assert grown_mb < 600  # the file itself is ~150 MB; parsing it would take ~1.5 GB
    assert rows("SELECT outcome FROM inbox") == [("rejected",)]
