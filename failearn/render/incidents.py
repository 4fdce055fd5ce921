"""Renderings of ``failearn incidents list|show``: JSON, a table (tab-separated when piped
or asked for), and one incident as labelled lines."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Column, Table
from rich.text import Text

from failearn.commands.incidents import IncidentDetail, IncidentList
from failearn.render.output import print_table, write_lines
from failearn.timeutil import iso


def list_document(result: IncidentList) -> dict[str, Any]:
    """The JSON document of ``incidents list`` (contract keys first)."""
    filters = result.filters
    return {
        "incidents": [asdict(row) for row in result.incidents],
        "total": result.total,
        "shown": len(result.incidents),
        "filters": {
            "services": list(filters.services),
            "classes": list(filters.classes),
            "pattern": filters.pattern,
            "since": iso(filters.since) if filters.since else None,
            "until": iso(filters.until) if filters.until else None,
            "limit": filters.limit,
        },
        "db": result.db,
    }


def detail_document(result: IncidentDetail) -> dict[str, Any]:
    """The JSON document of ``incidents show``."""
    return {
        "incident": {**asdict(result.incident), **result.fields},
        "records": result.records,
        "former_ids": result.former_ids,
        "error_messages": result.error_messages,
        "trace_ids": result.trace_ids,
        "db": result.db,
    }


def _table(result: IncidentList) -> Table:
    # Ids (incident, service, class, pattern) are what a user types next: never cut; the
    # title wraps instead.
    table = Table(
        Column("incident", no_wrap=True),
        Column("started", no_wrap=True),
        Column("service", no_wrap=True),
        Column("class", no_wrap=True),
        Column("sev.", no_wrap=True),
        Column("pattern", no_wrap=True),
        Column("title", overflow="fold", min_width=20),
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=(0, 1, 0, 0),
    )
    for row in result.incidents:
        table.add_row(
            Text(row.incident_id),
            row.timestamp[:16].replace("T", " "),
            Text(row.service),
            Text(row.failure_class),
            Text(row.severity or ""),
            row.pattern_id or "",
            Text(row.title or ""),
        )
    return table


def render_list(result: IncidentList, console: Console, *, tsv: bool = False) -> None:
    """A table of the incidents, then how many matched (a terminal only); tab-separated
    lines (incident, started, service, class, severity, pattern, title) when piped."""
    table = _table(result)
    if tsv:
        print_table(table, console, tsv=True)
        return
    if not result.incidents and console.is_terminal:
        console.print(f"no incident matches in {result.db}", markup=False)
        return
    print_table(table, console)
    if console.is_terminal and result.total > len(result.incidents):
        console.print(
            f"{len(result.incidents)} of {result.total} shown (newest first; --limit 0 shows all)",
            style="dim",
            markup=False,
        )


def render_detail(result: IncidentDetail, console: Console, *, tsv: bool = False) -> None:
    """One incident as ``field<TAB>value`` lines (tsv), or labelled lines for a person."""
    row = result.incident
    fields: list[tuple[str, Any]] = [
        *((key, value) for key, value in asdict(row).items()),
        *((key, value) for key, value in result.fields.items()),
        ("records", ", ".join(r["record_id"] for r in result.records)),
        ("former_ids", ", ".join(result.former_ids)),
        ("error_messages", " | ".join(result.error_messages)),
        ("trace_ids", ", ".join(result.trace_ids)),
    ]
    shown = [(key, str(value)) for key, value in fields if value not in (None, "")]
    if tsv:
        write_lines([f"{key}\t{' '.join(value.split())}" for key, value in shown], console)
        return
    width = max(len(key) for key, _ in shown)
    for key, value in shown:
        console.print(f"{key:<{width}}  {value}", markup=False, highlight=False)
