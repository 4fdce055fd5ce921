"""The core of ``failearn rules``: record what people do, list, show and export rules.

Each function opens the store of the settings, does its work in one
transaction when it writes, and returns plain data for a renderer
(:mod:`failearn.render.rules`).  The registry's logic — views at an as-of, the
guarded actions — is :mod:`failearn.commands.registry`.
"""

from __future__ import annotations

import getpass
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from failearn.commands.registry import (
    ActionResult,
    act,
    active_by_service,
    cooldowns,
    open_breakers,
    resolve_rule,
    stored_views,
)
from failearn.config import RulesConfig, Settings
from failearn.errors import NotFoundError, UsageError
from failearn.store import Store
from failearn.store import rules as sql
from failearn.suggest.guardrails import breaker_open, cooldown_until
from failearn.suggest.lifecycle import ACTIVE
from failearn.suggest.model import RuleView
from failearn.timeutil import from_iso, iso


def default_actor(environ: Mapping[str, str] | None = None) -> str:
    """Who acts when ``--by`` is not given: ``git config user.name``, else the OS user."""
    env = os.environ if environ is None else environ
    try:
        completed = subprocess.run(
            ["git", "config", "user.name"], capture_output=True, text=True, timeout=2, check=False
        )
        name = completed.stdout.strip()
        if completed.returncode == 0 and name:
            return name
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return env.get("USER") or env.get("USERNAME") or "unknown"


def _open(settings: Settings) -> Store:
    return Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)


def record_action(
    settings: Settings,
    text: str,
    event: str,
    *,
    actor: str,
    note: str | None,
    as_of: datetime,
    force: bool = False,
    incident_id: str | None = None,
) -> ActionResult:
    """``failearn rules accept|reject|apply|revert|feedback``: one event, one transaction."""
    if not actor.strip():
        raise UsageError("--by must name who acts")
    store = _open(settings)
    try:
        with store.transaction():
            run_id = store.start_run(
                f"rules {event}", as_of, {"rule": text, "by": actor, "force": force}
            )
            result = act(
                settings,
                store,
                text,
                event,
                actor=actor.strip(),
                note=note,
                as_of=as_of,
                force=force,
                incident_id=incident_id,
            )
            store.finish_run(
                run_id, "ok", {"rule": result.rule.id, "event": event, "status": result.rule.status}
            )
    finally:
        store.close()
    return result


@dataclass
class RuleList:
    as_of: str
    rules: list[RuleView]
    active_by_service: dict[str, int]
    breakers_open: dict[str, int]


def list_rules(
    settings: Settings,
    as_of: datetime,
    *,
    statuses: Sequence[str] = (),
    service: str | None = None,
    include_all: bool = False,
) -> RuleList:
    """Registered rules at ``as_of``: by default every rule not archived or rejected."""
    store = _open(settings)
    try:
        views = stored_views(store, as_of, settings.rules)
    finally:
        store.close()
    shown = [
        v
        for v in views
        if (
            v.status in statuses
            if statuses
            else include_all or v.status not in ("archived", "rejected")
        )
        and (service is None or v.service == service)
    ]
    shown.sort(key=lambda v: (v.service, -round(v.confidence, 6), v.id))
    return RuleList(
        iso(as_of), shown, active_by_service(views), open_breakers(views, settings.rules)
    )


@dataclass
class RuleDetail:
    as_of: str
    rule: RuleView
    events: list[dict[str, Any]]
    expires_at: str | None
    in_cooldown_until: str | None


def rule_detail(settings: Settings, text: str, as_of: datetime) -> RuleDetail:
    """One rule at ``as_of`` with its whole event log up to then."""
    store = _open(settings)
    try:
        rule_id = resolve_rule(store, text)
        views = stored_views(store, as_of, settings.rules, [rule_id])
        if not views:
            raise NotFoundError(f"rule {rule_id} did not exist yet at {iso(as_of)}")
        events = sql.events(store, [rule_id], until=iso(as_of))
        service_cooldowns = cooldowns(store, as_of, settings.rules)
    finally:
        store.close()
    view = views[0]
    expires = (
        iso(from_iso(view.last_matched_at) + settings.rules.ttl) if view.last_matched_at else None
    )
    until = service_cooldowns.get(view.service)
    return RuleDetail(
        iso(as_of),
        view,
        events,
        expires,
        iso(cooldown_until(until, settings.rules.cooldown)) if until else None,
    )


def export_rules(settings: Settings, as_of: datetime) -> dict[str, Any]:
    """``failearn rules export``: the active rules for a runtime rule engine."""
    store = _open(settings)
    try:
        views = stored_views(store, as_of, settings.rules)
        service_cooldowns = cooldowns(store, as_of, settings.rules)
    finally:
        store.close()
    return export_document(views, as_of, settings.rules, service_cooldowns)


def export_document(
    views: Sequence[RuleView],
    as_of: datetime,
    config: RulesConfig,
    service_cooldowns: Mapping[str, str],
) -> dict[str, Any]:
    """The active rules (accepted and applied) for a runtime rule engine to read."""
    active = sorted((v for v in views if v.status in ACTIVE), key=lambda v: (v.service, v.id))
    counts = active_by_service(views)
    services = {}
    for service, count in counts.items():
        breaker = breaker_open(count, config.max_active_rules)
        services[service] = {
            "active_rules": count,
            "automatic_adaptation": not breaker,
            "reason": (f"circuit breaker open: {count} active rules > {config.max_active_rules}")
            if breaker
            else None,
            "cooldown_until": iso(cooldown_until(service_cooldowns[service], config.cooldown))
            if service in service_cooldowns
            else None,
        }
    return {
        "as_of": iso(as_of),
        "guardrails": {
            "cooldown_seconds": int(config.cooldown.total_seconds()),
            "max_active_rules": config.max_active_rules,
            "ttl_seconds": int(config.ttl.total_seconds()),
        },
        "services": services,
        "rules": [
            {
                "rule_id": v.id,
                "service": v.service,
                "failure_class": v.failure_class,
                "adaptation": v.adaptation,
                "status": v.status,
                "action": v.action,
                "trigger": v.trigger.as_dict() if v.trigger else None,
                "confidence": round(v.confidence, 3),
                "support": v.support,
                "pattern_id": v.pattern_id,
                "automatic": services[v.service]["automatic_adaptation"],
                "expires_at": iso(from_iso(v.last_matched_at) + config.ttl)
                if v.last_matched_at
                else None,
            }
            for v in active
        ],
    }
