"""``failearn taxonomy``: show or check a failure taxonomy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    DbOption,
    FormatOption,
    OutputFormat,
    duration,
    emit_json,
    envelope,
    settings_for,
)
from failearn.cli.common import stdout as console_out
from failearn.errors import EXIT_FINDINGS, UsageError
from failearn.resources import default_taxonomy_path

taxonomy_app = typer.Typer(help="Show, check or migrate to a failure taxonomy.",
                           no_args_is_help=True)


@taxonomy_app.command("show")
def show(ctx: typer.Context, output_format: FormatOption = OutputFormat.text) -> None:
    """Print the taxonomy in use: classes, aliases, retired ids, adaptation kinds.

    The taxonomy is the one named by `taxonomy` in failearn.toml, else the
    bundled default.  Example: failearn taxonomy show --format json
    """
    from rich.table import Table

    from failearn.taxonomy import load_taxonomy

    settings = settings_for(ctx)
    taxonomy = load_taxonomy(settings.taxonomy)
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy show", taxonomy.to_dict()))
        return
    console = console_out()
    console.print(f"taxonomy {taxonomy.version} ({taxonomy.path})")
    table = Table("class", "parent", "aliases", "adaptations")
    for item in taxonomy.to_dict()["classes"]:
        table.add_row(item["id"], item["parent"] or "", ", ".join(item["aliases"]),
                      ", ".join(item["adaptations"]))
    console.print(table)
    if taxonomy.retired:
        console.print("retired: " + ", ".join(
            f"{r.id} -> {' | '.join(r.split_into) or r.replaced_by}"
            for r in taxonomy.retired.values()), markup=False)


@taxonomy_app.command("check")
def check(
    ctx: typer.Context,
    file: Annotated[Path | None, typer.Argument(
        help="Taxonomy file [default: the one in use].", show_default=False)] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Validate a taxonomy file; exit 1 when it is inconsistent.

    Finds duplicate ids or aliases, an alias that names two classes, an alias
    or parent naming an unknown class, cycles, and a dangling `replaced_by`.
    Example: failearn taxonomy check taxonomy/failure-classes.yaml
    """
    from failearn.taxonomy import check_taxonomy_file

    target = file or settings_for(ctx).taxonomy or default_taxonomy_path()
    taxonomy, problems = check_taxonomy_file(target)
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy check", {
            "file": str(target), "valid": taxonomy is not None,
            "version": taxonomy.version if taxonomy else None,
            "problems": [{"code": p.code, "line": p.line, "message": p.message}
                         for p in problems]}))
    else:
        console = console_out()
        for problem in problems:
            console.print(f"{target}:{problem.line or 1}: {problem.code}: {problem.message}")
        if taxonomy is not None:
            console.print(f"{target}: taxonomy {taxonomy.version} is valid "
                          f"({len(taxonomy.classes)} classes)")
    if taxonomy is None:
        raise typer.Exit(EXIT_FINDINGS)


@taxonomy_app.command("migrate")
def migrate(
    ctx: typer.Context,
    taxonomy_file: Annotated[Path | None, typer.Option(
        "--taxonomy", metavar="FILE", dir_okay=False, show_default=False,
        help="The new taxonomy [default: the one in use, named by `taxonomy` in "
             "failearn.toml].")] = None,
    db: DbOption = None,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Report what would change; write nothing.")] = False,
    dedup_window: Annotated[str | None, typer.Option(
        "--dedup-window", metavar="DURATION", show_default=False,
        help="Merge window of the regrouping [default: [dedup] window, 5m].")] = None,
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
    from failearn.relabel import MigrateOptions, run_migrate
    from failearn.render.taxonomy import render_migrate_text
    from failearn.taxonomy import load_taxonomy

    settings = settings_for(ctx, db)
    window = duration("--dedup-window", dedup_window)
    if taxonomy_file is not None and not taxonomy_file.is_file():
        raise UsageError(f"--taxonomy: {taxonomy_file} does not exist")
    taxonomy = load_taxonomy(taxonomy_file or settings.taxonomy)
    result = run_migrate(settings, taxonomy, MigrateOptions(dry_run=dry_run,
                                                            dedup_window=window))
    if output_format is OutputFormat.json:
        emit_json(envelope("taxonomy migrate", result.document()))
    else:
        render_migrate_text(result, console_out())


def register(app: typer.Typer) -> None:
    app.add_typer(taxonomy_app, name="taxonomy")
