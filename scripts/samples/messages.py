"""Error messages of the planted patterns, with the variable parts real logs have.

A message template takes the incident's context (values fixed for the whole
incident: the pool, the database host, the tenant, the config version) and a
random source for what changes from one log line to the next (durations,
waiting counts, addresses, restart counts, pod suffixes).  Replicas of one
incident therefore log the same shape with different numbers, and every
occurrence of a pattern differs in its variable parts: a clustering that does
not mask numbers, hosts, IPs, hex ids and UUIDs will not find the patterns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from random import Random

from samples.common import MessageMaker, hexs, pick, pod, private_ip, uuid4

Template = Callable[[dict[str, str], Random], str]


def maker(templates: Sequence[Template], context: dict[str, str]) -> MessageMaker:
    """The messages of one incident: every template, fresh variable parts on each call."""
    chosen = list(templates)

    def make(rng: Random) -> list[str]:
        return [template(context, rng) for template in chosen]

    return make


# --- pool-exhaustion --------------------------------------------------------------------


def pool_context(rng: Random, service: str) -> dict[str, str]:
    size = pick(rng, ["20", "30", "40", "50", "50", "64"])
    return {
        "pool": f"{service}-db-pool",
        "db": f"db-{hexs(rng, 4)}.internal",
        "pool_size": size,
        "hikari": pick(rng, ["1", "1", "1", "2"]),
        "dep": "postgres-main" if service == "payments" else "payments",
    }


def hikari(ctx: dict[str, str], rng: Random) -> str:
    total = ctx["pool_size"]
    return (
        f"HikariPool-{ctx['hikari']} - Connection is not available, request timed out after "
        f"{rng.randint(30000, 30090)}ms (total={total}, active={total}, idle=0, "
        f"waiting={rng.randint(6, 140)})"
    )


def pool_exhausted(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"could not obtain connection from pool {ctx['pool']} on {ctx['db']}: "
        f"pool exhausted after {rng.randint(5000, 5400)}ms"
    )


def queue_pool(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"sqlalchemy.exc.TimeoutError: QueuePool limit of size {ctx['pool_size']} overflow "
        f"{pick(rng, [5, 10])} reached, connection timed out, timeout "
        f"{pick(rng, [10, 30])}.00"
    )


def pool_templates(rng: Random, service: str) -> list[Template]:
    if service == "checkout":
        return pick(rng, [[hikari], [hikari], [hikari, pool_exhausted], [pool_exhausted]])
    return pick(
        rng,
        [
            [pool_exhausted],
            [pool_exhausted],
            [pool_exhausted, queue_pool],
            [hikari, pool_exhausted],
        ],
    )


# --- inventory-timeouts -----------------------------------------------------------------


def inventory_context(rng: Random, service: str) -> dict[str, str]:
    return {
        "dep": "inventory",
        "endpoint": pick(rng, ["/v2/stock", "/v2/availability", "/v2/stock/batch"]),
        "namespace": pick(rng, ["prod", "prod-eu", "prod-us"]),
        "caller": service,
    }


def upstream_timeout(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"upstream request timeout after {rng.randint(3000, 3120)}ms calling inventory-api at "
        f"{private_ip(rng)}:8443 (attempt {pick(rng, [2, 3, 3, 3])}/3)"
    )


def client_deadline(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"context deadline exceeded (Client.Timeout exceeded while awaiting headers): GET "
        f"https://inventory-api.{ctx['namespace']}.svc:8443{ctx['endpoint']}"
        f"?sku=SKU-{rng.randint(100000, 999999)}&store={rng.randint(10, 480)}"
    )


def grpc_deadline(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"rpc error: code = DeadlineExceeded desc = inventory.v2.Stock/BatchGet timed out "
        f"after {rng.randint(2950, 3050)}ms (items={rng.randint(12, 240)})"
    )


def inventory_templates(rng: Random) -> list[Template]:
    return pick(
        rng,
        [
            [upstream_timeout],
            [upstream_timeout],
            [upstream_timeout, client_deadline],
            [upstream_timeout, grpc_deadline],
            [client_deadline, upstream_timeout],
        ],
    )


# --- recommender-oom --------------------------------------------------------------------


def oom_context(rng: Random, service: str) -> dict[str, str]:
    return {
        "limit": pick(rng, ["2", "2", "2", "3"]),
        "dep": "feature-store",
        "model": pick(rng, ["two-tower-v7", "als-2026-09", "session-gru-v3", "cooc-v12"]),
    }


def oom_killed(ctx: dict[str, str], rng: Random) -> str:
    limit = int(ctx["limit"])
    usage = limit + rng.randint(1, 9) / 100
    return (
        f"Container {pod(rng, 'recommender')} OOMKilled: memory usage {usage:.2f}Gi exceeded "
        f"limit {limit}Gi (restart {rng.randint(1, 9)})"
    )


def cgroup_oom(ctx: dict[str, str], rng: Random) -> str:
    rss = int(ctx["limit"]) * 1024 * 1024 + rng.randint(1000, 90000)
    return (
        f"Memory cgroup out of memory: Killed process {rng.randint(1000, 65000)} (python3) "
        f"total-vm:{rss + rng.randint(200000, 900000)}kB, anon-rss:{rss}kB, "
        f"file-rss:{rng.randint(1000, 30000)}kB, shmem-rss:0kB"
    )


def worker_exit(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"feature batch {uuid4(rng)} dropped: worker {pod(rng, 'recommender')} exited "
        f"with code 137 after {rng.randint(40, 900)}s (model {ctx['model']})"
    )


def oom_templates(rng: Random) -> list[Template]:
    return pick(
        rng,
        [
            [oom_killed],
            [oom_killed],
            [oom_killed, cgroup_oom],
            [oom_killed, worker_exit],
            [cgroup_oom, oom_killed],
        ],
    )


# --- auth-config ------------------------------------------------------------------------


def auth_context(rng: Random, service: str, version: int) -> dict[str, str]:
    return {
        "key": pick(rng, ["jwks_uri", "jwks_uri", "issuer", "audience", "token_endpoint"]),
        "config": f"v{version}",
        "tenant": f"t-{rng.randint(1000, 9999)}",
        "dep": "config-service",
    }


def missing_key(ctx: dict[str, str], rng: Random) -> str:
    tenant = ctx["tenant"] if rng.random() < 0.5 else f"t-{rng.randint(1000, 9999)}"
    return (
        f"invalid configuration: missing required key '{ctx['key']}' for tenant {tenant} "
        f"(config {ctx['config']})"
    )


def reload_rejected(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"config {ctx['config']} applied with errors: tenant t-{rng.randint(1000, 9999)} "
        f"has no '{ctx['key']}'; token validation disabled for {rng.randint(3, 90)} clients"
    )


def jwks_failed(ctx: dict[str, str], rng: Random) -> str:
    return (
        f"JWKS fetch failed for tenant {ctx['tenant']}: {ctx['key']} is empty in config "
        f"{ctx['config']} (kid={hexs(rng, 8)})"
    )


def auth_templates(rng: Random) -> list[Template]:
    return pick(
        rng,
        [[missing_key], [missing_key], [missing_key, reload_rejected], [missing_key, jwks_failed]],
    )
