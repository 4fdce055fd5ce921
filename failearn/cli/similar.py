"""``failearn similar``: have we seen this before?"""

from __future__ import annotations

from typing import Annotated

import typer

from failearn.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    emit_json,
    envelope,
    settings_for,
    stdout,
)


def similar(
    ctx: typer.Context,
    incident_id: Annotated[
        str | None,
        typer.Argument(
            metavar="INCIDENT_ID",
            show_default=False,
            help="An incident of the store (or an id it had before a merge).",
        ),
    ] = None,
    text: Annotated[
        str | None,
        typer.Option(
            "--text",
            metavar="TEXT",
            show_default=False,
            help="Search by an error message or a description instead.",
        ),
    ] = None,
    top: Annotated[int, typer.Option("--top", metavar="N", help="How many incidents to show.")] = 5,
    db: DbOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Show the past incidents most like one incident, or like a piece of text.

    Each result has a similarity score (higher is more similar, at most 1), its
    date, service and failure class, the post-mortem or export it came from,
    and the resolution or workaround it recorded.  Searches the index the
    newest `failearn cluster` run stored, plus incidents ingested since.

    Examples:

        failearn similar PM-2026-0042
        failearn similar --text "pool exhausted after 5012ms on db-7f3a" --top 3
    """
    from failearn.commands.similar import SimilarOptions, run_similar
    from failearn.render.similar import render_text, similar_document

    settings = settings_for(ctx, db)
    result = run_similar(settings, SimilarOptions(incident_id=incident_id, text=text, top=top))
    if output_format is OutputFormat.json:
        emit_json(envelope("similar", similar_document(result)))
    else:
        render_text(result, stdout())


def register(app: typer.Typer) -> None:
    app.command("similar")(similar)
