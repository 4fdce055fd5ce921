"""Renderings of an audit: its JSON document, text (rich) for a person, Markdown (Jinja2
template) for a page.

:func:`audit_document` is the JSON; the audit stores that same document, and the
Markdown template (``templates/audit.md.j2``) receives it, so a team can rewrite
the template without knowing failearn's classes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failearn.analysis.consistency import LabelCheck
from failearn.capture.classify import INFERRED_ROUTES
from failearn.commands.audit import AuditResult, rounded, significant
from failearn.figures import percent
from failearn.timeutil import format_duration, iso

# -- the JSON document ---------------------------------------------------------------


def audit_document(result: AuditResult) -> dict[str, Any]:
    """The JSON document of ``failearn audit --format json`` (its contract
    keys first: docs/audit.md); also what the audit stores and the Markdown template receives."""
    dist = result.distribution
    test = dist.test
    config = result.config
    labels = result.labels
    return {
        "drift": result.drift,
        "verdict": result.verdict,
        "reasons": result.reasons,
        "statistics": {
            "test": test.method,
            "chi_square": rounded(test.statistic),
            "dof": test.dof,
            "p_value": significant(test.p_value),
            "monte_carlo_samples": test.samples,
            "seed": test.seed,
            "smallest_expected": rounded(test.smallest_expected),
            "jensen_shannon_distance": rounded(test.js_distance),
            "significant": dist.significant,
            "large": dist.large,
        },
        "classes": [
            {
                "failure_class": c.failure_class,
                "recent_share": rounded(c.recent_share),
                "baseline_share": rounded(c.baseline_share),
                "delta": rounded(c.delta),
                "residual": rounded(c.residual, 3),
                "p_value": significant(c.p_value),
                "recent_count": c.recent_count,
                "baseline_count": c.baseline_count,
                "direction": c.direction,
            }
            for c in dist.classes
        ],
        "shifts": [
            {
                "kind": f.shift.kind,
                "fell": f.shift.fell.failure_class if f.shift.fell else None,
                "rose": f.shift.rose.failure_class if f.shift.rose else None,
                "message": f.shift.message,
                "evidence": f.shift.evidence,
                "incident_ids": f.incident_ids,
                "incident_count": f.incident_count,
            }
            for f in result.shifts
        ],
        "labels": _labels_document(result, labels),
        "hygiene": {
            "label_routes": [asdict(r) for r in result.hygiene.label_routes],
            "label_origins": _origins_document(result),
            "old_versions": [
                {"taxonomy_version": v, "incidents": n, "incident_ids": ids}
                for v, n, ids in result.hygiene.old_versions
            ],
            "unknown_classes": [
                {"failure_class": c, "incidents": n, "incident_ids": ids}
                for c, n, ids in result.hygiene.unknown_classes
            ],
            "unused_classes": result.hygiene.unused_classes,
            "single_class_services": [
                {"service": s, "failure_class": c, "incidents": n}
                for s, c, n in result.hygiene.single_class_services
            ],
            "inferred_services": [
                {"via": via, "incidents": n} for via, n in result.hygiene.inferred_services
            ],
        },
        "as_of": iso(result.as_of),
        "windows": {
            "recent": {
                "start": iso(result.recent_start),
                "end": iso(result.as_of),
                "duration": format_duration(config.recent),
                "incidents": dist.recent_total,
            },
            "baseline": {
                "start": iso(result.baseline_start),
                "end": iso(result.recent_start),
                "duration": format_duration(config.baseline),
                "incidents": dist.baseline_total,
            },
        },
        "thresholds": {
            "alpha": config.alpha,
            "min_distance": config.min_distance,
            "min_recent": config.min_recent,
            "min_baseline": config.min_baseline,
            "min_expected": config.min_expected,
            "class_alpha": config.class_alpha,
            "min_share_change": config.min_share_change,
            "confidence": config.confidence,
            "min_disagreement_rise": config.min_disagreement_rise,
        },
        "taxonomy_version": result.taxonomy_version,
        "audit_id": result.audit_id,
        "run_id": result.run_id,
        "db": result.db,
    }


def _labels_document(result: AuditResult, labels: LabelCheck | None) -> dict[str, Any]:
    if labels is None:
        return {"status": "not-run", "reason": result.labelling_reason, "drift": False}
    show = result.config.show
    return {
        "status": labels.status,
        "drift": result.labelling_drift,
        "reason": result.labelling_reason,
        "model": labels.model,
        "evaluation": labels.reason,
        "training_records": labels.training_records,
        "classes": labels.classes,
        "excluded_classes": labels.excluded_classes,
        "accuracy": rounded(labels.accuracy),
        "macro_f1": rounded(labels.macro_f1),
        "folds": [
            {
                "fold": f.fold,
                "records": f.records,
                "accuracy": rounded(f.accuracy),
                "macro_f1": rounded(f.macro_f1),
            }
            for f in labels.folds
        ],
        "disagreement_rate_recent": rounded(labels.recent_rate),
        "disagreement_rate_baseline": rounded(labels.baseline_rate),
        "recent_assessed": labels.recent_assessed,
        "baseline_assessed": labels.baseline_assessed,
        "rise_p_value": significant(labels.rise_p_value),
        "disagreement_count": len(result.disagreements),
        "disagreements": [
            {
                "incident_id": d.incident_id,
                "timestamp": d.timestamp,
                "service": d.service,
                "title": d.title,
                "failure_class": d.prediction.label,
                "predicted_class": d.prediction.predicted,
                "probability": rounded(d.prediction.probability, 3),
                "label_probability": rounded(d.prediction.label_probability, 3),
            }
            for d in result.disagreements[:show]
        ],
    }


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


def _origins_document(result: AuditResult) -> dict[str, Any]:
    origins = result.origins
    return {
        "human": {"recent": origins.human_recent, "baseline": origins.human_baseline},
        "inferred": {
            "recent": origins.inferred_recent,
            "baseline": origins.inferred_baseline,
            "by_route": {
                via: {"recent": r, "baseline": b} for via, (r, b) in origins.inferred.items()
            },
        },
    }


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
    from failearn.render.jinja import render_template

    return render_template("audit.md.j2", "md", {"audit": audit_document(result)}, template_dir)
