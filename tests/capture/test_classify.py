"""Class inference for records that name no class: hints, configured words, the taxonomy."""

from __future__ import annotations

import pytest

from failearn.analysis.classes import TaxonomyMatcher
from failearn.capture.classify import (
    Abstained,
    Classifier,
    Deferred,
    Inferred,
    TextModel,
    settle,
    spaced,
)
from failearn.errors import ConfigError
from failearn.taxonomy.file import load_taxonomy

TAXONOMY = load_taxonomy()


MATCHER: TaxonomyMatcher | None = None


def matcher() -> TaxonomyMatcher:
    global MATCHER
    if MATCHER is None:
        MATCHER = TaxonomyMatcher(TAXONOMY)
    return MATCHER


def classifier(**kwargs: object) -> Classifier:
    model = kwargs.get("model")
    return Classifier(
        TAXONOMY,
        kwargs.get("classes", {}),  # type: ignore[arg-type]
        kwargs.get("keywords", {}),
        kwargs.get("sources"),  # type: ignore[arg-type]
        model,
    )  # type: ignore[arg-type]


def zero_shot(min_probability: float = 0.3) -> Classifier:
    return classifier(model=TextModel("taxonomy", matcher, min_probability))


def test_camel_case_and_snake_case_labels_as_words() -> None:
    assert spaced("DiskRunningFull") == "Disk Running Full"
    assert spaced("HTTPServerDown") == "HTTP Server Down"
    assert spaced("db_pool.exhausted") == "db pool exhausted"


def test_hints_mapped_by_the_configuration_then_known_to_the_taxonomy() -> None:
    found = classifier(classes={"DiskRunningFull": "resource-exhaustion"}).infer(
        ["DiskRunningFull"], []
    )
    assert found is not None
    assert (found.class_id, found.label, found.via) == (
        "resource-exhaustion",
        "DiskRunningFull",
        "mapping",
    )
    found = classifier().infer(["OOMKilled"], [])
    assert found is not None and (found.class_id, found.via) == ("memory-exhaustion", "hint")
    # The words of a hint count as a title for the text model.
    found = zero_shot().infer(["DBConnectionPoolExhausted"], [])
    assert isinstance(found, Inferred) and (found.class_id, found.via) == (
        "connection-pool-exhaustion",
        "taxonomy",
    )


def test_a_source_s_own_class_labels() -> None:
    found = classifier(sources={"jira": {"Database": "dependency-failure"}}).infer(
        ["Database"], [], "jira"
    )
    assert found is not None and found.class_id == "dependency-failure"
    assert (
        classifier(sources={"jira": {"Database": "dependency-failure"}}).infer(
            ["Database"], [], "other"
        )
        is None
    )


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        ([("Checkout timed out calling payments", 3)], "timeout"),
        ([("Prometheus pod OOMKilled", 3)], "memory-exhaustion"),
        ([("certificates expired on the ingress", 1)], "certificate-expiry"),
        # Neither is a literal keyword of the class: similar words and their parts are enough.
        ([("High memory usage", 3)], "memory-exhaustion"),
        (
            [("Shakespeare search down: cascading failure due to resource leak", 3)],
            "resource-exhaustion",
        ),
        ([("DNS records deleted", 3), ("we rolled back a deploy", 1)], "dns-failure"),
    ],
)
def test_zero_shot_from_the_taxonomy_texts(texts: list[tuple[str, int]], expected: str) -> None:
    found = zero_shot().infer([], texts)
    assert isinstance(found, Inferred)
    assert (found.class_id, found.via) == (expected, "taxonomy")
    assert found.probability is not None and found.probability >= 0.3
    assert all(c != expected for c, _ in found.candidates)


def test_below_the_minimum_probability_it_abstains_with_candidates() -> None:
    found = zero_shot(0.3).infer([], [("nothing to see here at all", 3)])
    assert isinstance(found, Abstained)
    assert found.via == "taxonomy" and found.threshold == 0.3
    assert len(found.candidates) == 3
    assert all(p < 0.3 for _, p in found.candidates)
    assert [p for _, p in found.candidates] == sorted(
        (p for _, p in found.candidates), reverse=True
    )
    # The same text with a threshold of zero is classified as the first candidate.
    taken = zero_shot(0.0).infer([], [("nothing to see here at all", 3)])
    assert isinstance(taken, Inferred) and taken.class_id == found.candidates[0][0]


def test_without_a_text_model_text_alone_gives_no_class() -> None:
    assert classifier().infer([], [("Checkout timed out calling payments", 3)]) is None


def test_the_model_is_built_only_when_a_record_needs_it() -> None:
    built: list[str] = []

    def build() -> TaxonomyMatcher:
        built.append("yes")
        return matcher()

    lazy = classifier(
        classes={"DiskFull": "resource-exhaustion"}, model=TextModel("taxonomy", build, 0.3)
    )
    assert isinstance(lazy.infer(["DiskFull"], [("disk", 3)]), Inferred)
    assert built == []
    lazy.infer([], [("Checkout timed out", 3)])
    lazy.infer([], [("Checkout timed out", 3)])
    assert built == ["yes"]


def test_deferring_leaves_the_text_model_to_one_batch_at_the_end() -> None:
    deferring = Classifier(TAXONOMY, {}, {}, None, None, defer=True)
    memory = deferring.infer([], [("High memory usage", 3)])
    assert isinstance(memory, Deferred)
    vague = deferring.infer([], [("nothing to see here at all", 3)])
    assert isinstance(vague, Deferred)
    # Hints still decide at once, and a record without text never waits.
    hinted = deferring.infer(["OOMKilled"], [])
    assert hinted is not None and not isinstance(hinted, Deferred) and hinted.via == "hint"
    assert deferring.infer([], [("   ", 3)]) is None
    decided = settle(
        TextModel("taxonomy", matcher, 0.3), matcher(), [memory.text, vague.text, memory.text]
    )
    assert decided[0] == decided[2] == zero_shot().infer([], [("High memory usage", 3)])
    assert isinstance(decided[1], Abstained) and decided[1] == zero_shot().infer(
        [], [("nothing to see here at all", 3)]
    )


def test_configured_keywords_outweigh_the_taxonomy() -> None:
    found = classifier(keywords={"terraform destroy": "configuration-error"}).from_text(
        [("nodes were deleted after terraform destroy; network was down", 1)]
    )
    assert found is not None and (found.class_id, found.label, found.via) == (
        "configuration-error",
        "terraform destroy",
        "mapping",
    )


def test_a_keyword_naming_no_class_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"classify\.keywords\.x"):
        classifier(keywords={"x": "gremlins"})
