"""A store of the analysis fixtures' weeks, ingested and clustered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES

AS_OF = "2026-11-23"
WEEKS = FIXTURES / "analysis" / "weeks-45-47.ndjson"
WEEK_48 = FIXTURES / "analysis" / "week-48.ndjson"
POOL = {f"pool-{n}" for n in range(1, 9)}
SEARCH = {f"search-to-{n}" for n in range(1, 7)}
OOM = {f"oom-{n}" for n in range(1, 6)}
NOISE = {f"noise-{n}" for n in range(1, 7)}


def ingest(cli: Cli, path: Path, db: str = "failearn.db", as_of: str = AS_OF) -> None:
    cli.json("ingest", str(path), "--db", db, "--as-of", as_of)


def cluster(
    cli: Cli, *args: str, db: str = "failearn.db", as_of: str = AS_OF, exit_code: int = 0
) -> dict[str, Any]:
    return cli.json("cluster", "--db", db, "--as-of", as_of, *args, exit_code=exit_code)
