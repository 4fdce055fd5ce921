from __future__ import annotations

from pathlib import Path

import pytest

from failearn.errors import TaxonomyError
from failearn.taxonomy.file import check_taxonomy_file, load_taxonomy, normalise_label

REQUIRED = {
    "resource-exhaustion",
    "dependency-failure",
    "data-corruption",
    "configuration-error",
    "timeout",
    "capacity-overload",
    "network-partition",
    "deployment-regression",
    "hardware-failure",
    "security-incident",
}


def test_the_default_taxonomy_is_valid_and_has_the_required_classes() -> None:
    taxonomy = load_taxonomy()
    assert set(taxonomy.classes) >= REQUIRED
    assert taxonomy.version
    for cls in taxonomy.classes.values():
        assert taxonomy.adaptations_for(cls.id), cls.id
        for kind in cls.adaptations:
            assert kind in taxonomy.adaptations


@pytest.mark.parametrize(
    ("label", "class_id", "via"),
    [
        ("timeout", "timeout", "id"),
        ("TIMEOUT", "timeout", "id"),
        ("Resource Exhaustion", "resource-exhaustion", "id"),
        ("resource_exhaustion", "resource-exhaustion", "id"),
        ("OOM", "memory-exhaustion", "alias"),
        ("latency spike", "timeout", "alias"),
        ("Connection-Timeout", "timeout", "alias"),
        ("bad deploy", "deployment-regression", "alias"),
        ("performance", "timeout", "retired"),
        ("capacity", "capacity-overload", "retired"),
        ("Deployment regression", "deployment-regression", "id"),
    ],
)
def test_labels_resolve(label: str, class_id: str, via: str) -> None:
    resolution = load_taxonomy().resolve(label)
    assert resolution is not None
    assert (resolution.class_id, resolution.via) == (class_id, via)


def test_unknown_labels_do_not_resolve_unless_mapped() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.resolve("gremlins") is None
    assert taxonomy.resolve("") is None
    mapped = taxonomy.resolve("Gremlins", {"gremlins": "hardware-failure"})
    assert mapped is not None and (mapped.class_id, mapped.via) == ("hardware-failure", "config")


def test_hierarchy() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.lineage("connection-pool-exhaustion") == [
        "connection-pool-exhaustion",
        "resource-exhaustion",
    ]
    assert taxonomy.root("dns-failure") == "network-partition"


def test_keyword_classification() -> None:
    taxonomy = load_taxonomy()
    found = taxonomy.classify_text("Container recommender-5f9 OOMKilled: memory limit 2Gi")
    assert found is not None and found[0] == "memory-exhaustion"
    assert taxonomy.classify_text("all is well") is None


def test_check_reports_every_inconsistency_with_lines(fixtures: Path) -> None:
    taxonomy, problems = check_taxonomy_file(fixtures / "taxonomy" / "broken.yaml")
    assert taxonomy is None
    codes = {p.code for p in problems}
    assert {
        "duplicate-id",
        "unknown-parent",
        "unknown-adaptation",
        "parent-cycle",
        "ambiguous-alias",
        "duplicate-alias",
        "unknown-alias-target",
        "replaced-by-cycle",
        "dangling-replaced-by",
    } <= codes
    duplicate = next(p for p in problems if p.code == "duplicate-id")
    assert duplicate.line == 7
    ghost = next(p for p in problems if p.code == "unknown-alias-target")
    assert ghost.line == 20 and "missing-class" in ghost.message


def test_a_team_taxonomy_with_chained_retirements(fixtures: Path) -> None:
    taxonomy = load_taxonomy(fixtures / "taxonomy" / "minimal.yaml")
    assert taxonomy.version == "team-7"
    resolution = taxonomy.resolve("Legacy Slow")
    assert resolution is not None and resolution.class_id == "slow-thing"


def test_loading_a_broken_taxonomy_is_a_taxonomy_error(fixtures: Path) -> None:
    with pytest.raises(TaxonomyError) as caught:
        load_taxonomy(fixtures / "taxonomy" / "broken.yaml")
    assert caught.value.problems


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    _, problems = check_taxonomy_file(tmp_path / "missing.yaml")
    assert problems[0].code == "unreadable"
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nclasses: [\n", encoding="utf-8")
    _, problems = check_taxonomy_file(bad)
    assert problems[0].code == "invalid-yaml" and problems[0].line is not None


def test_normalise_label() -> None:
    assert normalise_label("  Connection_Timeout ") == "connection-timeout"
    assert normalise_label("`OOM`") == "oom"


def test_a_split_class_resolves_by_the_text_of_the_record(fixtures: Path) -> None:
    taxonomy = load_taxonomy(fixtures / "taxonomy" / "split.yaml")
    retired = taxonomy.retired["resource-exhaustion"]
    assert retired.split_into == ("memory-exhaustion", "disk-exhaustion")
    assert retired.replaced_by == "memory-exhaustion"
    assert taxonomy.has_splits
    assert taxonomy.split_parts("Resource Exhaustion") == retired.split_into
    disk = taxonomy.resolve("resource-exhaustion", text="No space left on device")
    assert disk is not None and (disk.class_id, disk.via) == ("disk-exhaustion", "split")
    memory = taxonomy.resolve("resource_exhaustion", text="the heap filled up")
    assert memory is not None and (memory.class_id, memory.via) == ("memory-exhaustion", "split")
    blank = taxonomy.resolve("resource-exhaustion")
    assert blank is not None and (blank.class_id, blank.via) == (
        "memory-exhaustion",
        "split-default",
    )
    mapped = taxonomy.resolve("db trouble", {"db trouble": "resource-exhaustion"}, text="disk full")
    assert mapped is not None and (mapped.class_id, mapped.via) == ("disk-exhaustion", "split")
    # Labels of live classes are untouched by the text.
    oom = taxonomy.resolve("oom", text="disk full")
    assert oom is not None and (oom.class_id, oom.via) == ("memory-exhaustion", "alias")
    assert not load_taxonomy().has_splits
    assert taxonomy.to_dict()["retired"][0]["split_into"] == list(retired.split_into)


def test_a_split_into_an_unknown_class_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        'version: "1"\nclasses:\n  - id: a\n  - id: b\nretired:\n'
        "  - id: old\n    replaced_by: [a, nowhere]\n",
        encoding="utf-8",
    )
    taxonomy, problems = check_taxonomy_file(path)
    assert taxonomy is None
    assert [p.code for p in problems] == ["dangling-replaced-by"]
    assert "split into 'nowhere'" in problems[0].message


def test_a_key_written_twice_is_a_problem_not_a_silent_change(fixtures: Path) -> None:
    taxonomy, problems = check_taxonomy_file(fixtures / "taxonomy" / "duplicate-keys.yaml")
    assert taxonomy is None
    assert [(p.code, p.line) for p in problems] == [("duplicate-key", 10), ("duplicate-key", 11)]
    assert "`aliases.oom` is written twice (first at line 9)" in problems[0].message


def test_class_texts_for_inference_are_checked_and_optional(tmp_path: Path) -> None:
    bundled = load_taxonomy()
    # Every bundled class has what a store without labels is compared with.
    for cls in bundled.classes.values():
        assert cls.description and cls.keywords and len(cls.examples) >= 5, cls.id
    # A taxonomy written before examples existed is still valid.
    old = tmp_path / "old.yaml"
    old.write_text(
        'version: "1"\nclasses:\n  - id: timeout\n    keywords: [slow]\n', encoding="utf-8"
    )
    taxonomy, problems = check_taxonomy_file(old)
    assert problems == [] and taxonomy is not None
    assert taxonomy.classes["timeout"].examples == ()
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'version: "1"\nclasses:\n  - id: timeout\n    examples: [slow, {a: 1}]\n'
        '  - id: dns\n    description: [not, text]\n    keywords: ["", x]\n',
        encoding="utf-8",
    )
    taxonomy, problems = check_taxonomy_file(bad)
    assert taxonomy is None
    assert [(p.code, p.line) for p in problems] == [
        ("bad-examples", 4),
        ("bad-description", 6),
        ("bad-keywords", 7),
    ]


def test_ids_aliases_and_retired_ids_that_contradict_the_classes(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text(
        'version: "1"\n'
        "classes:\n"
        "  - id: Bad_Id\n"  # line 3
        "  - id: a\n"  # line 4
        "  - id: b\n"  # line 5
        "aliases:\n"
        "  b: a\n"  # line 7
        "retired:\n"
        "  - id: a\n"  # line 9
        "    replaced_by: b\n"
        "  - id: old\n"  # line 11
        "    replaced_by: b\n"
        "  - id: old\n"  # line 13
        "    replaced_by: a\n"
        "  - id: gone\n",  # line 15
        encoding="utf-8",
    )
    taxonomy, problems = check_taxonomy_file(path)
    assert taxonomy is None
    assert [(p.code, p.line) for p in problems] == [
        ("bad-id", 3),
        ("alias-shadows-class", 7),
        ("retired-is-live", 9),
        ("duplicate-retired", 13),
        ("dangling-replaced-by", 15),
    ]
    assert problems[1].message == "alias 'b' is also a class id but names 'a'"
    assert problems[4].message == "retired id 'gone' has no `replaced_by`"
