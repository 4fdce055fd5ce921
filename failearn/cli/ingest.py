"""``failearn ingest``: capture post-mortems and incident records into the store."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    IngestFormat,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stderr,
    stdout,
)
from failearn.cli.overrides import config_option
from failearn.errors import EXIT_FINDINGS


def ingest(
    ctx: typer.Context,
    paths: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH",
            show_default=False,
            help="Files, directories (walked for *.md, *.json, *.ndjson, *.jsonl) or - for "
            "NDJSON on stdin.",
        ),
    ],
    db: DbOption = None,
    output_format: Annotated[
        IngestFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            metavar="text|json|github",
            help="text for people, json for scripts, github for GitHub Actions annotations (and a "
            "job summary when GITHUB_STEP_SUMMARY is set).",
        ),
    ] = IngestFormat.text,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every record against the gates; write nothing.")
    ] = False,
    keep_raw: Annotated[
        bool | None,
        config_option(
            "ingest.keep_raw",
            "--keep-raw/--no-keep-raw",
            help="Keep the raw payload in the inbox; with --no-keep-raw only its hash and "
            "outcome are kept.",
        ),
    ] = None,
    dedup_window: Annotated[
        str | None,
        config_option(
            "dedup.window",
            "--dedup-window",
            metavar="DURATION",
            help="Merge records of one service and class closer than this (e.g. 5m).",
        ),
    ] = None,
    source_format: Annotated[
        str,
        typer.Option(
            "--source-format",
            metavar="NAME",
            show_default=False,
            help="Read every JSON payload as this format: auto (default: recognise each "
            "payload's shape), canonical (the record format, no detection), alertmanager, "
            "grafana, pagerduty, opsgenie, otlp, sentry, or a [sources.NAME] of the "
            "configuration.",
        ),
    ] = "auto",
    max_errors: Annotated[
        int | None,
        config_option(
            "ingest.max_errors",
            "--max-errors",
            metavar="N",
            min=0,
            help="Show the first N errors in full (and apart, N warnings and N notes); count "
            "the rest by code. Every one is kept with its record in the inbox.",
        ),
    ] = None,
    prune: Annotated[
        bool,
        typer.Option(
            "--prune",
            help="Withdraw the stored reports of files under PATH that no longer "
            "exist (their payloads stay in the inbox; they leave every analysis).",
        ),
    ] = False,
    write_baseline: Annotated[
        bool,
        typer.Option(
            "--write-baseline",
            help="Record the records rejected today as known problems in the "
            "baseline file ([gates] baseline, else failearn-baseline.json at the project root): "
            "later runs fail only on new or changed ones.",
        ),
    ] = False,
    as_of_text: AsOfOption = None,
) -> None:
    """Ingest post-mortems (Markdown) and incident records (JSON, NDJSON) through the gates.

    Every record is normalised, checked against the quality gates, anonymised
    and stored; records of one service and failure class within the dedup
    window become one incident.  Every payload is kept in the inbox, rejected
    ones too.  Exit code 1 when any record was rejected (the others are still
    stored), 2 when an input cannot be read at all.

    JSON payloads exported by Alertmanager (and Grafana), PagerDuty, Opsgenie,
    OpenTelemetry (OTLP traces) and Sentry are recognised by their shape and
    expanded into one record per alert, incident or failing trace.

    Example, in CI on a post-mortem repository:

        failearn ingest postmortems/ exports/ --format github

        failearn ingest alerts/ --source-format alertmanager
    """
    from failearn.commands.ingest import IngestOptions, run_ingest
    from failearn.render.ingest import (
        github_lines,
        ingest_document,
        render_text,
        summary_markdown,
    )
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)  # with --keep-raw, --dedup-window and --max-errors
    taxonomy = load_taxonomy(settings.taxonomy)
    options = IngestOptions(
        paths=paths,
        as_of=as_of(as_of_text),
        dry_run=dry_run,
        source_format=source_format.strip() or "auto",
        prune=prune,
        write_baseline=write_baseline,
    )
    show_progress = output_format is IngestFormat.text and sys.stderr.isatty()
    if show_progress:
        from failearn.render.progress import ingest_progress

        with ingest_progress(stderr()) as progress:
            result = run_ingest(settings, taxonomy, options, progress)
    else:
        result = run_ingest(settings, taxonomy, options)
    if output_format is IngestFormat.json:
        emit_json(envelope("ingest", ingest_document(result)))
    elif output_format is IngestFormat.github:
        for line in github_lines(result):
            typer.echo(line)
        summary = os.environ.get("GITHUB_STEP_SUMMARY")
        if summary:
            append_summary(Path(summary), summary_markdown(result))
    else:
        render_text(result, stdout())
    if result.failed and not write_baseline:
        raise typer.Exit(EXIT_FINDINGS)


def append_summary(path: Path, markdown: str) -> None:
    """Add to the GitHub Actions job summary (the runner shows the file it names)."""
    try:
        with path.open("a", encoding="utf-8") as out:
            out.write(markdown)
    except OSError as exc:
        stderr().print(f"cannot write the job summary {path}: {exc.strerror}", markup=False)


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
