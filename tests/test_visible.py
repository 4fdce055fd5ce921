"""Text as it reaches a person: controls, bidirectional and invisible characters shown."""

from __future__ import annotations

import json

import pytest

from failearn.visible import is_visible, json_escapes, visible


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain text\twith a tab\nand lines", "plain text\twith a tab\nand lines"),
        ("red \x1b[31mX\x1b[0m", "red \\x1b[31mX\\x1b[0m"),
        ("title \x1b]0;pwned\x07", "title \\x1b]0;pwned\\x07"),
        ("abc\u202edcba", "abc\\u202edcba"),
        ("a\u2066b\u2069 c\u200bd\ufeff", "a\\u2066b\\u2069 c\\u200bd\\ufeff"),
        ("C1 \x9b2J", "C1 \\x9b2J"),
        ("é, 日本, emoji 🎉", "é, 日本, emoji 🎉"),
    ],
)
def test_visible(text: str, shown: str) -> None:
    assert visible(text) == shown
    assert is_visible(text) == (text == shown)


def test_json_escapes_keep_the_data() -> None:
    document = json.dumps({"t": "a\u202eb\u200bc é"}, ensure_ascii=False)
    escaped = json_escapes(document)
    assert "\u202e" not in escaped and "\u200b" not in escaped and "é" in escaped
    assert json.loads(escaped) == {"t": "a\u202eb\u200bc é"}
