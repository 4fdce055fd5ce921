"""A store-sized history for the backtest benchmark: incidents over two years, and the last 30
days of 1-minute metric series for 20 services, with precursors before the patterns'
incidents.

Deterministic (seeded).  Incidents come from :mod:`cluster_data`'s recurring shapes
and noise, spread evenly over two years before ``AS_OF`` (so that a service has an
incident every eight hours or so, and normal time between them).  Each of the first
20 services gets ``request_rate``, ``db_pool_utilization`` and ``p99_latency_ms`` at a
1-minute step over the last 30 days, with a daily cycle and noise; before each of
its pattern incidents in that span, the pool fills and traffic surges over 10–25
minutes, and latency climbs before the timeouts and dependency failures.  Written
as Prometheus range-query responses, one file per service.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
from cluster_data import AS_OF, CLASSES, SERVICES, WORDS, _fill, _template, make_patterns

END = datetime.fromisoformat(AS_OF).replace(tzinfo=UTC)
SPAN = timedelta(days=730)
SERIES_DAYS = 30
SERIES_SERVICES = SERVICES[:20]


def write_history(
    folder: Path, count: int, *, patterns: int = 30, noise: float = 0.1, seed: int = 7
) -> tuple[Path, list[Path]]:
    """Write the incidents (NDJSON) and the series files; their paths."""
    rnd = random.Random(seed)
    shapes = make_patterns(patterns, rnd)
    start = END - SPAN
    step = SPAN / count
    feed = folder / "incidents.ndjson"
    planted: dict[str, list[tuple[float, str]]] = {}
    series_from = (END - timedelta(days=SERIES_DAYS)).timestamp()
    with feed.open("w", encoding="utf-8") as handle:
        for number in range(count):
            when = start + step * number
            record: dict[str, object] = {
                "id": f"bt-{number:07d}",
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "trace_ids": [f"{rnd.getrandbits(128):032x}"],
                "severity": "SEV3",
            }
            if rnd.random() < noise:
                record.update(
                    {
                        "service": rnd.choice(SERVICES),
                        "failure_class": rnd.choice(CLASSES),
                        "title": " ".join(rnd.sample(WORDS, 5)),
                        "error_messages": [_fill(_template(rnd, 8), rnd)],
                    }
                )
            else:
                shape = rnd.choice(shapes)
                service = rnd.choice(shape["services"])  # type: ignore[arg-type]
                record.update(
                    {
                        "service": service,
                        "failure_class": shape["failure_class"],
                        "title": _fill(str(shape["title"]), rnd),
                        "error_messages": [_fill(str(shape["message"]), rnd)],
                        "trace_shape": shape["trace_shape"],
                    }
                )
                if when.timestamp() >= series_from:
                    planted.setdefault(str(service), []).append(
                        (when.timestamp(), str(shape["failure_class"]))
                    )
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    files = [
        _write_series(folder, service, planted.get(service, []), seed + index)
        for index, service in enumerate(SERIES_SERVICES)
    ]
    return feed, files


def _daily(times: np.ndarray) -> np.ndarray:
    hours = (times % 86400) / 3600.0
    return 1.0 + 0.4 * np.sin(2 * math.pi * (hours - 9.0) / 24.0)


def _write_series(
    folder: Path, service: str, incidents: list[tuple[float, str]], seed: int
) -> Path:
    rng = np.random.default_rng(seed)
    begin = int((END - timedelta(days=SERIES_DAYS)).timestamp())
    times = np.arange(begin, int(END.timestamp()), 60, dtype=np.int64)
    t = times.astype(float)
    load = _daily(times) * (1 + rng.normal(0, 0.03, len(t)))
    pool = 0.25 + 0.3 * _daily(times) + rng.normal(0, 0.03, len(t))
    latency = 120 * _daily(times) * np.exp(rng.normal(0, 0.08, len(t)))
    for moment, failure_class in incidents:
        lead = rng.uniform(10, 25) * 60
        first = int(np.searchsorted(t, moment - lead))
        last = int(np.searchsorted(t, moment, side="right"))
        share = (t[first:last] - (moment - lead)) / lead
        load[first:last] *= 1 + 0.3 * share
        pool[first:last] += (1.0 - pool[first:last]) * share
        if failure_class in ("timeout", "dependency-failure"):
            latency[first:last] *= 1 + 15 * share
    path = folder / f"series-{service}.json"
    result = []
    for name, values in (
        ("request_rate", 300 * load),
        ("db_pool_utilization", np.clip(pool, 0.01, 1.0)),
        ("p99_latency_ms", latency),
    ):
        result.append(
            {
                "metric": {"__name__": name, "service": service},
                "values": [[int(a), f"{v:.4g}"] for a, v in zip(times, values, strict=True)],
            }
        )
    path.write_text(
        json.dumps(
            {"status": "success", "data": {"resultType": "matrix", "result": result}},
            separators=(",", ":"),
        ),
        encoding="utf-8",
    )
    return path
