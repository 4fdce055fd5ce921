"""bench.eval runs failearn's real command line and its baselines end to end."""

from __future__ import annotations

import pytest

from bench.eval import catalog, stages
from bench.eval.gen_alerts import AlertsCorpus


def test_the_full_run_sizes_synthetic_corpora_and_runs_real_ones_once() -> None:
    runs = catalog.plan(("cluster", "classify"), ("syn-alerts", "pm-moj"), (1000, 10000))
    assert [(corpus.name, size, chosen) for corpus, size, chosen in runs] == [
        ("syn-alerts", 1000, ("cluster",)),
        ("syn-alerts", 10000, ("cluster",)),
        ("syn-alerts", catalog.CLASSIFY_SIZE, ("classify",)),
        ("pm-moj", None, ("cluster", "classify")),
    ]


@pytest.mark.slow
def test_cluster_and_similar_score_failearn_and_the_baselines_on_one_corpus() -> None:
    logged: list[str] = []
    clustered, similar = stages.evaluate(
        AlertsCorpus(), 150, ("cluster", "similar"), stages.Options(queries=10), logged.append
    )
    assert clustered["stored"] == clustered["records"] == 150
    assert [m["method"] for m in clustered["methods"]] == [
        "failearn",
        "TF-IDF+SVD, HDBSCAN",
        "TF-IDF+SVD, agglomerative",
    ]
    for method in clustered["methods"]:
        assert -1 <= method["ari"] <= 1 and 0 <= method["noise_share"] <= 1, method
        assert method["seconds"] > 0 and method["peak_mb"] > 0, method
    assert [m["method"] for m in similar["methods"]] == ["failearn", "TF-IDF cosine"]
    assert similar["queries"] == 10
    assert all(0 <= m["p_at_5"] <= similar["ceiling"] for m in similar["methods"])
    assert "failearn cluster" in logged
