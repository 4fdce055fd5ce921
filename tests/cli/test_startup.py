"""`failearn --help` and `failearn ingest` must not pay for the analysis libraries."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("sklearn", "pandas", "scipy", "numpy", "sqlite_utils", "jinja2", "psycopg", "pyarrow")
GOOD = Path(__file__).parent.parent / "fixtures" / "good"


def imported_after(*argv: str) -> set[str]:
    code = (
        "import sys\nfrom failearn.cli import app\n"
        f"try:\n    app({list(argv)!r}, standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(done.stdout.split())


def test_help_imports_no_heavy_library() -> None:
    assert not imported_after("--help") & set(HEAVY)


def test_ingest_imports_no_heavy_library(tmp_path: Path) -> None:
    modules = imported_after(
        "ingest", str(GOOD), "--db", str(tmp_path / "f.db"), "--format", "json"
    )
    assert "failearn" in modules
    assert not modules & set(HEAVY)


BEHIND_THE_CLI = (
    "failearn.commands",
    "failearn.store",
    "failearn.render",
    "failearn.analysis",
    "failearn.capture",
    "failearn.sources",
)


def test_help_loads_no_command_behind_the_cli() -> None:
    """Each command imports its core when it runs: `--help` loads the CLI and the
    configuration only (every other import of failearn's own sits at module top)."""
    code = (
        "import sys\nfrom failearn.cli import app\n"
        "try:\n    app(['--help'], standalone_mode=False)\n"
        "except SystemExit:\n    pass\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('failearn'))))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = [m for m in done.stdout.split() if m.startswith(BEHIND_THE_CLI)]
    assert loaded == []
