"""``failearn metrics pull`` and ``list``: the windows the analysis needs, fetched from a
Prometheus server (a fake one in-process, and a real one backfilled with the samples)."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from failearn.commands.metrics import MAX_POINTS, _chunks, pull
from failearn.config import load_settings
from failearn.errors import UsageError
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli
from tests.helpers.paths import REPO
from tests.helpers.reports import AS_OF, build_store, report

QUERIES = """
[metrics.queries]
db_pool_utilization = "db_pool_utilization"
request_rate = 'request_rate{service="$service"}'
"""


def rows(sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect("failearn.db") as conn:
        return conn.execute(sql).fetchall()


class FakePrometheus:
    """Answers query_range like Prometheus would, from a function of the query."""

    def __init__(self, answer: Any = None) -> None:
        self.asked: list[dict[str, str]] = []
        self.answer = answer

    def __call__(self, url: str, timeout: float) -> bytes:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlparse(url).query))
        self.asked.append(query)
        if self.answer is not None:
            return json.dumps(self.answer).encode()
        start, end = int(query["start"]), int(query["end"])
        step = int(query["step"].rstrip("s"))
        service = "inventory" if "inventory" in query["query"] else "checkout"
        values = [[t, "0.5"] for t in range(start, end + 1, step)]
        return json.dumps(
            {
                "status": "success",
                "data": {
                    "resultType": "matrix",
                    "result": [{"metric": {"service": service}, "values": values}],
                },
            }
        ).encode()


def settings(tmp_path: Path, extra: str = QUERIES) -> Any:
    (tmp_path / "failearn.toml").write_text(extra)
    return load_settings(cwd=tmp_path)


def test_the_windows_of_the_patterns_are_pulled_per_query(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    received = rows("SELECT COUNT(*) FROM inbox WHERE kind = 'series'")[0][0]
    fake = FakePrometheus()
    result = pull(
        settings(tmp_path), "http://prometheus.test:9090/", parse_as_of(AS_OF), fetch=fake
    )
    # The services of the patterns and the dependencies their incidents point at.
    assert {"checkout", "postgres-main", "search", "inventory"} <= set(result.windows)
    per_service = [q for q in fake.asked if q["query"].startswith("request_rate")]
    assert {q["query"] for q in per_service} >= {
        'request_rate{service="checkout"}',
        'request_rate{service="inventory"}',
    }
    assert all(q["step"] == "60s" for q in fake.asked)
    assert result.requests == len(fake.asked) and result.series.errors == []
    assert result.series.points_new > 0
    stored = rows("SELECT DISTINCT metric FROM metric_series")
    assert set(stored) == {("db_pool_utilization",), ("request_rate",)}
    assert (
        rows("SELECT COUNT(*) FROM inbox WHERE kind = 'series'")[0][0] == received + result.requests
    )
    again = pull(
        settings(tmp_path),
        "http://prometheus.test:9090",
        parse_as_of(AS_OF),
        fetch=FakePrometheus(),
    )
    assert again.series.points_new == 0 and again.series.points_unchanged > 0


def test_each_window_is_asked_around_every_incident_and_its_normal_days(
    cli: Cli, tmp_path: Path
) -> None:
    build_store(cli)
    points = rows("SELECT COUNT(*) FROM metric_points")
    result = pull(
        settings(tmp_path),
        "http://p.test",
        parse_as_of(AS_OF),
        dry_run=True,
        fetch=FakePrometheus(),
    )
    spans = result.windows["checkout"]

    def covered(moment: str) -> bool:
        return any(start <= moment < end for start, end in spans)

    # pool-7 at 2026-11-20T12:45: the hours before it, and the same hours a day apart.
    assert covered("2026-11-20T12:30:00Z") and covered("2026-11-19T12:30:00Z")
    assert not covered("2026-08-01T00:00:00Z")
    assert result.series.points_new > 0
    assert rows("SELECT COUNT(*) FROM metric_points") == points  # a dry run stores nothing


def test_an_error_answer_is_a_located_error_and_exit_one(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    bad = FakePrometheus(
        {
            "status": "error",
            "errorType": "bad_data",
            "error": "1:9: parse error: unexpected character",
        }
    )
    result = pull(settings(tmp_path), "http://p.test", parse_as_of(AS_OF), fetch=bad)
    codes = {(i.code, i.source.split("@")[0]) for i in result.series.errors}
    assert codes == {
        ("series-query-failed", "prometheus:db_pool_utilization"),
        ("series-query-failed", "prometheus:request_rate"),
    }
    assert "parse error: unexpected character" in result.series.errors[0].message


@pytest.mark.parametrize(
    ("start", "end", "step", "chunks"),
    [
        (0, 60 * MAX_POINTS, 60, 1),
        (0, 60 * MAX_POINTS + 1, 60, 2),
        (30, 90, 60, 1),
        (60, 120, 60, 1),
    ],
)
def test_a_span_is_asked_in_chunks_the_server_accepts(
    start: int, end: int, step: int, chunks: int
) -> None:
    found = _chunks(start, end, step)
    assert len(found) == chunks
    assert all((b - a) // step + 1 <= MAX_POINTS for a, b in found)
    assert found[0][0] % step == 0 and all(b < end for _, b in found)


def test_usage_errors(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    (tmp_path / "failearn.toml").write_text("")
    none = cli("metrics", "pull", "--prometheus", "http://localhost:1", "--as-of", AS_OF)
    assert none.exit_code == 2 and "no queries to pull" in none.stderr
    (tmp_path / "failearn.toml").write_text(QUERIES)
    scheme = cli("metrics", "pull", "--prometheus", "localhost:9090", "--as-of", AS_OF)
    assert scheme.exit_code == 2 and "is not an http(s) URL" in scheme.stderr
    closed = cli("metrics", "pull", "--prometheus", "http://127.0.0.1:9", "--as-of", AS_OF)
    assert (
        closed.exit_code == 2 and "cannot reach Prometheus at http://127.0.0.1:9" in closed.stderr
    )


def test_no_cluster_run_no_windows(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text(QUERIES)
    cli.json(
        "ingest", str(REPO / "tests" / "fixtures" / "report" / "incidents.ndjson"), "--as-of", AS_OF
    )
    with pytest.raises(UsageError, match="no cluster run"):
        pull(
            load_settings(cwd=tmp_path), "http://p.test", parse_as_of(AS_OF), fetch=FakePrometheus()
        )


def test_metrics_list(cli: Cli, tmp_path: Path) -> None:
    build_store(cli)
    doc = cli.json("metrics", "list")
    assert [(s["service"], s["metric"], s["points"]) for s in doc["series"]] == [
        ("checkout", "db_pool_utilization", 8064),
        ("checkout", "request_rate", 8064),
    ]
    text = cli("metrics", "list", "--service", "checkout")  # piped: tab-separated
    assert text.exit_code == 0
    assert [line.split("\t")[:2] for line in text.stdout.splitlines()] == [
        ["checkout", "db_pool_utilization"],
        ["checkout", "request_rate"],
    ]
    assert cli("metrics", "list", "--service", "checkout", "--format", "tsv").stdout == text.stdout


def test_metrics_list_format_tsv_in_a_terminal(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    build_store(cli)
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as for a terminal
    monkeypatch.setenv("TERM", "dumb")
    assert "\t" not in cli("metrics", "list").stdout
    rows = [line.split("\t") for line in cli("metrics", "list", "-f", "tsv").stdout.splitlines()]
    assert [row[:2] for row in rows] == [
        ["checkout", "db_pool_utilization"],
        ["checkout", "request_rate"],
    ]
    assert all(len(row) == 6 and row[5] == "8064" for row in rows)  # a number, as written
    assert "8,064" in cli("metrics", "list").stdout  # drawn for a person: grouped


@pytest.mark.slow
def test_pull_from_a_real_prometheus_server(cli: Cli, tmp_path: Path, prometheus_url: str) -> None:
    """The server holds the samples' series (backfilled with promtool): what the pull
    stores is what the files say, and the report learns its triggers from it."""
    shutil.copytree(
        REPO / "sample-postmortems", "samples", ignore=shutil.ignore_patterns("metrics")
    )
    cli.json("ingest", "samples", "--as-of", AS_OF)
    cli.json("cluster", "--as-of", AS_OF)
    (tmp_path / "failearn.toml").write_text(
        "[metrics.queries]\n"
        'request_rate = "request_rate"\n'
        'db_pool_utilization = "db_pool_utilization"\n'
        "p99_latency_ms = 'p99_latency_ms{service=\"$service\"}'\n"
    )
    doc = cli.json(
        "metrics", "pull", "--prometheus", prometheus_url, "--as-of", AS_OF, "--step", "2m"
    )
    assert doc["errors"] == [] and doc["requests"] > 0
    assert doc["series"]["points"]["new"] > 10_000
    expected: dict[tuple[str, str, int], float] = {}
    for path in (REPO / "sample-postmortems" / "metrics").rglob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        if document.get("status") != "success":
            continue
        for series in document["data"]["result"]:
            for at, value in series["values"]:
                expected[
                    (series["metric"]["service"], series["metric"]["__name__"], int(at) * 1000)
                ] = float(value)
    stored = rows(
        "SELECT s.service, s.metric, p.at, p.value FROM metric_points p "
        "JOIN metric_series s ON s.id = p.series_id"
    )
    assert len(stored) > 10_000
    assert all(
        expected[(service, metric, at)] == pytest.approx(value)
        for service, metric, at, value in stored
    )
    pulled = report(cli)
    by_service = {s["service"]: s for s in pulled["suggestions"]}
    assert by_service["checkout"]["precursor"]["source"] == "series"
    assert by_service["search"]["evidence"]["dependency"]["name"] == "inventory"
    assert by_service["search"]["precursor"]["metric"] == "p99_latency_ms"
