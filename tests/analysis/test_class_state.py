"""A fitted class model kept as data: read back, it ranks exactly as it did."""

from __future__ import annotations

import io

import numpy as np
import pytest

from failearn.analysis.class_state import dumps, loads, model_key
from failearn.analysis.classes import TaxonomyMatcher, TeamModel
from failearn.taxonomy.file import load_taxonomy
from tests.analysis.test_classes import TEAM

TAXONOMY = load_taxonomy()
QUERIES = [
    "frobnicator wedged in the farm",
    "gizmo ledger scrambled",
    "High memory usage, pods OOMKilled",
    "certificate expired on the images proxy",
]


def same(a: list[object], b: list[object]) -> None:
    for x, y in zip(a, b, strict=True):
        assert [c for c, _ in x.classes] == [c for c, _ in y.classes]  # type: ignore[attr-defined]
        assert [p for _, p in x.classes] == pytest.approx([p for _, p in y.classes], abs=1e-9)  # type: ignore[attr-defined]


def test_the_team_blend_read_back_ranks_as_the_fitted_one() -> None:
    texts, labels = zip(*TEAM, strict=True)
    fitted = TeamModel(list(texts), list(labels), TAXONOMY)
    again = loads(dumps(fitted))
    assert isinstance(again, TeamModel)
    same(fitted.predict(QUERIES), again.predict(QUERIES))  # type: ignore[arg-type]
    assert again.summary().startswith(fitted.summary()) and again.kept and not fitted.kept
    assert "kept from an earlier ingest" in again.summary()


def test_the_taxonomy_matcher_read_back_ranks_as_the_fitted_one() -> None:
    fitted = TaxonomyMatcher(TAXONOMY)
    again = loads(dumps(fitted))
    assert isinstance(again, TaxonomyMatcher)
    same(fitted.predict(QUERIES), again.predict(QUERIES))  # type: ignore[arg-type]
    assert again.summary().startswith(fitted.summary()) and again.kept


def test_a_stored_state_is_data_never_code() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickle"):
        loads(buffer.getvalue())
    for damaged in (b"", b"PK\x03\x04 truncated", dumps(TaxonomyMatcher(TAXONOMY))[:200]):
        with pytest.raises(ValueError, match=r"not a stored class model|pickle"):
            loads(damaged)


def test_the_key_changes_with_what_the_model_learns_from() -> None:
    pairs = [(text, label) for text, label in TEAM]
    key = model_key("model", TAXONOMY, pairs)
    assert key == model_key("model", TAXONOMY, list(pairs))
    assert key != model_key("model", TAXONOMY, pairs[:-1])
    assert key != model_key("model", TAXONOMY, [*pairs[:-1], (pairs[-1][0], "timeout")])
    assert key != model_key("taxonomy", TAXONOMY, pairs)
