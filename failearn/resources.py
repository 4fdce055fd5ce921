"""Where the bundled taxonomy and templates live.

In the repository they sit at the top (``taxonomy/``, ``templates/``) so that a
team can read and copy them; the wheel carries the same files inside the package
(``failearn/_bundled/``), so a plain ``pip install .`` works from any directory.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """The bundled ``taxonomy`` or ``templates`` directory, installed or in a checkout."""
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"failearn's bundled {name}/ directory is missing from {_PACKAGE}")


def default_taxonomy_path() -> Path:
    """The default taxonomy file shipped with failearn."""
    return bundled_dir("taxonomy") / "failure-classes.yaml"


def templates_dir() -> Path:
    """The default report templates shipped with failearn."""
    return bundled_dir("templates")
