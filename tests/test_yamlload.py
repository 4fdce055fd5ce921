"""Loading YAML written by people: lines of keys, and keys written twice."""

from __future__ import annotations

from failearn.yamlload import DuplicateKey, load_yaml


def test_a_key_written_twice_is_reported_with_both_lines() -> None:
    loaded = load_yaml("service: checkout\nid: 1\nservice: payments\n"
                       "metrics:\n  cpu: 1\n  cpu: 2\nlist:\n  - {a: 1, a: 2}\n")
    assert loaded.data["service"] == "payments"  # YAML keeps the last
    assert loaded.duplicates == [DuplicateKey("service", 3, 1), DuplicateKey("metrics.cpu", 6, 5),
                                 DuplicateKey("list.0.a", 8, 8)]


def test_merge_keys_aliases_and_distinct_keys_are_not_duplicates() -> None:
    loaded = load_yaml("base: &b {a: 1}\none:\n  <<: *b\n  a: 2\ntwo: *b\nthree: *b\n"
                       "'1': x\n1: y\n")
    assert loaded.duplicates == []
