"""Synthetic corpus ``syn-alerts``: alerts and log lines of Go and Node.js services (NDJSON).

A failure *cause* is a dependency (PostgreSQL, Redis, Kafka, an HTTP upstream,
object storage, DNS, TLS, a disk, the process's memory, the service's own code
or configuration) failing in one *mode* (timeout, refused, exhausted, expired,
…).  A pattern is one cause hitting 1–4 services; the same cause reads
differently in a Go service (``dial tcp …: connect: connection refused``) and a
Node.js one (``Error: connect ECONNREFUSED …``), and its log lines carry
variable words (tables, topics, buckets, hosts, fields) as well as numbers and
ids.  Near-miss pairs are two causes of the same dependency on the same services
(Redis pool timeout / Redis maxmemory) and must stay apart.

An incident is what the alerting pipeline exports: an alert title in one of
three tools' styles, 1–3 log lines, a metric snapshot shaped by the cause, trace
ids and sometimes the failing request's spans.  Some incidents carry partial
evidence only: metrics only (a generic SLO alert), spans only, or prose only (an
on-call note).  Pattern sizes follow Zipf's law (exponent 1.1); 10 % of
incidents are one-off noise.  Timestamps fall in the 80 days before
:data:`AS_OF`, so failearn's default 90-day window holds them all.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.eval.corpus import BASE_CONFIG, Item, WithClass, Written, record_text

AS_OF = "2026-03-02"
NOISE = 0.10
ZIPF = 1.1

# dependency -> (variable words, host template)
WORDS = {
    "postgres": [
        "orders",
        "invoices",
        "ledger_entries",
        "sessions",
        "carts",
        "shipments",
        "payouts",
        "accounts",
        "coupons",
        "refunds",
    ],
    "redis": ["cart", "session", "ratelimit", "feed", "pricing", "otp"],
    "kafka": [
        "order-events",
        "audit-log",
        "clickstream",
        "payments.v2",
        "inventory-updates",
        "email-outbox",
    ],
    "upstream": [
        "inventory-api",
        "pricing-svc",
        "geo-lookup",
        "fraud-score",
        "email-gateway",
        "tax-engine",
        "loyalty-api",
    ],
    "storage": ["media-uploads", "invoices-archive", "exports-daily", "thumbnails", "backups-eu"],
    "dns": [
        "auth.internal",
        "search.svc.cluster.local",
        "api.partner.example",
        "cdn.assets.example",
    ],
    "tls": [
        "payments.partner.example",
        "sso.corp.example",
        "webhooks.example.net",
        "api.bank.example",
    ],
    "disk": ["/var/lib/app/cache", "/data/uploads", "/var/log/app", "/tmp/render"],
    "memory": ["image-resizer", "report-builder", "pdf-render", "feed-ranker"],
    "code": ["customerId", "shippingAddress", "lineItems", "currency", "discountCode", "taxRegion"],
    "config": [
        "PAYMENT_PROVIDER_URL",
        "FEATURE_FLAGS_PATH",
        "MAX_BATCH_SIZE",
        "JWT_AUDIENCE",
        "REGION_OVERRIDE",
    ],
}


@dataclass(frozen=True)
class Cause:
    """One way a dependency fails: log lines in Go and Node.js style, an alert, a note."""

    dependency: str
    mode: str
    klass: str
    go: tuple[str, ...]
    node: tuple[str, ...]
    alert: str
    note: str
    metrics: dict[str, tuple[float, float]]
    span: str


def cause(
    dependency: str,
    mode: str,
    klass: str,
    go: tuple[str, ...],
    node: tuple[str, ...],
    alert: str,
    note: str,
    metrics: dict[str, tuple[float, float]],
    span: str,
) -> Cause:
    return Cause(dependency, mode, klass, go, node, alert, note, metrics, span)


LATENCY = {"p99_latency_ms": (4200.0, 900.0), "error_rate_pct": (6.0, 2.0)}
ERRORS = {"error_rate_pct": (35.0, 10.0), "p99_latency_ms": (300.0, 80.0)}

CAUSES = (
    cause(
        "postgres",
        "timeout",
        "timeout",
        (
            "pq: canceling statement due to statement timeout (table={w}, query_ms={ms})",
            'level=error msg="query failed" table={w} err="context deadline exceeded" took={ms}ms',
        ),
        (
            "Error: Query read timeout at Connection.{w} (node_modules/pg/lib/client.js:{n})",
            "KnexTimeoutError: Knex: Timeout acquiring a connection. The pool is probably full. "
            "table={w}",
        ),
        "PostgresSlowQueries",
        "Queries on {w} are timing out against {host}.",
        {**LATENCY, "db_query_p99_ms": (9000.0, 1500.0)},
        "pg.query SELECT {w}",
    ),
    cause(
        "postgres",
        "deadlock",
        "data-corruption",
        (
            'pq: deadlock detected (SQLSTATE 40P01) while updating "{w}"',
            'level=error msg="tx rolled back" table={w} err="deadlock detected" tx={hex}',
        ),
        (
            'error: deadlock detected at Parser.parseErrorMessage detail: "Process {n} waits for '
            'ShareLock on transaction {n}" table={w}',
        ),
        "PostgresDeadlocks",
        "Concurrent writes to {w} deadlocked and transactions rolled back.",
        {"error_rate_pct": (12.0, 4.0), "db_rollbacks_per_s": (45.0, 10.0)},
        "pg.query UPDATE {w}",
    ),
    cause(
        "postgres",
        "exhausted",
        "connection-pool-exhaustion",
        (
            "pq: sorry, too many clients already (host={host}, max_connections={n})",
            'level=error msg="cannot acquire conn" pool=pgxpool table={w} waiting={n}',
        ),
        (
            "error: remaining connection slots are reserved for non-replication superuser "
            "connections ({host})",
            "TimeoutError: ResourceRequest timed out acquiring client for {w} after {ms}ms",
        ),
        "PostgresTooManyConnections",
        "{host} ran out of connection slots; {w} writes queued.",
        {"db_connections_used_pct": (99.0, 1.0), "p99_latency_ms": (2600.0, 500.0)},
        "pg.connect {host}",
    ),
    cause(
        "postgres",
        "refused",
        "dependency-failure",
        (
            "dial tcp {ip}:5432: connect: connection refused",
            'level=error msg="db unreachable" host={host} err="connection refused"',
        ),
        ("Error: connect ECONNREFUSED {ip}:5432 at TCPConnectWrap.afterConnect",),
        "PostgresDown",
        "{host} refused connections after a failover.",
        {**ERRORS, "db_connect_errors_per_s": (50.0, 10.0)},
        "pg.connect {host}",
    ),
    cause(
        "redis",
        "pool",
        "connection-pool-exhaustion",
        (
            "redis: connection pool timeout (key={w}:{hex}, pool_size={n})",
            'level=warn msg="redis pool exhausted" key_prefix={w} waited={ms}ms',
        ),
        ("Error: Connection pool exhausted for redis {host} (key {w}:{hex})",),
        "RedisPoolExhausted",
        "The Redis client pool for {w} keys was exhausted.",
        {"redis_pool_in_use_pct": (100.0, 0.5), "p99_latency_ms": (1800.0, 400.0)},
        "redis GET {w}",
    ),
    cause(
        "redis",
        "maxmemory",
        "memory-exhaustion",
        (
            "OOM command not allowed when used memory > 'maxmemory' (key={w}:{hex})",
            'level=error msg="redis write rejected" key_prefix={w} err="OOM command not allowed"',
        ),
        (
            "ReplyError: OOM command not allowed when used memory > 'maxmemory'. "
            "command=SET key={w}:{hex}",
        ),
        "RedisMemoryFull",
        "Redis {host} hit maxmemory and rejected {w} writes.",
        {"redis_memory_used_pct": (100.0, 0.5), "error_rate_pct": (20.0, 6.0)},
        "redis SET {w}",
    ),
    cause(
        "redis",
        "refused",
        "dependency-failure",
        ("dial tcp {ip}:6379: connect: connection refused (redis {host})",),
        ("Error: Redis connection to {host}:6379 failed - connect ECONNREFUSED {ip}:6379",),
        "RedisDown",
        "Redis {host} was down; {w} lookups failed.",
        {**ERRORS, "redis_connect_errors_per_s": (70.0, 15.0)},
        "redis GET {w}",
    ),
    cause(
        "kafka",
        "leader",
        "dependency-failure",
        (
            "kafka: Failed to produce message to topic {w}: Broker: Leader not available",
            'level=error msg="produce failed" topic={w} partition={n} '
            'err="NOT_LEADER_FOR_PARTITION"',
        ),
        (
            "KafkaJSProtocolError: There is no leader for this topic-partition as we are in the "
            "middle of a leadership election (topic {w}, partition {n})",
        ),
        "KafkaProduceErrors",
        "Producing to {w} failed during a leader election.",
        {"kafka_produce_errors_per_s": (80.0, 20.0), "error_rate_pct": (9.0, 3.0)},
        "kafka.produce {w}",
    ),
    cause(
        "kafka",
        "too-large",
        "data-corruption",
        ("kafka: Message size too large: topic {w} record {n} bytes exceeds max.message.bytes",),
        (
            "KafkaJSProtocolError: The request included a message larger than the max message "
            "size the server will accept (topic {w}, {n} bytes)",
        ),
        "KafkaRecordTooLarge",
        "Oversized records were rejected by topic {w}.",
        {"kafka_rejected_records_per_s": (15.0, 4.0)},
        "kafka.produce {w}",
    ),
    cause(
        "kafka",
        "lag",
        "capacity-overload",
        ('level=warn msg="consumer lag high" group={host} topic={w} lag={n}',),
        ("Warning: consumer group {host} is {n} messages behind on {w}",),
        "KafkaConsumerLag",
        "Consumers of {w} fell hours behind under the evening peak.",
        {"consumer_lag": (250000.0, 60000.0), "request_rate_change_pct": (180.0, 40.0)},
        "kafka.consume {w}",
    ),
    cause(
        "upstream",
        "timeout",
        "timeout",
        (
            'Get "http://{w}/v1/{path}": context deadline exceeded (Client.Timeout exceeded while '
            "awaiting headers)",
            'level=error msg="upstream call failed" upstream={w} err="i/o timeout" after={ms}ms',
        ),
        (
            "Error: ETIMEDOUT calling http://{w}/v1/{path} after {ms}ms",
            "AxiosError: timeout of {ms}ms exceeded (GET {w}/v1/{path})",
        ),
        "UpstreamLatencyHigh",
        "Calls to {w} timed out; its p99 went past the client timeout.",
        {**LATENCY, "upstream_p99_ms": (12000.0, 2000.0)},
        "HTTP GET {w}/v1/{path}",
    ),
    cause(
        "upstream",
        "unavailable",
        "dependency-failure",
        ("upstream {w} returned 503 Service Unavailable for /v1/{path} (request_id={hex})",),
        (
            "HTTPError: Response code 503 (Service Unavailable) from {w} /v1/{path}",
            "Error: Request failed with status code 503 at {w}/v1/{path}",
        ),
        "UpstreamErrors",
        "{w} answered 503 for most requests.",
        {**ERRORS, "upstream_5xx_per_s": (90.0, 20.0)},
        "HTTP GET {w}/v1/{path}",
    ),
    cause(
        "upstream",
        "throttled",
        "capacity-overload",
        ("upstream {w} returned 429 Too Many Requests; retry after {n}s",),
        ("HTTPError: Response code 429 (Too Many Requests) from {w}, retry-after {n}",),
        "UpstreamRateLimited",
        "{w} throttled us after a traffic spike.",
        {"request_rate_change_pct": (240.0, 50.0), "http_429_per_s": (60.0, 15.0)},
        "HTTP POST {w}/v1/{path}",
    ),
    cause(
        "storage",
        "denied",
        "configuration-error",
        ("AccessDenied: Access Denied (bucket={w}, key=uploads/{hex}.bin, status 403)",),
        ("AccessDenied: Access Denied at S3.PutObject bucket={w} key=uploads/{hex}.bin",),
        "ObjectStoreAccessDenied",
        "A policy change denied writes to bucket {w}.",
        {"error_rate_pct": (15.0, 5.0), "object_store_403_per_s": (25.0, 6.0)},
        "s3.PutObject {w}",
    ),
    cause(
        "storage",
        "slow",
        "timeout",
        (
            "RequestTimeout: Your socket connection to the server was not read from or written to "
            "within the timeout period (bucket={w})",
        ),
        ("TimeoutError: Connection timed out after {ms}ms at S3.GetObject bucket={w}",),
        "ObjectStoreSlow",
        "Object storage reads from {w} were slow.",
        {**LATENCY, "object_store_p99_ms": (7000.0, 1500.0)},
        "s3.GetObject {w}",
    ),
    cause(
        "dns",
        "nxdomain",
        "dns-failure",
        ("dial tcp: lookup {w} on 10.96.0.10:53: no such host",),
        ("Error: getaddrinfo ENOTFOUND {w}",),
        "DNSResolutionFailures",
        "{w} stopped resolving after a zone change.",
        {"dns_failures_per_s": (40.0, 10.0), "error_rate_pct": (30.0, 8.0)},
        "dns.lookup {w}",
    ),
    cause(
        "dns",
        "slow",
        "dns-failure",
        (
            "dial tcp: lookup {w} on 10.96.0.10:53: read udp {ip}:{port}->10.96.0.10:53: "
            "i/o timeout",
        ),
        ("Error: getaddrinfo EAI_AGAIN {w}",),
        "DNSLatencyHigh",
        "The cluster resolver was overloaded and lookups of {w} timed out.",
        {"dns_latency_ms": (2500.0, 500.0), "p99_latency_ms": (3000.0, 600.0)},
        "dns.lookup {w}",
    ),
    cause(
        "tls",
        "expired",
        "certificate-expiry",
        (
            "x509: certificate has expired or is not yet valid: current time {time} is after "
            "{date}T00:00:00Z (host {w})",
        ),
        (
            "Error: certificate has expired at TLSSocket.onConnectSecure host={w} "
            "code=CERT_HAS_EXPIRED",
        ),
        "TLSCertificateExpired",
        "The certificate of {w} expired.",
        {"tls_handshake_errors_per_s": (50.0, 10.0), "cert_expiry_days": (-2.0, 1.0)},
        "tls.handshake {w}",
    ),
    cause(
        "tls",
        "unknown-ca",
        "configuration-error",
        (
            'x509: certificate signed by unknown authority (possibly because of "crypto/rsa: '
            'verification error" while trying to verify candidate authority certificate) '
            "host {w}",
        ),
        (
            "Error: unable to verify the first certificate host={w} "
            "code=UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        ),
        "TLSVerifyFailed",
        "A new CA bundle lacked the intermediate for {w}.",
        {"tls_verify_errors_per_s": (45.0, 10.0), "error_rate_pct": (38.0, 10.0)},
        "tls.handshake {w}",
    ),
    cause(
        "disk",
        "full",
        "resource-exhaustion",
        (
            "write {w}/{hex}.tmp: no space left on device",
            'level=error msg="flush failed" path={w} err="no space left on device"',
        ),
        ("Error: ENOSPC: no space left on device, write '{w}/{hex}.tmp'",),
        "DiskAlmostFull",
        "{w} filled the volume.",
        {"disk_used_pct": (99.5, 0.4)},
        "fs.write {w}",
    ),
    cause(
        "disk",
        "read-only",
        "hardware-failure",
        ("open {w}/{hex}.lock: read-only file system",),
        ("Error: EROFS: read-only file system, open '{w}/{hex}.lock'",),
        "VolumeReadOnly",
        "The volume behind {w} was remounted read-only after I/O errors.",
        {"disk_io_errors_per_s": (30.0, 8.0)},
        "fs.open {w}",
    ),
    cause(
        "memory",
        "oom",
        "memory-exhaustion",
        (
            "fatal error: runtime: out of memory (worker {w}, heap_alloc={n}MB)",
            "container {w} OOMKilled (limit {n}Mi, exit code 137)",
        ),
        (
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory "
            "({w})",
            "container {w} OOMKilled (limit {n}Mi, exit code 137)",
        ),
        "ContainerOOMKilled",
        "{w} ran out of memory on large inputs.",
        {"memory_used_pct": (99.0, 1.0), "restarts": (6.0, 2.0)},
        "worker {w}",
    ),
    cause(
        "code",
        "nil",
        "deployment-regression",
        (
            "panic: runtime error: invalid memory address or nil pointer dereference "
            "[signal SIGSEGV] in handler for {w} (build {hex})",
        ),
        (
            "TypeError: Cannot read properties of undefined (reading '{w}') at "
            "handler (/app/dist/routes/{path}.js:{n}:{n})",
        ),
        "ErrorRateAfterDeploy",
        "Release {hex} broke handling of requests without {w}.",
        {"error_rate_pct": (28.0, 6.0), "deploys_last_hour": (1.0, 0.0)},
        "HTTP POST /{path}",
    ),
    cause(
        "config",
        "invalid",
        "configuration-error",
        ('level=fatal msg="invalid configuration" key={w} err="value out of range"',),
        ("Error: Invalid configuration: {w} must be a valid URL (got '')",),
        "ConfigReloadFailed",
        "A configuration push left {w} empty.",
        {"error_rate_pct": (50.0, 10.0), "config_reloads": (3.0, 1.0)},
        "config.load {w}",
    ),
)

SERVICES = (
    ("checkout-api", "go"),
    ("payments", "go"),
    ("orders", "node"),
    ("catalog", "node"),
    ("search-gw", "go"),
    ("accounts", "node"),
    ("notifier", "node"),
    ("billing", "go"),
    ("shipping", "go"),
    ("media", "node"),
    ("recommender", "go"),
    ("ledger", "go"),
    ("storefront", "node"),
    ("auth-proxy", "go"),
    ("reports", "node"),
    ("inventory", "go"),
)
PATHS = ("orders", "checkout", "quote", "lookup", "score", "render", "sync")
SPANS = ("HTTP {verb} /api/{path}", "{service}.handle", "{dependency_span} status=ERROR {code}")
CODES = {
    ("postgres", "timeout"): "SQLSTATE 57014",
    ("postgres", "deadlock"): "SQLSTATE 40P01",
    ("postgres", "exhausted"): "SQLSTATE 53300",
    ("postgres", "refused"): "ECONNREFUSED",
    ("redis", "pool"): "POOL_TIMEOUT",
    ("redis", "maxmemory"): "OOM",
    ("redis", "refused"): "ECONNREFUSED",
    ("kafka", "leader"): "LEADER_NOT_AVAILABLE",
    ("kafka", "too-large"): "MESSAGE_TOO_LARGE",
    ("kafka", "lag"): "CONSUMER_LAG",
    ("upstream", "timeout"): "DEADLINE_EXCEEDED",
    ("upstream", "unavailable"): "HTTP 503",
    ("upstream", "throttled"): "HTTP 429",
    ("storage", "denied"): "HTTP 403",
    ("storage", "slow"): "RequestTimeout",
    ("dns", "nxdomain"): "NXDOMAIN",
    ("dns", "slow"): "EAI_AGAIN",
    ("tls", "expired"): "CERT_HAS_EXPIRED",
    ("tls", "unknown-ca"): "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
    ("disk", "full"): "ENOSPC",
    ("disk", "read-only"): "EROFS",
    ("memory", "oom"): "OOMKilled",
    ("code", "nil"): "HTTP 500",
    ("config", "invalid"): "CONFIG_INVALID",
}
VERBS = ("GET", "POST", "PUT")
STYLES = (
    "[FIRING:{n}] {alert} ({service} prod)",
    "{alert} alert for {service}",
    "{service}: {alert} triggered",
)
NOISE_VERBS = (
    "sync aborted on",
    "checksum mismatch in",
    "render failed for",
    "overran",
    "license check failed for",
    "signature invalid on",
    "missing bundle for",
    "stale entry served by",
    "lookup failed in",
    "budget spent by",
)
SYLLABLES = (
    "qua",
    "rix",
    "bel",
    "voi",
    "lum",
    "tor",
    "zen",
    "kas",
    "mir",
    "dul",
    "fen",
    "gar",
    "hob",
    "jin",
    "nep",
    "oss",
    "pry",
    "sul",
    "tav",
    "wex",
    "yor",
    "cim",
)


def made_up(rng: random.Random, parts: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts))


LEXICON = sorted({made_up(random.Random(f"syn-alerts lexicon {n}"), 3) for n in range(2500)})
"""Names of one-off noise: common enough to outlive a minimum document frequency at large
sizes, too many for two noise records to share more than one by chance."""


@dataclass(frozen=True)
class Pattern:
    name: str
    cause: Cause
    services: tuple[str, ...]
    words: tuple[str, ...]
    host: str
    size: int


def zipf_sizes(total: int, count: int, rng: random.Random) -> list[int]:
    """``count`` pattern sizes summing to about ``total``, rank r weighted 1/r^1.1."""
    weights = [1.0 / (rank**ZIPF) for rank in range(1, count + 1)]
    scale = total / sum(weights)
    sizes = [max(5, round(weight * scale)) for weight in weights]
    rng.shuffle(sizes)
    return sizes


def pattern_count(size: int) -> int:
    return min(len(CAUSES), max(6, int(6 + 3 * math.log2(max(size, 500) / 500))))


def choose_causes(count: int, rng: random.Random) -> list[tuple[Cause, int | None]]:
    """Causes for ``count`` patterns; every third is a near miss of the one before it
    (another mode of the same dependency), marked with that one's index."""
    pool = list(CAUSES)
    rng.shuffle(pool)
    chosen: list[tuple[Cause, int | None]] = []
    while len(chosen) < count and pool:
        if len(chosen) % 3 == 2:
            previous = chosen[-1][0]
            twin = next((c for c in pool if c.dependency == previous.dependency), None)
            if twin is not None:
                pool.remove(twin)
                chosen.append((twin, len(chosen) - 1))
                continue
        chosen.append((pool.pop(0), None))
    return chosen


def patterns(size: int, rng: random.Random) -> list[Pattern]:
    chosen = choose_causes(pattern_count(size), rng)
    sizes = zipf_sizes(round(size * (1 - NOISE)), len(chosen), rng)
    names = [service for service, _ in SERVICES]
    built: list[Pattern] = []
    for index, ((picked, twin), count) in enumerate(zip(chosen, sizes, strict=True)):
        if twin is not None:
            services = built[twin].services
        else:
            services = tuple(rng.sample(names, rng.choices((1, 2, 3, 4), (4, 3, 2, 1))[0]))
        words = tuple(rng.sample(WORDS[picked.dependency], 3))
        host = f"{picked.dependency[:5]}-{rng.randrange(10, 99)}.prod.internal"
        built.append(
            Pattern(
                f"alerts-{index:02d}-{picked.dependency}-{picked.mode}",
                picked,
                services,
                words,
                host,
                count,
            )
        )
    return built


class Filler:
    """Values for the slots of a template: variable words, numbers, ids, addresses."""

    def __init__(self, rng: random.Random, words: tuple[str, ...], host: str) -> None:
        self.rng, self.words, self.host = rng, words, host

    def fill(self, template: str, **extra: str) -> str:
        rng = self.rng
        values = {
            "w": rng.choice(self.words),
            "host": self.host,
            "n": str(rng.randrange(2, 9999)),
            "ms": str(rng.randrange(800, 30000)),
            "hex": f"{rng.getrandbits(32):08x}",
            "ip": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            "port": str(rng.randrange(30000, 60000)),
            "path": rng.choice(PATHS),
            "time": "2026-02-01T10:00:00Z",
            "date": "2026-01-31",
            **extra,
        }
        return template.format(**values)


def metric_snapshot(
    profile: dict[str, tuple[float, float]],
    rng: random.Random,
) -> dict[str, float]:
    baseline = {"cpu_utilization": (0.45, 0.15), "request_rate_change_pct": (3.0, 8.0)}
    merged = {**baseline, **profile}
    return {name: round(rng.gauss(mean, sd), 3) for name, (mean, sd) in sorted(merged.items())}


def spans(pattern: Pattern, service: str, filler: Filler) -> list[str]:
    code = CODES[(pattern.cause.dependency, pattern.cause.mode)]
    return [
        filler.fill(
            span,
            verb=filler.rng.choice(VERBS),
            service=service,
            code=code,
            dependency_span=filler.fill(pattern.cause.span),
        )
        for span in SPANS
    ]


def pattern_record(pattern: Pattern, rng: random.Random) -> dict[str, object]:
    service = rng.choice(pattern.services)
    language = dict(SERVICES)[service]
    filler = Filler(rng, pattern.words, pattern.host)
    templates = pattern.cause.go if language == "go" else pattern.cause.node
    evidence = rng.choices(("full", "metrics", "spans", "prose"), (70, 10, 10, 10))[0]
    alert = filler.fill(rng.choice(STYLES), alert=pattern.cause.alert, service=service)
    record: dict[str, object] = {"service": service, "failure_class": pattern.cause.klass}
    if evidence == "full":
        lines = rng.choices(templates, k=rng.choices((1, 2, 3), (5, 3, 2))[0])
        record.update(
            title=alert,
            error_messages=[filler.fill(line) for line in lines],
            metrics=metric_snapshot(pattern.cause.metrics, rng),
        )
        if rng.random() < 0.4:
            record["trace_shape"] = spans(pattern, service, filler)
    elif evidence == "metrics":
        record.update(
            title=f"{service}: error budget burn rate above 14x",
            metrics=metric_snapshot(pattern.cause.metrics, rng),
        )
    elif evidence == "spans":
        record.update(
            title=f"{service}: failed requests", trace_shape=spans(pattern, service, filler)
        )
    else:
        record.update(title=f"on-call note: {service}", summary=filler.fill(pattern.cause.note))
    return record


def noise_record(rng: random.Random) -> dict[str, object]:
    service, _ = rng.choice(SERVICES)
    first, second, third = rng.sample(LEXICON, 3)
    text = f"{first}: {rng.choice(NOISE_VERBS)} {second}-{third} ({rng.getrandbits(24):06x})"
    return {
        "service": service,
        "failure_class": rng.choice(CAUSES).klass,
        "title": f"{service}: {text}",
        "error_messages": [text],
        "metrics": metric_snapshot({}, rng),
    }


def generate(size: int, seed: int) -> list[tuple[dict[str, object], str | None]]:
    """``size`` records and each one's pattern (``None``: noise), in time order."""
    rng = random.Random(f"syn-alerts/{seed}/{size}")
    built = patterns(size, rng)
    truth: list[str | None] = [p.name for p in built for _ in range(p.size)]
    truth += [None] * max(0, size - len(truth))
    truth = truth[:size]
    rng.shuffle(truth)
    by_name = {p.name: p for p in built}
    end = datetime.fromisoformat(AS_OF + "T00:00:00+00:00")
    moments = sorted(rng.uniform(60, 80 * 86400) for _ in truth)
    out = []
    for index, (name, seconds) in enumerate(zip(truth, reversed(moments), strict=True)):
        record = pattern_record(by_name[name], rng) if name else noise_record(rng)
        stamp = (end - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")
        record = {
            "id": f"al-{seed}-{index:06d}",
            "timestamp": stamp,
            "severity": rng.choice(("SEV2", "SEV3", "SEV3", "SEV4")),
            "trace_ids": [f"{rng.getrandbits(128):032x}"],
            **record,
        }
        out.append((record, name))
    return out


@dataclass(frozen=True)
class AlertsCorpus:
    seed: int = 1
    name: str = "syn-alerts"
    kind: str = "synthetic"
    description: str = (
        "alerts and log lines of Go and Node.js services; patterns are a dependency failing "
        "in one mode on 1–4 services; 10 % noise; partial evidence (metrics, spans or prose "
        "only) in 30 % of incidents"
    )

    def write(self, root: Path, size: int | None, with_class: WithClass) -> Written:
        count = size or 1000
        target = root / "corpus"
        target.mkdir(parents=True, exist_ok=True)
        items: dict[str, Item] = {}
        with (target / "alerts.ndjson").open("w", encoding="utf-8") as handle:
            for record, name in generate(count, self.seed):
                key = str(record["id"])
                klass = str(record["failure_class"])
                if not with_class(key):
                    record = {k: v for k, v in record.items() if k != "failure_class"}
                handle.write(json.dumps(record) + "\n")
                items[key] = Item(key, name, (name,) if name else (), klass, record_text(record))
        config = BASE_CONFIG + '\n[gates]\nrequire = ["timestamp", "service", "failure_class"]\n'
        return Written(items=items, inputs=("corpus",), config=config, as_of=AS_OF)
