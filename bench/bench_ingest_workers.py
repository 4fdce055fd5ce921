"""Benchmark: what starting ingest's worker processes costs, by start method.

Run by hand (not a test):  python bench/bench_ingest_workers.py [--runs 5]

Each measurement is a fresh interpreter that builds a run's preparer (the
default settings and taxonomy), starts a pool of two workers the way
``failearn ingest`` does, and waits for one prepared record back from each: the
time from asking for the pool to the second record, the part of a run that the
start method changes.  ``fork`` copies the parent as it is (cheap, but unsafe once a
threaded library is loaded; ingest uses it on Linux in a process with one
thread, such as the command line); ``forkserver`` starts one clean server that
imports failearn's preparation code and forks the workers from it (ingest uses
it when other threads run); ``spawn`` starts every worker as a new interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from measure import run_python

CODE = """
import multiprocessing, sys, time
from datetime import UTC, datetime
from failearn.config import Settings
from failearn.commands.ingest import text_model_for
from failearn.capture.normalise import Context
from failearn.capture.anonymize import Anonymizer
from failearn.capture.prepare import Preparer, _init_worker, _worker_task
from failearn.taxonomy.file import load_taxonomy

method = sys.argv[1]
settings = Settings()
taxonomy = load_taxonomy()
anonymizer = Anonymizer("bench", settings.anonymize.mask, settings.anonymize.people_fields)
context = Context.build(settings, taxonomy, datetime(2027, 1, 1, tzinfo=UTC), anonymizer)
preparer = Preparer(context, b"0" * 32, 1)
line = (b'{"id": "a-1", "timestamp": "2026-11-02T14:03:00Z", "service": "search", '
        b'"failure_class": "timeout", "trace_ids": ["' + b"1" * 32 + b'"]}')
started = time.perf_counter()
pool_context = multiprocessing.get_context(method)
if method == "forkserver":
    pool_context.set_forkserver_preload(["failearn.capture.prepare"])
pool = pool_context.Pool(2, initializer=_init_worker, initargs=(preparer, settings.ingest))
results = [pool.apply_async(_worker_task, (("lines", "a.ndjson", n, [line]),))
           for n in (1, 2)]
for result in results:
    assert len(result.get()) == 1
print(time.perf_counter() - started)
pool.close()
pool.join()
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"two workers started and one record prepared by each, {args.runs} runs (s)")
    for method in ("fork", "forkserver", "spawn"):
        times = []
        for _ in range(args.runs):
            done = run_python(CODE, method)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            times.append(float(done.stdout.strip()))
        print(
            f"  {method:10s} median {statistics.median(times):6.3f}  "
            f"min {min(times):6.3f}  max {max(times):6.3f}"
        )


if __name__ == "__main__":
    main()
