"""Regenerate failearn's bundled sample corpus and its ground truth.

    python scripts/make_samples.py

Deletes and rewrites ``sample-postmortems/postmortems/`` (Markdown post-mortems)
and ``sample-postmortems/exports/`` (JSON, NDJSON and JSON Lines incident
exports), and writes what was planted in them to
``tests/fixtures/sample_truth.json``: the four recurring patterns with the ids of
their records, the noise, the planted duplicates and the taxonomy drift of the
last week.  Then ``sample-postmortems/metrics/`` (metric series of the last four
weeks, as a Prometheus server and an OpenTelemetry collector export them, with
precursors planted before the planted incidents and a decoy that is everyday
noise), with its truth in ``tests/fixtures/sample_series_truth.json``; the
series draw from a seed of their own, so the incidents do not depend on them.
The corpus follows from its seeds: two runs give identical bytes.
See :mod:`samples` for what is planted and why.
"""

from __future__ import annotations

import json
import shutil
import sys
from collections import Counter
from pathlib import Path
from random import Random
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples.common import (
    DRIFT_WEEK,
    SEED,
    SPAN_END,
    SPAN_START,
    Incident,
    rfc3339_z,
    trace_id,
    weeks,
)
from samples.exports import json_records, write_exports
from samples.markdown import path_for, postmortem, write_postmortem
from samples.patterns import (
    DRIFT_LABEL,
    LABELS,
    PATTERN_CLASS,
    PATTERN_SERVICES,
)
from samples.plan import plan
from samples.series import write_series

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "sample-postmortems"
TRUTH = ROOT / "tests" / "fixtures" / "sample_truth.json"
SERIES_TRUTH = ROOT / "tests" / "fixtures" / "sample_series_truth.json"
SHAPES = {
    "pool-exhaustion": ["api-gateway", "checkout", "payments", "postgres-main"],
    "inventory-timeouts": ["api-gateway", "search", "inventory"],
    "recommender-oom": ["recommendations", "feature-store"],
    "auth-config": ["api-gateway", "auth"],
}


def _ids(incident: Incident) -> list[str]:
    return ([incident.markdown_id] if incident.markdown_id else []) + incident.record_ids


def _truth(incidents: list[Incident], markdown_count: int, json_count: int) -> dict[str, Any]:
    patterns = []
    for name, class_id in PATTERN_CLASS.items():
        members = [i for i in incidents if i.pattern == name]
        per_week = Counter(i.week for i in members for _ in _ids(i))
        entry: dict[str, Any] = {
            "name": name,
            "failure_class": class_id,
            "labels": sorted({i.label for i in members}),
            "services": PATTERN_SERVICES[name],
            "trace_shape": SHAPES[name],
            "incidents": len(members),
            "record_ids": sorted(rid for i in members for rid in _ids(i)),
            "records_per_week": {week: per_week.get(week, 0) for week, _ in weeks()},
        }
        if name == "pool-exhaustion":
            entry["precursor"] = {
                "metric": "request_volume_change_pct",
                "range": [1.6, 2.6],
                "others": "N(0, 0.7) clipped to ±1.3; capacity-overload +15 … +60",
                "pool_utilization": [0.96, 1.0],
                "p99_latency_ms": [2400, 4200],
            }
        if name == "inventory-timeouts":
            entry["labels_before_drift"] = [label for label, _ in LABELS[name]]
        patterns.append(entry)
    noise = [i for i in incidents if i.pattern is None]
    drifted = [i for i in incidents if i.pattern == "inventory-timeouts" and i.week == DRIFT_WEEK]
    replicas = [i.record_ids for i in incidents if len(i.record_ids) > 1]
    return {
        "seed": SEED,
        "span": {
            "start": rfc3339_z(SPAN_START),
            "end": rfc3339_z(SPAN_END),
            "weeks": [week for week, _ in weeks()],
        },
        "counts": {
            "markdown": markdown_count,
            "json": json_count,
            "records": markdown_count + json_count,
            "incidents": len(incidents),
            "noise_records": sum(len(_ids(i)) for i in noise),
        },
        "patterns": patterns,
        "noise": {
            "classes": sorted({i.class_id for i in noise}),
            "record_ids": sorted(rid for i in noise for rid in _ids(i)),
        },
        "drift": {
            "week": DRIFT_WEEK,
            "pattern": "inventory-timeouts",
            "from_class": "timeout",
            "to_class": DRIFT_LABEL,
            "label": DRIFT_LABEL,
            "description": "From 2026-W47 on, the inventory timeouts (search calling "
            "inventory) are labelled resource-exhaustion; messages and trace "
            "shape are unchanged. In W47 the share of timeout falls to zero "
            "while resource-exhaustion rises.",
            "record_ids": sorted(rid for i in drifted for rid in _ids(i)),
        },
        "duplicates": {
            "window_seconds": 300,
            "replica_groups": sorted(replicas),
            "boundary_pairs": sorted(i.record_ids for i in incidents if i.exact_times),
            "markdown_with_alert": sorted(
                [i.markdown_id, i.record_ids[0]]
                for i in incidents
                if i.markdown_id and i.record_ids
            ),
            "shared_trace_ids": sorted(i.shared_trace for i in incidents if i.shared_trace),
        },
    }


def main() -> int:
    rng = Random(SEED)
    incidents = plan(rng)
    for incident in incidents:
        if incident.markdown and incident.alert_too and rng.random() < 0.5:
            incident.shared_trace = trace_id(rng)
    exports: list[tuple[Incident, str, dict[str, Any]]] = []
    posts: list[tuple[str, str]] = []
    taken: set[str] = set()
    for incident in incidents:
        for channel, record in json_records(rng, incident):
            exports.append((incident, channel, record))
        if incident.markdown:
            text = postmortem(rng, incident, len(posts))
            posts.append((path_for(incident, taken), text))
    for folder in ("postmortems", "exports", "metrics"):
        shutil.rmtree(CORPUS / folder, ignore_errors=True)
    for relative, text in posts:
        write_postmortem(CORPUS, relative, text)
    files = write_exports(CORPUS / "exports", exports)
    TRUTH.parent.mkdir(parents=True, exist_ok=True)
    truth = _truth(incidents, len(posts), len(exports))
    TRUTH.write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
    )
    series_truth = write_series(CORPUS / "metrics", incidents)
    SERIES_TRUTH.write_text(
        json.dumps(series_truth, indent=2, ensure_ascii=False) + "\n",
        encoding="utf-8",
        newline="\n",
    )
    print(
        f"{len(posts)} post-mortems, {len(exports)} JSON records in {len(files)} export files; "
        f"{len(series_truth['files'])} metric series files; truth in "
        f"{TRUTH.relative_to(ROOT)} and {SERIES_TRUTH.relative_to(ROOT)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
