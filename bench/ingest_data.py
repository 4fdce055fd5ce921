"""Synthetic inputs for the ingest benchmark: NDJSON incident records and Markdown files.

Deterministic (seeded) and shaped like the bundled samples: ~512-byte JSON
records with every canonical field a real export carries, and ~2 KB
post-mortems with front matter and the usual sections.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

SERVICES = [
    "checkout",
    "payments",
    "search",
    "inventory",
    "recommendations",
    "auth",
    "api-gateway",
    "notifications",
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
]
SEVERITIES = ["SEV1", "sev-2", "P2", "high", "medium", "low", "Sev 3"]
START = datetime(2026, 6, 1, tzinfo=UTC)


def _trace(rnd: random.Random) -> str:
    return f"{rnd.getrandbits(128):032x}"


def record(rnd: random.Random, number: int) -> dict[str, object]:
    service = rnd.choice(SERVICES)
    when = START + timedelta(seconds=rnd.randrange(0, 150 * 86400))
    return {
        "id": f"bench-{number:07d}",
        "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "service": service,
        "failure_class": rnd.choice(CLASSES),
        "severity": rnd.choice(SEVERITIES),
        "trace_ids": [_trace(rnd)],
        "title": f"{service} degraded on node {rnd.randrange(1, 40)}",
        "error_messages": [
            f"upstream request timeout after {rnd.randrange(100, 9000)}ms "
            f"calling {rnd.choice(SERVICES)} at 10.{rnd.randrange(256)}."
            f"{rnd.randrange(256)}.{rnd.randrange(1, 255)}:8443"
        ],
        "metrics": {
            "request_volume_change_pct": round(rnd.gauss(0, 1), 2),
            "p99_latency_ms": rnd.randrange(80, 5000),
            "cpu": round(rnd.random(), 2),
        },
        "trace_shape": ["api-gateway", service],
        "summary": "Requests failed for a few minutes; paged the on-call, who restarted it.",
    }


def write_ndjson(path: Path, count: int, seed: int = 7) -> Path:
    rnd = random.Random(seed)
    with path.open("w", encoding="utf-8") as handle:
        for number in range(count):
            handle.write(json.dumps(record(rnd, number), separators=(",", ":")) + "\n")
    return path


MARKDOWN = """---
id: {id}
title: {title}
timestamp: {timestamp}
service: {service}
failure_class: {failure_class}
severity: {severity}
trace_ids: [{trace}]
authors: [Alex Example]
metrics: {{request_volume_change_pct: {volume}, p99_latency_ms: {p99}}}
---
# {title}

## Summary
{service} returned errors for {minutes} minutes after a routine change. About {share} % of
requests failed; the on-call engineer was paged by the error-rate alert and declared an
incident a few minutes later.

## Impact
Customers saw errors and retries; no data was lost. Support received a handful of tickets.

## Root Cause(s)
A connection limit was reached when traffic rose. The failing request was `{trace}`.

```
upstream request timeout after {ms}ms calling {dependency} at 10.0.{octet}.7:8443
```

## Timeline
| time | event |
| --- | --- |
| {clock} | alert fired |
| later | mitigated |

## Resolution
Rolled back the change and raised the limit; errors stopped within two minutes.

## Action Items
- Add headroom to the limit
- Alert on saturation before errors

## Lessons Learned
Saturation alerts would have caught this earlier than error-rate alerts.
"""


def write_markdown(directory: Path, count: int, seed: int = 11) -> Path:
    rnd = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    for number in range(count):
        service = rnd.choice(SERVICES)
        when = START + timedelta(seconds=rnd.randrange(0, 150 * 86400))
        text = MARKDOWN.format(
            id=f"PM-{number:06d}",
            title=f"{service} incident {number}",
            timestamp=when.strftime("%Y-%m-%dT%H:%M:%SZ"),
            service=service,
            failure_class=rnd.choice(CLASSES),
            severity=rnd.choice(SEVERITIES),
            trace=_trace(rnd),
            volume=round(rnd.gauss(0, 1), 2),
            p99=rnd.randrange(80, 5000),
            minutes=rnd.randrange(3, 90),
            share=rnd.randrange(1, 40),
            ms=rnd.randrange(100, 9000),
            dependency=rnd.choice(SERVICES),
            octet=rnd.randrange(256),
            clock=when.strftime("%H:%M"),
        )
        (directory / f"pm-{number:06d}.md").write_text(text, encoding="utf-8")
    return directory
