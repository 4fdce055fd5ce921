"""The real post-mortems of bench.eval: every report labelled, with known classes and themes."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from bench.eval.corpus import everything, halves, nothing
from bench.eval.realdata import LABELS, REAL, TEAMS, added_keys, with_front_matter

REPO = Path(__file__).resolve().parents[2]


def taxonomy_classes() -> set[str]:
    loaded = yaml.safe_load((REPO / "taxonomy" / "failure-classes.yaml").read_text())
    return {entry["id"] for entry in loaded["classes"]}


def vocabulary() -> set[str]:
    readme = (LABELS / "README.md").read_text(encoding="utf-8")
    return set(re.findall(r"^\| `([a-z-]+)` \|", readme, re.MULTILINE))


def test_every_report_has_a_label_with_reasons_and_nothing_else_is_labelled() -> None:
    classes, themes = taxonomy_classes(), vocabulary()
    assert len(themes) > 20
    for team in TEAMS.values():
        labels = team.labels()
        assert sorted(labels) == sorted(path.name for path in team.files()), team.folder
        for name, label in labels.items():
            assert 1 <= len(label.themes) <= 3 and set(label.themes) <= themes, name
            assert label.klass is None or label.klass in classes, name
            assert label.theme_reason and label.class_reason, name


def test_front_matter_gets_the_keys_in_its_own_syntax() -> None:
    toml = '+++\npath = "inside-rust/2023/02/08/dns-outage"\ntitle = "DNS"\n+++\nBody'
    assert with_front_matter(toml, added_keys(toml, "dns-failure")).startswith(
        '+++\nfailure_class = "dns-failure"\ndate = "2023-02-08"\npath = '
    )
    yaml_text = "---\ntitle: A\n---\nBody"
    assert with_front_matter(yaml_text, added_keys(yaml_text, "timeout")) == (
        "---\nfailure_class: timeout\ntitle: A\n---\nBody"
    )
    assert with_front_matter("# T\n", added_keys("# T\n", None)) == "# T\n"
    assert with_front_matter("# T\n", [("failure_class", "timeout")]) == (
        "---\nfailure_class: timeout\n---\n# T\n"
    )


def test_a_corpus_writes_classes_only_when_asked(tmp_path: Path) -> None:
    corpus = next(c for c in REAL if c.name == "pm-mybinder")
    labelled = corpus.write(tmp_path / "a", None, everything)
    bare = corpus.write(tmp_path / "b", None, nothing)
    assert labelled.items.keys() == bare.items.keys()
    key = "corpus/mybinder/2017-11-30-oom-proxy.md"
    assert (tmp_path / "a" / key).read_text().startswith("---\nfailure_class: memory-exhaustion")
    assert "failure_class" not in (tmp_path / "b" / key).read_text()
    assert labelled.items[key].themes == ("memory-oom",)
    assert "failure_class" not in labelled.items[key].text


def test_halves_spread_every_class_over_both_and_are_stable(tmp_path: Path) -> None:
    items = next(c for c in REAL if c.name == "pm-all").write(tmp_path, None, nothing).items
    first, second = halves(items.values())
    assert halves(items.values()) == (first, second)
    assert not first & second and abs(len(first) - len(second)) <= 1
    counts: dict[str, list[int]] = {}
    for item in items.values():
        if item.klass:
            counts.setdefault(item.klass, [0, 0])[item.key in second] += 1
    assert all(min(pair) >= 1 for pair in counts.values() if sum(pair) >= 2)
