"""Ranking for ``similar``: TF-IDF cosine over an incident's words, and its structure."""

from __future__ import annotations

import math

import numpy as np
import pytest

from failearn.analysis.encode import BLOCK_MESSAGES, BLOCK_TRACE, Blocks, Weights
from failearn.analysis.model import IncidentDoc
from failearn.analysis.ranking import TermIndex, combined, cosine, incident_terms, word_index

BAGS = [
    {"disk": 1.0, "full": 2.0, "database": 1.0},
    {"disk": 1.0, "full": 1.0, "cache": 1.0},
    {"certificate": 1.0, "expired": 1.0, "proxy": 1.0},
    {"certificate": 3.0, "expired": 1.0, "lonely": 1.0},
]


def dense_cosines(bags: list[dict[str, float]], query: int) -> np.ndarray:
    """Plain TF-IDF cosine over every term (sublinear tf, smoothed idf, L2)."""
    terms = sorted({t for bag in bags for t in bag})
    df = np.array([sum(t in bag for bag in bags) for t in terms], dtype=float)
    idf = np.log((1 + len(bags)) / (1 + df)) + 1
    matrix = np.array(
        [
            [(1 + math.log(bag[t])) * idf[i] if t in bag else 0.0 for i, t in enumerate(terms)]
            for bag in bags
        ]
    )
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    return np.asarray(matrix @ matrix[query])


def test_scores_are_tfidf_cosines_over_the_whole_vocabulary() -> None:
    index = TermIndex.build(BAGS)
    column = index.column()
    for query in range(len(BAGS)):
        vector = index.vector(BAGS[query], column)
        expected = dense_cosines(BAGS, query)
        got = index.scores(vector)
        assert got == pytest.approx(expected, abs=1e-6)
        # An indexed row's own vector, read back from the postings, is the same.
        assert index.row(query) == pytest.approx(vector)
    assert index.scores(index.vector({"lonely": 1.0}, column))[3] > 0
    assert index.scores(index.vector({"zebra": 1.0}, column)).tolist() == [0.0] * 4
    # A word the index has never seen counts in the query's norm.
    plain = index.scores(index.vector({"disk": 1.0}, column))
    diluted = index.scores(index.vector({"disk": 1.0, "zebra": 1.0}, column))
    assert 0 < diluted[0] < plain[0]


def test_the_index_survives_the_store() -> None:
    index = TermIndex.build(BAGS, {"title": 5.0})
    again = TermIndex.from_record(index.to_record())
    vector = again.vector(BAGS[0], again.column())
    assert again.scores(vector) == pytest.approx(index.scores(vector))
    assert again.section_weights == {"title": 5.0} and again.size == 4


def test_an_incident_s_words_are_its_prose_and_its_messages() -> None:
    doc = IncidentDoc(
        id="a",
        timestamp="",
        service="billing",
        failure_class="",
        title="Disk full on database hosts",
        messages=("ERROR: could not extend file: No space left on device 42",),
    )
    terms = incident_terms(doc)
    assert {"disk", "databas host"} <= set(terms) and terms["disk"] == 3.0  # title weighs 3
    assert {"space", "device", "space left"} <= set(terms)
    assert not any(t.isdigit() for t in terms)  # the message's variable parts are masked
    same = IncidentDoc(id="b", timestamp="", service="billing", failure_class="", title=doc.title)
    index = word_index([doc, same])
    vector = index.vector(incident_terms(same), index.column())
    assert 0 < cosine(vector, index.vector(terms, index.column())) < 1


def blocks(trace: list[list[float]], present: list[int], classes: list[str]) -> Blocks:
    rows = len(trace)
    return Blocks(
        np.zeros((rows, 0)),
        np.zeros(rows),
        np.zeros((rows, 0)),
        np.zeros(rows),
        np.array(trace, dtype=float),
        np.zeros((rows, 0)),
        np.array(present),
        ["svc"] * rows,
        classes,
    )


def test_structure_counts_only_where_the_query_has_it() -> None:
    weights = Weights(service=0.0, failure_class=0.0)
    words = np.array([1.0, 1.0, 0.2])
    traced = blocks(
        [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]],
        [BLOCK_MESSAGES | BLOCK_TRACE] * 3,
        ["a", "a", "a"],
    )
    scores = combined(words, traced, 0, traced, weights)
    text = weights.messages + weights.text
    assert scores == pytest.approx(
        [1.0, text / (text + weights.trace), (0.2 * text + weights.trace) / (text + weights.trace)]
    )
    untraced = blocks([[0.0, 0.0]] * 3, [BLOCK_MESSAGES] * 3, ["a", "a", "a"])
    # Without a trace the query is ranked by its words alone; a piece of text likewise.
    assert combined(words, untraced, 0, traced, weights) == pytest.approx(words)
    assert combined(words, None, 0, traced, weights) == pytest.approx(words)
    assert combined(None, untraced, 0, traced, weights).tolist() == [-math.inf] * 3


def test_the_class_is_a_weak_feature() -> None:
    weights = Weights(service=0.0, failure_class=0.05)
    rows = blocks([[0.0, 0.0]] * 2, [BLOCK_MESSAGES] * 2, ["disk-full", "timeout"])
    scores = combined(np.array([0.5, 0.5]), rows, 0, rows, weights)
    assert scores == pytest.approx([0.5 * 0.95 + 0.05, 0.5 * 0.95])


def test_a_bag_shared_by_several_rows_is_indexed_as_copies_would_be() -> None:
    shared = [BAGS[0], BAGS[2], BAGS[0], BAGS[3], BAGS[0], BAGS[1]]
    copies = [dict(bag) for bag in shared]
    one, other = TermIndex.build(shared), TermIndex.build(copies)
    assert one.vocabulary == other.vocabulary and one.idf == pytest.approx(other.idf)
    column = one.column()
    for bag in BAGS:
        vector = one.vector(bag, column)
        assert one.scores(vector) == pytest.approx(other.scores(vector))
    assert one.row(4) == pytest.approx(other.row(4))
    assert one.row(4) == pytest.approx(one.row(0))
