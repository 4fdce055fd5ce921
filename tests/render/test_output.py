"""``--output FILE``: replaced whole or not at all."""

from __future__ import annotations

import os
import resource
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from failearn.errors import UsageError
from failearn.render.output import write_output


@contextmanager
def file_size_limit(limit: int) -> Iterator[None]:
    """Writes past ``limit`` bytes fail (EFBIG), as they do on a disk that is full."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def test_a_write_that_fails_leaves_the_previous_file_whole(tmp_path: Path) -> None:
    report = tmp_path / "report.md"
    report.write_text("last week's report\n", encoding="utf-8")
    with file_size_limit(4096), pytest.raises(UsageError) as raised:
        write_output("x" * 100_000, report)
    assert "cannot write" in raised.value.message
    assert report.read_text(encoding="utf-8") == "last week's report\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]  # no temporary left


def test_the_file_is_replaced_keeping_its_mode_and_a_link_is_written_through(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report.md"
    report.write_text("old\n", encoding="utf-8")
    report.chmod(0o640)
    write_output("new\n", report)
    assert report.read_text(encoding="utf-8") == "new\n"
    assert stat.S_IMODE(report.stat().st_mode) == 0o640
    link = tmp_path / "latest.md"
    link.symlink_to(report.name)
    write_output("newer\n", link)
    assert link.is_symlink() and report.read_text(encoding="utf-8") == "newer\n"
    fresh = tmp_path / "fresh.md"
    write_output("first\n", fresh)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o666 & ~umask
