"""Options that override a configuration key: the command line beats failearn.toml, which
beats the dataclass default, and an option not given changes nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from failearn.cli import app as failearn_app
from failearn.cli.common import settings_for
from failearn.cli.overrides import config_option, default_help, key_default, shown
from failearn.timeutil import format_duration
from tests.helpers.cli import Cli

AS_OF = "2026-11-23"

toy = typer.Typer()


@toy.command()
def effective(
    ctx: typer.Context,
    lookback: Annotated[
        str | None,
        config_option("cluster.lookback", "--lookback", metavar="DURATION", help="A window."),
    ] = None,
    weeks: Annotated[int | None, config_option("report.weeks", "--weeks", help="Weeks.")] = None,
    keep_raw: Annotated[
        bool | None, config_option("ingest.keep_raw", "--keep-raw/--no-keep-raw", help="Keep.")
    ] = None,
) -> None:
    settings = settings_for(ctx)
    cluster, report, ingest = settings.cluster, settings.report, settings.ingest
    typer.echo(f"{format_duration(cluster.lookback)} {report.weeks} {ingest.keep_raw}")


def run(*args: str) -> Any:
    return CliRunner().invoke(toy, list(args))


def config(text: str) -> None:
    Path("failearn.toml").write_text(text, encoding="utf-8")


def test_without_a_file_or_an_option_the_dataclass_default_applies() -> None:
    assert run().stdout == "90d 8 True\n"


def test_the_file_overrides_the_default() -> None:
    config('[cluster]\nlookback = "30d"\n[report]\nweeks = 12\n[ingest]\nkeep_raw = false\n')
    assert run().stdout == "30d 12 False\n"


def test_an_option_given_beats_the_file_and_leaves_the_other_keys_to_it() -> None:
    config('[cluster]\nlookback = "30d"\n[report]\nweeks = 12\n[ingest]\nkeep_raw = false\n')
    assert run("--lookback", "7d").stdout == "7d 12 False\n"
    assert run("--weeks", "3", "--keep-raw").stdout == "30d 3 True\n"


def test_an_option_equal_to_the_default_still_beats_the_file() -> None:
    config('[cluster]\nlookback = "30d"\n[ingest]\nkeep_raw = false\n')
    assert run("--lookback", "90d").stdout == "90d 8 False\n"
    assert run("--keep-raw").stdout == "30d 8 True\n"  # the default's value, given


def test_a_bad_duration_is_an_error_naming_the_option() -> None:
    from failearn.errors import UsageError

    result = run("--lookback", "soon")
    assert isinstance(result.exception, UsageError)
    assert str(result.exception.message).startswith("--lookback: ")


def test_the_help_names_the_key_and_its_default(cli: Cli) -> None:
    help_text = " ".join(cli("cluster", "--help").stdout.split())
    assert "from --as-of [default: [cluster] lookback, 90d]." in help_text
    assert "[default: [cluster] min_size, else [rules] min_support, 3]." in help_text
    help_text = " ".join(cli("ingest", "--help").stdout.split())
    assert "[default: [ingest] keep_raw, yes]." in help_text


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("cluster.lookback", "[default: [cluster] lookback, 90d]"),
        ("rules.min_confidence", "[default: [rules] min_confidence, 0.1]"),
        ("audit.classifier", "[default: [audit] classifier, yes]"),
        ("report.link_base", "[default: [report] link_base]"),
        (
            "drill.metrics",
            "[default: [drill] metrics, request_volume_change_pct=6.0, pool_utilization=1.0]",
        ),
    ],
)
def test_default_help_reads_the_dataclass(key: str, expected: str) -> None:
    assert default_help(key) == expected


def test_a_key_without_a_default_says_what_applies_instead() -> None:
    assert (
        default_help("cluster.eps", otherwise="chosen from the data")
        == "[default: [cluster] eps, else chosen from the data]"
    )


def _helps(command: Any, path: str = "") -> list[tuple[str, str]]:
    """(command path, help) of every option of every failearn command."""
    found: list[tuple[str, str]] = []
    for param in getattr(command, "params", []):
        found.append((path, getattr(param, "help", None) or ""))
    for name, sub in (getattr(command, "commands", None) or {}).items():
        found.extend(_helps(sub, f"{path} {name}".strip()))
    return found


def test_every_default_a_help_names_is_the_dataclass_default() -> None:
    """No option repeats a default of its own: each "[default: [section] key, VALUE]" in
    any --help is the value the configuration's dataclass declares."""
    named = 0
    pattern = re.compile(r"\[default: (?:[^\[\]]* )?\[(\w+)\] (\w+), ([^\]]*)\]")
    for where, text in _helps(typer.main.get_command(failearn_app)):
        for section, key, value in pattern.findall(text):
            if value.startswith("else "):
                continue
            assert value == shown(key_default(f"{section}.{key}")), (where, text)
            named += 1
    assert named > 30


# The real commands, in both directions: a configuration file and the option.

POSTMORTEM = (
    "---\ndate: 2026-11-20\nservice: api\nfailure_class: timeout\n---\n"
    "# API timeouts\n\n## Summary\n\nCalls to the API timed out.\n"
)


@pytest.fixture
def stored(cli: Cli) -> None:
    Path("pm.md").write_text(POSTMORTEM, encoding="utf-8")
    assert cli("ingest", "pm.md", "--as-of", AS_OF).exit_code == 0


def test_ingest_dedup_window(cli: Cli) -> None:
    Path("pm.md").write_text(POSTMORTEM, encoding="utf-8")
    config('[dedup]\nwindow = "10m"\n')
    assert cli.json("ingest", "pm.md", "--as-of", AS_OF)["dedup_window"] == "10m"
    given = cli.json("ingest", "pm.md", "--as-of", AS_OF, "--dedup-window", "1m")
    assert given["dedup_window"] == "1m"


@pytest.mark.usefixtures("stored")
def test_report_budget_and_guardrails(cli: Cli) -> None:
    config("[rules]\nbudget = 1\n")
    assert cli.json("report", "--as-of", AS_OF, "--dry-run")["budget"] == 1
    assert cli.json("report", "--as-of", AS_OF, "--dry-run", "--budget", "2")["budget"] == 2
    # an option given for another key leaves the file's budget alone
    assert cli.json("report", "--as-of", AS_OF, "--dry-run", "--ttl", "60d")["budget"] == 1


@pytest.mark.usefixtures("stored")
def test_audit_windows(cli: Cli) -> None:
    config('[audit]\nrecent = "14d"\nbaseline = "21d"\nclassifier = false\n')
    windows = cli.json("audit", "--as-of", AS_OF)["windows"]
    assert (windows["recent"]["start"], windows["baseline"]["start"]) == (
        "2026-11-09T00:00:00Z",
        "2026-10-19T00:00:00Z",
    )
    windows = cli.json("audit", "--as-of", AS_OF, "--recent", "7d")["windows"]
    assert (windows["recent"]["start"], windows["baseline"]["start"]) == (
        "2026-11-16T00:00:00Z",
        "2026-10-26T00:00:00Z",
    )


@pytest.mark.usefixtures("stored")
def test_taxonomy_migrate_dedup_window(cli: Cli) -> None:
    config('[dedup]\nwindow = "10m"\n')
    assert cli.json("taxonomy", "migrate", "--dry-run")["dedup_window"] == "10m"
    given = cli.json("taxonomy", "migrate", "--dry-run", "--dedup-window", "2m")
    assert given["dedup_window"] == "2m"
