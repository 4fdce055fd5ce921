"""Finding the inputs: what a directory walk reads, skips and reports."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from failearn.config import IngestConfig
from failearn.sources import InputFile, discover, read_input
from tests.helpers.process import no_hang, unprivileged

GOOD = Path(__file__).parent.parent / "fixtures" / "good" / "2026-11-02-checkout-pool.md"


@pytest.fixture
def fifo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "a.md")
    os.mkfifo(folder / "p.ndjson")
    return folder


def test_a_fifo_in_a_walked_directory_is_skipped(fifo_dir: Path) -> None:
    with no_hang():
        inputs = discover([str(fifo_dir)], IngestConfig())
    assert [i.path.name for i in inputs if i.path] == ["a.md"]


def test_a_fifo_named_explicitly_is_rejected_not_read(fifo_dir: Path) -> None:
    with no_hang():
        (item,) = discover([str(fifo_dir / "p.ndjson")], IngestConfig())
        (record,) = read_input(item, IngestConfig())
    assert [(i.code, i.message) for i in record.issues] == [
        ("unreadable-file", "cannot read the file: not a regular file")
    ]
    (fifo_dir / "p.ndjson").rename(fifo_dir / "p.md")
    with no_hang():
        (item,) = discover([str(fifo_dir / "p.md")], IngestConfig())
        (record,) = read_input(item, IngestConfig())
    assert [i.code for i in record.issues] == ["unreadable-file"]


def test_a_directory_that_cannot_be_listed_is_an_input_rejected_for_it() -> None:
    # Under a world-readable directory of its own, so that only the locked one is locked.
    base = Path(tempfile.mkdtemp(prefix="failearn-test-"))
    try:
        base.chmod(0o755)
        (base / "in").mkdir(mode=0o755)
        locked = base / "in" / "locked"
        locked.mkdir()
        shutil.copy(GOOD, locked / "c.md")
        shutil.copy(GOOD, base / "in" / "ok.md")
        locked.chmod(0)
        with unprivileged():
            inputs = discover([str(base / "in")], IngestConfig(), cwd=base)
            named = discover([str(locked)], IngestConfig(), cwd=base)
        assert [(i.source, i.kind, i.problem) for i in inputs] == [
            ("in/locked", "directory", "cannot list the directory: Permission denied"),
            ("in/ok.md", "markdown", None),
        ]
        assert [(i.source, i.problem) for i in named] == [
            ("in/locked", "cannot list the directory: Permission denied")
        ]
        (record,) = read_input(inputs[0], IngestConfig())
        assert [(i.code, i.source, i.message) for i in record.issues] == [
            ("unreadable-file", "in/locked", "cannot list the directory: Permission denied")
        ]
    finally:
        (base / "in" / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_an_input_that_cannot_be_read_at_all_is_rejected_with_its_reason() -> None:
    item = InputFile(Path("gone"), "gone", "directory", "cannot list the directory: I/O error")
    (record,) = read_input(item, IngestConfig())
    assert (record.payload, record.kind, [i.code for i in record.issues]) == (
        None,
        "directory",
        ["unreadable-file"],
    )
