"""Benchmark: how far one SQLite file goes: ingest, cluster and report as the store grows.

Run by hand (not a test):

    python bench/bench_scale.py --sizes 25000 50000 100000 200000 [--data patterns]
    python bench/bench_scale.py --sizes 1000000 --work scale/ \\
        --steps ingest report cluster:9d report

For each size, synthetic NDJSON incident records are ingested into a fresh
SQLite file by one ``failearn ingest`` process, then ``failearn cluster`` and
``failearn report`` run over it, each a process of its own. ``--data`` chooses
the records: ``alerts``, the ingest benchmark's (spread over 150 days, about
60 % of them in the default 90-day window; one message shape, so the window's
distinct rows stop growing), or ``patterns``, the cluster benchmark's (30
recurring patterns and one-off noise, all in the window). ``--steps`` chooses
the steps and their order (a step may come twice); ``cluster:DURATION``
clusters a window of that length instead of the default. With ``--work DIR``
the records and the store of each size are kept in DIR
(``records-DATA-SIZE.ndjson``, ``scale-DATA-SIZE.db``), so a later run can
cluster or report on a store without ingesting it again; without it they go
to a temporary directory.

Each step reports wall time, CPU time (its workers included), peak memory, the
file's size after it, and the load average (1 minute) before and after it. For
cluster the window's incidents and distinct rows and the CPU seconds of each
stage are printed too. The first line names the commit of the failearn code
measured (the one ``import failearn`` finds: run from outside the repository
with PYTHONPATH set to measure another checkout). A step that exceeds
``--step-timeout`` or fails is reported as such, with the stage it reached and
its peak, and the larger sizes are skipped.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import cluster_data
from ingest_data import write_ndjson
from measure import PEAK, Measured, run_python

AS_OF = {"alerts": "2026-11-01", "patterns": cluster_data.AS_OF}
# cluster's CPU seconds per stage (its threads included; stderr, STAGES {...}), and each stage
# as it starts (STAGE ...: where a stopped run was).
STAGES = """
import json, time, failearn.commands.cluster as _cluster
_run = _cluster.run_cluster
def _timed(settings, options, stage=None):
    began, marks = time.perf_counter(), {}
    def notify(name):
        if name not in marks:
            marks[name] = time.process_time()
            sys.stderr.write(f'STAGE {name} at {time.perf_counter() - began:.1f} s\\n')
            sys.stderr.flush()
        if stage:
            stage(name)
    result = _run(settings, options, notify)
    ends = [*list(marks.values())[1:], time.process_time()]
    cpu = {name: round(end - mark, 1) for (name, mark), end in zip(marks.items(), ends)}
    sys.stderr.write('STAGES ' + json.dumps(cpu) + '\\n')
    return result
_cluster.run_cluster = _timed
"""
# On SIGALRM exit through Python, so that the peak is still written.
FAILEARN = (
    PEAK
    + "import signal\n"
    + "signal.signal(signal.SIGALRM, lambda *_: sys.exit(124))\n"
    + "signal.alarm(int(sys.argv.pop(1)))\n"
    + STAGES
    + "from failearn.cli import app\napp(sys.argv[1:], prog_name='failearn')\n"
)


def commit() -> str:
    """The commit of the failearn code the steps import, with ``+dirty`` if it has changes."""
    spec = importlib.util.find_spec("failearn")
    if spec is None or spec.origin is None:
        raise SystemExit("failearn is not importable")
    where = str(Path(spec.origin).parent)
    git = ["git", "-C", where]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run([*git, "status", "--porcelain", "--", "."], capture_output=True)
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "") + f" ({where})"


def argv_of(step: str, records: Path, db: Path, as_of: str) -> tuple[str, ...]:
    common = ("--db", str(db), "--as-of", as_of)
    name, _, lookback = step.partition(":")
    if name == "ingest":
        return ("ingest", str(records), *common, "--format", "json")
    if name == "cluster":
        return ("cluster", *common, *(("--lookback", lookback) if lookback else ()), "-f", "json")
    if name == "report":
        return ("report", *common, "--output", str(db.with_suffix(".md")))
    raise SystemExit(f"unknown step {step!r}: ingest, cluster[:DURATION] or report")


def extra(step: str, done: Measured) -> str:
    """What the step's own output says of its size: the cluster window and its stages."""
    if not step.startswith("cluster") or done.returncode not in (0, 1):
        return ""
    result = json.loads(done.stdout)
    line = next((x for x in done.stderr.splitlines() if x.startswith("STAGES ")), "STAGES {}")
    stages = " ".join(f"{k} {v:.1f}" for k, v in json.loads(line[7:]).items())
    return (
        f"  window {result['incidents']:,} incidents, {result['distinct_rows']:,} distinct, "
        f"{len(result['clusters'])} clusters; CPU s by stage: {stages}"
    )


@contextmanager
def workspace(work: Path | None) -> Iterator[Path]:
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
        yield work
        return
    with tempfile.TemporaryDirectory() as scratch:
        yield Path(scratch)


def run_size(size: int, steps: list[str], work: Path, data: str, timeout: int) -> bool:
    """Run the steps on one size; False when one of them was stopped or failed."""
    records = work / f"records-{data}-{size}.ndjson"
    db = work / f"scale-{data}-{size}.db"
    if "ingest" in steps:
        if not records.exists() and data == "patterns":
            cluster_data.write_incidents(records, size)
        elif not records.exists():
            write_ndjson(records, size)
        for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            stale.unlink(missing_ok=True)
    elif not db.exists():
        raise SystemExit(f"{db} does not exist: ingest it first (--steps ingest ...)")
    env = {**os.environ, "FAILEARN_CONFIG": ""}
    for step in steps:
        os.sync()
        load_before = os.getloadavg()[0]
        started = time.perf_counter()
        argv = argv_of(step, records, db, AS_OF[data])
        done = run_python(FAILEARN, str(timeout), *argv, env=env)
        seconds = time.perf_counter() - started
        status = (
            "" if done.returncode in (0, 1) else f"  (exit {done.returncode}: stopped or failed)"
        )
        if done.returncode == 124:
            status = f"  (stopped after {timeout} s)"
        print(
            f"{size:>10,} {step:<11} {seconds:>8.1f} {done.cpu_seconds:>8.1f} "
            f"{done.peak_mb or 0:>8,.0f} {db.stat().st_size / 2**20:>8,.0f} "
            f"{load_before:>5.1f}-{os.getloadavg()[0]:<5.1f}{status}{extra(step, done)}",
            flush=True,
        )
        if status:
            print(done.stderr[-3000:], file=sys.stderr)
            return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--steps", nargs="+", default=["ingest", "cluster", "report"])
    parser.add_argument("--data", choices=sorted(AS_OF), default="alerts")
    parser.add_argument("--work", type=Path, help="keep records and stores here")
    parser.add_argument("--step-timeout", type=int, default=1800)
    args = parser.parse_args()
    print(f"failearn {commit()}, {args.data} data as of {AS_OF[args.data]}")
    print(
        f"{'incidents':>10} {'step':<11} {'seconds':>8} {'CPU s':>8} {'peak MB':>8} "
        f"{'file MB':>8} {'load':<11}",
        flush=True,
    )
    for size in args.sizes:
        with workspace(args.work) as work:
            if not run_size(size, args.steps, work, args.data, args.step_timeout):
                return


if __name__ == "__main__":
    main()
