"""Run one command in its own Python process and measure it: wall time and peak memory.

Shared by the benchmarks.  Peak memory is the child's own high-water mark
(``VmHWM`` from ``/proc/self/status``, written at exit): ``ru_maxrss`` of a
child can include pages of the parent it was forked from.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Any

PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
)
FAILEARN = PEAK + "from failearn.cli import app\napp(sys.argv[1:], prog_name='failearn')\n"


@dataclass(frozen=True)
class Measured:
    seconds: float
    peak_mb: float | None
    returncode: int
    stdout: str
    stderr: str
    # CPU seconds of the process and the processes it waited for (its workers): on a shared
    # machine, what the command cost whatever else ran beside it.
    cpu_seconds: float = 0.0


def run_python(
    code: str, *args: str, env: dict[str, str] | None = None, cwd: str | None = None
) -> Measured:
    """Run ``code`` with ``args`` in a fresh interpreter; what it printed and what it cost."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        cwd=cwd,
    )
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    peak = next(
        (
            int(line.split()[1]) / 1024
            for line in done.stderr.splitlines()
            if line.startswith("PEAK_KB")
        ),
        None,
    )
    return Measured(seconds, peak, done.returncode, done.stdout, done.stderr, cpu)


def run_failearn(*args: str) -> tuple[float, float, dict[str, Any]]:
    """(seconds, peak MB, JSON document) of one ``failearn ... --format json`` process.

    The benchmark's own configuration only: a failearn.toml above the working
    directory is not read.
    """
    done = run_python(
        FAILEARN, *args, "--format", "json", env={**os.environ, "FAILEARN_CONFIG": ""}
    )
    if done.returncode not in (0, 1) or done.peak_mb is None:
        raise SystemExit(f"failearn {' '.join(args)} failed:\n{done.stderr}")
    return done.seconds, done.peak_mb, json.loads(done.stdout)
