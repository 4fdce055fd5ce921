"""Text that sources chose (titles, services, labels) cannot break the Markdown report or
open HTML in it: checked by rendering with markdown-it-py (CommonMark, with GitHub's
tables) and reading the HTML it makes."""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from failearn.render.markup import code_spans, md_code, md_text
from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import AS_OF

HOSTILE = "evil|svc</td><script>alert(1)</script>`x`"
UNEVEN = "``<img src=x onerror=alert(document.domain)>`"
# Tags markdown-it makes itself for a paragraph or a table; anything else came from the text.
OWN_TAGS = {"p", "code", "table", "thead", "tbody", "tr", "th", "td"}
PIECES = st.sampled_from(
    [
        "`",
        "``",
        "```",
        "<",
        ">",
        "|",
        "\\",
        "&",
        "*",
        "_",
        "[",
        "]",
        "(",
        ")",
        "!",
        "#",
        "~",
        "-",
        "1.",
        "=",
        " ",
        "a",
        "img",
        "<img src=x>",
        "<b>",
        "&lt;",
        "http://x.y",
        "\\|",
        "\n",
    ]
)
TEXTS = st.lists(PIECES, max_size=16).map("".join)


def _md() -> MarkdownIt:
    return MarkdownIt("commonmark").enable("table")


def _cells(markdown: str) -> list[str]:
    return [t.content for t in _md().parse(markdown) if t.type == "inline"]


def _table(cell: str) -> str:
    return f"| value | n |\n| --- | --- |\n| {cell} | 8 |\n"


def _tags(rendered: str) -> set[str]:
    return {name.lower() for name in re.findall(r"</?([A-Za-z][A-Za-z0-9-]*)", rendered)}


def _shown(rendered: str) -> str:
    """The text a reader sees, without whitespace and backticks (code spans drop theirs)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", rendered))
    return re.sub(r"[\s`]", "", text)


def _body_cell(rendered: str) -> str:
    return rendered.split("<tbody>", 1)[1].split("<td>", 1)[1].split("</td>", 1)[0]


@pytest.mark.parametrize(
    "value", ["checkout", HOSTILE, UNEVEN, "`a", "a``b", "x|y|z", "a\\|<img src=x>"]
)
def test_a_code_span_stays_one_cell_and_renders_the_value(value: str) -> None:
    table = _table(md_code(value))
    cells = _cells(table)
    assert len(cells) == 4, cells  # two header cells, two body cells
    rendered = _md().render(table)
    assert _tags(rendered) <= OWN_TAGS, rendered


def test_backticks_of_uneven_length_do_not_let_a_tag_through() -> None:
    for markdown in (md_text(UNEVEN), _table(md_text(UNEVEN))):
        rendered = _md().render(markdown)
        assert "<img" not in rendered, rendered
        assert "&lt;img src=x onerror=alert(document.domain)&gt;" in rendered


def test_text_escapes_markup_and_pipes_inside_its_code_spans() -> None:
    assert md_text("see `a|b` and <b>x</b>") == "see `a\\|b` and \\<b\\>x\\</b\\>"
    assert md_text("- a list? 1. no") == "\\- a list? 1. no"
    assert md_text("2) no") == "2\\) no"


def test_code_spans_are_found_by_the_backtick_run_rule() -> None:
    assert code_spans("``a`b`` c `d`") == [("``a`b``", True), (" c ", False), ("`d`", True)]
    assert code_spans("``a`") == [("``a`", False)]
    assert code_spans("` a ``b`` `") == [("` a ``b`` `", True)]


@given(TEXTS)
@example(UNEVEN)
@example("`a\\|b` <b>")
def test_no_text_opens_html_or_loses_a_character_in_a_table_cell(text: str) -> None:
    markdown = _table(md_text(text))
    assert len(_cells(markdown)) == 4, markdown
    rendered = _md().render(markdown)
    assert _tags(rendered) <= OWN_TAGS, (text, rendered)
    assert _shown(_body_cell(rendered)) == re.sub(r"[\s`]", "", text), (text, rendered)


@given(TEXTS)
def test_no_text_opens_html_or_a_block_in_a_paragraph(text: str) -> None:
    rendered = _md().render(f"Title: {md_text(text)}\n\n{md_text(text)}\n")
    assert _tags(rendered) <= {"p", "code"}, (text, rendered)
    assert rendered.count("<p>") == 2 or not text.strip(), (text, rendered)


@given(TEXTS)
def test_any_value_is_one_code_span_or_escaped_text(text: str) -> None:
    rendered = _md().render(_table(md_code(text)))
    assert _tags(rendered) <= OWN_TAGS, (text, rendered)
    assert _shown(_body_cell(rendered)) == re.sub(r"[\s`]", "", text), (text, rendered)


def test_a_hostile_title_in_a_suggestion_stays_text_in_the_markdown_report(cli: Cli) -> None:
    shutil.copytree(FIXTURES / "report", "report", ignore=shutil.ignore_patterns("golden"))
    postmortem = Path("report/postmortems/2026-11-17-checkout-pool.md")
    text = postmortem.read_text(encoding="utf-8")
    title = "Checkout pool exhausted <script>document.title='PWNED'</script> during the sale"
    postmortem.write_text(text.replace(title, UNEVEN.replace("'", "")), encoding="utf-8")
    cli.json("ingest", "report/incidents.ndjson", "report/postmortems", "--as-of", AS_OF)
    cli.json("cluster", "--as-of", AS_OF)
    result = cli("report", "--as-of", AS_OF, "--format", "md", "--dry-run")
    assert result.exit_code == 0, result.stderr
    assert "onerror" in result.stdout  # the title is in a suggestion's latest incidents
    rendered = _md().render(result.stdout)
    assert "<img" not in rendered and "<script" not in rendered
    assert "&lt;img src=x onerror=alert(document.domain)&gt;" in rendered
