"""The CI pieces as users run them: the pre-commit hook (through the real pre-commit, in a
throwaway git repository) and the GitHub Action's steps (the same scripts, with the same
environment variables the runner sets).  Everything stays on this machine: the hook tried
is the one that runs the failearn already installed (no environment to download)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.helpers.paths import FIXTURES, REPO

pytestmark = pytest.mark.slow
GOOD = (
    "---\ndate: 2024-01-02T10:00:00Z\nservice: api\nfailure_class: timeout\n---\n# API timeouts\n"
)


def environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAILEARN_", "GITHUB_"))}
    env.update(
        PATH=f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"),
        HOME=str(tmp_path),
        GIT_CONFIG_NOSYSTEM="1",
        **extra,
    )
    return env


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository of post-mortems: one that passes, one that does not, a README."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    root = tmp_path / "team"
    (root / "postmortems").mkdir(parents=True)
    (root / "postmortems" / "2024-01-02-api.md").write_text(GOOD)
    (root / "postmortems" / "2024-02-03-db.md").write_text("# Database down\n\nIt broke.\n")
    (root / "README.md").write_text("# Our post-mortems\n")
    env = environment(tmp_path)
    for args in (
        ["git", "init", "-q"],
        ["git", "config", "user.email", "ci@example.org"],
        ["git", "config", "user.name", "CI"],
        ["git", "add", "-A"],
    ):
        assert run(args, root, env).returncode == 0
    return root


def test_the_manifest_offers_both_hooks() -> None:
    hooks = {h["id"]: h for h in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert set(hooks) == {"failearn", "failearn-installed"}
    for hook in hooks.values():
        assert hook["entry"] == "failearn ingest --dry-run --db :memory:"
    assert hooks["failearn"]["language"] == "python"


def test_the_pre_commit_hook_gates_the_changed_post_mortems(repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("pre_commit")
    env = environment(tmp_path)
    try_repo = [sys.executable, "-m", "pre_commit", "try-repo", str(REPO), "failearn-installed"]
    result = run([*try_repo, "--all-files"], repo, env)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "postmortems/2024-02-03-db.md:1: error missing-field [service]" in output
    assert "README.md:" not in output  # not a post-mortem: the hook leaves it alone
    assert not (repo / "failearn.db").exists()
    # Only the good one changed: the hook passes.
    result = run([*try_repo, "--files", "postmortems/2024-01-02-api.md"], repo, env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not list(repo.rglob("*.db"))


def steps() -> dict[str, dict[str, object]]:
    action = yaml.safe_load((REPO / "action.yml").read_text())
    return {s.get("name", s.get("uses")): s for s in action["runs"]["steps"]}


def test_the_action_runs_the_scripts_it_ships() -> None:
    found = steps()
    assert (
        found["Install failearn"]["run"]
        == 'bash "${{ github.action_path }}/scripts/action/install.sh"'
    )
    assert found["Run failearn"]["run"] == 'bash "${{ github.action_path }}/scripts/action/run.sh"'
    assert set(found["Run failearn"]["env"]) == {  # type: ignore[arg-type]
        "FAILEARN_ACTION_COMMAND",
        "FAILEARN_ACTION_PATHS",
        "FAILEARN_ACTION_AS_OF",
        "FAILEARN_ACTION_REPORT",
    }


def test_the_gate_step_annotates_and_summarises(repo: Path, tmp_path: Path) -> None:
    summary = tmp_path / "summary.md"
    env = environment(
        tmp_path,
        FAILEARN_ACTION_COMMAND="gate",
        FAILEARN_ACTION_PATHS="postmortems",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_ACTIONS="true",
    )
    result = run(["bash", str(REPO / "scripts" / "action" / "run.sh")], repo, env)
    assert result.returncode == 1, result.stderr
    assert (
        "::error file=postmortems/2024-02-03-db.md,line=1,title=failearn missing-field::"
        "service: required field `service` is missing or empty"
    ) in result.stdout
    text = summary.read_text()
    assert text.startswith("### failearn ingest: failed\n")
    assert "| `postmortems/2024-02-03-db.md` | 1 | missing-field | service |" in text
    assert not list(repo.rglob("*.db"))


def test_the_weekly_step_ingests_clusters_audits_and_reports(tmp_path: Path) -> None:
    repo = tmp_path / "samples"
    shutil.copytree(
        REPO / "sample-postmortems", repo, ignore=shutil.ignore_patterns("*.db", "realdata.toml")
    )
    summary, output = tmp_path / "summary.md", tmp_path / "output.txt"
    env = environment(
        tmp_path,
        FAILEARN_ACTION_COMMAND="weekly",
        FAILEARN_ACTION_PATHS=".",
        FAILEARN_ACTION_AS_OF="2026-11-23",
        GITHUB_STEP_SUMMARY=str(summary),
        GITHUB_OUTPUT=str(output),
        FAILEARN_ACTION_REPORT="out/report.html",
    )
    (repo / "out").mkdir()
    result = run(["bash", str(REPO / "scripts" / "action" / "run.sh")], repo, env)
    assert result.returncode in (0, 1), result.stderr
    assert (repo / "failearn.db").is_file()
    assert "<svg" in (repo / "out" / "report.html").read_text()
    assert output.read_text() == "report=out/report.html\n"
    text = summary.read_text()
    assert text.startswith("### failearn ingest:")
    assert "# " in text.split("### failearn ingest:")[1]  # the audit and report follow


def test_the_install_step_installs_the_gate_without_the_analysis_libraries() -> None:
    requirements = (REPO / "requirements-gate.txt").read_text()
    pyproject = (REPO / "pyproject.toml").read_text()
    gate = [
        line.split(">=")[0]
        for line in requirements.splitlines()
        if line and not line.startswith("#")
    ]
    assert gate and all(f'"{name}' in pyproject for name in gate)
    assert "scikit-learn" not in requirements and "scipy" not in requirements
    script = (REPO / "scripts" / "action" / "install.sh").read_text()
    assert "requirements-gate.txt" in script


def test_the_realdata_fixture_is_attributed() -> None:
    sources = (FIXTURES / "postmortems-more" / "SOURCES.md").read_text()
    assert "jupyterhub/mybinder.org-deploy" in sources
    assert "rust-lang/blog.rust-lang.org" in sources
    assert json.loads((FIXTURES / "postmortems-more" / "timestamps.json").read_text())
