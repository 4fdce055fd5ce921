"""``failearn export``: the store as Parquet, NDJSON or CSV for other engines."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    DbOption,
    emit_json,
    envelope,
    output_file_option,
    settings_for,
    stderr,
)


def export(
    ctx: typer.Context,
    file_format: Annotated[
        str,
        typer.Option(
            "--format",
            "-f",
            metavar="parquet|ndjson|csv",
            help="Parquet (needs pyarrow: pip install 'failearn[export]'), NDJSON or CSV.",
        ),
    ] = "parquet",
    what: Annotated[
        str,
        typer.Option(
            "--what",
            metavar="incidents|reports|patterns|rules|events",
            help="Which table to export.",
        ),
    ] = "incidents",
    output: Annotated[
        Path | None,
        output_file_option(
            "Where to write [default: WHAT.FORMAT here]; - for stdout (NDJSON, CSV).",
            dash_is_stdout=False,
        ),
    ] = None,
    json_summary: Annotated[
        bool, typer.Option("--json", help="Say what was written as one JSON document on stdout.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Export a table of the store as Parquet, NDJSON or CSV, for other engines.

    Incidents carry their error messages, trace ids and dependencies as lists;
    patterns their size, label and class mix as the newest cluster run left
    them.  Rows are streamed, so a large store exports in bounded memory, and
    the file is replaced only once it is complete.

    Examples:

        failearn export --what incidents -o incidents.parquet
        failearn export --format ndjson --what events -o - | jq .event
        duckdb -c "SELECT service, COUNT(*) FROM 'incidents.parquet' GROUP BY 1"
    """
    from failearn.commands.export import ExportOptions, default_output, run_export
    from failearn.render.output import check_output

    settings = settings_for(ctx, db)
    options = ExportOptions(
        what=what.strip().lower(), format=file_format.strip().lower(), output=output
    )
    target = output or default_output(options)
    if str(target) != "-":
        check_output(target, settings.db)
    result = run_export(settings, options)
    if json_summary:
        emit_json(
            envelope(
                "export",
                {
                    "db": result.db,
                    "what": result.what,
                    "format": result.format,
                    "output": result.output,
                    "rows": result.rows,
                    "columns": result.columns,
                },
            )
        )
    elif result.output != "-":
        stderr().print(
            f"wrote {result.rows:,} {result.what} to {result.output} "
            f"({result.format}) from {result.db}"
        )


def register(app: typer.Typer) -> None:
    app.command("export")(export)
