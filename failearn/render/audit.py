"""Renderings of an audit: its JSON document, text (rich) for a person, Markdown (Jinja2
template) for a page.

:func:`~failearn.commands.audit.audit_document` is the JSON; the audit stores that same
document, and the
Markdown template (``templates/audit.md.j2``) receives it, so a team can rewrite
the template without knowing failearn's classes.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failearn.capture.classify import INFERRED_ROUTES
from failearn.commands.audit import AuditResult, audit_document
from failearn.figures import percent
from failearn.render.jinja import render_template
from failearn.timeutil import iso

# -- the JSON document ---------------------------------------------------------------


# -- text -----------------------------------------------------------------------------

_VERDICT_STYLE = {"drift": "bold red", "no-drift": "bold green", "insufficient-data": "bold yellow"}


def _when(value: datetime) -> str:
    text = iso(value)
    return text[:10] if text.endswith("T00:00:00Z") else text


def _signed(value: float) -> str:
    return f"{value * 100:+.0f} pts" if value else "0"


def render_text(result: AuditResult, console: Console) -> None:
    """The verdict and why, the named shifts, the class table, label consistency, hygiene."""
    dist = result.distribution
    console.print(
        f"failearn audit as of {_when(result.as_of)} (taxonomy "
        f"{escape(result.taxonomy_version)}): [{_VERDICT_STYLE[result.verdict]}]"
        f"{result.verdict}[/]"
    )
    console.print(
        f"  recent   [{_when(result.recent_start)}, {_when(result.as_of)}) "
        f"{dist.recent_total} incident(s)",
        markup=False,
    )
    console.print(
        f"  baseline [{_when(result.baseline_start)}, {_when(result.recent_start)}) "
        f"{dist.baseline_total} incident(s)",
        markup=False,
    )
    for reason in result.reasons:
        console.print(f"  - {reason}", markup=False)
    if result.shifts:
        console.print("\nShifts", style="bold")
        for finding in result.shifts:
            console.print(f"  ! {finding.shift.message}", markup=False)
            shift = finding.shift
            if shift.kind == "paired" and shift.rose and shift.fell:
                console.print(
                    f"    {shift.evidence} of {finding.incident_count} recent "
                    f"`{shift.rose.failure_class}` incident(s) look like "
                    f"`{shift.fell.failure_class}`",
                    markup=False,
                )
            more = finding.incident_count - len(finding.incident_ids)
            console.print(
                "    incidents: "
                + ", ".join(finding.incident_ids)
                + (f" … and {more} more" if more > 0 else ""),
                markup=False,
            )
    _class_table(result, console)
    _labels(result, console)
    _hygiene(result, console)
    if result.audit_id is not None:
        console.print(
            f"\nstored as audit {result.audit_id} in {result.db}", style="dim", markup=False
        )


def _class_table(result: AuditResult, console: Console) -> None:
    dist = result.distribution
    if not dist.classes:
        return
    test = dist.test
    if test.method == "monte-carlo":
        title = (
            f"Class mix: chi-square {test.statistic:.1f}, {test.dof} dof, Monte Carlo "
            f"p = {test.p_value:.2g} ({test.samples:,} samples, seed {test.seed}); "
            f"Jensen–Shannon distance {test.js_distance:.2f}"
        )
    elif test.method == "chi-square":
        title = (
            f"Class mix: chi-square {test.statistic:.1f}, {test.dof} dof, "
            f"p = {test.p_value:.2g}; Jensen–Shannon distance {test.js_distance:.2f}"
        )
    else:
        title = "Class mix (not tested)"
    table = Table(title=title, title_justify="left")
    table.add_column("class", no_wrap=True)
    for name in ("recent", "baseline", "change", "residual"):
        table.add_column(name, justify="right", no_wrap=True)
    table.add_column("", no_wrap=True, min_width=4)
    for c in dist.classes:
        style = {"rose": "red", "fell": "blue"}.get(c.direction or "")
        table.add_row(
            c.failure_class,
            f"{c.recent_count} ({percent(c.recent_share)})",
            f"{c.baseline_count} ({percent(c.baseline_share)})",
            _signed(c.delta),
            f"{c.residual:+.1f}",
            c.direction or "",
            style=style,
        )
    console.print()
    console.print(table)


def _labels(result: AuditResult, console: Console) -> None:
    labels = result.labels
    console.print("\nLabel consistency", style="bold")
    console.print(f"  {_origins_line(result)}", markup=False)
    if labels is None or labels.status != "ok":
        console.print(f"  {result.labelling_reason}", markup=False)
        return
    console.print(f"  {labels.model}; {labels.reason}", markup=False)
    console.print(
        f"  agreement with the labels on held-out folds: accuracy "
        f"{labels.accuracy:.2f}, macro-F1 {labels.macro_f1:.2f}",
        markup=False,
    )
    console.print(f"  - {result.labelling_reason}", markup=False)
    if labels.excluded_classes:
        console.print(
            "  not modelled (one baseline example): " + ", ".join(labels.excluded_classes),
            markup=False,
        )
    if not result.disagreements:
        return
    show = result.config.show
    console.print(
        f"  recent incidents whose text disagrees with their label ({len(result.disagreements)}):",
        markup=False,
    )
    for d in result.disagreements[:show]:
        title = f": {d.title}" if d.title else ""
        console.print(
            f"    {d.incident_id} ({d.service}) `{d.prediction.label}` reads like "
            f"`{d.prediction.predicted}` (p {d.prediction.probability:.2f}){title}",
            markup=False,
        )
    if len(result.disagreements) > show:
        console.print(f"  … and {len(result.disagreements) - show} more (--show)", markup=False)


def _origins_line(result: AuditResult) -> str:
    """``labels: 40 human (12 recent, 28 baseline); 9 inferred (taxonomy ×7, model ×2), not
    learnt from``."""
    origins = result.origins
    human = origins.human_recent + origins.human_baseline
    line = (
        f"labels: {human} human ({origins.human_recent} recent, {origins.human_baseline} baseline)"
    )
    inferred = origins.inferred_recent + origins.inferred_baseline
    if inferred:
        routes = ", ".join(f"{via} ×{r + b}" for via, (r, b) in origins.inferred.items())
        line += (
            f"; {inferred} inferred ({origins.inferred_recent} recent, "
            f"{origins.inferred_baseline} baseline: {routes}), neither learnt from nor "
            "judged"
        )
    return line


def _hygiene(result: AuditResult, console: Console) -> None:
    hygiene = result.hygiene
    console.print("\nHygiene", style="bold")
    old_names = [r for r in hygiene.label_routes if r.via.startswith(("retired", "split"))]
    inferred = [r for r in hygiene.label_routes if r.via in INFERRED_ROUTES]
    others = [r for r in hygiene.label_routes if r not in old_names and r not in inferred]
    for route in old_names:
        console.print(
            f"  {route.via} name {route.label!r} -> {route.failure_class}: "
            f"{route.recent} recent, {route.baseline} baseline incident(s)",
            markup=False,
        )
    if others:
        used = sum(r.recent + r.baseline for r in others)
        top = ", ".join(f"{r.label!r} ×{r.recent + r.baseline}" for r in others[:5])
        console.print(
            f"  {len(others)} alias(es) or other names on {used} incident(s): {top}"
            + (" …" if len(others) > 5 else ""),
            markup=False,
        )
    if inferred:
        count = sum(r.recent + r.baseline for r in inferred)
        routes = Counter[str]()
        for route in inferred:
            routes[route.via] += route.recent + route.baseline
        console.print(
            f"  {count} incident(s) named no class; it was inferred ("
            + ", ".join(f"{via} ×{n}" for via, n in sorted(routes.items()))
            + ")",
            markup=False,
        )
    if hygiene.inferred_services:
        count = sum(n for _, n in hygiene.inferred_services)
        console.print(
            f"  {count} incident(s) named no service; it was inferred ("
            + ", ".join(f"{via} ×{n}" for via, n in hygiene.inferred_services)
            + ")",
            markup=False,
        )
    for version, count, ids in hygiene.old_versions:
        console.print(
            f"  {count} incident(s) under taxonomy {version}, not "
            f"{result.taxonomy_version} (run `failearn taxonomy migrate`): "
            + ", ".join(ids[:5])
            + (" …" if count > 5 else ""),
            markup=False,
        )
    for cls, count, _ in hygiene.unknown_classes:
        console.print(
            f"  {count} incident(s) of class {cls!r}, which taxonomy "
            f"{result.taxonomy_version} does not have",
            markup=False,
        )
    console.print(
        "  classes never used: " + (", ".join(hygiene.unused_classes) or "none"), markup=False
    )
    single = ", ".join(f"{s} ({c} ×{n})" for s, c, n in hygiene.single_class_services)
    console.print("  services that only ever use one class: " + (single or "none"), markup=False)


def render_markdown(result: AuditResult, template_dir: Path | None = None) -> str:
    """The audit as a Markdown page, through ``audit.md.j2`` (a team's own in
    ``template_dir`` first), with the report's filters: ``md`` escapes post-mortem text."""

    return render_template("audit.md.j2", "md", {"audit": audit_document(result)}, template_dir)
