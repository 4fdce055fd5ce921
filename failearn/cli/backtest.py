"""``failearn backtest``: what the rules' triggers would have done on the stored history."""

from __future__ import annotations

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
    stdout,
)
from failearn.cli.overrides import key_default, shown


def backtest(
    ctx: typer.Context,
    rules: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="[RULE]...",
            show_default=False,
            help="Rule ids (a unique prefix will do) [default: every suggested, accepted or "
            "applied rule].",
        ),
    ] = None,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    since_text: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            show_default=False,
            help="Replay from this date or date-time, UTC [default: --as-of minus [cluster] "
            f"lookback, {shown(key_default('cluster.lookback'))}].",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Replay the stored history against each rule's trigger, as stored.

    For every rule named (else every suggested, accepted or applied one), reads
    the metric series its trigger watches over [--since, --as-of) and tells
    before how many of its pattern's incidents on its service the trigger would
    have fired (recall), how far ahead (lead time), and how often it would have
    fired in normal time (false alarms a week).  A rule with no trigger learned
    from series (a timeout, a pool size, a validation) says so.  A span that
    starts before a rule was learned includes the data it was learned from, and
    the output says so: start --since at that date for figures on data it never
    saw.  The database is only read.

    Example: failearn backtest --as-of 2026-11-23 --since 2026-10-26
    """
    from failearn.commands.backtest import replay_document, run_backtest
    from failearn.render.backtest import render_backtest

    settings = settings_for(ctx, db)
    since = as_of(since_text) if since_text else None
    result = run_backtest(settings, rules or [], as_of(as_of_text), since)
    if output_format is OutputFormat.json:
        emit_json(
            envelope(
                "backtest",
                {
                    "as_of": result.as_of,
                    "since": result.since,
                    "warning": result.stale,
                    "rules": [replay_document(item) for item in result.rules],
                },
            )
        )
    else:
        render_backtest(result, stdout())


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)
