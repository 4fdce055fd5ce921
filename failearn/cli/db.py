"""``failearn db``: the store itself: copy it between backends."""

from __future__ import annotations

from typing import Annotated

import typer

from failearn.cli.common import FormatOption, OutputFormat, emit_json, envelope, settings_for
from failearn.cli.common import stdout as console

db_app = typer.Typer(
    help="The store itself: copy it between SQLite and PostgreSQL.", no_args_is_help=True
)


@db_app.command("copy")
def copy_command(
    ctx: typer.Context,
    source: Annotated[
        str, typer.Argument(metavar="SOURCE", help="The store to copy: a path or a URL.")
    ],
    target: Annotated[
        str,
        typer.Argument(
            metavar="TARGET",
            help="An empty store to copy it into: a SQLite file (created if missing) or an "
            "existing PostgreSQL database.",
        ),
    ],
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Copy a whole store into an empty one: SQLite to PostgreSQL, or back.

    Every table is copied in one transaction, and each table's row count is
    checked on both sides before it is committed; the source is only read.
    Credentials come from the URL, PGPASSWORD or ~/.pgpass, and are never shown.

    Examples:

        failearn db copy failearn.db postgresql://failearn@db.internal/failearn
        failearn db copy postgresql://failearn@db.internal/failearn backup.db
    """
    from failearn.commands.db import run_copy

    settings = settings_for(ctx)
    result = run_copy(source, target, settings.busy_timeout)
    if output_format is OutputFormat.json:
        emit_json(
            envelope(
                "db copy",
                {
                    "source": result.source,
                    "target": result.target,
                    "rows": result.rows,
                    "tables": result.tables,
                },
            )
        )
        return
    out = console()
    for table, count in result.tables.items():
        out.print(f"  {table:<24} {count:>10,}")
    out.print(
        f"copied {result.rows:,} rows in {len(result.tables)} tables from "
        f"{result.source} to {result.target}; every table's row count checked"
    )


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
