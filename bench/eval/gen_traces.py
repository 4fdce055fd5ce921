"""Synthetic corpus ``syn-traces``: exceptions of JVM services from a tracing export (NDJSON).

Each pattern is an *exception family*: a root cause (``PSQLException: … duplicate
key``, ``SocketTimeoutException: Read timed out``, ``OutOfMemoryError: Metaspace``,
…) thrown at one call site of an operation.  A service reports it wrapped by its
framework (Spring, Ktor, plain futures) as 1–3 lines — the wrapper, ``Caused
by:`` the root, a stack frame — with entity and column names, hosts, topics,
ids and durations that vary from incident to incident.  A pattern that spans
services is seen from the owner (the root cause) and from its callers, whose
client exceptions quote the owner's error body; caller and owner share the trace
id.  Near-miss pairs are two root causes at the same call site of the same
services (a read timeout and a refused connection to one host; an expired
certificate and an untrusted one) and must stay apart.

Evidence varies as a tracing export's does: the exception and the spans (60 %),
the spans alone with an error status and no exception event (20 %), JVM metrics
alone from a health check (20 %).  Pattern sizes are drawn from a Zipf law
(exponent 0.9); 22 % of records are unrelated one-off exceptions.  Records fall
in the 70 days before :data:`AS_OF`.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.eval.corpus import BASE_CONFIG, Item, WithClass, Written, record_text

AS_OF = "2026-05-04"
NOISE_SHARE = 0.22
EXPONENT = 0.9
SPREAD_DAYS = 70

ENTITIES = (
    "Order",
    "Invoice",
    "Shipment",
    "Customer",
    "Subscription",
    "Refund",
    "StockItem",
    "PaymentIntent",
    "Voucher",
    "Parcel",
)
COLUMNS = ("external_ref", "email", "sku", "order_number", "idempotency_key", "tracking_code")
HOSTS = (
    "ledger.internal",
    "tax.internal",
    "carrier-gw.internal",
    "crm.internal",
    "search.internal",
    "kyc.partner.example",
    "fx-rates.partner.example",
)
TOPICS = (
    "orders.created",
    "stock.adjusted",
    "invoice.issued",
    "customer.updated",
    "parcel.scanned",
)
SERVICES = (
    "order-service",
    "billing-core",
    "fulfilment",
    "customer-profile",
    "pricing-engine",
    "warehouse-sync",
    "notification-hub",
    "returns",
    "subscriptions",
    "identity",
    "catalog-indexer",
    "payments-gateway",
)
FRAMEWORK = {
    service: ("spring", "ktor", "futures")[index % 3] for index, service in enumerate(SERVICES)
}


@dataclass(frozen=True)
class Family:
    """A root cause thrown at a call site: its exception line, class and typical span."""

    name: str
    root: str
    klass: str
    site: str
    span: str
    twin_of: str | None = None


FAMILIES = (
    Family(
        "duplicate-key",
        "org.postgresql.util.PSQLException: ERROR: duplicate key value "
        'violates unique constraint "{entity_lower}s_{column}_key"',
        "data-corruption",
        "{Entity}Repository.save",
        "postgresql INSERT {entity_lower}s",
    ),
    Family(
        "statement-timeout",
        "org.postgresql.util.PSQLException: ERROR: canceling statement due to statement timeout",
        "timeout",
        "{Entity}Repository.findAllBy{Column}",
        "postgresql SELECT {entity_lower}s",
    ),
    Family(
        "lock-timeout",
        "org.springframework.dao.CannotAcquireLockException: could not "
        "execute statement; SQL [n/a]; nested exception is org.hibernate.exception."
        "LockAcquisitionException: could not execute statement",
        "timeout",
        "{Entity}Repository.findAllBy{Column}",
        "postgresql UPDATE {entity_lower}s",
        twin_of="statement-timeout",
    ),
    Family(
        "read-timeout",
        "java.net.SocketTimeoutException: Read timed out (host {host}, after {ms} ms)",
        "timeout",
        "{Entity}Client.fetch",
        "HTTP GET {host}",
    ),
    Family(
        "refused",
        "java.net.ConnectException: Connection refused (Connection refused) to {host}:{port}",
        "dependency-failure",
        "{Entity}Client.fetch",
        "HTTP GET {host}",
        twin_of="read-timeout",
    ),
    Family(
        "heap",
        "java.lang.OutOfMemoryError: Java heap space",
        "memory-exhaustion",
        "{Entity}ExportJob.run",
        "export {entity_lower}s",
    ),
    Family(
        "metaspace",
        "java.lang.OutOfMemoryError: Metaspace",
        "memory-exhaustion",
        "{Entity}ExportJob.run",
        "export {entity_lower}s",
        twin_of="heap",
    ),
    Family(
        "untrusted",
        "javax.net.ssl.SSLHandshakeException: PKIX path building failed: "
        "sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid "
        "certification path to requested target ({host})",
        "configuration-error",
        "{Entity}Gateway.submit",
        "HTTPS POST {host}",
    ),
    Family(
        "cert-expired",
        "java.security.cert.CertificateExpiredException: NotAfter: {date} (certificate of {host})",
        "certificate-expiry",
        "{Entity}Gateway.submit",
        "HTTPS POST {host}",
        twin_of="untrusted",
    ),
    Family(
        "redis-timeout",
        "io.lettuce.core.RedisCommandTimeoutException: Command timed out after {seconds} second(s)",
        "timeout",
        "{Entity}Cache.get",
        "redis GET",
    ),
    Family(
        "redis-down",
        "io.lettuce.core.RedisConnectionException: Unable to connect to "
        "redis-{n}.cache.internal:6379",
        "dependency-failure",
        "{Entity}Cache.get",
        "redis GET",
        twin_of="redis-timeout",
    ),
    Family(
        "missing-topic",
        "org.apache.kafka.common.errors.TimeoutException: Topic {topic} not "
        "present in metadata after 60000 ms.",
        "configuration-error",
        "{Entity}EventPublisher.publish",
        "kafka send {topic}",
    ),
    Family(
        "bad-payload",
        "org.apache.kafka.common.errors.SerializationException: Error "
        "deserializing key/value for partition {topic}-{small} at offset {n}",
        "data-corruption",
        "{Entity}EventListener.onMessage",
        "kafka poll {topic}",
    ),
    Family(
        "rejected",
        "java.util.concurrent.RejectedExecutionException: Task {hex} rejected from "
        "java.util.concurrent.ThreadPoolExecutor@{hex}[Running, pool size = {small}, active "
        "threads = {small}, queued tasks = {n}]",
        "capacity-overload",
        "{Entity}Service.process",
        "executor submit",
    ),
    Family(
        "npe",
        'java.lang.NullPointerException: Cannot invoke "{Entity}.get{Column}()" '
        'because "{entity_lower}" is null',
        "deployment-regression",
        "{Entity}Controller.update",
        "HTTP PUT /api/{entity_lower}s",
    ),
    Family(
        "contract",
        "com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException: "
        'Unrecognized field "{column}" (class com.acme.api.{Entity}Dto), not marked as '
        "ignorable",
        "deployment-regression",
        "{Entity}Controller.update",
        "HTTP PUT /api/{entity_lower}s",
        twin_of="npe",
    ),
    Family(
        "s3-denied",
        "software.amazon.awssdk.services.s3.model.S3Exception: Access Denied "
        "(Service: S3, Status Code: 403, Request ID: {hex})",
        "configuration-error",
        "{Entity}DocumentStore.put",
        "s3 PutObject",
    ),
    Family(
        "unknown-host",
        "java.net.UnknownHostException: {host}: Name or service not known",
        "dns-failure",
        "{Entity}Client.resolve",
        "dns {host}",
    ),
    Family(
        "disk",
        "java.io.IOException: No space left on device (writing /var/spool/"
        "{entity_lower}/{hex}.part)",
        "resource-exhaustion",
        "{Entity}Spooler.write",
        "file write",
    ),
    Family(
        "grpc-unavailable",
        "io.grpc.StatusRuntimeException: UNAVAILABLE: io exception ({host})",
        "dependency-failure",
        "{Entity}GrpcClient.call",
        "grpc {host}",
    ),
    Family(
        "breaker-open",
        "io.github.resilience4j.circuitbreaker.CallNotPermittedException: "
        "CircuitBreaker '{entity_lower}-{host}' is OPEN and does not permit further calls",
        "dependency-failure",
        "{Entity}GrpcClient.call",
        "grpc {host}",
        twin_of="grpc-unavailable",
    ),
)

WRAPPERS = {
    "spring": "org.springframework.web.client.ResourceAccessException: I/O error on POST "
    'request for "http://{service}/api/{entity_lower}s": {short}',
    "ktor": "io.ktor.server.plugins.CallFailedException: call to {site} failed: {short}",
    "futures": "java.util.concurrent.CompletionException: {root_class}: {short}",
}
CALLER = (
    "feign.FeignException$InternalServerError: [500 Internal Server Error] during [POST] "
    "to [http://{owner}/api/{entity_lower}s] [{Entity}Client#create]: "
    '[{{"error":"{short}"}}]'
)
ONE_OFF = (
    "java.lang.IllegalStateException: {Word} not initialised for {hex}",
    "java.lang.IllegalArgumentException: unsupported {word} '{hex}'",
    "com.acme.{word}.{Word}Exception: {Other} rejected {hex}",
    "java.lang.ArithmeticException: / by zero in {Word}.{other}",
    "java.lang.ClassCastException: class {Word} cannot be cast to class {Other}",
    "kotlin.UninitializedPropertyAccessException: lateinit property {word} has not "
    "been initialized in {Other}",
)
LETTERS = "bcdfghklmnprstvz"
VOWELS = "aeiou"


def invented(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) + rng.choice(VOWELS) for _ in range(rng.randrange(3, 5)))


NAMES = sorted({invented(random.Random(f"syn-traces names {n}")) for n in range(2000)})
"""Class and field names of one-off exceptions: two of them rarely share a name."""


@dataclass(frozen=True)
class Pattern:
    name: str
    family: Family
    services: tuple[str, ...]
    entity: str
    column: str
    host: str
    topic: str


class Values:
    """Slot values for one incident: the pattern's words, fresh numbers and ids."""

    def __init__(self, rng: random.Random, pattern: Pattern) -> None:
        self.rng, self.pattern = rng, pattern

    def __call__(self, template: str, **extra: str) -> str:
        rng, pattern = self.rng, self.pattern
        entity = pattern.entity if rng.random() < 0.8 else rng.choice(ENTITIES)
        slots = {
            "Entity": entity,
            "entity_lower": entity.lower(),
            "Column": "".join(part.title() for part in pattern.column.split("_")),
            "column": pattern.column,
            "host": pattern.host,
            "topic": pattern.topic,
            "port": str(rng.choice((8443, 9090, 5432, 8080))),
            "ms": str(rng.randrange(5000, 60001, 250)),
            "seconds": str(rng.randrange(1, 6)),
            "n": str(rng.randrange(1000, 999999)),
            "small": str(rng.randrange(1, 64)),
            "hex": f"{rng.getrandbits(40):010x}",
            "date": "Sun Apr 12 23:59:59 UTC 2026",
        }
        slots["site"] = pattern.family.site.format(**slots)
        return template.format(**{**slots, **extra})


def pattern_total(size: int) -> int:
    return max(6, round(4 * math.log10(size)))


def pick_families(count: int, rng: random.Random) -> list[Family]:
    """``count`` families; a family's near-miss twin follows it when one is left."""
    pool = [family for family in FAMILIES if family.twin_of is None]
    twins = {family.twin_of: family for family in FAMILIES if family.twin_of}
    rng.shuffle(pool)
    chosen: list[Family] = []
    for family in pool:
        chosen.append(family)
        if family.name in twins and len(chosen) < count:
            chosen.append(twins[family.name])
        if len(chosen) >= count:
            break
    return chosen[:count]


def build(size: int, rng: random.Random) -> list[Pattern]:
    built: list[Pattern] = []
    for index, family in enumerate(pick_families(pattern_total(size), rng)):
        twin = next((p for p in built if p.family.name == family.twin_of), None)
        if twin is not None:
            built.append(
                Pattern(
                    f"traces-{index:02d}-{family.name}",
                    family,
                    twin.services,
                    twin.entity,
                    twin.column,
                    twin.host,
                    twin.topic,
                )
            )
            continue
        spread = rng.choices((1, 2, 3, 4), weights=(3, 4, 2, 1))[0]
        built.append(
            Pattern(
                f"traces-{index:02d}-{family.name}",
                family,
                tuple(rng.sample(SERVICES, spread)),
                rng.choice(ENTITIES),
                rng.choice(COLUMNS),
                rng.choice(HOSTS),
                rng.choice(TOPICS),
            )
        )
    return built


SIGNALS = {
    "duplicate-key": "db_constraint_violations_per_s",
    "statement-timeout": "db_query_p99_ms",
    "lock-timeout": "db_lock_wait_p99_ms",
    "read-timeout": "http_client_p99_ms",
    "refused": "http_client_connect_errors_per_s",
    "heap": "jvm_heap_used_ratio",
    "metaspace": "jvm_metaspace_used_ratio",
    "untrusted": "tls_verify_errors_per_s",
    "cert-expired": "tls_cert_expired_per_s",
    "redis-timeout": "redis_command_p99_ms",
    "redis-down": "redis_connect_errors_per_s",
    "missing-topic": "kafka_producer_metadata_wait_ms",
    "bad-payload": "kafka_deserialization_errors_per_s",
    "rejected": "executor_rejected_per_s",
    "npe": "http_server_5xx_per_s",
    "contract": "http_server_4xx_per_s",
    "s3-denied": "s3_forbidden_per_s",
    "unknown-host": "dns_lookup_failures_per_s",
    "disk": "disk_used_ratio",
    "grpc-unavailable": "grpc_client_unavailable_per_s",
    "breaker-open": "circuit_breaker_open_ratio",
}
"""The metric a family's health check shows out of its normal range (its signature)."""


def jvm_metrics(family: Family, rng: random.Random) -> dict[str, float]:
    """A health check's snapshot: every signature near its normal level, the family's high."""
    snapshot = {name: round(abs(rng.gauss(0.1, 0.05)), 3) for name in sorted(SIGNALS.values())}
    snapshot[SIGNALS[family.name]] = round(rng.gauss(1.0, 0.08), 3)
    snapshot["gc_pause_p99_ms"] = round(abs(rng.gauss(60.0, 20.0)), 1)
    return snapshot


def owner_lines(pattern: Pattern, service: str, values: Values) -> list[str]:
    root = values(pattern.family.root)
    root_class, _, short = root.partition(": ")
    wrapper = values(
        WRAPPERS[FRAMEWORK[service]],
        service=service,
        short=short[:80],
        root_class=root_class.rsplit(".", 1)[-1],
    )
    frame = values(
        f"\tat com.acme.{service.replace('-', '')}.{pattern.family.site}"
        f"({pattern.family.site.split('.')[0]}.kt:{{small}})"
    )
    lines = [wrapper, f"Caused by: {root}", frame]
    count = values.rng.choices((1, 2, 3), weights=(2, 3, 3))[0]
    return [root] if count == 1 else lines[:count]


def span_list(pattern: Pattern, service: str, values: Values) -> list[str]:
    site = values(pattern.family.site)
    error = pattern.family.root.partition(": ")[0].rsplit(".", 1)[-1]
    return [
        f"{service} {values('HTTP POST /api/{entity_lower}s')}",
        site,
        values(pattern.family.span),
        f"status=ERROR error.type={error}",
    ]


def incident(pattern: Pattern, rng: random.Random) -> list[dict[str, object]]:
    """The records of one incident of ``pattern``: the owner's, and a caller's sometimes."""
    values = Values(rng, pattern)
    owner = pattern.services[0]
    trace = f"{rng.getrandbits(128):032x}"
    kind = rng.choices(("full", "spans", "metrics"), weights=(60, 20, 20))[0]
    record: dict[str, object] = {
        "service": owner,
        "failure_class": pattern.family.klass,
        "trace_ids": [trace],
    }
    if kind == "metrics":
        record.update(
            title=f"{owner}: JVM health check degraded", metrics=jvm_metrics(pattern.family, rng)
        )
        return [record]
    spans = span_list(pattern, owner, values)
    if kind == "spans":
        record.update(title=f"{spans[0]} failed", trace_shape=spans)
        return [record]
    lines = owner_lines(pattern, owner, values)
    record.update(
        title=lines[0][:120],
        error_messages=lines,
        trace_shape=spans,
        metrics=jvm_metrics(pattern.family, rng),
    )
    records = [record]
    if len(pattern.services) > 1 and rng.random() < 0.5:
        caller = rng.choice(pattern.services[1:])
        short = values(pattern.family.root).partition(": ")[2][:90].replace('"', "'")
        message = values(CALLER, owner=owner, short=short)
        records.append(
            {
                "service": caller,
                "failure_class": pattern.family.klass,
                "trace_ids": [trace],
                "title": message[:120],
                "error_messages": [message],
                "trace_shape": [
                    f"{caller} {values('{Entity}Client#create')}",
                    f"HTTP POST {owner}",
                    "status=ERROR",
                ],
            }
        )
    return records


def one_off(rng: random.Random) -> dict[str, object]:
    word, other = rng.sample(NAMES, 2)
    line = rng.choice(ONE_OFF).format(
        word=word,
        Word=word.title(),
        other=other,
        Other=other.title(),
        hex=f"{rng.getrandbits(40):010x}",
    )
    return {
        "service": rng.choice(SERVICES),
        "failure_class": rng.choice(FAMILIES).klass,
        "trace_ids": [f"{rng.getrandbits(128):032x}"],
        "title": line[:120],
        "error_messages": [line],
    }


def generate(size: int, seed: int) -> list[tuple[dict[str, object], str | None]]:
    """Records (about ``size``) and each one's pattern (``None``: one-off noise)."""
    rng = random.Random(f"syn-traces:{seed}:{size}")
    built = build(size, rng)
    weights = [1 / rank**EXPONENT for rank in range(1, len(built) + 1)]
    start = datetime.fromisoformat(AS_OF + "T00:00:00+00:00") - timedelta(days=SPREAD_DAYS)
    out: list[tuple[dict[str, object], str | None]] = []
    while len(out) < size:
        moment = start + timedelta(seconds=rng.uniform(0, SPREAD_DAYS * 86400 - 3600))
        if rng.random() < NOISE_SHARE:
            group: list[dict[str, object]] = [one_off(rng)]
            name = None
        else:
            pattern = rng.choices(built, weights=weights)[0]
            group, name = incident(pattern, rng), pattern.name
        for offset, record in enumerate(group):
            stamp = (moment + timedelta(seconds=3 * offset)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            out.append(({"id": f"tr{seed}-{len(out):06d}", "timestamp": stamp, **record}, name))
    out = out[:size]
    out.sort(key=lambda pair: (str(pair[0]["timestamp"]), str(pair[0]["id"])))
    return out


@dataclass(frozen=True)
class TracesCorpus:
    seed: int = 7
    name: str = "syn-traces"
    kind: str = "synthetic"
    description: str = (
        "exceptions of JVM services from a tracing export: root causes at call sites, wrapped "
        "by three frameworks and seen from callers; 22 % of incidents one-off noise; 40 % "
        "with spans or metrics only"
    )

    def write(self, root: Path, size: int | None, with_class: WithClass) -> Written:
        target = root / "corpus"
        target.mkdir(parents=True, exist_ok=True)
        items: dict[str, Item] = {}
        records = generate(size or 1000, self.seed)
        chunks = [records[start : start + 5000] for start in range(0, len(records), 5000)]
        for number, chunk in enumerate(chunks):
            lines = []
            for record, name in chunk:
                key = str(record["id"])
                klass = str(record["failure_class"])
                kept = (
                    record
                    if with_class(key)
                    else {k: v for k, v in record.items() if k != "failure_class"}
                )
                lines.append(json.dumps(kept))
                items[key] = Item(key, name, (name,) if name else (), klass, record_text(record))
            (target / f"spans-{number:03d}.jsonl").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )
        config = (
            BASE_CONFIG + '\n[gates]\nrequire = ["timestamp", "service", "failure_class",'
            ' "trace_ids"]\n'
        )
        return Written(items=items, inputs=("corpus",), config=config, as_of=AS_OF)
