"""``failearn report`` end to end on a fixture store: golden files, reproducibility, guardrails."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from failearn.commands.registry import act
from failearn.config import RulesConfig, Settings
from failearn.store import Store
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli
from tests.helpers.factories import draft, seed
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import AS_OF, REPORT, build_store, report

GOLDEN = REPORT / "golden"


def event_count(db: str = "failearn.db") -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM rule_events").fetchone()[0])


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("FAILEARN_UPDATE_GOLDEN"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{name} differs from its golden file; if the change is intended, rerun with "
        "FAILEARN_UPDATE_GOLDEN=1 and review the diff"
    )


@pytest.fixture
def store(cli: Cli) -> None:
    build_store(cli)


def test_the_pool_pattern_comes_first_with_its_learned_trigger(cli: Cli, store: None) -> None:
    doc = report(cli)
    assert doc["command"] == "report"
    first = doc["suggestions"][0]
    assert first["service"] == "checkout"
    assert first["failure_class"] == "connection-pool-exhaustion"
    assert first["action"] == (
        "When db pool utilization on `checkout` (mean over 5 minutes) "
        "exceeds 0.82, scale the pool to `postgres-main` before it "
        "exhausts."
    )
    trigger = first["precursor"]
    assert (trigger["metric"], trigger["source"], trigger["feature"]) == (
        "db_pool_utilization",
        "series",
        "level",
    )
    assert (trigger["fires_before"], trigger["incidents"]) == (7, 8)
    assert trigger["false_alarms_per_week"] <= 1.0 == trigger["target_false_alarms"]
    held_out = first["evidence"]["backtest"]["held_out"]
    assert held_out["held_out"] and held_out["incidents"] == 8
    assert first["evidence"]["dependency"]["name"] == "postgres-main"
    assert first["expected_benefit"]["prevention_source"] == "held-out backtest"
    assert first["support"] == 8 and "PM-2026-101" in first["incident_ids"]
    # The services without series say so, and quote incident time as incident time.
    search = next(s for s in doc["suggestions"] if s["service"] == "search")
    assert search["evidence"]["series"]["found"] is False
    assert search["evidence"]["precursor"]["source"] == "at-incident"
    assert "6444" not in search["action"] and "5963" not in search["action"]
    assert first["commands"]["accept"].startswith(f"failearn rules accept {first['rule_id']}")
    assert len(doc["suggestions"]) == 3
    assert len({s["pattern_id"] for s in doc["suggestions"]}) == 3
    for key in (
        "rule_id",
        "service",
        "failure_class",
        "action",
        "confidence",
        "support",
        "incident_ids",
        "rationale",
    ):
        assert all(key in s for s in doc["suggestions"])
    assert all("reason" in s for s in doc["suppressed"])
    assert doc["drift"] is None


def test_golden_markdown_and_json(cli: Cli, store: None) -> None:
    first = report(cli)
    accept, reject = first["suggestions"][0]["rule_id"], first["suggestions"][1]["rule_id"]
    cli.json("rules", "accept", accept, "--as-of", AS_OF, "--by", "ana", "--note", "yes")
    cli.json(
        "rules",
        "reject",
        reject,
        "--as-of",
        AS_OF,
        "--by",
        "ana",
        "--note",
        "timeouts are set by the client library",
    )
    markdown = cli("report", "--as-of", AS_OF, "--format", "md")
    assert markdown.exit_code == 0, markdown.stderr
    check_golden("report.md", markdown.stdout)
    check_golden("report.json", cli("report", "--as-of", AS_OF, "--format", "json").stdout)
    text = cli("report", "--as-of", AS_OF)
    assert "1. SUGGESTIONS" in text.stdout and "5. TAXONOMY DRIFT" in text.stdout


def test_the_same_store_and_as_of_give_the_same_report(cli: Cli, store: None) -> None:
    outputs: dict[str, list[str]] = {"md": [], "json": [], "html": [], "text": []}
    for _ in range(2):
        for fmt in outputs:
            result = cli("report", "--as-of", AS_OF, "--format", fmt)
            assert result.exit_code == 0, result.stderr
            outputs[fmt].append(result.stdout)
    assert all(a == b for a, b in outputs.values())
    recorded = event_count()
    report(cli)
    assert event_count() == recorded


def test_a_report_before_the_registry_s_last_event_records_nothing(cli: Cli, store: None) -> None:
    report(cli)
    recorded = event_count()
    earlier = report(cli, as_of="2026-11-16")
    assert event_count() == recorded
    assert earlier["recorded"] is False
    assert any(n["code"] == "not-recorded" for n in earlier["notices"])
    assert earlier["week"]["label"] == "2026-W46"


def test_dry_run_records_nothing(cli: Cli, store: None) -> None:
    doc = report(cli, "--dry-run")
    assert doc["suggestions"] and event_count() == 0
    assert doc["notices"][-1] == {
        "level": "info",
        "code": "not-recorded",
        "message": "Nothing was recorded in the registry (--dry-run).",
    }
    # It says what the registry holds, not what a report would have written to it.
    assert doc["recorded"] is False and doc["dry_run"] is True
    assert {s["status"] for s in doc["suggestions"]} == {"candidate"}
    assert not any(s["registered"] for s in doc["suppressed"])
    assert doc["registry"]["rules"] == 0 and doc["registry"]["by_status"] == {}
    assert doc["registry"]["this_week"] == {}
    with sqlite3.connect("failearn.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rules").fetchone() == (0,)
        assert conn.execute("SELECT COUNT(*) FROM runs WHERE command = 'report'").fetchone() == (0,)
    markdown = cli("report", "--as-of", AS_OF, "--dry-run", "--format", "md")
    assert "Nothing was recorded in the registry (--dry-run)." in markdown.stdout
    # The same suggestions, recorded for real.
    real = report(cli)
    assert real["recorded"] is True and real["dry_run"] is False
    assert [s["rule_id"] for s in real["suggestions"]] == [s["rule_id"] for s in doc["suggestions"]]
    assert {s["status"] for s in real["suggestions"]} == {"suggested"}
    assert real["registry"]["rules"] > 0 and event_count() > 0


def test_min_support_two_is_held_back_and_three_is_not(cli: Cli, store: None) -> None:
    doc = report(cli, "--dry-run")
    payments = [s for s in doc["suppressed"] if s["service"] == "payments"]
    assert payments and {s["reason"] for s in payments} == {"below-support"}
    assert {s["support"] for s in payments} == {2}
    assert all(not s["registered"] for s in payments)
    lowered = report(cli, "--dry-run", "--min-support", "2")
    payments = [s for s in lowered["suppressed"] if s["service"] == "payments"]
    assert payments and "below-support" not in {s["reason"] for s in payments}


def test_budget_from_the_command_line(cli: Cli, store: None) -> None:
    doc = report(cli, "--dry-run", "--budget", "1")
    assert len(doc["suggestions"]) == 1
    # the two other patterns' rules, all of them: the budget is spent
    assert doc["suppressed_summary"]["by_reason"]["over-budget"] == 5


def test_week_in_numbers(cli: Cli, store: None) -> None:
    doc = report(cli, "--dry-run")
    numbers = doc["week_in_numbers"]
    assert numbers["weeks"][-1] == "2026-W47" and len(numbers["weeks"]) == 9
    assert numbers["incidents"]["this_week"] == 8
    pool = next(
        r for r in numbers["by_class"] if r["failure_class"] == "connection-pool-exhaustion"
    )
    assert pool["this_week"] == 2 and pool["weeks"][-4:] == [3, 2, 3, 2]
    assert {r["severity"] for r in numbers["by_severity"]} >= {"SEV1", "SEV2", "SEV3"}
    growing = {p["failure_class"] for p in numbers["patterns"]["growing"]}
    assert "memory-exhaustion" in growing
    # The four planted patterns, and the fixture's one-offs that happen to look alike.
    assert doc["cluster_run"]["patterns"] >= 4


def test_a_mid_week_report_covers_the_last_complete_week(cli: Cli, store: None) -> None:
    monday = report(cli, "--dry-run")
    for as_of in ("2026-11-25T09:30:00Z", "2026-11-29T23:59:59Z"):
        doc = report(cli, "--dry-run", as_of=as_of)
        assert doc["week"] == {
            "label": "2026-W47",
            "start": "2026-11-16T00:00:00Z",
            "end": "2026-11-23T00:00:00Z",
            "partial": False,
        }
        assert doc["week_in_numbers"] == monday["week_in_numbers"]
    markdown = cli("report", "--as-of", "2026-11-25", "--dry-run", "--format", "md").stdout
    assert markdown.startswith("# failearn weekly report — 2026-W47\n")


def test_negative_feedback_from_a_post_mortem_that_names_a_rule(
    cli: Cli, store: None, tmp_path: Path
) -> None:
    first = report(cli)
    rule = first["suggestions"][0]["rule_id"]
    before = first["suggestions"][0]["confidence"]
    feed = tmp_path / "caused.ndjson"
    feed.write_text(
        json.dumps(
            {
                "id": "INC-caused",
                "timestamp": "2026-11-22T09:00:00Z",
                "service": "billing",
                "failure_class": "capacity-overload",
                "trace_ids": ["ab" * 16],
                "caused_by_rule": rule,
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "INC-typo",
                "timestamp": "2026-11-22T10:00:00Z",
                "service": "billing",
                "failure_class": "capacity-overload",
                "trace_ids": ["cd" * 16],
                "caused_by_rule": "R-doesnotexist",
            }
        )
        + "\n"
    )
    cli.json("ingest", str(feed), "--as-of", AS_OF)
    doc = report(cli)
    again = next(s for s in doc["suggestions"] + doc["suppressed"] if s["rule_id"] == rule)
    assert again["confidence"] < before
    assert doc["registry"]["this_week"]["negative-feedback"] == [rule]
    assert doc["registry"]["unknown_rule_references"] == [
        {"incident_id": "INC-typo", "caused_by_rule": "R-doesnotexist"}
    ]
    shown = cli.json("rules", "show", rule, "--as-of", AS_OF)
    feedback = [e for e in shown["events"] if e["event"] == "negative-feedback"]
    assert len(feedback) == 1 and feedback[0]["incident_id"] == "INC-caused"
    # the incident predates the rule's registration: the event is dated at the registration
    assert feedback[0]["at"] == "2026-11-23T00:00:00Z"
    recorded = event_count()
    report(cli)
    assert event_count() == recorded


def test_feedback_by_hand_and_from_a_post_mortem_on_one_incident_counts_once(
    cli: Cli, store: None, tmp_path: Path
) -> None:
    rule = report(cli)["suggestions"][0]["rule_id"]
    feed = tmp_path / "caused.ndjson"
    feed.write_text(
        "".join(
            json.dumps(
                {
                    "id": record_id,
                    "timestamp": f"2026-11-23T09:0{minute}:00Z",
                    "service": "billing",
                    "failure_class": "capacity-overload",
                    "trace_ids": [trace * 16],
                    **extra,
                }
            )
            + "\n"
            for record_id, minute, trace, extra in (
                ("INC-caused", 0, "ab", {"caused_by_rule": rule}),
                ("INC-caused-b", 3, "cd", {}),
            )
        )
    )
    cli.json("ingest", str(feed), "--as-of", "2026-11-24")
    # The on-call lead names the incident by the id of its second record.
    done = cli.json(
        "rules",
        "feedback",
        rule,
        "--incident",
        "INC-caused-b",
        "--by",
        "ana",
        "--as-of",
        "2026-11-23T12:00:00Z",
    )
    assert done["event"]["incident_id"] == "INC-caused"
    report(cli, as_of="2026-11-24")
    shown = cli.json("rules", "show", rule, "--as-of", "2026-11-24")
    assert [e["incident_id"] for e in shown["events"] if e["event"] == "negative-feedback"] == [
        "INC-caused"
    ]
    assert shown["rule"]["negative_feedback"] == 1


def test_a_rule_in_cooldown_waits_and_the_report_says_so(cli: Cli, store: None) -> None:
    first = report(cli)
    checkout = [s["rule_id"] for s in first["suppressed"] if s["service"] == "checkout"]
    cli.json("rules", "accept", checkout[0], "--as-of", "2026-11-23T00:00:00Z", "--by", "ana")
    cli.json("rules", "apply", checkout[0], "--as-of", "2026-11-23T00:00:00Z", "--by", "ana")
    doc = report(cli, as_of="2026-11-23T00:29:00Z")
    assert "checkout" not in {s["service"] for s in doc["suggestions"]}
    reasons = {s["reason"] for s in doc["suppressed"] if s["service"] == "checkout"}
    assert "cooldown" in reasons
    assert any(n["code"] == "cooldown" for n in doc["notices"])
    later = report(cli, as_of="2026-11-23T00:31:00Z")
    assert "cooldown" not in {s["reason"] for s in later["suppressed"]}


def seeded(db: str, count: int, service: str = "checkout") -> list[str]:
    return seed(db, [draft(f"P{n:04d}", service) for n in range(1, count + 1)], AS_OF)


def decide(db: str, decisions: list[tuple[str, str]], at: str) -> None:
    settings = Settings(db=Path(db))
    store = Store.open(db)
    try:
        with store.transaction():
            for rule, event in decisions:
                act(settings, store, rule, event, actor="ana", note=None, as_of=parse_as_of(at))
    finally:
        store.close()


def test_the_circuit_breaker_is_reported_first(cli: Cli, tmp_path: Path) -> None:
    rules = seeded(str(tmp_path / "failearn.db"), 12)
    decide("failearn.db", [(r, "accepted") for r in rules[:10]], "2026-11-23T09:00:00Z")
    closed = report(cli, as_of="2026-11-23T10:00:00Z")
    assert closed["registry"]["breakers_open"] == []
    decide("failearn.db", [(rules[10], "accepted")], "2026-11-23T10:00:00Z")
    doc = report(cli, as_of="2026-11-23T11:00:00Z")
    assert doc["notices"][0]["code"] == "circuit-breaker-open"
    assert (
        "Automatic adaptation is OFF for `checkout`: 11 active rules"
        in doc["notices"][0]["message"]
    )
    assert doc["registry"]["breakers_open"] == [
        {"service": "checkout", "active_rules": 11, "limit": 10}
    ]
    assert doc["suggestions"] == []
    assert [s["reason"] for s in doc["suppressed"]] == ["circuit-breaker"]
    markdown = cli("report", "--as-of", "2026-11-23T11:00:00Z", "--format", "md").stdout
    assert markdown.index("Automatic adaptation is OFF") < markdown.index("## 1. Suggestions")


@pytest.mark.parametrize(("rejected", "warning"), [(30, False), (31, True)])
def test_override_rate_warns_above_thirty_percent(
    cli: Cli, tmp_path: Path, rejected: int, warning: bool
) -> None:
    rules = seeded(str(tmp_path / "failearn.db"), 100)
    decide(
        "failearn.db",
        [(r, "rejected") for r in rules[:30]] + [(r, "accepted") for r in rules[30:]],
        "2026-11-23T09:00:00Z",
    )
    if rejected == 31:
        decide("failearn.db", [(rules[30], "rejected")], "2026-11-23T09:30:00Z")
    doc = report(cli, as_of="2026-11-23T10:00:00Z")
    override = doc["registry"]["override"]
    assert (override["reviewed"], override["rejected"]) == (100, rejected)
    assert override["warning"] is warning
    codes = [n["code"] for n in doc["notices"]]
    assert ("override-rate" in codes) is warning
    if warning:
        notice = next(n for n in doc["notices"] if n["code"] == "override-rate")
        assert "31 of 100 reviewed suggestions were rejected (31 % > 30 %)" in notice["message"]
        assert "raise [rules] min_confidence" in notice["message"]


@pytest.mark.parametrize(("days", "archived"), [(29, False), (31, True)])
def test_a_rule_without_a_matching_incident_for_its_ttl_is_archived(
    cli: Cli, tmp_path: Path, days: int, archived: bool
) -> None:
    (rule,) = seed(
        str(tmp_path / "failearn.db"),
        [draft("P0001", "checkout", last_matched_at="2026-11-23T00:00:00Z")],
        AS_OF,
    )
    as_of = f"2026-12-{23 + days - 30:02d}" if days >= 9 else AS_OF
    doc = report(cli, as_of=as_of)
    listed = cli.json("rules", "list", "--all", "--as-of", as_of)
    status = {r["rule_id"]: r for r in listed["rules"]}[rule]
    if archived:
        assert status["status"] == "archived" and status["confidence"] == 0
        assert doc["registry"]["this_week"]["archived"] == [rule]
        assert rule not in {s["rule_id"] for s in doc["suppressed"] + doc["suggestions"]}
        assert (
            cli.json("rules", "show", rule, "--as-of", as_of)["rule"]["archived_at"]
            == f"{as_of}T00:00:00Z"
        )
        assert rule not in {
            r["rule_id"] for r in cli.json("rules", "list", "--as-of", as_of)["rules"]
        }
    else:
        assert status["status"] != "archived" and status["confidence"] > 0
        assert "archived" not in doc["registry"]["this_week"]
        assert doc["registry"]["this_week"]["decayed"] == [rule]


def test_an_archived_rule_comes_back_when_its_pattern_recurs(cli: Cli, tmp_path: Path) -> None:
    (rule,) = seed(
        str(tmp_path / "failearn.db"),
        [draft("P0001", "checkout", last_matched_at="2026-11-23T00:00:00Z")],
        AS_OF,
    )
    report(cli, as_of="2026-12-25")
    feed = tmp_path / "again.ndjson"
    feed.write_text(
        json.dumps(
            {
                "id": "INC-again",
                "timestamp": "2026-12-26T09:00:00Z",
                "service": "checkout",
                "failure_class": "connection-pool-exhaustion",
                "trace_ids": ["ef" * 16],
            }
        )
        + "\n"
    )
    cli.json("ingest", str(feed), "--as-of", "2026-12-27")
    doc = report(cli, as_of="2026-12-27")
    assert doc["registry"]["this_week"]["restored"] == [rule]
    assert doc["suggestions"][0]["rule_id"] == rule
    events = [
        e["event"] for e in cli.json("rules", "show", rule, "--as-of", "2026-12-27")["events"]
    ]
    assert events == ["created", "archived", "restored", "suggested"]


def test_no_cluster_run_is_said_plainly(cli: Cli, tmp_path: Path) -> None:
    cli.json("ingest", str(REPORT / "incidents.ndjson"), "--as-of", AS_OF)
    doc = report(cli)
    assert doc["suggestions"] == [] and doc["cluster_run"] is None
    assert doc["notices"][0]["code"] == "no-cluster-run"
    assert doc["week_in_numbers"]["incidents"]["this_week"] == 7


def test_output_file_format_from_its_extension(cli: Cli, store: None, tmp_path: Path) -> None:
    for name, start in (
        ("r.html", "<!DOCTYPE html>"),
        ("r.md", "# failearn weekly report"),
        ("r.txt", "failearn weekly report"),
        ("r.json", "{"),
    ):
        result = cli("report", "--as-of", AS_OF, "-o", str(tmp_path / name))
        assert result.exit_code == 0, result.stderr
        assert result.stdout == ""
        assert (tmp_path / name).read_text().startswith(start)
    assert json.loads((tmp_path / "r.json").read_text())["command"] == "report"


def test_a_report_into_a_named_pipe_goes_through_the_pipe(
    cli: Cli, store: None, tmp_path: Path
) -> None:
    # Renaming a finished file over the target would put a regular file in the pipe's
    # place (as root, over /dev/null) and its reader would get nothing.
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_bytes()), daemon=True)
    reader.start()
    result = cli("report", "--as-of", AS_OF, "--dry-run", "--format", "md", "--output", "pipe")
    reader.join(timeout=60)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode)
    assert got and got[0].decode("utf-8").startswith("# ")
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".pipe")]


@pytest.mark.parametrize(
    "name",
    ["failearn.db", "./failearn.db", "failearn.db-wal", "failearn.db-shm", "link.md", "hard.md"],
)
def test_the_output_cannot_be_the_database(
    cli: Cli, store: None, tmp_path: Path, name: str
) -> None:
    (tmp_path / "link.md").symlink_to(tmp_path / "failearn.db")
    os.link(tmp_path / "failearn.db", tmp_path / "hard.md")
    before = (tmp_path / "failearn.db").read_bytes()
    result = cli("report", "--as-of", AS_OF, "--output", name)
    assert result.exit_code == 2, result.stderr
    assert "is the database" in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "failearn.db").read_bytes() == before
    assert event_count() == 0
    assert cli("rules", "list").exit_code == 0


def test_an_unwritable_output_fails_before_anything_is_recorded(
    cli: Cli, store: None, tmp_path: Path
) -> None:
    result = cli("report", "--as-of", AS_OF, "--output", "missing/report.md")
    assert result.exit_code == 2
    assert "cannot write missing/report.md" in result.stderr and "does not exist" in result.stderr
    assert event_count() == 0
    (tmp_path / "a-file").write_text("")
    result = cli("report", "--as-of", AS_OF, "--output", "a-file/report.md")
    assert result.exit_code == 2 and "cannot write" in result.stderr
    assert event_count() == 0


def test_a_team_overrides_one_template(cli: Cli, store: None, tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.md.j2").write_text(
        "Week {{ week.label }}: {% for s in suggestions %}{{ s.rule_id }} {% endfor %}\n"
    )
    result = cli("report", "--as-of", AS_OF, "--format", "md", "--template-dir", str(mine))
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("Week 2026-W47: R-")
    html = cli("report", "--as-of", AS_OF, "--format", "html", "--template-dir", str(mine))
    assert html.stdout.startswith("<!DOCTYPE html>")
    (mine / "report.md.j2").write_text("{{ no_such_thing.x }}\n")
    broken = cli("report", "--as-of", AS_OF, "--format", "md", "--template-dir", str(mine))
    assert broken.exit_code == 2 and "cannot render report.md.j2" in broken.stderr


@pytest.mark.parametrize(
    ("fmt", "template"),
    [
        ("md", b"{% if %}\n"),  # does not compile
        ("md", b"{{ 1 / 0 }}\n"),  # fails as it renders
        ("html", b'{{ "x" + 1 }}\n'),
        ("text", b"Week \xff\xfe {{ week.label }}\n"),  # not UTF-8
    ],
)
def test_a_broken_team_template_is_a_usage_error_and_records_nothing(
    cli: Cli, store: None, tmp_path: Path, fmt: str, template: bytes
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    name = {"md": "report.md.j2", "html": "report.html.j2", "text": "report.txt.j2"}[fmt]
    (mine / name).write_bytes(template)
    result = cli("report", "--as-of", AS_OF, "--format", fmt, "--template-dir", str(mine))
    assert result.exit_code == 2, result.stderr
    assert name in result.stderr and "internal error" not in result.stderr
    assert event_count() == 0
    with sqlite3.connect("failearn.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM rules").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM runs WHERE command = 'report'").fetchone()[0] == 0


def test_links_to_post_mortems(cli: Cli, store: None) -> None:
    doc = report(cli, "--dry-run", "--link-base", "https://git.example/pm/blob/main/")
    links = [i["link"] for i in doc["suggestions"][0]["incidents"]]
    assert (
        "https://git.example/pm/blob/main/report/postmortems/2026-11-17-checkout-pool.md" in links
    )
    assert all(link.startswith("https://git.example/pm/blob/main/") for link in links)
    assert any("#L" in link for link in links)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--budget", "-1"), "budget must be 0 or more"),
        (("--override-warning", "1.5"), "override_warning must be a share"),
        (("--ttl", "soon"), "--ttl: 'soon' is not a duration"),
        (("--template-dir", "nowhere"), "is not a directory"),
        (("--weeks", "0"), "weeks (--weeks) must be between 1 and 520"),
    ],
)
def test_bad_options_are_usage_errors(
    cli: Cli, store: None, args: tuple[str, ...], message: str
) -> None:
    result = cli("report", "--as-of", AS_OF, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_output_dash_is_standard_output(cli: Cli, store: None, tmp_path: Path) -> None:
    result = cli("report", "--as-of", AS_OF, "--dry-run", "--format", "md", "-o", "-")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("# failearn weekly report")
    assert not (tmp_path / "-").exists()


def test_no_database(cli: Cli) -> None:
    result = cli("report")
    assert result.exit_code == 2 and "does not exist" in result.stderr


def test_rules_config_keys_are_read(cli: Cli, store: None, tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text("[rules]\nbudget = 1\nmin_support = 2\n")
    doc = report(cli, "--dry-run")
    assert len(doc["suggestions"]) == 1 and doc["guardrails"]["min_support"] == 2
    assert RulesConfig().budget == 3


@pytest.mark.slow
def test_on_the_bundled_samples_suggestions_rest_on_normal_time(cli: Cli) -> None:
    from tests.helpers.paths import REPO

    truth = json.loads((FIXTURES / "sample_series_truth.json").read_text(encoding="utf-8"))
    shutil.copytree(REPO / "sample-postmortems", "sample-postmortems")
    cli.json("ingest", "sample-postmortems", "--as-of", AS_OF)
    cli.json("cluster", "--as-of", AS_OF)
    doc = report(cli)
    by_service = {s["service"]: s for s in doc["suggestions"]}
    assert set(by_service) == {"search", "checkout", "recommendations"}
    for suggestion in doc["suggestions"]:
        evidence = suggestion["evidence"]
        planted = next(
            p for p in truth["precursors"].values() if suggestion["service"] in p["services"]
        )
        # A precursor measured against normal time, with its lead time ...
        precursor = evidence["precursor"]
        assert precursor["source"] == "series"
        assert precursor["metric"] in planted["metrics"]
        assert precursor["effect_size"] >= 0.6 and precursor["normal_windows"] > 100
        trigger = suggestion["precursor"]
        assert trigger["median_lead_seconds"] >= 120
        # ... a threshold from the data with both its firing rates ...
        assert trigger["fires_before"] >= 0.8 * trigger["incidents"]
        assert trigger["false_alarms_per_week"] <= trigger["target_false_alarms"] == 1.0
        # ... and backtest figures on data the trigger was not learned on.
        held_out = evidence["backtest"]["held_out"]
        assert held_out["held_out"] and held_out["fires_before"] >= 0.7 * held_out["incidents"]
        assert held_out["false_alarms_per_week"] < 2.0
    # The right dependency: the one the traces end at and the messages name.
    assert by_service["search"]["evidence"]["dependency"]["name"] == "inventory"
    assert by_service["checkout"]["evidence"]["dependency"]["name"] == "postgres-main"
    assert "`postgres-main`" in by_service["checkout"]["action"]
    # The decoy — CPU spikes before every pool exhaustion, as often in normal time — is
    # checked and said not to be a precursor, and no rule watches it.
    decoy = truth["decoy"]
    assert by_service["checkout"]["precursor"]["metric"] != decoy["metric"]
    assert any(
        n["metric"] == decoy["metric"] and n["effect_size"] < 0.6
        for n in by_service["checkout"]["evidence"]["not_precursors"]
    )
    for rule in doc["suggestions"] + doc["suppressed"]:
        shown = (
            cli.json("rules", "show", rule["rule_id"], "--as-of", AS_OF, exit_code=None)
            if rule.get("registered", True)
            else None
        )
        trigger = (shown or {}).get("rule", {}).get("trigger") or {}
        assert trigger.get("metric") != decoy["metric"]
    # Ranked by expected benefit: a recurring pattern above the fading auth one.
    benefits = [s["expected_benefit"]["per_week"] for s in doc["suggestions"]]
    assert benefits == sorted(benefits, reverse=True)
    auth = next(s for s in doc["suppressed"] if s["service"] == "auth")
    assert auth["reason"] in ("over-budget", "same-pattern")


def test_rule_ids_are_stable_across_weekly_runs(cli: Cli) -> None:
    shutil.copytree(REPORT, "report", ignore=shutil.ignore_patterns("golden"))
    cli.json("ingest", "report/incidents.ndjson", "report/postmortems", "--as-of", AS_OF)
    cli.json("cluster", "--as-of", "2026-11-16")
    week_46 = report(cli, as_of="2026-11-16")
    cli.json("cluster", "--as-of", AS_OF)
    week_47 = report(cli)
    pool = next(s for s in week_46["suggestions"] if s["service"] == "checkout")
    again = {s["rule_id"]: s for s in week_47["suggestions"] + week_47["suppressed"]}
    assert pool["rule_id"] in again
    assert again[pool["rule_id"]]["support"] > pool["support"]
    events = cli.json("rules", "show", pool["rule_id"], "--as-of", AS_OF)["events"]
    assert [e["event"] for e in events] == ["created", "suggested"]


@pytest.mark.parametrize("weeks", ["0", "200000"])
def test_weeks_out_of_range_is_a_usage_error(cli: Cli, weeks: str) -> None:
    result = cli("report", "--weeks", weeks, "--as-of", "2026-11-23", "--dry-run")
    assert result.exit_code == 2
    assert "weeks" in result.stderr and "internal error" not in result.stderr


def test_an_output_name_of_no_known_format_is_a_usage_error(cli: Cli, tmp_path: Path) -> None:
    result = cli("report", "--as-of", "2026-11-23", "--output", str(tmp_path / "r.pdf"))
    assert result.exit_code == 2
    assert "name the format with --format" in result.stderr
    assert not (tmp_path / "r.pdf").exists()


def test_a_rejection_is_remembered_beside_the_pattern_s_next_suggestion(
    cli: Cli, store: None
) -> None:
    first = report(cli)
    rejected = first["suggestions"][1]
    cli.json(
        "rules",
        "reject",
        rejected["rule_id"],
        "--as-of",
        "2026-11-23T09:00:00Z",
        "--by",
        "ana",
        "--note",
        "timeouts are set by the client library",
    )
    doc = report(cli, as_of="2026-11-23T10:00:00Z")
    again = [s for s in doc["suggestions"] if s["pattern_id"] == rejected["pattern_id"]]
    assert again and again[0]["rule_id"] != rejected["rule_id"]
    assert again[0]["adaptation"] != rejected["adaptation"]
    assert again[0]["earlier"] == [
        {
            "rule_id": rejected["rule_id"],
            "service": rejected["service"],
            "adaptation": rejected["adaptation"],
            "event": "rejected",
            "at": "2026-11-23T09:00:00Z",
            "by": "ana",
            "note": "timeouts are set by the client library",
            "incident_id": None,
        }
    ]
    markdown = cli("report", "--as-of", "2026-11-23T10:00:00Z", "--format", "md").stdout
    assert f"**Earlier decisions for {rejected['pattern_id']}:**" in markdown
    assert "rejected by ana: “timeouts are set by the client library”" in markdown
    event = cli.json("rules", "show", rejected["rule_id"], "--as-of", "2026-11-23T10:00:00Z")[
        "events"
    ][-1]
    assert event["details"]["evidence"]["support"] == rejected["support"]


def test_a_rejected_rule_comes_back_only_when_its_evidence_changes(
    cli: Cli, tmp_path: Path
) -> None:
    db = str(tmp_path / "failearn.db")
    (rule,) = seed(db, [draft("P0001", "checkout", support=8)], AS_OF)
    decide(db, [(rule, "rejected")], "2026-11-23T09:00:00Z")
    seed(
        db,
        [draft("P0001", "checkout", support=11, last_matched_at="2026-11-24T12:00:00Z")],
        "2026-11-25",
    )
    shown = cli.json("rules", "show", rule, "--as-of", "2026-11-25")
    assert shown["rule"]["status"] == "rejected"
    seed(
        db,
        [draft("P0001", "checkout", support=12, last_matched_at="2026-11-26T12:00:00Z")],
        "2026-11-27",
    )
    shown = cli.json("rules", "show", rule, "--as-of", "2026-11-27")
    assert shown["rule"]["status"] == "candidate"
    last = shown["events"][-1]
    assert (last["event"], last["actor"]) == ("reopened", "failearn")
    assert last["note"] == (
        "new evidence: 4 more incidents on `checkout` since it was rejected (8 then, 12 now)"
    )


def test_a_fresh_report_shows_no_decay_and_a_few_reviews_no_override_warning(
    cli: Cli, store: None
) -> None:
    first = report(cli)
    assert "decayed" not in first["registry"]["this_week"]
    ids = [s["rule_id"] for s in first["suggestions"]]
    decide(
        "failearn.db",
        [(ids[0], "rejected"), (ids[1], "accepted"), (ids[2], "accepted")],
        "2026-11-23T09:00:00Z",
    )
    doc = report(cli, as_of="2026-11-23T10:00:00Z")
    override = doc["registry"]["override"]
    assert (override["reviewed"], override["rejected"], override["warning"]) == (3, 1, False)
    assert "override-rate" not in {n["code"] for n in doc["notices"]}
    markdown = cli("report", "--as-of", "2026-11-23T10:00:00Z", "--format", "md").stdout
    assert "warning above 30 %, from 10 reviews on)" in markdown


def test_themes_show_their_terms_and_titles_in_every_format(cli: Cli, store: None) -> None:
    # A title as a post-mortem may write it: markup, a pipe, a terminal escape.
    with sqlite3.connect("failearn.db") as conn:
        (titles,) = conn.execute(
            "SELECT titles FROM clusters WHERE pattern_id = 'P0004'"
        ).fetchone()
        crafted = ["auth | *tenant* `jwks` down \x1b]0;pwned\x07 <b>now</b>"]
        conn.execute(
            "UPDATE clusters SET titles = ? WHERE pattern_id = 'P0004'",
            (json.dumps(crafted + json.loads(titles)),),
        )
    doc = report(cli)
    themes = {p["pattern_id"]: p for p in doc["patterns"]}
    assert themes["P0003"]["terms"] == [
        "container recommender",
        "exceeded limit",
        "memory usage",
        "oomkilled",
    ]
    assert themes["P0004"]["titles"][0] == crafted[0]
    assert doc["week_in_numbers"]["patterns"]["growing"][0]["terms"] == themes["P0003"]["terms"]

    text = cli("report", "--as-of", AS_OF).stdout
    assert "P0003 recommendations: container OOMKilled (5, growing)" in text
    assert "terms: container recommender, exceeded limit, memory usage, oomkilled" in text
    assert "· auth | *tenant* jwks down \\x1b]0;pwned\\x07 <b>now</b>" in text
    assert "\x1b" not in text and "\x07" not in text
    # The label is not repeated as a title.
    assert "· payments pool exhausted on db" in text
    assert "· checkout pool exhausted on db" not in text

    markdown = cli("report", "--as-of", AS_OF, "--format", "md").stdout
    assert (
        "- P0003 “recommendations: container OOMKilled” (5 incidents, growing): "
        "container recommender, exceeded limit, memory usage, oomkilled"
    ) in markdown
    assert (
        "  - auth \\| \\*tenant\\* `jwks` down \\x1b\\]0;pwned\\x07 \\<b\\>now\\</b\\>" in markdown
    )
    assert "\x1b" not in markdown

    html = cli("report", "--as-of", AS_OF, "--format", "html").stdout
    assert "<dd>terms: container recommender, exceeded limit, memory usage, oomkilled</dd>" in html
    assert (
        "<dd>· auth | *tenant* `jwks` down \\x1b]0;pwned\\x07 &lt;b&gt;now&lt;/b&gt;</dd>" in html
    )
    assert "<b>now" not in html and "\x1b" not in html


def test_only_the_ten_largest_themes_are_shown_in_full(cli: Cli, store: None) -> None:
    with sqlite3.connect("failearn.db") as conn:
        for n in range(1, 10):
            pattern = f"P09{n:02d}"
            copy(conn, "clusters", "pattern_id", {"pattern_id": pattern, "cluster_id": 100 + n})
            copy(conn, "patterns", "id", {"id": pattern})
    doc = report(cli)
    assert len(doc["patterns"]) == 13
    markdown = cli("report", "--as-of", AS_OF, "--format", "md").stdout
    assert "- … and 3 more (`failearn report --format json` lists them all)." in markdown
    text = cli("report", "--as-of", AS_OF).stdout
    assert "… and 3 more (failearn report --format json lists them all)" in text


def copy(conn: sqlite3.Connection, table: str, key: str, changes: dict[str, object]) -> None:
    """Copy the row of pattern P0004 in ``table`` (named by column ``key``) with ``changes``."""
    columns = [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]
    row = conn.execute(f"SELECT * FROM {table} WHERE {key} = 'P0004'").fetchone()
    values = {**dict(zip(columns, row, strict=True)), **changes}
    conn.execute(
        f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' * len(values))})",
        list(values.values()),
    )
