"""Benchmark: ``failearn cluster`` and ``failearn similar`` against the plain baseline.

Run by hand (not a test):  python bench/bench_cluster.py [--sizes 1000 10000 50000] [--zipf]

For each size, synthetic incidents with ground-truth patterns
(:mod:`cluster_data`) are ingested into a fresh database (``failearn ingest``,
not timed), then two separate processes run over the same incidents:

* **failearn**: the whole ``failearn cluster --format json`` command;
* **baseline**: plain TF-IDF of the raw messages and DBSCAN with the cosine
  metric on the sparse matrix (eps 0.3, min_samples 5), under a memory cap
  (``--baseline-cap``, GB); a run stopped by the cap is reported as such.

Each reports wall time, peak memory (VmHWM of that process, from
/proc/self/status) and the adjusted Rand index against the truth (noise is
one label on both sides).  Then ``failearn similar`` is timed as a whole
command (process start included) on the largest store, by id and by text.
Goals: ARI >= 0.9 at every size; 50,000 incidents in < 30 s and < 1 GB;
similar well under a second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from cluster_data import AS_OF, write_incidents
from measure import FAILEARN, PEAK, run_python

BASELINE = (
    PEAK
    + """
import json, resource
cap = int(float(sys.argv[3]) * 1024 ** 3)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
from sklearn.cluster import DBSCAN
from sklearn.feature_extraction.text import TfidfVectorizer
ids, texts = [], []
for line in open(sys.argv[1], encoding='utf-8'):
    record = json.loads(line)
    ids.append(record['id'])
    texts.append(' '.join(record.get('error_messages') or []))
matrix = TfidfVectorizer().fit_transform(texts)
labels = DBSCAN(eps=0.3, min_samples=5, metric='cosine').fit_predict(matrix)
json.dump(dict(zip(ids, labels.tolist())), open(sys.argv[2], 'w'))
"""
)


def run(code: str, *args: str) -> tuple[float, float | None, int, str]:
    done = run_python(code, *args)
    return (
        done.seconds,
        done.peak_mb,
        done.returncode,
        done.stdout if done.returncode == 0 else done.stderr,
    )


def ari(truth: dict[str, int], predicted: dict[str, int]) -> float:
    from sklearn.metrics import adjusted_rand_score

    ids = sorted(truth)
    return float(adjusted_rand_score([truth[i] for i in ids], [predicted.get(i, -1) for i in ids]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000])
    parser.add_argument("--zipf", action="store_true", help="Zipf-skewed pattern sizes")
    parser.add_argument("--baseline-cap", type=float, default=8.0, help="GB")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="failearn-bench-"))
    print(f"{'incidents':>9}  {'what':<9} {'seconds':>8} {'peak MB':>8} {'ARI':>6}  notes")
    db = work / "none.db"
    for size in args.sizes:
        data = work / f"incidents-{size}.ndjson"
        truth = write_incidents(data, size, zipf=args.zipf)
        db = work / f"bench-{size}.db"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "failearn",
                "ingest",
                str(data),
                "--db",
                str(db),
                "--dedup-window",
                "1s",
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
            check=True,
            capture_output=True,
        )
        seconds, peak, code, out = run(
            FAILEARN, "cluster", "--db", str(db), "--as-of", AS_OF, "--format", "json"
        )
        if code != 0:
            print(f"{size:>9}  failearn  failed: {out.strip()[-300:]}")
            continue
        doc = json.loads(out)
        predicted = {i: c["id"] for c in doc["clusters"] for i in c["incident_ids"]}
        mine = ari(truth, predicted)
        print(
            f"{size:>9}  failearn  {seconds:8.1f} {peak or 0:8.0f} {mine:6.3f}  "
            f"{len(doc['clusters'])} clusters, eps {doc['parameters']['eps']} "
            f"({doc['parameters']['eps_source']}), {doc['distinct_rows']} distinct rows"
        )
        if args.no_baseline:
            continue
        labels = work / f"baseline-{size}.json"
        seconds_b, peak_b, code, out = run(BASELINE, str(data), str(labels), str(args.baseline_cap))
        if code != 0:
            print(
                f"{size:>9}  baseline  {seconds_b:8.1f} {peak_b or 0:8.0f}      -  stopped "
                f"(memory cap {args.baseline_cap:g} GB or error: "
                f"{out.strip().splitlines()[-1][:80]})"
            )
            continue
        found = json.loads(labels.read_text(encoding="utf-8"))
        theirs = ari(truth, {i: v for i, v in found.items() if v >= 0})
        print(
            f"{size:>9}  baseline  {seconds_b:8.1f} {peak_b or 0:8.0f} {theirs:6.3f}  "
            f"ratio failearn/baseline: time {seconds / seconds_b:.2f}, "
            f"memory {(peak or 0) / (peak_b or 1):.2f}"
        )
    timings = {"id": [], "text": []}
    for _ in range(5):
        for kind, query in (
            ("id", ["syn-0000042"]),
            ("text", ["--text", "pool exhausted after 30ms on db-1234"]),
        ):
            started = time.perf_counter()
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "failearn",
                    "similar",
                    *query,
                    "--db",
                    str(db),
                    "--format",
                    "json",
                ],
                check=True,
                capture_output=True,
            )
            timings[kind].append(time.perf_counter() - started)
    print(
        f"similar on {args.sizes[-1]} incidents (whole command, median of 5): "
        f"by id {statistics.median(timings['id']):.2f} s, "
        f"by text {statistics.median(timings['text']):.2f} s"
    )


if __name__ == "__main__":
    main()
