"""Running failearn as a user does: its command line, in a work directory, one process a step.

Each step is a fresh interpreter running failearn's own command-line app (the
code behind the ``failearn`` script), with the corpus's ``failearn.toml`` named
by ``FAILEARN_CONFIG``; its wall time and peak memory (VmHWM) are measured by
:mod:`bench.measure`.  ``similar`` is asked many questions, so its queries run
through the same app in one process and are timed one by one, and one whole
command is timed apart.  What a step stored is read back from the SQLite store
(read-only) to map records to incidents and classes.
"""

from __future__ import annotations

import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.measure import FAILEARN, PEAK, run_python

SIMILAR_BATCH = (
    PEAK
    + """
import contextlib, io, json, time
from failearn.cli import app
queries = json.load(open(sys.argv[1], encoding='utf-8'))
answers, seconds = {}, []
for query in queries:
    buffer = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        try:
            app(['similar', query, '--top', sys.argv[3], '--format', 'json'],
                prog_name='failearn', standalone_mode=False)
        except SystemExit:
            pass
    seconds.append(time.perf_counter() - started)
    text = buffer.getvalue()
    answers[query] = json.loads(text)['results'] if text.strip() else None
json.dump({'answers': answers, 'seconds': seconds}, open(sys.argv[2], 'w', encoding='utf-8'))
"""
)


@dataclass(frozen=True)
class Step:
    """One failearn command: what it cost and the JSON document it printed."""

    seconds: float
    peak_mb: float
    returncode: int
    document: dict[str, Any]


class StepFailed(RuntimeError):
    """A failearn command exited with a code it documents as a failure."""


def environment(work: Path) -> dict[str, str]:
    """The child's environment: the corpus's configuration, and this checkout importable."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {
        **os.environ,
        "FAILEARN_CONFIG": str(work / "failearn.toml"),
        "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root,
    }


def failearn(work: Path, *args: str, ok: tuple[int, ...] = (0,)) -> Step:
    """Run ``failearn ARGS --format json`` in ``work``; exit codes outside ``ok`` raise."""
    done = run_python(FAILEARN, *args, "--format", "json", env=environment(work), cwd=str(work))
    if done.returncode not in ok or done.peak_mb is None:
        tail = done.stderr.strip().splitlines()[-5:]
        raise StepFailed(f"failearn {' '.join(args)} exited {done.returncode}: " + " / ".join(tail))
    return Step(done.seconds, done.peak_mb, done.returncode, json.loads(done.stdout))


def ingest(work: Path, inputs: tuple[str, ...], as_of: str) -> Step:
    """``failearn ingest``; exit 1 (some records rejected) is a normal outcome here."""
    return failearn(work, "ingest", *inputs, "--as-of", as_of, ok=(0, 1))


@dataclass(frozen=True)
class Stored:
    """What the store holds for one record: its incident and class, and how the class came."""

    incident: str
    klass: str
    via: str | None


def stored(work: Path) -> dict[str, Stored]:
    """Every stored record, under its id and under its source path (Markdown keys)."""
    uri = (work / "failearn.db").resolve().as_uri() + "?mode=ro"
    connection = sqlite3.connect(uri, uri=True)
    try:
        rows = connection.execute(
            "SELECT record_id, source, incident_id, failure_class, failure_class_via FROM reports"
        ).fetchall()
    finally:
        connection.close()
    found: dict[str, Stored] = {}
    for record_id, source, incident, klass, via in rows:
        value = Stored(str(incident), str(klass), via)
        found.setdefault(str(source), value)
        found[str(record_id)] = value
    return found


@dataclass(frozen=True)
class Similar:
    answers: dict[str, list[str] | None]
    mean_query_seconds: float
    peak_mb: float
    command_seconds: float


def similar(work: Path, queries: list[str], top: int) -> Similar:
    """``failearn similar ID --top N`` for each query (incident ids): the ids it answers."""
    asked = work / "similar-queries.json"
    answered = work / "similar-answers.json"
    asked.write_text(json.dumps(queries), encoding="utf-8")
    done = run_python(
        SIMILAR_BATCH, str(asked), str(answered), str(top), env=environment(work), cwd=str(work)
    )
    if done.returncode != 0 or done.peak_mb is None:
        raise StepFailed(f"failearn similar exited {done.returncode}: {done.stderr[-500:]}")
    found = json.loads(answered.read_text(encoding="utf-8"))
    whole = failearn(work, "similar", queries[0], "--top", str(top))
    seconds = found["seconds"]
    answers = {
        query: ([row["incident_id"] for row in rows] if rows is not None else None)
        for query, rows in found["answers"].items()
    }
    return Similar(answers, sum(seconds) / len(seconds), done.peak_mb, whole.seconds)
