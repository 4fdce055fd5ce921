"""Renderings of a similarity search: the JSON document and a table."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.markup import escape

from failearn.commands.similar import SimilarResult


def similar_document(result: SimilarResult) -> dict[str, Any]:
    """The JSON document of ``failearn similar --format json`` (contract keys first)."""
    return {
        "results": [asdict(hit) for hit in result.results],
        "query": result.query,
        "index": result.index,
        "notes": result.notes,
    }


def _first_line(text: str | None, width: int = 70) -> str:
    if not text:
        return ""
    line = text.strip().splitlines()[0]
    return line if len(line) <= width else line[: width - 1] + "…"


def render_text(result: SimilarResult, console: Console) -> None:
    """One short block per similar incident, most similar first."""
    for note in result.notes:
        console.print(f"note: {escape(note)}", style="yellow")
    if not result.results:
        console.print("no similar incident found")
        return
    for hit in result.results:
        source = hit.source + (f":{hit.line}" if hit.line else "")
        pattern = f"  pattern {hit.pattern_id}" if hit.pattern_id else ""
        console.print(
            f"[bold]{hit.score:.3f}[/]  {escape(hit.incident_id)}  "
            f"{hit.timestamp[:16].replace('T', ' ')}  {escape(hit.service)}  "
            f"{escape(hit.failure_class)}{pattern}"
        )
        if hit.title:
            console.print(f"       {escape(_first_line(hit.title))}")
        console.print(f"       {escape(source)}", style="dim")
        for name, text in (("resolution", hit.resolution), ("workaround", hit.workarounds)):
            if text:
                console.print(f"       {name}: {escape(_first_line(text))}")
