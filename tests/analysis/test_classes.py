"""The team's model: the taxonomy blended with the labels, weighted on held-out records."""

from __future__ import annotations

import numpy as np
import pytest

from failearn.analysis.classes import TaxonomyMatcher, TeamModel, fit_blend
from failearn.taxonomy.file import load_taxonomy

TAXONOMY = load_taxonomy()

TEAM = [  # the team's own words: no taxonomy text says what they are
    ("frobnicator wedged in the widget farm", "capacity-overload"),
    ("widget farm frobnicator wedged again", "capacity-overload"),
    ("frobnicator wedged, widgets piled up", "capacity-overload"),
    ("frobnicator wedged during the sale", "capacity-overload"),
    ("gizmo ledger scrambled after replay", "data-corruption"),
    ("gizmo ledger scrambled by the replay job", "data-corruption"),
    ("replay scrambled the gizmo ledger", "data-corruption"),
    ("gizmo ledger scrambled twice", "data-corruption"),
]


@pytest.fixture(scope="module")
def matcher() -> TaxonomyMatcher:
    return TaxonomyMatcher(TAXONOMY)


def test_the_labels_teach_words_the_taxonomy_does_not_know(matcher: TaxonomyMatcher) -> None:
    texts, labels = zip(*TEAM, strict=True)
    model = TeamModel(list(texts), list(labels), TAXONOMY, matcher)
    assert model.fit.team_weight > 0
    assert model.fit.records == 8
    assert model.fit.classes == {"capacity-overload": 4, "data-corruption": 4}
    first, second = model.predict(["frobnicator wedged in the farm", "gizmo ledger scrambled"])
    assert first.best[0] == "capacity-overload"
    assert second.best[0] == "data-corruption"
    # Every class of the taxonomy keeps a probability, and they sum to one.
    assert len(first.classes) == len(TAXONOMY.classes)
    assert sum(p for _, p in first.classes) == pytest.approx(1.0)
    assert "fitted on the 8 labels" in model.summary()
    # What the taxonomy knows is not thrown away: a class no label names is still found.
    (memory,) = model.predict(["High memory usage, pods OOMKilled"])
    assert memory.best[0] == "memory-exhaustion"


def test_labels_of_classes_the_taxonomy_lacks_are_left_out(matcher: TaxonomyMatcher) -> None:
    texts, labels = zip(*TEAM, strict=True)
    model = TeamModel([*texts, "something else"], [*labels, "no-such-class"], TAXONOMY, matcher)
    assert model.fit.records == 8
    with pytest.raises(ValueError, match="labels of the taxonomy's classes"):
        TeamModel(["something else"], ["no-such-class"], TAXONOMY, matcher)


def test_the_blend_weighs_only_the_expert_that_tells_the_classes_apart() -> None:
    truth = np.array([0, 1, 2, 0, 1, 2])
    telling = np.eye(3)[truth] * 2.0
    flat = np.zeros((6, 3))
    # The regression tells nothing: the blend stays with the taxonomy's similarities.
    a, b = fit_blend(telling, flat, truth)
    assert a > 0 and b == 0
    # The taxonomy tells nothing: the blend is the regression's.
    a, b = fit_blend(flat, telling, truth)
    assert a == 0 and b > 0
    # A few records separated perfectly do not push the probabilities to certainty.
    a, b = fit_blend(telling, flat, truth)
    blended = a * telling
    top = np.exp(blended).max(axis=1) / np.exp(blended).sum(axis=1)
    assert float(top.max()) < 0.95
