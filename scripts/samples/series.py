"""Metric series for the samples' last four weeks, as a Prometheus server would answer them.

Normal traffic has a daily cycle (peak at 15:00 UTC, trough at 03:00, quieter
weekends), slow drift and point-to-point noise.  Before the planted incidents,
within the span, the precursors are planted:

* ``pool-exhaustion`` (checkout, payments): a traffic surge of +20 … +40 % over
  the 14 … 30 minutes before, the database pool's utilisation climbing from its
  level to 1.0 at the incident and staying saturated for 10 … 25 minutes;
* ``inventory-timeouts`` (search calling inventory): inventory's p99 latency
  rising from ~150 ms to 2.5 … 7 s over the 8 … 20 minutes before;
* ``recommender-oom``: memory climbing to 1.0 over the 40 … 90 minutes before
  (OTLP/JSON, as a collector exports a gauge);
* a decoy: checkout's CPU spikes 4 … 14 minutes before every pool exhaustion —
  and, with the same heights, about every 40 minutes of normal time.  Compared
  only with other incidents it looks like a precursor; against normal time it is
  everyday noise and must not be suggested.

``auth`` (and the services no pattern touches) get no series, so the report
must say so and fall back to what the incidents recorded.

One file per ISO week and metric (Prometheus caps a range query at 11,000
points a series; a week at a 2-minute step is 5,040), all series of the metric
in it.  Everything follows from one seed, separate from the incidents' so that
the incident samples do not change.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from samples.common import SPAN_END, Incident, rfc3339_z, weeks

SERIES_SEED = 20261124
STEP = 120
OTLP_STEP = 300
WEEKS = 4
NOISE_SPIKES_EVERY_MIN = 40.0


@dataclass
class Planted:
    """What was planted before one incident (for the truth file)."""

    pattern: str
    service: str
    incident: str
    at: str
    lead_minutes: float


def _grid(start: datetime, end: datetime, step: int) -> np.ndarray:
    return np.arange(int(start.timestamp()), int(end.timestamp()), step, dtype=np.int64)


def _daily(times: np.ndarray) -> np.ndarray:
    """Load relative to the daily mean: 1.55 at 15:00 UTC, 0.45 at 03:00, weekends × 0.8."""
    hours = (times % 86400) / 3600.0
    cycle = 1.0 + 0.55 * np.sin(2 * math.pi * (hours - 9.0) / 24.0)
    weekday = ((times // 86400) + 3) % 7  # 1970-01-01 was a Thursday: 0 = Monday
    return cycle * np.where(weekday >= 5, 0.8, 1.0)


def _drift(rng: np.random.Generator, count: int, sigma: float, phi: float = 0.97) -> np.ndarray:
    shocks = rng.normal(0.0, sigma * math.sqrt(1 - phi * phi), count)
    out = np.empty(count)
    level = 0.0
    for i in range(count):
        level = phi * level + shocks[i]
        out[i] = level
    return out


def _ramp(times: np.ndarray, start: float, end: float) -> np.ndarray:
    """0 before ``start``, rising linearly to 1 at ``end``, 0 after ``end``."""
    inside = (times >= start) & (times <= end)
    out = np.zeros(len(times))
    out[inside] = (times[inside] - start) / max(1.0, end - start)
    return out


def _after(times: np.ndarray, start: float, length: float) -> np.ndarray:
    return (times > start) & (times <= start + length)


class _Series:
    """The generated series of the span, with what was planted."""

    def __init__(self, incidents: list[Incident]) -> None:
        self.rng = np.random.default_rng(SERIES_SEED)
        self.start = (
            SPAN_END.replace(hour=0, minute=0, second=0)
            + timedelta(days=1)
            - timedelta(weeks=WEEKS)
        )
        self.end = self.start + timedelta(weeks=WEEKS)
        self.times = _grid(self.start, self.end, STEP)
        self.slow = _grid(self.start, self.end, OTLP_STEP)
        self.incidents = [
            i for i in incidents if self.start <= i.start < self.end and i.pattern is not None
        ]
        self.planted: list[Planted] = []
        self.values: dict[tuple[str, str], np.ndarray] = {}

    def of(self, pattern: str, service: str | None = None) -> list[Incident]:
        return sorted(
            (
                i
                for i in self.incidents
                if i.pattern == pattern and (service is None or i.service == service)
            ),
            key=lambda i: i.start,
        )

    def plant(self, pattern: str, service: str, incident: Incident, lead: float) -> None:
        ids = [incident.markdown_id] if incident.markdown_id else []
        self.planted.append(
            Planted(
                pattern,
                service,
                (ids + incident.record_ids)[0],
                rfc3339_z(incident.start),
                round(lead / 60, 1),
            )
        )

    # -- the services ------------------------------------------------------------------------

    def pools(self) -> None:
        t = self.times.astype(float)
        for service, base in (("checkout", 420.0), ("payments", 310.0)):
            load = (
                _daily(self.times)
                * (1 + _drift(self.rng, len(t), 0.02))
                * (1 + self.rng.normal(0, 0.025, len(t)))
            )
            pool = (
                0.22
                + 0.35 * _daily(self.times)
                + _drift(self.rng, len(t), 0.02)
                + self.rng.normal(0, 0.03, len(t))
            )
            for incident in self.of("pool-exhaustion", service):
                at = incident.start.timestamp()
                lead = float(self.rng.uniform(14, 30)) * 60
                rise = float(self.rng.uniform(0.20, 0.40))
                load = load * (
                    1
                    + rise * _ramp(t, at - lead, at)
                    + rise * _after(t, at, 20 * 60) * (1 - (t - at) / 1200)
                )
                ramp = _ramp(t, at - lead * 0.8, at)
                pool = np.where(ramp > 0, pool + (1.0 - pool) * ramp**0.8, pool)
                pool = np.where(_after(t, at, float(self.rng.uniform(10, 25)) * 60), 1.0, pool)
                self.plant("pool-exhaustion", service, incident, lead)
            self.values[(service, "request_rate")] = base * load
            self.values[(service, "db_pool_utilization")] = np.clip(pool, 0.02, 1.0)
        self.decoy()

    def decoy(self) -> None:
        """Checkout's CPU: spikes before every pool exhaustion, and as often in normal time."""
        t = self.times.astype(float)
        cpu = 0.30 + 0.12 * (_daily(self.times) - 1) + self.rng.normal(0, 0.025, len(t))
        spikes: list[float] = []
        moment = float(t[0])
        while moment < t[-1]:
            moment += float(self.rng.exponential(NOISE_SPIKES_EVERY_MIN * 60))
            spikes.append(moment)
        for incident in self.of("pool-exhaustion", "checkout"):
            spikes.append(incident.start.timestamp() - float(self.rng.uniform(4, 14)) * 60)
        for moment in spikes:
            height = float(self.rng.uniform(0.35, 0.55))
            length = float(self.rng.uniform(2, 6)) * 60
            cpu = cpu + height * ((t >= moment) & (t < moment + length))
        self.values[("checkout", "cpu_utilization")] = np.clip(cpu, 0.01, 1.0)

    def inventory(self) -> None:
        t = self.times.astype(float)
        latency = (
            140.0
            * (1 + 0.25 * (_daily(self.times) - 1))
            * np.exp(self.rng.normal(0, 0.08, len(t)) + _drift(self.rng, len(t), 0.05))
        )
        for _ in range(int(len(t) * STEP / (6 * 3600))):
            moment = float(self.rng.uniform(t[0], t[-1]))
            latency = latency * np.where(
                (t >= moment) & (t < moment + 180), float(self.rng.uniform(1.5, 2.0)), 1.0
            )
        for incident in self.of("inventory-timeouts"):
            at = incident.start.timestamp()
            lead = float(self.rng.uniform(8, 20)) * 60
            peak = float(self.rng.uniform(2500, 7000))
            ramp = _ramp(t, at - lead, at)
            latency = np.where(ramp > 0, latency * (peak / latency) ** ramp, latency)
            latency = np.where(_after(t, at, 15 * 60), peak, latency)
            self.plant("inventory-timeouts", "inventory", incident, lead)
        self.values[("inventory", "p99_latency_ms")] = latency

    def memory(self) -> np.ndarray:
        t = self.slow.astype(float)
        memory = np.empty(len(t))
        level, restart = 0.45, float(t[0])
        booms = [i.start.timestamp() for i in self.of("recommender-oom")]
        leaks = {at: float(self.rng.uniform(40, 90)) * 60 for at in booms}
        for incident in self.of("recommender-oom"):
            self.plant(
                "recommender-oom", "recommendations", incident, leaks[incident.start.timestamp()]
            )
        next_deploy = restart + float(self.rng.uniform(12, 36)) * 3600
        for i, moment in enumerate(t):
            if moment >= next_deploy or any(0 <= moment - at < OTLP_STEP for at in booms):
                restart = moment
                next_deploy = moment + float(self.rng.uniform(12, 36)) * 3600
            level = 0.45 + 0.25 * min(1.0, (moment - restart) / (36 * 3600))
            for at, leak in leaks.items():
                if at - leak <= moment < at:
                    level = level + (1.0 - level) * (moment - (at - leak)) / leak
            memory[i] = level
        return np.clip(memory + self.rng.normal(0, 0.01, len(t)), 0.05, 1.0)


# -- writing ------------------------------------------------------------------------------------


def _number(value: float) -> str:
    return f"{value:.4g}"


def _prometheus(series: list[tuple[dict[str, str], np.ndarray, np.ndarray]]) -> bytes:
    result = [
        {
            "metric": labels,
            "values": [[int(at), _number(v)] for at, v in zip(times, values, strict=True)],
        }
        for labels, times, values in series
    ]
    document = {"status": "success", "data": {"resultType": "matrix", "result": result}}
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


def _otlp(times: np.ndarray, values: np.ndarray) -> bytes:
    points = [
        {"timeUnixNano": str(int(at) * 1_000_000_000), "asDouble": float(_number(v))}
        for at, v in zip(times, values, strict=True)
    ]
    document = {
        "resourceMetrics": [
            {
                "resource": {
                    "attributes": [
                        {"key": "service.name", "value": {"stringValue": "recommendations"}}
                    ]
                },
                "scopeMetrics": [
                    {
                        "scope": {"name": "recommender.runtime"},
                        "metrics": [
                            {
                                "name": "memory_utilization",
                                "unit": "1",
                                "description": "Resident memory over the container's limit",
                                "gauge": {"dataPoints": points},
                            }
                        ],
                    }
                ],
            }
        ]
    }
    return json.dumps(document, separators=(",", ":")).encode() + b"\n"


_LABELS: dict[str, dict[str, str]] = {
    "request_rate": {},
    "db_pool_utilization": {"pool": "{service}-db-pool"},
    "cpu_utilization": {},
    "p99_latency_ms": {},
}


def write_series(root: Path, incidents: list[Incident]) -> dict[str, Any]:
    """Write ``root``'s week files; the truth of what was planted."""
    made = _Series(incidents)
    made.pools()
    made.inventory()
    memory = made.memory()
    written: list[str] = []
    for label, monday in weeks():
        start, end = int(monday.timestamp()), int((monday + timedelta(weeks=1)).timestamp())
        if end <= made.times[0] or start > made.times[-1]:
            continue
        folder = root / label
        folder.mkdir(parents=True, exist_ok=True)
        inside = (made.times >= start) & (made.times < end)
        for metric, extra in _LABELS.items():
            series = [
                (
                    {
                        "__name__": metric,
                        "service": service,
                        **{k: v.format(service=service) for k, v in extra.items()},
                    },
                    made.times[inside],
                    values[inside],
                )
                for (service, name), values in sorted(made.values.items())
                if name == metric
            ]
            path = folder / f"{metric}.json"
            path.write_bytes(_prometheus(series))
            written.append(path.relative_to(root.parent).as_posix())
        slow = (made.slow >= start) & (made.slow < end)
        path = folder / "recommendations-memory.otlp.json"
        path.write_bytes(_otlp(made.slow[slow], memory[slow]))
        written.append(path.relative_to(root.parent).as_posix())
    return {
        "seed": SERIES_SEED,
        "step_seconds": STEP,
        "otlp_step_seconds": OTLP_STEP,
        "span": {"start": rfc3339_z(made.start), "end": rfc3339_z(made.end)},
        "files": written,
        "series": sorted(
            [[service, metric] for service, metric in made.values]
            + [["recommendations", "memory_utilization"]]
        ),
        "no_series": ["auth", "search", "api-gateway", "notifications"],
        "precursors": {
            "pool-exhaustion": {
                "services": ["checkout", "payments"],
                "metrics": ["db_pool_utilization", "request_rate"],
                "lead_minutes": [14, 30],
            },
            "inventory-timeouts": {
                "services": ["search"],
                "dependency": "inventory",
                "metrics": ["p99_latency_ms"],
                "lead_minutes": [8, 20],
            },
            "recommender-oom": {
                "services": ["recommendations"],
                "metrics": ["memory_utilization"],
                "lead_minutes": [40, 90],
            },
        },
        "decoy": {
            "service": "checkout",
            "metric": "cpu_utilization",
            "before": "a spike 4 … 14 minutes before every checkout pool exhaustion",
            "normal_time": f"spikes of the same height every "
            f"{NOISE_SPIKES_EVERY_MIN:g} minutes on average",
        },
        "planted": [vars(p) for p in made.planted],
    }
