"""``failearn init``: a starter configuration for a repository of post-mortems."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import AsOfOption, IngestFormat, as_of, emit_json, envelope, stdout


def init(
    path: Annotated[
        Path,
        typer.Argument(
            metavar="PATH",
            show_default=False,
            file_okay=False,
            help="The repository (or its folder of post-mortems) [default: .].",
        ),
    ] = Path(),
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing failearn.toml.")
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run", help="Show the configuration and what it would store; write nothing."
        ),
    ] = False,
    output_format: Annotated[
        IngestFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            metavar="text|json",
            help="text for people, json for scripts.",
        ),
    ] = IngestFormat.text,
    as_of_text: AsOfOption = None,
) -> None:
    """Scan a repository of post-mortems and write a starter failearn.toml for it.

    Reports which fields the post-mortems give and under which names, what is
    missing, and writes PATH/failearn.toml: aliases for names failearn does
    not read by default, a mapping for class labels the taxonomy does not know,
    the services found in titles (and a default service), the gate policy.  It
    then dry-runs the repository with that file and says how many reports would
    be stored and why the others would not.  An existing failearn.toml is never
    replaced without --force.

    Example, at the top of a clone:

        failearn init && failearn ingest . --dry-run
    """
    from failearn.commands.init import run_init
    from failearn.render.init import init_document, render_text
    from failearn.taxonomy.file import load_taxonomy

    result = run_init(path, load_taxonomy(None), as_of(as_of_text), force=force, write=not dry_run)
    if output_format is IngestFormat.json:
        emit_json(envelope("init", init_document(result)))
    else:
        render_text(result, stdout())


def register(app: typer.Typer) -> None:
    app.command("init")(init)
