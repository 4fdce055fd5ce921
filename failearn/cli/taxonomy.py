"""``failearn taxonomy``: show or check a failure taxonomy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    emit_json,
    envelope,
    settings_for,
)
from failearn.cli.common import stdout as console_out
from failearn.cli.overrides import config_option
from failearn.errors import EXIT_FINDINGS, UsageError
from failearn.resources import default_taxonomy_path

taxonomy_app = typer.Typer(
    help="Show, check or migrate to a failure taxonomy.", no_args_is_help=True
)


@taxonomy_app.command("show")
def show(ctx: typer.Context, output_format: FormatOption = OutputFormat.text) -> None:
    """Print the taxonomy in use: classes, aliases, retired ids, adaptation kinds.

    The taxonomy is the one named by `taxonomy` in failearn.toml, else the
    bundled default.

    Example:

        failearn taxonomy show --format json
    """
    from failearn.render.taxonomy import render_show_text
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx)
    taxonomy = load_taxonomy(settings.taxonomy)
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy show", taxonomy.to_dict()))
        return
    render_show_text(taxonomy, console_out())


@taxonomy_app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[
        Path | None,
        typer.Argument(help="Taxonomy file [default: the one in use].", show_default=False),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Validate a taxonomy file; exit 1 when it is inconsistent, 2 when it cannot be read.

    Finds duplicate ids or aliases, an alias that names two classes, an alias
    or parent naming an unknown class, cycles, and a dangling `replaced_by`.
    Example:

        failearn taxonomy check taxonomy/failure-classes.yaml
    """
    from failearn.render.taxonomy import check_document, render_check_text
    from failearn.taxonomy.file import check_taxonomy_file

    target = file or settings_for(ctx).taxonomy or default_taxonomy_path()
    if not target.is_file():
        raise UsageError(f"{target}: no such taxonomy file")
    taxonomy, problems = check_taxonomy_file(target)
    if [p.code for p in problems] == ["unreadable"]:
        raise UsageError(problems[0].message)
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy check", check_document(target, taxonomy, problems)))
    else:
        render_check_text(target, taxonomy, problems, console_out())
    if taxonomy is None:
        raise typer.Exit(EXIT_FINDINGS)


@taxonomy_app.command("migrate")
def migrate(
    ctx: typer.Context,
    taxonomy_file: Annotated[
        Path | None,
        typer.Option(
            "--taxonomy",
            metavar="FILE",
            dir_okay=False,
            show_default=False,
            help="The new taxonomy [default: the one in use, named by `taxonomy` in "
            "failearn.toml].",
        ),
    ] = None,
    db: DbOption = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report what would change; write nothing.")
    ] = False,
    dedup_window: Annotated[
        str | None,
        config_option(
            "dedup.window",
            "--dedup-window",
            metavar="DURATION",
            help="Merge window of the regrouping.",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Re-normalise stored incidents to a new taxonomy version.

    After classes were renamed, merged or split, every stored record's label as
    written is resolved again under the new taxonomy (falling back to its
    previous class through `retired`; a split class is placed by keywords).
    Each record's previous class and version are kept in report_label_history,
    and incidents are regrouped exactly as ingest groups them (merged classes
    can merge incidents, split ones split them).  Labels the new taxonomy cannot
    place stop the migration with exit 2 and nothing written.

    Example, after editing the taxonomy that failearn.toml names:

        failearn taxonomy migrate --dry-run
        failearn taxonomy migrate
    """
    from failearn.commands.taxonomy import MigrateOptions, run_migrate
    from failearn.render.taxonomy import render_migrate_text
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)  # with --dedup-window
    if taxonomy_file is not None and not taxonomy_file.is_file():
        raise UsageError(f"--taxonomy: {taxonomy_file} does not exist")
    taxonomy = load_taxonomy(taxonomy_file or settings.taxonomy)
    result = run_migrate(settings, taxonomy, MigrateOptions(dry_run=dry_run))
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy migrate", result.document()))
    else:
        render_migrate_text(result, console_out())


def register(app: typer.Typer) -> None:
    app.add_typer(taxonomy_app, name="taxonomy")
