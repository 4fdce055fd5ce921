"""Renderings of ``failearn init``: text for a person, JSON for scripts and tests."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from failearn.commands.init import GATE_FIELDS, InitResult
from failearn.render.ingest import ingest_document


def _why_not(result: InitResult) -> list[tuple[str, str, int]]:
    """(code, field, reports) of the errors that would reject reports, most common first."""
    if result.dry_run is None:
        return []
    counts: Counter[tuple[str, str]] = Counter()
    for issue in result.dry_run.errors.shown:
        counts[(issue.code, issue.field or "")] += 1
    return [(code, name, n) for (code, name), n in counts.most_common()]


def init_document(result: InitResult) -> dict[str, Any]:
    """The JSON document of ``failearn init --format json``."""
    return {
        "root": result.root,
        "config": result.config,
        "written": result.written,
        "files": result.files,
        "left_out": [{"source": s, "why": why} for s, why in result.left_out],
        "fields": {f.name: {"reports": f.reports, "names": dict(f.names)} for f in result.fields},
        "unknown_names": dict(result.unknown_names),
        "aliases": result.aliases,
        "classes": result.classes,
        "infer_classes": result.infer_classes,
        "services": dict(result.services),
        "default_service": result.default_service,
        "would_store": result.would_store,
        "would_reject": [{"code": c, "field": f, "reports": n} for c, f, n in _why_not(result)],
        "dry_run": ingest_document(result.dry_run) if result.dry_run else None,
        "text": result.text,
    }


def render_text(result: InitResult, console: Console) -> None:
    """What was found, what was written, and what the dry run with it says."""
    console.print(f"Scanned {result.files} post-mortem(s) under {result.root}", markup=False)
    for source, why in result.left_out:
        console.print(f"  left out {source}: {why}", style="dim", markup=False)
    table = Table(title="fields", title_justify="left")
    table.add_column("field")
    table.add_column("reports", justify="right")
    table.add_column("found as")
    for found in result.fields:
        shown = ", ".join(f"{n} ({c})" for n, c in found.names.most_common(5))
        table.add_row(found.name, f"{found.reports}/{result.files}", shown or "—")
    console.print(table)
    for name, spellings in result.aliases.items():
        console.print(
            f"  {name} is written as {', '.join(spellings)}: mapped in [fields]", markup=False
        )
    if result.infer_classes:
        console.print(
            '  most name no failure class: [classify] infer = "all" infers one '
            "from their text (recorded as inferred)",
            markup=False,
        )
    if result.default_service is not None:
        shown = ", ".join(f"{n} ({c})" for n, c in result.services[:8]) or "none"
        console.print(
            f"  words recurring in titles: {shown} (written commented out in "
            f"[services.names]: uncomment the services); [services] default = "
            f'"{result.default_service}" for the others',
            markup=False,
        )
    missing = [f.name for f in result.fields if f.reports == 0 and f.name in GATE_FIELDS]
    if missing:
        console.print(f"  named by no report: {', '.join(missing)}", markup=False)
    verb = "Wrote" if result.written else "Would write"
    console.print(f"{verb} {result.config}", markup=False)
    if result.dry_run is not None:
        rejected = result.dry_run.counts.get("rejected", 0)
        console.print(
            f"Dry run with it: {result.would_store} of {result.dry_run.records} "
            f"report(s) would be stored, {rejected} rejected",
            markup=False,
        )
        for code, name, count in _why_not(result):
            console.print(f"  {count} × {code}" + (f" [{name}]" if name else ""), markup=False)
        if rejected:
            console.print("  see them with `failearn ingest . --dry-run`", markup=False)
