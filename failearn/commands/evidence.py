"""The evidence a suggestion rests on, gathered from the store for each pattern and service.

For the incidents of a pattern on one service, :func:`gather` finds the
dependency they point at (:mod:`failearn.suggest.dependency`), then reads the
metric series of the service and of that dependency and measures, for each
signal (a metric's level or change over each ``[precursors] windows``), how it
behaves in the window before the incidents against the same service's normal
windows (:func:`failearn.analysis.precursors.measure`).  The signals that differ
are precursors; their thresholds are evaluated once (:mod:`failearn.analysis.triggers`)
so that each adaptation can learn its trigger from the kinds of signal it acts
on (:meth:`ServiceEvidence.trigger`), with figures held out by time.  It also
keeps each series' figures in normal time, before and during the incidents (a
timeout is tuned to the first, a pool sized from the second and third).

When a service has no series, the evidence says so, and the suggestion falls
back to what the incidents recorded, marked as such.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import numpy as np

from failearn.analysis.model import PatternSnapshot
from failearn.analysis.precursors import Measurement, NormalOptions, measure
from failearn.analysis.series import (
    FEATURES,
    Grid,
    extremes,
    feature,
    normal_mask,
    to_grid,
    windows,
)
from failearn.analysis.triggers import (
    TriggerOptions,
    attach_folds,
    evaluate_many,
    folds_for,
    thresholds,
)
from failearn.config import PrecursorsConfig, Settings
from failearn.store import Store
from failearn.store import series as sql
from failearn.suggest.dependency import choose_dependency
from failearn.suggest.model import IncidentBrief
from failearn.suggest.series_evidence import (
    Finding,
    Levels,
    ServiceEvidence,
    SignalInfo,
)
from failearn.timeutil import from_iso, iso, parse_duration


def _whole(duration: timedelta) -> int:
    return int(duration.total_seconds())


def options_from(config: PrecursorsConfig) -> tuple[NormalOptions, TriggerOptions]:
    """The analysis options of ``[precursors]``, in seconds."""
    seconds = _whole
    return (
        NormalOptions(
            seconds(config.horizon),
            seconds(config.min_lead),
            config.control_days,
            seconds(config.exclude_after),
            config.min_effect,
            config.max_p,
        ),
        TriggerOptions(
            seconds(config.horizon),
            seconds(config.min_lead),
            seconds(config.rearm),
            config.target_false_alarms,
            config.folds,
            seconds(config.min_normal),
        ),
    )


def window_seconds(config: PrecursorsConfig) -> list[int]:
    return sorted({int(parse_duration(w).total_seconds()) for w in config.windows})


class _Series:
    """The stored series of the services concerned, read once, on their grids."""

    def __init__(self, store: Store, services: Iterable[str], start: int, end: int) -> None:
        self.store, self.start, self.end = store, start, end
        self.by_service: dict[str, list[sql.StoredSeries]] = {}
        for stored in sql.series(store, services):
            if (
                stored.last_at is not None
                and stored.last_at >= start * 1000
                and stored.first_at is not None
                and stored.first_at < end * 1000
            ):
                self.by_service.setdefault(stored.service, []).append(stored)
        self.grids: dict[int, Grid] = {}
        self.features: dict[tuple[int, str, int], np.ndarray] = {}
        self.normal: dict[tuple[int, str, int], np.ndarray] = {}

    def grid(self, stored: sql.StoredSeries) -> Grid:
        if stored.id not in self.grids:
            times, values = sql.points_between(
                self.store, stored.id, self.start * 1000, self.end * 1000
            )
            self.grids[stored.id] = to_grid(times, values)
        return self.grids[stored.id]

    def normal_time(
        self, stored: sql.StoredSeries, service: str, excluded: np.ndarray, before: int, after: int
    ) -> np.ndarray:
        """Normal time on a series' grid, with the incidents of ``service`` and of the
        series' own service excluded (the same for every pattern of the service)."""
        key = (stored.id, service, after)
        if key not in self.normal:
            self.normal[key] = normal_mask(self.grid(stored), excluded, before, after)
        return self.normal[key]

    def feature(self, stored: sql.StoredSeries, kind: str, window: int) -> np.ndarray:
        key = (stored.id, kind, window)
        if key not in self.features:
            self.features[key] = feature(self.grid(stored), kind, window)
        return self.features[key]


def _seconds(timestamps: Iterable[str]) -> np.ndarray:
    return np.array(sorted(from_iso(t).timestamp() for t in timestamps), dtype=np.float64)


def gather(
    store: Store,
    patterns: PatternSnapshot | None,
    briefs: Mapping[str, IncidentBrief],
    settings: Settings,
    as_of: datetime,
) -> dict[tuple[str, str], ServiceEvidence]:
    """The evidence for every pattern and service of the newest cluster run."""
    if patterns is None:
        return {}
    config = settings.precursors
    normal_options, trigger_options = options_from(config)
    grouped: dict[tuple[str, str], list[IncidentBrief]] = {}
    for pattern in patterns.patterns:
        for incident_id in pattern.incident_ids:
            brief = briefs.get(incident_id)
            if brief is not None:
                grouped.setdefault((pattern.pattern_id, brief.service), []).append(brief)
    found = {
        key: ServiceEvidence(
            key[0], key[1], choose_dependency(items, key[1]), len(items), options=trigger_options
        )
        for key, items in sorted(grouped.items())
    }
    services = {s for _, s in found} | {
        e.dependency.name for e in found.values() if e.dependency is not None
    }
    start = int((from_iso(patterns.window_start) - timedelta(days=1)).timestamp())
    end = int(as_of.timestamp())
    loaded = _Series(store, services, start, end)
    if not loaded.by_service:
        return found
    incident_times = {
        service: _seconds(times)
        for service, times in sql.incident_times(
            store, services, iso(datetime.fromtimestamp(start, UTC)), iso(as_of)
        ).items()
    }
    for key, evidence in found.items():
        _measure(
            evidence,
            grouped[key],
            loaded,
            incident_times,
            config,
            normal_options,
            settings.rules.min_support,
        )
    return found


def _measure(
    evidence: ServiceEvidence,
    items: Sequence[IncidentBrief],
    loaded: _Series,
    incident_times: Mapping[str, np.ndarray],
    config: PrecursorsConfig,
    options: NormalOptions,
    min_support: int,
) -> None:
    owners = [evidence.service]
    if evidence.dependency is not None:
        owners.append(evidence.dependency.name)
    stored = [s for owner in owners for s in loaded.by_service.get(owner, [])]
    if not stored:
        return
    moments = _seconds(b.timestamp for b in items)
    grids = [loaded.grid(s) for s in stored]
    first = min(g.start for g in grids if len(g.values))
    last = max(g.end for g in grids if len(g.values))
    covered = moments[(moments >= first + options.horizon) & (moments < last)]
    evidence.series = tuple(sorted({f"{s.service}:{s.metric}" for s in stored}))
    evidence.span = (
        iso(datetime.fromtimestamp(first, UTC)),
        iso(datetime.fromtimestamp(last, UTC)),
    )
    evidence.covered = len(covered)
    evidence.folds = folds_for(first, last, covered, evidence.options.folds)
    findings: list[Finding] = []
    levels: list[Levels] = []
    for series, grid in zip(stored, grids, strict=True):
        excluded = np.union1d(
            incident_times.get(evidence.service, np.empty(0)),
            incident_times.get(series.service, np.empty(0)),
        )
        levels.append(_levels(series, grid, covered, excluded, config, options))
        if len(covered) == 0:
            continue
        for kind in FEATURES:
            for width in window_seconds(config):
                if width < grid.step:
                    continue
                values = loaded.feature(series, kind, width)
                normal = loaded.normal_time(
                    series,
                    evidence.service,
                    excluded,
                    options.horizon,
                    options.exclude_after + width,
                )
                found = measure(values, grid, normal, covered, options)
                signal = SignalInfo(
                    series.id,
                    series.service,
                    series.metric,
                    tuple(sorted(series.labels.items())),
                    kind,
                    width,
                )
                precursor = found.is_precursor(options, min_support)
                findings.append(Finding(signal, found, precursor))
                if precursor:
                    _candidates(evidence, signal, values, grid, normal, covered, found)
    findings.sort(
        key=lambda f: (
            -f.measurement.effect_size,
            f.signal.metric,
            f.signal.feature,
            f.signal.window_seconds,
        )
    )
    evidence.findings = tuple(findings)
    evidence.levels = tuple(levels)


def _candidates(
    evidence: ServiceEvidence,
    signal: SignalInfo,
    values: np.ndarray,
    grid: Grid,
    normal: np.ndarray,
    covered: np.ndarray,
    found: Measurement,
) -> None:
    assert evidence.folds is not None
    options = evidence.options
    higher = found.direction == "higher"
    valid = normal & ~np.isnan(values)
    before = windows(grid, covered, options.horizon, options.min_lead)
    number = len(evidence.signals)
    evidence.signals.append(signal)
    by_fold = evidence.folds.normal_seconds(grid, valid)
    for candidate in evaluate_many(
        number,
        values,
        grid,
        valid,
        before,
        thresholds(values, valid, found.before, higher),
        higher,
        options,
    ):
        evidence.candidates.append(attach_folds(candidate, evidence.folds, by_fold))


def _levels(
    series: sql.StoredSeries,
    grid: Grid,
    covered: np.ndarray,
    excluded: np.ndarray,
    config: PrecursorsConfig,
    options: NormalOptions,
) -> Levels:
    normal = normal_mask(grid, excluded, options.horizon, options.exclude_after)
    values = grid.values[normal & ~np.isnan(grid.values)]
    quantiles = np.quantile(values, [0.5, 0.95, 0.99]) if len(values) else [np.nan] * 3
    before = extremes(
        windows(grid, covered, options.horizon, options.min_lead).take(grid.values), True
    )
    during_span = int(config.during.total_seconds())
    during = extremes(windows(grid, covered + during_span, during_span, 0).take(grid.values), True)

    def median(found: np.ndarray) -> float | None:
        known = found[~np.isnan(found)]
        return _round(float(np.median(known))) if len(known) else None

    return Levels(
        series.service,
        series.metric,
        tuple(sorted(series.labels.items())),
        _round(float(quantiles[0])),
        _round(float(quantiles[1])),
        _round(float(quantiles[2])),
        median(before),
        median(during),
        int((~np.isnan(before)).sum()),
    )


def _round(value: float) -> float:
    return value if not np.isfinite(value) else float(f"{value:.4g}")
