"""``failearn backtest``: replay the stored history against the rules' triggers.

For each rule (those named, else every suggested, accepted or applied one at
``as_of``), :func:`run_backtest` reads the series its trigger watches over
``[since, as_of)`` and replays the trigger as stored — the same signal,
threshold and window — with the machinery the report learns triggers with
(:mod:`failearn.analysis.triggers`): before how many of its pattern's incidents
on its service it fired, and how far ahead; how often it fired in normal time.
The pattern's incidents are those of the newest cluster run at or before
``as_of`` and those the rule was made from.  A span that reaches back before
the rule's evidence was recorded includes the data its threshold was learned
from, and the result says so: for figures on data it never saw, start
``--since`` at the date the rule was learned.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import numpy as np

from failearn.analysis.series import Grid, feature, normal_mask, to_grid, windows
from failearn.analysis.triggers import (
    Backtest,
    TriggerOptions,
    attach_folds,
    backtest,
    evaluate,
    folds_for,
)
from failearn.commands.evidence import options_from
from failearn.commands.registry import resolve_rule, stored_views
from failearn.commands.stages import load_patterns
from failearn.config import Settings
from failearn.errors import UsageError
from failearn.store import Store
from failearn.store import rules as registry_sql
from failearn.store import series as series_sql
from failearn.suggest.model import RuleView, Trigger
from failearn.timeutil import from_iso, iso

REPLAYED = ("suggested", "accepted", "applied")


@dataclass
class RuleReplay:
    """One rule's trigger replayed over the span (``result`` None: nothing to replay)."""

    rule: RuleView
    incidents: int
    result: Backtest | None
    note: str | None
    learned_at: str | None
    includes_learning: bool


@dataclass
class BacktestResult:
    as_of: str
    since: str
    rules: list[RuleReplay] = field(default_factory=list)
    # Why the incidents since --since may be missing (no cluster run after it).
    stale: str | None = None


_Grids = dict[tuple[str, str, str, int, int], Grid | None]


def _span_points(
    store: Store, trigger: Trigger, start: int, end: int, grids: _Grids
) -> Grid | None:
    """The grid of the series a trigger watches over ``[start, end)`` (read once a run)."""
    labels = series_sql.labels_key(dict(trigger.labels))
    owner = trigger.service or ""
    key = (owner, trigger.metric, labels, start, end)
    if key in grids:
        return grids[key]
    grids[key] = None
    for stored in series_sql.series(store, [owner]):
        if stored.metric == trigger.metric and series_sql.labels_key(stored.labels) == labels:
            times, values = series_sql.points_between(store, stored.id, start * 1000, end * 1000)
            grids[key] = to_grid(times, values) if len(times) else None
    return grids[key]


def _incident_times(
    store: Store, view: RuleView, pattern_ids: Sequence[str], start: str, end: str
) -> np.ndarray:
    briefs = registry_sql.incident_briefs(
        store, list(dict.fromkeys([*pattern_ids, *view.incident_ids]))
    )
    return np.array(
        sorted(
            from_iso(b["timestamp"]).timestamp()
            for b in briefs.values()
            if b["service"] == view.service and start <= b["timestamp"] < end
        )
    )


def replay(
    store: Store,
    view: RuleView,
    pattern_ids: Sequence[str],
    since: datetime,
    as_of: datetime,
    options: TriggerOptions,
    exclude_after: int,
    grids: _Grids | None = None,
) -> RuleReplay:
    """Replay one rule's stored trigger over ``[since, as_of)``."""
    start, end = iso(since), iso(as_of)
    moments = _incident_times(store, view, pattern_ids, start, end)
    learned = (view.extra.get("evidence_as_of") or view.created_at) or None
    includes = learned is not None and start < learned
    trigger = view.trigger
    if trigger is None or trigger.source != "series" or not trigger.window_seconds:
        why = (
            "its evidence is from incident time only: no trigger learned from series"
            if trigger is not None
            else "no trigger to replay: it changes a setting, or no series gave it one"
        )
        return RuleReplay(view, len(moments), None, why, learned, includes)
    window = int(trigger.window_seconds)
    # One span for every trigger of a run (so that a series is read once), long enough for
    # the widest window.
    margin = options.horizon + exclude_after + max(3600, window)
    grid = _span_points(
        store,
        trigger,
        int(since.timestamp()) - margin,
        int(as_of.timestamp()),
        {} if grids is None else grids,
    )
    if grid is None:
        return RuleReplay(
            view,
            len(moments),
            None,
            f"no points of `{trigger.service}` {trigger.metric} in the span",
            learned,
            includes,
        )
    values = feature(grid, trigger.feature, window)
    excluded = _all_incidents(
        store,
        {view.service, trigger.service or view.service},
        since - timedelta(seconds=margin),
        as_of,
    )
    normal = normal_mask(grid, excluded, options.horizon, exclude_after + window)
    normal &= grid.times >= since.timestamp()
    covered = moments[(moments >= grid.start + options.horizon) & (moments < grid.end)]
    before = windows(grid, covered, options.horizon, options.min_lead)
    found = evaluate(
        0,
        values,
        grid,
        normal & ~np.isnan(values),
        before,
        trigger.threshold,
        trigger.direction == "higher",
        options,
    )
    whole = folds_for(int(since.timestamp()), int(as_of.timestamp()), covered, 1)
    attach_folds(found, whole, np.array([float((normal & ~np.isnan(values)).sum() * grid.step)]))
    result = backtest(found, np.ones(len(covered), dtype=bool), np.ones(1, dtype=bool))
    note = None
    if len(covered) < len(moments):
        note = (
            f"{len(moments) - len(covered)} of the {len(moments)} incidents fall outside the series"
        )
    return RuleReplay(view, len(moments), result, note, learned, includes)


def _all_incidents(store: Store, services: set[str], start: datetime, end: datetime) -> np.ndarray:
    found = series_sql.incident_times(store, services, iso(start), iso(end))
    return np.array(sorted(from_iso(t).timestamp() for times in found.values() for t in times))


def run_backtest(
    settings: Settings, rules: Sequence[str], as_of: datetime, since: datetime | None
) -> BacktestResult:
    """``failearn backtest``: every rule named (else every suggested or active one) replayed
    over ``[since, as_of)`` (``since`` by default the cluster lookback before ``as_of``)."""
    start = since or as_of - settings.cluster.lookback
    if start >= as_of:
        raise UsageError(f"--since {iso(start)} is not before --as-of {iso(as_of)}")
    normal_options, options = options_from(settings.precursors)
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        ids = [resolve_rule(store, text) for text in rules] or None
        views = stored_views(store, as_of, settings.rules, ids)
        if ids is None:
            views = [v for v in views if v.status in REPLAYED]
        evidence = {
            rule_id: row["evidence_as_of"]
            for rule_id, row in registry_sql.rules(store, [v.id for v in views]).items()
        }
        patterns = load_patterns(store, as_of)
        members: dict[str, tuple[str, ...]] = (
            {} if patterns is None else {p.pattern_id: p.incident_ids for p in patterns.patterns}
        )
        result = BacktestResult(iso(as_of), iso(start))
        grids: _Grids = {}
        if patterns is None or patterns.as_of <= iso(start):
            result.stale = (
                (
                    f"the newest cluster run (as of {patterns.as_of[:10]})"
                    if patterns is not None
                    else "no cluster run"
                )
                + f" is not after --since: the patterns' later incidents are not known; run "
                f"`failearn cluster --as-of {iso(as_of)[:10]}` first"
            )
        for view in sorted(views, key=lambda v: (v.service, v.pattern_id, v.id)):
            view.extra["evidence_as_of"] = evidence.get(view.id)
            result.rules.append(
                replay(
                    store,
                    view,
                    members.get(view.pattern_id, ()),
                    start,
                    as_of,
                    options,
                    normal_options.exclude_after,
                    grids,
                )
            )
        return result
    finally:
        store.close()


def replay_document(item: RuleReplay) -> dict[str, Any]:
    """One rule's replay as plain data (for ``--format json``)."""
    view, result = item.rule, item.result
    figures = None
    if result is not None:
        per_week = result.false_alarms_per_week
        figures = {
            "incidents": result.incidents,
            "fires_before": result.caught,
            "recall": None if result.recall is None else round(result.recall, 3),
            "median_lead_seconds": result.median_lead,
            "false_alarms": result.false_alarms,
            "false_alarms_per_week": None if per_week is None else round(per_week, 3),
            "normal_weeks": round(result.normal_seconds / 604800, 2),
        }
    return {
        "rule_id": view.id,
        "service": view.service,
        "pattern_id": view.pattern_id,
        "adaptation": view.adaptation,
        "status": view.status,
        "action": view.action,
        "trigger": view.trigger.as_dict() if view.trigger else None,
        "incidents": item.incidents,
        "backtest": figures,
        "note": item.note,
        "learned_at": item.learned_at,
        "includes_learning_data": item.includes_learning,
    }
