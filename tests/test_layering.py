"""The package's layering, as the contracts in pyproject.toml ([tool.importlinter]) state it.

``cli`` parses and calls one command; ``commands`` (the only package that opens a
store) runs the pure rooms and returns data; ``render`` shows it; ``store`` holds
every SQL statement.  ``capture``, ``analysis``, ``suggest``, ``taxonomy`` and
``sources`` take and return plain data and know nothing above them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from tests.helpers.paths import REPO

PACKAGE = REPO / "failearn"


LINT = "import sys\nfrom importlinter.cli import lint_imports_command\nlint_imports_command()"


def lint(
    config: Path, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", LINT, "--config", str(config), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        check=False,
    )


def contracts() -> list[dict[str, object]]:
    document = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    found: list[dict[str, object]] = document["tool"]["importlinter"]["contracts"]
    return found


def test_the_package_keeps_its_layers() -> None:
    done = lint(REPO / "pyproject.toml", REPO)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_room_is_under_a_contract() -> None:
    """A new subpackage or root module cannot escape the layering by being forgotten."""
    named: set[str] = set()
    for contract in contracts():
        for key in ("layers", "source_modules", "containers"):
            for entry in contract.get(key, []) or []:  # type: ignore[attr-defined]
                named.update(part.strip() for part in str(entry).replace("|", ":").split(":"))
    rooms = {
        f"failearn.{p.name}"
        for p in PACKAGE.iterdir()
        if (p / "__init__.py").is_file() and not p.name.startswith("_")
    }
    modules = {
        f"failearn.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem not in ("__init__", "__main__")
    }
    assert rooms | modules <= named, sorted((rooms | modules) - named)


def test_a_store_read_from_a_pure_room_is_caught(tmp_path: Path) -> None:
    """The contracts bite: the same check over a copy of the package with one bad import."""
    copy = tmp_path / "src"
    copy.mkdir()
    shutil.copytree(PACKAGE, copy / "failearn", ignore=shutil.ignore_patterns("__pycache__"))
    target = copy / "failearn" / "suggest" / "confidence.py"
    target.write_text(
        target.read_text(encoding="utf-8") + "\nfrom failearn.store import Store\n",
        encoding="utf-8",
    )
    done = lint(REPO / "pyproject.toml", copy, {**os.environ, "PYTHONPATH": str(copy)})
    assert done.returncode == 1, done.stdout + done.stderr
    assert "failearn.suggest.confidence -> failearn.store" in done.stdout, done.stdout
