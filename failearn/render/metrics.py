"""Renderings of ``failearn metrics pull`` and ``failearn metrics list``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from rich.console import Console
from rich.table import Table

from failearn.commands.metrics import PullResult
from failearn.render.ingest import _print_issue
from failearn.render.output import print_table
from failearn.store.series import StoredSeries
from failearn.timeutil import iso


def pull_document(result: PullResult) -> dict[str, Any]:
    return {
        "prometheus": result.url,
        "as_of": result.as_of,
        "step_seconds": result.step_seconds,
        "requests": result.requests,
        "windows": {
            service: [list(span) for span in spans] for service, spans in result.windows.items()
        },
        "series": result.series.as_dict(),
        "errors": [i.as_dict() for i in result.series.errors],
        "warnings": [i.as_dict() for i in result.series.warnings],
        "dry_run": result.dry_run,
    }


def render_pull(result: PullResult, console: Console) -> None:
    for issue in [*result.series.errors, *result.series.warnings]:
        _print_issue(issue, console)
    series = result.series
    hours = (
        sum(
            (
                datetime.fromisoformat(e.replace("Z", "+00:00"))
                - datetime.fromisoformat(s.replace("Z", "+00:00"))
            ).total_seconds()
            for spans in result.windows.values()
            for s, e in spans
        )
        / 3600
    )
    console.print(
        f"failearn metrics pull{' (dry run: nothing written)' if result.dry_run else ''}"
        f" from {result.url}: {result.requests} request(s) for {hours:.0f} hours of "
        f"{len(result.windows)} service(s) at a {result.step_seconds}s step",
        markup=False,
        highlight=False,
    )
    console.print(
        f"{series.series} series, {series.points:,} points ({series.points_new:,} "
        f"new, {series.points_changed:,} changed, {series.points_unchanged:,} "
        f"unchanged); {len(series.errors)} error(s)",
        markup=False,
        highlight=False,
    )


def _when(ms: int | None) -> str:
    return "" if ms is None else iso(datetime.fromtimestamp(ms / 1000, UTC))


def list_document(found: Sequence[StoredSeries]) -> dict[str, Any]:
    return {
        "series": [
            {
                "service": s.service,
                "metric": s.metric,
                "labels": s.labels,
                "unit": s.unit,
                "first": _when(s.first_at),
                "last": _when(s.last_at),
                "points": s.points,
            }
            for s in found
        ]
    }


def render_list(found: Sequence[StoredSeries], console: Console, *, tsv: bool = False) -> None:
    table = Table(title=f"{len(found)} metric series", title_justify="left")
    for column in ("service", "metric"):
        table.add_column(column, no_wrap=True)  # names a user types next: never cut
    table.add_column("labels", overflow="fold")
    for column in ("first", "last"):
        table.add_column(column, no_wrap=True)
    table.add_column("points", justify="right", no_wrap=True)
    plain = tsv or not console.is_terminal  # numbers a program reads: no separators
    for s in found:
        table.add_row(
            s.service,
            s.metric,
            ", ".join(f"{k}={v}" for k, v in s.labels.items()),
            _when(s.first_at)[:16],
            _when(s.last_at)[:16],
            str(s.points) if plain else f"{s.points:,}",
        )
    print_table(table, console, tsv=tsv)
