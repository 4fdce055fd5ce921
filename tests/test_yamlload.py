"""Loading YAML written by people: lines of keys, and keys written twice."""

from __future__ import annotations

import pytest

from failearn.yamlload import DuplicateKey, YamlLoadError, load_yaml


def test_a_key_written_twice_is_reported_with_both_lines() -> None:
    loaded = load_yaml(
        "service: checkout\nid: 1\nservice: payments\n"
        "metrics:\n  cpu: 1\n  cpu: 2\nlist:\n  - {a: 1, a: 2}\n"
    )
    assert loaded.data["service"] == "payments"  # YAML keeps the last
    assert loaded.duplicates == [
        DuplicateKey("service", 3, 1),
        DuplicateKey("metrics.cpu", 6, 5),
        DuplicateKey("list.0.a", 8, 8),
    ]


def test_merge_keys_aliases_and_distinct_keys_are_not_duplicates() -> None:
    loaded = load_yaml(
        "base: &b {a: 1}\none:\n  <<: *b\n  a: 2\ntwo: *b\nthree: *b\n'1': x\n1: y\n"
    )
    assert loaded.duplicates == []


def test_plain_words_and_numbers_keep_the_text_yaml_1_2_reads() -> None:
    loaded = load_yaml(
        "id: 0042\ntitle: yes\nservice: off\nspan: 1:20\nhex: 0x1F\n"
        "big: 1_000\nflags: [on, Off, NO]\nquoted: 'yes'\n"
        "n: -3\nx: 1.5\ninf: .inf\nok: True\nnone: ~\nday: 2026-11-02\n"
    )
    data = loaded.data
    assert [data[k] for k in ("id", "title", "service", "span", "hex", "big", "flags")] == [
        "0042",
        "yes",
        "off",
        "1:20",
        "0x1F",
        "1_000",
        ["on", "Off", "NO"],
    ]
    assert (data["quoted"], data["n"], data["x"], data["inf"], data["ok"], data["none"]) == (
        "yes",
        -3,
        1.5,
        float("inf"),
        True,
        None,
    )
    assert str(data["day"]) == "2026-11-02"


def test_a_date_that_is_no_date_stays_text() -> None:
    loaded = load_yaml("title: x\ntimestamp: 2026-11-31T00:00:00Z\nat: 2026-11-02T24:00:00Z\n")
    assert loaded.data["timestamp"] == "2026-11-31T00:00:00Z"
    assert loaded.data["at"] == "2026-11-02T24:00:00Z"
    assert loaded.lines["timestamp"] == 2


def test_a_tag_written_explicitly_still_decides() -> None:
    data = load_yaml("hex: !!int 0x1F\nflag: !!bool yes\ntext: !!str 12\n").data
    assert (data["hex"], data["flag"], data["text"]) == (31, True, "12")


def test_an_explicit_tag_its_value_cannot_fill_is_a_located_error_or_text() -> None:
    with pytest.raises(YamlLoadError, match="'maybe' is not a boolean") as caught:
        load_yaml("title: x\nok: !!bool maybe\n")
    assert caught.value.line == 2
    assert load_yaml("at: !!timestamp soon\n").data == {"at": "soon"}
