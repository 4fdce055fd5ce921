"""``failearn report``: the weekly advisory report."""

from __future__ import annotations

import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    as_of,
    envelope,
    output_file_option,
    settings_for,
)
from failearn.cli.guardrails import (
    BudgetOption,
    CooldownOption,
    MaxActiveOption,
    MinConfidenceOption,
    MinSupportOption,
    OverrideWarningOption,
    TtlOption,
)
from failearn.cli.overrides import config_option
from failearn.errors import UsageError


class ReportFormat(StrEnum):
    text = "text"
    json = "json"
    md = "md"
    html = "html"


_EXTENSIONS = {
    ".md": ReportFormat.md,
    ".markdown": ReportFormat.md,
    ".html": ReportFormat.html,
    ".htm": ReportFormat.html,
    ".json": ReportFormat.json,
    ".txt": ReportFormat.text,
}


def report(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    budget: BudgetOption = None,
    output_format: Annotated[
        ReportFormat | None,
        typer.Option(
            "--format",
            "-f",
            case_sensitive=False,
            metavar="md|html|json|text",
            show_default=False,
            help="md for a pull request or chat, html for a standalone page, json for scripts, "
            "text for a terminal [default: from the --output extension, else text].",
        ),
    ] = None,
    output: Annotated[
        Path | None,
        output_file_option("Write the report to FILE instead of standard output (- for stdout)."),
    ] = None,
    template_dir: Annotated[
        Path | None,
        config_option(
            "report.template_dir",
            "--template-dir",
            metavar="DIR",
            file_okay=False,
            help="Your own report.md.j2 / report.html.j2 / report.txt.j2, used before the "
            "bundled ones.",
        ),
    ] = None,
    link_base: Annotated[
        str | None,
        config_option(
            "report.link_base",
            "--link-base",
            metavar="URL",
            help="Prefix of the links to post-mortems, e.g. https://github.com/acme/pm/blob/main/.",
        ),
    ] = None,
    weeks: Annotated[
        int | None,
        config_option(
            "report.weeks",
            "--weeks",
            metavar="N",
            help="Weeks of history to compare this week with.",
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Record nothing in the registry (no new rules, no events)."),
    ] = False,
    min_support: MinSupportOption = None,
    min_confidence: MinConfidenceOption = None,
    cooldown: CooldownOption = None,
    max_active_rules: MaxActiveOption = None,
    ttl: TtlOption = None,
    override_warning: OverrideWarningOption = None,
) -> None:
    """The weekly advisory report: at most --budget suggestions, with their evidence.

    Reads the newest `failearn cluster` run at or before --as-of, turns its
    patterns into adaptation rules, records them in the learning registry and
    applies the guardrails (minimum support, cooldown, per-service circuit
    breaker, stale rules, override rate).  Sections: 1. suggestions, each with
    the command to accept or reject it; 2. what was held back and why; 3. the
    week in numbers; 4. registry health; 5. the taxonomy-drift verdict.  The
    same database and --as-of give the same report, byte for byte.  failearn
    advises: it never changes production.

    Example, each Monday:

        failearn cluster --as-of 2026-11-23 && failearn report --as-of 2026-11-23 -o report.md
    """
    from failearn.commands.report import Report, ReportOptions, build_report
    from failearn.render.jinja import load_template
    from failearn.render.output import check_output, json_text, write_output
    from failearn.render.report import TEMPLATES, render, report_document
    from failearn.taxonomy.file import load_taxonomy

    settings = settings_for(ctx, db)
    if template_dir is not None and not template_dir.is_dir():
        raise UsageError(f"--template-dir {template_dir} is not a directory")
    chosen = output_format
    if output is not None:
        check_output(output, settings.db)
    if chosen is None and output is not None and output.suffix:
        chosen = _EXTENSIONS.get(output.suffix.lower())
        if chosen is None:
            raise UsageError(
                f"--output {output}: failearn writes .md, .html, .json or .txt "
                "reports; name the format with --format to use another name"
            )
    chosen = chosen or ReportFormat.text
    taxonomy = load_taxonomy(settings.taxonomy)
    fmt = chosen
    if fmt is not ReportFormat.json:  # a broken template stops the command before any work
        load_template(TEMPLATES[fmt.value], fmt.value, settings.report.template_dir)
    rendered: list[str] = []

    def render_report(report: Report) -> None:
        rendered.append(
            json_text(envelope("report", report_document(report)))
            if fmt is ReportFormat.json
            else render(report, fmt.value, settings.report.template_dir)
        )

    result = build_report(
        settings,
        taxonomy,
        ReportOptions(as_of(as_of_text), dry_run=dry_run, before_commit=render_report),
    )
    (text,) = rendered
    if output is None:
        sys.stdout.write(text)
        return
    write_output(text, output)
    typer.echo(
        f"wrote {output} ({len(result.suggestions)} suggestion(s), "
        f"{len(result.suppressed)} held back)",
        err=True,
    )


def register(app: typer.Typer) -> None:
    app.command("report")(report)
