"""``failearn metrics pull``: fetch from a Prometheus server the series the analysis needs.

:func:`needed_windows` works out, from the newest cluster run at or before
``as_of``, which spans of which services the precursor analysis reads: for
every incident of a pattern on a service (and on the dependency its incidents
point at), the ``horizon`` before it and the ``during`` after it, at the same
time of day on the ``control_days`` days either side (its normal windows), and
the windows a feature needs before each; overlapping spans are merged, and all
are kept within the cluster run's window.  :func:`pull` asks the server for each
query of ``[metrics] queries`` over those spans through its HTTP API
(``/api/v1/query_range``, in chunks of at most 11,000 points a series, the
server's own limit), and stores every answer through the same reader and store
as ``failearn ingest`` does (:class:`failearn.commands.series.SeriesWriter`): each answer
is kept in the inbox, an error answer is a located error naming the query, and
nothing already stored is lost.  A query holding ``$service`` is asked once per
service, for that service's spans only, and its series belong to that service
unless a label names another.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from failearn.commands.evidence import window_seconds
from failearn.commands.series import SeriesResult, SeriesWriter
from failearn.commands.stages import load_patterns
from failearn.config import Settings
from failearn.errors import UsageError
from failearn.sources.seriesformat import PROMETHEUS
from failearn.store import Store
from failearn.store import rules as registry_sql
from failearn.suggest.dependency import choose_dependency
from failearn.suggest.model import IncidentBrief
from failearn.timeutil import format_duration, from_iso, iso

MAX_POINTS = 11_000
DAY = 86_400
Fetch = Callable[[str, float], bytes]


class PullError(UsageError):
    """The server cannot be reached, or answers what is not its API."""


@dataclass
class PullResult:
    url: str
    as_of: str
    step_seconds: int
    windows: dict[str, list[tuple[str, str]]]
    requests: int = 0
    series: SeriesResult = field(default_factory=SeriesResult)
    dry_run: bool = False


def _merge(spans: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def needed_windows(
    store: Store, settings: Settings, as_of: datetime
) -> dict[str, list[tuple[int, int]]]:
    """The spans (unix seconds, merged) of each service the precursor analysis reads."""
    patterns = load_patterns(store, as_of)
    if patterns is None:
        raise UsageError(
            f"no cluster run at or before {iso(as_of)}: the windows to pull come from its patterns",
            hint=f"run `failearn cluster --as-of {iso(as_of)[:10]}` first",
        )
    config = settings.precursors
    before = int((config.horizon + config.exclude_after).total_seconds()) + max(
        window_seconds(config)
    )
    after = int(max(config.during, config.exclude_after).total_seconds())
    low = int(from_iso(patterns.window_start).timestamp())
    high = int(as_of.timestamp())
    ids = [i for p in patterns.patterns for i in p.incident_ids]
    rows = registry_sql.incident_briefs(store, ids)
    spans: dict[str, list[tuple[int, int]]] = {}
    for pattern in patterns.patterns:
        grouped: dict[str, list[IncidentBrief]] = {}
        for incident_id in pattern.incident_ids:
            row = rows.get(incident_id)
            if row is not None:
                grouped.setdefault(row["service"], []).append(
                    IncidentBrief(
                        row["id"],
                        row["timestamp"],
                        row["service"],
                        row["failure_class"],
                        dependencies=tuple(row["dependencies"]),
                        error_messages=tuple(row["error_messages"]),
                        trace_shape=tuple(row["trace_shape"]),
                    )
                )
        for service, items in grouped.items():
            dependency = choose_dependency(items, service)
            owners = [service] + ([dependency.name] if dependency else [])
            for item in items:
                moment = int(from_iso(item.timestamp).timestamp())
                for days in range(-config.control_days, config.control_days + 1):
                    at = moment + days * DAY
                    start, end = max(low, at - before), min(high, at + after)
                    if start < end:
                        for owner in owners:
                            spans.setdefault(owner, []).append((start, end))
    return {service: _merge(found) for service, found in sorted(spans.items())}


def _chunks(start: int, end: int, step: int) -> list[tuple[int, int]]:
    """``[start, end)`` as the server's spans (both of whose ends it includes), aligned to
    the step, each of at most :data:`MAX_POINTS` points."""
    size = (MAX_POINTS - 1) * step
    found = []
    at = math.floor(start / step) * step
    while at < end:
        found.append((at, min(end - 1, at + size)))
        at += size + step
    return found


def http_fetch(url: str, timeout: float) -> bytes:
    """GET ``url``; the body, an error answer's too (Prometheus explains its errors in JSON)."""
    request = urllib.request.Request(
        url, headers={"Accept": "application/json", "User-Agent": "failearn"}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return bytes(response.read())
    except urllib.error.HTTPError as exc:
        body = exc.read()
        if body.lstrip().startswith(b"{"):
            return bytes(body)
        raise PullError(f"{url.split('?')[0]} answered HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, TimeoutError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PullError(
            f"cannot reach Prometheus at {url.split('/api/')[0]}: {reason}",
            hint="check --prometheus (e.g. http://localhost:9090)",
        ) from exc


def _query_url(base: str, query: str, start: int, end: int, step: int) -> str:
    params = urllib.parse.urlencode(
        {"query": query, "start": start, "end": end, "step": f"{step}s"}
    )
    return f"{base.rstrip('/')}/api/v1/query_range?{params}"


def _check_url(url: str) -> str:
    parsed = urllib.parse.urlparse(url)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise UsageError(
            f"--prometheus {url!r} is not an http(s) URL",
            hint="e.g. --prometheus http://localhost:9090",
        )
    return url.rstrip("/")


def pull(
    settings: Settings,
    url: str,
    as_of: datetime,
    *,
    step: timedelta | None = None,
    dry_run: bool = False,
    keep_raw: bool | None = None,
    fetch: Fetch = http_fetch,
) -> PullResult:
    """Fetch and store the series of ``[metrics] queries`` over the windows the analysis
    needs, in one transaction (rolled back under ``dry_run``)."""
    queries = settings.metrics.queries
    if not queries:
        raise UsageError(
            "no queries to pull: name them in [metrics] queries",
            hint='e.g. [metrics.queries] request_rate = "sum by (service) '
            '(rate(http_requests_total[2m]))"',
        )
    base = _check_url(url)
    seconds = int((step or settings.metrics.step).total_seconds())
    if seconds <= 0:
        raise UsageError("--step must be positive")
    timeout = settings.metrics.timeout.total_seconds()
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        scope = store.rolled_back() if dry_run else store.transaction()
        with scope:
            windows = needed_windows(store, settings, as_of)
            result = PullResult(
                base,
                iso(as_of),
                seconds,
                {
                    service: [(_iso(s), _iso(e)) for s, e in spans]
                    for service, spans in windows.items()
                },
                dry_run=dry_run,
            )
            run_id = store.start_run(
                "metrics pull",
                as_of,
                {
                    "prometheus": base,
                    "step": format_duration(timedelta(seconds=seconds)),
                    "queries": sorted(queries),
                    "dry_run": dry_run,
                },
            )
            writer = SeriesWriter(
                store,
                settings,
                run_id,
                settings.ingest.keep_raw if keep_raw is None else keep_raw,
                iso(datetime.now(UTC)),
            )
            for name, query in sorted(queries.items()):
                _pull_query(writer, result, fetch, base, name, query, windows, seconds, timeout)
            result.series = writer.result
            store.finish_run(
                run_id,
                "rejected" if writer.result.errors else "ok",
                {"requests": result.requests, **writer.result.as_dict()},
            )
        return result
    finally:
        store.close()


def _pull_query(
    writer: SeriesWriter,
    result: PullResult,
    fetch: Fetch,
    base: str,
    name: str,
    query: str,
    windows: Mapping[str, list[tuple[int, int]]],
    step: int,
    timeout: float,
) -> None:
    per_service = "$service" in query
    jobs: list[tuple[str | None, str, list[tuple[int, int]]]]
    if per_service:
        jobs = [
            (service, query.replace("$service", service.replace('"', '\\"')), spans)
            for service, spans in windows.items()
        ]
    else:
        jobs = [(None, query, _merge([s for spans in windows.values() for s in spans]))]
    for service, text, spans in jobs:
        for start, end in spans:
            for chunk_start, chunk_end in _chunks(start, end, step):
                data = fetch(_query_url(base, text, chunk_start, chunk_end, step), timeout)
                result.requests += 1
                where = f"prometheus:{name}@{_iso(chunk_start)}"
                if service is not None:
                    where += f"/{service}"
                _check_api(data, base)
                writer.add(data, where, PROMETHEUS, metric=name, service=service)


def _check_api(data: bytes, base: str) -> None:
    try:
        document = json.loads(data[: 1 << 20]) if len(data) < (1 << 20) else None
    except ValueError:
        raise PullError(
            f"{base} did not answer with the Prometheus HTTP API (not JSON)",
            hint="is --prometheus the server's address, e.g. http://localhost:9090?",
        ) from None
    if document is not None and not (isinstance(document, dict) and "status" in document):
        raise PullError(f"{base} did not answer with the Prometheus HTTP API")


def _iso(seconds: int) -> str:
    return iso(datetime.fromtimestamp(seconds, UTC))
