"""``failearn taxonomy migrate``: renamed, merged and split classes, nothing lost."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES

FIXTURES_TAXONOMY = FIXTURES / "taxonomy"

AS_OF = "2026-11-23"


def rows(sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect("failearn.db") as conn:
        return conn.execute(sql).fetchall()


def incidents() -> dict[str, tuple[str, str, int]]:
    return {
        i: (cls, version, n)
        for i, cls, version, n in rows(
            "SELECT id, failure_class, taxonomy_version, report_count FROM incidents"
        )
    }


@pytest.fixture(autouse=True)
def stored(cli: Cli, tmp_path: Path) -> None:
    """Nine records stored under taxonomy v1 (the one failearn.toml names)."""
    for name in ("v1", "renamed", "merged", "split", "dropped"):
        shutil.copyfile(FIXTURES / "taxonomy" / f"{name}.yaml", tmp_path / f"{name}.yaml")
    shutil.copyfile(FIXTURES / "migrate" / "records.ndjson", tmp_path / "records.ndjson")
    use("v1")
    result = cli("ingest", "records.ndjson", "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert incidents() == {
        "t1": ("timeout", "v1", 1),
        "t2": ("latency", "v1", 1),
        "t3": ("latency", "v1", 1),
        "r1": ("resource-exhaustion", "v1", 2),
        "r3": ("resource-exhaustion", "v1", 1),
        "r4": ("resource-exhaustion", "v1", 1),
        "c1": ("config-error", "v1", 1),
        "d1": ("dependency-failure", "v1", 1),
    }


def use(name: str) -> None:
    Path("failearn.toml").write_text(f'taxonomy = "{name}.yaml"\n', encoding="utf-8")


def migrate(cli: Cli, *args: str, exit_code: int = 0) -> dict[str, Any]:
    return cli.json("taxonomy", "migrate", *args, exit_code=exit_code)


def test_a_renamed_class_is_relabelled_and_the_original_kept(cli: Cli) -> None:
    use("renamed")
    doc = migrate(cli)
    assert doc["command"] == "taxonomy migrate"
    assert doc["taxonomy_version"] == "v2-renamed" and doc["from_versions"] == {"v1": 9}
    assert doc["records"] == {
        "total": 9,
        "relabelled": 1,
        "rerouted": 0,
        "version_only": 8,
        "unchanged": 0,
    }
    assert doc["changes"] == [
        {
            "from_class": "config-error",
            "to_class": "configuration-error",
            "via": "retired",
            "how": "label",
            "records": 1,
            "record_ids": ["c1"],
        }
    ]
    assert doc["incidents"] == {
        "before": 8,
        "after": 8,
        "relabelled": 1,
        "merged": [],
        "created": [],
    }
    assert doc["warnings"] == []
    assert incidents()["c1"] == ("configuration-error", "v2-renamed", 1)
    assert {v for _, v, _ in incidents().values()} == {"v2-renamed"}
    assert rows(
        "SELECT failure_class_raw, original_class, original_taxonomy_version, "
        "failure_class, taxonomy_version FROM report_original_labels "
        "WHERE record_id = 'c1'"
    ) == [("config-error", "config-error", "v1", "configuration-error", "v2-renamed")]
    history = rows(
        "SELECT record_id, previous_class, previous_taxonomy_version, failure_class, "
        "taxonomy_version FROM report_label_history ORDER BY record_id"
    )
    assert len(history) == 9
    assert ("c1", "config-error", "v1", "configuration-error", "v2-renamed") in history
    # Running it again changes nothing.
    again = migrate(cli)
    assert again["records"]["unchanged"] == 9 and again["changes"] == []
    assert len(rows("SELECT * FROM report_label_history")) == 9


def test_merged_classes_merge_incidents_through_the_ingest_grouping(cli: Cli) -> None:
    use("merged")
    doc = migrate(cli)
    assert doc["records"]["relabelled"] == 2
    changes = {(c["from_class"], c["to_class"], c["how"]): c["record_ids"] for c in doc["changes"]}
    assert changes == {
        ("latency", "timeout", "label"): ["t2"],
        ("latency", "timeout", "previous-class"): ["t3"],
    }
    # t2 (10:03) joins t1 (10:00): one service, one class, within five minutes.
    assert doc["incidents"]["merged"] == [{"incident_id": "t2", "into": "t1"}]
    assert doc["incidents"]["before"] == 8 and doc["incidents"]["after"] == 7
    stored = incidents()
    assert stored["t1"] == ("timeout", "v2-merged", 2) and "t2" not in stored
    assert stored["t3"] == ("timeout", "v2-merged", 1)
    assert rows("SELECT incident_id FROM incident_aliases WHERE alias = 't2'") == [("t1",)]
    [dropped] = [w for w in doc["warnings"] if "no longer resolves" in w]
    assert "'slowness'" in dropped and "add the label under `aliases`" in dropped


def test_a_zero_dedup_window_merges_nothing(cli: Cli) -> None:
    use("merged")
    doc = migrate(cli, "--dedup-window", "0s")
    assert doc["records"]["relabelled"] == 2
    assert doc["incidents"]["merged"] == [] and doc["incidents"]["after"] == 8
    assert incidents()["t2"] == ("timeout", "v2-merged", 1)


def test_a_split_class_is_placed_by_text_and_splits_its_incident(cli: Cli) -> None:
    use("split")
    doc = migrate(cli)
    changes = {(c["to_class"], c["via"]): c["record_ids"] for c in doc["changes"]}
    assert changes == {
        ("memory-exhaustion", "split"): ["r1"],
        ("disk-exhaustion", "split"): ["r2"],
        ("memory-exhaustion", "alias"): ["r3"],
        ("memory-exhaustion", "split-default"): ["r4"],
    }
    assert doc["incidents"]["created"] == ["r2"]
    assert doc["incidents"]["after"] == 9
    stored = incidents()
    assert stored["r1"] == ("memory-exhaustion", "v2-split", 1)
    assert stored["r2"] == ("disk-exhaustion", "v2-split", 1)
    assert any("match no keyword" in w and "review them" in w for w in doc["warnings"])
    # Ingesting the same records again under the new taxonomy places them the same way.
    result = cli.json("ingest", "records.ndjson", "--as-of", AS_OF)
    assert result["rejected"] == 0
    assert {i: c for i, (c, _, _) in incidents().items()} == {
        i: c for i, (c, _, _) in stored.items()
    }


def test_a_second_migration_to_a_split_taxonomy_changes_nothing(cli: Cli) -> None:
    # Without its alias, the label 'OOM' (r3) no longer resolves: r3 follows its previous
    # class, resource-exhaustion, which was split.
    split = Path("split.yaml").read_text(encoding="utf-8")
    Path("split-no-alias.yaml").write_text(
        split.replace("  oom: memory-exhaustion\n", ""), encoding="utf-8"
    )
    use("split-no-alias")
    doc = migrate(cli)
    changes = {(c["to_class"], c["via"], c["how"]): c["record_ids"] for c in doc["changes"]}
    assert changes[("memory-exhaustion", "split-default", "previous-class")] == ["r3"]
    routes = dict(rows("SELECT record_id, failure_class_via FROM reports"))
    history = len(rows("SELECT * FROM report_label_history"))
    for _ in range(2):
        again = migrate(cli)
        assert again["records"] == {
            "total": 9,
            "relabelled": 0,
            "rerouted": 0,
            "version_only": 0,
            "unchanged": 9,
        }
        assert again["changes"] == [] and again["incidents"]["relabelled"] == 0
        assert dict(rows("SELECT record_id, failure_class_via FROM reports")) == routes
        assert len(rows("SELECT * FROM report_label_history")) == history
    assert any("'OOM'" in w and "no longer resolves" in w for w in again["warnings"])


def test_a_dry_run_reports_and_writes_nothing(cli: Cli) -> None:
    before = rows("SELECT * FROM incidents ORDER BY id")
    doc = migrate(cli, "--taxonomy", "merged.yaml", "--dry-run")
    assert doc["dry_run"] is True and doc["run_id"] is None
    assert doc["incidents"]["merged"] == [{"incident_id": "t2", "into": "t1"}]
    assert any("not the taxonomy in use" in w for w in doc["warnings"])
    assert rows("SELECT * FROM incidents ORDER BY id") == before
    assert rows("SELECT COUNT(*) FROM report_label_history") == [(0,)]
    assert rows("SELECT COUNT(*) FROM runs WHERE command = 'taxonomy migrate'") == [(0,)]


def test_labels_the_new_taxonomy_cannot_place_stop_the_migration(cli: Cli) -> None:
    before = rows("SELECT * FROM reports ORDER BY key")
    result = cli("taxonomy", "migrate", "--taxonomy", "dropped.yaml")
    assert result.exit_code == 2
    assert "1 stored record(s) have labels that taxonomy v2-dropped cannot place" in result.stderr
    assert "'dependency-failure'" in result.stderr and "retired" in result.stderr
    assert rows("SELECT * FROM reports ORDER BY key") == before


def test_text_output_names_what_moved(cli: Cli) -> None:
    result = cli("taxonomy", "migrate", "--taxonomy", "merged.yaml")
    assert result.exit_code == 0
    assert "latency -> timeout: 1 record(s) (by its label, retired): t2" in result.stdout
    assert "t2 is now part of t1" in result.stdout
    assert "warning: label 'slowness'" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--taxonomy", "absent.yaml"], "absent.yaml does not exist"),
        (["--dedup-window", "often"], "--dedup-window"),
        (["--db", "absent.db"], "does not exist"),
        (["--format", "xml"], "xml"),
    ],
)
def test_bad_options_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli("taxonomy", "migrate", *args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_show_prints_a_split(cli: Cli) -> None:
    use("split")
    result = cli("taxonomy", "show")
    assert "resource-exhaustion -> memory-exhaustion | disk-exhaustion" in result.stdout


def test_the_audit_points_at_records_a_migration_would_change(cli: Cli) -> None:
    use("renamed")
    before = cli.json("audit", "--as-of", "2026-11-09")["hygiene"]
    assert before["unknown_classes"] == [
        {"failure_class": "config-error", "incidents": 1, "incident_ids": ["c1"]}
    ]
    assert [(v["taxonomy_version"], v["incidents"]) for v in before["old_versions"]] == [("v1", 8)]
    migrate(cli)
    after = cli.json("audit", "--as-of", "2026-11-09")["hygiene"]
    assert after["unknown_classes"] == [] and after["old_versions"] == []
    assert {
        "label": "config-error",
        "failure_class": "configuration-error",
        "via": "retired",
        "recent": 1,
        "baseline": 0,
        "incident_ids": ["c1"],
    } in after["label_routes"]


SOURCES = """
[classify]
infer = "all"
# The taxonomy alone infers: this store's labels (more than the default) stay out of it.
min_labels = 1000
[sources.opsboard]
detect = ["board_id"]
classes = {"sluggish" = "latency"}
[sources.opsboard.fields]
id = ["board_id"]
timestamp = ["at"]
service = ["svc"]
failure_class = ["kind"]
title = ["title"]
trace_ids = ["trace"]
"""


def test_inferred_classes_and_source_mappings_migrate_without_false_alarms(cli: Cli) -> None:
    Path("failearn.toml").write_text('taxonomy = "v1.yaml"\n' + SOURCES, encoding="utf-8")
    for name in ("opsboard.ndjson", "unlabelled.ndjson"):
        shutil.copyfile(FIXTURES / "migrate" / name, name)
    ingest = cli.json("ingest", "opsboard.ndjson", "unlabelled.ndjson", "--as-of", AS_OF)
    assert (ingest["accepted"], ingest["rejected"]) == (3, 0)
    assert rows(
        "SELECT record_id, failure_class, failure_class_raw, failure_class_via FROM "
        "reports WHERE record_id IN ('o1', 'x1', 'x2') ORDER BY record_id"
    ) == [
        ("o1", "latency", "sluggish", "config"),
        ("x1", "latency", "latency", "taxonomy"),
        ("x2", "timeout", "timeout", "taxonomy"),
    ]
    audit = cli("audit", "--as-of", "2026-11-09")
    assert "2 incident(s) named no class; it was inferred (taxonomy ×2)" in audit.stdout
    Path("failearn.toml").write_text('taxonomy = "merged.yaml"\n' + SOURCES, encoding="utf-8")
    doc = migrate(cli)
    changes = {
        (c["from_class"], c["to_class"], c["via"], c["how"]): c["record_ids"]
        for c in doc["changes"]
    }
    # o1's label resolves through its source's own mapping; x1's class was inferred from
    # its text, so its previous class is followed; x2's inferred class still exists.
    assert changes[("latency", "timeout", "config", "label")] == ["o1"]
    assert changes[("latency", "timeout", "retired", "previous-class")] == ["t3", "x1"]
    assert rows("SELECT failure_class, failure_class_via FROM reports WHERE record_id = 'x2'") == [
        ("timeout", "taxonomy")
    ]
    [warning] = [w for w in doc["warnings"] if "no longer resolves" in w]
    assert "'slowness'" in warning and "sluggish" not in warning and "'latency'" not in warning


def test_a_dedup_window_of_zero_is_zero_not_the_default(cli: Cli) -> None:
    use("merged")
    assert migrate(cli, "--dedup-window", "0s", "--dry-run")["dedup_window"] == "0s"
    assert migrate(cli, "--dry-run")["dedup_window"] == "5m"


def test_check_a_missing_file_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("taxonomy", "check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ") and "no such taxonomy file" in result.stderr


def test_check_an_inconsistent_file_is_exit_1_with_located_problems(cli: Cli) -> None:
    broken = FIXTURES_TAXONOMY / "broken.yaml"
    result = cli("taxonomy", "check", str(broken))
    assert result.exit_code == 1
    assert f"{broken}:7: duplicate-id: class id 'timeout' is defined twice" in result.stdout


def test_taxonomy_text_is_printed_as_text_not_markup(cli: Cli, tmp_path: Path) -> None:
    odd = tmp_path / "odd.yaml"
    odd.write_text(
        'version: "2026.[/b]"\nclasses:\n  - id: odd-thing\n    name: Odd\n'
        'aliases:\n  "[red]slow": odd-thing\n',
        encoding="utf-8",
    )
    (tmp_path / "failearn.toml").write_text(f'taxonomy = "{odd}"\n', encoding="utf-8")
    result = cli("taxonomy", "show")
    assert result.exit_code == 0, result.stderr
    assert "taxonomy 2026.[/b]" in result.stdout
    assert "[red]slow" in result.stdout


def test_rules_of_a_retired_class_follow_it_to_its_replacement(cli: Cli) -> None:
    with sqlite3.connect("failearn.db") as conn:
        for rule_id, cls in (("R-config", "config-error"), ("R-timeout", "timeout")):
            conn.execute(
                "INSERT INTO rules (id, pattern_id, service, failure_class, adaptation, action, "
                "rationale, status, confidence, support, pattern_support, cohesion, "
                "incident_ids, created_at, updated_at, evidence_as_of, ttl_seconds) VALUES "
                "(?, 'P0001', 'api', ?, 'config-validation', 'validate', 'why', 'suggested', "
                "0.5, 3, 3, 0.9, '[]', ?, ?, ?, 2592000)",
                (rule_id, cls, AS_OF, AS_OF, AS_OF),
            )
    use("renamed")
    doc = migrate(cli)
    assert doc["rules"] == {
        "relabelled": [{"rule_id": "R-config", "to_class": "configuration-error"}]
    }
    assert rows("SELECT id, failure_class FROM rules ORDER BY id") == [
        ("R-config", "configuration-error"),
        ("R-timeout", "timeout"),
    ]
    assert migrate(cli)["rules"] == {"relabelled": []}
