"""Each synthetic generator of bench.eval is deterministic and its truth is consistent."""

from __future__ import annotations

import json
import random
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from bench.eval import gen_alerts, gen_postmortems, gen_traces
from bench.eval.catalog import SYNTHETIC
from bench.eval.corpus import Corpus, Item, everything, nothing

SIZE = 1000


def files(root: Path) -> dict[str, str]:
    return {
        str(path.relative_to(root)): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize("corpus", SYNTHETIC, ids=lambda c: c.name)
def test_a_generator_writes_the_same_files_for_the_same_size_and_seed(
    corpus: Corpus, tmp_path: Path
) -> None:
    first = corpus.write(tmp_path / "a", 300, everything)
    second = corpus.write(tmp_path / "b", 300, everything)
    assert first == second
    assert files(tmp_path / "a") == files(tmp_path / "b")
    other = type(corpus)(seed=99).write(tmp_path / "c", 300, everything)
    assert files(tmp_path / "a") != files(tmp_path / "c") and other.items != first.items


@pytest.mark.parametrize("corpus", SYNTHETIC, ids=lambda c: c.name)
def test_a_generators_truth_is_consistent(corpus: Corpus, tmp_path: Path) -> None:
    written = corpus.write(tmp_path, SIZE, everything)
    items = list(written.items.values())
    assert len(items) == SIZE
    noise = sum(item.pattern is None for item in items) / SIZE
    assert 0.05 <= noise <= 0.30
    members: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        if item.pattern is not None:
            assert item.themes == (item.pattern,) and item.klass
            members[item.pattern].append(item)
    assert len(members) >= 6
    for pattern, found in members.items():
        assert len(found) >= 3, pattern
        assert len({item.klass for item in found}) == 1, pattern  # one cause, one class
    sizes = sorted((len(found) for found in members.values()), reverse=True)
    assert sizes[0] >= 4 * sizes[-1]  # Zipf: the largest pattern dwarfs the smallest
    assert all("failure_class" not in item.text for item in items)


@pytest.mark.parametrize("corpus", SYNTHETIC, ids=lambda c: c.name)
def test_a_generator_leaves_classes_out_when_asked(corpus: Corpus, tmp_path: Path) -> None:
    corpus.write(tmp_path / "labelled", 200, everything)
    written = corpus.write(tmp_path / "bare", 200, nothing)
    labelled, bare = files(tmp_path / "labelled"), files(tmp_path / "bare")
    assert labelled.keys() == bare.keys()
    assert sum(text.count("failure_class") for text in labelled.values()) == 200
    assert not any("failure_class" in text for text in bare.values())
    records = [
        json.loads(line)
        for name, text in bare.items()
        if name.endswith(("json", "jsonl"))
        for line in text.splitlines()
    ]
    keys = [record["id"] for record in records] or [name for name in bare if name.endswith(".md")]
    assert sorted(keys) == sorted(written.items)


def test_alerts_patterns_span_services_and_come_in_near_miss_pairs() -> None:
    built = gen_alerts.patterns(SIZE, random.Random(f"syn-alerts/1/{SIZE}"))
    twins = [
        (a, b)
        for a in built
        for b in built
        if a.name < b.name and a.cause.dependency == b.cause.dependency and a.services == b.services
    ]
    assert twins and all(a.cause.mode != b.cause.mode for a, b in twins)
    assert any(len(p.services) > 1 for p in built) and all(len(p.services) <= 4 for p in built)
    kinds = Counter(
        ("error_messages" in r, "metrics" in r, "trace_shape" in r, "summary" in r)
        for r, p in gen_alerts.generate(SIZE, 1)
        if p
    )
    assert kinds[(False, True, False, False)]  # metrics only
    assert kinds[(False, False, True, False)]  # spans only
    assert kinds[(False, False, False, True)]  # prose only
    assert {language for _, language in gen_alerts.SERVICES} == {"go", "node"}


def test_traces_near_misses_share_services_and_site_and_callers_quote_the_owner() -> None:
    built = gen_traces.build(SIZE, random.Random(f"syn-traces:7:{SIZE}"))
    twins = [(a, b) for a in built for b in built if b.family.twin_of == a.family.name]
    assert twins and all(
        a.services == b.services
        and a.family.site == b.family.site
        and a.family.root != b.family.root
        for a, b in twins
    )
    records = gen_traces.generate(SIZE, 7)
    by_trace: dict[str, set[str]] = defaultdict(set)
    for record, pattern in records:
        if pattern:
            by_trace[str(record["trace_ids"])].add(str(record["service"]))
    assert any(len(services) > 1 for services in by_trace.values())  # owner and caller
    assert any("error_messages" not in r and "metrics" in r for r, p in records if p)
    assert any("error_messages" not in r and "trace_shape" in r for r, p in records if p)


def test_postmortems_use_three_templates_and_near_miss_stories_share_services() -> None:
    planned = gen_postmortems.plan(5000, 3)
    patterns = {p.pattern.name: p.pattern for p in planned if p.pattern}
    twins = [
        (a, b)
        for a in patterns.values()
        for b in patterns.values()
        if b.story.twin_of == a.story.name
    ]
    assert twins and all(a.services == b.services for a, b in twins)
    texts = [gen_postmortems.document(p, False)[1] for p in planned[:300]]
    assert any("## Root Causes" in t for t in texts) and any("## Why" in t for t in texts)
    assert any("- **Root cause**:" in t for t in texts)
    assert any("```" in t for t in texts) and any("```" not in t for t in texts)
