"""The report's charts: the geometry of inline SVG bars, computed from its figures.

Nothing is fetched and no library draws: the templates turn these shapes into ``<svg>``
elements, so the page works offline.
"""

from __future__ import annotations

from typing import Any

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
)
OTHER_COLOUR = "#d4d4d4"


def _f(value: float) -> str:
    return f"{value:.1f}"


def class_mix_chart(numbers: dict[str, Any], top: int = 8) -> dict[str, Any]:
    """Stacked bars: incidents per ISO week, split by failure class (top classes + other)."""
    weeks: list[str] = numbers["weeks"]
    rows: list[dict[str, Any]] = numbers["by_class"]
    ranked = sorted(rows, key=lambda r: (-sum(r["weeks"]), r["failure_class"]))
    # The classes that moved most this week always get their own colour: drift shows.
    moved = sorted(rows, key=lambda r: (-abs(r["change"]), r["failure_class"]))[:3]
    keep = {r["failure_class"] for r in ranked[: top - 3]} | {r["failure_class"] for r in moved}
    for r in ranked:
        if len(keep) >= top:
            break
        keep.add(r["failure_class"])
    shown = [r for r in ranked if r["failure_class"] in keep]
    series = [
        (r["failure_class"], PALETTE[i % len(PALETTE)], r["weeks"]) for i, r in enumerate(shown)
    ]
    rest = [r for r in ranked if r["failure_class"] not in keep]
    if rest:
        series.append(
            ("other", OTHER_COLOUR, [sum(r["weeks"][i] for r in rest) for i in range(len(weeks))])
        )
    totals = [sum(s[2][i] for s in series) for i in range(len(weeks))]
    peak = max(totals, default=0) or 1
    width, height, left, bottom, top_pad = 640, 240, 36, 28, 18
    plot_h = height - bottom - top_pad
    slot = (width - left - 10) / max(1, len(weeks))
    bar_w = slot * 0.7
    bars = []
    for i, week in enumerate(weeks):
        x = left + i * slot + (slot - bar_w) / 2
        y = height - bottom
        for name, colour, counts in series:
            if counts[i] == 0:
                continue
            h = plot_h * counts[i] / peak
            y -= h
            bars.append(
                {
                    "x": _f(x),
                    "y": _f(y),
                    "w": _f(bar_w),
                    "h": _f(h),
                    "colour": colour,
                    "title": f"{week}: {name} {counts[i]}",
                }
            )
    labels = [
        {
            "x": _f(left + i * slot + slot / 2),
            "y": _f(height - bottom + 16),
            "text": week.split("-")[-1],
        }
        for i, week in enumerate(weeks)
    ]
    totals_text = [
        {
            "x": _f(left + i * slot + slot / 2),
            "y": _f(height - bottom - plot_h * totals[i] / peak - 3),
            "text": str(totals[i]),
        }
        for i in range(len(weeks))
        if totals[i]
    ]
    legend = [{"name": name, "colour": colour} for name, colour, _ in series]
    return {
        "width": width,
        "height": height,
        "bars": bars,
        "labels": labels,
        "totals": totals_text,
        "legend": legend,
        "axis_y": _f(height - bottom),
        "left": left,
        "right": width - 10,
    }


def pattern_chart(patterns: list[dict[str, Any]], top: int = 12) -> dict[str, Any]:
    """Horizontal bars: the size of each pattern of the cluster run."""
    shown = patterns[:top]
    width, row, left = 640, 22, 250
    height = max(1, len(shown)) * row + 8
    peak = max((p["size"] for p in shown), default=0) or 1
    bars = []
    for i, p in enumerate(shown):
        w = (width - left - 50) * p["size"] / peak
        label = f"{p['pattern_id']} {p['label']}"
        bars.append(
            {
                "y": _f(4 + i * row),
                "w": _f(w),
                "h": _f(row - 6),
                "x": left,
                "label": label if len(label) <= 38 else label[:37] + "…",
                "full": label,
                "size": p["size"],
                "status": p["status"],
                "text_x": _f(left + w + 4),
                "text_y": _f(4 + i * row + row / 2 + 1),
                "colour": {"new": "#59a14f", "growing": "#e15759", "fading": "#bab0ac"}.get(
                    p["status"], "#4e79a7"
                ),
            }
        )
    return {"width": width, "height": height, "bars": bars, "left": left}
