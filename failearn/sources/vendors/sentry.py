"""Sentry events: the event JSON itself, or wrapped in an issue-alert webhook.

An event (``event_id``, ``timestamp`` as float epoch seconds or ISO text,
``level``, ``culprit``, ``transaction``, ``tags`` as ``[key, value]`` pairs,
``exception.values[]``, ``contexts.trace.trace_id``) is one record.  The
integration platform's webhooks wrap it: ``{"action": "triggered", "data":
{"event": {…}}}`` (issue alerts) or ``data.error`` (errors).  The service is
the first of ``[vendors] service_labels`` among the tags, else the project.
"""

from __future__ import annotations

import re
from typing import Any

from failearn.sources.vendors.common import (
    Item,
    Options,
    class_hints,
    compact,
    dig,
    first_label,
    malformed,
    pairs,
    text,
    wrong_type,
)

NAME = "sentry"
_PROJECT_URL = re.compile(r"/projects/[^/]+/([^/]+)/")


def is_event(value: dict[str, Any]) -> bool:
    return "event_id" in value and (
        "exception" in value or "level" in value or "platform" in value or "culprit" in value
    )


def _wrapped(value: dict[str, Any]) -> dict[str, Any] | None:
    data = value.get("data")
    if not isinstance(data, dict) or "action" not in value:
        return None
    for key in ("event", "error"):
        inner = data.get(key)
        if isinstance(inner, dict) and "event_id" in inner:
            return inner
    return None


def _webhook_shape(value: dict[str, Any]) -> bool:
    """A Sentry webhook (``action`` and ``data.event`` or ``data.error``), readable or not."""
    data = value.get("data")
    return "action" in value and isinstance(data, dict) and ("event" in data or "error" in data)


def detect(value: dict[str, Any]) -> bool:
    return is_event(value) or _webhook_shape(value)


def _project(event: dict[str, Any]) -> str | None:
    for key in ("project_slug", "project_name"):
        found = text(event.get(key))
        if found:
            return found
    project = event.get("project")
    if isinstance(project, dict):
        return text(project.get("slug")) or text(project.get("name"))
    for key in ("url", "web_url", "issue_url"):
        match = _PROJECT_URL.search(text(event.get(key)) or "")
        if match:
            return match.group(1)
    return None


def _errors(event: dict[str, Any]) -> tuple[list[str], list[str]]:
    messages: list[str] = []
    types: list[str] = []
    values = dig(event, "exception", "values")
    for exc in values if isinstance(values, list) else []:
        if not isinstance(exc, dict):
            continue
        kind, value = text(exc.get("type")), text(exc.get("value"))
        if kind:
            types.append(kind)
        if kind or value:
            messages.append(": ".join(p for p in (kind, value) if p))
    message = (
        text(event.get("message"))
        or text(dig(event, "logentry", "formatted"))
        or text(dig(event, "logentry", "message"))
    )
    if message:
        messages.append(message)
    return list(dict.fromkeys(messages)), types


def expand(value: dict[str, Any], options: Options) -> list[Item]:
    event = value if is_event(value) else _wrapped(value)
    if event is None:
        data = value["data"]
        key = "event" if "event" in data else "error"
        return [
            malformed(
                "Sentry webhook: "
                + wrong_type(f"data.{key}", data[key], "an event object with an event_id")
            )
        ]
    tags = pairs(event.get("tags"))
    messages, types = _errors(event)
    found = event.get("metadata")
    metadata: dict[str, Any] = found if isinstance(found, dict) else {}
    title = text(event.get("title")) or (
        ": ".join(p for p in (text(metadata.get("type")), text(metadata.get("value"))) if p)
        or (messages[0] if messages else None)
    )
    event_id = text(event.get("event_id"))
    record: dict[str, Any] = {
        "id": f"sentry-{event_id}" if event_id else None,
        "timestamp": event.get("timestamp") or event.get("datetime"),
        "service": first_label(tags, options.service_labels)
        or _project(event)
        or text(event.get("server_name")),
        "title": title,
        "severity": text(event.get("level")) or text(tags.get("level")),
        "trace_ids": text(dig(event, "contexts", "trace", "trace_id")),
        "error_messages": messages,
        "fingerprint": text(event.get("issue_id")) or text(event.get("group_id")),
        "class_hints": class_hints(tags, types),
        "tags": tags,
        "culprit": text(event.get("culprit")),
        "transaction": text(event.get("transaction")),
        "environment": text(event.get("environment")) or text(tags.get("environment")),
        "release": text(event.get("release")),
        "platform": text(event.get("platform")),
        "rule": text(dig(value, "data", "triggered_rule")),
        "source_format": NAME,
    }
    return [Item(compact(record), anchor=event_id)]
