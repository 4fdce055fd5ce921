"""Renderings of the weekly report: JSON, and Markdown, HTML and text through Jinja2 templates.

The templates live in ``templates/`` (``report.md.j2``, ``report.html.j2``,
``report.txt.j2``); ``--template-dir`` (or ``[report] template_dir``) puts a
team's own directory first, so a team overrides one template and keeps the
others.  HTML is rendered with autoescaping on, so every piece of post-mortem
text (titles, labels, service names) is escaped; the page also forbids scripts
outright in its Content-Security-Policy.  Charts are drawn as inline SVG from the
geometry computed here: nothing is fetched, the page works offline.
"""

from __future__ import annotations

import re
from dataclasses import asdict
from pathlib import Path
from typing import Any

from failearn.commands.report import Report
from failearn.figures import percent
from failearn.resources import templates_dir
from failearn.visible import visible

FORMATS = ("md", "html", "text")
TEMPLATES = {"md": "report.md.j2", "html": "report.html.j2", "text": "report.txt.j2"}
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
_BACKTICKS = re.compile(r"`+")
# Punctuation that could format, link, open HTML or an entity, or split a table cell.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#~!&])")
# What would open a block at the start of a line: a list item, a setext underline.
_MD_BULLET = re.compile(r"^([-+=])")
_MD_ORDERED = re.compile(r"^(\d+)([.)])")


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


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut into (part, is a code span) as CommonMark reads it: a run of n backticks
    opens a code span that the next run of exactly n backticks closes; a run with no such
    partner is literal text."""
    runs = [(m.start(), m.end()) for m in _BACKTICKS.finditer(text)]
    following: list[int | None] = [None] * len(runs)
    latest: dict[int, int] = {}  # run length -> the nearest run of that length after
    for index in range(len(runs) - 1, -1, -1):
        length = runs[index][1] - runs[index][0]
        following[index] = latest.get(length)
        latest[length] = index
    parts: list[tuple[str, bool]] = []
    done = index = 0
    while index < len(runs):
        closer = following[index]
        if closer is None:
            index += 1
            continue
        parts.append((text[done : runs[index][0]], False))
        done = runs[closer][1]
        parts.append((text[runs[index][0] : done], True))
        index = closer + 1
    parts.append((text[done:], False))
    return [part for part in parts if part[0]]


def _md_literal(text: str) -> str:
    """Text escaped, at the start of a line too (where ``-`` or ``1.`` open a list)."""
    return _MD_ORDERED.sub(r"\1\\\2", _MD_BULLET.sub(r"\\\1", _MD_SPECIAL.sub(r"\\\1", text)))


def md_text(value: object) -> str:
    """Text from a post-mortem, safe inside Markdown (a paragraph or a table cell): what it
    wrote as code spans stays code (found by CommonMark's own rule, which counts backtick
    runs); everything else that would format, link, open HTML or split a cell is
    backslash-escaped, unmatched backticks included; line breaks become spaces."""
    text = " ".join(str(value if value is not None else "").split())
    out: list[str] = []
    for part, is_code in code_spans(text):
        if is_code and "\\|" not in part:
            # GitHub splits table cells at '|' even inside code spans: escape it there too.
            out.append(part.replace("|", "\\|"))
        else:
            # A backslash before a pipe cannot be written inside a code span so that every
            # renderer keeps the cell whole: such a span is shown as text.
            out.append(_md_literal(part) if not out else _MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def md_code(value: object) -> str:
    """A value (a service, a rule id: anything a source named) as a Markdown code span that
    stays one: fenced with more backticks than it holds, padded when it starts or ends
    with one, and with '|' escaped so that it cannot split a table cell (a value with a
    backslash before a pipe is escaped text instead)."""
    text = " ".join(str(value if value is not None else "").split())
    if "\\|" in text:
        return _md_literal(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if not text or text[0] == "`" or text[-1] == "`" else ""
    escaped = text.replace("|", "\\|")
    return f"{fence}{pad}{escaped}{pad}{fence}"


def html_code(value: object) -> Any:
    """Escape text for HTML, then turn `code spans` into <code> elements."""
    from markupsafe import Markup, escape

    escaped = str(escape("" if value is None else str(value)))
    return Markup(re.sub(r"`([^`\n]+)`", r"<code>\1</code>", escaped))


def url(value: object) -> str:
    """A link target with everything but the characters of a path or URL percent-encoded."""
    from urllib.parse import quote

    return quote(str(value), safe="/#:.-_~%?=&+@")


def plain(value: object) -> str:
    """Text for the plain-text report: code-span backticks dropped, whitespace folded."""
    return " ".join(str("" if value is None else value).replace("`", "").split())


def signed(value: float) -> str:
    text = f"{value:+.1f}"
    return "±0" if text in ("+0.0", "-0.0") else text.replace(".0", "")


# -- charts -------------------------------------------------------------------------------------


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


# -- rendering ------------------------------------------------------------------------------------


def _shown(value: Any) -> Any:
    """Every value a template prints: no control, bidirectional or invisible character
    reaches the reader (:func:`~failearn.visible.visible`), in any format."""
    if not isinstance(value, str):
        return value
    shown = visible(value)
    if shown is value or shown == value:
        return value
    from markupsafe import Markup

    return Markup(shown) if isinstance(value, Markup) else shown


# The longest text or list a template may build with ``*`` or ``**``: a team's template
# renders a report, it does not fill the memory.
MAX_BUILT = 1_000_000


def environment(fmt: str, template_dir: Path | None) -> Any:
    """The Jinja2 environment of one format: the team's directory first, then the bundled one.

    Sandboxed (:class:`jinja2.sandbox.ImmutableSandboxedEnvironment`): a template reads
    the report it is given and calls the filters above, and nothing else; reaching for
    Python's internals (``cycler.__init__.__globals__``), changing the data or building
    a string of gigabytes is an error naming the template (exit 2), not code run.
    """
    import jinja2
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    class _Sandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            if operator == "**" and isinstance(right, int) and abs(right) > 64:
                raise jinja2.exceptions.SecurityError("an exponent over 64 is not allowed")
            if operator == "*" and _built_size(left, right) > MAX_BUILT:
                raise jinja2.exceptions.SecurityError(
                    f"a text or list longer than {MAX_BUILT:,} is not allowed"
                )
            return super().call_binop(context, operator, left, right)

    search = [str(template_dir)] if template_dir is not None else []
    search.append(str(templates_dir()))
    env = _Sandbox(
        loader=jinja2.FileSystemLoader(search),
        autoescape=fmt == "html",
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_shown,
    )
    env.filters.update(
        md=md_text,
        mdcode=md_code,
        code=html_code,
        plain=plain,
        percent=percent,
        signed=signed,
        url=url,
    )
    return env


def _built_size(left: Any, right: Any) -> int:
    """The length of what ``left * right`` builds when one side is a sequence (else 0)."""
    for sequence, times in ((left, right), (right, left)):
        if isinstance(sequence, str | list | tuple) and isinstance(times, int):
            return len(sequence) * max(times, 0)
    return 0


def load_template(name: str, fmt: str, template_dir: Path | None = None) -> Any:
    """One template of ``templates/`` (a team's ``template_dir`` first), compiled.

    Commands load theirs before doing any work, so a broken template stops
    them before anything is recorded; it is a usage error naming the template.
    """
    import jinja2

    from failearn.errors import UsageError

    try:
        return environment(fmt, template_dir).get_template(name)
    except jinja2.TemplateError as exc:
        where = (
            f" ({exc.filename}:{exc.lineno})" if isinstance(exc, jinja2.TemplateSyntaxError) else ""
        )
        raise UsageError(
            f"cannot render {name}{where}: {exc}", hint="check the template in --template-dir"
        ) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise UsageError(
            f"cannot read template {name}: {exc}", hint="templates are UTF-8 text files"
        ) from exc


def render_template(
    name: str, fmt: str, context: dict[str, Any], template_dir: Path | None = None
) -> str:
    """Render one template with the filters above; a broken team template is a usage error
    naming it, not a crash (a fault in a bundled one is failearn's own and is raised)."""
    import jinja2
    import jinja2.exceptions

    from failearn.errors import UsageError

    template = load_template(name, fmt, template_dir)
    try:
        return str(template.render(**context))
    except Exception as exc:
        bundled = templates_dir().resolve()
        if (
            not isinstance(exc, jinja2.TemplateError)
            and template.filename
            and Path(template.filename).resolve().is_relative_to(bundled)
        ):
            raise
        where = f" ({template.filename})" if template.filename else ""
        if isinstance(exc, jinja2.exceptions.SecurityError):
            raise UsageError(
                f"cannot render {name}{where}: the template tried what templates may not do: {exc}",
                hint="a template reads the report it is given and calls "
                "failearn's filters, nothing else",
            ) from exc
        raise UsageError(
            f"cannot render {name}{where}: {type(exc).__name__}: {exc}",
            hint="check the template in --template-dir",
        ) from exc


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
