"""A store of the report fixture, ingested and clustered."""

from __future__ import annotations

import shutil
from typing import Any

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES

AS_OF = "2026-11-23"
REPORT = FIXTURES / "report"


def build_store(cli: Cli) -> None:
    """Ingest the fixture from a relative path (sources, hence links, do not depend on where
    the checkout is), then cluster."""
    shutil.copytree(REPORT, "report", ignore=shutil.ignore_patterns("golden"))
    cli.json(
        "ingest",
        "report/incidents.ndjson",
        "report/postmortems",
        "report/metrics",
        "--as-of",
        AS_OF,
    )
    cli.json("cluster", "--as-of", AS_OF)


def report(cli: Cli, *args: str, as_of: str = AS_OF, exit_code: int = 0) -> dict[str, Any]:
    return cli.json("report", "--as-of", as_of, *args, exit_code=exit_code)
