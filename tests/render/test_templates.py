"""Loading and rendering templates: a team's faults are usage errors, failearn's are its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import failearn.render.jinja as jinja
from failearn.errors import UsageError
from tests.helpers.cli import Cli
from tests.helpers.reports import AS_OF, build_store


def test_a_team_template_beside_the_bundled_folder_is_still_the_teams(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bundled = tmp_path / "templates"
    team = tmp_path / "templates-team"  # shares the bundled folder's name as a prefix
    for folder in (bundled, team):
        folder.mkdir()
        (folder / "report.md.j2").write_text("{{ 1 / 0 }}\n", encoding="utf-8")
    monkeypatch.setattr(jinja, "templates_dir", lambda: bundled)
    with pytest.raises(UsageError, match="ZeroDivisionError"):
        jinja.render_template("report.md.j2", "md", {}, team)
    with pytest.raises(ZeroDivisionError):  # a fault of a bundled template is failearn's
        jinja.render_template("report.md.j2", "md", {}, None)


@pytest.mark.parametrize(
    ("template", "says"),
    [
        (
            "{{ cycler.__init__.__globals__.os.popen('touch pwned').read() }}",
            "access to attribute '__init__'",
        ),
        ("{{ ''.__class__.__mro__[1].__subclasses__() }}", "access to attribute '__class__'"),
        (
            "{% set _ = week.update({'label': 'x'}) %}{{ week.label }}",
            "access to attribute 'update'",
        ),
        ("{{ 'x' * 100000000 }}", "a text or list longer than 1,000,000 is not allowed"),
        ("{{ 10 ** 100000000 }}", "an exponent over 64 is not allowed"),
    ],
)
def test_a_team_template_runs_in_a_sandbox(
    cli: Cli, tmp_path: Path, template: str, says: str
) -> None:
    build_store(cli)
    team = tmp_path / "team"
    team.mkdir()
    (team / "report.md.j2").write_text(template, encoding="utf-8")
    result = cli(
        "report", "--as-of", AS_OF, "--format", "md", "--template-dir", str(team), "--dry-run"
    )
    assert result.exit_code == 2, (result.stdout, result.stderr)
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: cannot render report.md.j2 (") and says in first, first
    assert "the template tried what templates may not do" in first
    assert not (tmp_path / "pwned").exists()
