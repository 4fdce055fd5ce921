"""Progress display for long commands (on stderr, only when it is a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)


@contextmanager
def file_progress(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar over input files; yields the callback the core calls per file."""
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TextColumn("{task.fields[current]}", style="dim"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("ingest", total=None, current="")

        def update(source: str, number: int, total: int) -> None:
            progress.update(task, total=total, completed=number - 1, current=source)

        yield update
        progress.update(task, completed=progress.tasks[0].total or 0)


@contextmanager
def stage_progress(console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current stage of a multi-stage command."""
    with Progress(TextColumn("[bold]{task.description}"), TimeElapsedColumn(),
                  console=console, transient=True) as progress:
        task = progress.add_task("starting")

        def update(stage: str) -> None:
            progress.update(task, description=stage)

        yield update
