"""PagerDuty: v3 webhooks and Events API v2 events.

A v3 webhook carries one ``event``: its ``event_type`` says what happened and
``event.data`` is the resource.  Events about an incident (``incident.triggered``,
``incident.resolved``, …) are records of that incident: its id, creation time,
service, title, priority and urgency; every event of one incident has the same
id, so they are one incident.  Events about anything else (``service.updated``,
a note, a responder) are skipped with a note.

An Events API v2 ``trigger`` is an alert: ``payload.summary``, ``source``,
``severity``, ``timestamp`` (``2015-07-17T08:42:58.315+0000``), ``component``,
``group``, ``class`` and ``custom_details``.  ``acknowledge`` and ``resolve``
events, and change events, are not new incidents and are skipped with a note.
"""

from __future__ import annotations

from typing import Any

from failearn.sources.vendors.common import (
    Item,
    Options,
    class_hints,
    compact,
    dig,
    first_label,
    malformed,
    skip,
    text,
    wrong_type,
)

NAME = "pagerduty"


def is_webhook(value: dict[str, Any]) -> bool:
    event = value.get("event")
    return isinstance(event, dict) and "event_type" in event


def is_event(value: dict[str, Any]) -> bool:
    return "event_action" in value or ("routing_key" in value and "payload" in value)


def detect(value: dict[str, Any]) -> bool:
    return is_webhook(value) or is_event(value)


def _names(items: Any) -> list[str]:
    if not isinstance(items, list):
        return []
    return [t for t in (text(dig(i, "summary")) for i in items) if t]


def _webhook(value: dict[str, Any]) -> Item:
    event = value["event"]
    if not isinstance(event.get("event_type"), str) or not text(event.get("event_type")):
        return malformed(
            "PagerDuty webhook: "
            + wrong_type(
                "event.event_type", event.get("event_type"), "a string such as incident.triggered"
            )
        )
    event_type = text(event.get("event_type")) or "?"
    data = event.get("data")
    if not event_type.startswith("incident."):
        return skip(f"PagerDuty `{event_type}` event: not a record of an incident")
    if not isinstance(data, dict):
        return malformed(
            f"PagerDuty `{event_type}` event: "
            + wrong_type("event.data", data, "the incident object")
        )
    if data.get("type") not in ("incident", None):
        return skip(f"PagerDuty `{event_type}` event: not a record of an incident")
    incident_id = text(data.get("id"))
    priority = dig(data, "priority", "summary") or dig(data, "priority", "name")
    record: dict[str, Any] = {
        "id": f"pd-{incident_id}" if incident_id else None,
        "timestamp": data.get("created_at") or event.get("occurred_at"),
        "service": text(dig(data, "service", "summary")) or text(dig(data, "service", "name")),
        "title": text(data.get("title")) or text(data.get("summary")),
        "severity": text(priority) or text(data.get("urgency")),
        "ended_at": event.get("occurred_at") if event_type == "incident.resolved" else None,
        "fingerprint": text(data.get("incident_key")),
        "status": text(data.get("status")),
        "urgency": text(data.get("urgency")),
        "event_type": event_type,
        "teams": _names(data.get("teams")),
        "url": text(data.get("html_url")),
        "source_format": NAME,
    }
    return Item(compact(record), anchor=incident_id)


def _service(payload: dict[str, Any], options: Options) -> str | None:
    details = payload.get("custom_details")
    found = first_label(details if isinstance(details, dict) else None, options.service_labels)
    for key in ("group", "component", "source"):
        found = found or text(payload.get(key))
    return found


def _event(value: dict[str, Any], options: Options) -> Item:
    if "event_action" in value and not isinstance(value.get("event_action"), str):
        return malformed(
            "PagerDuty event: "
            + wrong_type("event_action", value.get("event_action"), "a string such as trigger")
        )
    action = text(value.get("event_action"))
    payload = value.get("payload")
    if action is None:
        return skip("PagerDuty change event: a change, not an incident")
    if action != "trigger":
        return skip(f"PagerDuty `{action}` event: an update to an alert, not a new incident")
    if not isinstance(payload, dict):
        return malformed(
            "PagerDuty `trigger` event: " + wrong_type("payload", payload, "the alert object")
        )
    dedup = text(value.get("dedup_key"))
    details = payload.get("custom_details")
    record: dict[str, Any] = {
        "id": f"pd-{dedup}" if dedup else None,
        "timestamp": payload.get("timestamp"),
        "service": _service(payload, options),
        "title": text(payload.get("summary")),
        "severity": text(payload.get("severity")),
        "fingerprint": dedup,
        "class_hints": class_hints(
            details if isinstance(details, dict) else None, payload.get("class")
        ),
        "details": details if isinstance(details, dict) else None,
        "component": text(payload.get("component")),
        "group": text(payload.get("group")),
        "host": text(payload.get("source")),
        "client": text(value.get("client")),
        "source_format": NAME,
    }
    return Item(compact(record), anchor=dedup)


def expand(value: dict[str, Any], options: Options) -> list[Item]:
    if is_webhook(value):
        return [_webhook(value)]
    return [_event(value, options)]
