"""Renderings of a cluster run: the JSON document and a table of patterns."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.markup import escape

from failearn.commands.cluster import ClusterOut, ClusterResult


def cluster_entry(cluster: ClusterOut) -> dict[str, Any]:
    """One cluster in the JSON document: the contract keys first, then its summary."""
    return {
        "id": cluster.id,
        "pattern_id": cluster.pattern_id,
        "size": cluster.size,
        "incident_ids": cluster.incident_ids,
        "label": cluster.label,
        **cluster.summary(),
        "precursors": [asdict(p) for p in cluster.precursors],
    }


def cluster_document(result: ClusterResult) -> dict[str, Any]:
    """The JSON document of ``failearn cluster --format json`` (contract keys first)."""
    return {
        "run_id": result.run_id,
        "run_number": result.run_number,
        "clusters": [cluster_entry(c) for c in result.clusters],
        "noise": result.noise,
        "as_of": result.as_of,
        "window": {
            "start": result.window_start,
            "end": result.window_end,
            "lookback": result.lookback,
        },
        "incidents": result.incidents,
        "distinct_rows": result.distinct_rows,
        "parameters": result.parameters,
        "similarity_index_updated": result.index_updated,
    }


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{name} {count}" for name, count in counts.items())


def _precursor_text(cluster: ClusterOut) -> str:
    parts = []
    for p in cluster.precursors[:3]:
        parts.append(
            f"{p.metric} {p.direction} ({p.median_in_pattern:g} vs "
            f"{p.median_rest:g}, effect {p.effect_size:+.2f}, "
            f"{p.support}/{cluster.size})"
        )
    return "; ".join(parts)


def render_text(result: ClusterResult, console: Console) -> None:
    """A heading with the window and parameters, then one short block per pattern."""
    params = result.parameters
    console.print(
        f"[bold]cluster run {result.run_number}[/]: {result.incidents} incidents from "
        f"{result.window_start[:10]} to {result.window_end[:10]} ({result.lookback}): "
        f"{len(result.clusters)} patterns, {len(result.noise)} noise"
    )
    how = {
        "variation": "spread of incidents that recorded the same messages",
        "default": "too few incidents share their messages to measure their spread",
    }.get(params["eps_source"], params["eps_source"])
    console.print(
        f"min_size {params['min_size']} ({params['min_size_source']}), eps {params['eps']} ({how})",
        style="dim",
    )
    if not result.clusters:
        console.print("no recurring pattern in this window")
        return
    for c in result.clusters:
        console.print()
        console.print(
            f"[bold]{c.pattern_id}[/] {c.status:<9} {c.size:>5} incidents  "
            f"{c.first_seen[:10]} … {c.last_seen[:10]}  cohesion {c.cohesion:.2f}"
        )
        console.print(f"  {escape(c.label)}")
        if c.top_terms:
            console.print(f"  terms: {escape(', '.join(c.top_terms))}")
        for title in c.titles[1:] if c.titles and c.titles[0] == c.label else c.titles:
            console.print(f"  · {escape(title)}", style="dim")
        if c.dominant_template and c.dominant_template != c.label:
            console.print(f"  template: {escape(c.dominant_template)}", style="dim")
        console.print(
            f"  services: {escape(_counts(c.services))}; classes: {escape(_counts(c.classes))}",
            style="dim",
        )
        if c.precursors:
            console.print(f"  precursors: {escape(_precursor_text(c))}")
