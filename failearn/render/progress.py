"""Progress display for long commands (on stderr, only when it is a terminal)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text


class RateColumn(ProgressColumn):
    """Items per second."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


class IngestProgress:
    """Files read (of how many), records stored and their rate, on a rich progress bar."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._files = progress.add_task("files", total=None, current="")
        self._records = progress.add_task("records", total=None, current="")

    def file(self, source: str, number: int, total: int) -> None:
        self._progress.update(self._files, total=total, completed=number, current=source)

    def records(self, count: int) -> None:
        self._progress.update(self._records, completed=count)


@contextmanager
def ingest_progress(console: Console) -> Iterator[IngestProgress]:
    """A progress display for ``failearn ingest`` (transient: it clears when done)."""
    columns = (
        TextColumn("[bold]{task.description:>7}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TextColumn("{task.fields[current]}", style="dim"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        yield IngestProgress(progress)


@contextmanager
def stage_progress(console: Console) -> Iterator[Callable[[str], None]]:
    """A spinner naming the current stage of a multi-stage command."""
    with Progress(
        TextColumn("[bold]{task.description}"), TimeElapsedColumn(), console=console, transient=True
    ) as progress:
        task = progress.add_task("starting")

        def update(stage: str) -> None:
            progress.update(task, description=stage)

        yield update
