"""Synthetic corpus ``syn-postmortems``: prose post-mortems of Python and Node.js teams (Markdown).

Each pattern is a *story* a team tells more than once — a certificate that
expired, a log volume that filled a disk, a database that failed over, a feature
flag turned on for everyone — written by different people, in one of three
house templates (an SRE-book template, a short what/why/fix note, bold-bullet
fields), with the story's sentences paraphrased, its variable words (domains,
hosts, tables, flags, queues, providers) changing, and the boilerplate every
post-mortem shares (blameless statements, generic timelines and action items).
Half of them quote 1–3 log lines in a code block (a Python traceback or a
Node.js error); the rest are prose only; one in six is a two-line note.  Stories
come in near-miss pairs on the same services: an expired certificate and a
broken chain, a full disk and a failing one, a failover and an exhausted pool.

Pattern sizes fall off as rank^-1.3; 15 % of post-mortems are one-off stories.
Front matter holds the date, service and severity (and the class when asked);
dates fall in the 60 days before :data:`AS_OF`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from bench.eval.corpus import BASE_CONFIG, Item, WithClass, Written

AS_OF = "2026-09-14"
ONE_OFF = 0.15
DECAY = 1.3
DAYS = 60

SLOTS = {
    "domain": (
        "api.shopfront.io",
        "login.shopfront.io",
        "status.shopfront.io",
        "partners.shopfront.io",
        "img.shopfront.io",
    ),
    "host": ("web-3", "worker-12", "db-2", "search-1", "cron-1", "media-4"),
    "db": ("orders-db", "users-db", "billing-db", "analytics-db"),
    "table": ("orders", "users", "invoices", "line_items", "addresses"),
    "column": ("created_at", "currency", "tax_rate", "country_code"),
    "zone": ("shopfront.io", "internal.shopfront.io", "shopfront.co.uk"),
    "version": ("v4.12.0", "v4.13.1", "2026.08.2", "v5.0.0-rc3", "build 8812"),
    "feature": ("checkout", "basket merge", "address lookup", "invoice export", "search"),
    "flag": ("new_pricing", "one_click_pay", "async_export", "smart_search", "guest_checkout"),
    "worker": ("thumbnailer", "pdf-renderer", "feed-builder", "csv-importer"),
    "provider": ("Stripe", "Twilio", "SendGrid", "Algolia", "Mapbox", "Shippo"),
    "job": ("invoice-run", "nightly-export", "loyalty-points", "stock-sync"),
    "queue": ("emails", "webhooks", "imports", "thumbnails"),
    "az": ("eu-west-1a", "eu-west-1b", "us-east-1c"),
    "field": ("customer", "items", "address", "total", "locale"),
}


@dataclass(frozen=True)
class Story:
    """A failure told in many post-mortems: its sentences, log lines and class."""

    name: str
    klass: str
    titles: tuple[str, ...]
    cause: tuple[str, ...]
    impact: tuple[str, ...]
    fix: tuple[str, ...]
    logs: tuple[str, ...]
    twin_of: str | None = None


STORIES = (
    Story(
        "cert-expired",
        "certificate-expiry",
        (
            "TLS certificate for {domain} expired",
            "{domain} served an expired certificate",
            "Expired certificate broke {domain}",
        ),
        (
            "The TLS certificate for {domain} expired because the renewal job had been failing "
            "silently for weeks.",
            "Nobody noticed that automatic renewal of the {domain} "
            "certificate had stopped, so it reached its expiry date.",
            "Our certificate for {domain} was never renewed and expired overnight.",
        ),
        (
            "Browsers showed a certificate warning on {domain} and API clients refused to connect.",
            "Every HTTPS request to {domain} failed the TLS handshake.",
        ),
        (
            "We issued a new certificate by hand and fixed the renewal job's DNS credentials.",
            "We renewed the certificate manually and added an expiry alert at 14 days.",
        ),
        (
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: certificate has expired (_ssl.c:1006)",
            "Error: certificate has expired at TLSSocket.onConnectSecure (node:_tls_wrap:1659)",
        ),
    ),
    Story(
        "cert-chain",
        "configuration-error",
        (
            "Incomplete certificate chain on {domain}",
            "{domain} failed TLS for some clients",
            "Certificate bundle missing intermediate for {domain}",
        ),
        (
            "The certificate we deployed on {domain} was installed without its intermediate, so "
            "clients without a cached intermediate could not build the chain.",
            "A certificate rotation on {domain} shipped only the leaf certificate and not the "
            "chain.",
        ),
        (
            "Android clients and our own Python jobs failed to connect to {domain}; desktop "
            "browsers mostly worked.",
            "Roughly a third of clients rejected {domain}.",
        ),
        (
            "We redeployed the full chain and added a chain check to the rotation script.",
            "We re-uploaded the certificate with the intermediate bundle.",
        ),
        (
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify "
            "failed: unable to get local issuer certificate (_ssl.c:1006)",
            "Error: unable to verify the first certificate code: UNABLE_TO_VERIFY_LEAF_SIGNATURE",
        ),
        twin_of="cert-expired",
    ),
    Story(
        "disk-full",
        "resource-exhaustion",
        (
            "Disk full on {host}",
            "{host} ran out of disk space",
            "Log volume filled the root disk of {host}",
        ),
        (
            "Debug logging left enabled after an investigation wrote to /var/log until the root "
            "volume of {host} was full.",
            "Log rotation on {host} was misconfigured and the disk filled up with old logs.",
            "Temporary export files piled up on {host} until "
            "there was no space left on the device.",
        ),
        (
            "Writes on {host} failed and requests it served returned errors.",
            "Uploads and background jobs on {host} stopped.",
        ),
        (
            "We deleted the old files, fixed log rotation and added a disk usage alert at 80 %.",
            "We cleared space and resized the volume.",
        ),
        (
            "OSError: [Errno 28] No space left on device: '/var/log/app/app.log'",
            "Error: ENOSPC: no space left on device, write",
        ),
    ),
    Story(
        "disk-failed",
        "hardware-failure",
        ("Failing volume on {host}", "I/O errors on {host}", "{host} disk degraded"),
        (
            "The block volume attached to {host} degraded and started returning I/O errors; "
            "the provider later confirmed a hardware fault.",
            "A failing disk on {host} made the file system remount read-only.",
        ),
        (
            "Requests on {host} hung while reads from the volume timed out.",
            "Jobs on {host} crashed when they could not write their output.",
        ),
        (
            "We moved the workload to a new host and restored the volume from its snapshot.",
            "We replaced the host and its volume.",
        ),
        ("OSError: [Errno 5] Input/output error", "Error: EROFS: read-only file system, open"),
        twin_of="disk-full",
    ),
    Story(
        "db-failover",
        "dependency-failure",
        ("{db} failed over", "Unplanned failover of {db}", "Outage during {db} failover"),
        (
            "The primary of {db} became unresponsive and the managed service failed over to "
            "the standby, which took several minutes.",
            "A maintenance event on the provider's "
            "side restarted the primary of {db} and forced a failover.",
        ),
        (
            "Every request that needed {db} failed until the new primary accepted connections.",
            "Checkout and login were down while {db} failed over.",
        ),
        (
            "Connections recovered once the standby was promoted; we added retries with "
            "backoff to the connection setup.",
            "We waited for the failover to finish and "
            "restarted the application servers to drop stale connections.",
        ),
        (
            "psycopg2.OperationalError: server closed the connection unexpectedly",
            "Error: Connection terminated unexpectedly at Connection.<anonymous> "
            "(pg/lib/client.js)",
        ),
    ),
    Story(
        "db-pool",
        "connection-pool-exhaustion",
        (
            "Connection pool exhausted for {db}",
            "{db} connections exhausted",
            "Too many connections to {db}",
        ),
        (
            "After we doubled the number of workers, their pools together opened more "
            "connections than {db} allows.",
            "A slow query held connections to {db} for minutes and the application's pool ran dry.",
        ),
        (
            "Requests waited for a connection to {db} and timed out.",
            "Pages that query {db} were slow and then failed.",
        ),
        (
            "We lowered the pool size per worker and put a connection pooler in front of {db}.",
            "We killed the slow query and capped the pool.",
        ),
        (
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size 20 overflow 10 reached, "
            "connection timed out, timeout 30.00",
            "Error: remaining connection slots are reserved for non-replication superuser "
            "connections",
        ),
        twin_of="db-failover",
    ),
    Story(
        "bad-migration",
        "data-corruption",
        (
            "Migration corrupted {table}",
            "Bad data written to {table} by a migration",
            "{column} lost on {table}",
        ),
        (
            "A schema migration on {table} changed the default of {column} and the backfill "
            "wrote wrong values into existing rows.",
            "The migration that split {table} ran its backfill twice and duplicated rows.",
        ),
        (
            "Customers saw wrong values of {column} until we restored them.",
            "Reports built from {table} were wrong for two days.",
        ),
        (
            "We restored {column} from the nightly backup and re-ran the backfill correctly.",
            "We repaired the rows from the audit log.",
        ),
        (
            'psycopg2.errors.NotNullViolation: null value in column "{column}" of relation '
            '"{table}" violates not-null constraint',
        ),
    ),
    Story(
        "dns-record",
        "dns-failure",
        (
            "DNS record for {domain} deleted",
            "{domain} stopped resolving",
            "DNS change took down {domain}",
        ),
        (
            "A cleanup of the {zone} zone deleted the record for {domain} along with unused ones.",
            "A typo in a DNS change pointed {domain} at an address that no longer exists.",
        ),
        (
            "{domain} did not resolve for anyone whose resolver had dropped the cached record.",
            "Clients got NXDOMAIN for {domain}.",
        ),
        (
            "We restored the record and now review zone changes with a diff of the records "
            "they remove.",
            "We reverted the zone change.",
        ),
        (
            "socket.gaierror: [Errno -2] Name or service not known",
            "Error: getaddrinfo ENOTFOUND {domain}",
        ),
    ),
    Story(
        "network-split",
        "network-partition",
        (
            "Network partition in {az}",
            "{az} cut off from the other zones",
            "Cross-zone connectivity lost",
        ),
        (
            "A change to the VPC peering routes cut {az} off from the other zones.",
            "A failing switch in {az} dropped most packets between zones.",
        ),
        (
            "Services in {az} could not reach their databases in the other zones.",
            "Half of the web servers timed out on every backend call.",
        ),
        (
            "We drained {az} and restored the routes.",
            "We moved traffic out of {az} until the provider fixed the switch.",
        ),
        (
            "ConnectionResetError: [Errno 104] Connection reset by peer",
            "Error: connect ETIMEDOUT 10.2.14.7:5432",
        ),
        twin_of="dns-record",
    ),
    Story(
        "bad-release",
        "deployment-regression",
        (
            "Release {version} broke {feature}",
            "Regression in {feature} after {version}",
            "{feature} failing after deploy",
        ),
        (
            "Release {version} changed how {feature} reads the {field} of a request, and "
            "requests without it crashed the handler.",
            "A refactor shipped in {version} left a code path in {feature} that was never tested.",
        ),
        (
            "{feature} returned errors for most users until the rollback.",
            "Users could not use {feature} for an hour.",
        ),
        (
            "We rolled back to the previous release and added a test for the missing case.",
            "We reverted the change and redeployed.",
        ),
        (
            "TypeError: unsupported operand type(s) for +: 'NoneType' and 'int'",
            "TypeError: Cannot read properties of undefined (reading '{field}')",
        ),
    ),
    Story(
        "flag-rollout",
        "configuration-error",
        (
            "Enabling {flag} for everyone broke {feature}",
            "{flag} flag rollout incident",
            "Feature flag {flag} caused errors",
        ),
        (
            "The {flag} feature flag was switched on for all users instead of the planned 5 %, "
            "and {feature} was not ready for that load.",
            "A configuration change enabled "
            "{flag} in production before its settings were filled in.",
        ),
        (
            "{feature} failed for everyone the flag reached.",
            "Errors in {feature} rose sharply as the flag rolled out.",
        ),
        (
            "We turned the flag off and added a staged rollout to the flag service.",
            "We disabled {flag} and fixed its settings.",
        ),
        ("KeyError: '{field}'", "Error: flag '{flag}' has no value for variant 'on'"),
        twin_of="bad-release",
    ),
    Story(
        "memory-leak",
        "memory-exhaustion",
        ("Memory leak in {worker}", "{worker} OOM-killed repeatedly", "{worker} ran out of memory"),
        (
            "The {worker} leaked memory on every job until the kernel killed it.",
            "A cache inside {worker} grew without bound and exhausted the container's memory.",
        ),
        (
            "Jobs handled by {worker} failed and were retried again and again.",
            "Thumbnails and exports were hours late.",
        ),
        (
            "We fixed the leak and set a memory limit with a restart policy.",
            "We bounded the cache and restarted the workers.",
        ),
        (
            "MemoryError",
            "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
            "Out of memory: Killed process 4711 ({worker})",
        ),
    ),
    Story(
        "cpu-spin",
        "capacity-overload",
        ("{worker} pinned CPU", "CPU saturation on {worker} hosts", "Runaway CPU in {worker}"),
        (
            "A pathological input made a regular expression in {worker} backtrack for minutes, "
            "pinning every core.",
            "A tight retry loop in {worker} spun without sleeping and used all the CPU.",
        ),
        (
            "Other jobs on the same hosts slowed to a crawl.",
            "Queue latency for {worker} rose to an hour.",
        ),
        (
            "We killed the stuck processes and rewrote the expression.",
            "We added backoff to the loop.",
        ),
        ("[CRITICAL] WORKER TIMEOUT (pid:4821)",),
        twin_of="memory-leak",
    ),
    Story(
        "traffic-spike",
        "capacity-overload",
        (
            "Traffic spike overwhelmed {feature}",
            "Campaign traffic took down {feature}",
            "Load spike on {feature}",
        ),
        (
            "A marketing email went to every customer at once and traffic to {feature} rose "
            "tenfold within minutes.",
            "A TV advert drove more visitors to {feature} than autoscaling could absorb.",
        ),
        ("Pages were slow and then returned 503 errors.", "Many visitors gave up during the peak."),
        (
            "We scaled out by hand and now schedule campaigns with the on-call team.",
            "We raised the autoscaling limits.",
        ),
        (
            "upstream connect error or disconnect/reset before headers. reset reason: overflow",
            "[CRITICAL] WORKER TIMEOUT (pid:9120)",
        ),
    ),
    Story(
        "lb-healthcheck",
        "configuration-error",
        (
            "Load balancer marked every target unhealthy",
            "Health check change took down {feature}",
            "All backends out of the load balancer",
        ),
        (
            "The health check path of the load balancer was changed to an endpoint that needs "
            "authentication, so every target failed it.",
            "A load balancer change set the "
            "health check timeout below the endpoint's response time.",
        ),
        ("The load balancer returned 502 for all requests.", "{feature} was unreachable."),
        ("We restored the health check settings.", "We reverted the load balancer change."),
        ("502 Bad Gateway",),
        twin_of="traffic-spike",
    ),
    Story(
        "provider-outage",
        "dependency-failure",
        ("{provider} outage", "{provider} API unavailable", "Errors calling {provider}"),
        (
            "{provider} had an outage of its own and its API returned errors.",
            "{provider}'s API was unavailable in our region.",
        ),
        (
            "Everything that depends on {provider} failed.",
            "Notifications and payments that use {provider} were delayed.",
        ),
        (
            "We queued requests and replayed them once {provider} recovered.",
            "We waited for {provider} to recover.",
        ),
        (
            "requests.exceptions.ConnectionError: HTTPSConnectionPool(host='api.{provider_lower}"
            ".com', port=443): Max retries exceeded",
            "Error: Request failed with status code 503",
        ),
    ),
    Story(
        "api-key-expired",
        "certificate-expiry",
        (
            "{provider} API key expired",
            "Expired credentials for {provider}",
            "{provider} rejected our credentials",
        ),
        (
            "The API key we use for {provider} had a one-year lifetime and expired; nobody "
            "owned its rotation.",
            "Our {provider} credentials expired and were not rotated.",
        ),
        ("Every call to {provider} was rejected.", "Features backed by {provider} stopped."),
        (
            "We issued a new key and put its expiry date in the on-call calendar.",
            "We rotated the credentials.",
        ),
        ("requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url",),
        twin_of="provider-outage",
    ),
    Story(
        "upstream-timeout",
        "timeout",
        (
            "Timeouts calling {provider}",
            "{provider} latency caused timeouts",
            "Slow responses from {provider}",
        ),
        (
            "{provider} became slow and our five-second client timeout expired on most calls.",
            "Calls to {provider} took longer than our timeout while they had degraded performance.",
        ),
        (
            "Requests that call {provider} failed after waiting five seconds.",
            "Users waited and then saw an error.",
        ),
        (
            "We raised the timeout for the affected calls and added a fallback.",
            "We served cached results until {provider} recovered.",
        ),
        (
            "requests.exceptions.ReadTimeout: HTTPSConnectionPool(host='api.{provider_lower}.com'"
            ", port=443): Read timed out. (read timeout=5)",
        ),
    ),
    Story(
        "duplicate-job",
        "data-corruption",
        ("{job} ran twice", "Duplicate run of {job}", "Double processing by {job}"),
        (
            "The scheduler restarted during the {job} run and started it again, so every "
            "record was processed twice.",
            "Two instances of {job} ran at the same time after a deploy.",
        ),
        (
            "Customers received two emails and some accounts were charged twice.",
            "Records were duplicated.",
        ),
        (
            "We removed the duplicates and added a lock so that only one run can happen.",
            "We made {job} idempotent.",
        ),
        (
            "psycopg2.errors.UniqueViolation: duplicate key value violates unique constraint "
            '"{table}_pkey"',
        ),
    ),
    Story(
        "queue-backlog",
        "capacity-overload",
        ("{queue} queue backlog", "Backlog on the {queue} queue", "{queue} consumers fell behind"),
        (
            "The {queue} consumers could not keep up after a bulk import enqueued a million "
            "messages.",
            "Too few consumers were running for the {queue} queue after a scaling change.",
        ),
        ("Work on the {queue} queue was delayed for hours.", "Messages waited for hours."),
        ("We added consumers and split bulk imports into batches.", "We scaled the consumers."),
        ("WARNING: consumer lag on {queue} is 1200000 messages",),
    ),
    Story(
        "poison-message",
        "data-corruption",
        (
            "Malformed message blocked {queue}",
            "Poison message on the {queue} queue",
            "{queue} consumer crash loop",
        ),
        (
            "A producer sent a message to {queue} that was not valid JSON and the consumer "
            "crashed on it over and over.",
            "One malformed message on {queue} was retried "
            "forever and blocked everything behind it.",
        ),
        ("Nothing on the {queue} queue was processed.", "The {queue} queue stalled."),
        (
            "We moved the message to a dead-letter queue and limited retries.",
            "We added a dead-letter queue.",
        ),
        (
            "json.decoder.JSONDecodeError: Expecting value: line 1 column 1 (char 0)",
            "SyntaxError: Unexpected token < in JSON at position 0",
        ),
        twin_of="queue-backlog",
    ),
    Story(
        "cache-stampede",
        "capacity-overload",
        (
            "Cache stampede on {db}",
            "Cache flush overloaded {db}",
            "Thundering herd after cache flush",
        ),
        (
            "Flushing the cache during a deploy sent every request straight to {db} at once.",
            "All cache keys expired at the same moment and {db} was flooded.",
        ),
        ("{db} CPU went to 100 % and pages timed out.", "The site was slow for twenty minutes."),
        (
            "We added jitter to expiry times and warm the cache before flushing.",
            "We rate-limited cache refills.",
        ),
        ("redis.exceptions.TimeoutError: Timeout reading from socket",),
    ),
    Story(
        "cache-eviction",
        "memory-exhaustion",
        ("Redis evicted sessions", "Redis out of memory", "Session store hit maxmemory"),
        (
            "Redis reached its maxmemory limit and evicted session keys.",
            "The session store ran out of memory after a change stored whole baskets in it.",
        ),
        ("Users were logged out and lost their baskets.", "Logins did not stick."),
        ("We moved baskets out of Redis and raised its memory.", "We resized the Redis instance."),
        (
            "redis.exceptions.ResponseError: OOM command not allowed when used memory > "
            "'maxmemory'.",
        ),
        twin_of="cache-stampede",
    ),
    Story(
        "clock-skew",
        "configuration-error",
        ("Clock skew on {host}", "Tokens rejected because of clock drift", "NTP stopped on {host}"),
        (
            "The time daemon on {host} had stopped and its clock drifted by minutes, so the "
            "tokens it issued were not yet valid elsewhere.",
            "A base image without NTP left {host}'s clock wrong.",
        ),
        ("Logins failed for users routed to {host}.", "Some users could not sign in."),
        (
            "We re-enabled time synchronisation and alert on clock offset.",
            "We fixed the base image.",
        ),
        ("jwt.exceptions.ImmatureSignatureError: The token is not yet valid (iat)",),
    ),
    Story(
        "leaked-token",
        "security-incident",
        (
            "{provider} token leaked",
            "Credential committed to a public repository",
            "Leaked secret for {provider}",
        ),
        (
            "A {provider} token was committed to a public repository and found by a scanner "
            "within an hour.",
            "An access token for {provider} was pasted into a public issue.",
        ),
        (
            "Someone could have used our {provider} account until the token was revoked.",
            "We had to assume the token was compromised.",
        ),
        (
            "We revoked the token, rotated related secrets and enabled secret scanning.",
            "We rotated the secret.",
        ),
        (),
        twin_of="clock-skew",
    ),
    Story(
        "login-flood",
        "security-incident",
        (
            "Credential stuffing against login",
            "Bot attack on the login endpoint",
            "Login flood from a botnet",
        ),
        (
            "A botnet tried leaked passwords against our login endpoint at thousands of "
            "requests per second.",
            "An attacker flooded the login endpoint from many addresses.",
        ),
        (
            "Real users could not log in and some accounts were locked.",
            "Login was slow for everyone.",
        ),
        (
            "We blocked the traffic at the edge and added rate limits per account.",
            "We turned on bot protection.",
        ),
        ("429 Too Many Requests",),
    ),
)

AUTHORS = (
    "Ana Ruiz",
    "Kofi Mensah",
    "Lena Vogel",
    "Priya Nair",
    "Tom Becker",
    "Yuki Sato",
    "Sam Okafor",
    "Mia Laurent",
)
SERVICES = (
    "checkout",
    "accounts",
    "catalogue",
    "payments",
    "notifications",
    "media",
    "search",
    "warehouse",
    "reporting",
    "edge",
)
BOILERPLATE = (
    "This post-mortem is blameless: it describes what the system allowed to happen.",
    "We are sorry for the disruption this caused.",
    "All times are in UTC.",
)
DETECTION = (
    "An alert paged the on-call engineer.",
    "A customer reported it to support first.",
    "We noticed it on the dashboard during the morning check.",
)
ACTIONS = (
    "Add an alert for this failure mode.",
    "Write a runbook entry.",
    "Review the on-call escalation path.",
    "Add a test that would have caught it.",
)
TIMELINE = (
    "alert fired",
    "on-call engineer acknowledged",
    "incident declared",
    "mitigation applied",
    "service recovered",
    "incident closed",
)
ONSETS = (
    "b",
    "br",
    "c",
    "d",
    "dr",
    "f",
    "g",
    "gl",
    "k",
    "l",
    "m",
    "n",
    "p",
    "pr",
    "qu",
    "r",
    "s",
    "st",
    "t",
    "tr",
    "v",
    "z",
)
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ou", "ei")
CODAS = ("", "n", "r", "x", "l", "m", "nd", "st", "k")
THINGS = (
    "importer",
    "widget",
    "exporter",
    "gateway",
    "scheduler",
    "plugin",
    "report",
    "sync",
    "bridge",
    "hook",
    "dashboard",
    "migration",
    "proxy",
    "feed",
    "bot",
)
HAPPENINGS = (
    "looped on",
    "sent duplicate copies of",
    "stopped reading",
    "wrote to the wrong place",
    "hit an undocumented limit on",
    "mis-parsed",
    "ignored the timezone of",
    "rejected",
    "lost its lock on",
    "read a stale copy of",
    "skipped",
    "filled a scratch directory with",
    "logged secrets from",
    "double-counted",
)
OBJECTS = (
    "a malformed row",
    "the leap-day records",
    "a partner's batch",
    "the staging data",
    "names with accents",
    "the monthly totals",
    "an empty file",
    "the retry queue",
    "the feature list",
    "old invoices",
    "a huge attachment",
    "the weekend orders",
)
SMALL_IMPACTS = (
    "A handful of internal users noticed.",
    "One partner asked about it.",
    "Nobody outside the team was affected.",
    "A report was a day late.",
    "Two customers wrote to support.",
    "It was caught in review.",
)
SMALL_FIXES = (
    "We fixed it by hand.",
    "A one-line patch fixed it.",
    "We reran it.",
    "We reverted the change.",
    "We turned it off.",
    "We wrote a migration.",
)


def coin(rng: random.Random) -> str:
    """A made-up name of two or three syllables."""
    return "".join(
        rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)
        for _ in range(rng.choice((2, 2, 3)))
    )


COINED = sorted({coin(random.Random(f"syn-postmortems names {n}")) for n in range(1500)})


def coined(rng: random.Random) -> str:
    """A made-up component name from a fixed list, so one-off stories rarely share one."""
    return rng.choice(COINED)


@dataclass(frozen=True)
class Pattern:
    name: str
    story: Story
    services: tuple[str, ...]
    words: dict[str, str]


def story_sizes(total: int, count: int) -> list[int]:
    norm = sum(rank**-DECAY for rank in range(1, count + 1))
    return [max(3, int(total * rank**-DECAY / norm)) for rank in range(1, count + 1)]


def make_patterns(size: int, rng: random.Random) -> list[Pattern]:
    count = min(len(STORIES), 6 + size // 2500)
    order = list(STORIES)
    rng.shuffle(order)
    ordered: list[Story] = []
    for story in order:  # a story whose twin is already in goes right after it
        if story in ordered:
            continue
        ordered.append(story)
        ordered += [twin for twin in STORIES if twin.twin_of == story.name]
    chosen = ordered[:count]
    patterns: list[Pattern] = []
    for index, story in enumerate(chosen):
        twin = next((p for p in patterns if p.story.name == story.twin_of), None)
        services = (
            twin.services if twin else tuple(rng.sample(SERVICES, rng.choice((1, 1, 2, 2, 3, 4))))
        )
        words = {slot: rng.choice(values) for slot, values in SLOTS.items()}
        patterns.append(Pattern(f"pm-{index:02d}-{story.name}", story, services, words))
    return patterns


def filled(template: str, words: dict[str, str], rng: random.Random) -> str:
    """``template`` with the pattern's words (sometimes another value of the same slot)."""
    values = {
        slot: words[slot] if rng.random() < 0.75 else rng.choice(SLOTS[slot]) for slot in SLOTS
    }
    values["provider_lower"] = values["provider"].lower()
    return template.format(**values)


def log_block(story: Story, words: dict[str, str], rng: random.Random) -> str:
    if not story.logs:
        return ""
    lines = [filled(rng.choice(story.logs), words, rng)]
    if lines[0][:1].isupper() and "Error" in lines[0].split(":")[0] and rng.random() < 0.6:
        module = rng.choice(("app/jobs.py", "app/views.py", "app/clients.py", "app/db.py"))
        lines = [
            "Traceback (most recent call last):",
            f'  File "/srv/{module}", line {rng.randrange(20, 900)}, in handle',
            *lines,
        ]
    return "```\n" + "\n".join(lines) + "\n```\n"


def timeline(moment: datetime, rng: random.Random) -> str:
    entries = []
    for step, what in enumerate(TIMELINE[: rng.randrange(3, len(TIMELINE) + 1)]):
        entries.append(f"- {(moment + timedelta(minutes=7 * step)).strftime('%H:%M')} {what}")
    return "\n".join(entries)


def front(title: str, moment: datetime, service: str, klass: str | None, rng: random.Random) -> str:
    lines = [
        "---",
        f'title: "{title}"',
        f"date: {moment.strftime('%Y-%m-%dT%H:%M:%SZ')}",
        f"service: {service}",
        f"severity: SEV{rng.randrange(1, 5)}",
        f"authors: [{rng.choice(AUTHORS)}]",
    ]
    if klass:
        lines.append(f"failure_class: {klass}")
    return "\n".join([*lines, "---", ""])


def body(parts: dict[str, str], moment: datetime, rng: random.Random) -> str:
    """One of three house templates, filled with the incident's sentences."""
    style = rng.randrange(3)
    if style == 0:
        return (
            f"# {parts['title']}\n\n## Summary\n\n{parts['impact']} {parts['cause']}\n\n"
            f"## Impact\n\n{parts['impact']}\n\n## Root Causes\n\n{parts['cause']}\n\n"
            f"{parts['logs']}\n## Resolution\n\n{parts['fix']}\n\n## Detection\n\n"
            f"{rng.choice(DETECTION)}\n\n## Action Items\n\n- {rng.choice(ACTIONS)}\n"
            f"- {rng.choice(ACTIONS)}\n\n## Timeline\n\n{BOILERPLATE[2]}\n\n"
            f"{timeline(moment, rng)}\n\n{BOILERPLATE[0]}\n"
        )
    if style == 1:
        return (
            f"# Incident: {parts['title']}\n\n## What happened\n\n{parts['impact']}\n\n"
            f"## Why\n\n{parts['cause']}\n\n{parts['logs']}\n## How we fixed it\n\n"
            f"{parts['fix']}\n\n## Follow-ups\n\n- {rng.choice(ACTIONS)}\n\n"
            f"{BOILERPLATE[1]}\n"
        )
    return (
        f"# {parts['title']}\n\n- **Impact**: {parts['impact']}\n- **Root cause**: "
        f"{parts['cause']}\n- **Resolution**: {parts['fix']}\n- **Detection**: "
        f"{rng.choice(DETECTION)}\n\n{parts['logs']}\n{BOILERPLATE[0]}\n"
    )


def story_document(
    pattern: Pattern, moment: datetime, klass: str | None, rng: random.Random
) -> tuple[str, str]:
    story, words = pattern.story, pattern.words
    title = filled(rng.choice(story.titles), words, rng)
    service = rng.choice(pattern.services)
    if rng.random() < 1 / 6:  # a two-line note
        return title, front(title, moment, service, klass, rng) + (
            f"# {title}\n\n{filled(rng.choice(story.cause), words, rng)}\n"
        )
    parts = {
        "title": title,
        "cause": filled(rng.choice(story.cause), words, rng),
        "impact": filled(rng.choice(story.impact), words, rng),
        "fix": filled(rng.choice(story.fix), words, rng),
        "logs": log_block(story, words, rng) if rng.random() < 0.5 else "",
    }
    return title, front(title, moment, service, klass, rng) + body(parts, moment, rng)


def one_off_document(
    moment: datetime,
    klass: str | None,
    rng: random.Random,
) -> tuple[str, str]:
    subject = f"The {coined(rng)} {rng.choice(THINGS)}"
    title = f"{subject} {rng.choice(HAPPENINGS)} {rng.choice(OBJECTS)}"
    parts = {
        "title": title,
        "cause": f"{subject} {rng.choice(HAPPENINGS)} {rng.choice(OBJECTS)} after a "
        f"change to {coined(rng)}.",
        "impact": rng.choice(SMALL_IMPACTS),
        "fix": rng.choice(SMALL_FIXES),
        "logs": "",
    }
    return title, front(title, moment, rng.choice(SERVICES), klass, rng) + body(parts, moment, rng)


@dataclass(frozen=True)
class Planned:
    index: int
    pattern: Pattern | None
    klass: str
    moment: datetime
    seed: int


def plan(size: int, seed: int) -> list[Planned]:
    """The post-mortems to write: each one's path, pattern, class, time and own seed."""
    rng = random.Random(f"syn-postmortems~{seed}~{size}")
    patterns = make_patterns(size, rng)
    sizes = story_sizes(round(size * (1 - ONE_OFF)), len(patterns))
    owners: list[Pattern | None] = [
        p for p, n in zip(patterns, sizes, strict=True) for _ in range(n)
    ]
    owners = (owners + [None] * size)[:size]
    rng.shuffle(owners)
    end = datetime.fromisoformat(AS_OF + "T00:00:00+00:00")
    planned = []
    for index, owner in enumerate(owners):
        moment = end - timedelta(seconds=rng.randrange(3600, DAYS * 86400))
        klass = owner.story.klass if owner else rng.choice(STORIES).klass
        planned.append(Planned(index, owner, klass, moment, rng.getrandbits(32)))
    return planned


def document(planned: Planned, with_class: bool) -> tuple[str, str]:
    """The path and Markdown of one planned post-mortem; the path is made from its title,
    and the text is the same whether or not its class is in."""
    rng = random.Random(planned.seed)
    klass = planned.klass if with_class else None
    if planned.pattern is None:
        title, text = one_off_document(planned.moment, klass, rng)
    else:
        title, text = story_document(planned.pattern, planned.moment, klass, rng)
    slug = "-".join("".join(c if c.isalnum() else " " for c in title.lower()).split())[:48]
    day = planned.moment
    return f"corpus/{day:%Y/%m}/{day:%Y-%m-%d}-{slug}-{planned.index:05d}.md", text


@dataclass(frozen=True)
class PostmortemsCorpus:
    seed: int = 3
    name: str = "syn-postmortems"
    kind: str = "synthetic"
    description: str = (
        "prose post-mortems in three house templates: recurring stories paraphrased, with "
        "variable words and shared boilerplate; half quote log lines; 15 % one-off stories"
    )

    def write(self, root: Path, size: int | None, with_class: WithClass) -> Written:
        items: dict[str, Item] = {}
        for planned in plan(size or 1000, self.seed):
            key, bare = document(planned, False)
            text = document(planned, True)[1] if with_class(key) else bare
            path = root / key
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            name = planned.pattern.name if planned.pattern else None
            items[key] = Item(key, name, (name,) if name else (), planned.klass, bare)
        config = (
            BASE_CONFIG + '\n[gates]\nrequire = ["timestamp", "service", "failure_class"]\n'
            '\n[fields]\ntimestamp = ["date"]\n'
        )
        return Written(items=items, inputs=("corpus",), config=config, as_of=AS_OF)
