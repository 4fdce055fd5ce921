"""``failearn drill``: check that the learning loop detects a known failure pattern in time."""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    OutputFormat,
    as_of,
    duration,
    emit_json,
    envelope,
    settings_for,
    stderr,
    stdout,
)
from failearn.cli.guardrails import MinSupportOption, with_rules
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
        typer.Option(
            "--target",
            metavar="DURATION",
            show_default=False,
            help="The loop must detect and suggest within this time [default: [drill] target, 2m].",
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            "--service",
            metavar="NAME",
            show_default=False,
            help="Service of the injected pattern [default: [drill] service, drill-ledger].",
        ),
    ] = None,
    failure_class: Annotated[
        str | None,
        typer.Option(
            "--failure-class",
            metavar="CLASS",
            show_default=False,
            help="Its failure class [default: [drill] failure_class, connection-pool-exhaustion].",
        ),
    ] = None,
    incidents: Annotated[
        int | None,
        typer.Option(
            "--incidents",
            metavar="N",
            show_default=False,
            help="How many incidents to inject [default: [drill] incidents, 12].",
        ),
    ] = None,
    spread: Annotated[
        str | None,
        typer.Option(
            "--spread",
            metavar="DURATION",
            show_default=False,
            help="Spread them over this time before --as-of [default: [drill] spread, 14d].",
        ),
    ] = None,
    message: Annotated[
        str | None,
        typer.Option(
            "--message",
            metavar="TEXT",
            show_default=False,
            help="Their error message [default: [drill] message].",
        ),
    ] = None,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            metavar="NAME=NUMBER",
            show_default=False,
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

    settings = with_rules(settings_for(ctx, db), min_support=min_support)
    config = settings.drill
    changes: dict[str, Any] = {
        "target": duration("--target", target),
        "spread": duration("--spread", spread),
        "service": service,
        "failure_class": failure_class,
        "incidents": incidents,
        "message": message,
        "metrics": _metrics(metric) if metric else None,
    }
    config = replace(config, **{k: v for k, v in changes.items() if v is not None})
    settings = replace(settings, drill=config)
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
