"""``failearn drill``: check that the learning loop detects a known failure pattern in time."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    OutputFormat,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stderr,
    stdout,
)
from failearn.cli.guardrails import MinSupportOption
from failearn.cli.overrides import config_option
from failearn.errors import EXIT_FINDINGS, UsageError


def _metrics(values: list[str]) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for value in values:
        name, sep, number = value.partition("=")
        try:
            metrics[name.strip()] = float(number)
        except ValueError:
            sep = ""
        if not sep or not name.strip():
            raise UsageError(
                f"--metric {value!r}: write NAME=NUMBER, e.g. request_volume_change_pct=6"
            )
    return metrics


def drill(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    target: Annotated[
        str | None,
        config_option(
            "drill.target",
            "--target",
            metavar="DURATION",
            help="The loop must detect and suggest within this time.",
        ),
    ] = None,
    service: Annotated[
        str | None,
        config_option(
            "drill.service", "--service", metavar="NAME", help="Service of the injected pattern."
        ),
    ] = None,
    failure_class: Annotated[
        str | None,
        config_option(
            "drill.failure_class", "--failure-class", metavar="CLASS", help="Its failure class."
        ),
    ] = None,
    incidents: Annotated[
        int | None,
        config_option(
            "drill.incidents", "--incidents", metavar="N", help="How many incidents to inject."
        ),
    ] = None,
    spread: Annotated[
        str | None,
        config_option(
            "drill.spread",
            "--spread",
            metavar="DURATION",
            help="Spread them over this time before --as-of.",
        ),
    ] = None,
    message: Annotated[
        str | None,
        config_option("drill.message", "--message", metavar="TEXT", help="Their error message."),
    ] = None,
    metric: Annotated[
        list[str] | None,
        config_option(
            "drill.metrics",
            "--metric",
            metavar="NAME=NUMBER",
            parse=_metrics,
            help="A metric every injected incident carries (repeatable; replaces [drill] metrics).",
        ),
    ] = None,
    keep: Annotated[
        Path | None,
        typer.Option(
            "--keep",
            metavar="DIR",
            file_okay=False,
            show_default=False,
            help="Keep the scratch database in DIR (drill.db) to look at it.",
        ),
    ] = None,
    min_support: MinSupportOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Test the learning loop: inject a synthetic pattern into a scratch copy of the store.

    Copies the database, injects --incidents incidents of --service and
    --failure-class (same error message, trace shape and metrics, spread over
    --spread before --as-of), then runs ingest, cluster and report on the copy
    and checks that a pattern holds them and a rule for the service passes
    every guardrail, all within --target.  Prints the time of each stage.  Your
    database is not changed.  Exit 1 when the loop misses the pattern or the
    target.

    Example:

        failearn drill --as-of 2026-11-23 --target 60s
    """
    from failearn.commands.drill import DrillOptions, run_drill
    from failearn.render.drill import drill_document, render_drill
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)
    taxonomy = load_taxonomy(settings.taxonomy)
    live = output_format is OutputFormat.text and sys.stderr.isatty()
    progress = stderr() if live else None

    def stage(name: str, seconds: float) -> None:
        if progress is not None:
            progress.print(f"  {name:<8} {seconds:6.2f}s", markup=False)

    result = run_drill(settings, taxonomy, DrillOptions(as_of(as_of_text), keep), stage)
    if output_format is OutputFormat.json:
        emit_json(envelope("drill", drill_document(result)))
    else:
        render_drill(result, stdout())
    if not result.passed:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("drill")(drill)
