"""Running failearn as a user would, through Typer's CliRunner."""

from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from failearn.cli import app


class Cli:
    """Runs failearn as a user would, through Typer's CliRunner."""

    def __init__(self) -> None:
        self.runner = CliRunner()

    def __call__(self, *args: str, input: str | bytes | None = None) -> Any:
        return self.runner.invoke(app, list(args), input=input, catch_exceptions=False)

    def json(
        self, *args: str, input: str | bytes | None = None, exit_code: int | None = 0
    ) -> dict[str, Any]:
        """Run with ``--format json``; the parsed document (stdout must hold only it)."""
        result = self(*args, "--format", "json", input=input)
        if exit_code is not None:
            assert result.exit_code == exit_code, (result.exit_code, result.stdout, result.stderr)
        document: dict[str, Any] = json.loads(result.stdout)
        return document
