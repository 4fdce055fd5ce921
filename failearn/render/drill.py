"""Renderings of a drill: the stage timings, what was detected and suggested, and misses."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failearn.commands.drill import DrillResult


def drill_document(result: DrillResult) -> dict[str, Any]:
    return {
        "passed": result.passed,
        "target_seconds": result.target_seconds,
        "total_seconds": round(result.total_seconds, 3),
        "stages": [
            {"stage": name, "seconds": round(seconds, 3)} for name, seconds in result.stages
        ],
        "service": result.service,
        "failure_class": result.failure_class,
        "injected": result.injected,
        "detected": result.detected,
        "suggestion": result.suggestion,
        "budget": result.budget,
        "misses": result.misses,
        "kept": result.scratch,
    }


def render_drill(result: DrillResult, console: Console) -> None:
    table = Table(
        title=f"failearn drill: {len(result.injected)} incidents of "
        f"{escape(result.service)} ({result.failure_class})",
        title_justify="left",
    )
    table.add_column("stage")
    table.add_column("seconds", justify="right")
    for name, seconds in result.stages:
        table.add_row(name, f"{seconds:.2f}")
    table.add_row("total", f"{result.total_seconds:.2f}", style="bold")
    console.print(table)
    if result.detected:
        d = result.detected
        console.print(
            f"detected: pattern {d['pattern_id']} ({d['status']}) holds "
            f"{d['injected_in_pattern']} of {d['injected']} injected incidents "
            f"(size {d['size']}); precursors: "
            f"{', '.join(d['precursors']) or 'none'}",
            markup=False,
        )
    if result.suggestion:
        s = result.suggestion
        place = "within" if s["within_budget"] else "beyond"
        console.print(
            f"suggested: {s['rule_id']} (confidence {s['confidence']:.2f}, rank "
            f"{s['rank']}, {place} the budget of {result.budget}): "
            f"{s['action'].replace('`', '')}",
            markup=False,
        )
        if s.get("backtest"):
            b = s["backtest"]
            lead = b["median_lead_seconds"]
            console.print(
                f"backtest (held out): fires before {b['fires_before']} of "
                f"{b['incidents']} injected incidents"
                + (f", median {round(lead / 60)} min ahead" if lead else "")
                + f"; {b['false_alarms_per_week']:.1f} false alarms a week in "
                f"{b['normal_weeks']:.1f} weeks of normal time",
                markup=False,
            )
    for miss in result.misses:
        console.print(f"[red]missed: {escape(miss)}[/]")
    verdict = "[green]PASS[/]" if result.passed else "[red]FAIL[/]"
    console.print(f"{verdict} in {result.total_seconds:.1f}s (target {result.target_seconds:g}s)")
    if result.scratch:
        console.print(f"scratch database kept at {escape(result.scratch)}")
