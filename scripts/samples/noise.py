"""The noise: one-off incidents of the classes no planted pattern uses.

Each noise class has several variants (a failing disk, a flapping NIC, a lost
kubelet …), each with its own message templates, and every incident draws its
context (host, device, record name, certificate, table, provider) afresh.  So
noise incidents differ in wording, not only in numbers, and do not add up to a
recurring pattern a clustering could report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from random import Random

from samples.common import alnum, hexs, pick, private_ip, rfc3339_z, uuid4

Template = Callable[[dict[str, str], Random], str]


@dataclass(frozen=True)
class Variant:
    """One way a class fails: a subject for the prose and the messages it logs."""

    subject: str
    templates: tuple[Template, ...]
    label: str | None = None


def _t(text: str, **fills: Callable[[Random], object]) -> Template:
    """A template from ``str.format`` text: context keys, plus fills drawn per log line."""

    def render(ctx: dict[str, str], rng: Random) -> str:
        values: dict[str, object] = dict(ctx)
        for name, draw in fills.items():
            values[name] = draw(rng)
        return text.format(**values)

    return render


def _n(low: int, high: int) -> Callable[[Random], int]:
    return lambda rng: rng.randint(low, high)


_HEX8 = {"h1": lambda r: hexs(r, 8), "h2": lambda r: hexs(r, 8)}
_IP = {"ip": private_ip, "ip2": private_ip}

HARDWARE = (
    Variant(
        "a failing data disk",
        (
            _t(
                "blk_update_request: I/O error, dev {dev}, sector {s} op 0x0:(READ) flags 0x0 "
                "phys_seg {n} prio class 0",
                s=_n(10**6, 10**9),
                n=_n(1, 64),
            ),
            _t(
                "smartd[{p}]: Device: /dev/{dev} [SAT], {n} Currently unreadable (pending) sectors",
                p=_n(400, 9000),
                n=_n(8, 900),
            ),
        ),
        "disk failure",
    ),
    Variant(
        "a corrupted root filesystem after a disk fault",
        (
            _t(
                "EXT4-fs error (device {dev}): ext4_find_entry:{a}: inode #{b}: comm {proc}: reading "
                "directory lblock 0",
                a=_n(1400, 1600),
                b=_n(10**4, 10**7),
            ),
        ),
        "disk failure",
    ),
    Variant(
        "a flapping network interface",
        (
            _t(
                "ena 0000:00:{a:02d}.0 eth0: Found a Tx that wasn't completed on time, qid {q}, "
                "index {i}. Reset device",
                a=_n(3, 9),
                q=_n(0, 7),
                i=_n(1, 1023),
            ),
        ),
        None,
    ),
    Variant(
        "a node that stopped reporting",
        (
            _t(
                "node {host} condition Ready=Unknown: Kubelet stopped posting node status "
                "({n} pods evicted)",
                n=_n(4, 60),
            ),
        ),
        "host failure",
    ),
    Variant(
        "an instance on degraded hardware",
        (
            _t(
                "instance {instance} in {az} scheduled for retirement: the underlying hardware is "
                "degraded (event instance-retirement-{h1})",
                **_HEX8,
            ),
        ),
        "host failure",
    ),
    Variant(
        "a CPU raising machine-check errors",
        (
            _t(
                "mce: [Hardware Error]: CPU {c}: Machine Check: 0 Bank {b}: be{h1}00400 on {host}",
                c=_n(0, 95),
                b=_n(0, 27),
                **_HEX8,
            ),
        ),
        None,
    ),
    Variant(
        "a RAID controller with a predictive disk failure",
        (
            _t(
                "megaraid_sas 0000:{a:02d}:00.0: predictive failure on enclosure {e} slot {s} (serial "
                "{serial}) on {host}",
                a=_n(1, 99),
                e=_n(250, 252),
                s=_n(0, 11),
            ),
        ),
        None,
    ),
)

DNS = (
    Variant(
        "a record removed by a zone clean-up",
        (
            _t("dial tcp: lookup {name} on {resolver}:53: no such host"),
            _t("getaddrinfo ENOTFOUND {name} (retry {n} of 5)", n=_n(1, 5)),
        ),
        None,
    ),
    Variant(
        "an overloaded cluster resolver",
        (
            _t(
                "[ERROR] plugin/errors: 2 {name}. A: read udp {ip}:{p}->{resolver}:53: i/o timeout",
                p=_n(30000, 61000),
                **_IP,
            ),
            _t("java.net.UnknownHostException: {name}: Temporary failure in name resolution"),
        ),
        None,
    ),
    Variant(
        "an expired DNSSEC signature",
        (
            _t(
                "SERVFAIL resolving {name} via {resolver}: DNSSEC validation failure, RRSIG expired "
                "{m} minutes ago",
                m=_n(3, 400),
            ),
        ),
        "dns outage",
    ),
    Variant(
        "a stale CNAME pointing at a retired load balancer",
        (
            _t(
                "health check {u} failing: {name} resolves to {ip}, which refuses connections on :443",
                u=uuid4,
                **_IP,
            ),
        ),
        None,
    ),
)

CERTIFICATE = (
    Variant(
        "an expired server certificate",
        (
            _t(
                "x509: certificate has expired or is not yet valid: current time {now} is after "
                "{expired}"
            ),
        ),
        None,
    ),
    Variant(
        "an expired certificate in a Java trust chain",
        (
            _t(
                "javax.net.ssl.SSLHandshakeException: PKIX path validation failed: "
                "java.security.cert.CertPathValidatorException: validity check failed (CN={cn})"
            ),
        ),
        "expired certificate",
    ),
    Variant(
        "an expired intermediate certificate",
        (
            _t(
                "SSL routines:tls_process_server_certificate:certificate verify failed (certificate "
                "has expired) connecting to {cn}:443 from {ip}",
                **_IP,
            ),
        ),
        None,
    ),
    Variant(
        "an expired client certificate",
        (
            _t(
                "Error: certificate has expired (CERT_HAS_EXPIRED) at TLSSocket.onConnectSecure "
                "(node:_tls_wrap:{a}:{b}) host={cn}",
                a=_n(1500, 1700),
                b=_n(10, 40),
            ),
        ),
        "cert expiry",
    ),
    Variant(
        "an expired mesh identity certificate",
        (
            _t(
                "mTLS client certificate serial {h1} for spiffe://shop/{service} expired {n}h ago; "
                "envoy rejected {k} connections",
                n=_n(1, 30),
                k=_n(40, 9000),
                **_HEX8,
            ),
        ),
        None,
    ),
)

CORRUPTION = (
    Variant(
        "torn pages after a failover",
        (
            _t(
                "checksum mismatch on {table} page {p} (expected 0x{h1}, got 0x{h2}) shard {shard}",
                p=_n(1000, 900000),
                **_HEX8,
            ),
            _t(
                "ERROR: invalid page in block {b} of relation base/{r}/{s}",
                b=_n(100, 99999),
                r=_n(16000, 17000),
                s=_n(16000, 99999),
            ),
        ),
        "corrupted data",
    ),
    Variant(
        "a replayed migration that duplicated rows",
        (
            _t(
                'duplicate key value violates unique constraint "{table}_pkey": Key (id)=({k}) '
                "already exists (migration {m})",
                k=_n(10**5, 10**8),
                m=_n(180, 420),
            ),
        ),
        None,
    ),
    Variant(
        "a corrupted index segment",
        (
            _t(
                "CorruptIndexException: checksum failed (hardware problem?) : expected={h1} "
                "actual={h2} (resource=_{seg}.cfs in index {index})",
                **_HEX8,
            ),
        ),
        None,
    ),
    Variant(
        "a message batch that failed its CRC",
        (
            _t(
                "Record batch for partition {topic}-{p} at offset {o} is invalid, cause: Record is "
                "corrupt (stored crc = {c1}, computed crc = {c2})",
                p=_n(0, 47),
                o=_n(10**6, 10**9),
                c1=_n(10**8, 4 * 10**9),
                c2=_n(10**8, 4 * 10**9),
            ),
        ),
        None,
    ),
    Variant(
        "stock counts gone negative after a double apply",
        (
            _t(
                "reconciliation of {table}: {k} SKUs with negative on-hand stock in store {s} "
                "(first: SKU-{u})",
                k=_n(3, 800),
                s=_n(10, 480),
                u=_n(100000, 999999),
            ),
        ),
        "data loss",
    ),
    Variant(
        "a truncated export file",
        (
            _t(
                "s3://{bucket}/dt=2026-{mm}/part-{k:05d}.snappy.parquet: invalid parquet magic number "
                "(file size {sz} bytes)",
                k=_n(0, 400),
                sz=_n(4, 9000),
            ),
        ),
        None,
    ),
)

SECURITY = (
    Variant(
        "a credential-stuffing wave",
        (
            _t(
                "WAF rule {rule} blocked {k} requests/min from {m} addresses on POST /login",
                k=_n(2000, 90000),
                m=_n(300, 20000),
            ),
        ),
        None,
    ),
    Variant(
        "an API key published in a public repository",
        (
            _t(
                "secret scanning: a live {provider} key (fingerprint {h1}) was pushed to a public "
                "repository; key revoked after {m} min",
                m=_n(4, 90),
                **_HEX8,
            ),
        ),
        "credential leak",
    ),
    Variant(
        "a service account used from an unknown network",
        (
            _t(
                "unauthorized: service account {sa} presented a valid token from {ip} (ASN {asn}), "
                "outside the allowed ranges",
                asn=_n(1000, 65000),
                **_IP,
            ),
        ),
        None,
    ),
    Variant(
        "a SYN flood against the edge",
        (
            _t(
                "nf_conntrack: table full, dropping packet; SYN rate {k} pps to {vip}",
                k=_n(200000, 9000000),
            ),
        ),
        "ddos",
    ),
    Variant(
        "replayed session tokens",
        (
            _t(
                "token replay suspected: {k} requests reused jti {h1} from {m} client addresses",
                k=_n(50, 5000),
                m=_n(3, 400),
                **_HEX8,
            ),
        ),
        None,
    ),
)

CAPACITY = (
    Variant(
        "a traffic surge past the global rate limit",
        (
            _t(
                "429 Too Many Requests: global limit {lim} rps exceeded on {route} (observed {k} rps)",
                k=_n(9000, 60000),
            ),
        ),
        "traffic spike",
    ),
    Variant(
        "an Envoy cluster overflowing its pending queue",
        (
            _t(
                "upstream connect error or disconnect/reset before headers. reset reason: overflow "
                "(cluster {cluster}, pending {k})",
                k=_n(1024, 9000),
            ),
        ),
        None,
    ),
    Variant(
        "saturated worker pools",
        (
            _t(
                "worker pool saturated: {w}/{w} workers busy, {k} requests queued for {route}",
                k=_n(200, 40000),
            ),
        ),
        "overload",
    ),
    Variant(
        "an autoscaler pinned at its maximum",
        (
            _t(
                "HorizontalPodAutoscaler {cluster} at maxReplicas={rep}; cpu {c}% of request",
                c=_n(140, 390),
            ),
        ),
        None,
    ),
    Variant(
        "a queue backlog",
        (
            _t(
                "queue {queue} backlog {k} messages, oldest {a}s; consumer lag rising",
                k=_n(10**4, 10**7),
                a=_n(60, 7200),
            ),
        ),
        "capacity",
    ),
    Variant(
        "a thundering herd after a cache flush",
        (
            _t(
                "cache stampede: {k} concurrent misses for prefix {prefix} after flush {h1}",
                k=_n(2000, 90000),
                **_HEX8,
            ),
        ),
        "thundering herd",
    ),
)

NETWORK = (
    Variant(
        "a routing change that dropped a subnet",
        (_t("dial tcp {ip}:{p}: connect: no route to host", p=_n(5000, 9500), **_IP),),
        None,
    ),
    Variant(
        "a partition between consensus peers",
        (
            _t(
                "raft: heartbeat timeout reached, starting election (peer {ip}:{p} unreachable "
                "for {s}s)",
                p=_n(7000, 7999),
                s=_n(5, 300),
                **_IP,
            ),
        ),
        "network outage",
    ),
    Variant(
        "packet loss on a transit gateway attachment",
        (
            _t(
                "tgw-attach-{h1}{h2} in {az}: packet loss {k}% on {n} flows",
                k=_n(4, 60),
                n=_n(100, 90000),
                **_HEX8,
            ),
        ),
        "connectivity loss",
    ),
    Variant(
        "an etcd member cut off from its peers",
        (
            _t(
                "etcdserver: failed to reach the peer {h1}{h2} (stream MsgApp v2 reader) within {s}s",
                s=_n(5, 120),
                **_HEX8,
            ),
        ),
        None,
    ),
    Variant(
        "a split brain in a Redis Sentinel group",
        (
            _t(
                "sentinel group {cluster}: {k} masters elected after partition; {n} writes diverged",
                k=_n(2, 3),
                n=_n(10, 90000),
            ),
        ),
        None,
    ),
)


def noise_context(rng: Random, service: str, now_epoch: float) -> dict[str, str]:
    """Everything a noise template may name, drawn for one incident."""
    now = datetime.fromtimestamp(now_epoch, tz=UTC)
    names = {
        "checkout": "tax-quote.prod.svc.cluster.local",
        "payments": "api.acquirer-eu.example.net",
        "search": "es-data-3.search.svc.cluster.local",
        "inventory": "stock-events.kafka.internal",
        "recommendations": "feature-store.prod.svc.cluster.local",
        "auth": "idp.partner-sso.example.com",
        "api-gateway": "edge-origin.shop.example.com",
        "notifications": "smtp.mail-relay.example.net",
    }
    a, b, c = rng.randint(0, 63), rng.randint(0, 255), rng.randint(2, 254)
    return {
        "service": service,
        "dev": pick(rng, ["sda", "sdb", "nvme0n1", "nvme1n1", "xvdf"]),
        "proc": pick(rng, ["postgres", "java", "envoy", "python3", "node"]),
        "host": f"ip-10-{a}-{b}-{c}.eu-west-1.compute.internal",
        "instance": f"i-0{hexs(rng, 16)}",
        "az": pick(rng, ["eu-west-1a", "eu-west-1b", "eu-west-1c"]),
        "serial": f"ZL{rng.randint(100000, 999999)}{alnum(rng, 2).upper()}",
        "name": names[service],
        "resolver": f"10.96.0.{rng.randint(10, 12)}",
        "cn": pick(
            rng,
            [
                f"{service}.shop.example.com",
                f"{service}-internal.shop.example.com",
                f"{service}.mesh.local",
            ],
        ),
        "now": rfc3339_z(now),
        "expired": rfc3339_z(now - timedelta(minutes=rng.randint(2, 170))),
        "table": pick(
            rng,
            [
                "orders",
                "order_lines",
                "stock_levels",
                "payments_ledger",
                "user_sessions",
                "rec_features",
            ],
        ),
        "shard": str(rng.randint(1, 32)),
        "seg": alnum(rng, 3),
        "index": f"{service}-{pick(rng, ['products', 'catalog', 'events'])}-2026."
        f"{rng.randint(9, 11):02d}",
        "topic": pick(rng, ["stock-events", "order-events", "payment-events", "click-stream"]),
        "bucket": pick(rng, ["shop-exports", "rec-training-data", "finance-dumps"]),
        "mm": f"{now.month:02d}",
        "rule": f"{rng.randint(100000, 999999)}",
        "provider": pick(rng, ["payments sandbox", "maps", "e-mail", "SMS"]),
        "sa": f"{service}-{pick(rng, ['ci', 'batch', 'sync', 'reporter'])}@shop-prod.iam",
        "vip": f"203.0.113.{rng.randint(2, 254)}",
        "lim": str(pick(rng, [5000, 8000, 12000])),
        "route": pick(
            rng,
            ["/api/v1/products", "/api/v1/cart", "/graphql", "/api/v2/search", "/api/v1/orders"],
        ),
        "cluster": f"{service}-{pick(rng, ['primary', 'canary', 'eu', 'us'])}",
        "w": str(pick(rng, [64, 128, 200, 256])),
        "rep": str(pick(rng, [12, 20, 30, 40])),
        "queue": pick(rng, ["email-send", "order-confirmations", "reindex", "webhooks-out"]),
        "prefix": pick(
            rng, ["pdp:", "price:", "session:", "cart:", "promo:", "stock:", "home:", "search:"]
        ),
    }


CLASSES: dict[str, tuple[Variant, ...]] = {
    "hardware-failure": HARDWARE,
    "dns-failure": DNS,
    "certificate-expiry": CERTIFICATE,
    "data-corruption": CORRUPTION,
    "security-incident": SECURITY,
    "capacity-overload": CAPACITY,
    "network-partition": NETWORK,
}
