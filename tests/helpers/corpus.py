"""Labelled incident corpora for the audit tests, written as NDJSON for ``failearn ingest``.

Deterministic.  Each record's text comes from templates of its class, so a
classifier can learn the labels; records of one service are hours apart, so
none merge.  ``relabel`` turns some recent records of one class into another
(what a team drifting in its use of the taxonomy looks like).
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
SERVICES = ["checkout", "payments", "search", "inventory", "auth", "notifications"]
CLASSES: dict[str, tuple[int, list[str]]] = {
    "timeout": (
        30,
        [
            "{s}: calls to {d} timed out",
            "{s} requests exceeded their deadline",
            "slow responses from {d}; {s} hit its timeout",
        ],
    ),
    "connection-pool-exhaustion": (
        25,
        ["{s} connection pool exhausted", "{s} waiting for a free connection to {d}"],
    ),
    "memory-exhaustion": (15, ["{s} pods OOMKilled", "{s} ran out of heap memory"]),
    "deployment-regression": (
        15,
        ["{s} errors after the deploy", "bad release of {s} rolled back"],
    ),
    "configuration-error": (10, ["bad config change on {s}", "invalid setting broke {s}"]),
    "dependency-failure": (10, ["{d} outage broke {s}", "{d} returned 503 to {s}"]),
}
DEPENDENCIES = ["postgres", "redis", "kafka", "stripe", "elasticsearch"]


def window_records(
    start: datetime,
    end: datetime,
    count: int,
    rnd: random.Random,
    prefix: str,
    relabel: tuple[str, str] | None = None,
    share: float = 1.0,
) -> list[dict[str, object]]:
    names = sorted(CLASSES)
    weights = [CLASSES[n][0] for n in names]
    step = (end - start) / max(count, 1)
    records: list[dict[str, object]] = []
    for number in range(count):
        truth = rnd.choices(names, weights)[0]
        service = SERVICES[number % len(SERVICES)]
        label = truth
        if relabel and truth == relabel[0] and rnd.random() < share:
            label = relabel[1]
        text = rnd.choice(CLASSES[truth][1]).format(s=service, d=rnd.choice(DEPENDENCIES))
        records.append(
            {
                "id": f"{prefix}-{number:04d}",
                "timestamp": (start + step * number).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "service": service,
                "failure_class": label,
                "title": text,
                "summary": f"{text}. The on-call engineer was paged.",
                "trace_ids": [f"{rnd.getrandbits(128):032x}"],
            }
        )
    return records


def write_corpus(
    path: Path,
    *,
    recent: int = 60,
    baseline: int = 200,
    seed: int = 1,
    relabel: tuple[str, str] | None = None,
    share: float = 1.0,
    as_of: datetime = AS_OF,
) -> Path:
    """A baseline of 28 days and a recent window of 7 days ending just before ``as_of``."""
    rnd = random.Random(seed)
    recent_start = as_of - timedelta(days=7)
    rows = window_records(recent_start - timedelta(days=28), recent_start, baseline, rnd, "b")
    rows += window_records(recent_start, as_of, recent, rnd, "r", relabel, share)
    with path.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row) + "\n")
    return path
