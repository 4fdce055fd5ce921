"""The four planted patterns and the noise classes, as incidents ready to be written.

Planted (see ``tests/fixtures/sample_truth.json`` for the record ids):

* ``pool-exhaustion`` – checkout and payments, class ``connection-pool-exhaustion``.
  Its precursor is in the metrics: ``request_volume_change_pct`` is +1.6 … +2.6
  (volume rose ~2 % before each), ``pool_utilization`` 0.96 … 1.0.  Every other
  incident draws the volume change from N(0, 0.7) clipped to ±1.3, except
  capacity overloads (+15 … +60), so the precursor is specific to the pattern.
* ``inventory-timeouts`` – search calling inventory, class ``timeout``, high p99
  at normal volume.  In the drift week every one of them is labelled
  ``resource-exhaustion`` instead.
* ``recommender-oom`` – recommendations, class ``memory-exhaustion``.
* ``auth-config`` – auth, class ``configuration-error``, every other week.

Labels vary among ids, aliases and retired ids, as teams write them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from random import Random

from samples import messages as msg
from samples.common import (
    DRIFT_WEEK,
    SERVICES,
    Incident,
    MetricsMaker,
    pick,
    weighted,
)
from samples.noise import CLASSES, noise_context
from samples.noise_extra import dependency_variant, deploy_context, deploy_variant
from samples.noise_prose import NOISE
from samples.prose import INVENTORY as INVENTORY_PROSE
from samples.prose import POOL as POOL_PROSE
from samples.prose import Fragments, compose
from samples.prose_more import AUTH as AUTH_PROSE
from samples.prose_more import OOM as OOM_PROSE

PATTERN_CLASS = {
    "pool-exhaustion": "connection-pool-exhaustion",
    "inventory-timeouts": "timeout",
    "recommender-oom": "memory-exhaustion",
    "auth-config": "configuration-error",
}
PATTERN_SERVICES = {
    "pool-exhaustion": ["checkout", "payments"],
    "inventory-timeouts": ["search"],
    "recommender-oom": ["recommendations"],
    "auth-config": ["auth"],
}
LABELS: dict[str, list[tuple[str, float]]] = {
    "pool-exhaustion": [
        ("connection-pool-exhaustion", 6),
        ("pool exhaustion", 2),
        ("connection pool exhausted", 2),
    ],
    "inventory-timeouts": [
        ("timeout", 55),
        ("latency spike", 15),
        ("connection timeout", 15),
        ("performance", 15),
    ],
    "recommender-oom": [("OOM", 40), ("oomkilled", 25), ("memory-exhaustion", 35)],
    "auth-config": [("configuration-error", 50), ("misconfiguration", 25), ("config change", 25)],
}
DRIFT_LABEL = "resource-exhaustion"
LEVELS = {
    "pool-exhaustion": [(1, 2), (2, 5), (3, 3)],
    "inventory-timeouts": [(2, 3), (3, 5), (4, 2)],
    "recommender-oom": [(2, 2), (3, 5), (4, 3)],
    "auth-config": [(1, 3), (2, 5), (3, 2)],
    None: [(1, 1), (2, 3), (3, 4), (4, 2)],
}

NOISE_CLASSES: list[tuple[str, float]] = [
    ("deployment-regression", 18),
    ("dependency-failure", 16),
    ("capacity-overload", 12),
    ("hardware-failure", 12),
    ("network-partition", 10),
    ("dns-failure", 9),
    ("certificate-expiry", 8),
    ("data-corruption", 8),
    ("security-incident", 7),
]
NOISE_LABELS: dict[str, list[tuple[str, float]]] = {
    "hardware-failure": [("hardware-failure", 6), ("Hardware failure", 1), ("infrastructure", 2)],
    "dns-failure": [("dns-failure", 6), ("DNS failure", 2)],
    "certificate-expiry": [("certificate-expiry", 6), ("Certificate expiry", 1)],
    "data-corruption": [("data-corruption", 6), ("data_corruption", 1)],
    "security-incident": [("security-incident", 7), ("Security Incident", 1)],
    "capacity-overload": [("capacity-overload", 6), ("capacity", 2)],
    "deployment-regression": [("deployment-regression", 5), ("bad deploy", 3)],
    "dependency-failure": [("dependency-failure", 6)],
    "network-partition": [("network-partition", 6)],
}
NOISE_SERVICES: dict[str, list[tuple[str, float]]] = {
    "capacity-overload": [("api-gateway", 6), ("search", 1), ("notifications", 1), ("checkout", 1)],
    "dependency-failure": [
        ("notifications", 3),
        ("payments", 2),
        ("search", 1),
        ("checkout", 1),
        ("recommendations", 1),
        ("inventory", 1),
        ("auth", 1),
        ("api-gateway", 1),
    ],
    "security-incident": [("auth", 3), ("api-gateway", 3), ("notifications", 1), ("payments", 1)],
    "certificate-expiry": [
        ("api-gateway", 2),
        ("auth", 2),
        ("payments", 2),
        ("notifications", 1),
        ("checkout", 1),
        ("search", 1),
    ],
    "data-corruption": [
        ("inventory", 3),
        ("search", 2),
        ("payments", 1),
        ("recommendations", 2),
        ("checkout", 1),
    ],
}
SHAPES = {
    "checkout": ["api-gateway", "checkout"],
    "payments": ["api-gateway", "checkout", "payments"],
    "search": ["api-gateway", "search"],
    "inventory": ["api-gateway", "inventory"],
    "recommendations": ["api-gateway", "recommendations"],
    "auth": ["api-gateway", "auth"],
    "api-gateway": ["api-gateway"],
    "notifications": ["notifications"],
}
DEPENDENCIES = {
    "checkout": ["payments", "inventory"],
    "payments": ["postgres-main"],
    "search": ["inventory", "elasticsearch"],
    "inventory": ["postgres-inventory"],
    "recommendations": ["feature-store"],
    "auth": ["postgres-auth"],
    "api-gateway": ["auth", "checkout", "search"],
    "notifications": ["email-provider"],
}


def _u(rng: Random, low: float, high: float, digits: int) -> float:
    return round(rng.uniform(low, high), digits)


def normal_volume(rng: Random) -> float:
    """The volume change of every incident but pool exhaustion and capacity overload."""
    return round(max(-1.3, min(1.3, rng.gauss(0.0, 0.7))), 2) + 0.0


def _metrics(
    volume: Callable[[Random], float],
    pool: tuple[float, float],
    cpu: tuple[float, float],
    memory: tuple[float, float],
    p99: tuple[int, int],
    errors: tuple[float, float],
) -> MetricsMaker:
    def make(rng: Random) -> dict[str, float]:
        return {
            "request_volume_change_pct": volume(rng),
            "pool_utilization": _u(rng, *pool, 3),
            "cpu": _u(rng, *cpu, 2),
            "memory_utilization": _u(rng, *memory, 3),
            "p99_latency_ms": rng.randint(*p99),
            "error_rate_pct": _u(rng, *errors, 2),
        }

    return make


METRICS: dict[str, MetricsMaker] = {
    "pool-exhaustion": _metrics(
        lambda r: _u(r, 1.6, 2.6, 2),
        (0.96, 1.0),
        (0.45, 0.85),
        (0.45, 0.8),
        (2400, 4200),
        (1.5, 12.0),
    ),
    "inventory-timeouts": _metrics(
        normal_volume, (0.2, 0.7), (0.3, 0.7), (0.4, 0.75), (3100, 9500), (1.0, 9.0)
    ),
    "recommender-oom": _metrics(
        normal_volume, (0.1, 0.5), (0.4, 0.9), (0.97, 1.0), (300, 1800), (2.0, 25.0)
    ),
    "auth-config": _metrics(
        normal_volume, (0.1, 0.6), (0.1, 0.5), (0.3, 0.7), (80, 600), (8.0, 70.0)
    ),
    "noise": _metrics(
        normal_volume, (0.1, 0.8), (0.1, 0.85), (0.25, 0.88), (40, 2200), (0.3, 30.0)
    ),
    "capacity-overload": _metrics(
        lambda r: _u(r, 15.0, 60.0, 1),
        (0.4, 0.85),
        (0.85, 0.99),
        (0.5, 0.85),
        (1500, 6000),
        (5.0, 40.0),
    ),
}
PROSE: dict[str, Fragments] = {
    "pool-exhaustion": POOL_PROSE,
    "inventory-timeouts": INVENTORY_PROSE,
    "recommender-oom": OOM_PROSE,
    "auth-config": AUTH_PROSE,
}


def _numbers(rng: Random, base: dict[str, float]) -> dict[str, str]:
    """The values prose quotes, taken from the incident's first metrics."""
    return {
        "minutes": str(rng.randint(12, 95)),
        "det": str(rng.randint(2, 9)),
        "err_pct": f"{base['error_rate_pct']:.0f}",
        "p99": f"{base['p99_latency_ms']:,}",
        "volume": f"{base['request_volume_change_pct']:.1f}",
    }


def pattern_incident(
    rng: Random, name: str, week: str, start: datetime, service: str, auth_version: int = 0
) -> Incident:
    """One occurrence of a planted pattern."""
    if name == "pool-exhaustion":
        ctx, templates = msg.pool_context(rng, service), msg.pool_templates(rng, service)
        shape = (
            ["api-gateway", "checkout", "payments", "postgres-main"]
            if service == "checkout" or rng.random() < 0.3
            else ["payments", "postgres-main"]
        )
        deps = ["payments", "postgres-main"] if service == "checkout" else ["postgres-main"]
    elif name == "inventory-timeouts":
        ctx, templates = msg.inventory_context(rng, service), msg.inventory_templates(rng)
        shape, deps = ["api-gateway", "search", "inventory"], ["inventory"]
    elif name == "recommender-oom":
        ctx, templates = msg.oom_context(rng, service), msg.oom_templates(rng)
        ctx["next_limit"] = str(int(ctx["limit"]) + pick(rng, [1, 2]))
        shape, deps = ["recommendations", "feature-store"], ["feature-store"]
    else:
        ctx = msg.auth_context(rng, service, auth_version)
        templates = msg.auth_templates(rng)
        shape, deps = ["api-gateway", "auth"], ["config-service"]
    drifted = name == "inventory-timeouts" and week == DRIFT_WEEK
    label = DRIFT_LABEL if drifted else weighted(rng, LABELS[name])
    class_id = DRIFT_LABEL if drifted else PATTERN_CLASS[name]
    base = METRICS[name](rng)
    ctx.update(_numbers(rng, base), service=service)
    drop_metrics = name in ("recommender-oom", "auth-config") and rng.random() < 0.05
    drop_shape = name in ("recommender-oom", "auth-config") and rng.random() < 0.08
    return Incident(
        key="",
        pattern=name,
        week=week,
        start=start,
        service=service,
        class_id=class_id,
        label=label,
        level=weighted(rng, LEVELS[name]),
        story=compose(rng, PROSE[name], ctx),
        messages=msg.maker(templates, ctx),
        metrics=METRICS[name],
        first_metrics=None if drop_metrics else base,
        shape=None if drop_shape else shape,
        dependencies=deps,
        context=ctx,
    )


def noise_service(rng: Random, class_id: str) -> str:
    """The service a one-off incident of ``class_id`` happens on."""
    options = NOISE_SERVICES.get(class_id)
    return weighted(rng, options) if options else pick(rng, SERVICES)


def noise_incident(
    rng: Random, class_id: str, week: str, start: datetime, service: str
) -> Incident:
    """One one-off incident of a class no planted pattern uses."""
    ctx = noise_context(rng, service, start.timestamp())
    dep = pick(rng, DEPENDENCIES[service])
    if class_id == "deployment-regression":
        ctx.update(deploy_context(rng, service))
        variant = deploy_variant(rng, service)
    elif class_id == "dependency-failure":
        dep, variant = dependency_variant(rng, service)
    else:
        variant = pick(rng, CLASSES[class_id])
    count = 1 if len(variant.templates) == 1 or rng.random() < 0.4 else 2
    templates = variant.templates[:count]
    use_variant_label = variant.label is not None and rng.random() < 0.5
    label = (
        variant.label
        if use_variant_label and variant.label
        else weighted(rng, NOISE_LABELS[class_id])
    )
    maker = METRICS["capacity-overload" if class_id == "capacity-overload" else "noise"]
    base = maker(rng)
    ctx.update(_numbers(rng, base), subject=variant.subject, dep=dep, service=service)
    deps = [dep, *[d for d in DEPENDENCIES[service] if d != dep][:1]]
    shape: list[str] | None = [
        *SHAPES[service],
        *([dep] if class_id == "dependency-failure" else []),
    ]
    if rng.random() < 0.1:
        shape = None
    return Incident(
        key="",
        pattern=None,
        week=week,
        start=start,
        service=service,
        class_id=class_id,
        label=label,
        level=weighted(rng, LEVELS[None]),
        story=compose(rng, NOISE[class_id], ctx),
        messages=msg.maker(templates, ctx),
        metrics=maker,
        first_metrics=None if rng.random() < 0.05 else base,
        shape=shape,
        dependencies=deps,
        context=ctx,
    )
