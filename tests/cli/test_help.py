"""What a new user meets first: help that shows its examples as written, usage lines and
errors in the words the user typed, and shell completion."""

from __future__ import annotations

import inspect
from typing import Any

import typer

from failearn.cli import app
from tests.helpers.cli import Cli


def _commands(command: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    found = [(path, command)]
    if hasattr(command, "list_commands"):
        ctx = command.context_class(command, info_name="failearn")
        for name in command.list_commands(ctx):
            found += _commands(command.get_command(ctx, name), (*path, name))
    return found


def test_every_example_prints_as_written(cli: Cli) -> None:
    """Indented lines of a command's docstring (examples, command lines) come out of
    --help whole, on lines of their own, however long."""
    checked = 0
    for path, command in _commands(typer.main.get_command(app)):
        result = cli(*path, "--help")
        assert result.exit_code == 0, path
        shown = {line.strip() for line in result.stdout.splitlines()}
        for line in inspect.cleandoc(command.help or "").splitlines():
            if line.startswith("    ") and line.strip():
                assert line.strip() in shown, (path, line)
                checked += 1
    assert checked >= 20


def test_usage_lines_bracket_an_optional_argument_once(cli: Cli) -> None:
    for path in (("similar",), ("init",)):
        usage = cli(*path, "--help").stdout.splitlines()[0]
        assert "[[" not in usage and "]]" not in usage, usage
    assert "[INCIDENT_ID]" in cli("similar", "--help").stdout.splitlines()[0]


def test_shell_completion_is_on(cli: Cli) -> None:
    assert "--install-completion" in cli("--help").stdout
    script = cli("--show-completion", "bash")
    assert script.exit_code == 0 and "_failearn_completion" in script.stdout


def test_option_errors_name_the_option_as_typed_in_plain_words(cli: Cli) -> None:
    wrong_format = cli("report", "--format", "yaml")
    assert wrong_format.exit_code == 2
    assert "Value error" not in wrong_format.stderr
    assert "'yaml' is not one of" in wrong_format.stderr
    not_a_number = cli("cluster", "--min-size", "many")
    assert not_a_number.exit_code == 2
    assert "'--min-size'" in not_a_number.stderr
    assert "expected a whole number" in not_a_number.stderr
    assert "Input should be" not in not_a_number.stderr
    out_of_range = cli("cluster", "--min-size", "0")
    assert "--min-size must be between" in out_of_range.stderr
    assert "min_size" not in out_of_range.stderr.replace("[cluster] min_size", "")
