"""``failearn audit``: find drift in how failures are classified."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    as_of,
    duration,
    emit_json,
    envelope,
    settings_for,
    stdout,
)
from failearn.errors import EXIT_FINDINGS, UsageError


class AuditFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"


_THRESHOLDS = "Thresholds (default: [audit] in failearn.toml)"


def audit(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    recent: Annotated[
        str | None,
        typer.Option(
            "--recent",
            metavar="DURATION",
            show_default=False,
            help="The recent window, ending at --as-of [default: [audit] recent, 7d].",
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline",
            metavar="DURATION",
            show_default=False,
            help="The baseline window, just before the recent one [default: [audit] baseline, "
            "28d].",
        ),
    ] = None,
    fail_on_drift: Annotated[
        bool,
        typer.Option(
            "--fail-on-drift", help="Exit 1 when drift is declared (for scheduled CI jobs)."
        ),
    ] = False,
    output_format: Annotated[
        AuditFormat,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            metavar="text|json|md",
            help="text for people, json for scripts (one JSON document on stdout), md for a "
            "ticket or a wiki page.",
        ),
    ] = AuditFormat.text,
    classifier: Annotated[
        bool | None,
        typer.Option(
            "--classifier/--no-classifier",
            show_default=False,
            help="Check label consistency with the local text classifier [default: yes].",
        ),
    ] = None,
    alpha: Annotated[
        float | None,
        typer.Option(
            "--alpha",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Significance level of the tests [default: 0.01].",
        ),
    ] = None,
    min_distance: Annotated[
        float | None,
        typer.Option(
            "--min-distance",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Smallest Jensen–Shannon distance (0–1) that counts as drift [default: 0.1].",
        ),
    ] = None,
    min_recent: Annotated[
        int | None,
        typer.Option(
            "--min-recent",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Fewest recent incidents to judge drift [default: 20].",
        ),
    ] = None,
    min_baseline: Annotated[
        int | None,
        typer.Option(
            "--min-baseline",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Fewest baseline incidents to judge drift [default: 50].",
        ),
    ] = None,
    min_expected: Annotated[
        float | None,
        typer.Option(
            "--min-expected",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Below this expected count in any cell, use the Monte Carlo test [default: 5].",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        typer.Option(
            "--samples",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Monte Carlo samples [default: 10000].",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option(
            "--seed",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Seed of the Monte Carlo test, the folds and the classifier [default: 0].",
        ),
    ] = None,
    class_alpha: Annotated[
        float | None,
        typer.Option(
            "--class-alpha",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Significance level (Holm-adjusted) from which a class is named as rising or "
            "falling [default: 0.05].",
        ),
    ] = None,
    min_share_change: Annotated[
        float | None,
        typer.Option(
            "--min-share-change",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Smallest change of a class's share to name it [default: 0.05].",
        ),
    ] = None,
    folds: Annotated[
        int | None,
        typer.Option(
            "--folds",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Cross-validation folds of the classifier [default: 5].",
        ),
    ] = None,
    max_training: Annotated[
        int | None,
        typer.Option(
            "--max-training",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Most baseline records the classifier trains on (a stratified sample beyond) "
            "[default: 10000].",
        ),
    ] = None,
    confidence: Annotated[
        float | None,
        typer.Option(
            "--confidence",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Probability from which the classifier's reading of another class counts as a "
            "disagreement [default: 0.5].",
        ),
    ] = None,
    min_disagreement_rise: Annotated[
        float | None,
        typer.Option(
            "--min-disagreement-rise",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Smallest rise of the disagreement rate that counts as labelling drift "
            "[default: 0.10].",
        ),
    ] = None,
    show: Annotated[
        int | None,
        typer.Option(
            "--show",
            show_default=False,
            rich_help_panel=_THRESHOLDS,
            help="Incidents listed per finding; counts are always complete [default: 20].",
        ),
    ] = None,
    template_dir: Annotated[
        Path | None,
        typer.Option(
            "--template-dir",
            metavar="DIR",
            file_okay=False,
            show_default=False,
            help="Your own audit.md.j2 for --format md, used before the bundled one "
            "[default: [report] template_dir].",
        ),
    ] = None,
) -> None:
    """Compare the recent class mix with the baseline's and check label consistency.

    The recent window is [as-of - recent, as-of); the baseline is the window just
    before it.  Drift in the class mix is declared only when the shift is both
    significant (chi-square, or a seeded Monte Carlo test when counts are small)
    and large (Jensen–Shannon distance); drift in labelling when the share of
    recent records whose text reads like another class than their label rose
    significantly.  Too few incidents give the verdict "insufficient-data".
    Each audit is stored.  Exit 1 with --fail-on-drift when drift is declared.
    --format md renders audit.md.j2, which --template-dir (or [report]
    template_dir) can override as it does the report's templates.

    Example, weekly in CI:

        failearn audit --as-of 2026-11-23 --fail-on-drift --format md
    """
    from dataclasses import replace

    from failearn.commands.audit import AuditOptions, AuditResult, run_audit
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)
    if template_dir is not None and not template_dir.is_dir():
        raise UsageError(f"--template-dir {template_dir} is not a directory")
    overrides: dict[str, Any] = {
        name: value
        for name, value in {
            "recent": duration("--recent", recent),
            "baseline": duration("--baseline", baseline),
            "classifier": classifier,
            "alpha": alpha,
            "min_distance": min_distance,
            "min_recent": min_recent,
            "min_baseline": min_baseline,
            "min_expected": min_expected,
            "samples": samples,
            "seed": seed,
            "class_alpha": class_alpha,
            "min_share_change": min_share_change,
            "folds": folds,
            "max_training": max_training,
            "confidence": confidence,
            "min_disagreement_rise": min_disagreement_rise,
            "show": show,
        }.items()
        if value is not None
    }
    markdown: list[str] = []
    hook = None
    if output_format is AuditFormat.md:
        from failearn.render.audit import render_markdown
        from failearn.render.jinja import load_template

        templates = template_dir or settings.report.template_dir
        load_template("audit.md.j2", "md", templates)  # a broken template stops it first

        def hook(audit: AuditResult) -> None:
            markdown.append(render_markdown(audit, templates))

    options = AuditOptions(
        as_of=as_of(as_of_text), config=replace(settings.audit, **overrides), before_commit=hook
    )
    taxonomy = load_taxonomy(settings.taxonomy)
    result = run_audit(settings, taxonomy, options)
    if output_format is AuditFormat.json:
        from failearn.commands.audit import audit_document

        emit_json(envelope("audit", audit_document(result)))
    elif output_format is AuditFormat.md:
        typer.echo(markdown[0], nl=False)
    else:
        from failearn.render.audit import render_text

        render_text(result, stdout())
    if fail_on_drift and result.drift:
        raise typer.Exit(EXIT_FINDINGS)


def register(app: typer.Typer) -> None:
    app.command("audit")(audit)
