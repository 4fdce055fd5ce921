"""Reading metric series files: Prometheus range queries and OTLP/JSON metrics, bad ones too."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import orjson
import pytest

from failearn.config import MetricsConfig
from failearn.sources.series import (
    OTLP,
    PROMETHEUS,
    estimated_points,
    parse_series,
    series_format,
)
from tests.helpers.series import T0, attribute, otlp, point, points, prometheus

CONFIG = MetricsConfig()


def codes(parsed: Any) -> list[tuple[str, str | None, str]]:
    return [(i.code, i.field, i.level) for i in parsed.issues]


def test_the_head_tells_series_files_apart() -> None:
    assert series_format(b'{"status":"success","data":{"resultType":"matrix"') == PROMETHEUS
    assert series_format(b'{"resourceMetrics":[{"resource":') == OTLP
    assert series_format(b'{"resourceSpans":[]}') is None
    assert series_format(b'{"id": "INC-1", "data": {}}') is None


def test_a_range_query_response_gives_one_series_per_label_set() -> None:
    data = prometheus(
        {
            "metric": {"__name__": "request_rate", "service": "checkout", "instance": "a"},
            "values": points(3),
        },
        {
            "metric": {"__name__": "request_rate", "service": "checkout", "instance": "b"},
            "values": points(2, value=7),
        },
    )
    parsed = parse_series(data, "q.json", PROMETHEUS, CONFIG)
    assert parsed.issues == [] and parsed.points == 5
    first, second = parsed.series
    assert (first.service, first.metric, first.labels) == (
        "checkout",
        "request_rate",
        {"instance": "a"},
    )
    assert first.times.tolist() == [T0 * 1000, (T0 + 60) * 1000, (T0 + 120) * 1000]
    assert first.values.tolist() == [1.5, 2.5, 3.5]
    assert second.labels == {"instance": "b"} and second.values.tolist() == [7.0, 8.0]


def test_names_and_services_are_mapped_by_the_configuration() -> None:
    config = replace(
        CONFIG,
        names={"service:http_requests:rate2m": "request_rate"},
        services={"checkout-api": "checkout"},
        service_labels=("app",),
    )
    data = prometheus(
        {
            "metric": {
                "__name__": "service:http_requests:rate2m",
                "app": "checkout-api",
                "service": "ignored",
            },
            "values": points(1),
        }
    )
    (series,) = parse_series(data, "q.json", PROMETHEUS, config).series
    assert (series.service, series.metric, series.labels) == (
        "checkout",
        "request_rate",
        {"service": "ignored"},
    )


def test_a_series_without_a_name_takes_the_file_s_from_the_configuration() -> None:
    data = prometheus({"metric": {"service": "search"}, "values": points(1)})
    unnamed = parse_series(data, "metrics/latency.json", PROMETHEUS, CONFIG)
    assert codes(unnamed) == [("series-no-name", "data.result[0]", "error")]
    config = replace(CONFIG, files={"metrics/latency*.json": "p99_latency_ms"})
    (series,) = parse_series(data, "metrics/latency.json", PROMETHEUS, config).series
    assert series.metric == "p99_latency_ms"
    (named,) = parse_series(data, "x.json", PROMETHEUS, CONFIG, metric="given").series
    assert named.metric == "given"


def test_a_series_without_a_service_is_refused_and_the_others_kept() -> None:
    data = prometheus(
        {"metric": {"__name__": "up"}, "values": points(2)},
        {"metric": {"__name__": "up", "job": "auth"}, "values": points(2)},
        indent=True,
    )
    parsed = parse_series(data, "q.json", PROMETHEUS, CONFIG)
    (issue,) = parsed.issues
    assert (issue.code, issue.field, issue.line) == ("series-no-service", "data.result[0]", 7)
    assert "looked for service, service_name" in issue.message
    assert [s.service for s in parsed.series] == ["auth"]


def test_nan_and_inf_are_not_stored_and_said_so() -> None:
    values = points(6)
    values[1][1], values[3][1], values[4][1] = "NaN", "+Inf", "-Inf"
    parsed = parse_series(
        prometheus({"metric": {"__name__": "x", "service": "s"}, "values": values}),
        "q.json",
        PROMETHEUS,
        CONFIG,
    )
    (issue,) = parsed.issues
    assert (issue.code, issue.level, issue.field) == (
        "series-non-finite",
        "warning",
        "data.result[0].values[1]",
    )
    assert (
        issue.message == "3 of 6 points not stored (NaN ×1, +Inf ×1, -Inf ×1; the first is point 1)"
    )
    assert parsed.series[0].values.tolist() == [1.5, 3.5, 6.5] and parsed.dropped == 3


@pytest.mark.parametrize(("times", "at"), [([3, 2, 4], 1), ([1, 2, 2], 2), ([5, 4], 1)])
def test_timestamps_must_increase(times: list[int], at: int) -> None:
    values = [[T0 + t, "1"] for t in times]
    parsed = parse_series(
        prometheus({"metric": {"__name__": "x", "service": "s"}, "values": values}),
        "q.json",
        PROMETHEUS,
        CONFIG,
    )
    assert codes(parsed) == [("series-not-monotonic", f"data.result[0].values[{at}]", "error")]
    assert parsed.series == []


@pytest.mark.parametrize(
    ("point", "message"),
    [
        ([T0, "fast"], "point 1: 'fast' is not a number"),
        ([T0], "point 1 is '[1792454400]', not a [time, value] pair"),
        ("oops", "point 1 is 'oops', not a [time, value] pair"),
        ([T0, "1", "2"], "point 1 is "),
    ],
)
def test_a_point_that_cannot_be_read_is_located(point: Any, message: str) -> None:
    values: list[Any] = [[T0 - 60, "1"], point]
    parsed = parse_series(
        prometheus({"metric": {"__name__": "x", "service": "s"}, "values": values}),
        "q.json",
        PROMETHEUS,
        CONFIG,
    )
    (issue,) = parsed.issues
    assert (issue.code, issue.field) == ("series-invalid-point", "data.result[0].values[1]")
    assert issue.message.startswith(message)


@pytest.mark.parametrize(
    ("document", "code", "message"),
    [
        (
            {"status": "error", "errorType": "bad_data", "error": "parse error at char 4"},
            "series-query-failed",
            "Prometheus answered bad_data: parse error at char 4",
        ),
        (
            {"status": "success", "data": {"resultType": "vector", "result": []}},
            "series-not-a-range",
            "the result is a vector result, not a matrix of series",
        ),
        (
            {"status": "success", "data": {"resultType": "matrix", "result": {}}},
            "series-invalid-point",
            "data.result is not a list",
        ),
        ([1, 2], "series-invalid-point", "the file is not a Prometheus API response"),
    ],
)
def test_a_response_that_holds_no_series(document: Any, code: str, message: str) -> None:
    parsed = (
        parse_series(
            orjson.dumps(document) + b" " * 10 + b'"resultType"', "q.json", PROMETHEUS, CONFIG
        )
        if isinstance(document, list)
        else parse_series(orjson.dumps(document), "q.json", PROMETHEUS, CONFIG)
    )
    if isinstance(document, list):  # not JSON any more with the marker appended
        assert [i.code for i in parsed.issues] == ["invalid-json"]
        parsed = parse_series(orjson.dumps(document), "q.json", PROMETHEUS, CONFIG)
    (issue,) = parsed.issues
    assert (issue.code, issue.level) == (code, "error") and issue.message.startswith(message)
    assert parsed.series == [] and parsed.failed


def test_a_file_over_the_point_limit_is_refused_before_it_is_parsed() -> None:
    data = prometheus({"metric": {"__name__": "x", "service": "s"}, "values": points(50)})
    assert estimated_points(data, PROMETHEUS) == 50
    parsed = parse_series(data, "q.json", PROMETHEUS, replace(CONFIG, max_points=49))
    assert codes(parsed) == [("series-too-large", None, "error")]
    assert "about 50 points; the limit is 49 ([metrics] max_points)" in parsed.issues[0].message
    assert len(parse_series(data, "q.json", PROMETHEUS, replace(CONFIG, max_points=50)).series) == 1


# -- OTLP -----------------------------------------------------------------------------------------


def test_otlp_gauges_are_read_sorted_with_their_attributes() -> None:
    gauge = {
        "name": "memory_utilization",
        "unit": "1",
        "gauge": {
            "dataPoints": [
                point(120, 0.7, attributes=[attribute("pod", "a")]),
                point(60, 0.6),
                point(0, "0.5", attributes=[attribute("pod", "a")]),
                point(0, 0.4),
            ]
        },
    }
    parsed = parse_series(orjson.dumps(otlp([gauge])), "m.json", OTLP, CONFIG)
    assert parsed.issues == []
    by_labels = {tuple(s.labels.items()): s for s in parsed.series}
    pod = by_labels[(("pod", "a"),)]
    assert (pod.service, pod.metric, pod.unit) == ("recommendations", "memory_utilization", "1")
    assert pod.times.tolist() == [T0 * 1000, (T0 + 120) * 1000]
    assert by_labels[()].values.tolist() == [0.4, 0.6]


def test_otlp_monotonic_sums_become_rates() -> None:
    cumulative = {
        "name": "requests",
        "sum": {
            "isMonotonic": True,
            "aggregationTemporality": 2,
            "dataPoints": [
                point(0, "100", "asInt"),
                point(60, "160", "asInt"),
                point(120, "10", "asInt"),
            ],
        },
    }
    delta = {
        "name": "errors",
        "sum": {
            "isMonotonic": True,
            "aggregationTemporality": "AGGREGATION_TEMPORALITY_DELTA",
            "dataPoints": [point(60, 30, "asInt", startTimeUnixNano=str(T0 * 10**9))],
        },
    }
    updown = {
        "name": "queue_depth",
        "sum": {"isMonotonic": False, "dataPoints": [point(0, 4, "asInt")]},
    }
    parsed = parse_series(orjson.dumps(otlp([cumulative, delta, updown])), "m.json", OTLP, CONFIG)
    by_metric = {s.metric: s.values.tolist() for s in parsed.series}
    assert by_metric == {"requests": [1.0, 10 / 60], "errors": [0.5], "queue_depth": [4.0]}


def test_otlp_histograms_are_skipped_with_a_warning_and_ndjson_is_read() -> None:
    histogram = {"name": "latency", "histogram": {"dataPoints": []}}
    gauge = {"name": "cpu", "gauge": {"dataPoints": [point(0, 0.5)]}}
    data = orjson.dumps(otlp([histogram])) + b"\n\n" + orjson.dumps(otlp([gauge])) + b"\n"
    parsed = parse_series(data, "m.ndjson", OTLP, CONFIG)
    assert codes(parsed) == [
        ("series-skipped", "resourceMetrics[0].scopeMetrics[0].metrics[0]", "warning")
    ]
    assert parsed.issues[0].line == 1
    assert [s.metric for s in parsed.series] == ["cpu"]


def test_otlp_bad_points_and_conflicting_times() -> None:
    bad = {
        "name": "cpu",
        "gauge": {"dataPoints": [point(0, 0.5), {"asDouble": 1.0}, point(0, 0.7)]},
    }
    parsed = parse_series(orjson.dumps(otlp([bad])), "m.json", OTLP, CONFIG)
    assert codes(parsed) == [
        (
            "series-invalid-point",
            "resourceMetrics[0].scopeMetrics[0].metrics[0].dataPoints[1]",
            "error",
        ),
        (
            "series-not-monotonic",
            "resourceMetrics[0].scopeMetrics[0].metrics[0].dataPoints",
            "error",
        ),
    ]
    same = {"name": "cpu", "gauge": {"dataPoints": [point(0, 0.5), point(0, 0.5)]}}
    (series,) = parse_series(orjson.dumps(otlp([same])), "m.json", OTLP, CONFIG).series
    assert series.values.tolist() == [0.5]


def test_otlp_infinity_spellings() -> None:
    gauge = {
        "name": "cpu",
        "gauge": {"dataPoints": [point(0, "Infinity"), point(60, "NaN"), point(120, 0.25)]},
    }
    parsed = parse_series(orjson.dumps(otlp([gauge])), "m.json", OTLP, CONFIG)
    assert parsed.series[0].values.tolist() == [0.25] and parsed.dropped == 2
    assert np.isclose(parsed.series[0].times[0], (T0 + 120) * 1000)
