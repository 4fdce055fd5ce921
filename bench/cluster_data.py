"""Synthetic incidents with ground-truth pattern labels, for the clustering benchmark.

Deterministic (seeded).  ``patterns`` recurring failure shapes, each with a
message template whose variable parts (durations, hosts, ids, IPs, UUIDs,
paths) change every time, a title template, two or three services, one
failure class, a trace shape (missing on a fifth of incidents) and a resource
profile (missing on a quarter); plus one-off noise incidents whose messages
are random word salads.  Pattern sizes are uniform or Zipf-skewed.

The ground truth is written beside the NDJSON: incident id → pattern number,
-1 for noise.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = """
connection pool exhausted acquire timeout upstream request failed refused reset socket
closed heap memory allocation limit exceeded killed container restart backoff crash loop
probe liveness readiness certificate expired handshake verify chain invalid token signature
rejected queue backlog consumer lag partition leader election replica sync stalled disk full
write read latency spike deadline context cancelled retry budget circuit breaker open half
rate limiter throttled quota dns resolution lookup nxdomain server unavailable gateway bad
route schema migration lock wait deadlock detected transaction rollback constraint violation
index cache miss eviction storm cold start warmup thread starvation blocked executor
saturated cpu throttling garbage collection pause long stop world checkpoint snapshot
corrupted checksum mismatch payload too large truncated response header malformed json parse
error encoding replication delay stale read split brain quorum lost node evicted scheduler
pending pod image pull error registry auth denied permission config missing key feature flag
toggle
""".split()  # noqa: SIM905 (a word list reads better so)
SERVICES = [
    f"svc-{name}"
    for name in (
        "checkout",
        "payments",
        "search",
        "inventory",
        "auth",
        "gateway",
        "orders",
        "cart",
        "shipping",
        "pricing",
        "catalog",
        "reviews",
        "ledger",
        "billing",
        "email",
        "sms",
        "media",
        "profile",
        "session",
        "fraud",
        "ranking",
        "ads",
        "feed",
        "export",
    )
]
CLASSES = [
    "timeout",
    "connection-pool-exhaustion",
    "memory-exhaustion",
    "dependency-failure",
    "configuration-error",
    "capacity-overload",
    "deployment-regression",
    "dns-failure",
    "certificate-expiry",
    "data-corruption",
    "network-partition",
    "hardware-failure",
]
SLOTS = ["{ms}ms", "{host}", "{ip}", "{uuid}", "{hex}", "{path}", "{count}"]
START = datetime(2026, 8, 31, tzinfo=UTC)
SPAN = timedelta(days=84)
AS_OF = "2026-11-23"


def _fill(template: str, rnd: random.Random) -> str:
    return template.format(
        ms=rnd.randrange(5, 60000),
        host=f"{rnd.choice(['db', 'node', 'pod', 'cache'])}-{rnd.getrandbits(16):04x}",
        ip=f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
        uuid=str(uuid.UUID(int=rnd.getrandbits(128))),
        hex=f"{rnd.getrandbits(64):016x}",
        path=f"/var/lib/{rnd.getrandbits(24):06x}/data",
        count=rnd.randrange(1, 5000),
    )


def _template(rnd: random.Random, length: int) -> str:
    words = rnd.sample(WORDS, length)
    for _ in range(rnd.randrange(2, 4)):
        words.insert(rnd.randrange(1, len(words) + 1), rnd.choice(SLOTS))
    return " ".join(words)


def make_patterns(count: int, rnd: random.Random) -> list[dict[str, object]]:
    patterns = []
    for number in range(count):
        metrics = {
            name: (rnd.uniform(-50, 50), rnd.uniform(1, 5))
            for name in rnd.sample(
                [
                    "cpu",
                    "p99_latency_ms",
                    "pool_utilization",
                    "request_volume_change_pct",
                    "error_rate",
                    "memory_mb",
                ],
                3,
            )
        }
        shape = ["gateway", *rnd.sample(SERVICES, rnd.randrange(1, 4))]
        patterns.append(
            {
                "number": number,
                "message": _template(rnd, rnd.randrange(6, 10)),
                "second": _template(rnd, rnd.randrange(5, 8)) if rnd.random() < 0.5 else None,
                "title": " ".join(rnd.sample(WORDS, 4)) + " on {host}",
                "services": rnd.sample(SERVICES, rnd.randrange(2, 4)),
                "failure_class": rnd.choice(CLASSES),
                "trace_shape": shape,
                "metrics": metrics,
            }
        )
    return patterns


def _metrics(
    profile: dict[str, tuple[float, float]] | None, rnd: random.Random
) -> dict[str, float] | None:
    if profile is None or rnd.random() < 0.25:
        return None
    return {name: round(rnd.gauss(mean, spread), 2) for name, (mean, spread) in profile.items()}


def write_incidents(
    path: Path,
    count: int,
    *,
    patterns: int = 30,
    noise: float = 0.1,
    zipf: bool = False,
    seed: int = 4,
) -> dict[str, int]:
    """Write ``count`` incidents as NDJSON; the truth (id → pattern, -1 noise)."""
    rnd = random.Random(seed)
    shapes = make_patterns(patterns, rnd)
    weights = [1.0 / (n + 1) for n in range(patterns)] if zipf else [1.0] * patterns
    truth: dict[str, int] = {}
    step = SPAN / count
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            when = START + step * number
            incident_id = f"syn-{number:07d}"
            record: dict[str, object] = {
                "id": incident_id,
                "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "trace_ids": [f"{rnd.getrandbits(128):032x}"],
                "severity": "SEV3",
            }
            if rnd.random() < noise:
                truth[incident_id] = -1
                record.update(
                    {
                        "service": rnd.choice(SERVICES),
                        "failure_class": rnd.choice(CLASSES),
                        "title": " ".join(rnd.sample(WORDS, 5)),
                        "error_messages": [_fill(_template(rnd, rnd.randrange(6, 10)), rnd)],
                        "metrics": {"cpu": round(rnd.uniform(-100, 100), 2)},
                    }
                )
            else:
                shape = rnd.choices(shapes, weights)[0]
                truth[incident_id] = int(shape["number"])  # type: ignore[call-overload]
                messages = [_fill(str(shape["message"]), rnd)]
                if shape["second"] and rnd.random() < 0.7:
                    messages.append(_fill(str(shape["second"]), rnd))
                record.update(
                    {
                        "service": rnd.choice(shape["services"]),  # type: ignore[arg-type]
                        "failure_class": shape["failure_class"],
                        "title": _fill(str(shape["title"]), rnd),
                        "error_messages": messages,
                    }
                )
                if rnd.random() >= 0.2:
                    record["trace_shape"] = shape["trace_shape"]
                metrics = _metrics(shape["metrics"], rnd)  # type: ignore[arg-type]
                if metrics:
                    record["metrics"] = metrics
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    path.with_suffix(".truth.json").write_text(json.dumps(truth), encoding="utf-8")
    return truth
