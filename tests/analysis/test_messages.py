from __future__ import annotations

import pytest

from failearn.analysis.messages import mask


@pytest.mark.parametrize(
    ("message", "template"),
    [
        ("timeout after 5012ms on db-7f3a", "timeout after <dur> on db-<id>"),
        ("timeout after 930ms on db-19bc", "timeout after <dur> on db-<id>"),
        ("pool exhausted after 5012ms on db-7f3a.internal", "pool exhausted after <dur> on <host>"),
        (
            "HikariPool-1 - Connection is not available",
            "HikariPool-<id> - Connection is not available",
        ),
        (
            "GET /api/v2/orders/123 failed at 2026-11-02T14:03:00Z from 10.0.0.12:8443",
            "GET <path> failed at <ts> from <ip>",
        ),
        (
            "req 550e8400-e29b-41d4-a716-446655440000 trace 4bf92f3577b34da6a3ce929d0e0e4736",
            "req <uuid> trace <hex>",
        ),
        ("exit code 137 after 3 retries", "exit code <num> after <num> retries"),
        ("took 3 seconds at 2026-11-02 12:03:04.123", "took <dur> at <ts>"),
        (
            "java.lang.OutOfMemoryError: Java heap space",
            "java.lang.OutOfMemoryError: Java heap space",
        ),
        ("mem 0x7ffde4a0 at C:\\data\\x.log", "mem <hex> at <path>"),
    ],
)
def test_variable_parts_are_masked(message: str, template: str) -> None:
    assert mask(message) == template


def test_masking_is_idempotent() -> None:
    once = mask("upstream request timeout after 3012ms calling inventory at 10.0.3.4:8443")
    assert mask(once) == once


@pytest.mark.parametrize(
    ("message", "template"),
    [
        # Each took minutes before (a look-ahead rescanned the rest of the run from every `-`).
        ("a1" + "-a" * 15_000, "<id>" + "-a" * 15_000),
        (
            "failed at " + "-a" * 15_000 + " db-7f3a.internal",
            "failed at " + "-a" * 15_000 + " <host>",
        ),
        # A label of more than 63 characters is no host name's.
        ("x" + "1" * 30_000 + ".internal", "<id>.internal"),
    ],
)
def test_long_runs_are_masked_in_time_proportional_to_them(message: str, template: str) -> None:
    assert mask(message) == template
