"""The scores of bench.eval: ARI/AMI with noise as singletons, coherence, classes, precision."""

from __future__ import annotations

import pytest

from bench.eval.metrics import (
    NOISE,
    ari_ami,
    class_scores,
    coherence,
    precision_at,
    precision_ceiling,
    singletons,
)

TRUTH = {"a1": "A", "a2": "A", "a3": "A", "b1": "B", "b2": "B", "b3": "B", "n1": None, "n2": None}


def test_a_perfect_answer_scores_one_whatever_the_cluster_names() -> None:
    found = {"a1": 7, "a2": 7, "a3": 7, "b1": 3, "b2": 3, "b3": 3, "n1": NOISE, "n2": NOISE}
    assert ari_ami(TRUTH, found) == pytest.approx((1.0, 1.0))


def test_noise_is_one_cluster_per_item_on_both_sides() -> None:
    assert singletons({"x": None, "y": NOISE, "z": 4}, ["x", "y", "z", "w"]) == [
        "~x",
        "~y",
        "=4",
        "~w",
    ]
    lumped = {"a1": 1, "a2": 1, "a3": 1, "b1": 2, "b2": 2, "b3": 2, "n1": 3, "n2": 3}
    ari, ami = ari_ami(TRUTH, lumped)
    assert ari < 1.0 and ami < 1.0


def test_a_pattern_dropped_into_noise_or_an_unstored_item_costs_score() -> None:
    found = {"a1": 1, "a2": 1, "a3": 1, "n1": NOISE, "n2": NOISE}  # B never stored
    ari, _ = ari_ami(TRUTH, found)
    assert ari == pytest.approx(11 / 18)  # against 1.0 with B found


def test_a_cluster_is_coherent_when_more_than_half_share_a_theme() -> None:
    themes = {
        "p1": ("dns",),
        "p2": ("dns", "ingress"),
        "p3": ("disk-full",),
        "q1": ("dns",),
        "q2": ("certificate",),
        "r1": ("ingress",),
        "s1": ("dns",),
    }
    found = {"p1": 0, "p2": 0, "p3": 0, "q1": 1, "q2": 1, "r1": NOISE, "s1": 2, "unlabelled": 2}
    scores = coherence(themes, found)
    # cluster 0: dns 2 of 3 (coherent); cluster 1: 1 of 2 (not); cluster 2: 1 of 1
    assert (scores.clusters, scores.coherent_clusters) == (3, 2)
    assert scores.themes == ("dns",) and scores.coherent_themes == 1  # counted once
    assert scores.noise_share == pytest.approx(1 / 7)


def test_class_scores_count_an_unclassified_record_as_wrong() -> None:
    truth = {"a": "timeout", "b": "timeout", "c": "dns-failure", "d": "dns-failure"}
    answered = {"a": "timeout", "b": None, "c": "dns-failure", "d": "timeout"}
    scores = class_scores(truth, answered)
    assert scores.accuracy == pytest.approx(0.5)
    assert scores.accuracy_classified == pytest.approx(2 / 3)
    assert scores.coverage == pytest.approx(0.75)
    assert 0 < scores.macro_f1 < 1


def test_precision_at_k_divides_by_k_and_the_ceiling_says_what_is_possible() -> None:
    relevant = {"q1": {"x", "y"}, "q2": {"z", "w", "v", "u", "t", "s"}}
    answers = {"q1": ["x", "y", "n", "m", "o"], "q2": ["z", "n"]}
    assert precision_at(5, relevant, answers) == pytest.approx((2 / 5 + 1 / 5) / 2)
    assert precision_ceiling(5, relevant) == pytest.approx((2 / 5 + 1.0) / 2)
