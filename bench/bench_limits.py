"""Hostile and huge inputs: peak memory of ``failearn ingest``, and the Markdown parse cost.

Run by hand (``python bench/bench_limits.py``; ``--quick`` for small sizes, ``--only
ndjson array`` for some of the cases):

* peak memory for 2,000,000 lines of ``{}``, a 200 MB NDJSON file and a 200 MB JSON
  array (goal: under 500 MB each), of the command and, apart, of its largest worker
  process (a large input is read by two); the array beside orjson parsing it whole;
* the time of reading one post-mortem of 215,000 headings, as a ratio to
  markdown-it-py parsing the same text alone, both in one process (goal: within 3x).

Figures are from one run on a shared machine: quote the ratios.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from ingest_data import record

PEAKS = (
    "import atexit, resource, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "    sys.stderr.write('CHILD_KB ' + str(children) + '\\n')\n"
    "atexit.register(_peak)\n"
    "from failearn.cli import app\napp(sys.argv[1:], prog_name='failearn')\n"
)


def _kb(stderr: str, tag: str) -> float:
    return next(
        (int(line.split()[1]) / 1024 for line in stderr.splitlines() if line.startswith(tag)), 0.0
    )


def ingest_peak(path: Path, db: Path) -> tuple[float, float, float, int]:
    """(seconds, peak MB of the command, peak MB of its largest worker, exit code)."""
    started = time.perf_counter()
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            PEAKS,
            "ingest",
            str(path),
            "--db",
            str(db),
            "--format",
            "json",
            "--as-of",
            "2026-11-23",
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "FAILEARN_CONFIG": ""},
    )
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"ingest {path} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return seconds, _kb(done.stderr, "PEAK_KB"), _kb(done.stderr, "CHILD_KB"), done.returncode


WHOLE = (
    "import sys, orjson\n"
    "value = orjson.loads(open(sys.argv[1], 'rb').read())\n"
    "for line in open('/proc/self/status'):\n"
    "    if line.startswith('VmHWM'):\n"
    "        print(int(line.split()[1]) / 1024)\n"
)


def whole_parse_peak(path: Path) -> float:
    """Peak MB of parsing the file whole with orjson alone: the baseline a streamed read
    is measured against."""
    done = subprocess.run(
        [sys.executable, "-c", WHOLE, str(path)], capture_output=True, text=True, check=True
    )
    return float(done.stdout)


def write_records(path: Path, megabytes: int, array: bool) -> int:
    rnd = random.Random(7)
    limit = megabytes * 1_000_000
    written = count = 0
    with path.open("w", encoding="utf-8") as handle:
        handle.write("[\n" if array else "")
        while written < limit:
            line = json.dumps(record(rnd, count), separators=(",", ":"))
            if array:
                line = ("" if count == 0 else ",\n") + line
            else:
                line += "\n"
            handle.write(line)
            written += len(line)
            count += 1
        handle.write("\n]\n" if array else "")
    return count


HEADER = (
    "---\ntitle: Many headings\ntimestamp: 2026-11-02T14:03:00Z\nservice: search\n"
    "failure_class: timeout\ntrace_ids: [4bf92f3577b34da6a3ce929d0e0e4736]\n---\n"
    "# Many headings\n"
)

MARKDOWN_RATIO = (
    "import sys, time\n"
    "from markdown_it import MarkdownIt\n"
    "from failearn.sources.markdown import parse_markdown\n"
    "text = open(sys.argv[1], encoding='utf-8').read()\n"
    "started = time.perf_counter(); MarkdownIt('commonmark').parse(text)\n"
    "alone = time.perf_counter() - started\n"
    "started = time.perf_counter(); parse_markdown(text, 'h.md')\n"
    "ours = time.perf_counter() - started\n"
    "print(alone, ours)\n"
)


def markdown_ratio(headings: int, folder: Path) -> tuple[float, float, int]:
    path = folder / "headings.md"
    path.write_text(
        HEADER + "".join(f"## Heading {n:06d}\n\n" for n in range(headings)), encoding="utf-8"
    )
    done = subprocess.run(
        [sys.executable, "-c", MARKDOWN_RATIO, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    alone, ours = map(float, done.stdout.split())
    return alone, ours, path.stat().st_size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of every size")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=CASES,
        default=list(CASES),
        help="the cases to run (all by default)",
    )
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    with tempfile.TemporaryDirectory() as tmp:
        _run(Path(tmp), scale, args.only)


CASES = ("empty", "ndjson", "array", "markdown")


def _run(folder: Path, scale: int, cases: list[str]) -> None:
    if "empty" in cases:
        empty = folder / "empty.ndjson"
        empty.write_text("{}\n" * (2_000_000 // scale), encoding="utf-8")
        seconds, peak, child, code = ingest_peak(empty, folder / "a.db")
        print(
            f"{2_000_000 // scale:,} lines of {{}}: {seconds:.0f}s, peak {peak:.0f} MB "
            f"(largest worker {child:.0f} MB), exit {code}"
        )
        empty.unlink()
    for array in (False, True):
        if ("array" if array else "ndjson") not in cases:
            continue
        name = "array.json" if array else "records.ndjson"
        path = folder / name
        count = write_records(path, 200 // scale, array)
        size = path.stat().st_size / 1e6
        seconds, peak, child, code = ingest_peak(path, folder / f"{name}.db")
        print(
            f"{name} {size:.0f} MB ({count:,} records): {seconds:.0f}s, peak {peak:.0f} MB"
            f" ({peak / size:.1f}x its size; largest worker {child:.0f} MB), exit {code}"
        )
        if array:
            whole = whole_parse_peak(path)
            print(
                f"  baseline: orjson parsing it whole alone peaks at {whole:.0f} MB; "
                f"failearn's largest process is {max(peak, child) / whole:.2f}x that"
            )
        path.unlink()
    if "markdown" in cases:
        alone, ours, size = markdown_ratio(215_000 // scale, folder)
        print(
            f"{215_000 // scale:,} headings ({size / 1e6:.1f} MB): markdown-it-py alone "
            f"{alone:.1f}s, failearn's reading {ours:.1f}s: {ours / alone:.2f}x"
        )


if __name__ == "__main__":
    main()
