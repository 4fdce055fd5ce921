"""``failearn drill``: a chaos experiment on the learning loop itself.

In a scratch copy of the store, :func:`run_drill` injects a known synthetic
failure pattern (by default twelve connection-pool exhaustions of a service no
one has, spread over the last two weeks) and that service's metric series (three
weeks of a pool's utilisation with a daily cycle and noise, rising to saturation
over the twenty minutes before each injected incident), then runs the loop as a
week would: ingest (through the quality gates and the series reader), cluster,
report — the same machinery, so the suggestion carries a trigger learned from
the series and its held-out backtest.  The drill passes when a pattern holds the
injected incidents, a rule for the injected service passes every guardrail, a
rule whose adaptation acts on the injected signal learned a trigger that fires
before at least ``min_support`` of them (held out) within the false-alarm
target, and the whole loop ran within the target time.  The user's store is
only read (SQLite's backup API copies it consistently, WAL included); the
scratch copy is deleted afterwards.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from failearn.commands.cluster import ClusterOptions, ClusterResult, run_cluster
from failearn.commands.ingest import IngestOptions, IngestResult, run_ingest
from failearn.commands.report import Report, ReportOptions, build_report
from failearn.config import DrillConfig, Settings
from failearn.errors import UsageError
from failearn.store.drill import copy_database
from failearn.store.location import display as display_location
from failearn.suggest.rules import PREFERRED_SIGNALS
from failearn.suggest.series_evidence import signal_kind
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import format_duration, from_iso, iso

Stage = Callable[[str, float], None]


@dataclass(frozen=True)
class DrillOptions:
    as_of: datetime
    keep: Path | None = None


@dataclass
class DrillResult:
    passed: bool
    target_seconds: float
    total_seconds: float
    stages: list[tuple[str, float]]
    injected: list[str]
    service: str
    failure_class: str
    detected: dict[str, Any] | None
    suggestion: dict[str, Any] | None
    budget: int
    misses: list[str] = field(default_factory=list)
    scratch: str | None = None


MAX_INCIDENTS = 10_000


def synthetic_records(config: DrillConfig, as_of: datetime) -> list[dict[str, Any]]:
    """The injected incidents: evenly spread over ``config.spread`` before ``as_of``."""
    count = config.incidents
    step = config.spread / count
    records = []
    for index in range(count):
        seed = hashlib.sha256(f"failearn-drill:{config.service}:{index}".encode()).hexdigest()
        jitter = (int(seed[:4], 16) / 0xFFFF - 0.5) * 0.1  # ±5 %, deterministic
        when = as_of - config.spread + step * index + timedelta(minutes=7)
        records.append(
            {
                "id": f"DRILL-{config.service}-{index + 1:03d}",
                "timestamp": iso(when),
                "service": config.service,
                "failure_class": config.failure_class,
                "severity": "SEV2",
                "title": f"drill: {config.service} {config.failure_class}",
                "trace_ids": [seed[:32]],
                "error_messages": [f"{config.message} (request {seed[32:44]})"],
                "dependencies": [config.dependency] if config.dependency else [],
                "trace_shape": [
                    "api-gateway",
                    config.service,
                    *([config.dependency] if config.dependency else []),
                ],
                "metrics": {
                    name: round(value * (1 + jitter), 4)
                    for name, value in sorted(config.metrics.items())
                },
            }
        )
    return records


SERIES_STEP = 60


def synthetic_series(
    config: DrillConfig, as_of: datetime, records: list[dict[str, Any]]
) -> bytes | None:
    """The injected service's series, as a Prometheus range-query response: a week before
    the injected incidents begin, and every minute up to ``as_of``."""
    import math

    if not config.signal.strip():
        return None
    start = int((as_of - config.spread - timedelta(days=7)).timestamp())
    end = int(as_of.timestamp())
    moments = sorted(int(from_iso(r["timestamp"]).timestamp()) for r in records)
    lead = int(config.lead.total_seconds())
    values = []
    for moment in range(start, end, SERIES_STEP):
        hour = (moment % 86400) / 3600
        seed = hashlib.sha256(f"failearn-drill-series:{moment}".encode()).digest()
        noise = (int.from_bytes(seed[:4], "big") / 0xFFFFFFFF - 0.5) * 0.1
        value = config.signal_normal * (1 + 0.3 * math.sin(2 * math.pi * (hour - 9) / 24) + noise)
        for at in moments:
            if at - lead < moment <= at:
                share = (moment - (at - lead)) / lead
                value += (config.signal_peak - value) * share
        values.append([moment, f"{value:.4g}"])
    document = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [
                {"metric": {"__name__": config.signal, "service": config.service}, "values": values}
            ],
        },
    }
    return json.dumps(document, separators=(",", ":")).encode()


def _trigger_misses(
    item: dict[str, Any], config: DrillConfig, settings: Settings, taxonomy: Taxonomy
) -> list[str]:
    """What is missing when the drill planted a precursor in the series: a suggestion whose
    trigger was learned from it and fires before enough injected incidents, held out,
    within the false-alarm target."""

    if not config.signal.strip() or config.signal_peak == config.signal_normal:
        return []
    kind = signal_kind(config.signal)
    acting = {
        k
        for a in taxonomy.adaptations_for(config.failure_class)
        for k in PREFERRED_SIGNALS.get(a, ())
    }
    if kind not in acting:
        return [
            f"no adaptation of {config.failure_class} acts on {config.signal} (a signal "
            f"of kind {kind}): choose another [drill] signal"
        ]
    backtest = (item["evidence"].get("backtest") or {}).get("held_out")
    if backtest is None or (item["precursor"] or {}).get("metric") != config.signal:
        return [f"no trigger was learned from the injected {config.signal} series"]
    misses = []
    if backtest["fires_before"] < settings.rules.min_support:
        misses.append(
            f"the learned trigger fires before {backtest['fires_before']} of "
            f"{backtest['incidents']} injected incidents (held out); it needs "
            f"{settings.rules.min_support}"
        )
    rate = backtest["false_alarms_per_week"]
    if rate is not None and rate > settings.precursors.target_false_alarms:
        misses.append(
            f"the learned trigger fires {rate:.1f} times a week in normal time "
            "(held out), more than [precursors] target_false_alarms"
        )
    return misses


def run_drill(
    settings: Settings, taxonomy: Taxonomy, options: DrillOptions, stage: Stage | None = None
) -> DrillResult:
    """Run the drill (see the module docstring); the result says what passed and how fast."""
    source = check_drill(settings, taxonomy)
    config = settings.drill
    scratch_dir = Path(tempfile.mkdtemp(prefix="failearn-drill-"))
    clock = _Stages(stage)
    try:
        scratch_db = scratch_dir / "drill.db"
        clock.timed("copy", lambda: copy_database(source, scratch_db))
        records = synthetic_records(config, options.as_of)
        loop = _run_loop(
            replace(settings, db=scratch_db),
            taxonomy,
            options.as_of,
            _write_inputs(scratch_dir, config, options.as_of, records),
            clock,
        )
        total = clock.elapsed()
        injected = {r["id"] for r in records}
        misses = _rejected(loop.ingested)
        detected = _detection(loop.clustered, injected, settings.rules.min_support, misses)
        suggestion = None
        if detected is not None:
            suggestion = _suggestion(loop.report, detected, settings, taxonomy, misses)
        if total > config.target.total_seconds():
            misses.append(
                f"the loop took {total:.1f}s, more than the target {format_duration(config.target)}"
            )
        return DrillResult(
            passed=not misses,
            target_seconds=config.target.total_seconds(),
            total_seconds=total,
            stages=clock.stages,
            injected=sorted(injected),
            service=config.service,
            failure_class=config.failure_class,
            detected=detected,
            suggestion=suggestion,
            budget=settings.rules.budget,
            misses=misses,
            scratch=_keep(scratch_db, options.keep),
        )
    finally:
        shutil.rmtree(scratch_dir, ignore_errors=True)


def check_drill(settings: Settings, taxonomy: Taxonomy) -> Path:
    """Refuse, before anything is copied, a drill that cannot run: too few or too many
    incidents, an empty service or message, a class the taxonomy lacks, a store that is
    not a SQLite file.  The store's file, to copy."""
    config = settings.drill
    if not 1 <= config.incidents <= MAX_INCIDENTS:
        raise UsageError(
            f"--incidents must be between 1 and {MAX_INCIDENTS:,}: the drill "
            "needs at least one incident, and a pattern, not a load test"
        )
    for option, value in (("--service", config.service), ("--message", config.message)):
        if not value.strip():
            raise UsageError(
                f"{option} (or [drill] {option[2:]}) is empty: the injected incidents need one"
            )
    if taxonomy.resolve(config.failure_class) is None:
        raise UsageError(
            f"--failure-class {config.failure_class!r} is not in taxonomy {taxonomy.version}"
        )
    if not isinstance(settings.db, Path):
        raise UsageError(
            f"the drill copies a SQLite store; {display_location(settings.db)} "
            "is a PostgreSQL database",
            hint="copy it into a file first: failearn db copy URL drill-source.db",
        )
    if not settings.db.exists():
        raise UsageError(
            f"database {settings.db} does not exist",
            hint="run `failearn ingest` first, or pass --db",
        )
    return settings.db


class _Stages:
    """The time of each stage of the loop, told to ``stage`` as each ends."""

    def __init__(self, stage: Stage | None) -> None:
        self.notify = stage or (lambda _name, _seconds: None)
        self.stages: list[tuple[str, float]] = []
        self.started = time.perf_counter()

    def timed(self, name: str, action: Callable[[], Any]) -> Any:
        begin = time.perf_counter()
        value = action()
        seconds = time.perf_counter() - begin
        self.stages.append((name, seconds))
        self.notify(name, seconds)
        return value

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


@dataclass(frozen=True)
class _Loop:
    ingested: IngestResult
    clustered: ClusterResult
    report: Report


def _write_inputs(
    scratch_dir: Path, config: DrillConfig, as_of: datetime, records: list[dict[str, Any]]
) -> list[str]:
    """The files ingest reads: the injected records (NDJSON) and, when the drill plants a
    signal, their series."""
    feed = scratch_dir / "drill.ndjson"
    feed.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    paths = [str(feed)]
    series = synthetic_series(config, as_of, records)
    if series is not None:
        (scratch_dir / "drill-series.json").write_bytes(series)
        paths.append(str(scratch_dir / "drill-series.json"))
    return paths


def _run_loop(
    scratch: Settings, taxonomy: Taxonomy, as_of: datetime, paths: list[str], clock: _Stages
) -> _Loop:
    """Ingest, cluster and report on the scratch store, as a week would (every suggestion
    kept, so that the injected one is found whatever its rank)."""
    ingested = clock.timed(
        "ingest", lambda: run_ingest(scratch, taxonomy, IngestOptions(paths=paths, as_of=as_of))
    )
    clustered = clock.timed("cluster", lambda: run_cluster(scratch, ClusterOptions(as_of=as_of)))
    unlimited = replace(scratch, rules=replace(scratch.rules, budget=10_000))
    report = clock.timed(
        "report", lambda: build_report(unlimited, taxonomy, ReportOptions(as_of=as_of))
    )
    return _Loop(ingested, clustered, report)


def _rejected(ingested: IngestResult) -> list[str]:
    rejected = ingested.counts.get("rejected")
    if not rejected:
        return []
    return [f"{rejected} injected record(s) were rejected by the quality gates"]


def _detection(
    clustered: ClusterResult, injected: set[str], min_support: int, misses: list[str]
) -> dict[str, Any] | None:
    """The pattern that holds most injected incidents (the smallest of equals); a miss
    when none does, or when it holds too few of them or mostly others."""
    best = max(
        clustered.clusters,
        key=lambda c: (len(injected & set(c.incident_ids)), -c.size),
        default=None,
    )
    if best is None or not injected & set(best.incident_ids):
        misses.append("no pattern holds the injected incidents")
        return None
    hits = len(injected & set(best.incident_ids))
    if hits < min(len(injected), min_support) or hits * 2 < best.size:
        misses.append(
            f"pattern {best.pattern_id} holds only {hits} of the "
            f"{len(injected)} injected incidents among {best.size}"
        )
    return {
        "pattern_id": best.pattern_id,
        "size": best.size,
        "injected_in_pattern": hits,
        "injected": len(injected),
        "label": best.label,
        "status": best.status,
        "precursors": [p.metric for p in best.precursors],
    }


def _suggestion(
    report: Report,
    detected: dict[str, Any],
    settings: Settings,
    taxonomy: Taxonomy,
    misses: list[str],
) -> dict[str, Any] | None:
    """The report's suggestion for the injected service and pattern; a miss when there is
    none (with why it was held back) or its trigger falls short."""
    service = settings.drill.service
    for item in report.suggestions:
        if item["service"] == service and item["pattern_id"] == detected["pattern_id"]:
            misses.extend(_trigger_misses(item, settings.drill, settings, taxonomy))
            backtest = (item["evidence"].get("backtest") or {}).get("held_out")
            return {
                "rule_id": item["rule_id"],
                "action": item["action"],
                "confidence": item["confidence"],
                "rank": item["rank"],
                "within_budget": item["rank"] <= settings.rules.budget,
                "trigger": item["precursor"] if backtest else None,
                "backtest": backtest,
            }
    held = [s for s in report.suppressed if s["service"] == service]
    why = f" (held back: {held[0]['reason']}: {held[0]['detail']})" if held else ""
    misses.append(f"no suggestion for `{service}`{why}")
    return None


def _keep(scratch_db: Path, keep: Path | None) -> str | None:
    """Copy the scratch store into ``keep`` when asked to (``--keep DIR``)."""
    if keep is None:
        return None
    keep.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(scratch_db, keep / "drill.db")
    return str(keep / "drill.db")
