"""``failearn ingest`` end to end, through the CLI, asserting on output and rows."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli
from tests.helpers.paths import REPO
from tests.helpers.process import no_hang

AS_OF = "2026-11-23"
REPO_SAMPLES = REPO / "sample-postmortems"


def rows(sql: str, db: str = "failearn.db") -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def ingest(cli: Cli, *args: str, exit_code: int = 0, stdin: str | None = None) -> dict[str, Any]:
    return cli.json("ingest", *args, "--as-of", AS_OF, input=stdin, exit_code=exit_code)


def test_good_inputs_are_stored_and_merged(cli: Cli, copy_fixture: Callable[[str], Path]) -> None:
    good = copy_fixture("good")
    doc = ingest(cli, str(good))
    assert (doc["accepted"], doc["merged"], doc["rejected"], doc["unchanged"]) == (5, 2, 0, 0)
    assert doc["errors"] == [] and doc["files"] == 3 and doc["records"] == 7
    assert doc["incidents"] == {"created": 5, "updated": 0, "total": 5}
    incidents = rows(
        "SELECT id, timestamp, service, failure_class, severity, report_count "
        "FROM incidents ORDER BY id"
    )
    assert incidents == [
        (
            "PM-2026-0042",
            "2026-11-02T14:03:00Z",
            "checkout",
            "connection-pool-exhaustion",
            "SEV1",
            3,
        ),
        ("auth-1", "2026-11-03T09:00:00Z", "auth", "configuration-error", "SEV3", 1),
        ("auth-2", "2026-11-04T07:00:00Z", "auth", "configuration-error", None, 1),
        ("search-1", "2026-11-02T15:00:00Z", "search", "timeout", None, 1),
        ("search-2", "2026-11-02T16:00:00Z", "search", "timeout", None, 1),
    ]
    traces = rows(
        "SELECT trace_id FROM incident_trace_ids WHERE incident_id = 'PM-2026-0042' "
        "ORDER BY trace_id"
    )
    assert [t for (t,) in traces] == [
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "5bf92f3577b34da6a3ce929d0e0e4736",
        "6bf92f3577b34da6a3ce929d0e0e4736",
        "7bf92f3577b34da6a3ce929d0e0e4736",
    ]
    assert rows("SELECT outcome, COUNT(*) FROM inbox GROUP BY outcome ORDER BY outcome") == [
        ("accepted", 5),
        ("merged", 2),
    ]


def test_markdown_sections_map_onto_canonical_fields(
    cli: Cli, copy_fixture: Callable[[str], Path]
) -> None:
    ingest(cli, str(copy_fixture("good") / "2026-11-02-checkout-pool.md"))
    ((summary, root_cause, resolution, workarounds, timeline, actions, title),) = rows(
        "SELECT summary, root_cause, resolution, workarounds, timeline, action_items, title "
        "FROM incidents"
    )
    assert title == "Checkout pool exhaustion during the lunch peak"
    assert "Checkout requests failed" in summary and "<email>" in summary
    assert "jane.doe" not in summary
    assert "payments pool holds 50" in root_cause and "Why did checkout fail" in root_cause
    assert "Raised the pool" in resolution and "<ip>" in resolution
    assert "Restart the payments pods" in workarounds
    assert "| 14:03 | first alert |" in timeline
    assert "alert on pool utilisation" in actions
    record = rows("SELECT details FROM reports")[0][0]
    assert "Customer communication" in record and "Lessons Learned" in record
    messages = rows("SELECT message FROM incident_error_messages")
    assert any("HikariPool-1" in m for (m,) in messages)
    assert "Priya" not in record and "person-" in record


def test_running_twice_changes_nothing(cli: Cli, copy_fixture: Callable[[str], Path]) -> None:
    good = copy_fixture("good")
    ingest(cli, str(good))
    before = rows("SELECT * FROM incidents ORDER BY id")
    inbox = rows("SELECT COUNT(*) FROM inbox")
    doc = ingest(cli, str(good))
    assert (doc["accepted"], doc["merged"], doc["updated"], doc["unchanged"]) == (0, 0, 0, 7)
    assert doc["incidents"] == {"created": 0, "updated": 0, "total": 5}
    assert rows("SELECT * FROM incidents ORDER BY id") == before
    assert rows("SELECT COUNT(*) FROM inbox") == inbox


def test_an_edited_post_mortem_updates_its_incident_and_keeps_the_old_version(
    cli: Cli, copy_fixture: Callable[[str], Path]
) -> None:
    good = copy_fixture("good")
    ingest(cli, str(good))
    page = good / "2026-11-02-checkout-pool.md"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            "Checkout requests failed for 14 minutes.", "Checkout requests failed for 19 minutes."
        ),
        encoding="utf-8",
    )
    doc = ingest(cli, str(good))
    assert (doc["updated"], doc["unchanged"], doc["accepted"]) == (1, 6, 0)
    assert doc["incidents"]["updated"] == 1
    ((summary,),) = rows("SELECT summary FROM incidents WHERE id = 'PM-2026-0042'")
    assert "19 minutes" in summary
    versions = rows(
        "SELECT outcome, raw LIKE '%14 minutes%' FROM inbox "
        "WHERE source LIKE '%checkout-pool.md' ORDER BY id"
    )
    assert versions == [("accepted", 1), ("updated", 0)]


BAD_CASES = [
    ("missing-fields.md", "missing-field", 1),
    ("unknown-class.md", "unknown-class", 5),
    ("bad-timestamp.md", "invalid-timestamp", 3),
    ("yaml-bomb.md", "yaml-too-complex", None),
    ("not-mapping.md", "front-matter-not-mapping", 2),
    ("unclosed-front-matter.md", "front-matter-not-closed", 1),
    ("malformed-yaml.md", "invalid-yaml", 5),
    ("empty.md", "empty-file", 1),
    ("binary.md", "binary-file", 1),
    ("invalid-utf8.md", "invalid-utf8", 2),
    ("trailing-comma.json", "invalid-json", 2),
]


def test_a_bad_trace_id_warns_in_a_post_mortem_and_rejects_where_required(
    cli: Cli, fixtures: Path
) -> None:
    path = fixtures / "bad" / "bad-trace.md"
    doc = ingest(cli, str(path))
    assert doc["accepted"] == 1
    assert [(w["code"], w["line"], w["level"]) for w in doc["warnings"]] == [
        ("invalid-trace-id", 6, "warning")
    ]
    Path("failearn.toml").write_text(
        '[gates]\npostmortem_require = ["timestamp", "service", '
        '"failure_class", "trace_ids"]\npostmortem_recommend = []\n'
    )
    doc = ingest(cli, str(path), "--db", "strict.db", exit_code=1)
    (error,) = doc["errors"]
    assert (error["code"], error["line"]) == ("invalid-trace-id", 6)
    assert "[gates] trace_id_pattern" in error["hint"]


@pytest.mark.parametrize(("name", "code", "line"), BAD_CASES)
def test_each_bad_input_gets_a_coded_located_error(
    cli: Cli, fixtures: Path, name: str, code: str, line: int | None
) -> None:
    path = fixtures / "bad" / name
    doc = ingest(cli, str(path), exit_code=1)
    assert doc["rejected"] == 1
    errors = [e for e in doc["errors"] if e["code"] == code]
    assert errors, doc["errors"]
    assert errors[0]["source"].endswith(name)
    if line is not None:
        assert errors[0]["line"] == line
    assert errors[0]["message"] and errors[0]["hint"]
    if name == "trailing-comma.json":
        assert "trailing comma" in errors[0]["message"]
    kept = rows(
        "SELECT outcome, raw IS NOT NULL OR raw_bytes IS NOT NULL, errors FROM inbox ORDER BY line"
    )
    if name == "trailing-comma.json":
        # An array is streamed: the record before the break is read and kept.
        assert kept[0][:2] == ("accepted", 1)
        kept = kept[1:]
    assert [(o, k) for o, k, _ in kept] == [("rejected", 1)]
    assert code in kept[0][2]


def test_a_bad_file_does_not_stop_the_run(cli: Cli, fixtures: Path, tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    shutil.copytree(fixtures / "bad", mixed)
    shutil.copytree(fixtures / "good", mixed / "good")
    doc = ingest(cli, str(mixed), exit_code=1)
    # 7 good records, ok-1 of mixed.ndjson, the record before the trailing comma of
    # trailing-comma.json, and bad-trace.md (trace ids are only recommended for
    # post-mortems: its invalid one is a warning).
    assert doc["accepted"] + doc["merged"] == 10
    assert doc["rejected"] == len(BAD_CASES) + 3
    ndjson = sorted(
        (e["line"], e["code"]) for e in doc["errors"] if e["source"].endswith("mixed.ndjson")
    )
    assert ndjson == [(2, "invalid-json"), (3, "not-an-object"), (4, "unknown-class")]
    assert rows("SELECT COUNT(*) FROM incidents") == [(7,)]


def test_a_50_mb_file_is_rejected_not_loaded(cli: Cli, tmp_path: Path) -> None:
    big = tmp_path / "huge.md"
    with big.open("w", encoding="utf-8") as handle:
        handle.write("---\ntitle: huge\n---\n")
        line = "x" * 1023 + "\n"
        for _ in range(50 * 1024):
            handle.write(line)
    doc = ingest(cli, str(big), exit_code=1)
    assert [e["code"] for e in doc["errors"]] == ["file-too-large"]
    assert doc["errors"][0]["message"] == (
        f"the file is {big.stat().st_size:,} bytes; the limit is {5 * 1024 * 1024:,}; the inbox "
        "keeps its first 1,048,576 bytes and the SHA-256 of all of it"
    )
    # The inbox keeps the head, and the size and hash of the whole file.
    ((kept, size, sha),) = rows("SELECT raw_bytes, raw_size, sha256 FROM inbox")
    data = big.read_bytes()
    assert kept == data[: 1024 * 1024]
    assert (size, sha) == (len(data), hashlib.sha256(data).hexdigest())
    # The same file again is the same payload: not kept twice.
    ingest(cli, str(big), exit_code=1)
    assert rows("SELECT COUNT(*) FROM inbox") == [(1,)]


def test_a_line_over_the_record_limit_keeps_its_head_and_hash(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text(
        "[ingest]\nmax_record_bytes = 2000000\n", encoding="utf-8"
    )
    line = ('{"id": "big", "title": "' + "x" * 3_000_000 + '"}').encode()
    (tmp_path / "big.ndjson").write_bytes(line + b"\n")
    doc = ingest(cli, "big.ndjson", exit_code=1)
    assert [(e["code"], e["line"]) for e in doc["errors"]] == [("record-too-large", 1)]
    ((kept, size, sha),) = rows("SELECT raw_bytes, raw_size, sha256 FROM inbox")
    assert (kept, size) == (line[: 1024 * 1024], len(line) + 1)
    assert sha == hashlib.sha256(line + b"\n").hexdigest()


def test_a_small_file_over_a_small_limit_is_kept_whole(
    cli: Cli, tmp_path: Path, fixtures: Path
) -> None:
    (tmp_path / "failearn.toml").write_text(
        "[ingest]\nmax_markdown_bytes = 100\n", encoding="utf-8"
    )
    page = fixtures / "good" / "2026-11-02-checkout-pool.md"
    doc = ingest(cli, str(page), exit_code=1)
    assert doc["errors"][0]["message"].endswith("; the limit is 100")
    assert rows("SELECT raw_bytes, raw_size FROM inbox") == [(page.read_bytes(), None)]


def test_dry_run_writes_nothing(
    cli: Cli, copy_fixture: Callable[[str], Path], tmp_path: Path
) -> None:
    doc = ingest(cli, str(copy_fixture("good")), "--dry-run")
    assert doc["accepted"] == 5 and doc["dry_run"] and doc["run_id"] is None
    assert not (tmp_path / "failearn.db").exists()
    ingest(cli, str(tmp_path / "good"))
    count = rows("SELECT COUNT(*) FROM inbox")
    doc = ingest(cli, str(tmp_path / "good"), "--dry-run")
    assert doc["unchanged"] == 7
    assert rows("SELECT COUNT(*) FROM inbox") == count
    assert rows("SELECT COUNT(*) FROM runs") == [(1,)]


def test_ndjson_on_stdin(cli: Cli, fixtures: Path) -> None:
    text = (fixtures / "bad" / "mixed.ndjson").read_text(encoding="utf-8")
    doc = ingest(cli, "-", stdin=text, exit_code=1)
    assert doc["accepted"] == 1 and doc["rejected"] == 3
    assert {e["source"] for e in doc["errors"]} == {"<stdin>"}


def test_no_keep_raw_keeps_only_the_hash(cli: Cli, copy_fixture: Callable[[str], Path]) -> None:
    ingest(cli, str(copy_fixture("good")), "--no-keep-raw")
    assert rows("SELECT COUNT(*) FROM inbox WHERE raw IS NOT NULL OR raw_bytes IS NOT NULL") == [
        (0,)
    ]
    assert rows("SELECT COUNT(*) FROM inbox WHERE raw_dropped = 1 AND length(sha256) = 64") == [
        (7,)
    ]


def test_anonymised_everywhere_but_the_raw_inbox(
    cli: Cli, copy_fixture: Callable[[str], Path]
) -> None:
    ingest(cli, str(copy_fixture("good")))
    for table in ("incidents", "reports"):
        dump = str(rows(f"SELECT * FROM {table}"))
        assert "jane.doe@example.com" not in dump and "10.20.30.40" not in dump
        assert "Jane Doe" not in dump
    assert "jane.doe@example.com" in str(rows("SELECT raw FROM inbox"))


def test_github_annotations(cli: Cli, fixtures: Path) -> None:
    result = cli(
        "ingest", str(fixtures / "bad" / "unknown-class.md"), "--format", "github", "--as-of", AS_OF
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("::error file=")
    assert "unknown-class.md,line=5,title=failearn unknown-class::failure_class: " in lines[0]
    assert lines[-1].startswith("::notice title=failearn ingest::")


def test_text_output_names_file_line_and_code(cli: Cli, fixtures: Path) -> None:
    result = cli("ingest", str(fixtures / "bad" / "unknown-class.md"), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "unknown-class.md:5: error unknown-class [failure_class]:" in result.stdout
    assert "rejected" in result.stdout


def test_missing_path_is_a_usage_error_without_traceback(cli: Cli) -> None:
    result = cli("ingest", "no/such/dir")
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines()[0] == "error: no/such/dir: no such file or directory"
    assert "Traceback" not in result.stderr + result.stdout


@pytest.mark.parametrize("args", [["--dedup-window", "soon"], ["--as-of", "whenever"]])
def test_bad_options_are_usage_errors(cli: Cli, fixtures: Path, args: list[str]) -> None:
    result = cli("ingest", str(fixtures / "good"), *args)
    assert result.exit_code == 2
    assert result.stderr.startswith("error: ")


def test_a_file_that_is_not_a_database(cli: Cli, fixtures: Path, tmp_path: Path) -> None:
    (tmp_path / "notes.db").write_text("not sqlite", encoding="utf-8")
    result = cli("ingest", str(fixtures / "good"), "--db", "notes.db")
    assert result.exit_code == 2
    assert "not a failearn database" in result.stderr


def test_merges_across_runs_bridge_incidents_in_any_order(cli: Cli, tmp_path: Path) -> None:
    def alert(name: str, minute: int) -> str:
        return (
            f'{{"id":"{name}","timestamp":"2026-11-02T12:{minute:02d}:00Z",'
            f'"service":"checkout","failure_class":"timeout",'
            f'"trace_ids":["{minute + 1:032x}"]}}\n'
        )

    early = tmp_path / "early.ndjson"
    early.write_text(alert("a", 0) + alert("c", 8), encoding="utf-8")
    middle = tmp_path / "middle.ndjson"
    middle.write_text(alert("b", 4), encoding="utf-8")
    ingest(cli, str(early))
    assert rows("SELECT id FROM incidents ORDER BY id") == [("a",), ("c",)]
    doc = ingest(cli, str(middle))
    assert doc["merged"] == 1 and doc["incidents"] == {"created": 0, "updated": 1, "total": 1}
    assert rows("SELECT id, report_count FROM incidents") == [("a", 3)]
    assert rows("SELECT alias, incident_id FROM incident_aliases") == [("c", "a")]
    ingest(cli, str(middle), "--db", "other.db")
    ingest(cli, str(early), "--db", "other.db")
    assert rows("SELECT id, timestamp, report_count FROM incidents", "other.db") == rows(
        "SELECT id, timestamp, report_count FROM incidents"
    )


def test_known_workarounds_link_new_incidents_to_earlier_fixes(
    cli: Cli, copy_fixture: Callable[[str], Path]
) -> None:
    ingest(cli, str(copy_fixture("good")))
    assert rows("SELECT incident_id, related_id FROM incident_links") == [("search-2", "search-1")]


def test_worker_processes_give_the_same_result(cli: Cli, tmp_path: Path) -> None:
    samples = REPO_SAMPLES
    for workers, db in ((1, "serial.db"), (2, "parallel.db")):
        config = tmp_path / f"w{workers}.toml"
        config.write_text(f'db = "{db}"\n[ingest]\nworkers = {workers}\n', encoding="utf-8")
        doc = cli.json("--config", str(config), "ingest", str(samples), "--as-of", AS_OF)
        assert doc["rejected"] == 0 and doc["accepted"] > 400
    query = (
        "SELECT id, timestamp, service, failure_class, severity, report_count, summary "
        "FROM incidents ORDER BY id"
    )
    assert rows(query, str(tmp_path / "serial.db")) == rows(query, str(tmp_path / "parallel.db"))
    outcomes = "SELECT source, line, outcome FROM inbox ORDER BY id"
    assert rows(outcomes, str(tmp_path / "serial.db")) == rows(
        outcomes, str(tmp_path / "parallel.db")
    )
    # The parallel run was a bulk load into an empty store: its indexes were rebuilt.
    indexes = "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    assert rows(indexes, str(tmp_path / "serial.db")) == rows(
        indexes, str(tmp_path / "parallel.db")
    )


def test_a_class_mapping_to_no_class_is_a_configuration_error(
    cli: Cli, fixtures: Path, tmp_path: Path
) -> None:
    config = tmp_path / "typo.toml"
    config.write_text('[classes]\n"config-change" = "configuration-errror"\n', encoding="utf-8")
    result = cli("--config", str(config), "ingest", str(fixtures / "good"))
    assert result.exit_code == 2
    assert "`classes.'config-change'` maps to 'configuration-errror'" in result.stderr
    assert not (tmp_path / "failearn.db").exists()


def test_times_beyond_the_date_limits_reject_their_record_not_the_run(
    cli: Cli, fixtures: Path
) -> None:
    edge = fixtures / "edge"
    doc = ingest(
        cli,
        str(edge / "ts-overflow.ndjson"),
        str(edge / "ts-year9999.md"),
        str(edge / "timeline-rollover-9999.md"),
        exit_code=1,
    )
    assert doc["accepted"] == 1 and doc["rejected"] == 9
    assert sorted(
        (e["source"].rsplit("/", 1)[-1], e["line"])
        for e in doc["errors"]
        if e["code"] == "invalid-timestamp"
    ) == [
        ("timeline-rollover-9999.md", 13),
        ("ts-overflow.ndjson", 2),
        ("ts-overflow.ndjson", 3),
        ("ts-overflow.ndjson", 4),
        ("ts-overflow.ndjson", 5),
        ("ts-overflow.ndjson", 6),
        ("ts-overflow.ndjson", 7),
        ("ts-overflow.ndjson", 8),
        ("ts-year9999.md", 4),
    ]
    assert rows("SELECT outcome, COUNT(*) FROM inbox GROUP BY outcome ORDER BY outcome") == [
        ("accepted", 1),
        ("rejected", 9),
    ]


def test_front_matter_keys_that_are_not_strings_are_stored(cli: Cli, fixtures: Path) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "yaml-nonstr-keys.md"))
    assert doc["accepted"] == 1
    ((details,),) = rows("SELECT details FROM reports")
    assert '"http_errors":{"500":120,"503":4}' in details and '"2026-11-02":124' in details


def test_front_matter_words_yaml_1_1_would_change_are_stored_as_written(
    cli: Cli, fixtures: Path
) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "yaml11-words.md"))
    assert doc["accepted"] == 1
    assert rows("SELECT record_id, service, title FROM reports") == [("0042", "off", "yes")]


def test_an_impossible_date_in_front_matter_is_an_invalid_timestamp_at_its_line(
    cli: Cli, fixtures: Path
) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "fm-impossible-date.md"), exit_code=1)
    assert [(e["code"], e["field"], e["line"]) for e in doc["errors"]] == [
        ("invalid-timestamp", "timestamp", 3)
    ]


def test_a_post_mortem_with_lines_ended_by_cr_alone_is_read(cli: Cli, fixtures: Path) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "cr-line-endings.md"))
    assert doc["accepted"] == 1 and doc["errors"] == []
    assert rows("SELECT service, failure_class FROM incidents") == [("payments", "timeout")]


def test_yaml_binary_values_are_stored_as_the_text_they_hold(cli: Cli, fixtures: Path) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "yaml-binary.md"))
    assert doc["accepted"] == 1
    assert rows("SELECT service, title FROM incidents") == [("checkout", "ledger timeouts")]
    assert rows("SELECT message FROM report_error_messages") == [("upstream timed out \ufffd",)]


def test_a_fifo_is_skipped_in_a_walk_and_rejected_when_named(
    cli: Cli, tmp_path: Path, fixtures: Path
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(fixtures / "good" / "2026-11-02-checkout-pool.md", folder)
    os.mkfifo(folder / "pipe.ndjson")
    os.mkfifo(tmp_path / "named.md")
    with no_hang():
        doc = ingest(cli, str(folder), str(tmp_path / "named.md"), exit_code=1)
    assert (doc["files"], doc["accepted"], doc["rejected"]) == (2, 1, 1)
    assert [(e["source"], e["code"], e["message"]) for e in doc["errors"]] == [
        ("named.md", "unreadable-file", "cannot read the file: not a regular file")
    ]
    assert rows("SELECT source, outcome FROM inbox ORDER BY id") == [
        ("in/2026-11-02-checkout-pool.md", "accepted"),
        ("named.md", "rejected"),
    ]


@pytest.mark.skipif(
    os.geteuid() == 0,
    reason="root lists any directory (tests/sources/test_discover.py covers it as nobody)",
)
def test_a_directory_that_cannot_be_listed_is_a_located_rejection(
    cli: Cli, tmp_path: Path, fixtures: Path
) -> None:
    locked = tmp_path / "in" / "locked"
    locked.mkdir(parents=True)
    shutil.copy(fixtures / "good" / "2026-11-02-checkout-pool.md", locked)
    locked.chmod(0)
    try:
        doc = ingest(cli, str(tmp_path / "in"), exit_code=1)
    finally:
        locked.chmod(0o755)
    assert [(e["source"], e["code"]) for e in doc["errors"]] == [("in/locked", "unreadable-file")]


def test_an_edited_post_mortem_on_its_own_updates_its_incident_and_makes_none(
    cli: Cli, copy_fixture: Callable[[str], Path]
) -> None:
    page = copy_fixture("good/2026-11-02-checkout-pool.md")
    ingest(cli, str(page))
    page.write_text(
        page.read_text(encoding="utf-8").replace("14 minutes", "19 minutes"), encoding="utf-8"
    )
    doc = ingest(cli, str(page))
    assert (doc["accepted"], doc["updated"]) == (0, 1)
    assert doc["incidents"] == {"created": 0, "updated": 1, "total": 1}
    # An edit of its id too: the incident takes the new id, the old one stays resolvable.
    page.write_text(
        page.read_text(encoding="utf-8").replace("PM-2026-0042", "PM-2026-0043"), encoding="utf-8"
    )
    doc = ingest(cli, str(page))
    assert doc["incidents"] == {"created": 0, "updated": 1, "total": 1}
    assert rows("SELECT alias, incident_id FROM incident_aliases") == [
        ("PM-2026-0042", "PM-2026-0043")
    ]


def test_a_dedup_window_of_zero_is_zero_not_the_default(cli: Cli, fixtures: Path) -> None:
    alerts = str(fixtures / "edge" / "one-minute-apart.ndjson")
    doc = ingest(cli, alerts, "--dedup-window", "0s", "--dry-run")
    assert (doc["accepted"], doc["merged"], doc["dedup_window"]) == (2, 0, "0s")
    doc = ingest(cli, alerts, "--dry-run")
    assert (doc["accepted"], doc["merged"], doc["dedup_window"]) == (1, 1, "5m")


def test_fields_of_odd_types_are_rejected_or_warned_about_never_silently_changed(
    cli: Cli, fixtures: Path
) -> None:
    edge = fixtures / "edge"
    doc = ingest(cli, str(edge / "id-list.md"), str(edge / "id-mapping.md"), exit_code=1)
    assert [
        (e["source"].rsplit("/", 1)[-1], e["line"], e["code"], e["field"]) for e in doc["errors"]
    ] == [
        ("id-list.md", 2, "invalid-field-type", "id"),
        ("id-mapping.md", 2, "invalid-field-type", "id"),
    ]
    doc = ingest(
        cli,
        str(edge / "list-fields-of-odd-types.md"),
        str(edge / "metrics-not-finite.md"),
        str(edge / "severities-off-the-scale.json"),
    )
    warned = sorted(
        {
            (w["source"].rsplit("/", 1)[-1], w["code"], w["field"], w["line"])
            for w in doc["warnings"]
        }
    )
    assert warned == [
        ("list-fields-of-odd-types.md", "invalid-field-type", "error_messages", 8),
        ("list-fields-of-odd-types.md", "invalid-field-type", "trace_shape", 10),
        ("metrics-not-finite.md", "invalid-metric", "metrics", 8),
        ("severities-off-the-scale.json", "unknown-severity", "severity", 1),
    ]
    assert len([w for w in doc["warnings"] if w["code"] == "invalid-metric"]) == 6
    severities = rows(
        "SELECT record_id, severity, json_extract(details, '$.severity_raw') "
        "FROM reports WHERE record_id LIKE 'V%' ORDER BY record_id"
    )
    assert severities == [
        ("V1", "SEV1", "1"),
        ("V2", None, "1.5"),
        ("V3", "SEV1", "P0"),
        ("V4", "SEV1", "SEV0"),
        ("V5", None, "-1"),
        ("V6", None, "True"),
    ]
    ((metrics,),) = rows("SELECT metrics FROM reports WHERE record_id = 'PM-QA-MN'")
    assert metrics is None


def test_a_front_matter_key_written_twice_is_warned_about(cli: Cli, fixtures: Path) -> None:
    doc = ingest(cli, str(fixtures / "edge" / "duplicate-keys.md"))
    assert doc["accepted"] == 1
    assert [(w["code"], w["line"], w["field"]) for w in doc["warnings"]] == [
        ("duplicate-key", 6, "service")
    ]


def test_utf16_files_with_a_byte_order_mark_are_read(cli: Cli, fixtures: Path) -> None:
    edge = fixtures / "edge"
    doc = ingest(
        cli, str(edge / "utf16-le.md"), str(edge / "utf16-le.json"), str(edge / "utf16-be.ndjson")
    )
    assert (doc["rejected"], doc["accepted"] + doc["merged"]) == (0, 5)
    titles = {title for (title,) in rows("SELECT title FROM reports")}
    assert "café ☕ 2" in titles


def test_terminal_escapes_in_incident_text_are_not_stored_or_printed(
    cli: Cli, fixtures: Path
) -> None:
    alerts = str(fixtures / "edge" / "terminal-escapes.ndjson")
    result = cli("ingest", alerts, "--as-of", AS_OF)
    assert result.exit_code == 0, result.stdout
    control = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    with sqlite3.connect("failearn.db") as conn:
        for table in (
            "reports",
            "incidents",
            "report_error_messages",
            "report_dependencies",
            "incident_error_messages",
        ):
            for row in conn.execute(f"SELECT * FROM {table}"):
                text = "".join(str(v) for v in row if isinstance(v, str))
                assert not control.search(text.replace("\n", "").replace("\t", "")), (table, row)
    assert rows("SELECT DISTINCT message FROM report_error_messages") == [("red timeout",)]
    assert "\\u001b[31m" in rows("SELECT raw FROM inbox")[0][0]  # the raw copy, as received
    assert "\x1b" not in result.stdout


def test_writing_the_configuration_in_another_order_changes_no_record(
    cli: Cli, copy_fixture: Callable[[str], Path], tmp_path: Path
) -> None:
    good = copy_fixture("good")
    config = tmp_path / "failearn.toml"

    def write(keywords: list[tuple[str, str]], aliases: list[tuple[str, str]]) -> None:
        config.write_text(
            "[classify.keywords]\n"
            + "".join(f'"{k}" = "{v}"\n' for k, v in keywords)
            + "[severity.aliases]\n"
            + "".join(f'"{k}" = "{v}"\n' for k, v in aliases)
            + '[anonymize]\nmask = ["ip", "email", "phone", "bearer", "api_key"]\n',
            encoding="utf-8",
        )

    keywords = [("pool exhausted", "connection-pool-exhaustion"), ("gremlin", "timeout")]
    aliases = [("blocker", "SEV1"), ("meh", "SEV5")]
    write(keywords, aliases)
    ingest(cli, str(good))
    write(keywords[::-1], aliases[::-1])
    config.write_text(
        config.read_text(encoding="utf-8").replace('"ip", "email"', '"email", "ip"'),
        encoding="utf-8",
    )
    doc = ingest(cli, str(good))
    assert (doc["unchanged"], doc["updated"]) == (7, 0)
    # A change of meaning still updates every record.
    write([keywords[0], ("gremlin", "dependency-failure")], aliases)
    doc = ingest(cli, str(good))
    assert (doc["unchanged"], doc["updated"]) == (0, 7)


def test_text_output_prints_line_numbers_and_names_as_they_are(cli: Cli, tmp_path: Path) -> None:
    # rich turns ":100:" into an emoji unless told not to.
    def record(name: str, label: str, number: int) -> str:
        return json.dumps(
            {
                "id": name,
                "timestamp": "2026-11-02T10:00:00Z",
                "service": "auth",
                "failure_class": label,
                "trace_ids": [f"{number:032x}"],
            }
        )

    lines = [record(f"ok-{n}", "timeout", n + 1) for n in range(99)]
    lines.append(record("bad", ":fire:", 500))
    path = tmp_path / "l.ndjson"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = cli("ingest", str(path), "--as-of", AS_OF)
    assert result.exit_code == 1
    assert "l.ndjson:100: error unknown-class" in result.stdout
    assert "':fire:'" in result.stdout
