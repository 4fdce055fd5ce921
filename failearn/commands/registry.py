"""The learning registry: rules as they stand at an as-of, what people do to them, and what
the weekly report records in them.

:func:`rule_views` folds each rule's events up to an as-of into a
:class:`~failearn.suggest.model.RuleView` with its confidence
(:mod:`failearn.suggest.confidence`).  :func:`act` is the core of ``failearn rules
accept|reject|apply|revert|feedback``: one event, guarded by the lifecycle and
by the cooldown and circuit-breaker guardrails.  :func:`sync` is what ``failearn
report`` writes: new rules, negative feedback from incidents that name a rule
(``caused_by_rule``), decay, archiving and restoring — each an event at the
report's as-of, idempotent, so that running the same report twice changes
nothing the second time.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from failearn.config import RulesConfig, Settings
from failearn.errors import NotFoundError, RefusedError, UsageError
from failearn.store import Store, incidents
from failearn.store import rules as sql
from failearn.suggest.confidence import Feedback, confidence, recency
from failearn.suggest.guardrails import (
    breaker_open,
    cooldown_until,
    decayed_while_registered,
    in_cooldown,
    is_stale,
)
from failearn.suggest.lifecycle import (
    ACTIVE,
    PENDING,
    History,
    fold,
    next_status,
    restored_status,
)
from failearn.suggest.memory import evidence_change, snapshot
from failearn.suggest.model import RuleDraft, RuleView, Trigger
from failearn.timeutil import format_duration, from_iso, iso

SYSTEM_ACTOR = "failearn"
_LAST = 1 << 62


# -- views ----------------------------------------------------------------------------------


def _later(a: str | None, b: str | None) -> str | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _view(
    rule_id: str,
    base: Mapping[str, Any],
    history: History,
    last_matched_at: str | None,
    as_of: datetime,
    config: RulesConfig,
    extra: dict[str, Any],
) -> RuleView:
    rec = recency(None if last_matched_at is None else from_iso(last_matched_at), as_of, config.ttl)
    feedback = Feedback(history.accepted, history.rejected, history.negative)
    value = (
        0.0
        if history.status == "archived"
        else confidence(int(base["support"]), float(base["cohesion"]), feedback, rec)
    )
    trigger = base.get("trigger")
    if isinstance(trigger, dict):
        trigger = Trigger.from_dict(trigger)
    return RuleView(
        id=rule_id,
        pattern_id=base["pattern_id"],
        service=base["service"],
        failure_class=base["failure_class"],
        adaptation=base["adaptation"],
        action=base["action"],
        rationale=base["rationale"],
        trigger=trigger,
        status=history.status,
        confidence=value,
        support=int(base["support"]),
        pattern_support=int(base["pattern_support"]),
        cohesion=float(base["cohesion"]),
        incident_ids=tuple(base["incident_ids"]),
        created_at=history.created_at or "",
        last_matched_at=last_matched_at,
        recency=rec,
        accepted=history.accepted,
        rejected=history.rejected,
        negative=history.negative,
        times_applied=history.times_applied,
        last_applied_at=history.last_applied_at,
        archived_at=history.archived_at,
        flagged="reverted within its cooldown" if history.flagged_revert else None,
        extra=extra,
    )


def _draft_base(draft: RuleDraft) -> dict[str, Any]:
    return {
        "pattern_id": draft.pattern_id,
        "service": draft.service,
        "failure_class": draft.failure_class,
        "adaptation": draft.adaptation,
        "action": draft.action,
        "rationale": draft.rationale,
        "trigger": draft.trigger,
        "support": draft.support,
        "pattern_support": draft.pattern_support,
        "cohesion": draft.cohesion,
        "incident_ids": draft.incident_ids,
    }


def _draft_extra(draft: RuleDraft) -> dict[str, Any]:
    return {
        "fit": draft.fit,
        "preference": draft.preference,
        "pattern_label": draft.pattern_label,
        "pattern_status": draft.pattern_status,
        "adaptation_name": draft.adaptation_name,
        "precursors": draft.precursors,
        "evidence": draft.evidence,
        "in_snapshot": True,
    }


_EMPTY = History(
    False,
    "candidate",
    None,
    0,
    0,
    0,
    0,
    None,
    None,
    None,
    None,
    False,
    None,
    None,
    False,
    None,
    None,
)


def rule_views(
    store: Store, drafts: Sequence[RuleDraft], as_of: datetime, config: RulesConfig
) -> list[RuleView]:
    """Every rule at ``as_of``: this as-of's drafts (registered or not) and every other rule
    registered by then, with its status, history and confidence."""
    at = iso(as_of)
    registered = sql.rules(store)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for event in sql.events(store, until=at):
        by_rule.setdefault(event["rule_id"], []).append(event)
    matched = sql.last_matched(store, at)
    views: list[RuleView] = []
    seen: set[str] = set()
    for draft in drafts:
        if draft.id in seen:
            continue
        seen.add(draft.id)
        last = _later(draft.last_matched_at, matched.get((draft.service, draft.failure_class)))
        history = fold(by_rule.get(draft.id, []), config.cooldown, last)
        views.append(
            _view(draft.id, _draft_base(draft), history, last, as_of, config, _draft_extra(draft))
        )
    for rule_id, row in registered.items():
        if rule_id in seen or rule_id not in by_rule:
            continue
        views.append(
            _stored_view(rule_id, row, by_rule[rule_id], matched, as_of, config, in_snapshot=False)
        )
    return views


def stored_views(
    store: Store, as_of: datetime, config: RulesConfig, ids: Sequence[str] | None = None
) -> list[RuleView]:
    """Registered rules at ``as_of`` from their stored evidence (``rules list``, ``show``)."""
    at = iso(as_of)
    registered = sql.rules(store, ids)
    by_rule: dict[str, list[dict[str, Any]]] = {}
    for event in sql.events(store, list(registered), until=at):
        by_rule.setdefault(event["rule_id"], []).append(event)
    matched = sql.last_matched(store, at)
    views = []
    for rule_id, row in registered.items():
        if rule_id in by_rule:
            views.append(_stored_view(rule_id, row, by_rule[rule_id], matched, as_of, config))
    return views


def _stored_view(
    rule_id: str,
    row: dict[str, Any],
    events: list[dict[str, Any]],
    matched: dict[tuple[str, str], str],
    as_of: datetime,
    config: RulesConfig,
    **extra: Any,
) -> RuleView:
    """A registered rule's view from its row, its events and when its pattern last matched
    (a rule the current snapshot does not suggest: no fit or preference of its own)."""
    last = _later(row["last_matched_at"], matched.get((row["service"], row["failure_class"])))
    history = fold(events, config.cooldown, last)
    details = {"fit": 0, "preference": 0, **extra, "evidence": row.get("evidence") or {}}
    return _view(rule_id, row, history, last, as_of, config, details)


def active_by_service(views: Iterable[RuleView]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for view in views:
        if view.status in ACTIVE:
            counts[view.service] = counts.get(view.service, 0) + 1
    return dict(sorted(counts.items()))


def open_breakers(views: Iterable[RuleView], config: RulesConfig) -> dict[str, int]:
    """Services whose circuit breaker is open, with their count of active rules."""
    return {
        service: count
        for service, count in active_by_service(views).items()
        if breaker_open(count, config.max_active_rules)
    }


def cooldowns(store: Store, as_of: datetime, config: RulesConfig) -> dict[str, str]:
    """Services in cooldown at ``as_of``: the time of their last adaptation."""
    found: dict[str, str] = {}
    for row in sql.adaptations(store, until=iso(as_of)):
        if row["service"] not in found:
            found[row["service"]] = row["at"]
    return {
        service: at
        for service, at in sorted(found.items())
        if in_cooldown(at, as_of, config.cooldown)
    }


# -- what people do -------------------------------------------------------------------------


@dataclass
class ActionResult:
    """One recorded action: the rule after it, the event, and what the guardrails said."""

    rule: RuleView
    event: dict[str, Any]
    confidence_before: float
    warnings: list[str] = field(default_factory=list)
    overridden: list[str] = field(default_factory=list)


def resolve_rule(store: Store, text: str) -> str:
    """The rule ``text`` names: its id in any case, or a unique prefix of 4 characters or more;
    a prefix that several rules share is an error that lists them."""
    rule_id = sql.find_rule_id(store, text)
    if rule_id is not None:
        return rule_id
    shown = 5
    matches = sql.rule_ids_starting(store, text, limit=shown + 1) if text.strip() else []
    if len(matches) > 1:
        listed = ", ".join(matches[:shown]) + (", …" if len(matches) > shown else "")
        raise UsageError(
            f"ambiguous: {text.strip()} matches {listed}",
            hint="give more characters of the rule id",
        )
    hint = "`failearn rules list --all` shows every rule"
    if matches:
        hint = f"a prefix needs at least 4 characters; did you mean {matches[0]}?"
    raise NotFoundError(f"no rule {text!r} in the registry", hint=hint)


class _Ledger:
    """The registered rules and their events at one as-of, to append events to in order.

    Every append folds the rule's history with the new event first, so the event
    carries the confidence it leaves the rule with, and the rule's row its new state.
    """

    def __init__(
        self, store: Store, as_of: datetime, config: RulesConfig, run_id: int | None = None
    ) -> None:
        self.store, self.as_of, self.config, self.run_id = store, as_of, config, run_id
        self.at = iso(as_of)
        self.rows = sql.rules(store)
        self.events: dict[str, list[dict[str, Any]]] = {}
        for event in sql.events(store, until=self.at):
            self.events.setdefault(event["rule_id"], []).append(event)
        self.matched = sql.last_matched(store, self.at)

    def add_rule(self, row: dict[str, Any]) -> None:
        sql.insert_rule(self.store, row)
        self.rows[row["id"]] = row

    def last_matched(self, rule_id: str) -> str | None:
        row = self.rows[rule_id]
        return _later(
            row["last_matched_at"], self.matched.get((row["service"], row["failure_class"]))
        )

    def history(self, rule_id: str, extra: Sequence[dict[str, Any]] = ()) -> History:
        ordered = sorted(
            [*self.events.get(rule_id, []), *extra], key=lambda e: (e["at"], e.get("id") or _LAST)
        )
        return fold(ordered, self.config.cooldown, self.last_matched(rule_id))

    def view(self, rule_id: str, extra: Sequence[dict[str, Any]] = ()) -> RuleView:
        return _view(
            rule_id,
            self.rows[rule_id],
            self.history(rule_id, extra),
            self.last_matched(rule_id),
            self.as_of,
            self.config,
            {},
        )

    def views(self) -> list[RuleView]:
        return [self.view(rule_id) for rule_id in sorted(self.rows) if rule_id in self.events]

    def append(
        self,
        rule_id: str,
        event: str,
        status_after: str,
        *,
        actor: str = SYSTEM_ACTOR,
        note: str | None = None,
        at: str | None = None,
        incident_id: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], RuleView]:
        when = at or self.at
        before = self.view(rule_id) if rule_id in self.events else None
        record: dict[str, Any] = {
            "rule_id": rule_id,
            "event": event,
            "at": when,
            "actor": actor,
            "note": note,
            "status_before": before.status if before else None,
            "status_after": status_after,
            "confidence_before": round(before.confidence, 6) if before else None,
            "incident_id": incident_id,
            "forced": bool(details and details.get("overridden")),
            "details": details,
            "run_id": self.run_id,
        }
        after = self.view(rule_id, [record])
        record["confidence_after"] = round(after.confidence, 6)
        record["id"] = sql.add_event(self.store, record)
        self.events.setdefault(rule_id, []).append(record)
        self.events[rule_id].sort(key=lambda e: (e["at"], e["id"]))
        history = self.history(rule_id)
        sql.update_state(self.store, rule_id, _state(after, history, max(when, self.at)))
        return record, after


def _blamed(store: Store, events: Iterable[Mapping[str, Any]]) -> set[str]:
    """The incidents a rule's negative feedback names, as they are now (an incident merged
    into another since counts as the other: it must not count twice)."""
    named = [
        e["incident_id"] for e in events if e["event"] == "negative-feedback" and e["incident_id"]
    ]
    now = incidents.current_ids(store, named) if named else {}
    return {now.get(i, i) for i in named}


def _state(view: RuleView, history: History, at: str) -> dict[str, Any]:
    return {
        "status": view.status,
        "confidence": round(view.confidence, 6),
        "updated_at": at,
        "times_applied": history.times_applied,
        "last_applied_at": history.last_applied_at,
        "accepted_count": history.accepted,
        "rejected_count": history.rejected,
        "negative_feedback_count": history.negative,
        "archived_at": history.archived_at,
    }


_END_OF_TIME = "9999-12-31T23:59:59Z"


def act(
    settings: Settings,
    store: Store,
    text: str,
    event: str,
    *,
    actor: str,
    note: str | None,
    as_of: datetime,
    force: bool = False,
    incident_id: str | None = None,
) -> ActionResult:
    """Record what a person did to a rule (``accepted``, ``rejected``, ``applied``,
    ``reverted``, ``negative-feedback``), in the caller's transaction."""
    config = settings.rules
    rule_id = resolve_rule(store, text)
    if incident_id is not None:
        incident_id = incidents.resolve_incident(store, incident_id)
    at = iso(as_of)
    last = sql.last_event_at(store, rule_id)
    if last is not None and at < last:
        raise UsageError(
            f"rule {rule_id} has an event at {last}, after --as-of {at}",
            hint="events are recorded in order; use a later --as-of",
        )
    ledger = _Ledger(store, as_of, config)
    before = ledger.view(rule_id)
    if event in ("applied", "reverted"):
        # The cooldown is judged from a service's adaptations in order: none may be
        # recorded before one already in the log.
        newest = sql.adaptations(store, until=_END_OF_TIME, service=before.service)[:1]
        if newest and at < newest[0]["at"]:
            raise UsageError(
                f"`{before.service}` has an adaptation at {newest[0]['at']} "
                f"({newest[0]['event']} {newest[0]['rule_id']}), after --as-of "
                f"{at}",
                hint="adaptations are recorded in order; use a later --as-of",
            )
    status = next_status(rule_id, before.status, event)
    warnings: list[str] = []
    overridden: list[str] = []
    active = active_by_service(ledger.views()).get(before.service, 0)
    if event == "applied":
        for blocker in sql.adaptations(store, until=at, service=before.service)[:1]:
            if in_cooldown(blocker["at"], as_of, config.cooldown):
                until = iso(cooldown_until(blocker["at"], config.cooldown))
                message = (
                    f"`{before.service}` had an adaptation at {blocker['at']} "
                    f"({blocker['event']} {blocker['rule_id']}); the cooldown of "
                    f"{format_duration(config.cooldown)} lasts until {until}"
                )
                if not force:
                    raise RefusedError(
                        f"refused: {message}", hint="wait, or pass --force to record it anyway"
                    )
                overridden.append(f"cooldown: {message}")
        if breaker_open(active, config.max_active_rules):
            message = (
                f"`{before.service}` has {active} active rules, more than "
                f"{config.max_active_rules}: automatic adaptation is off (circuit "
                "breaker open)"
            )
            if not force:
                raise RefusedError(
                    f"refused: {message}",
                    hint="reject or revert rules on this service, or pass --force",
                )
            overridden.append(f"circuit breaker: {message}")
    if event == "accepted" and breaker_open(active + 1, config.max_active_rules):
        warnings.append(
            f"`{before.service}` now has {active + 1} active rules, more than "
            f"{config.max_active_rules}: its circuit breaker is open and "
            "automatic adaptation is off for it"
        )
    if (
        event == "reverted"
        and before.last_applied_at is not None
        and in_cooldown(before.last_applied_at, as_of, config.cooldown)
    ):
        warnings.append(
            f"reverted less than {format_duration(config.cooldown)} after it was "
            f"applied ({before.last_applied_at}): flagged for review"
        )
    if (
        event == "negative-feedback"
        and incident_id
        and incident_id in _blamed(store, ledger.events.get(rule_id, []))
    ):
        raise UsageError(f"incident {incident_id} is already recorded against {rule_id}")
    details: dict[str, Any] = {"overridden": overridden} if overridden else {}
    if event == "rejected":
        row = ledger.rows[rule_id]
        details["evidence"] = snapshot(before.support, row.get("trigger"), _dependency_of(row))
    record, after = ledger.append(
        rule_id,
        event,
        status,
        actor=actor,
        note=note,
        incident_id=incident_id,
        details=details or None,
    )
    return ActionResult(after, record, before.confidence, warnings, overridden)


def _dependency_of(row: Mapping[str, Any]) -> str | None:
    evidence = row.get("evidence")
    dependency = evidence.get("dependency") if isinstance(evidence, dict) else None
    if isinstance(dependency, dict) and dependency.get("name"):
        return str(dependency["name"])
    return None


def _rejected_on(events: Sequence[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The evidence the latest rejection of a rule was made on."""
    for event in reversed(events):
        if event["event"] == "rejected":
            details = event.get("details") or {}
            evidence = details.get("evidence") if isinstance(details, dict) else None
            return evidence if isinstance(evidence, dict) else None
    return None


# -- what the report records ----------------------------------------------------------------


@dataclass
class SyncResult:
    """What one report wrote to the registry."""

    created: list[str] = field(default_factory=list)
    negative_feedback: list[tuple[str, str]] = field(default_factory=list)
    decayed: list[str] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    reopened: list[str] = field(default_factory=list)
    unknown_references: list[dict[str, str]] = field(default_factory=list)
    suggested: list[str] = field(default_factory=list)


def evidence_row(draft: RuleDraft, at: str) -> dict[str, Any]:
    return {
        "id": draft.id,
        "pattern_id": draft.pattern_id,
        "service": draft.service,
        "failure_class": draft.failure_class,
        "adaptation": draft.adaptation,
        "action": draft.action,
        "rationale": draft.rationale,
        "trigger": draft.trigger.as_dict() if draft.trigger else None,
        "support": draft.support,
        "pattern_support": draft.pattern_support,
        "cohesion": draft.cohesion,
        "incident_ids": list(draft.incident_ids),
        "evidence_as_of": at,
        "last_matched_at": draft.last_matched_at,
        "evidence": draft.evidence or None,
    }


def sync(
    store: Store,
    drafts: Sequence[RuleDraft],
    as_of: datetime,
    config: RulesConfig,
    run_id: int | None,
) -> SyncResult:
    """Record this as-of in the registry: new rules, negative feedback, decay, archiving."""
    ledger = _Ledger(store, as_of, config, run_id)
    at = ledger.at
    result = SyncResult()
    for draft in drafts:
        row = evidence_row(draft, at)
        if draft.id in ledger.rows:
            sql.update_evidence(store, draft.id, row)
            if ledger.rows[draft.id]["evidence_as_of"] <= at:
                ledger.rows[draft.id].update(row)
        elif draft.support >= config.min_support and not is_stale(
            _later(draft.last_matched_at, ledger.matched.get((draft.service, draft.failure_class))),
            as_of,
            config.ttl,
        ):
            ledger.add_rule(
                {
                    **row,
                    "status": "candidate",
                    "confidence": 0.0,
                    "created_at": at,
                    "updated_at": at,
                    "ttl_seconds": int(config.ttl.total_seconds()),
                }
            )
            ledger.append(
                draft.id,
                "created",
                "candidate",
                note=f"from pattern {draft.pattern_id} ({draft.support} incidents "
                f"on {draft.service})",
            )
            result.created.append(draft.id)
    _reopen(ledger, drafts, config, result)
    lower = {rule_id.casefold(): rule_id for rule_id in ledger.rows}
    for ref in sql.rule_references(store, at):
        named = str(ref["caused_by_rule"]).strip()
        rule_id = lower.get(named.casefold())
        if rule_id is None or rule_id not in ledger.events:
            result.unknown_references.append(
                {"incident_id": ref["incident_id"], "caused_by_rule": named}
            )
            continue
        if ref["incident_id"] in _blamed(store, ledger.events[rule_id]):
            continue
        when = max(ref["timestamp"], ledger.events[rule_id][0]["at"])
        status = ledger.history(rule_id).status
        ledger.append(
            rule_id,
            "negative-feedback",
            status,
            at=when,
            incident_id=ref["incident_id"],
            note=f"incident {ref['incident_id']} names this rule (caused_by_rule)",
        )
        result.negative_feedback.append((rule_id, ref["incident_id"]))
    for rule_id in sorted(ledger.events):
        history = ledger.history(rule_id)
        last = ledger.last_matched(rule_id)
        if history.status != "archived" and is_stale(last, as_of, config.ttl):
            ledger.append(
                rule_id,
                "archived",
                "archived",
                note=f"no matching incident for {format_duration(config.ttl)} "
                f"(last {last or 'never'})",
            )
            result.archived.append(rule_id)
        elif history.status == "archived" and not is_stale(last, as_of, config.ttl):
            ledger.append(
                rule_id,
                "restored",
                restored_status(history.status_before_archive),
                note=f"a matching incident at {last}",
            )
            result.restored.append(rule_id)
        elif (
            history.status != "archived"
            and not history.decayed_since_match
            and decayed_while_registered(history.created_at, last, as_of, config.ttl)
        ):
            ledger.append(
                rule_id,
                "decayed",
                history.status,
                note=f"no matching incident since {last}; confidence is falling",
            )
            result.decayed.append(rule_id)
    return result


def _reopen(
    ledger: _Ledger, drafts: Sequence[RuleDraft], config: RulesConfig, result: SyncResult
) -> None:
    """Bring a rejected rule back as a candidate when its evidence changed since."""
    for draft in drafts:
        if draft.id not in ledger.events or draft.id in result.reopened:
            continue
        if ledger.history(draft.id).status != "rejected":
            continue
        row = ledger.rows[draft.id]
        why = evidence_change(
            _rejected_on(ledger.events[draft.id]),
            draft.support,
            row.get("trigger"),
            _dependency_of(row),
            draft.service,
            config,
        )
        if why is not None:
            ledger.append(draft.id, "reopened", "candidate", note=f"new evidence: {why}")
            result.reopened.append(draft.id)


def mark_suggested(
    store: Store,
    views: Sequence[RuleView],
    as_of: datetime,
    config: RulesConfig,
    run_id: int | None,
) -> list[str]:
    """Log ``suggested`` for this report's suggestions that were still candidates."""
    ledger = _Ledger(store, as_of, config, run_id)
    marked = []
    for view in views:
        if view.status == "candidate" and view.id in ledger.events:
            ledger.append(
                view.id, "suggested", "suggested", note=f"in the report as of {ledger.at}"
            )
            marked.append(view.id)
    return marked


def is_pending(view: RuleView) -> bool:
    return view.status in PENDING
