"""Renderings of the registry commands: rules, their events, actions, the export."""

from __future__ import annotations

from typing import Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failearn.commands.registry import ActionResult
from failearn.commands.rules import RuleDetail, RuleList
from failearn.render.output import print_table
from failearn.suggest.model import RuleView


def rule_dict(view: RuleView) -> dict[str, Any]:
    return {
        "rule_id": view.id,
        "status": view.status,
        "service": view.service,
        "failure_class": view.failure_class,
        "adaptation": view.adaptation,
        "action": view.action,
        "confidence": round(view.confidence, 3),
        "support": view.support,
        "pattern_id": view.pattern_id,
        "pattern_support": view.pattern_support,
        "cohesion": round(view.cohesion, 3),
        "incident_ids": list(view.incident_ids),
        "rationale": view.rationale,
        "trigger": view.trigger.as_dict() if view.trigger else None,
        "created_at": view.created_at,
        "last_matched_at": view.last_matched_at,
        "recency": round(view.recency, 3),
        "times_applied": view.times_applied,
        "last_applied_at": view.last_applied_at,
        "accepted": view.accepted,
        "rejected": view.rejected,
        "negative_feedback": view.negative,
        "archived_at": view.archived_at,
        "flagged": view.flagged,
    }


def event_dict(event: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "rule_id",
        "event",
        "at",
        "actor",
        "note",
        "status_before",
        "status_after",
        "confidence_before",
        "confidence_after",
        "incident_id",
        "forced",
        "details",
    )
    out = {k: event.get(k) for k in keys}
    out["forced"] = bool(out["forced"])
    return out


def list_document(result: RuleList) -> dict[str, Any]:
    return {
        "as_of": result.as_of,
        "rules": [rule_dict(v) for v in result.rules],
        "active_rules_by_service": result.active_by_service,
        "breakers_open": result.breakers_open,
    }


def detail_document(result: RuleDetail) -> dict[str, Any]:
    return {
        "as_of": result.as_of,
        "rule": rule_dict(result.rule),
        "expires_at": result.expires_at,
        "service_cooldown_until": result.in_cooldown_until,
        "events": [event_dict(e) for e in result.events],
    }


def action_document(result: ActionResult) -> dict[str, Any]:
    return {
        "rule": rule_dict(result.rule),
        "event": event_dict(result.event),
        "confidence_before": round(result.confidence_before, 3),
        "warnings": result.warnings,
        "overridden": result.overridden,
    }


def render_list(result: RuleList, console: Console, *, tsv: bool = False) -> None:
    """The rules as a table, after a line per open circuit breaker; with ``tsv``, only the
    rules, one tab-separated line each."""
    if tsv:
        print_table(_list_table(result), console, tsv=True)
        return
    for service, count in result.breakers_open.items():
        console.print(
            f"[bold red]circuit breaker open on {escape(service)}: {count} active "
            "rules; automatic adaptation is off[/]"
        )
    if not result.rules:
        console.print(
            "no rules (failearn report registers them; --all shows archived and rejected ones)"
        )
        return
    print_table(_list_table(result), console)


def _list_table(result: RuleList) -> Table:
    # Readable at 80 columns (a pipe, a CI log): ids, statuses, figures and dates are never
    # cut; a long service or adaptation name wraps onto a second line instead.
    table = Table(
        title=f"rules as of {result.as_of}",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        padding=0,
    )
    table.add_column("rule", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("service", overflow="fold", min_width=8)
    table.add_column("adaptation", overflow="fold", min_width=10)
    table.add_column("conf.", justify="right", no_wrap=True)
    table.add_column("support", justify="right", no_wrap=True)
    table.add_column("applied", justify="right", no_wrap=True)
    table.add_column("last match", no_wrap=True)
    for v in result.rules:
        table.add_row(
            v.id,
            v.status + (" (flagged)" if v.flagged else ""),
            escape(v.service),
            v.adaptation,
            f"{v.confidence:.2f}",
            str(v.support),
            str(v.times_applied),
            (v.last_matched_at or "")[:10],
        )
    return table


def render_detail(result: RuleDetail, console: Console) -> None:
    v = result.rule
    console.print(
        f"[bold]{v.id}[/] {v.status} · {escape(v.service)} · {v.failure_class} · {v.adaptation}"
    )
    console.print(v.action.replace("`", ""), markup=False)
    console.print(
        f"confidence {v.confidence:.2f} (support {v.support}, cohesion "
        f"{v.cohesion:.2f}, recency {v.recency:.2f}; {v.accepted} accepted, "
        f"{v.rejected} rejected, {v.negative} negative feedback)",
        markup=False,
    )
    console.print("why: " + v.rationale.replace("`", ""), markup=False)
    console.print(
        f"applied {v.times_applied} time(s); last matching incident "
        f"{v.last_matched_at or 'none'}; expires {result.expires_at or '-'}",
        markup=False,
    )
    if v.flagged:
        console.print(f"[yellow]flagged: {escape(v.flagged)}[/]")
    if result.in_cooldown_until:
        console.print(
            f"{escape(v.service)} is in cooldown until {result.in_cooldown_until}", markup=False
        )
    console.print("events:", markup=False)
    for e in result.events:
        status = (
            e["status_after"]
            if e["status_before"] in (None, e["status_after"])
            else f"→ {e['status_after']}"
        )
        event = e["event"] + (" (forced)" if e["forced"] else "")
        note = f": {e['note']}" if e["note"] else ""
        console.print(
            f"  {e['at']}  {event:<17} {status:<12} {e['confidence_after']:.2f}  "
            f"{e['actor']}{note}",
            markup=False,
        )


def render_action(result: ActionResult, console: Console) -> None:
    v, e = result.rule, result.event
    console.print(
        f"{v.id}: {e['event']} by {e['actor']} at {e['at']}; status "
        f"{e['status_before']} → {v.status}; confidence "
        f"{result.confidence_before:.2f} → {v.confidence:.2f}",
        markup=False,
    )
    for message in result.overridden:
        console.print(f"[yellow]forced past the {escape(message)}[/]")
    for message in result.warnings:
        console.print(f"[yellow]warning: {escape(message)}[/]")


def render_export(document: dict[str, Any], console: Console, *, tsv: bool = False) -> None:
    """The active rules as a table; with ``tsv``, one tab-separated line each."""
    if not document["rules"] and not tsv:
        console.print("no active rules (accepted or applied)")
        return
    print_table(export_table(document), console, tsv=tsv)


def export_table(document: dict[str, Any]) -> Table:
    """The table of the active rules of a ``rules export`` document."""
    table = Table(title=f"active rules as of {document['as_of']}", title_justify="left")
    table.add_column("rule", no_wrap=True)
    for column in ("service", "status", "adaptation", "automatic", "trigger"):
        table.add_column(column, overflow="fold")
    for r in document["rules"]:
        trigger = r["trigger"]
        table.add_row(
            r["rule_id"],
            escape(r["service"]),
            r["status"],
            r["adaptation"],
            "yes" if r["automatic"] else "no (breaker open)",
            f"{trigger['metric']} {trigger['direction']} {trigger['threshold']}" if trigger else "",
        )
    return table
