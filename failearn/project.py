"""The project: the folder a repository of post-mortems is known by.

A post-mortem is stored under its path relative to the project root, so the
same file is the same source whichever folder a command runs from, and a
CI annotation names it as the repository does.  The root is the folder of
the configuration in use, else the root of the git work tree holding the
working directory, else the working directory itself.  The default database
lives at the root too: running from a subfolder never starts a second one.
"""

from __future__ import annotations

import os
from pathlib import Path

GIT_DIR = ".git"


def git_root(start: Path) -> Path | None:
    """The top folder of the git work tree holding ``start`` (``.git`` a folder, or a file
    in a linked work tree or a submodule); None outside one."""
    for directory in [start, *start.parents]:
        if (directory / GIT_DIR).exists():
            return directory
    return None


def find_root(config_path: Path | None, cwd: Path) -> Path:
    """The project root for a configuration (None: none found) and a working directory."""
    if config_path is not None:
        return config_path.resolve().parent
    here = cwd.resolve()
    return git_root(here) or here


def source_key(path: Path, root: Path) -> str:
    """How a file is named in the store and in every message: relative to the root (with
    ``/``); outside it but in the same git work tree, relative all the same (``../x.md``:
    a configuration kept in a subfolder); elsewhere, its absolute path."""
    try:
        resolved = path.resolve()
    except (OSError, RuntimeError):  # a link loop: named as given, and rejected when read
        return path.as_posix()
    return resolved_key(resolved, root)


def resolved_key(resolved: Path, root: Path) -> str:
    """:func:`source_key` of a path already resolved (a walk resolves each file once)."""
    try:
        return resolved.relative_to(root).as_posix()
    except ValueError:
        pass
    tree = git_root(root)
    if tree is not None and resolved.is_relative_to(tree):
        return Path(os.path.relpath(resolved, root)).as_posix()
    return resolved.as_posix()


def file_of(source: str, root: Path) -> Path:
    """The file a stored source names (the inverse of :func:`source_key`)."""
    path = Path(source)
    return path if path.is_absolute() else root / path
