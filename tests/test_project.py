"""The project root: where sources are named from and the default database lives."""

from __future__ import annotations

from pathlib import Path

from failearn.config import load_settings
from failearn.project import file_of, find_root, git_root, source_key


def test_the_root_is_the_configuration_folder_then_the_git_top_then_the_folder(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    deep = repo / "postmortems" / "2024"
    deep.mkdir(parents=True)
    assert git_root(deep) == repo
    assert find_root(None, deep) == repo
    config = repo / "postmortems" / "failearn.toml"
    config.write_text("")
    assert find_root(config, deep) == repo / "postmortems"
    assert find_root(None, tmp_path) == tmp_path


def test_a_source_is_named_from_the_root_wherever_it_is_given_from(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "pm").mkdir()
    (repo / "ci").mkdir()
    page = repo / "pm" / "a.md"
    page.write_text("x")
    assert source_key(page, repo) == "pm/a.md"
    assert source_key(repo / "pm" / ".." / "pm" / "a.md", repo) == "pm/a.md"
    # A configuration in a subfolder: files beside it are named with ../, not absolutely,
    # so a checkout elsewhere (another CI runner) names them the same.
    assert source_key(page, repo / "ci") == "../pm/a.md"
    outside = tmp_path / "elsewhere.md"
    outside.write_text("x")
    assert source_key(outside, repo) == outside.resolve().as_posix()
    assert file_of("pm/a.md", repo) == page
    assert file_of(outside.as_posix(), repo) == outside


def test_the_default_database_lives_at_the_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    sub = repo / "postmortems"
    sub.mkdir()
    settings = load_settings(cwd=sub, environ={})
    assert settings.root == repo
    assert settings.db == repo / "failearn.db"
    assert load_settings(cwd=repo, environ={}).db == Path("failearn.db")
    # A database the configuration names is relative to it; FAILEARN_DB wins.
    (repo / "failearn.toml").write_text('db = "store/x.db"\n')
    assert load_settings(cwd=sub, environ={}).db == repo / "store" / "x.db"
    assert load_settings(cwd=sub, environ={"FAILEARN_DB": "y.db"}).db == Path("y.db")
