"""The ``failearn`` command line: thin commands over the core.

Each module of this package owns one command or command group and registers it
on :data:`app`.  Heavy libraries (scikit-learn, pandas, scipy) are imported
inside the commands that need them, so ``failearn --help`` starts fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn import __version__
from failearn.cli.common import FailearnGroup, use_failearn_commands
from failearn.errors import EXIT_INTERRUPTED

app = typer.Typer(
    name="failearn",
    cls=FailearnGroup,
    help="Learn from incident post-mortems: capture, analyse, suggest, review.\n\n"
    "\b\nIn CI on a post-mortem repository:\n"
    "    failearn ingest postmortems/ --format github\n\n"
    "\b\nOnce a week:\n"
    "    failearn cluster && failearn audit && failearn report --output report.html\n\n"
    "Exit codes: 0 success; 1 the command found what you asked it to fail on "
    "(rejected records, drift); 2 usage error or unreadable input; 3 internal error; "
    "130 interrupted; 141 output closed early (| head).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"failearn {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(
            "--config",
            envvar="FAILEARN_CONFIG",
            dir_okay=False,
            metavar="FILE",
            help="Configuration file [default: the nearest failearn.toml or pyproject.toml "
            "with [tool.failearn], from the working directory upwards].",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks of internal errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """failearn: learn from incident post-mortems."""
    ctx.obj = {"config": config, "debug": debug}


def _register() -> None:
    from failearn.cli import (
        audit,
        backtest,
        cluster,
        db,
        drill,
        export,
        incidents,
        ingest,
        init,
        metrics,
        report,
        rules,
        similar,
        taxonomy,
    )

    init.register(app)

    ingest.register(app)
    cluster.register(app)
    similar.register(app)
    incidents.register(app)
    report.register(app)
    rules.register(app)
    drill.register(app)
    backtest.register(app)
    metrics.register(app)
    taxonomy.register(app)
    audit.register(app)
    db.register(app)
    export.register(app)
    use_failearn_commands(app)


_register()


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    except KeyboardInterrupt:
        # Ctrl-C while the command line is still being built, before any command ran
        # (a command's own interrupts are answered by its error boundary).
        typer.echo("interrupted before the command started; nothing was done", err=True)
        raise SystemExit(EXIT_INTERRUPTED) from None
