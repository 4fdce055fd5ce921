"""bench.eval's results file and the generated section of the docs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from bench.eval.tables import BEGIN, END, losses, merge, render, write_docs


def result(corpus: str, size: int | None, ari: float, baseline: float) -> dict[str, Any]:
    return {
        "stage": "cluster",
        "corpus": corpus,
        "kind": "synthetic",
        "size": size,
        "records": size,
        "truth_clusters": 3,
        "truth_noise": 0.1,
        "commit": "abc",
        "date": "2026-01-01",
        "notes": [],
        "methods": [
            {"method": "failearn", "ari": ari, "seconds": 1.0, "peak_mb": 50.0},
            {
                "method": "TF-IDF+SVD, HDBSCAN",
                "ari": baseline,
                "seconds": 2.0,
                "peak_mb": 90.0,
                "note": "on a sample",
            },
        ],
    }


def test_a_rerun_replaces_its_own_results_only() -> None:
    old = [result("syn-a", 1000, 0.5, 0.4), result("syn-a", 10000, 0.5, 0.4)]
    merged = merge(old, [result("syn-a", 1000, 0.9, 0.4)])
    assert [(r["size"], r["methods"][0]["ari"]) for r in merged] == [(1000, 0.9), (10000, 0.5)]


def test_losses_name_where_a_baseline_beats_failearn() -> None:
    lines = losses([result("syn-a", 1000, 0.5, 0.7), result("syn-b", 1000, 0.9, 0.7)])
    assert lines == [
        "- cluster, syn-a at 1,000: ARI 0.500 (failearn) against 0.700 (TF-IDF+SVD, HDBSCAN)"
    ]


def test_the_tables_go_between_the_markers_and_the_rest_of_the_page_stays(tmp_path: Path) -> None:
    page = tmp_path / "learning.md"
    page.write_text("# Learning\n\nwritten by hand\n", encoding="utf-8")
    write_docs(render([result("syn-a", 1000, 0.5, 0.7)]), page)
    first = page.read_text(encoding="utf-8")
    assert first.startswith("# Learning\n\nwritten by hand\n") and BEGIN in first
    assert "| syn-a | 1,000 | 3 | 10 % | failearn |" in first
    page.write_text(first + "\nmore by hand\n", encoding="utf-8")
    write_docs(render([result("syn-a", 1000, 0.8, 0.7)]), page)
    second = page.read_text(encoding="utf-8")
    assert second.count(BEGIN) == 1 and second.count(END) == 1
    assert "| 0.800 |" in second and "| 0.500 |" not in second
    assert second.endswith("more by hand\n")
