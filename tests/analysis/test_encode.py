"""The similarity of two encoded incidents: on the evidence both have, messages as sets."""

from __future__ import annotations

import numpy as np
import pytest

from failearn.analysis.encode import (
    BLOCK_MESSAGES,
    BLOCK_METRICS,
    Blocks,
    BlockSimilarities,
    Weights,
    message_terms,
    similarity_to,
)

WEIGHTS = Weights()
METRICS = np.array([1.0, 0.0])
A = np.array([1.0, 0.0, 0.0])
B = np.array([0.0, 1.0, 0.0])
C = np.array([0.0, 0.0, 1.0])


def blocks(*rows: tuple[list[np.ndarray], bool]) -> Blocks:
    """Incidents of one service and class: (their message vectors, has metrics)."""
    sums = [np.sum(m, axis=0) if m else np.zeros(3) for m, _ in rows]
    messages = np.array(sums)
    mass = np.array([float(s @ s) for s in sums])
    metrics = np.array([METRICS if x else np.zeros(2) for _, x in rows])
    present = np.array(
        [(BLOCK_MESSAGES if m else 0) | (BLOCK_METRICS if x else 0) for m, x in rows]
    )
    count = len(rows)
    return Blocks(
        messages,
        mass,
        np.zeros((count, 0)),
        np.zeros(count),
        np.zeros((count, 0)),
        metrics,
        present,
        ["svc"] * count,
        ["timeout"] * count,
    )


def sims(*rows: tuple[list[np.ndarray], bool]) -> np.ndarray:
    return BlockSimilarities.build(blocks(*rows), WEIGHTS).between(slice(0, len(rows)))


def test_one_message_of_a_pattern_is_as_close_as_all_of_them() -> None:
    table = sims(([A], False), ([A, B], False), ([A, B, C], False), ([A, C], False))
    assert table[0, 1] == pytest.approx(1.0, abs=1e-6)
    assert table[0, 2] == pytest.approx(1.0, abs=1e-6)
    # Two incidents that share one message of two are half alike.
    assert table[1, 3] == pytest.approx(0.05 + 0.95 * 0.5, abs=1e-6)


def test_different_messages_are_apart() -> None:
    table = sims(([A], False), ([B], False))
    assert table[0, 1] == pytest.approx(0.05, abs=1e-6)  # the shared class only


def test_twins_with_and_without_metrics_are_as_close_as_their_messages() -> None:
    table = sims(([A], True), ([A], False))
    assert table[0, 1] == pytest.approx(1.0, abs=1e-6)


def test_an_incident_known_only_by_metrics_is_no_twin_of_a_rich_one() -> None:
    table = sims(([A], True), ([], True), ([], True))
    # It shares only the metrics (0.15 of the rich one's 0.55): shrunk by 0.15 / (0.5 · 0.55).
    assert table[0, 1] == pytest.approx(0.05 + 0.95 * 0.15 / 0.275, abs=1e-6)
    assert table[1, 2] == pytest.approx(1.0, abs=1e-6)  # two alike known the same way
    shared = (
        BlockSimilarities.build(blocks(([A], True), ([], True)), WEIGHTS)
        .on_shared_blocks()
        .between(slice(0, 2))
    )
    assert shared[0, 1] == pytest.approx(1.0, abs=1e-6)


def test_blocks_of_rows_and_one_query_agree() -> None:
    rows = blocks(([A], True), ([A, B], False), ([], True), ([], False))
    table = BlockSimilarities.build(rows, WEIGHTS)
    for row in range(4):
        assert table.between(slice(row, row + 1))[0] == pytest.approx(
            similarity_to(rows, row, rows, WEIGHTS), abs=1e-6
        )
    core = table.take(np.array([2, 0]))
    assert table.between(slice(0, 4), core) == pytest.approx(
        table.between(slice(0, 4))[:, [2, 0]], abs=1e-6
    )


def test_message_terms_leave_placeholders_and_variables_out() -> None:
    assert message_terms("relation <*> does not exist after <dur>") == [
        "relation",
        "does",
        "not",
        "exist",
        "after",
        "relation does",
        "does not",
        "not exist",
        "exist after",
    ]
