"""Benchmark: ``failearn audit`` of a store of 50,000 incidents, classifier included.

Run by hand (not a test):  python bench/bench_audit.py [--incidents 50000] [--runs 3]

Writes 50,000 synthetic incidents (bench/audit_data.py: 13 classes, text from
per-class templates, 5 % of labels swapped for a class people confuse, and in
the last 7 days half of the ``timeout`` records labelled
``resource-exhaustion``), ingests them with ``failearn ingest`` into a fresh
database, then times ``failearn audit --as-of 2026-11-23`` (recent 7 days,
baseline 28 days: every incident is in one window).  Goal: under 30 s per
audit.  Prints the median of the runs, the peak memory, the verdict and the
classifier's agreement figures, beside the agreement of the labels with the
generator's true classes (the ceiling a classifier of the labels can reach).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from audit_data import END, generate, write_ndjson
from measure import run_failearn

GOAL_SECONDS = 30.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pairs = generate(args.incidents, drift_share=0.5)
    recent_from = (END.replace(day=16)).strftime("%Y-%m-%dT%H:%M:%SZ")
    baseline = [(r, t) for r, t in pairs if str(r["timestamp"]) < recent_from]
    ceiling = sum(r["failure_class"] == t for r, t in baseline) / len(baseline)
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        ndjson = write_ndjson(work / "incidents.ndjson", pairs)
        db = work / "audit.db"
        seconds, _, ingested = run_failearn(
            "ingest", str(ndjson), "--db", str(db), "--as-of", "2026-11-23"
        )
        print(
            f"store: {ingested['incidents']['total']:,} incidents "
            f"(ingested in {seconds:.1f}s, {args.incidents / seconds:,.0f} records/s)"
        )
        times: list[float] = []
        peaks: list[float] = []
        document: dict[str, Any] = {}
        for _ in range(args.runs):
            seconds, peak, document = run_failearn(
                "audit", "--db", str(db), "--as-of", "2026-11-23", "--show", "1000000"
            )
            times.append(seconds)
            peaks.append(peak)
    median = statistics.median(times)
    windows = document["windows"]
    labels = document["labels"]
    print(
        f"audit: recent {windows['recent']['incidents']:,}, baseline "
        f"{windows['baseline']['incidents']:,} incidents"
    )
    print(
        f"  seconds per audit (median of {args.runs}): {median:6.1f}  "
        f"runs: {', '.join(f'{t:.1f}' for t in times)}"
    )
    print(f"  ratio to the 30 s goal               : {median / GOAL_SECONDS:6.2f}  (goal < 1)")
    print(f"  peak memory                          : {max(peaks):6.0f} MB")
    stats = document["statistics"]
    print(
        f"  verdict {document['verdict']}: {stats['test']} p = {stats['p_value']}, "
        f"Jensen–Shannon {stats['jensen_shannon_distance']}"
    )
    for shift in document["shifts"]:
        print(f"  shift: {shift['message']}")
    print(f"classifier: {labels['model']}")
    print(f"  {labels['evaluation']}")
    print(
        f"  held-out accuracy {labels['accuracy']:.3f}, macro-F1 {labels['macro_f1']:.3f} "
        f"(labels agree with the true classes on {ceiling:.3f} of the baseline)"
    )
    print(
        "  per fold: "
        + ", ".join(f"{f['accuracy']:.3f}/{f['macro_f1']:.3f}" for f in labels["folds"])
    )
    print(
        f"  disagreement rate: recent {labels['disagreement_rate_recent']:.3f}, baseline "
        f"{labels['disagreement_rate_baseline']:.3f} (p = {labels['rise_p_value']})"
    )
    truth = {str(r["id"]): (r["failure_class"], t) for r, t in pairs}
    flagged = {d["incident_id"] for d in labels["disagreements"]}
    recent = recent_ids(pairs, recent_from)
    wrong = {i for i, (label, true) in truth.items() if label != true and i in recent}
    hits = len(flagged & wrong)
    print(
        f"  {len(flagged):,} recent records flagged; {hits / max(len(flagged), 1):.3f} of them "
        f"are truly mislabelled (precision), and they are {hits / max(len(wrong), 1):.3f} of "
        f"the {len(wrong):,} mislabelled recent records (recall)"
    )


def recent_ids(pairs: list[tuple[dict[str, object], str]], since: str) -> set[str]:
    return {str(r["id"]) for r, _ in pairs if str(r["timestamp"]) >= since}


if __name__ == "__main__":
    main()
