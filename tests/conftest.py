"""Shared fixtures: every test runs in its own empty directory with its own database.

The autouse fixture moves the working directory to ``tmp_path`` and clears the
environment variables failearn reads, so no test sees the user's configuration
or database, or the repository's.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES
from tests.helpers.servers import postgres_schema, postgres_server

# Property tests explore the same examples on every run: CI must not pass or fail by luck.
settings.register_profile("failearn", derandomize=True, deadline=None)
settings.load_profile("failearn")


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in ("FAILEARN_DB", "FAILEARN_CONFIG", "FAILEARN_SECRET"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


@pytest.fixture(scope="session")
def postgres() -> str:
    """The PostgreSQL server of the tests (see tests/helpers/servers.py)."""
    return postgres_server()


@pytest.fixture
def pg_url(postgres: str) -> Iterator[str]:
    """A URL of an empty PostgreSQL database of this test's own (a fresh schema)."""
    with postgres_schema(postgres) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store on each backend in turn: a SQLite file, then a PostgreSQL database.

    Every test of the store takes its database from here, so that each runs on both."""
    if request.param == "sqlite":
        return str(tmp_path / "store.db")
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def copy_fixture(tmp_path: Path) -> Callable[[str], Path]:
    """Copy a fixture file or directory into the test's directory; its new path."""

    def copy(name: str) -> Path:
        source = FIXTURES / name
        target = tmp_path / Path(name).name
        if source.is_dir():
            shutil.copytree(source, target)
        else:
            shutil.copyfile(source, target)
        return target

    return copy


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture(scope="session")
def prometheus_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A Prometheus server holding the samples' metric series: the one CI started
    (``FAILEARN_TEST_PROMETHEUS_URL``), else a throwaway one for this session."""
    from tests.helpers import prometheus_server
    from tests.helpers.servers import missing

    given = os.environ.get("FAILEARN_TEST_PROMETHEUS_URL")
    if given:
        yield given.rstrip("/")
        return
    why = prometheus_server.missing()
    if why is not None:
        missing(
            f"no Prometheus server: {why}; or set FAILEARN_TEST_PROMETHEUS_URL (.ci/run starts one)"
        )
    directory = tmp_path_factory.mktemp("prometheus")
    try:
        url = prometheus_server.start(directory, port=19000 + os.getpid() % 900)
    except (OSError, RuntimeError) as exc:
        missing(f"Prometheus could not be started: {exc}")
    try:
        yield url
    finally:
        prometheus_server.stop(directory)
