"""The error boundary: what a user sees when a command fails, and its exit code."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import Cli

GOOD = Path(__file__).parent.parent / "fixtures" / "good"


def test_an_internal_error_is_one_line_and_exit_3(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import failearn.commands.ingest

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(failearn.commands.ingest, "run_ingest", broken)
    result = cli("ingest", str(GOOD))
    assert result.exit_code == 3
    assert result.stderr.splitlines()[0] == "internal error: RuntimeError: boom"
    assert "Traceback" not in result.stderr
    debug = cli("--debug", "ingest", str(GOOD))
    assert debug.exit_code == 3
    assert "Traceback (most recent call last)" in debug.stderr
    assert "RuntimeError: boom" in debug.stderr


@pytest.mark.parametrize(
    ("error", "said"),
    [
        ("LockNotAvailable", "the database is busy"),
        ("InsufficientPrivilege", "the database refused this command"),
        ("ReadOnlySqlTransaction", "the database is read-only"),
        ("DiskFull", "the database is out of disk space"),
    ],
)
def test_a_database_server_refusing_a_command_is_exit_2_not_a_bug(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, error: str, said: str
) -> None:
    # A lock held by a maintenance job, or a role without a privilege, can meet any
    # command, reading ones too, wherever it runs a statement.
    errors = pytest.importorskip("psycopg.errors")
    import failearn.commands.ingest

    def refused(*args: object, **kwargs: object) -> None:
        raise getattr(errors, error)("postgresql://u:hunter2@db/f: no")

    monkeypatch.setattr(failearn.commands.ingest, "run_ingest", refused)
    result = cli("ingest", str(GOOD))
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith(f"error: {said}")
    assert "nothing of this command was saved" in result.stderr
    assert "hunter2" not in result.stderr and "bug" not in result.stderr


def test_ctrl_c_is_exit_130_and_says_the_database_is_unchanged(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import failearn.commands.ingest

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(failearn.commands.ingest, "run_ingest", interrupted)
    result = cli("ingest", str(GOOD))
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted; a write that had not finished was rolled back"


def test_usage_errors_are_exit_2_with_a_hint(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text("[dedup]\nwindows = '5m'\n", encoding="utf-8")
    result = cli("ingest", str(GOOD))
    assert result.exit_code == 2
    lines = result.stderr.splitlines()
    assert lines[0] == (
        f"error: {tmp_path / 'failearn.toml'}: unknown configuration key `dedup.windows`"
    )
    assert lines[1].startswith("  hint: known keys here: window")


def test_a_renamed_key_is_exit_2_naming_its_new_name(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text("[cluster]\nmin_samples = 4\n", encoding="utf-8")
    result = cli("cluster", "--as-of", "2026-01-01")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[:2] == [
        f"error: {tmp_path / 'failearn.toml'}: unknown configuration key `cluster.min_samples`",
        "  hint: `cluster.min_samples` is now `cluster.min_size`",
    ]


def test_an_unknown_command_or_option_is_exit_2(cli: Cli) -> None:
    assert cli("ingets").exit_code == 2
    assert cli("ingest", str(GOOD), "--formt", "json").exit_code == 2


def test_output_closed_early_is_exit_141_and_quiet() -> None:
    import subprocess
    import sys

    for argv in (
        ["taxonomy", "show"],
        ["taxonomy", "show", "--format", "json"],
        ["ingest", str(GOOD), "--dry-run", "--format", "github"],
    ):
        process = subprocess.Popen(
            [sys.executable, "-m", "failearn", *argv],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # the reader is gone before anything is written: | head -0
        stderr = process.stderr.read().decode()
        assert process.wait(timeout=60) == 141, (argv, stderr)
        assert "Traceback" not in stderr and "internal error" not in stderr, stderr


def test_ctrl_c_after_the_commit_says_the_changes_were_saved(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    import failearn.render.ingest

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(failearn.render.ingest, "render_text", interrupted)
    result = cli("ingest", str(GOOD))
    assert result.exit_code == 130
    assert result.stderr.strip() == "interrupted after the command's changes were saved"


def test_ctrl_c_before_a_command_starts_is_exit_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import failearn.cli

    def building(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # as typer reads the commands' signatures

    monkeypatch.setattr(failearn.cli, "app", building)
    with pytest.raises(SystemExit) as ended:
        failearn.cli.main()
    assert ended.value.code == 130
    assert capsys.readouterr().err == "interrupted before the command started; nothing was done\n"
