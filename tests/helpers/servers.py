"""Tests that need a server (PostgreSQL, …): one rule for all of them.

CI (``.ci/run``) installs and starts each server on loopback, exports its
address (``FAILEARN_TEST_POSTGRES_URL``, …) and ``FAILEARN_REQUIRE_SERVERS=1``.
A test that cannot reach its server then **fails**; anywhere else it skips,
saying what is missing.  Nothing is installed or started by hand.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_URL = "FAILEARN_TEST_POSTGRES_URL"


def missing(what: str) -> None:
    """A server this test needs is not there: fail in CI, skip elsewhere."""
    if os.environ.get("FAILEARN_REQUIRE_SERVERS") == "1":
        pytest.fail(f"{what} (FAILEARN_REQUIRE_SERVERS=1: CI must provide it)")
    pytest.skip(what)


def postgres_server() -> str:
    """The URL of the PostgreSQL server to test against (checked to answer)."""
    url = os.environ.get(POSTGRES_URL, "")
    if not url:
        missing(
            f"no PostgreSQL server: set {POSTGRES_URL} to a postgresql:// URL "
            "(.ci/run starts one with pg_virtualenv)"
        )
    try:
        import psycopg
    except ImportError:
        missing("psycopg is not installed: pip install -e '.[test]'")
    try:
        psycopg.connect(url, connect_timeout=5).close()
    except psycopg.Error as exc:
        missing(f"PostgreSQL at {POSTGRES_URL} does not answer: {exc}")
    return url


def with_search_path(url: str, schema: str) -> str:
    """``url`` working in ``schema`` (libpq's ``options``)."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


@contextmanager
def postgres_schema(server: str) -> Iterator[str]:
    """A fresh, empty schema on ``server`` for one test; the URL that works in it."""
    import psycopg

    schema = f"failearn_test_{secrets.token_hex(6)}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
    try:
        yield with_search_path(server, schema)
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
