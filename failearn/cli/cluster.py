"""``failearn cluster``: group a window's incidents into recurring failure patterns."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    OutputFormat,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stderr,
    stdout,
)
from failearn.cli.overrides import config_option, default_help, key_default, shown

# What decides --min-size when neither it nor [cluster] min_size is given.
_MIN_SUPPORT = f"[rules] min_support, {shown(key_default('rules.min_support'))}"


def cluster(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    lookback: Annotated[
        str | None,
        config_option(
            "cluster.lookback",
            "--lookback",
            metavar="DURATION",
            help="How far back the window reaches from --as-of.",
        ),
    ] = None,
    min_size: Annotated[
        int | None,
        typer.Option(
            "--min-size",
            metavar="N",
            show_default=False,
            help="Incidents a pattern needs "
            + default_help("cluster.min_size", otherwise=_MIN_SUPPORT)
            + ".",
        ),
    ] = None,
    eps: Annotated[
        float | None,
        typer.Option(
            "--eps",
            metavar="DISTANCE",
            show_default=False,
            help="Distance (1 - similarity, in (0, 1]) below which incidents are never split "
            "into two patterns "
            + default_help(
                "cluster.eps", otherwise="the spread of incidents that recorded the same messages"
            )
            + ".",
        ),
    ] = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Cluster the incidents of a window into recurring failure patterns.

    Each incident becomes a vector of its error messages (masked, compared as a
    set), its prose (title, summary, root cause, resolution and the other
    sections, weighted), its trace shape, its resource profile and, weakly, its
    class.  The patterns are read off an average-linkage hierarchy by their
    stability, at whatever scale they live, and one-offs are left as noise;
    incidents known only in part (metrics, spans or a note) join the pattern
    their evidence points to.  Each
    cluster is matched to the patterns of earlier runs, so a pattern keeps its
    id week after week (status new, recurring, growing or fading), and gets a
    label (its dominant title), its distinctive terms, a few titles, its
    services, class mix, time span, cohesion and precursor signals.  The run is
    stored with its window and parameters.

    Example, weekly:

        failearn cluster --as-of 2026-11-23 --lookback 90d
    """
    from failearn.commands.cluster import ClusterOptions, run_cluster
    from failearn.render.cluster import cluster_document, render_text

    settings = settings_for(ctx, db)  # --lookback is applied here; --eps and --min-size are
    # the run's own parameters, recorded apart from the configuration's
    options = ClusterOptions(as_of=as_of(as_of_text), eps=eps, min_size=min_size)
    if output_format is OutputFormat.text and sys.stderr.isatty():
        from failearn.render.progress import stage_progress

        with stage_progress(stderr()) as stage:
            result = run_cluster(settings, options, stage)
    else:
        result = run_cluster(settings, options)
    if output_format is OutputFormat.json:
        emit_json(envelope("cluster", cluster_document(result)))
    else:
        render_text(result, stdout())


def register(app: typer.Typer) -> None:
    app.command("cluster")(cluster)
