"""Synthetic incidents for the audit benchmark: labelled text with known noise and a drift.

Deterministic (seeded).  Each record's text is drawn from templates of its true
class, with numbers, hosts and ids that vary; some templates are deliberately
shared by classes people confuse (a timeout and a failing dependency, an
exhausted pool and an overload), and a fixed share of labels is wrong, so a
classifier cannot agree with the labels perfectly.  Optionally, records of the
last ``drift_days`` have a share of their ``timeout`` labels replaced by
``resource-exhaustion``: the drift the audit must find.

Records are one service apart in a round robin, ``spacing`` seconds each, so
records of one service are ``spacing * len(SERVICES)`` seconds apart: more than
the 5-minute dedup window, so every record stays its own incident.
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
DEPENDENCIES = [
    "postgres-main",
    "redis-cache",
    "inventory-api",
    "kafka",
    "elasticsearch",
    "stripe",
    "s3",
    "ldap",
]

# class -> (weight, titles, summaries, error messages); {s} service, {d} dependency,
# {n} a number, {h} a host, {x} a hex id.
TEMPLATES: dict[str, tuple[float, list[str], list[str], list[str]]] = {
    "timeout": (
        20,
        [
            "{s}: calls to {d} timed out",
            "{s} requests exceeded their deadline",
            "Slow responses from {d} for {s}",
            "{s} p99 latency above {n} ms",
        ],
        [
            "Calls from {s} to {d} took longer than the {n} ms deadline and were cancelled.",
            "{d} answered slower than the caller's timeout; {s} retried and queued requests.",
            "Latency rose on {d}; {s} hit its deadline and returned errors to users.",
        ],
        [
            "context deadline exceeded after {n}ms calling {d}",
            "upstream request timeout after {n}ms calling {d} at {h}:8443",
            "java.net.SocketTimeoutException: Read timed out ({n} ms)",
        ],
    ),
    "connection-pool-exhaustion": (
        14,
        [
            "{s} connection pool exhausted",
            "{s} waiting for database connections",
            "No free connections to {d} in {s}",
        ],
        [
            "Every connection of the {d} pool was in use; {s} requests waited and failed.",
            "The pool to {d} held {n} connections and all were busy during the peak.",
        ],
        [
            "HikariPool-1 - Connection is not available, request timed out after {n}ms",
            "FATAL: sorry, too many clients already (max connections {n})",
            "pool exhausted: {n} active connections, 0 idle",
        ],
    ),
    "memory-exhaustion": (
        10,
        ["{s} pods OOMKilled", "{s} ran out of memory", "Memory leak in {s} worker"],
        [
            "The {s} process grew past its memory limit of {n} MiB and was killed.",
            "A cache in {s} held references and the heap filled until the pods restarted.",
        ],
        [
            "java.lang.OutOfMemoryError: Java heap space",
            "container {x} OOMKilled: memory limit {n}Mi exceeded",
            "fatal error: runtime: out of memory",
        ],
    ),
    "dependency-failure": (
        10,
        ["{d} outage affected {s}", "{s} errors: {d} returned 503", "Third-party {d} degraded"],
        [
            "{d} returned errors for {n} minutes and {s} could not complete requests.",
            "The provider {d} was unavailable; {s} failed calls that depend on it.",
        ],
        [
            "503 Service Unavailable from {d}",
            "upstream connect error or disconnect/reset before headers calling {d}",
            "connection refused: {h}:5432",
        ],
    ),
    "configuration-error": (
        8,
        [
            "{s} misconfigured after a config change",
            "Bad feature flag in {s}",
            "{s} loaded an invalid setting",
        ],
        [
            "A configuration change set an invalid value for {s}; requests failed until reverted.",
            "A missing setting in {s} made it reject valid tokens after the change.",
        ],
        [
            "invalid value for key max_retries: '{n}x'",
            "config validation failed: field timeout_ms missing",
            "unknown feature flag {x}",
        ],
    ),
    "capacity-overload": (
        8,
        [
            "Traffic spike overloaded {s}",
            "{s} saturated during the sale",
            "{s} throttled clients with 429s",
        ],
        [
            "Traffic rose {n} % within minutes and {s} ran out of capacity.",
            "A thundering herd of retries saturated {s}; the queue backlog grew.",
        ],
        [
            "429 Too Many Requests",
            "queue backlog {n} messages above threshold",
            "cache stampede: {n} concurrent misses",
        ],
    ),
    "deployment-regression": (
        9,
        [
            "{s}: errors after deploy",
            "Bad release of {s} rolled back",
            "{s} regression in version {n}",
        ],
        [
            "The error rate rose right after the rollout of {s} and fell after the rollback.",
            "A new version of {s} shipped a defect; the release was reverted.",
        ],
        [
            "java.lang.NullPointerException at com.shop.{s}.Handler.handle",
            "TypeError: cannot read properties of undefined (reading 'id')",
            "panic: runtime error: index out of range [{n}]",
        ],
    ),
    "dns-failure": (
        4,
        ["{s} could not resolve {d}", "DNS resolution failures in {s}"],
        ["Names did not resolve for {n} minutes; {s} could not find {d}."],
        ["lookup {d}.internal: no such host", "NXDOMAIN for {d}.svc.cluster.local"],
    ),
    "network-partition": (
        4,
        ["Network partition between {s} and {d}", "{s} lost connectivity to {d}"],
        ["Packet loss between zones cut {s} off from {d} for {n} minutes."],
        ["no route to host {h}", "connection reset by peer ({h})"],
    ),
    "hardware-failure": (
        5,
        ["Disk failure on a {s} node", "{s} host down", "Faulty NIC on {s} node {n}"],
        ["A physical host of {s} failed and its instances were rescheduled."],
        ["I/O error, dev sda, sector {n}", "node {h} NotReady: kubelet stopped posting"],
    ),
    "data-corruption": (
        3,
        ["Corrupt records in {s}", "{s} checksum mismatches"],
        ["Inconsistent rows were written by {s}; {n} records had to be repaired."],
        ["checksum mismatch for block {x}", "duplicate key value violates unique constraint"],
    ),
    "security-incident": (
        2,
        ["Leaked credentials for {s}", "DDoS against {s}"],
        ["A credential of {s} was exposed; access was revoked and rotated."],
        ["unauthorized access from {h}", "rate of failed logins {n}/s"],
    ),
    "certificate-expiry": (
        2,
        ["{s} TLS certificate expired", "Expired cert on {d}"],
        ["The certificate of {d} expired and {s} could not complete TLS handshakes."],
        [
            "x509: certificate has expired or is not yet valid",
            "SSL routines: certificate verify failed",
        ],
    ),
}
# Labels people confuse: a record of the key class is sometimes labelled as the value.
CONFUSED = {
    "timeout": "dependency-failure",
    "dependency-failure": "timeout",
    "connection-pool-exhaustion": "capacity-overload",
    "capacity-overload": "resource-exhaustion",
    "memory-exhaustion": "resource-exhaustion",
    "network-partition": "dns-failure",
    "dns-failure": "network-partition",
    "deployment-regression": "configuration-error",
    "configuration-error": "deployment-regression",
    "hardware-failure": "network-partition",
    "data-corruption": "deployment-regression",
    "security-incident": "configuration-error",
    "certificate-expiry": "configuration-error",
}
GENERIC = [
    "The on-call engineer was paged and declared an incident.",
    "Customers saw errors; support received a handful of tickets.",
    "Dashboards showed the error rate rising before the alert fired.",
    "",
]
END = datetime(2026, 11, 23, tzinfo=UTC)


def _fill(rnd: random.Random, template: str, service: str) -> str:
    return template.format(
        s=service,
        d=rnd.choice(DEPENDENCIES),
        n=rnd.randrange(2, 9000),
        h=f"10.{rnd.randrange(256)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}",
        x=f"{rnd.getrandbits(32):08x}",
    )


def generate(
    count: int,
    *,
    seed: int = 11,
    spacing: int = 61,
    noise: float = 0.05,
    drift_share: float = 0.0,
    drift_days: int = 7,
) -> list[tuple[dict[str, object], str]]:
    """``count`` (record, true class) pairs ending just before 2026-11-23, newest last."""
    rnd = random.Random(seed)
    classes = sorted(TEMPLATES)
    weights = [TEMPLATES[c][0] for c in classes]
    start = END - timedelta(seconds=spacing * count)
    drift_from = END - timedelta(days=drift_days)
    out: list[tuple[dict[str, object], str]] = []
    for number in range(count):
        service = SERVICES[number % len(SERVICES)]
        when = start + timedelta(seconds=spacing * number)
        truth = rnd.choices(classes, weights)[0]
        _, titles, summaries, errors = TEMPLATES[truth]
        label = truth
        if rnd.random() < noise:
            label = CONFUSED[truth]
        if drift_share and truth == "timeout" and when >= drift_from and rnd.random() < drift_share:
            label = "resource-exhaustion"
        out.append(
            (
                {
                    "id": f"bench-audit-{number:06d}",
                    "timestamp": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "service": service,
                    "failure_class": label,
                    "trace_ids": [f"{rnd.getrandbits(128):032x}"],
                    "title": _fill(rnd, rnd.choice(titles), service),
                    "summary": (
                        _fill(rnd, rnd.choice(summaries), service) + " " + rnd.choice(GENERIC)
                    ).strip(),
                    "error_messages": [_fill(rnd, rnd.choice(errors), service)],
                    "metrics": {"p99_latency_ms": rnd.randrange(80, 9000)},
                },
                truth,
            )
        )
    return out


def write_ndjson(path: Path, pairs: list[tuple[dict[str, object], str]]) -> Path:
    with path.open("w", encoding="utf-8") as handle:
        for record, _ in pairs:
            handle.write(json.dumps(record, separators=(",", ":")) + "\n")
    return path
