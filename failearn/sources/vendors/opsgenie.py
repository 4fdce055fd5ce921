"""Opsgenie alert action data, as its webhook integration posts it.

``{"action": "Create", "alert": {…}, "source": {…}}``: the ``Create`` action
is a new alert and becomes a record; every other action (``Acknowledge``,
``Close``, ``AddNote``, …) is an update of an alert already seen and is
skipped with a note.  Opsgenie writes ``createdAt`` in milliseconds and
``updatedAt`` in nanoseconds in the same object; both are read by magnitude.
The service is the first of ``[vendors] service_labels`` among the alert's
details, else its ``entity``, else a ``service:NAME`` tag, else its first team.
"""

from __future__ import annotations

from typing import Any

from failearn.sources.vendors.common import (
    Item,
    Options,
    class_hints,
    compact,
    first_label,
    malformed,
    skip,
    text,
    wrong_type,
)
from failearn.timeutil import TimeParseError, iso, parse_time

NAME = "opsgenie"
_NEW = ("create", "createalert")


def detect(value: dict[str, Any]) -> bool:
    alert = value.get("alert")
    # An Opsgenie alert carries its alertId; a plain record may well have fields named
    # `alert` and `action` of its own.
    return isinstance(alert, dict) and "alertId" in alert


def _tag_value(tags: list[str], key: str) -> str | None:
    for tag in tags:
        name, sep, rest = tag.partition(":")
        if sep and name.strip().casefold() == key and rest.strip():
            return rest.strip()
    return None


def _iso(value: Any) -> str | None:
    try:
        return iso(parse_time(value).value) if value not in (None, "") else None
    except TimeParseError:
        return None


def expand(value: dict[str, Any], options: Options) -> list[Item]:
    action = text(value.get("action")) or "Create"
    alert = value["alert"]
    if action.casefold().replace(" ", "") not in _NEW:
        return [skip(f"Opsgenie `{action}` action: an update to an alert, not a new one")]
    if not isinstance(alert, dict):
        return [malformed("Opsgenie alert: " + wrong_type("alert", alert, "the alert object"))]
    for key in ("tags", "teams"):
        found = alert.get(key)
        if found is not None and not isinstance(found, list):
            return [malformed("Opsgenie alert: " + wrong_type(f"alert.{key}", found, "a list"))]
    tags = [t for t in (text(t) for t in alert.get("tags") or []) if t]
    teams = [t for t in (text(t) for t in alert.get("teams") or []) if t]
    details = alert.get("details") if isinstance(alert.get("details"), dict) else None
    service = (
        first_label(details, options.service_labels)
        or text(alert.get("entity"))
        or _tag_value(tags, "service")
        or (teams[0] if teams else None)
    )
    alert_id = text(alert.get("alertId")) or text(alert.get("id"))
    record: dict[str, Any] = {
        "id": f"og-{alert_id}" if alert_id else None,
        "timestamp": alert.get("createdAt"),
        "service": service,
        "title": text(alert.get("message")),
        "summary": text(alert.get("description")),
        "severity": text(alert.get("priority")),
        "fingerprint": text(alert.get("alias")),
        "class_hints": class_hints(details, tags),
        "tags": tags,
        "teams": teams,
        "details": details,
        "updated_at": _iso(alert.get("updatedAt")),
        "integration": text(value.get("integrationName")),
        "source_format": NAME,
    }
    return [Item(compact(record), anchor=alert_id)]
