"""Regenerate the metric series of the report tests' fixture store.

    python scripts/make_report_fixture_series.py

Writes ``tests/fixtures/report/metrics/checkout.json``: a Prometheus range-query
response with ``checkout``'s request rate and database pool utilisation over
the fixture's last four weeks at a 5-minute step, with normal traffic (a daily
cycle and noise) and, before each of ``checkout``'s pool exhaustions in
``tests/fixtures/report/incidents.ndjson``, a traffic surge and the pool
filling up.  The fixture's other services have no series, so its report shows
both kinds of evidence.  One seed: two runs give identical bytes.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from samples.series import _daily, _drift, _prometheus, _ramp

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "report"
START = datetime(2026, 10, 26, tzinfo=UTC)
END = datetime(2026, 11, 23, tzinfo=UTC)
STEP = 300


def main() -> int:
    rng = np.random.default_rng(20261125)
    times = np.arange(int(START.timestamp()), int(END.timestamp()), STEP, dtype=np.int64)
    t = times.astype(float)
    pools = []
    for line in (FIXTURE / "incidents.ndjson").read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record.get("service") == "checkout" and "pool" in record.get("failure_class", ""):
            pools.append(datetime.fromisoformat(record["timestamp"].replace("Z", "+00:00")))
    load = _daily(times) * (1 + _drift(rng, len(t), 0.02)) * (1 + rng.normal(0, 0.02, len(t)))
    pool = 0.2 + 0.3 * _daily(times) + rng.normal(0, 0.03, len(t))
    for when in pools:
        at = when.timestamp()
        lead = float(rng.uniform(15, 30)) * 60
        load = load * (1 + 0.35 * _ramp(t, at - lead, at))
        ramp = _ramp(t, at - lead, at)
        pool = np.where(ramp > 0, pool + (1.0 - pool) * ramp, pool)
    series = [
        ({"__name__": "request_rate", "service": "checkout"}, times, 380.0 * load),
        (
            {"__name__": "db_pool_utilization", "service": "checkout"},
            times,
            np.clip(pool, 0.02, 1.0),
        ),
    ]
    target = FIXTURE / "metrics" / "checkout.json"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(_prometheus(series))
    print(
        f"{target.relative_to(ROOT)}: 2 series of {len(times)} points; "
        f"{len(pools)} pool exhaustions of checkout with a precursor"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
