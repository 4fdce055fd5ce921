"""Loading and rendering templates: a team's faults are usage errors, failearn's are its own."""

from __future__ import annotations

from pathlib import Path

import pytest

import failearn.render.report as report
from failearn.errors import UsageError


def test_a_team_template_beside_the_bundled_folder_is_still_the_teams(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundled = tmp_path / "templates"
    team = tmp_path / "templates-team"  # shares the bundled folder's name as a prefix
    for folder in (bundled, team):
        folder.mkdir()
        (folder / "report.md.j2").write_text("{{ 1 / 0 }}\n", encoding="utf-8")
    monkeypatch.setattr(report, "templates_dir", lambda: bundled)
    with pytest.raises(UsageError, match="ZeroDivisionError"):
        report.render_template("report.md.j2", "md", {}, team)
    with pytest.raises(ZeroDivisionError):  # a fault of a bundled template is failearn's
        report.render_template("report.md.j2", "md", {}, None)
