"""Class inference end to end: a store without labels (the taxonomy's texts), a store with
the team's labels (its own model), abstention, provenance stored and shown, the audit."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli
from tests.helpers.corpus import write_corpus

AS_OF = "2026-11-23"
CONFIG = (
    '[gates]\nrequire = ["timestamp", "service", "failure_class"]\n'
    '[classify]\ninfer = "all"\nmin_labels = {min_labels}\n'
)


def configure(min_labels: int = 30) -> None:
    Path("failearn.toml").write_text(CONFIG.format(min_labels=min_labels), encoding="utf-8")


def records(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return path


def record(
    number: int, title: str, failure_class: str | None = None, summary: str = ""
) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": f"r{number}",
        "timestamp": f"2026-11-{1 + number % 20:02d}T{number % 24:02d}:00:00Z",
        "service": "api",
        "title": title,
        "summary": summary,
    }
    if failure_class:
        row["failure_class"] = failure_class
    return row


def provenance() -> list[tuple[Any, ...]]:
    with sqlite3.connect("failearn.db") as conn:
        return conn.execute(
            "SELECT r.record_id, p.field, p.value, p.via, p.probability, "
            "p.candidates FROM report_provenance p JOIN reports r ON "
            "r.key = p.report_key ORDER BY r.record_id"
        ).fetchall()


def test_a_store_without_labels_infers_from_the_taxonomy_and_says_so(
    cli: Cli, tmp_path: Path
) -> None:
    configure()
    data = records(
        tmp_path / "new.ndjson",
        [
            record(1, "High memory usage"),
            record(
                2, "Shakespeare search down", summary="cascading failure due to a resource leak"
            ),
            record(3, "Disk full", "resource-exhaustion"),
        ],
    )
    result = cli("ingest", str(data), "--as-of", AS_OF)
    assert result.exit_code == 0, result.stdout
    assert "inferred failure_class memory-exhaustion via taxonomy (p " in result.stdout
    assert "inferred failure_class resource-exhaustion via taxonomy (p " in result.stdout
    assert "class model: taxonomy, the class texts of taxonomy" in result.stdout
    stored = provenance()
    # The labelled record has no provenance row: its class is the person's.
    assert [(r[0], r[1], r[2], r[3]) for r in stored] == [
        ("r1", "failure_class", "memory-exhaustion", "taxonomy"),
        ("r2", "failure_class", "resource-exhaustion", "taxonomy"),
    ]
    for row in stored:
        assert 0.3 <= row[4] <= 1
        runners = json.loads(row[5])
        assert len(runners) == 3 and all(p <= row[4] for _, p in runners)
    with sqlite3.connect("failearn.db") as conn:
        assert conn.execute(
            "SELECT record_id, failure_class_via FROM reports ORDER BY record_id"
        ).fetchall() == [("r1", "taxonomy"), ("r2", "taxonomy"), ("r3", "id")]


def test_below_the_threshold_the_record_is_unclassified_with_candidates(
    cli: Cli, tmp_path: Path
) -> None:
    configure()
    data = records(tmp_path / "vague.ndjson", [record(1, "Something odd happened on Tuesday")])
    doc = cli.json("ingest", str(data), "--as-of", AS_OF, exit_code=1)
    assert doc["rejected"] == 1 and doc["inferred"] == []
    (error,) = doc["errors"]
    assert error["code"] == "unclassified" and error["field"] == "failure_class"
    assert "the taxonomy model is not sure enough (no class reaches p 0.3)" in error["message"]
    likeliest = error["message"].split("likeliest: ")[1]
    assert likeliest.count("(") == 3  # three candidates, each with its probability
    assert f"likeliest: {likeliest}" in error["hint"]
    # Kept in the inbox, nothing stored as a report or provenance.
    assert provenance() == []
    # With a lower threshold the same record is classified as the first candidate.
    Path("failearn.toml").write_text(
        CONFIG.format(min_labels=30) + "taxonomy_min_probability = 0.0\n", encoding="utf-8"
    )
    doc = cli.json("ingest", str(data), "--as-of", AS_OF)
    assert doc["inferred"][0]["value"] == likeliest.split(" ")[0]


BLEND_OF_SIX = "the taxonomy blended with 6 labelled report(s) of 2 class(es)"
TEAM = [  # a team's own words: no taxonomy text says these are what the team calls them
    ("frobnicator wedged in the widget farm", "capacity-overload"),
    ("widget farm frobnicator wedged again", "capacity-overload"),
    ("frobnicator wedged, widgets piled up", "capacity-overload"),
    ("gizmo ledger scrambled after replay", "data-corruption"),
    ("gizmo ledger scrambled by the replay job", "data-corruption"),
    ("replay scrambled the gizmo ledger", "data-corruption"),
]


def test_a_store_with_labels_infers_with_the_team_s_model(cli: Cli, tmp_path: Path) -> None:
    configure(min_labels=6)
    labelled = [record(n, title, label) for n, (title, label) in enumerate(TEAM)]
    assert (
        cli("ingest", str(records(tmp_path / "a.ndjson", labelled)), "--as-of", AS_OF).exit_code
        == 0
    )
    new = records(
        tmp_path / "b.ndjson",
        [record(20, "frobnicator wedged in the farm"), record(21, "gizmo ledger scrambled")],
    )
    doc = cli.json("ingest", str(new), "--as-of", AS_OF)
    assert [(i["value"], i["via"]) for i in doc["inferred"]] == [
        ("capacity-overload", "model"),
        ("data-corruption", "model"),
    ]
    assert doc["class_model"]["route"] == "model"
    assert doc["class_model"]["basis"] == BLEND_OF_SIX
    assert doc["class_model"]["records"] == 2
    # Inferred classes never train the team model: still six labels on the next run.
    more = records(tmp_path / "c.ndjson", [record(22, "frobnicator wedged once more")])
    doc = cli.json("ingest", str(more), "--as-of", AS_OF)
    assert doc["class_model"]["basis"] == BLEND_OF_SIX
    # Below min_labels the taxonomy is used instead, and the output says why.
    configure(min_labels=7)
    doc = cli.json(
        "ingest",
        str(records(tmp_path / "d.ndjson", [record(23, "High memory usage")])),
        "--as-of",
        AS_OF,
    )
    assert doc["class_model"]["route"] == "taxonomy"
    assert (
        "the store holds 6 human label(s); the team's labels join in at 7"
        in doc["class_model"]["basis"]
    )


def test_the_labels_a_run_brings_teach_the_model_of_that_run_whatever_their_order(
    cli: Cli, tmp_path: Path
) -> None:
    configure(min_labels=6)
    labelled = records(
        tmp_path / "labelled.ndjson",
        [record(n, title, label) for n, (title, label) in enumerate(TEAM)],
    )
    new = records(
        tmp_path / "new.ndjson",
        [record(20, "frobnicator wedged in the farm"), record(21, "gizmo ledger scrambled")],
    )
    # The unlabelled records first, in one file with the labelled ones, and in the other
    # order: the same model, the same classes, the same probabilities.
    mixed = records(
        tmp_path / "mixed.ndjson",
        [
            record(20, "frobnicator wedged in the farm"),
            *[record(n, title, label) for n, (title, label) in enumerate(TEAM)],
            record(21, "gizmo ledger scrambled"),
        ],
    )
    docs = [
        cli.json("ingest", *paths, "--as-of", AS_OF, "--dry-run")
        for paths in ((str(new), str(labelled)), (str(labelled), str(new)), (str(mixed),))
    ]
    for doc in docs:
        assert [(i["value"], i["via"]) for i in doc["inferred"]] == [
            ("capacity-overload", "model"),
            ("data-corruption", "model"),
        ]
        assert doc["class_model"]["basis"] == BLEND_OF_SIX
        assert (doc["class_model"]["settled"], doc["class_model"]["records"]) == (2, 2)
        assert doc["accepted"] == 8
    assert (
        [i["probability"] for i in docs[0]["inferred"]]
        == [i["probability"] for i in docs[1]["inferred"]]
        == [i["probability"] for i in docs[2]["inferred"]]
    )
    # The inferred records are listed where they stand in the input.
    assert [i["line"] for i in docs[2]["inferred"]] == [1, 8]


@pytest.mark.slow
def test_with_worker_processes_one_model_is_built_and_reported(cli: Cli, tmp_path: Path) -> None:
    labelled = records(
        tmp_path / "labelled.ndjson",
        [record(n, title, label) for n, (title, label) in enumerate(TEAM)],
    )
    new = records(
        tmp_path / "new.ndjson",
        [
            record(20, "frobnicator wedged in the farm"),
            record(21, "gizmo ledger scrambled"),
            record(22, "Something odd happened on Tuesday"),
        ],
    )
    docs = []
    for workers in (1, 2):
        Path("failearn.toml").write_text(
            CONFIG.format(min_labels=6) + f"[ingest]\nworkers = {workers}\n", encoding="utf-8"
        )
        docs.append(
            cli.json(
                "ingest", str(new), str(labelled), "--as-of", AS_OF, "--dry-run", exit_code=None
            )
        )
    one, two = docs
    assert two["class_model"] is not None
    assert two["class_model"]["basis"] == BLEND_OF_SIX
    # Three records waited for the model; the vague one is left unclassified, alike.
    assert (two["class_model"]["settled"], two["class_model"]["records"]) == (3, 2)
    assert [i["value"] for i in two["inferred"]] == ["capacity-overload", "data-corruption"]
    assert two["inferred"] == one["inferred"]
    assert {k: v for k, v in two["class_model"].items() if not k.endswith("seconds")} == {
        k: v for k, v in one["class_model"].items() if not k.endswith("seconds")
    }
    assert [e["code"] for e in two["errors"]] == [e["code"] for e in one["errors"]]


def test_the_later_version_of_a_record_wins_when_one_waits_for_the_model(
    cli: Cli, tmp_path: Path
) -> None:
    configure()
    unlabelled = record(1, "High memory usage")
    labelled = record(1, "High memory usage", "capacity-overload")
    for rows, expected, via in (
        ([unlabelled, labelled], "capacity-overload", "id"),
        ([labelled, unlabelled], "memory-exhaustion", "taxonomy"),
    ):
        Path("failearn.db").unlink(missing_ok=True)
        doc = cli.json("ingest", str(records(tmp_path / "twice.ndjson", rows)), "--as-of", AS_OF)
        assert (doc["accepted"], doc["updated"]) == (1, 1)
        with sqlite3.connect("failearn.db") as conn:
            assert conn.execute(
                "SELECT record_id, failure_class, failure_class_via FROM reports"
            ).fetchall() == [("r1", expected, via)]


def test_a_record_s_identity_never_depends_on_an_inferred_class(cli: Cli, tmp_path: Path) -> None:
    # Whatever the taxonomy makes of it, it gives a class: nothing is below p 0.
    Path("failearn.toml").write_text(
        CONFIG.format(min_labels=6) + "taxonomy_min_probability = 0.0\n", encoding="utf-8"
    )
    row = record(30, "frobnicator wedged in the farm")
    del row["id"]
    data = records(tmp_path / "no-id.ndjson", [row])
    doc = cli.json("ingest", str(data), "--as-of", AS_OF)
    assert doc["inferred"][0]["via"] == "taxonomy" and doc["accepted"] == 1
    labelled = records(
        tmp_path / "labelled.ndjson",
        [record(n, title, label) for n, (title, label) in enumerate(TEAM)],
    )
    # With the team's labels the class changes (and so does the configuration's fingerprint):
    # the stored report is updated, not joined by a second one.
    configure(min_labels=5)
    doc = cli.json("ingest", str(labelled), str(data), "--as-of", AS_OF)
    assert doc["inferred"][0]["via"] == "model" and doc["updated"] == 1
    with sqlite3.connect("failearn.db") as conn:
        assert conn.execute(
            "SELECT failure_class, failure_class_via FROM reports WHERE source LIKE '%no-id.ndjson'"
        ).fetchall() == [("capacity-overload", "model")]


def test_the_audit_counts_inferred_labels_apart_and_learns_only_from_human_ones(
    cli: Cli, tmp_path: Path
) -> None:
    configure()
    assert (
        cli("ingest", str(write_corpus(tmp_path / "labelled.ndjson")), "--as-of", AS_OF).exit_code
        == 0
    )
    guessed = [
        dict(
            record(n, "High memory usage on the api pods"),
            timestamp=f"2026-11-{18 + n % 4:02d}T0{n % 9}:30:00Z",
            service=f"svc{n}",
        )
        for n in range(5)
    ]
    doc = cli.json("ingest", str(records(tmp_path / "guessed.ndjson", guessed)), "--as-of", AS_OF)
    assert len(doc["inferred"]) == 5
    audit = cli.json("audit", "--as-of", AS_OF)
    origins = audit["hygiene"]["label_origins"]
    assert origins["inferred"] == {
        "recent": 5,
        "baseline": 0,
        "by_route": {"model": {"recent": 5, "baseline": 0}},
    }
    human = origins["human"]
    assert human["recent"] + human["baseline"] == 260
    assert audit["labels"]["training_records"] <= human["baseline"]
    text = cli("audit", "--as-of", AS_OF).stdout
    assert "5 inferred (5 recent, 0 baseline: model ×5), neither learnt from nor judged" in text


def kept_models() -> list[tuple[str, int]]:
    with sqlite3.connect("failearn.db") as conn:
        return conn.execute(
            "SELECT route, length(state) > 0 FROM class_models ORDER BY route"
        ).fetchall()


def test_the_fitted_blend_is_kept_while_the_labels_stay_the_same(cli: Cli, tmp_path: Path) -> None:
    configure(min_labels=6)
    labelled = [record(n, title, label) for n, (title, label) in enumerate(TEAM)]
    cli.json("ingest", str(records(tmp_path / "a.ndjson", labelled)), "--as-of", AS_OF)
    first = cli.json(
        "ingest",
        str(records(tmp_path / "b.ndjson", [record(20, "frobnicator wedged in the farm")])),
        "--as-of",
        AS_OF,
    )
    assert "kept from an earlier ingest" not in first["class_model"]["fit"]
    assert kept_models() == [("model", 1)]
    # The same labels: the blend is read back, not fitted again, and answers the same.
    second = cli.json(
        "ingest",
        str(records(tmp_path / "c.ndjson", [record(21, "frobnicator wedged in the farm")])),
        "--as-of",
        AS_OF,
    )
    assert "kept from an earlier ingest" in second["class_model"]["fit"]
    assert second["class_model"]["fit"].startswith(first["class_model"]["fit"])
    assert [(i["value"], i["via"], i["probability"]) for i in second["inferred"]] == [
        (i["value"], i["via"], i["probability"]) for i in first["inferred"]
    ]
    # A new label changes what the blend learns from: fitted again.
    cli.json(
        "ingest",
        str(
            records(
                tmp_path / "d.ndjson", [record(30, "gizmo ledger scrambled", "data-corruption")]
            )
        ),
        "--as-of",
        AS_OF,
    )
    third = cli.json(
        "ingest",
        str(records(tmp_path / "e.ndjson", [record(22, "frobnicator wedged in the farm")])),
        "--as-of",
        AS_OF,
    )
    assert "kept from an earlier ingest" not in third["class_model"]["fit"]
    assert "fitted on the 7 labels" in third["class_model"]["fit"]
    # A damaged state is fitted again and replaced, never an error.
    with sqlite3.connect("failearn.db") as conn:
        conn.execute("UPDATE class_models SET state = x'00ff'")
    fourth = cli.json(
        "ingest",
        str(records(tmp_path / "f.ndjson", [record(23, "frobnicator wedged in the farm")])),
        "--as-of",
        AS_OF,
    )
    assert fourth["class_model"]["route"] == "model"
    assert "kept from an earlier ingest" not in fourth["class_model"]["fit"]
    assert kept_models() == [("model", 1)]
