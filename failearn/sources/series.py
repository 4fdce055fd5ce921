"""Metric series files: Prometheus range-query responses and OTLP/JSON metrics.

A file is recognised as series by its head (:func:`series_format`):
``"resultType"`` for a response of the Prometheus HTTP API, as ``curl
…/api/v1/query_range`` saves it, and ``"resourceMetrics"`` for OTLP/JSON
metrics (one export request, or one per line as a collector's file exporter
writes them).  :func:`parse_series` turns the bytes into :class:`Series` — one
per service, metric and remaining labels, times in milliseconds, finite values
only — and located issues:

* errors drop one series (``series-no-service``, ``series-no-name``,
  ``series-not-monotonic``, ``series-invalid-point``) or the whole file
  (``series-query-failed``, ``series-not-a-range``, ``series-too-large``,
  ``invalid-json``), naming the file, the line and the field
  (``data.result[3].values[1042]``);
* warnings keep the series: NaN and ±Inf points are not stored
  (``series-non-finite``; Prometheus writes NaN for 0/0), histograms and
  summaries are not read (``series-skipped``).

Points are converted in bulk with numpy, and the parser holds the garbage
collector back while it builds a file's million small lists (it would otherwise
walk them again and again for nothing).  OTLP sums that are monotonic counters
are stored as their rate per second (what a Prometheus ``rate()`` gives);
other sums and gauges as they are.
"""

from __future__ import annotations

import fnmatch
import gc
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import orjson

from failearn.codes import hint
from failearn.config import MetricsConfig
from failearn.record import Issue
from failearn.sources.seriesformat import OTLP, PROMETHEUS, series_format
from failearn.sources.vendors.otlp import attributes

__all__ = [
    "OTLP",
    "PROMETHEUS",
    "Parsed",
    "Series",
    "estimated_points",
    "parse_series",
    "series_format",
]

_CUMULATIVE = {2, "2", "AGGREGATION_TEMPORALITY_CUMULATIVE"}
_DELTA = {1, "1", "AGGREGATION_TEMPORALITY_DELTA"}
_NOT_READ = ("histogram", "exponentialHistogram", "summary")


@dataclass
class Series:
    """One series of a file: its identity and its points (ms, strictly increasing)."""

    service: str
    metric: str
    labels: dict[str, str]
    times: np.ndarray
    values: np.ndarray
    field: str
    line: int | None = None
    unit: str | None = None


@dataclass
class Parsed:
    """What one file held: its series, what was wrong with it, and how many points it had."""

    series: list[Series] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    points: int = 0
    dropped: int = 0

    @property
    def failed(self) -> bool:
        return any(i.level == "error" for i in self.issues)


class _Problems:
    """The issues of one file, and the metric name a pulled query gives all its series."""

    def __init__(self, source: str, metric: str | None = None, service: str | None = None) -> None:
        self.source = source
        self.metric = metric
        self.service = service
        self.issues: list[Issue] = []

    def error(
        self, code: str, message: str, where: str | None = None, line: int | None = None
    ) -> None:
        self.issues.append(Issue(code, message, self.source, line, where, hint(code)))

    def warning(
        self, code: str, message: str, where: str | None = None, line: int | None = None
    ) -> None:
        self.issues.append(Issue(code, message, self.source, line, where, hint(code), "warning"))


@contextmanager
def _no_gc() -> Iterator[None]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def estimated_points(data: bytes, fmt: str) -> int:
    """How many points a file holds, counted without parsing it (an upper bound)."""
    if fmt == OTLP:
        return data.count(b"timeUnixNano")
    return max(0, data.count(b"[") - data.count(b'"values"') - 1)


def parse_series(
    data: bytes,
    source: str,
    fmt: str,
    config: MetricsConfig,
    metric: str | None = None,
    service: str | None = None,
) -> Parsed:
    """The series of one file (see the module docstring); ``metric`` names every series (the
    configuration's name of a query ``metrics pull`` fetched), ``service`` is the service of
    a series no label names (the service a query was asked for)."""
    problems = _Problems(source, metric, service)
    estimate = estimated_points(data, fmt)
    if estimate > config.max_points:
        problems.error(
            "series-too-large",
            f"the file holds about {estimate:,} points; the "
            f"limit is {config.max_points:,} ([metrics] max_points)",
            line=1,
        )
        return Parsed(issues=problems.issues)
    with _no_gc():
        if fmt == PROMETHEUS:
            parsed = _prometheus(data, problems, config)
        else:
            parsed = _otlp(data, problems, config)
    parsed.issues = problems.issues
    return parsed


# -- naming -------------------------------------------------------------------------------------


def _name(
    labels: dict[str, str],
    source: str,
    config: MetricsConfig,
    fallback: str | None,
    given: str | None = None,
) -> tuple[str | None, str | None, dict[str, str]]:
    """The service and metric a series' labels name, and the labels left to tell it apart."""
    rest = dict(labels)
    service = None
    for key in config.service_labels:
        if rest.get(key):
            value = rest.pop(key)
            service = config.services.get(value, value)
            break
    metric = None
    for key in config.name_labels:
        if rest.get(key):
            value = rest.pop(key)
            metric = config.names.get(value, value)
            break
    metric = given or metric
    if metric is None and fallback:
        metric = config.names.get(fallback, fallback)
    if metric is None:
        for pattern, name in config.files.items():
            if fnmatch.fnmatch(source, pattern) or fnmatch.fnmatch(
                source.rsplit("/", 1)[-1], pattern
            ):
                metric = name
                break
    return service, metric, dict(sorted(rest.items()))


def _named(
    labels: dict[str, str],
    problems: _Problems,
    config: MetricsConfig,
    where: str,
    line: int | None,
    fallback: str | None = None,
) -> tuple[str, str, dict[str, str]] | None:
    service, metric, rest = _name(labels, problems.source, config, fallback, problems.metric)
    service = service or problems.service
    shown = ", ".join(f"{k}={v!r}" for k, v in sorted(labels.items())[:6]) or "none"
    if service is None:
        problems.error(
            "series-no-service",
            f"no label names the service (labels: {shown}; "
            f"looked for {', '.join(config.service_labels)})",
            where,
            line,
        )
        return None
    if metric is None:
        problems.error(
            "series-no-name", f"the series has no metric name (labels: {shown})", where, line
        )
        return None
    return service, metric, rest


# -- points -------------------------------------------------------------------------------------


def _checked(
    times: np.ndarray,
    values: np.ndarray,
    where: str,
    line: int | None,
    problems: _Problems,
    sort: bool = False,
) -> tuple[np.ndarray, np.ndarray, int] | None:
    """Times in ms, strictly increasing, and finite values; None when the series is refused."""
    bad_time = np.flatnonzero(~np.isfinite(times) | (times < 0))
    if bad_time.size:
        index = int(bad_time[0])
        problems.error(
            "series-invalid-point",
            f"point {index}: the time {times[index]!r} is not a unix time",
            f"{where}[{index}]",
            line,
        )
        return None
    ms = np.rint(times * 1000.0).astype(np.int64)
    if sort:
        order = np.argsort(ms, kind="stable")
        ms, values = ms[order], values[order]
        same = np.flatnonzero(np.diff(ms) == 0)
        if same.size:
            keep = np.ones(len(ms), dtype=bool)
            conflict = same[values[same] != values[same + 1]]
            if conflict.size:
                at = int(ms[conflict[0]])
                problems.error(
                    "series-not-monotonic",
                    f"two different values at one time ({at / 1000:g})",
                    where,
                    line,
                )
                return None
            keep[same + 1] = False
            ms, values = ms[keep], values[keep]
    else:
        back = np.flatnonzero(np.diff(ms) <= 0)
        if back.size:
            index = int(back[0]) + 1
            problems.error(
                "series-not-monotonic",
                f"point {index} at {ms[index] / 1000:g} "
                f"does not come after point {index - 1} at "
                f"{ms[index - 1] / 1000:g}",
                f"{where}[{index}]",
                line,
            )
            return None
    finite = np.isfinite(values)
    dropped = int(len(values) - finite.sum())
    if dropped:
        first = int(np.flatnonzero(~finite)[0])
        kinds = []
        for label, mask in (
            ("NaN", np.isnan(values)),
            ("+Inf", np.isposinf(values)),
            ("-Inf", np.isneginf(values)),
        ):
            if mask.any():
                kinds.append(f"{label} ×{int(mask.sum())}")
        problems.warning(
            "series-non-finite",
            f"{dropped} of {len(values)} points not stored "
            f"({', '.join(kinds)}; the first is point {first})",
            f"{where}[{first}]",
            line,
        )
        ms, values = ms[finite], values[finite]
    return ms, values, dropped


def _floats(items: list[Any]) -> np.ndarray:
    return np.asarray(items, dtype=np.float64)


def _first_bad(values: list[Any]) -> tuple[int, str]:
    for index, point in enumerate(values):
        if not isinstance(point, list | tuple) or len(point) != 2:
            return index, f"point {index} is {str(point)[:40]!r}, not a [time, value] pair"
        for part in point:
            try:
                float(part)
            except (TypeError, ValueError):
                return index, f"point {index}: {str(part)[:40]!r} is not a number"
    return 0, "a point cannot be read"


# -- Prometheus ---------------------------------------------------------------------------------


def _lines_of(data: bytes, token: bytes, count: int) -> list[int | None]:
    """The line of each of the first ``count`` occurrences of ``token``."""
    lines: list[int | None] = []
    position, line = 0, 1
    for _ in range(count):
        found = data.find(token, position)
        if found < 0:
            lines.append(None)
            continue
        line += data.count(b"\n", position, found)
        lines.append(line)
        position = found + 1
    return lines


def _load(data: bytes, problems: _Problems) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        problems.error("invalid-json", f"invalid JSON: {exc.msg}", line=exc.lineno)
        return None


def _prometheus(data: bytes, problems: _Problems, config: MetricsConfig) -> Parsed:
    parsed = Parsed()
    document = _load(data, problems)
    if document is None:
        return parsed
    if not isinstance(document, dict):
        problems.error(
            "series-invalid-point",
            "the file is not a Prometheus API response (an object with status and data)",
            line=1,
        )
        return parsed
    if document.get("status") == "error":
        problems.error(
            "series-query-failed",
            f"Prometheus answered {document.get('errorType')}: {document.get('error')}",
            "error",
            1,
        )
        return parsed
    body = document.get("data")
    kind = body.get("resultType") if isinstance(body, dict) else None
    if kind != "matrix":
        problems.error(
            "series-not-a-range",
            f"the result is a {kind or 'missing'} result, not a matrix of series",
            "data.resultType",
            1,
        )
        return parsed
    result = body.get("result") if isinstance(body, dict) else None
    if not isinstance(result, list):
        problems.error("series-invalid-point", "data.result is not a list", "data.result", 1)
        return parsed
    lines = _lines_of(data, b'"metric"', len(result))
    for index, item in enumerate(result):
        where, line = f"data.result[{index}]", lines[index]
        if not isinstance(item, dict) or not isinstance(item.get("metric", {}), dict):
            problems.error(
                "series-invalid-point", "a series is an object with metric and values", where, line
            )
            continue
        if "histograms" in item and "values" not in item:
            problems.warning("series-skipped", "a native histogram series is not read", where, line)
            continue
        labels = {str(k): str(v) for k, v in (item.get("metric") or {}).items()}
        named = _named(labels, problems, config, where, line)
        values = item.get("values")
        if not isinstance(values, list):
            problems.error(
                "series-invalid-point", "values is not a list of points", f"{where}.values", line
            )
            continue
        parsed.points += len(values)
        if named is None or not values:
            continue
        try:
            times = _floats([p[0] for p in values])
            numbers = _floats([p[1] for p in values])
            if any(len(p) != 2 for p in values):
                raise ValueError
        except (TypeError, ValueError, IndexError, KeyError):
            at, message = _first_bad(values)
            problems.error("series-invalid-point", message, f"{where}.values[{at}]", line)
            continue
        checked = _checked(times, numbers, f"{where}.values", line, problems)
        if checked is None:
            continue
        ms, finite, dropped = checked
        parsed.dropped += dropped
        if len(ms):
            service, metric, rest = named
            parsed.series.append(Series(service, metric, rest, ms, finite, where, line))
    return parsed


# -- OTLP ---------------------------------------------------------------------------------------


def _requests(data: bytes, problems: _Problems) -> list[tuple[int, Any]]:
    """The export requests of a file: one JSON document, or one per line."""
    try:
        return [(1, orjson.loads(data))]
    except orjson.JSONDecodeError:
        pass
    found = []
    for number, line in enumerate(data.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            found.append((number, orjson.loads(line)))
        except orjson.JSONDecodeError as exc:
            problems.error(
                "invalid-json", f"invalid JSON: {exc.msg} (column {exc.colno})", line=number
            )
    return found


def _attributes(items: Any) -> dict[str, str]:
    return {k: str(v) for k, v in attributes(items).items() if v is not None}


def _number(value: Any) -> float:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("infinity", "+infinity", "inf", "+inf"):
            return math.inf
        if text in ("-infinity", "-inf"):
            return -math.inf
    if isinstance(value, bool):
        raise TypeError
    return float(value)


class _Collected:
    def __init__(
        self,
        service: str,
        metric: str,
        labels: dict[str, str],
        where: str,
        line: int,
        unit: str | None,
        rate: str | None,
    ) -> None:
        self.identity = (service, metric, labels)
        self.where, self.line, self.unit, self.rate = where, line, unit, rate
        self.times: list[float] = []
        self.values: list[float] = []
        self.starts: list[float] = []


class _Lines:
    """The line of each metric of a pretty-printed document, found by its name in order."""

    def __init__(self, data: bytes, single: bool) -> None:
        self.data, self.single = data, single
        self.cursor, self.line = 0, 1

    def of(self, name: str, fallback: int) -> int:
        if not self.single or not name:
            return fallback
        found = re.compile(rb'"name"\s*:\s*' + re.escape(orjson.dumps(name))).search(
            self.data, self.cursor
        )
        if found is None:
            return fallback
        self.line += self.data.count(b"\n", self.cursor, found.start())
        self.cursor = found.start()
        return self.line


def _otlp(data: bytes, problems: _Problems, config: MetricsConfig) -> Parsed:
    parsed = Parsed()
    collected: dict[str, _Collected] = {}
    requests = _requests(data, problems)
    lines = _Lines(data, len(requests) == 1)
    for line, request in requests:
        resources = request.get("resourceMetrics") if isinstance(request, dict) else None
        if not isinstance(resources, list):
            problems.error(
                "series-invalid-point", "resourceMetrics is not a list", "resourceMetrics", line
            )
            continue
        for r, resource in enumerate(resources):
            if not isinstance(resource, dict):
                continue
            base = _attributes((resource.get("resource") or {}).get("attributes"))
            scopes = (
                resource.get("scopeMetrics") or resource.get("instrumentationLibraryMetrics") or []
            )
            for s, scope in enumerate(scopes if isinstance(scopes, list) else []):
                metrics = scope.get("metrics") if isinstance(scope, dict) else None
                for m, metric in enumerate(metrics if isinstance(metrics, list) else []):
                    where = f"resourceMetrics[{r}].scopeMetrics[{s}].metrics[{m}]"
                    name = metric.get("name") if isinstance(metric, dict) else None
                    _otlp_metric(
                        metric,
                        base,
                        where,
                        lines.of(str(name or ""), line),
                        problems,
                        config,
                        collected,
                        parsed,
                    )
    for item in collected.values():
        _finish(item, problems, parsed)
    return parsed


def _otlp_metric(
    metric: Any,
    base: dict[str, str],
    where: str,
    line: int,
    problems: _Problems,
    config: MetricsConfig,
    collected: dict[str, _Collected],
    parsed: Parsed,
) -> None:
    if not isinstance(metric, dict):
        return
    name = str(metric.get("name") or "")
    for kind in _NOT_READ:
        if kind in metric:
            problems.warning("series-skipped", f"{kind} metric {name!r} is not read", where, line)
            return
    body = metric.get("gauge") if "gauge" in metric else metric.get("sum")
    if not isinstance(body, dict):
        return
    rate = None
    if "sum" in metric and body.get("isMonotonic"):
        temporality = body.get("aggregationTemporality")
        rate = (
            "cumulative"
            if temporality in _CUMULATIVE
            else "delta"
            if temporality in _DELTA
            else None
        )
    points = body.get("dataPoints")
    if not isinstance(points, list):
        problems.error(
            "series-invalid-point", "dataPoints is not a list", f"{where}.dataPoints", line
        )
        return
    parsed.points += len(points)
    for p, point in enumerate(points):
        at = f"{where}.dataPoints[{p}]"
        if not isinstance(point, dict):
            problems.error("series-invalid-point", "a data point is an object", at, line)
            continue
        labels = {**base, **_attributes(point.get("attributes"))}
        labels.setdefault("__name__", name)
        named = _named(labels, problems, config, at, line, name or None)
        if named is None:
            continue
        service, metric_name, rest = named
        try:
            when = int(point["timeUnixNano"]) / 1e9
            raw = point["asDouble"] if "asDouble" in point else point["asInt"]
            value = _number(raw)
            start = int(point.get("startTimeUnixNano") or 0) / 1e9
        except (KeyError, TypeError, ValueError):
            problems.error(
                "series-invalid-point",
                "a data point needs timeUnixNano and asDouble or asInt",
                at,
                line,
            )
            continue
        key = orjson.dumps([service, metric_name, rest]).decode()
        item = collected.get(key)
        if item is None:
            item = collected[key] = _Collected(
                service, metric_name, rest, where, line, metric.get("unit") or None, rate
            )
        item.times.append(when)
        item.values.append(value)
        item.starts.append(start)


def _finish(item: _Collected, problems: _Problems, parsed: Parsed) -> None:
    times = _floats(item.times)
    values = _floats(item.values)
    if item.rate is not None:
        times, values = _as_rate(times, values, _floats(item.starts), item.rate)
    checked = _checked(times, values, f"{item.where}.dataPoints", item.line, problems, sort=True)
    if checked is None:
        return
    ms, finite, dropped = checked
    parsed.dropped += dropped
    if len(ms):
        service, metric, rest = item.identity
        parsed.series.append(
            Series(service, metric, rest, ms, finite, item.where, item.line, item.unit)
        )


def _as_rate(
    times: np.ndarray, values: np.ndarray, starts: np.ndarray, kind: str
) -> tuple[np.ndarray, np.ndarray]:
    """A monotonic counter as its rate per second: a delta over its interval, a cumulative
    sum as the increase since the previous point (a fall is a reset: the new count)."""
    order = np.argsort(times, kind="stable")
    times, values, starts = times[order], values[order], starts[order]
    if kind == "delta":
        span = np.where((starts > 0) & (times > starts), times - starts, np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            return times, values / span
    if len(times) < 2:
        return times[:0], values[:0]
    increase = np.diff(values)
    increase = np.where(increase < 0, values[1:], increase)
    with np.errstate(divide="ignore", invalid="ignore"):
        return times[1:], increase / np.diff(times)
