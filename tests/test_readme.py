"""The README's set-up commands are the ones CI runs, and its examples stay true."""

from __future__ import annotations

import re

from tests.conftest import REPO, Cli

MAIN = ("pip install . && failearn ingest sample-postmortems/ && failearn cluster --as-of "
        "2026-11-23 && failearn audit --as-of 2026-11-23 && failearn report --as-of 2026-11-23")
TESTS = "pip install -e '.[test]' && pytest"


def test_ci_runs_the_readme_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    for command in (MAIN, TESTS):
        assert f"\n{command}\n" in readme
        assert f"\n{command}\n" in ci


def test_every_command_in_the_readme_has_help(cli: Cli) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    blocks = "\n".join(re.findall(r"```sh\n(.*?)```", readme, re.DOTALL))
    commands = set(re.findall(r"^failearn ([a-z]+(?: [a-z]+)?)", blocks, re.MULTILINE))
    assert commands
    for command in sorted(commands):
        words = command.split()
        result = cli(*words, "--help")
        if result.exit_code != 0:
            result = cli(words[0], "--help")
        assert result.exit_code == 0, command


def test_the_configuration_example_is_valid_and_shows_the_defaults() -> None:
    import tomllib

    from failearn.config import Settings, settings_from_table

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Configuration", 1)[1].split("```toml\n", 1)[1].split("```", 1)[0]
    settings = settings_from_table(tomllib.loads(block), None)
    defaults = Settings()
    for section in ("rules", "report", "drill", "dedup", "audit"):
        if hasattr(defaults, section):
            assert getattr(settings, section) == getattr(defaults, section), section
