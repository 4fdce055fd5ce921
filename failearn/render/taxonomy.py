"""Rendering of ``failearn taxonomy migrate`` as text (JSON is the result's document)."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from failearn.relabel import MigrateResult


def _shown(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def render_migrate_text(result: MigrateResult, console: Console) -> None:
    """What moved where, what happened to incidents, and what to look at."""
    heading = "taxonomy migrate" + (" (dry run: nothing written)" if result.dry_run else "")
    versions = ", ".join(f"{v} ×{n}" for v, n in result.from_versions.items()) or "none"
    console.print(f"{heading}: {result.records} record(s) from taxonomy {versions} to "
                  f"{result.taxonomy_version} ({_shown(result.taxonomy_path)})", markup=False)
    console.print(f"  {result.relabelled} relabelled, {result.rerouted} with a new route to "
                  f"the same class, {result.version_only} with only the version changed, "
                  f"{result.unchanged} unchanged", markup=False)
    for change in result.changes:
        how = ("its label" if change.how == "label" else "its previous class") + \
            f", {change.via}"
        examples = ", ".join(change.record_ids[:5]) + (" …" if change.records > 5 else "")
        console.print(f"  {change.from_class} -> {change.to_class}: {change.records} record(s) "
                      f"(by {how}): {examples}", markup=False)
    console.print(f"incidents: {result.incidents_before} before, {result.incidents_after} "
                  f"after (dedup window {result.dedup_window}); {result.incidents_relabelled} "
                  f"changed class, {len(result.incidents_merged)} merged into another, "
                  f"{len(result.incidents_created)} new", markup=False)
    for old, new in sorted(result.incidents_merged.items()):
        console.print(f"  {old} is now part of {new}", markup=False)
    for incident in result.incidents_created:
        console.print(f"  new incident {incident}", markup=False)
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    if not result.dry_run and (result.relabelled or result.rerouted or result.version_only):
        console.print("previous labels are kept in report_label_history "
                      "(see the view report_original_labels)", style="dim", markup=False)
