"""``failearn metrics``: the metric series the precursor analysis reads — pull them from a
Prometheus server, list what is stored."""

from __future__ import annotations

from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    ListFormat,
    ListFormatOption,
    OutputFormat,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stdout,
)
from failearn.cli.overrides import config_option
from failearn.errors import EXIT_FINDINGS

metrics_app = typer.Typer(
    help="Metric series: pull them from a Prometheus server, list what is stored.  Files "
    "of series (Prometheus range-query responses, OTLP/JSON metrics) are read by "
    "`failearn ingest` like any input.",
    no_args_is_help=True,
)


@metrics_app.command("pull")
def pull_command(
    ctx: typer.Context,
    prometheus: Annotated[
        str,
        typer.Option(
            "--prometheus",
            metavar="URL",
            show_default=False,
            help="The Prometheus server, e.g. http://localhost:9090.",
        ),
    ],
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    step: Annotated[
        str | None,
        config_option("metrics.step", "--step", metavar="DURATION", help="Resolution to ask for."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Fetch and check everything; store nothing.")
    ] = False,
    keep_raw: Annotated[
        bool | None,
        config_option(
            "ingest.keep_raw", "--keep-raw/--no-keep-raw", help="Keep each answer in the inbox."
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Fetch from Prometheus the series the precursor analysis needs.

    For the patterns of the newest `failearn cluster` run at or before --as-of,
    works out the windows the analysis reads — the hour before each incident of
    a pattern on a service and on the dependency its incidents point at, the
    same hours on the days around it (normal time), and what a feature needs
    before them — and asks the server for each query of [metrics] queries over
    them (/api/v1/query_range).  Answers are stored like ingested series; an
    error answer is a located error naming the query.  Exit 1 when a query
    failed (the others are stored), 2 when the server cannot be reached.

    Example, with `[metrics.queries] request_rate = "sum by (service)
    (rate(http_requests_total[2m]))"` in failearn.toml:

        failearn metrics pull --prometheus http://localhost:9090 --as-of 2026-11-23
    """
    from failearn.commands.metrics import pull
    from failearn.render.metrics import pull_document, render_pull

    settings = settings_for(ctx, db)
    result = pull(settings, prometheus, as_of(as_of_text), dry_run=dry_run)
    if output_format is OutputFormat.json:
        emit_json(envelope("metrics pull", pull_document(result)))
    else:
        render_pull(result, stdout())
    if result.series.errors:
        raise typer.Exit(EXIT_FINDINGS)


@metrics_app.command("list")
def list_command(
    ctx: typer.Context,
    db: DbOption = None,
    service: Annotated[
        str | None,
        typer.Option("--service", metavar="NAME", show_default=False, help="Only this service's."),
    ] = None,
    output_format: ListFormatOption = ListFormat.text,
) -> None:
    """The stored metric series: service, metric, labels, span and points.

    Piped, or with --format tsv, one tab-separated line per series.

    Example: failearn metrics list --service checkout
    """
    from failearn.render.metrics import list_document, render_list
    from failearn.store import Store
    from failearn.store import series as sql

    settings = settings_for(ctx, db)
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        found = sql.series(store, [service] if service else None)
    finally:
        store.close()
    if output_format is ListFormat.json:
        emit_json(envelope("metrics list", list_document(found)))
    else:
        render_list(found, stdout(), tsv=output_format is ListFormat.tsv)


def register(app: typer.Typer) -> None:
    app.add_typer(metrics_app, name="metrics")
