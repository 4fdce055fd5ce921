"""``failearn rules``: the review side of the registry, and its guardrails at their edges."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli
from tests.helpers.factories import draft, seed
from tests.helpers.rules import T0, at


def act(
    cli: Cli, verb: str, rule: str, time: str, *args: str, exit_code: int = 0
) -> dict[str, Any]:
    return cli.json(
        "rules", verb, rule, "--as-of", at(time), "--by", "ana", *args, exit_code=exit_code
    )


def events(db: str = "failearn.db") -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT rule_id, event, at, actor, note, status_before, "
            "status_after, forced FROM rule_events ORDER BY id"
        ).fetchall()


def test_accept_apply_revert_each_an_event_with_actor_and_note(
    cli: Cli, checkout: list[str]
) -> None:
    rule = checkout[0]
    doc = act(cli, "accept", rule, "09:00", "--note", "agreed in the weekly review")
    assert doc["command"] == "rules accept"
    assert doc["event"]["status_before"] == "candidate"
    assert doc["rule"]["status"] == "accepted"
    assert doc["rule"]["confidence"] > doc["confidence_before"]
    act(cli, "apply", rule, "10:00", "--note", "change 4411")
    doc = act(cli, "revert", rule, "11:00", "--note", "doubled DB connections")
    assert doc["warnings"] == []
    assert doc["rule"]["times_applied"] == 1
    assert events()[-3:] == [
        (
            rule,
            "accepted",
            at("09:00"),
            "ana",
            "agreed in the weekly review",
            "candidate",
            "accepted",
            0,
        ),
        (rule, "applied", at("10:00"), "ana", "change 4411", "accepted", "applied", 0),
        (rule, "reverted", at("11:00"), "ana", "doubled DB connections", "applied", "reverted", 0),
    ]


def test_a_unique_prefix_names_a_rule(cli: Cli, checkout: list[str]) -> None:
    doc = act(cli, "reject", checkout[0][:6], "09:00")
    assert doc["rule"]["rule_id"] == checkout[0]


@pytest.mark.parametrize(("time", "refused"), [("10:29", True), ("10:31", False)])
def test_apply_is_refused_within_the_cooldown_of_another_adaptation(
    cli: Cli, checkout: list[str], time: str, refused: bool
) -> None:
    first, second = checkout[0], checkout[1]
    act(cli, "accept", first, "09:00")
    act(cli, "accept", second, "09:00")
    act(cli, "apply", first, "10:00")
    result = cli("rules", "apply", second, "--as-of", at(time), "--by", "ana")
    if refused:
        assert result.exit_code == 1
        assert "refused: `checkout` had an adaptation at 2026-11-23T10:00:00Z" in result.stderr
        assert "lasts until 2026-11-23T10:30:00Z" in result.stderr
        assert "--force" in result.stderr
        assert events()[-1][1] == "applied" and events()[-1][0] == first
    else:
        assert result.exit_code == 0, result.stderr


def test_force_records_the_apply_and_says_so(cli: Cli, checkout: list[str]) -> None:
    first, second = checkout[0], checkout[1]
    act(cli, "accept", first, "09:00")
    act(cli, "accept", second, "09:00")
    act(cli, "apply", first, "10:00")
    doc = act(cli, "apply", second, "10:10", "--force", "--note", "incident bridge said so")
    assert doc["event"]["forced"] is True
    assert doc["overridden"][0].startswith("cooldown: `checkout` had an adaptation")
    assert events()[-1][-1] == 1


def test_an_adaptation_cannot_be_backdated_before_another_on_its_service(
    cli: Cli, checkout: list[str]
) -> None:
    first, second = checkout[0], checkout[1]
    act(cli, "accept", first, "09:00")
    act(cli, "accept", second, "09:00")
    act(cli, "apply", first, "10:00")
    act(cli, "apply", second, "11:30")
    before = events()
    result = cli("rules", "revert", first, "--as-of", at("11:20"), "--by", "ana")
    assert result.exit_code == 2
    assert (
        f"`checkout` has an adaptation at 2026-11-23T11:30:00Z (applied {second})" in result.stderr
    )
    assert events() == before


def test_another_service_is_not_in_cooldown(cli: Cli, checkout: list[str]) -> None:
    act(cli, "accept", checkout[0], "09:00")
    act(cli, "accept", checkout[3], "09:00")
    act(cli, "apply", checkout[0], "10:00")
    act(cli, "apply", checkout[3], "10:05")


def test_a_cooldown_from_the_command_line(cli: Cli, checkout: list[str]) -> None:
    act(cli, "accept", checkout[0], "09:00")
    act(cli, "accept", checkout[1], "09:00")
    act(cli, "apply", checkout[0], "10:00")
    act(cli, "apply", checkout[1], "10:10", "--cooldown", "5m")


@pytest.mark.parametrize(("time", "flagged"), [("10:29", True), ("10:31", False)])
def test_a_revert_within_its_cooldown_is_flagged(
    cli: Cli, checkout: list[str], time: str, flagged: bool
) -> None:
    rule = checkout[0]
    act(cli, "accept", rule, "09:00")
    act(cli, "apply", rule, "10:00")
    doc = act(cli, "revert", rule, time)
    assert bool(doc["warnings"]) is flagged
    assert (doc["rule"]["flagged"] == "reverted within its cooldown") is flagged
    shown = cli.json("rules", "show", rule, "--as-of", at("12:00"))
    assert (shown["rule"]["flagged"] is not None) is flagged


@pytest.fixture
def crowded(tmp_path: Path) -> list[str]:
    """Twelve rules on one service, registered at T0."""
    drafts = [draft(f"P{n:04d}", "checkout") for n in range(1, 13)]
    return seed(str(tmp_path / "failearn.db"), drafts, T0)


def test_circuit_breaker_ten_active_rules_closed_eleven_open(cli: Cli, crowded: list[str]) -> None:
    for rule in crowded[:9]:
        assert act(cli, "accept", rule, "09:00")["warnings"] == []
    doc = act(cli, "accept", crowded[9], "09:00")
    assert doc["warnings"] == []
    act(cli, "apply", crowded[0], "10:00")
    listed = cli.json("rules", "list", "--as-of", at("10:00"))
    assert listed["active_rules_by_service"] == {"checkout": 10}
    assert listed["breakers_open"] == {}
    doc = act(cli, "accept", crowded[10], "11:00")
    assert "now has 11 active rules, more than 10" in doc["warnings"][0]
    result = cli("rules", "apply", crowded[1], "--as-of", at("12:00"), "--by", "ana")
    assert result.exit_code == 1
    assert "11 active rules, more than 10: automatic adaptation is off" in result.stderr
    listed = cli.json("rules", "list", "--as-of", at("12:00"))
    assert listed["breakers_open"] == {"checkout": 11}
    exported = cli.json("rules", "export", "--as-of", at("12:00"))
    assert exported["services"]["checkout"]["automatic_adaptation"] is False
    assert all(r["automatic"] is False for r in exported["rules"])
    act(cli, "apply", crowded[1], "12:00", "--max-active-rules", "11")


def incident_records(path: Path) -> None:
    """INC-9, and INC-9b four minutes later on the same service and class (merged into it)."""
    path.write_text(
        "".join(
            json.dumps(
                {
                    "id": record_id,
                    "timestamp": f"2026-11-22T09:0{minute}:00Z",
                    "service": "checkout",
                    "failure_class": "connection-pool-exhaustion",
                    "trace_ids": [trace * 16],
                }
            )
            + "\n"
            for record_id, minute, trace in (("INC-9", 0, "ab"), ("INC-9b", 4, "cd"))
        )
    )


def test_negative_feedback_lowers_confidence_once_per_incident(
    cli: Cli, checkout: list[str], tmp_path: Path
) -> None:
    incident_records(tmp_path / "incidents.ndjson")
    cli.json("ingest", "incidents.ndjson", "--as-of", T0)
    rule = checkout[0]
    act(cli, "accept", rule, "09:00")
    act(cli, "apply", rule, "10:00")
    before = cli.json("rules", "show", rule, "--as-of", at("11:00"))["rule"]["confidence"]
    doc = act(cli, "feedback", rule, "11:00", "--incident", "INC-9", "--note", "made it worse")
    assert doc["rule"]["status"] == "applied"
    assert doc["rule"]["negative_feedback"] == 1
    assert doc["rule"]["confidence"] < before
    result = cli("rules", "feedback", rule, "--incident", "INC-9", "--as-of", at("11:30"))
    assert result.exit_code == 2
    assert "already recorded" in result.stderr
    # A record merged into INC-9 names INC-9: it does not count a second time.
    result = cli("rules", "feedback", rule, "--incident", "INC-9b", "--as-of", at("11:30"))
    assert result.exit_code == 2
    assert "incident INC-9 is already recorded" in result.stderr


def test_feedback_on_an_unknown_incident_is_refused(
    cli: Cli, checkout: list[str], tmp_path: Path
) -> None:
    incident_records(tmp_path / "incidents.ndjson")
    cli.json("ingest", "incidents.ndjson", "--as-of", T0)
    rule = checkout[0]
    recorded = len(events())
    result = cli(
        "rules",
        "feedback",
        rule,
        "--incident",
        "DOES-NOT-EXIST",
        "--as-of",
        at("11:00"),
        "--by",
        "ana",
    )
    assert result.exit_code == 2
    assert "no incident 'DOES-NOT-EXIST'" in result.stderr and "Traceback" not in result.stderr
    assert len(events()) == recorded
    doc = act(cli, "feedback", rule, "11:00", "--incident", "INC-9b")
    assert doc["event"]["incident_id"] == "INC-9"


def test_export_writes_the_active_rules(cli: Cli, checkout: list[str], tmp_path: Path) -> None:
    act(cli, "accept", checkout[0], "09:00")
    act(cli, "accept", checkout[1], "09:00")
    act(cli, "apply", checkout[1], "10:00")
    act(cli, "reject", checkout[2], "09:00")
    result = cli("rules", "export", "--as-of", at("10:10"), "-o", str(tmp_path / "rules.json"))
    assert result.exit_code == 0 and "2 active rules" in result.stderr
    doc = json.loads((tmp_path / "rules.json").read_text())
    assert doc["command"] == "rules export"
    assert [(r["rule_id"], r["status"]) for r in doc["rules"]] == sorted(
        [(checkout[0], "accepted"), (checkout[1], "applied")]
    )
    assert doc["guardrails"] == {
        "cooldown_seconds": 1800,
        "max_active_rules": 10,
        "ttl_seconds": 2592000,
    }
    assert doc["services"]["checkout"]["cooldown_until"] == "2026-11-23T10:30:00Z"
    assert doc["rules"][0]["expires_at"] == "2026-12-20T12:00:00Z"
    later = cli.json("rules", "export", "--as-of", at("10:30"))
    assert later["services"]["checkout"]["cooldown_until"] is None


def test_export_to_a_dash_writes_standard_output(
    cli: Cli, checkout: list[str], tmp_path: Path
) -> None:
    act(cli, "accept", checkout[0], "09:00")
    result = cli("rules", "export", "--as-of", at("10:10"), "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["rules"][0]["rule_id"] == checkout[0]
    assert not (tmp_path / "-").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("export", "--max-active-rules", "-5"), "max_active_rules must be 0 or more"),
        (("list", "--ttl", "0s"), "--ttl / [rules] ttl must be positive"),
    ],
)
def test_every_rules_command_refuses_what_the_report_refuses(
    cli: Cli, checkout: list[str], args: tuple[str, ...], message: str
) -> None:
    result = cli("rules", *args, "--as-of", at("10:10"))
    assert result.exit_code == 2 and message in result.stderr, result.stderr
    if result.stdout:  # json asked for: the error as a document, never the rules
        assert json.loads(result.stdout)["status"] == "error"


def test_a_bad_range_in_the_file_is_refused_by_every_command(
    cli: Cli, checkout: list[str], tmp_path: Path
) -> None:
    (tmp_path / "failearn.toml").write_text("[rules]\nmax_active_rules = -1\n")
    for args in (("rules", "list"), ("rules", "export"), ("report", "--dry-run")):
        result = cli(*args, "--as-of", at("10:10"))
        assert result.exit_code == 2, (args, result.stderr)
        assert "[rules] max_active_rules must be 0 or more" in result.stderr


@pytest.mark.parametrize("name", ["failearn.db", "failearn.db-wal", "sub/../failearn.db"])
def test_export_refuses_to_overwrite_the_database(
    cli: Cli, checkout: list[str], tmp_path: Path, name: str
) -> None:
    (tmp_path / "sub").mkdir()
    before = (tmp_path / "failearn.db").read_bytes()
    result = cli("rules", "export", "-o", name)
    assert result.exit_code == 2 and "is the database" in result.stderr, result.stderr
    assert (tmp_path / "failearn.db").read_bytes() == before
    result = cli("rules", "export", "-o", "nowhere/rules.json")
    assert result.exit_code == 2 and "cannot write nowhere/rules.json" in result.stderr


def test_the_list_is_readable_at_80_columns(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as for a terminal
    monkeypatch.setenv("TERM", "dumb")  # without colour codes
    drafts = [
        draft("P0001", "recommendations", kind, failure_class="memory-exhaustion")
        for kind in ("pre-emptive-scaling", "load-shedding")
    ]
    drafts.append(
        draft("P0002", "notifications", "config-validation", failure_class="configuration-error")
    )
    rules = seed(str(tmp_path / "failearn.db"), drafts, T0)
    act(cli, "reject", rules[1], "09:00")
    result = cli("rules", "list", "--all", "--as-of", at("10:00"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert max(len(line) for line in lines) <= 80 and "…" not in result.stdout
    rows = {line.split()[0]: line.split() for line in lines if line.startswith("R-")}
    assert set(rows) == set(rules)
    assert [rows[r][1] for r in rules] == ["candidate", "rejected", "candidate"]
    # What does not fit wraps: every letter of a long name is still there.
    text = "".join(result.stdout.split())
    for name in ("recommendations", "notifications", "pre-emptive-scaling", "config-validation"):
        assert name in text or all(part in result.stdout for part in (name[:8], name[-3:]))


def test_list_and_show(cli: Cli, checkout: list[str]) -> None:
    act(cli, "reject", checkout[2], "09:00", "--note", "unsupported")
    listed = cli.json("rules", "list", "--as-of", at("10:00"))
    assert {r["rule_id"] for r in listed["rules"]} == set(checkout) - {checkout[2]}
    everything = cli.json("rules", "list", "--all", "--as-of", at("10:00"))
    assert len(everything["rules"]) == 4
    only = cli.json("rules", "list", "--status", "rejected", "--as-of", at("10:00"))
    assert [r["rule_id"] for r in only["rules"]] == [checkout[2]]
    search = cli.json("rules", "list", "--service", "search", "--as-of", at("10:00"))
    assert [r["service"] for r in search["rules"]] == ["search"]
    shown = cli.json("rules", "show", checkout[2], "--as-of", at("10:00"))
    assert [e["event"] for e in shown["events"]] == ["created", "rejected"]
    assert shown["events"][1]["note"] == "unsupported"
    earlier = cli.json("rules", "show", checkout[2], "--as-of", at("08:00"))
    assert earlier["rule"]["status"] == "candidate"
    text = cli("rules", "show", checkout[2], "--as-of", at("10:00"))
    assert "unsupported" in text.stdout and "rejected" in text.stdout
    assert "ana" in cli("rules", "show", checkout[2]).stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("accept", "R-nope"), 2, "no rule 'R-nope' in the registry"),
        (("show", "R-"), 2, "ambiguous: R- matches R-"),
        (("apply", "{rule}"), 2, "accept it before recording that it was applied"),
        (("revert", "{rule}"), 2, "cannot revert"),
        (("list", "--status", "done"), 2, "--status 'done' is not one of"),
        (("accept", "{rule}", "--as-of", "2026-11-22"), 2, "after --as-of"),
        (("accept", "{rule}", "--by", " "), 2, "--by must name who acts"),
    ],
)
def test_mistakes_are_usage_errors(
    cli: Cli, checkout: list[str], args: tuple[str, ...], code: int, message: str
) -> None:
    filled = [a.replace("{rule}", checkout[0]) for a in args]
    result = cli("rules", *filled)
    assert result.exit_code == code
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_no_database_is_a_clear_error(cli: Cli) -> None:
    result = cli("rules", "list")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_by_defaults_to_the_git_user_else_the_os_user(
    cli: Cli, checkout: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    (tmp_path / "gitconfig").write_text("[user]\n\tname = Grace Hopper\n")
    doc = cli.json("rules", "accept", checkout[0], "--as-of", at("09:00"))
    assert doc["event"]["actor"] == "Grace Hopper"
    (tmp_path / "gitconfig").write_text("")
    monkeypatch.setenv("USER", "oncall")
    monkeypatch.setenv("LOGNAME", "oncall")
    doc = cli.json("rules", "reject", checkout[1], "--as-of", at("09:00"))
    assert doc["event"]["actor"] == "oncall"


def test_the_event_log_is_append_only(checkout: list[str]) -> None:
    with sqlite3.connect("failearn.db") as conn:
        for sql in ("UPDATE rule_events SET actor = 'x'", "DELETE FROM rule_events"):
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute(sql)


def test_piped_the_list_and_the_export_are_tab_separated(cli: Cli, checkout: list[str]) -> None:
    listed = cli("rules", "list", "--as-of", at("10:00"))
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(checkout)
    assert all(len(row) == 8 for row in rows)
    cli.json("rules", "accept", checkout[0], "--as-of", at("09:00"))
    exported = cli("rules", "export", "--format", "text", "--as-of", at("10:00"))
    assert [line.split("\t")[:3] for line in exported.stdout.splitlines()] == [
        [checkout[0], "checkout", "accepted"]
    ]


def test_format_tsv_gives_only_the_rows_even_in_a_terminal(
    cli: Cli, crowded: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TTY_COMPATIBLE", "1")  # rich: draw as for a terminal
    monkeypatch.setenv("TERM", "dumb")
    for rule in crowded[:11]:
        act(cli, "accept", rule, "09:00")
    drawn = cli("rules", "list", "--as-of", at("10:00"))
    assert "circuit breaker open on checkout" in drawn.stdout and "\t" not in drawn.stdout
    listed = cli("rules", "list", "--as-of", at("10:00"), "--format", "tsv")
    rows = [line.split("\t") for line in listed.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(crowded)
    assert all(len(row) == 8 for row in rows)
    exported = cli("rules", "export", "--as-of", at("10:00"), "-f", "tsv")
    rows = [line.split("\t") for line in exported.stdout.splitlines()]
    assert sorted(row[0] for row in rows) == sorted(crowded[:11])
    assert {tuple(row[1:5]) for row in rows} == {
        ("checkout", "accepted", "pool-resize", "no (breaker open)")
    }
    written = cli("rules", "export", "--as-of", at("10:00"), "-f", "tsv", "-o", "rules.tsv")
    assert written.exit_code == 0 and "11 active rules" in written.stderr
    assert (tmp_path / "rules.tsv").read_text(encoding="utf-8") == exported.stdout
    # In a file, text is what a pipe gets (it once wrote the JSON document instead).
    text = cli("rules", "export", "--as-of", at("10:00"), "-f", "text", "-o", "rules.txt")
    assert text.exit_code == 0 and "11 active rules" in text.stderr
    assert (tmp_path / "rules.txt").read_text(encoding="utf-8") == exported.stdout


def test_format_tsv_of_an_empty_registry_is_empty(cli: Cli, checkout: list[str]) -> None:
    assert cli("rules", "export", "-f", "tsv").stdout == ""
    assert cli("rules", "list", "--status", "applied", "-f", "tsv").stdout == ""
    result = cli("rules", "list", "-f", "csv")
    assert result.exit_code == 2 and "'csv' is not one of" in result.stderr
