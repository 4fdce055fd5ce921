"""Renderings of ``failearn taxonomy show``, ``check`` and ``migrate``.

Taxonomy files are user input: every string from one is printed as text, never
as rich markup (a version "2026.[/b]" must not break the output).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from failearn.render.output import draw_table

if TYPE_CHECKING:
    from failearn.commands.taxonomy import MigrateResult
    from failearn.taxonomy.file import Problem, Taxonomy


def render_show_text(taxonomy: Taxonomy, console: Console) -> None:
    """Classes with their parent, aliases and adaptations; then retired ids."""
    console.print(f"taxonomy {taxonomy.version} ({taxonomy.path})", markup=False)
    # Class ids and adaptation kinds are what a user types next (an error's hint names
    # them): never cut; aliases wrap.
    table = Table(
        Column("class", no_wrap=True),
        Column("parent", no_wrap=True),
        Column("aliases", overflow="fold", ratio=1),
        Column("adaptations", min_width=len("pre-emptive-scaling,"), overflow="fold"),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for item in taxonomy.to_dict()["classes"]:
        table.add_row(
            Text(item["id"]),
            Text(item["parent"] or ""),
            Text(", ".join(item["aliases"])),
            Text(", ".join(item["adaptations"])),
        )
    draw_table(table, console)
    if taxonomy.retired:
        console.print(
            "retired: "
            + ", ".join(
                f"{r.id} -> {' | '.join(r.split_into) or r.replaced_by}"
                for r in taxonomy.retired.values()
            ),
            markup=False,
        )


def check_document(
    target: Path, taxonomy: Taxonomy | None, problems: list[Problem]
) -> dict[str, Any]:
    """The JSON document of ``failearn taxonomy check``."""
    return {
        "file": str(target),
        "valid": taxonomy is not None,
        "version": taxonomy.version if taxonomy else None,
        "problems": [{"code": p.code, "line": p.line, "message": p.message} for p in problems],
    }


def render_check_text(
    target: Path, taxonomy: Taxonomy | None, problems: list[Problem], console: Console
) -> None:
    """Each problem at its line, then the verdict."""
    for problem in problems:
        console.print(
            f"{target}:{problem.line or 1}: {problem.code}: {problem.message}", markup=False
        )
    if taxonomy is not None:
        console.print(
            f"{target}: taxonomy {taxonomy.version} is valid ({len(taxonomy.classes)} classes)",
            markup=False,
        )


def _relative(path: str) -> str:
    """A path relative to the working directory when it lies below it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return path


def render_migrate_text(result: MigrateResult, console: Console) -> None:
    """What moved where, what happened to incidents, and what to look at."""
    heading = "taxonomy migrate" + (" (dry run: nothing written)" if result.dry_run else "")
    versions = ", ".join(f"{v} ×{n}" for v, n in result.from_versions.items()) or "none"
    console.print(
        f"{heading}: {result.records} record(s) from taxonomy {versions} to "
        f"{result.taxonomy_version} ({_relative(result.taxonomy_path)})",
        markup=False,
    )
    console.print(
        f"  {result.relabelled} relabelled, {result.rerouted} with a new route to "
        f"the same class, {result.version_only} with only the version changed, "
        f"{result.unchanged} unchanged",
        markup=False,
    )
    for change in result.changes:
        how = ("its label" if change.how == "label" else "its previous class") + f", {change.via}"
        examples = ", ".join(change.record_ids[:5]) + (" …" if change.records > 5 else "")
        console.print(
            f"  {change.from_class} -> {change.to_class}: {change.records} record(s) "
            f"(by {how}): {examples}",
            markup=False,
        )
    console.print(
        f"incidents: {result.incidents_before} before, {result.incidents_after} "
        f"after (dedup window {result.dedup_window}); {result.incidents_relabelled} "
        f"changed class, {len(result.incidents_merged)} merged into another, "
        f"{len(result.incidents_created)} new",
        markup=False,
    )
    for old, new in sorted(result.incidents_merged.items()):
        console.print(f"  {old} is now part of {new}", markup=False)
    for incident in result.incidents_created:
        console.print(f"  new incident {incident}", markup=False)
    for rule, cls in sorted(result.rules_relabelled.items()):
        console.print(f"  rule {rule} now addresses {cls}", markup=False)
    for warning in result.warnings:
        console.print(f"warning: {warning}", style="yellow", markup=False)
    if not result.dry_run and (result.relabelled or result.rerouted or result.version_only):
        console.print(
            "previous labels are kept in report_label_history "
            "(see the view report_original_labels)",
            style="dim",
            markup=False,
        )
