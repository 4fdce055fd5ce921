"""``failearn audit``: find drift in how failures are classified."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    as_of,
    emit_json,
    envelope,
    settings_for,
    stdout,
)
from failearn.cli.overrides import config_option
from failearn.errors import EXIT_FINDINGS, UsageError


class AuditFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"


_THRESHOLDS = "Thresholds"


def audit(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    recent: Annotated[
        str | None,
        config_option(
            "audit.recent",
            "--recent",
            metavar="DURATION",
            help="The recent window, ending at --as-of.",
        ),
    ] = None,
    baseline: Annotated[
        str | None,
        config_option(
            "audit.baseline",
            "--baseline",
            metavar="DURATION",
            help="The baseline window, just before the recent one.",
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
        config_option(
            "audit.classifier",
            "--classifier/--no-classifier",
            help="Check label consistency with the local text classifier.",
        ),
    ] = None,
    alpha: Annotated[
        float | None,
        config_option(
            "audit.alpha",
            "--alpha",
            metavar="P",
            rich_help_panel=_THRESHOLDS,
            help="Significance level of the tests.",
        ),
    ] = None,
    min_distance: Annotated[
        float | None,
        config_option(
            "audit.min_distance",
            "--min-distance",
            metavar="DISTANCE",
            rich_help_panel=_THRESHOLDS,
            help="Smallest Jensen–Shannon distance (0–1) that counts as drift.",
        ),
    ] = None,
    min_recent: Annotated[
        int | None,
        config_option(
            "audit.min_recent",
            "--min-recent",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Fewest recent incidents to judge drift.",
        ),
    ] = None,
    min_baseline: Annotated[
        int | None,
        config_option(
            "audit.min_baseline",
            "--min-baseline",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Fewest baseline incidents to judge drift.",
        ),
    ] = None,
    min_expected: Annotated[
        float | None,
        config_option(
            "audit.min_expected",
            "--min-expected",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Below this expected count in any cell, use the Monte Carlo test.",
        ),
    ] = None,
    samples: Annotated[
        int | None,
        config_option(
            "audit.samples",
            "--samples",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Monte Carlo samples.",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        config_option(
            "audit.seed",
            "--seed",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Seed of the Monte Carlo test, the folds and the classifier.",
        ),
    ] = None,
    class_alpha: Annotated[
        float | None,
        config_option(
            "audit.class_alpha",
            "--class-alpha",
            metavar="P",
            rich_help_panel=_THRESHOLDS,
            help="Significance level (Holm-adjusted) from which a class is named as rising or "
            "falling.",
        ),
    ] = None,
    min_share_change: Annotated[
        float | None,
        config_option(
            "audit.min_share_change",
            "--min-share-change",
            metavar="SHARE",
            rich_help_panel=_THRESHOLDS,
            help="Smallest change of a class's share to name it.",
        ),
    ] = None,
    folds: Annotated[
        int | None,
        config_option(
            "audit.folds",
            "--folds",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Cross-validation folds of the classifier.",
        ),
    ] = None,
    max_training: Annotated[
        int | None,
        config_option(
            "audit.max_training",
            "--max-training",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Most baseline records the classifier trains on (a stratified sample beyond).",
        ),
    ] = None,
    confidence: Annotated[
        float | None,
        config_option(
            "audit.confidence",
            "--confidence",
            metavar="P",
            rich_help_panel=_THRESHOLDS,
            help="Probability from which the classifier's reading of another class counts as a "
            "disagreement.",
        ),
    ] = None,
    min_disagreement_rise: Annotated[
        float | None,
        config_option(
            "audit.min_disagreement_rise",
            "--min-disagreement-rise",
            metavar="SHARE",
            rich_help_panel=_THRESHOLDS,
            help="Smallest rise of the disagreement rate that counts as labelling drift.",
        ),
    ] = None,
    show: Annotated[
        int | None,
        config_option(
            "audit.show",
            "--show",
            metavar="N",
            rich_help_panel=_THRESHOLDS,
            help="Incidents listed per finding; counts are always complete.",
        ),
    ] = None,
    template_dir: Annotated[
        Path | None,
        config_option(
            "report.template_dir",
            "--template-dir",
            metavar="DIR",
            file_okay=False,
            help="Your own audit.md.j2 for --format md, used before the bundled one.",
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
    from failearn.commands.audit import AuditOptions, AuditResult, run_audit
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)
    if template_dir is not None and not template_dir.is_dir():
        raise UsageError(f"--template-dir {template_dir} is not a directory")
    markdown: list[str] = []
    hook = None
    if output_format is AuditFormat.md:
        from failearn.render.audit import render_markdown
        from failearn.render.jinja import load_template

        templates = settings.report.template_dir
        load_template("audit.md.j2", "md", templates)  # a broken template stops it first

        def hook(audit: AuditResult) -> None:
            markdown.append(render_markdown(audit, templates))

    options = AuditOptions(as_of=as_of(as_of_text), config=settings.audit, before_commit=hook)
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
