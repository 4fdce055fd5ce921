"""Names that sources chose (services, labels) cannot break the Markdown report."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from failearn.render.report import md_code, md_text

HOSTILE = "evil|svc</td><script>alert(1)</script>`x`"


def _cells(markdown: str) -> list[str]:
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    return [t.content for t in tokens if t.type == "inline"]


@pytest.mark.parametrize("value", ["checkout", HOSTILE, "`a", "a``b", "x|y|z"])
def test_a_code_span_stays_one_cell_and_renders_the_value(value: str) -> None:
    table = f"| service | n |\n| --- | --- |\n| {md_code(value)} | 8 |\n"
    cells = _cells(table)
    assert len(cells) == 4, cells  # two header cells, two body cells
    html = MarkdownIt("commonmark").enable("table").render(table)
    assert "<script>" not in html


def test_text_escapes_markup_and_pipes_inside_its_code_spans() -> None:
    assert md_text("see `a|b` and <b>x</b>") == "see `a\\|b` and \\<b\\>x\\</b\\>"
