"""Class inference for records that name no class: hints, configured words, the taxonomy."""

from __future__ import annotations

import pytest

from failearn.classify import Classifier, spaced
from failearn.errors import ConfigError
from failearn.taxonomy import load_taxonomy

TAXONOMY = load_taxonomy()


def classifier(**kwargs: object) -> Classifier:
    return Classifier(TAXONOMY, kwargs.get("classes", {}),  # type: ignore[arg-type]
                      kwargs.get("keywords", {}), kwargs.get("sources"))  # type: ignore[arg-type]


def test_camel_case_and_snake_case_labels_as_words() -> None:
    assert spaced("DiskRunningFull") == "Disk Running Full"
    assert spaced("HTTPServerDown") == "HTTP Server Down"
    assert spaced("db_pool.exhausted") == "db pool exhausted"


def test_hints_mapped_by_the_configuration_then_known_to_the_taxonomy() -> None:
    found = classifier(classes={"DiskRunningFull": "resource-exhaustion"}).infer(
        ["DiskRunningFull"], [])
    assert found is not None
    assert (found.class_id, found.label, found.via) == (
        "resource-exhaustion", "DiskRunningFull", "mapping")
    found = classifier().infer(["OOMKilled"], [])
    assert found is not None and (found.class_id, found.via) == ("memory-exhaustion", "hint")
    # The words of a hint count as a title: "connection pool exhausted" is an alias.
    found = classifier().infer(["DBConnectionPoolExhausted"], [])
    assert found is not None and (found.class_id, found.via) == (
        "connection-pool-exhaustion", "alias")


def test_a_source_s_own_class_labels() -> None:
    found = classifier(sources={"jira": {"Database": "dependency-failure"}}).infer(
        ["Database"], [], "jira")
    assert found is not None and found.class_id == "dependency-failure"
    assert classifier(sources={"jira": {"Database": "dependency-failure"}}).infer(
        ["Database"], [], "other") is None


@pytest.mark.parametrize(("texts", "expected"), [
    ([("Checkout timed out calling payments", 3)], ("timeout", "keyword")),
    ([("Prometheus pod OOMKilled", 3)], ("memory-exhaustion", "alias")),
    ([("certificates expired on the ingress", 1)], ("certificate-expiry", "keyword")),
    ([("nothing to see", 3)], None),
    # A tie between unrelated classes is no answer.
    ([("a timeout on the network", 1)], None),
])
def test_text(texts: list[tuple[str, int]], expected: tuple[str, str] | None) -> None:
    found = classifier().from_text(texts)
    assert ((found.class_id, found.via) if found else None) == expected


def test_a_weightier_text_wins() -> None:
    found = classifier().from_text([("DNS records deleted", 3), ("we rolled back a deploy", 1)])
    assert found is not None and found.class_id == "dns-failure"


def test_configured_keywords_outweigh_the_taxonomy() -> None:
    found = classifier(keywords={"terraform destroy": "configuration-error"}).from_text(
        [("nodes were deleted after terraform destroy; network was down", 1)])
    assert found is not None and (found.class_id, found.label, found.via) == (
        "configuration-error", "terraform destroy", "mapping")


def test_a_keyword_naming_no_class_is_a_configuration_error() -> None:
    with pytest.raises(ConfigError, match=r"classify\.keywords\.x"):
        classifier(keywords={"x": "gremlins"})
