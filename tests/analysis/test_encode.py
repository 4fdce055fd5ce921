"""The similarity of two encoded incidents: on the evidence both have, in blocks and alone."""

from __future__ import annotations

import numpy as np
import pytest

from failearn.analysis.encode import (
    BLOCK_METRICS,
    BLOCK_TEXT,
    Blocks,
    BlockSimilarities,
    Weights,
    similarity_to,
)

WEIGHTS = Weights()
TEXT = np.array([0.6, 0.8])
METRICS = np.array([1.0, 0.0])


def blocks(*rows: tuple[bool, bool]) -> Blocks:
    """Incidents of one service and class: (has text, has metrics), the same text and metrics."""
    text = np.array([TEXT if t else np.zeros(2) for t, _ in rows])
    metrics = np.array([METRICS if m else np.zeros(2) for _, m in rows])
    present = np.array([(BLOCK_TEXT if t else 0) | (BLOCK_METRICS if m else 0) for t, m in rows])
    return Blocks(
        text,
        np.zeros((len(rows), 0)),
        metrics,
        present,
        ["svc"] * len(rows),
        ["timeout"] * len(rows),
    )


def test_twins_with_and_without_metrics_are_as_close_as_their_text() -> None:
    both = BlockSimilarities.build(blocks((True, True), (True, False)), WEIGHTS).between(
        slice(0, 2)
    )
    assert both[0, 1] == pytest.approx(1.0, abs=1e-6)


def test_an_incident_known_only_by_metrics_is_no_twin_of_a_rich_one() -> None:
    sims = BlockSimilarities.build(
        blocks((True, True), (False, True), (False, True)), WEIGHTS
    ).between(slice(0, 3))
    assert sims[0, 1] < 0.5  # shares only the metrics: a seventh of the rich one's evidence
    assert sims[1, 2] == pytest.approx(1.0, abs=1e-6)  # two alike known the same way


def test_blocks_of_rows_and_one_query_agree() -> None:
    rows = blocks((True, True), (True, False), (False, True), (False, False))
    table = BlockSimilarities.build(rows, WEIGHTS)
    for row in range(4):
        assert table.between(slice(row, row + 1))[0] == pytest.approx(
            similarity_to(rows, row, rows, WEIGHTS), abs=1e-6
        )
    core = table.take(np.array([2, 0]))
    assert table.between(slice(0, 4), core) == pytest.approx(
        table.between(slice(0, 4))[:, [2, 0]], abs=1e-6
    )
