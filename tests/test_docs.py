"""The documentation: its generated reference pages are current, the site builds with
``mkdocs build --strict``, and the examples it ships run as it says."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.helpers.cli import Cli
from tests.helpers.paths import REPO

DOCS = REPO / "docs"


def _make_docs() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_docs", REPO / "scripts" / "make_docs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generated_reference_pages_are_current() -> None:
    stale = [
        str(path.relative_to(REPO))
        for path, text in _make_docs().pages().items()
        if not path.exists() or path.read_text(encoding="utf-8") != text
    ]
    assert not stale, f"run `python scripts/make_docs.py` and commit: {stale} are stale"


def test_the_reference_names_every_command_and_key() -> None:
    cli = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    for heading in (
        "## `failearn ingest`",
        "## `failearn rules list`",
        "## `failearn taxonomy migrate`",
        "## `failearn db copy`",
    ):
        assert heading in cli
    config = (DOCS / "reference" / "configuration.md").read_text(encoding="utf-8")
    assert "## `[cluster]`" in config and "| `min_size` | integer or none | (none) |" in config
    assert "## `[sources.NAME]`" in config
    errors = (DOCS / "reference" / "errors.md").read_text(encoding="utf-8")
    assert "| `unknown-class` |" in errors and "| `naive-timestamp` |" in errors
    database = (DOCS / "reference" / "database.md").read_text(encoding="utf-8")
    assert "## `incidents`" in database and "`0001_capture`" in database


def test_every_page_is_in_the_navigation() -> None:
    nav = (REPO / "mkdocs.yml").read_text(encoding="utf-8")
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert pages
    for page in pages:
        assert f": {page}\n" in nav, page


def test_no_docstring_or_page_cites_a_file_outside_the_repository() -> None:
    for folder in ("failearn", "tests", "docs", "scripts", "bench"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in (".py", ".md") and path.name != "test_docs.py":
                assert b"DESIGN.md" not in path.read_bytes(), path


@pytest.mark.slow
def test_the_site_builds_strictly(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    assert (tmp_path / "site" / "reference" / "cli" / "index.html").is_file()
    assert (tmp_path / "site" / "design" / "index.html").is_file()


@pytest.mark.slow
def test_the_taxonomy_migration_example_runs_as_documented(cli: Cli) -> None:
    """docs/taxonomy.md: after the set-up's ingest, the shipped files migrate the store and
    say what the page shows."""
    page = (DOCS / "taxonomy.md").read_text(encoding="utf-8")
    assert cli("ingest", str(REPO / "sample-postmortems")).exit_code == 0
    example = DOCS / "examples" / "taxonomy-migration"
    for name in ("failearn.toml", "failure-classes-2026.12.yaml"):
        shutil.copy(example / name, name)
    dry = cli("taxonomy", "migrate", "--dry-run")
    assert dry.exit_code == 0, dry.stderr
    result = cli("taxonomy", "migrate")
    assert result.exit_code == 0, result.stderr
    for line in result.stdout.splitlines():
        assert line in page, line
    assert "dns-failure -> network-partition" in result.stdout
    again = cli("taxonomy", "migrate")
    assert "21 relabelled" not in again.stdout
