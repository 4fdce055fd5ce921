"""The README's set-up commands are the ones CI runs, and the examples of the README and
the docs stay true."""

from __future__ import annotations

import re
import shlex

from tests.helpers.cli import Cli
from tests.helpers.paths import REPO

VENV = "python3 -m venv .venv && . .venv/bin/activate"
MAIN = (
    "pip install . && failearn ingest sample-postmortems/ && failearn cluster --as-of "
    "2026-11-23 && failearn audit --as-of 2026-11-23 && failearn report --as-of 2026-11-23"
)
TESTS = "pip install -e '.[test]' && pytest"


def test_ci_runs_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for command in (VENV, MAIN, TESTS):
        assert f"\n{command}\n" in readme
        assert f"\n{command}\n" in ci


def test_the_readme_stays_short() -> None:
    """The README says what failearn is, who runs what, how to install it and the weekly
    loop; the manual is the docs site."""
    assert len((REPO / "README.md").read_text(encoding="utf-8").splitlines()) <= 150


def _readme_commands() -> list[str]:
    pages = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    text = "\n".join(page.read_text(encoding="utf-8") for page in pages)
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", text, re.DOTALL))
    lines = [re.split(r"\s{2,}#", line)[0].strip() for line in blocks.splitlines()]
    commands = [part.strip() for line in lines for part in line.split(" && ")]
    return [command for command in commands if command.startswith("failearn ")]


def test_every_command_in_the_readme_parses(cli: Cli) -> None:
    """Examples of the README and the docs must run as written (their options exist and
    their values parse); a synopsis ("failearn report [--budget 3] …") names a command
    and options that exist."""
    commands = _readme_commands()
    assert len(commands) > 10
    for line in commands:
        argv = shlex.split(line)[1:]
        if any(mark in line for mark in ("[", "(", "…", "...", "|")):
            path = []
            for word in argv:
                if not re.fullmatch(r"[a-z]+", word):
                    break
                path.append(word)
            result = cli(*path, "--help")
            assert result.exit_code == 0, (line, result.stderr)
            for option in re.findall(r"(--[a-z][a-z-]+)", line):
                assert option in result.stdout, (line, option)
        else:
            result = cli(*argv, "--help")
            assert result.exit_code == 0, (line, result.stdout, result.stderr)


def test_the_configuration_example_is_valid_and_shows_the_defaults() -> None:
    import tomllib

    from failearn.config import Settings, settings_from_table

    page = (REPO / "docs" / "configuration.md").read_text(encoding="utf-8")
    block = page.split("```toml\n", 1)[1].split("```", 1)[0]
    settings = settings_from_table(tomllib.loads(block), None)
    defaults = Settings()
    for section in ("rules", "report", "drill", "dedup", "audit"):
        if hasattr(defaults, section):
            assert getattr(settings, section) == getattr(defaults, section), section
