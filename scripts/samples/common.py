"""Shared pieces: the span, random helpers, ids, trace ids, timestamp spellings, data shapes.

Every random draw goes through a ``random.Random`` passed in by the caller, so
the whole corpus follows from one seed.  Timestamps are planned in UTC and only
spelled differently on output (RFC 3339 with ``Z`` or an offset, an offset
without a colon, epoch seconds, milliseconds or nanoseconds): the instant is
always the planned one.
"""

from __future__ import annotations

import base64
import json
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from random import Random
from typing import TypeVar

SEED = 20261123
SPAN_START = datetime(2026, 8, 31, tzinfo=UTC)
SPAN_END = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)
WEEK_COUNT = 12
DRIFT_WEEK = "2026-W47"

SERVICES = (
    "checkout",
    "payments",
    "search",
    "inventory",
    "recommendations",
    "auth",
    "api-gateway",
    "notifications",
)

T = TypeVar("T")
MessageMaker = Callable[[Random], list[str]]
MetricsMaker = Callable[[Random], dict[str, float]]


def weeks() -> list[tuple[str, datetime]]:
    """The twelve ISO weeks of the span: (label, Monday 00:00 UTC)."""
    result = []
    for index in range(WEEK_COUNT):
        monday = SPAN_START + timedelta(weeks=index)
        year, week, _ = monday.isocalendar()
        result.append((f"{year}-W{week:02d}", monday))
    return result


def pick(rng: Random, options: Sequence[T]) -> T:
    """One element, uniformly."""
    return options[rng.randrange(len(options))]


def weighted(rng: Random, options: Sequence[tuple[T, float]]) -> T:
    """One element of ``(value, weight)`` pairs."""
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def sample(rng: Random, options: Sequence[T], count: int) -> list[T]:
    """``count`` distinct elements in a random order (fewer when there are fewer)."""
    return rng.sample(list(options), min(count, len(options)))


def hexs(rng: Random, length: int) -> str:
    """Lower-case hex digits, e.g. a short commit or a pod suffix."""
    return "".join(pick(rng, "0123456789abcdef") for _ in range(length))


def alnum(rng: Random, length: int) -> str:
    """Lower-case letters and digits, as Kubernetes pod suffixes use."""
    return "".join(pick(rng, "bcdfghjklmnpqrstvwxz2456789") for _ in range(length))


def trace_id(rng: Random) -> str:
    """A W3C trace id: 32 lower-case hex digits, never all zero."""
    while True:
        value = rng.getrandbits(128)
        if value:
            return f"{value:032x}"


def uuid4(rng: Random) -> str:
    """A version-4 UUID drawn from ``rng``."""
    raw = f"{rng.getrandbits(128):032x}"
    variant = pick(rng, "89ab")
    return f"{raw[:8]}-{raw[8:12]}-4{raw[13:16]}-{variant}{raw[17:20]}-{raw[20:]}"


def private_ip(rng: Random) -> str:
    """An address in 10.0.0.0/8."""
    return f"10.{rng.randint(0, 63)}.{rng.randint(0, 255)}.{rng.randint(2, 254)}"


def pod(rng: Random, name: str) -> str:
    """A Kubernetes pod name: ``recommender-5f9c8d-x2kq``."""
    return f"{name}-{hexs(rng, 6)}-{alnum(rng, 4)}"


def fake_jwt(rng: Random) -> str:
    """A bearer token shaped like a JWT (header.payload.signature); signs nothing."""

    def part(data: dict[str, object]) -> str:
        text = json.dumps(data, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).decode().rstrip("=")

    header = part({"alg": "RS256", "typ": "JWT", "kid": hexs(rng, 8)})
    payload = part({"sub": f"svc-{hexs(rng, 6)}", "iat": 1788000000 + rng.randint(0, 9**6)})
    signature = "".join(pick(rng, string.ascii_letters + string.digits + "-_") for _ in range(43))
    return f"{header}.{payload}.{signature}"


def phone(rng: Random) -> str:
    """A fictitious phone number (ranges reserved for fiction, such as 555-01xx)."""
    return pick(
        rng,
        [
            f"+1 415-555-01{rng.randint(10, 99)}",
            f"+44 20 7946 0{rng.randint(100, 999)}",
            f"(212) 555-01{rng.randint(10, 99)}",
            f"+49 30 9018 20{rng.randint(10, 99)}",
        ],
    )


# --- timestamps -------------------------------------------------------------------------

OFFSETS = (
    timedelta(hours=2),
    timedelta(hours=-4),
    timedelta(hours=5, minutes=30),
    timedelta(hours=9),
    timedelta(hours=-7),
    timedelta(hours=1),
)


def rfc3339_z(when: datetime) -> str:
    """``2026-09-03T14:03:00Z``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_offset(when: datetime, offset: timedelta) -> str:
    """``2026-09-03T16:03:00+02:00``: the same instant, written in another zone.

    Near the ends of the span the local date could fall outside it; those are
    written in UTC, so that no written date lies outside the span either.
    """
    local = when.astimezone(timezone(offset))
    if not SPAN_START.date() <= local.date() <= SPAN_END.date():
        return rfc3339_z(when)
    return local.isoformat(timespec="seconds")


def offset_no_colon_millis(when: datetime, millis: int) -> str:
    """``2026-09-03T14:03:00.123+0000``."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}+0000"


def epoch_seconds(when: datetime) -> int:
    return int(when.timestamp())


def epoch_millis(when: datetime, millis: int) -> int:
    return int(when.timestamp()) * 1000 + millis


def epoch_nanos(when: datetime, millis: int) -> str:
    return str(int(when.timestamp()) * 1_000_000_000 + millis * 1_000_000 + 417)


def json_timestamp(rng: Random, when: datetime, exact: bool = False) -> object:
    """One of the spellings real exports use; ``exact`` keeps whole seconds in UTC."""
    if exact:
        return rfc3339_z(when)
    millis = rng.randint(0, 999)
    form = weighted(
        rng, [("z", 40), ("offset", 14), ("nocolon", 10), ("s", 12), ("ms", 14), ("ns", 10)]
    )
    if form == "offset":
        return rfc3339_offset(when, pick(rng, OFFSETS))
    if form == "nocolon":
        return offset_no_colon_millis(when, millis)
    if form == "s":
        return epoch_seconds(when)
    if form == "ms":
        return epoch_millis(when, millis)
    if form == "ns":
        return epoch_nanos(when, millis)
    return rfc3339_z(when)


# --- severity ---------------------------------------------------------------------------

SEVERITY_SPELLINGS: dict[int, tuple[str, ...]] = {
    1: ("SEV1", "P1", "critical", "sev-1", "Sev 1"),
    2: ("sev-2", "p2", "high", "S2", "SEV2", "Sev 2"),
    3: ("Sev 3", "medium", "P3", "sev-3", "S3"),
    4: ("low", "SEV4", "p4", "Sev 4"),
}


def severity(rng: Random, level: int) -> str:
    """A spelling of severity ``level`` (1 = most severe)."""
    return pick(rng, SEVERITY_SPELLINGS[level])


# --- shapes -----------------------------------------------------------------------------


@dataclass
class Story:
    """The prose of one incident, already combined from fragments."""

    title: str
    alert_title: str
    summary: str
    impact: str
    root_cause: str
    resolution: str
    workaround: str
    detection: str
    lessons: list[str]
    actions: list[str]
    whys: list[str]


@dataclass
class Incident:
    """One planned failure and how it is reported (post-mortem, alerts, replicas)."""

    key: str
    pattern: str | None
    week: str
    start: datetime
    service: str
    class_id: str
    label: str
    level: int
    story: Story
    messages: MessageMaker
    metrics: MetricsMaker
    first_metrics: dict[str, float] | None
    shape: list[str] | None
    dependencies: list[str]
    context: dict[str, str] = field(default_factory=dict)
    replicas: int = 1
    markdown: bool = False
    alert_too: bool = False
    channel: str = "alerts"
    exact_times: bool = False
    replica_offsets: list[int] = field(default_factory=list)
    record_ids: list[str] = field(default_factory=list)
    markdown_id: str | None = None
    shared_trace: str | None = None
