"""The weekly advisory report: suggestions within a budget, what was held back and why, the
week in numbers, the registry's health and the drift verdict.

:func:`build_report` is the one core function behind ``failearn report``.  In one
transaction it reads the newest cluster run at or before the as-of, drafts the
rules its patterns argue for (:mod:`failearn.suggest.rules`), records them in the
registry (:func:`failearn.commands.registry.sync`: new rules, negative feedback, decay,
archiving), chooses the suggestions through the guardrails, marks them
suggested, and assembles a :class:`Report` of plain data.  Under ``--dry-run``
it writes nothing and reports the registry as it stands.  Nothing in it reads
the clock: the same store and as-of give the same report, and running it twice
records nothing the second time.  A report at an as-of earlier than the
registry's newest event is computed without recording anything.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from failearn.analysis.model import PatternSnapshot
from failearn.commands.evidence import gather
from failearn.commands.registry import (
    active_by_service,
    cooldowns,
    is_pending,
    mark_suggested,
    open_breakers,
    rule_views,
    sync,
)
from failearn.commands.stages import latest_drift, load_patterns
from failearn.config import RulesConfig, Settings, check_ranges
from failearn.figures import percent
from failearn.store import Store
from failearn.store import report as report_sql
from failearn.store import rules as registry_sql
from failearn.suggest.guardrails import (
    SUPPRESSION_REASONS,
    Suppressed,
    choose,
    cooldown_until,
    override_rate,
    priority,
    severity_weight,
)
from failearn.suggest.memory import earlier_decisions
from failearn.suggest.model import IncidentBrief, RuleDraft, RuleView
from failearn.suggest.rules import drafts_from_patterns
from failearn.suggest.wording import signal_text
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import format_duration, from_iso, iso, iso_week_label, week_start

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")

# Ten years of weekly history is more than a report can show, and keeps dates in range.


@dataclass(frozen=True)
class ReportOptions:
    as_of: datetime
    dry_run: bool = False
    # Called with the finished report before it is recorded (the command renders it
    # there): what it raises leaves the store as it was.
    before_commit: Callable[[Report], None] | None = None


@dataclass(frozen=True)
class Week:
    label: str
    start: str
    end: str
    # Always false: the report covers complete weeks.  Kept because scripts and teams'
    # templates read it.
    partial: bool = False


@dataclass(frozen=True)
class Notice:
    """Something the on-call lead must read before the suggestions."""

    level: str  # alert, warning, info
    code: str
    message: str


@dataclass
class Report:
    as_of: str
    week: Week
    budget: int
    guardrails: dict[str, Any]
    cluster_run: dict[str, Any] | None
    notices: list[Notice]
    suggestions: list[dict[str, Any]]
    suppressed: list[dict[str, Any]]
    suppressed_counts: dict[str, int]
    week_numbers: dict[str, Any]
    patterns: list[dict[str, Any]]
    registry: dict[str, Any]
    drift: dict[str, Any] | None
    # Whether this report wrote to the registry (not under --dry-run, nor at an as-of
    # earlier than the registry's newest event).
    recorded: bool
    dry_run: bool = False


# -- the week ---------------------------------------------------------------------------------


def report_week(as_of: datetime) -> Week:
    """The last complete ISO week before ``as_of``: a report on a Wednesday covers the week
    that ended on Sunday, not the two and a half days since, which the weeks before it
    would outnumber."""
    end = week_start(as_of)
    start = end - timedelta(days=7)
    return Week(iso_week_label(start), iso(start), iso(end))


def _mean(values: list[int]) -> float:
    return round(sum(values) / len(values), 2) if values else 0.0


def week_numbers(
    store: Store, week: Week, history: int, patterns: PatternSnapshot | None
) -> dict[str, Any]:
    """Incidents by class, service and severity this week against the weeks before."""
    start = from_iso(week.start)
    first = start - timedelta(days=7 * history)
    labels = [iso_week_label(first + timedelta(days=7 * i)) for i in range(history + 1)]
    mondays = [(first + timedelta(days=7 * i)).date().isoformat() for i in range(history + 1)]
    position = {monday: i for i, monday in enumerate(mondays)}
    dims: dict[str, dict[str, list[int]]] = {"failure_class": {}, "service": {}, "severity": {}}
    totals = [0] * len(mondays)
    for monday, failure_class, service, severity, count in report_sql.weekly_counts(
        store, iso(first), week.end
    ):
        index = position.get(monday)
        if index is None:
            continue
        totals[index] += count
        for dim, key in (
            ("failure_class", failure_class),
            ("service", service),
            ("severity", severity or "unknown"),
        ):
            dims[dim].setdefault(key, [0] * len(mondays))[index] += count

    def table(dim: str) -> list[dict[str, Any]]:
        rows = []
        for key, counts in dims[dim].items():
            rows.append(
                {
                    dim: key,
                    "this_week": counts[-1],
                    "previous_mean": _mean(counts[:-1]),
                    "change": round(counts[-1] - _mean(counts[:-1]), 2),
                    "weeks": counts,
                }
            )
        if dim == "severity":
            return sorted(rows, key=lambda r: (r[dim] == "unknown", r[dim]))
        return sorted(rows, key=lambda r: (-r["this_week"], -r["previous_mean"], r[dim]))

    by_status: dict[str, list[dict[str, Any]]] = {
        s: [] for s in ("new", "growing", "recurring", "fading")
    }
    if patterns is not None:
        for pattern in patterns.patterns:
            by_status.setdefault(pattern.status, []).append(
                {
                    "pattern_id": pattern.pattern_id,
                    "label": pattern.label,
                    "terms": list(pattern.top_terms),
                    "titles": list(pattern.titles),
                    "size": pattern.support,
                    "failure_class": pattern.dominant_class,
                    "services": sorted(pattern.services, key=lambda s: (-pattern.services[s], s)),
                }
            )
    return {
        "weeks": labels,
        "incidents": {
            "this_week": totals[-1],
            "previous_mean": _mean(totals[:-1]),
            "weeks": totals,
        },
        "by_class": table("failure_class"),
        "by_service": table("service"),
        "by_severity": table("severity"),
        "patterns": by_status,
    }


# -- suggestions ------------------------------------------------------------------------------


def _briefs(store: Store, patterns: PatternSnapshot | None) -> dict[str, IncidentBrief]:
    if patterns is None:
        return {}
    ids = [i for p in patterns.patterns for i in p.incident_ids]
    return {
        row["id"]: IncidentBrief(
            id=row["id"],
            timestamp=row["timestamp"],
            service=row["service"],
            failure_class=row["failure_class"],
            severity=row["severity"],
            title=row["title"],
            source=row["source"],
            line=row["line"],
            dependencies=tuple(row["dependencies"]),
            error_messages=tuple(row["error_messages"]),
            trace_shape=tuple(row["trace_shape"]),
        )
        for row in registry_sql.incident_briefs(store, ids).values()
    }


def incident_link(source: str | None, line: int | None, link_base: str | None) -> str | None:
    """Where a post-mortem lives: its source path (with ``#L<line>`` for a JSON record),
    under ``[report] link_base`` when one is set."""
    if not source or source == "-":
        return None
    link = source
    if link_base is None and _SCHEME.match(link):
        link = "./" + link  # a file named like a URL scheme stays a relative path
    if line and not source.endswith(".md"):
        link += f"#L{line}"
    if link_base:
        link = link_base.rstrip("/") + "/" + link.removeprefix("./")
    return link


def _incidents(
    view: RuleView,
    store: Store,
    briefs: dict[str, IncidentBrief],
    shown: int,
    link_base: str | None,
) -> list[dict[str, Any]]:
    newest = sorted(
        view.incident_ids,
        key=lambda i: (briefs[i].timestamp if i in briefs else "", i),
        reverse=True,
    )[:shown]
    missing = [i for i in newest if i not in briefs]
    extra = registry_sql.incident_briefs(store, missing) if missing else {}
    out: list[dict[str, Any]] = []
    for incident_id in newest:
        if incident_id in briefs:
            b = briefs[incident_id]
            row: dict[str, Any] = {
                "id": b.id,
                "timestamp": b.timestamp,
                "severity": b.severity,
                "title": b.title,
                "source": b.source,
                "line": b.line,
            }
        elif incident_id in extra:
            e = extra[incident_id]
            row = {k: e[k] for k in ("id", "timestamp", "severity", "title", "source", "line")}
        else:
            continue
        row["link"] = incident_link(row["source"], row["line"], link_base)
        out.append(row)
    return out


def _precursor(view: RuleView) -> dict[str, Any] | None:
    if view.trigger is not None:
        return {**view.trigger.as_dict(), "text": signal_text(view.trigger)}
    precursors = view.extra.get("precursors") or ()
    if precursors:
        top = precursors[0]
        return {
            "metric": top.metric,
            "direction": top.direction,
            "threshold": None,
            "window_seconds": None,
            "median_in_pattern": top.median_in_pattern,
            "median_rest": top.median_rest,
            "effect_size": top.effect_size,
            "support": top.support,
            "kind": None,
            "text": signal_text(top),
        }
    return None


def _suggestion(
    rank: int, view: RuleView, store: Store, briefs: dict[str, IncidentBrief], settings: Settings
) -> dict[str, Any]:
    return {
        "rank": rank,
        "rule_id": view.id,
        "service": view.service,
        "failure_class": view.failure_class,
        "action": view.action,
        "confidence": round(view.confidence, 3),
        "support": view.support,
        "incident_ids": list(view.incident_ids),
        "rationale": view.rationale,
        "priority": round(priority(view), 3),
        "severity_weight": round(float(view.extra.get("severity_weight", 0.5)), 3),
        "adaptation": view.adaptation,
        "adaptation_name": view.extra.get("adaptation_name", view.adaptation),
        "pattern_id": view.pattern_id,
        "pattern_label": view.extra.get("pattern_label"),
        "pattern_status": view.extra.get("pattern_status"),
        "pattern_support": view.pattern_support,
        "cohesion": round(view.cohesion, 3),
        "status": view.status,
        "precursor": _precursor(view),
        "evidence": view.extra.get("evidence") or {},
        "expected_benefit": _benefit(view, settings.rules),
        "incidents": _incidents(
            view, store, briefs, settings.report.incidents_shown, settings.report.link_base
        ),
        "commands": {
            "accept": f'failearn rules accept {view.id} --note "…"',
            "reject": f'failearn rules reject {view.id} --note "why not"',
        },
    }


def _suppressed(item: Suppressed) -> dict[str, Any]:
    rule = item.rule
    return {
        "rule_id": rule.id,
        "service": rule.service,
        "failure_class": rule.failure_class,
        "adaptation": rule.adaptation,
        "pattern_id": rule.pattern_id,
        "confidence": round(rule.confidence, 3),
        "support": rule.support,
        "registered": bool(rule.created_at),
        "reason": item.reason,
        "detail": item.detail,
    }


def _weighted(
    store: Store,
    views: list[RuleView],
    briefs: dict[str, IncidentBrief],
    scale: tuple[str, ...],
    as_of: datetime,
    config: RulesConfig,
) -> list[RuleView]:
    """The views with what their expected benefit is made of (:func:`priority`): the severity
    weight of their incidents, their recent weekly rate, and the share they would prevent."""
    wanted = [i for v in views if is_pending(v) for i in v.incident_ids if i not in briefs]
    extra = registry_sql.incident_briefs(store, wanted) if wanted else {}
    severity = {i: b.severity for i, b in briefs.items()}
    severity.update({i: row["severity"] for i, row in extra.items()})
    started = {i: b.timestamp for i, b in briefs.items()}
    started.update({i: row["timestamp"] for i, row in extra.items()})
    since = iso(as_of - timedelta(weeks=config.benefit_weeks))
    weighted = []
    for view in views:
        recent = sum(1 for i in view.incident_ids if since <= started.get(i, "") < iso(as_of))
        first = min((started[i] for i in view.incident_ids if i in started), default=since)
        weeks = max(
            1.0,
            min(
                float(config.benefit_weeks),
                (as_of - from_iso(max(first, since))).total_seconds() / 604800,
            ),
        )
        prevention = (view.extra.get("evidence") or {}).get("prevention") or {}
        weighted.append(
            replace(
                view,
                extra={
                    **view.extra,
                    "severity_weight": severity_weight(
                        [severity.get(i) for i in view.incident_ids], scale
                    ),
                    "weekly_rate": round(recent / weeks, 3),
                    "prevention": float(prevention.get("share", config.assumed_prevention)),
                },
            )
        )
    return weighted


def _benefit(view: RuleView, config: RulesConfig) -> dict[str, Any]:
    """The expected benefit of a suggestion and what it is made of, in words."""
    extra = view.extra
    prevention = (extra.get("evidence") or {}).get("prevention") or {}
    source = prevention.get("source", "assumed")
    share = float(extra.get("prevention", config.assumed_prevention))
    how = "fires before" if source == "held-out backtest" else "assumed to prevent"
    where = " (held out)" if source == "held-out backtest" else " ([rules] assumed_prevention)"
    value = priority(view)
    return {
        "per_week": round(value, 3),
        "weekly_rate": extra.get("weekly_rate", 0.0),
        "severity_weight": round(float(extra.get("severity_weight", 0.5)), 3),
        "prevention": round(share, 3),
        "prevention_source": source,
        "confidence": round(view.confidence, 3),
        "text": f"about {value:.2f} severity-weighted incidents prevented a week: "
        f"{float(extra.get('weekly_rate', 0.0)):.2g} a week on `{view.service}` "
        f"(last {config.benefit_weeks} weeks) × severity "
        f"{float(extra.get('severity_weight', 0.5)):.2f} × {how} "
        f"{share * 100:.0f} %{where} × confidence {view.confidence:.2f}",
    }


# -- registry health --------------------------------------------------------------------------


def _decisions(
    store: Store, views: list[RuleView], as_of: datetime, window: timedelta
) -> list[tuple[str, int]]:
    """Each rule's latest accept or reject in the window, with the rule's support."""
    start = iso(as_of - window)
    support = {v.id: v.support for v in views}
    latest: dict[str, tuple[str, str]] = {}
    for event in registry_sql.events(store, until=iso(as_of)):
        if event["event"] in ("accepted", "rejected") and event["at"] > start:
            latest[event["rule_id"]] = (event["at"], event["event"])
    return [
        (decision, support.get(rule_id, 0)) for rule_id, (_, decision) in sorted(latest.items())
    ]


def registry_health(
    store: Store,
    views: list[RuleView],
    as_of: datetime,
    week: Week,
    settings: Settings,
    service_cooldowns: dict[str, str],
    unknown_refs: list[dict[str, str]],
) -> dict[str, Any]:
    config = settings.rules
    at = iso(as_of)
    this_week: dict[str, list[str]] = defaultdict(list)
    for event in registry_sql.events(store, until=at):
        if event["at"] > week.start and event["event"] in (
            "archived",
            "decayed",
            "restored",
            "negative-feedback",
            "accepted",
            "rejected",
            "applied",
            "reverted",
            "created",
            "reopened",
        ):
            this_week[event["event"]].append(event["rule_id"])
    rate = override_rate(_decisions(store, views, as_of, config.override_window), config)
    breakers = open_breakers(views, config)
    statuses = Counter(v.status for v in views if v.created_at)
    return {
        "rules": sum(statuses.values()),
        "by_status": {
            s: statuses[s]
            for s in (
                "candidate",
                "suggested",
                "accepted",
                "applied",
                "reverted",
                "rejected",
                "archived",
            )
            if statuses[s]
        },
        "active_rules_by_service": active_by_service(views),
        "breakers_open": [
            {"service": s, "active_rules": n, "limit": config.max_active_rules}
            for s, n in breakers.items()
        ],
        "override": {
            "reviewed": rate.reviewed,
            "rejected": rate.rejected,
            "rate": None if rate.rate is None else round(rate.rate, 4),
            "threshold": rate.threshold,
            "warning": rate.warning,
            "hint": rate.hint,
            "min_reviews": rate.min_reviews,
            "window": format_duration(config.override_window),
        },
        "this_week": {kind: sorted(set(ids)) for kind, ids in sorted(this_week.items())},
        "cooldowns": [
            {
                "service": s,
                "last_adaptation_at": t,
                "until": iso(cooldown_until(t, config.cooldown)),
            }
            for s, t in service_cooldowns.items()
        ],
        "flagged": [
            {"rule_id": v.id, "service": v.service, "reason": v.flagged}
            for v in sorted(views, key=lambda v: v.id)
            if v.flagged
        ],
        "unknown_rule_references": unknown_refs,
    }


def _notices(
    registry: dict[str, Any],
    patterns: PatternSnapshot | None,
    as_of: datetime,
    recorded: bool,
    dry_run: bool,
    settings: Settings,
) -> list[Notice]:
    notices = [
        Notice(
            "alert",
            "circuit-breaker-open",
            f"Automatic adaptation is OFF for `{b['service']}`: {b['active_rules']} "
            f"active rules, more than {b['limit']}. Review its rules "
            f"(failearn rules list --service {b['service']}).",
        )
        for b in registry["breakers_open"]
    ]
    if patterns is None:
        notices.append(
            Notice(
                "warning",
                "no-cluster-run",
                f"No cluster run at or before {iso(as_of)}: no patterns, so no "
                f"suggestions. Run `failearn cluster --as-of {iso(as_of)[:10]}` "
                "first.",
            )
        )
    elif as_of - from_iso(patterns.as_of) > timedelta(days=7):
        notices.append(
            Notice(
                "warning",
                "old-cluster-run",
                f"The newest cluster run is as of {patterns.as_of}, more than a "
                "week before this report.",
            )
        )
    override = registry["override"]
    if override["warning"]:
        notices.append(
            Notice(
                "warning",
                "override-rate",
                f"{override['rejected']} of {override['reviewed']} reviewed "
                f"suggestions were rejected ({percent(override['rate'])} > "
                f"{percent(override['threshold'])}): the analysis is too "
                f"sensitive; "
                f"{override['hint']}.",
            )
        )
    for flagged in registry["flagged"]:
        notices.append(
            Notice(
                "warning",
                "flagged-revert",
                f"Rule {flagged['rule_id']} on `{flagged['service']}` was "
                f"{flagged['reason']} "
                f"({format_duration(settings.rules.cooldown)}): review it.",
            )
        )
    for cooldown in registry["cooldowns"]:
        notices.append(
            Notice(
                "info",
                "cooldown",
                f"`{cooldown['service']}` is in cooldown until "
                f"{cooldown['until']}: no other adaptation before then.",
            )
        )
    if not recorded:
        why = "--dry-run" if dry_run else "the registry has events after this as-of"
        notices.append(
            Notice("info", "not-recorded", f"Nothing was recorded in the registry ({why}).")
        )
    return notices


# -- the report ---------------------------------------------------------------------------------


def _patterns_table(patterns: PatternSnapshot | None) -> list[dict[str, Any]]:
    if patterns is None:
        return []
    return [
        {
            "pattern_id": p.pattern_id,
            "label": p.label,
            "terms": list(p.top_terms),
            "titles": list(p.titles),
            "status": p.status,
            "size": p.support,
            "failure_class": p.dominant_class,
            "services": dict(sorted(p.services.items(), key=lambda kv: (-kv[1], kv[0]))),
            "cohesion": round(p.cohesion, 3),
            "first_seen": p.first_seen,
            "last_seen": p.last_seen,
            "precursors": [signal_text(s) for s in p.precursors[:3]],
        }
        for p in sorted(patterns.patterns, key=lambda p: (-p.support, p.pattern_id))
    ]


def build_report(settings: Settings, taxonomy: Taxonomy, options: ReportOptions) -> Report:
    """The report at ``options.as_of`` from the store of ``settings``, in one transaction
    (rolled back under ``dry_run``)."""
    check_ranges(settings)
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        scope = store.rolled_back() if options.dry_run else store.transaction()
        with scope:
            report = report_in(store, settings, taxonomy, options)
            if options.before_commit is not None:
                options.before_commit(report)
            return report
    finally:
        store.close()


def report_in(
    store: Store, settings: Settings, taxonomy: Taxonomy, options: ReportOptions
) -> Report:
    """The report at ``options.as_of``, recorded in the registry unless the registry has
    events after it (see the module docstring).  Runs in the caller's transaction."""
    config = settings.rules
    as_of = options.as_of
    at = iso(as_of)
    week = report_week(as_of)
    patterns = load_patterns(store, as_of)
    briefs = _briefs(store, patterns)
    drafts: list[RuleDraft] = drafts_from_patterns(
        patterns.patterns if patterns else (),
        briefs,
        taxonomy,
        gather(store, patterns, briefs, settings, as_of),
        config,
        settings.precursors,
    )
    newest = registry_sql.last_event_at(store)
    # A dry run shows the registry as it is: rules it would create stay unregistered
    # candidates, and no status or count includes what it did not write.
    recorded = not options.dry_run and (newest is None or newest <= at)
    run_id = None
    synced = None
    if recorded:
        run_id = store.start_run(
            "report", as_of, {"budget": config.budget, "min_support": config.min_support}
        )
        synced = sync(store, drafts, as_of, config, run_id)
    views = _weighted(
        store,
        rule_views(store, drafts, as_of, config),
        briefs,
        settings.severity.scale,
        as_of,
        config,
    )
    service_cooldowns = cooldowns(store, as_of, config)
    breakers = open_breakers(views, config)
    refused = {
        (v.pattern_id, v.adaptation): v
        for v in sorted(views, key=lambda v: v.id)
        if v.status == "rejected"
    }
    choice = choose(
        [v for v in views if is_pending(v)], config, breakers, service_cooldowns, as_of, refused
    )
    earlier = earlier_decisions(registry_sql.events(store, until=at), registry_sql.rules(store))
    chosen = list(choice.suggestions)
    if recorded:
        marked = set(mark_suggested(store, chosen, as_of, config, run_id))
        if synced is not None:
            synced.suggested = sorted(marked)
        chosen = [replace(v, status="suggested") if v.id in marked else v for v in chosen]
        views = [replace(v, status="suggested") if v.id in marked else v for v in views]
    registry = registry_health(
        store,
        views,
        as_of,
        week,
        settings,
        service_cooldowns,
        synced.unknown_references if synced else [],
    )
    suppressed = [_suppressed(item) for item in choice.suppressed]
    counts = Counter(item["reason"] for item in suppressed)
    report = Report(
        as_of=at,
        week=week,
        budget=config.budget,
        guardrails={
            "min_support": config.min_support,
            "budget": config.budget,
            "min_confidence": config.min_confidence,
            "cooldown": format_duration(config.cooldown),
            "max_active_rules": config.max_active_rules,
            "ttl": format_duration(config.ttl),
            "override_warning": config.override_warning,
        },
        cluster_run=None
        if patterns is None
        else {
            "run_id": patterns.run_id,
            "as_of": patterns.as_of,
            "window_start": patterns.window_start,
            "window_end": patterns.window_end,
            "patterns": len(patterns.patterns),
        },
        notices=[],
        suggestions=[
            {
                **_suggestion(i + 1, v, store, briefs, settings),
                "earlier": earlier.get(v.pattern_id, []),
            }
            for i, v in enumerate(chosen)
        ],
        suppressed=suppressed,
        suppressed_counts={r: counts[r] for r in SUPPRESSION_REASONS if counts[r]},
        week_numbers=week_numbers(store, week, settings.report.weeks, patterns),
        patterns=_patterns_table(patterns),
        registry=registry,
        drift=latest_drift(store, as_of),
        recorded=recorded,
        dry_run=options.dry_run,
    )
    report.notices = _notices(registry, patterns, as_of, recorded, options.dry_run, settings)
    if run_id is not None:
        summary: dict[str, Any] = {
            "suggestions": [s["rule_id"] for s in report.suggestions],
            "suppressed": report.suppressed_counts,
        }
        if synced is not None:
            summary.update(
                created=synced.created,
                suggested=synced.suggested,
                archived=synced.archived,
                decayed=synced.decayed,
                restored=synced.restored,
                reopened=synced.reopened,
                negative_feedback=[r for r, _ in synced.negative_feedback],
            )
        store.finish_run(run_id, "ok", summary)
    return report
