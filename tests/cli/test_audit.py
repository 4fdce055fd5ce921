"""``failearn audit`` end to end: verdicts, exit codes, the stored audit, bad options."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from failearn.store import Store
from failearn.store.audit import AuditSummary, audit_history, latest_audit
from tests.helpers.cli import Cli
from tests.helpers.corpus import write_corpus
from tests.helpers.paths import REPO

AS_OF = "2026-11-23"
TRUTH = json.loads((REPO / "tests" / "fixtures" / "sample_truth.json").read_text("utf-8"))


def ingest(cli: Cli, path: Path) -> None:
    result = cli("ingest", str(path), "--as-of", AS_OF, "--format", "json")
    assert result.exit_code == 0, result.stdout


def audit(cli: Cli, *args: str, exit_code: int = 0) -> dict[str, Any]:
    return cli.json("audit", "--as-of", AS_OF, *args, exit_code=exit_code)


def by_class(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["failure_class"]: c for c in document["classes"]}


@pytest.fixture
def stable(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, write_corpus(tmp_path / "stable.ndjson"))


@pytest.fixture
def drifted(cli: Cli, tmp_path: Path) -> None:
    ingest(
        cli, write_corpus(tmp_path / "drifted.ndjson", relabel=("timeout", "resource-exhaustion"))
    )


@pytest.mark.usefixtures("stable")
def test_a_stable_store_has_no_drift_and_passes_fail_on_drift(cli: Cli) -> None:
    doc = audit(cli, "--fail-on-drift")
    assert doc["command"] == "audit" and doc["schema_version"] == 1
    assert (doc["drift"], doc["verdict"]) == (False, "no-drift")
    assert doc["windows"]["recent"] == {
        "start": "2026-11-16T00:00:00Z",
        "end": "2026-11-23T00:00:00Z",
        "duration": "7d",
        "incidents": 60,
    }
    assert doc["windows"]["baseline"]["start"] == "2026-10-19T00:00:00Z"
    assert doc["windows"]["baseline"]["incidents"] == 200
    stats = doc["statistics"]
    assert stats["test"] in ("chi-square", "monte-carlo") and stats["p_value"] > 0.01
    assert 0 <= stats["jensen_shannon_distance"] <= 1
    classes = by_class(doc)
    assert set(classes) == {
        "timeout",
        "connection-pool-exhaustion",
        "memory-exhaustion",
        "deployment-regression",
        "configuration-error",
        "dependency-failure",
    }
    for item in classes.values():
        assert set(item) >= {
            "failure_class",
            "recent_share",
            "baseline_share",
            "delta",
            "residual",
            "recent_count",
            "baseline_count",
        }
        assert item["delta"] == pytest.approx(
            item["recent_share"] - item["baseline_share"], abs=2e-4
        )
        assert item["direction"] is None
    assert sum(c["recent_count"] for c in classes.values()) == 60
    assert doc["shifts"] == []
    labels = doc["labels"]
    assert labels["status"] == "ok" and labels["drift"] is False
    assert labels["accuracy"] > 0.9 and labels["macro_f1"] > 0.9
    assert labels["disagreements"] == [] and labels["disagreement_rate_recent"] == 0


@pytest.mark.usefixtures("drifted")
def test_a_planted_relabelling_is_drift_naming_both_classes_and_the_incidents(cli: Cli) -> None:
    doc = audit(cli, "--fail-on-drift", exit_code=1)
    assert (doc["drift"], doc["verdict"]) == (True, "drift")
    assert doc["statistics"]["p_value"] < 0.01
    assert doc["statistics"]["jensen_shannon_distance"] >= 0.1
    classes = by_class(doc)
    assert classes["timeout"]["direction"] == "fell"
    assert classes["timeout"]["recent_count"] == 0
    assert classes["resource-exhaustion"]["direction"] == "rose"
    assert classes["resource-exhaustion"]["baseline_count"] == 0
    [shift] = doc["shifts"]
    assert (shift["kind"], shift["fell"], shift["rose"]) == (
        "paired",
        "timeout",
        "resource-exhaustion",
    )
    assert shift["message"].startswith("`timeout` fell from ")
    assert "while `resource-exhaustion` rose from 0 % to " in shift["message"]
    assert shift["message"].endswith("check whether the taxonomy is being applied consistently")
    relabelled = classes["resource-exhaustion"]["recent_count"]
    assert shift["incident_count"] == relabelled == shift["evidence"]
    assert all(i.startswith("r-") for i in shift["incident_ids"])
    labels = doc["labels"]
    assert labels["drift"] is True
    assert {d["incident_id"] for d in labels["disagreements"]} == set(shift["incident_ids"])
    first = labels["disagreements"][0]
    assert (first["failure_class"], first["predicted_class"]) == ("resource-exhaustion", "timeout")
    assert first["probability"] >= 0.5
    assert labels["disagreement_rate_recent"] > labels["disagreement_rate_baseline"]
    # Without --fail-on-drift the same finding exits 0.
    assert cli("audit", "--as-of", AS_OF).exit_code == 0


def test_labelling_drift_is_found_even_when_the_class_mix_is_stable(
    cli: Cli, tmp_path: Path
) -> None:
    # A third of the recent timeouts are labelled dependency-failure and as many
    # dependency failures are labelled timeout: shares barely move, the text tells.
    path = tmp_path / "swap.ndjson"
    write_corpus(path, recent=120, baseline=300)
    lines = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    swapped = 0
    for row in lines:
        if (
            row["id"].startswith("r-")
            and swapped < 12
            and row["failure_class"] in ("timeout", "dependency-failure")
        ):
            row["failure_class"] = {
                "timeout": "dependency-failure",
                "dependency-failure": "timeout",
            }[row["failure_class"]]
            swapped += 1
    path.write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    ingest(cli, path)
    doc = audit(cli)
    assert doc["statistics"]["significant"] is False
    assert doc["labels"]["drift"] is True and doc["drift"] is True
    assert doc["labels"]["disagreement_count"] >= 10
    assert any("labelling drifted" in r for r in doc["reasons"])


@pytest.mark.parametrize(
    ("recent", "baseline", "words"),
    [
        (8, 200, "only 8 incident(s) in the recent window"),
        (60, 30, "only 30 incident(s) in the baseline window"),
    ],
)
def test_tiny_windows_give_insufficient_data(
    cli: Cli, tmp_path: Path, recent: int, baseline: int, words: str
) -> None:
    ingest(
        cli,
        write_corpus(
            tmp_path / "tiny.ndjson",
            recent=recent,
            baseline=baseline,
            relabel=("timeout", "resource-exhaustion"),
        ),
    )
    doc = audit(cli, "--fail-on-drift")
    assert (doc["drift"], doc["verdict"]) == (False, "insufficient-data")
    assert doc["reasons"][0].startswith("insufficient data: ") and words in doc["reasons"][0]
    assert doc["statistics"]["p_value"] is None and doc["shifts"] == []
    assert doc["labels"]["status"] == "not-run"
    text = cli("audit", "--as-of", AS_OF)
    assert "insufficient-data" in text.stdout and words in text.stdout


@pytest.mark.usefixtures("stable")
def test_an_empty_recent_window_is_insufficient_data(cli: Cli) -> None:
    doc = cli.json("audit", "--as-of", "2027-01-01", "--fail-on-drift")
    assert doc["verdict"] == "insufficient-data" and doc["windows"]["recent"]["incidents"] == 0
    assert "no incidents in the recent window" in doc["reasons"][0]
    assert doc["classes"] == [] or all(c["recent_count"] == 0 for c in doc["classes"])


def test_an_empty_store_is_insufficient_data(cli: Cli) -> None:
    Store.open("failearn.db").close()
    doc = audit(cli)
    assert doc["verdict"] == "insufficient-data" and doc["classes"] == []
    assert doc["hygiene"]["unused_classes"]


def test_alerts_without_text_still_get_the_class_mix(cli: Cli, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus.ndjson")
    alerts = tmp_path / "alerts.ndjson"
    with alerts.open("w", encoding="utf-8") as handle:
        for line in corpus.read_text("utf-8").splitlines():
            record = json.loads(line)
            handle.write(
                json.dumps(
                    {
                        k: record[k]
                        for k in ("id", "timestamp", "service", "failure_class", "trace_ids")
                    }
                )
                + "\n"
            )
    ingest(cli, alerts)
    doc = audit(cli)
    assert doc["verdict"] == "no-drift" and doc["statistics"]["p_value"] is not None
    assert doc["windows"]["recent"]["incidents"] == 60 and len(doc["classes"]) == 6
    assert doc["labels"]["status"] == "insufficient-data" and doc["labels"]["drift"] is False
    assert doc["labels"]["reason"] == (
        "label consistency not checked: the records carry no "
        "text to read (no title, summary, root cause or error "
        "message)"
    )
    text = cli("audit", "--as-of", AS_OF)
    assert text.exit_code == 0 and "the records carry no text" in text.stdout


@pytest.mark.usefixtures("drifted")
def test_windows_follow_recent_and_baseline(cli: Cli) -> None:
    doc = audit(cli, "--recent", "14d", "--baseline", "21d")
    assert doc["windows"]["recent"]["start"] == "2026-11-09T00:00:00Z"
    assert doc["windows"]["baseline"]["start"] == "2026-10-19T00:00:00Z"
    assert doc["windows"]["baseline"]["end"] == "2026-11-09T00:00:00Z"


@pytest.mark.usefixtures("drifted")
def test_the_same_store_and_options_give_the_same_document(cli: Cli) -> None:
    first, second = audit(cli), audit(cli)
    for doc in (first, second):
        doc.pop("run_id"), doc.pop("audit_id")
    assert first == second


@pytest.mark.usefixtures("drifted")
def test_each_audit_is_stored_and_the_latest_is_found_by_as_of(cli: Cli) -> None:
    audit(cli)
    cli.json("audit", "--as-of", "2026-11-16")
    latest = audit(cli)
    with Store.open("failearn.db") as store:
        found = latest_audit(store, "2026-11-23T00:00:00Z")
        earlier = latest_audit(store, "2026-11-20T00:00:00Z")
        assert latest_audit(store, "2026-11-01T00:00:00Z") is None
        history = audit_history(store, "2026-12-01T00:00:00Z")
        rows = store.query(
            "SELECT COUNT(*) AS n FROM audit_classes WHERE audit_id = ?", [latest["audit_id"]]
        )
    assert isinstance(found, AuditSummary)
    assert (found.audit_id, found.verdict, found.drift) == (latest["audit_id"], "drift", True)
    assert found.as_of == "2026-11-23T00:00:00Z" and found.recent_incidents == 60
    assert found.accuracy == latest["labels"]["accuracy"]
    assert found.shifts and "`timeout` fell" in found.shifts[0]
    assert earlier is not None and earlier.as_of == "2026-11-16T00:00:00Z"
    assert [h.as_of for h in history] == ["2026-11-16T00:00:00Z", "2026-11-23T00:00:00Z"]
    assert history[-1].audit_id == latest["audit_id"]
    assert rows[0]["n"] == len(latest["classes"])
    with sqlite3.connect("failearn.db") as conn:
        runs = conn.execute(
            "SELECT command, status, as_of FROM runs WHERE command = 'audit' ORDER BY id"
        ).fetchall()
    assert runs[-1] == ("audit", "drift", "2026-11-23T00:00:00Z") and len(runs) == 3


@pytest.mark.usefixtures("drifted")
def test_markdown_and_text(cli: Cli) -> None:
    md = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert md.exit_code == 0
    assert md.stdout.startswith("# Taxonomy audit as of 2026-11-23: drift\n")
    for heading in ("## Shifts", "## Class mix", "## Label consistency", "## Hygiene"):
        assert f"\n{heading}\n" in md.stdout
    assert "| `resource-exhaustion` |" in md.stdout
    text = cli("audit", "--as-of", AS_OF)
    assert text.exit_code == 0
    assert "drift" in text.stdout.splitlines()[0]
    assert "`timeout` fell from" in text.stdout and "reads like `timeout`" in text.stdout


def test_markdown_escapes_what_records_say(cli: Cli, tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "drifted.ndjson", relabel=("timeout", "resource-exhaustion"))
    lines = []
    for line in corpus.read_text("utf-8").splitlines():
        record = json.loads(line)
        if str(record["id"]).startswith("r-"):
            record["title"] = f"{record['title']} <img src=x> | *now* [link](http://x)"
        lines.append(json.dumps(record))
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest(cli, corpus)
    md = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert md.exit_code == 0, md.stderr
    rows = [line for line in md.stdout.splitlines() if line.startswith("| r-")]
    assert rows and all(line.count(" | ") == 5 for line in rows)
    for raw in (r"<img", r"\*now", r"\[link", r"\| \*"):
        assert not re.search(r"(?<!\\)" + raw, md.stdout), raw
    assert "\\<img src=x\\> \\| \\*now\\* \\[link\\](http://x)" in rows[0]
    assert "| r\\-" not in md.stdout  # ids and services keep their hyphens


def test_a_team_overrides_the_audit_template(cli: Cli, tmp_path: Path) -> None:
    ingest(cli, write_corpus(tmp_path / "stable.ndjson"))
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "audit.md.j2").write_text("Verdict {{ audit.verdict }}: {{ '<b>' | md }}\n")
    result = cli("audit", "--as-of", AS_OF, "--format", "md", "--template-dir", str(mine))
    assert (result.exit_code, result.stdout) == (0, "Verdict no-drift: \\<b\\>\n")
    (tmp_path / "failearn.toml").write_text('[report]\ntemplate_dir = "mine"\n')
    assert cli("audit", "--as-of", AS_OF, "--format", "md").stdout.startswith("Verdict no-drift")
    (mine / "audit.md.j2").write_text("{{ audit.no_such_key.x }}\n")
    broken = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert broken.exit_code == 2 and "cannot render audit.md.j2" in broken.stderr
    (mine / "audit.md.j2").write_text("{% if %}\n")
    broken = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert broken.exit_code == 2 and "cannot render audit.md.j2" in broken.stderr
    (mine / "audit.md.j2").write_text("{{ 1 / 0 }}\n")
    broken = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert broken.exit_code == 2 and "ZeroDivisionError" in broken.stderr
    (mine / "audit.md.j2").write_bytes(b"\xff\xfe{{ audit.verdict }}\n")
    broken = cli("audit", "--as-of", AS_OF, "--format", "md")
    assert broken.exit_code == 2 and "cannot read template audit.md.j2" in broken.stderr
    with sqlite3.connect("failearn.db") as conn:  # only the two audits that were printed
        assert conn.execute("SELECT COUNT(*) FROM audits").fetchone()[0] == 2
    missing = cli("audit", "--as-of", AS_OF, "--format", "md", "--template-dir", "nowhere")
    assert missing.exit_code == 2 and "is not a directory" in missing.stderr


@pytest.mark.usefixtures("drifted")
def test_the_classifier_can_be_left_out(cli: Cli) -> None:
    doc = audit(cli, "--no-classifier")
    assert doc["labels"]["status"] == "not-run" and doc["drift"] is True
    # The pairing then rests on services alone.
    assert doc["shifts"][0]["rose"] == "resource-exhaustion"


@pytest.mark.usefixtures("drifted")
def test_thresholds_come_from_the_configuration(cli: Cli) -> None:
    Path("failearn.toml").write_text("[audit]\nmin_recent = 100\n", encoding="utf-8")
    assert audit(cli)["verdict"] == "insufficient-data"
    assert audit(cli, "--min-recent", "10")["verdict"] == "drift"
    Path("failearn.toml").write_text("[audit]\nalpha = 3\n", encoding="utf-8")
    result = cli("audit", "--as-of", AS_OF)
    assert result.exit_code == 2
    assert "--alpha / [audit] alpha must be" in result.stderr


@pytest.mark.usefixtures("stable")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--recent", "soon"], "--recent: 'soon' is not a duration"),
        (["--baseline", "0d"], "--baseline / [audit] baseline must be a positive duration"),
        (["--alpha", "2"], "--alpha / [audit] alpha must be"),
        (["--folds", "1"], "--folds / [audit] folds must be between 2 and 20"),
        (["--samples", "5"], "--samples / [audit] samples must be"),
        (["--as-of", "yesterday-ish"], "--as-of 'yesterday-ish'"),
        (["--format", "xml"], "xml"),
        (["--min-recent", "many"], "--min-recent"),
    ],
)
def test_bad_options_exit_2(cli: Cli, args: list[str], message: str) -> None:
    result = cli("audit", *args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_missing_database_exits_2(cli: Cli) -> None:
    result = cli("audit", "--db", "absent.db")
    assert result.exit_code == 2
    assert "does not exist" in result.stderr and not Path("absent.db").exists()


@pytest.mark.slow
def test_the_sample_corpus_drift_of_its_last_week_is_found(cli: Cli) -> None:
    ingest(cli, REPO / "sample-postmortems")
    doc = audit(cli, "--fail-on-drift", exit_code=1)
    assert doc["verdict"] == "drift"
    drift = TRUTH["drift"]
    [shift] = [s for s in doc["shifts"] if s["kind"] == "paired"]
    assert (shift["fell"], shift["rose"]) == (drift["from_class"], drift["to_class"])
    assert (shift["fell"], shift["rose"]) == ("timeout", "resource-exhaustion")
    with Store.open("failearn.db") as store:
        planted = {
            row["incident_id"]
            for row in store.query(
                "SELECT DISTINCT incident_id FROM reports WHERE record_id IN "
                f"({', '.join('?' * len(drift['record_ids']))})",
                drift["record_ids"],
            )
        }
    assert set(shift["incident_ids"]) == planted
    assert {d["incident_id"] for d in doc["labels"]["disagreements"]} >= planted
    # The weeks before it are stable.
    before = cli.json("audit", "--as-of", "2026-11-16", "--fail-on-drift")
    assert before["verdict"] == "no-drift"


def test_hygiene_names_aliases_old_versions_unused_classes_and_one_class_services(
    cli: Cli, tmp_path: Path
) -> None:
    path = write_corpus(tmp_path / "corpus.ndjson")
    extra = [
        {
            "id": f"bill-{n}",
            "timestamp": f"2026-11-0{n + 1}T12:00:00Z",
            "service": "billing",
            "failure_class": "latency spike",
            "title": "billing calls timed out",
            "trace_ids": [f"{n + 1:032x}"],
        }
        for n in range(6)
    ]
    with path.open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(row) + "\n" for row in extra)
    ingest(cli, path)
    bundled = (REPO / "taxonomy" / "failure-classes.yaml").read_text("utf-8")
    (tmp_path / "next.yaml").write_text(
        bundled.replace('version: "2026.11"', 'version: "2026.12"'), "utf-8"
    )
    Path("failearn.toml").write_text('taxonomy = "next.yaml"\n', encoding="utf-8")
    hygiene = audit(cli, "--show", "3")["hygiene"]
    assert hygiene["label_routes"] == [
        {
            "label": "latency spike",
            "failure_class": "timeout",
            "via": "alias",
            "recent": 0,
            "baseline": 6,
            "incident_ids": ["bill-0", "bill-1", "bill-2"],
        }
    ]
    assert [(v["taxonomy_version"], v["incidents"]) for v in hygiene["old_versions"]] == [
        ("2026.11", 266)
    ]
    assert hygiene["unknown_classes"] == []
    assert hygiene["single_class_services"] == [
        {"service": "billing", "failure_class": "timeout", "incidents": 6}
    ]
    assert "dns-failure" in hygiene["unused_classes"]
    assert "timeout" not in hygiene["unused_classes"]
    text = cli("audit", "--as-of", AS_OF).stdout
    assert "266 incident(s) under taxonomy 2026.11, not 2026.12" in text
    assert "billing (timeout ×6)" in text


@pytest.mark.usefixtures("drifted")
def test_the_weekly_report_shows_the_latest_audit(cli: Cli) -> None:
    before = cli.json("report", "--as-of", AS_OF)
    assert before["drift"] is None
    audit(cli)
    drift = cli.json("report", "--as-of", AS_OF)["drift"]
    assert (drift["status"], drift["drift"], drift["as_of"]) == (
        "drift",
        True,
        "2026-11-23T00:00:00Z",
    )
    assert drift["shifts"] and drift["shifts"][0].startswith("`timeout` fell from")
    assert {c["failure_class"] for c in drift["classes"][:2]} == {"timeout", "resource-exhaustion"}
