"""Renderings of the weekly report: JSON, and Markdown, HTML and text through Jinja2 templates.

The templates live in ``templates/`` (``report.md.j2``, ``report.html.j2``,
``report.txt.j2``); ``--template-dir`` (or ``[report] template_dir``) puts a
team's own directory first, so a team overrides one template and keeps the
others.  HTML is rendered with autoescaping on, so every piece of post-mortem
text (titles, labels, service names) is escaped; the page also forbids scripts
outright in its Content-Security-Policy.  Charts are drawn as inline SVG from the
geometry of :mod:`failearn.render.charts`: nothing is fetched, the page works offline.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from failearn.commands.report import Report
from failearn.render.charts import class_mix_chart, pattern_chart
from failearn.render.jinja import render_template

FORMATS = ("md", "html", "text")
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2", "text": "report.txt.j2"}


def report_document(report: Report) -> dict[str, Any]:
    """The JSON document of ``failearn report --format json`` (contract keys first)."""
    counts = report.suppressed_counts
    return {
        "as_of": report.as_of,
        "budget": report.budget,
        "suggestions": report.suggestions,
        "suppressed": report.suppressed,
        "suppressed_summary": {
            "total": len(report.suppressed),
            "by_reason": counts,
            "top_reasons": [r for r, _ in sorted(counts.items(), key=lambda kv: -kv[1])][:3],
        },
        "notices": [asdict(n) for n in report.notices],
        "week": asdict(report.week),
        "week_in_numbers": report.week_numbers,
        "patterns": report.patterns,
        "registry": report.registry,
        "drift": report.drift,
        "guardrails": report.guardrails,
        "cluster_run": report.cluster_run,
        "recorded": report.recorded,
        "dry_run": report.dry_run,
    }


# -- filters ----------------------------------------------------------------------------------


# -- charts -------------------------------------------------------------------------------------


# -- rendering ------------------------------------------------------------------------------------


def render(report: Report, fmt: str, template_dir: Path | None = None) -> str:
    """The report as Markdown, HTML or plain text."""
    document = report_document(report)
    context = {
        **document,
        "report": document,
        "class_chart": class_mix_chart(report.week_numbers),
        "pattern_chart": pattern_chart(report.patterns),
    }
    return render_template(TEMPLATES[fmt], fmt, context, template_dir)
