"""``failearn incidents``: browse the stored incidents (list with filters, show one)."""

from __future__ import annotations

from typing import Annotated

import typer

from failearn.cli.common import (
    DbOption,
    ListFormat,
    ListFormatOption,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stdout,
)
from failearn.errors import UsageError

incidents_app = typer.Typer(
    help="Browse the stored incidents: list them with filters, or show one.", no_args_is_help=True
)


@incidents_app.command("list")
def list_command(
    ctx: typer.Context,
    service: Annotated[
        list[str] | None,
        typer.Option(
            "--service",
            metavar="NAME",
            show_default=False,
            help="Only incidents of this service (repeatable).",
        ),
    ] = None,
    failure_class: Annotated[
        list[str] | None,
        typer.Option(
            "--class",
            metavar="CLASS",
            show_default=False,
            help="Only incidents of this failure class id (repeatable).",
        ),
    ] = None,
    pattern: Annotated[
        str | None,
        typer.Option(
            "--pattern",
            metavar="PATTERN",
            show_default=False,
            help="Only incidents of this pattern (P0001), as the newest cluster run that saw it "
            "placed them.",
        ),
    ] = None,
    since: Annotated[
        str | None,
        typer.Option(
            "--since",
            metavar="DATE",
            show_default=False,
            help="Only incidents that started at or after this date or date-time, UTC.",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            "--until",
            metavar="DATE",
            show_default=False,
            help="Only incidents that started before this date or date-time, UTC.",
        ),
    ] = None,
    limit: Annotated[
        int,
        typer.Option(
            "--limit", metavar="N", min=0, help="Show at most N, newest first; 0 shows all."
        ),
    ] = 50,
    db: DbOption = None,
    output_format: ListFormatOption = ListFormat.text,
) -> None:
    """List the stored incidents, newest first, with the pattern each belongs to.

    Piped, or with --format tsv, one tab-separated line per incident: id,
    start (UTC), service, class, severity, pattern, title.

    Examples:

        failearn incidents list --service checkout --since 2026-11-01
        failearn incidents list --pattern P0001 --format json
        failearn incidents list --class timeout --limit 0 | cut -f1
    """
    from failearn.commands.incidents import IncidentFilter, list_incidents
    from failearn.render.incidents import list_document, render_list

    settings = settings_for(ctx, db)
    start = as_of(since, "--since") if since else None
    end = as_of(until, "--until") if until else None
    if start and end and end <= start:
        raise UsageError(f"--until {until} is not after --since {since}")
    filters = IncidentFilter(
        services=tuple(service or ()),
        classes=tuple(failure_class or ()),
        pattern=pattern,
        since=start,
        until=end,
        limit=limit or None,
    )
    result = list_incidents(settings, filters)
    if output_format is ListFormat.json:
        emit_json(envelope("incidents list", list_document(result)))
    else:
        render_list(result, stdout(), tsv=output_format is ListFormat.tsv)


@incidents_app.command("show")
def show_command(
    ctx: typer.Context,
    incident: Annotated[
        str,
        typer.Argument(
            metavar="INCIDENT_ID",
            show_default=False,
            help="An incident id, an id it had before a merge, or the id of one of its records.",
        ),
    ],
    db: DbOption = None,
    output_format: ListFormatOption = ListFormat.text,
) -> None:
    """Show one incident: its fields, records, former ids, error messages and trace ids.

    With --format tsv, one `field<TAB>value` line per field.

    Example:

        failearn incidents show INC-4225
    """
    from failearn.commands.incidents import show_incident
    from failearn.render.incidents import detail_document, render_detail

    settings = settings_for(ctx, db)
    result = show_incident(settings, incident)
    if output_format is ListFormat.json:
        emit_json(envelope("incidents show", detail_document(result)))
    else:
        render_detail(result, stdout(), tsv=output_format is ListFormat.tsv)


def register(app: typer.Typer) -> None:
    app.add_typer(incidents_app, name="incidents")
