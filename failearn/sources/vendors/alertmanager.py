"""Prometheus Alertmanager and Grafana alerting: webhook groups and plain alert arrays.

A webhook notification is a group: ``alerts[]`` with the group's
``commonLabels`` and ``commonAnnotations``; each alert becomes one record.
The alerts POSTed to Alertmanager's own API (``/api/v2/alerts``) are the same
alerts without the group.  Grafana's webhook is Alertmanager's with a few more
keys (``orgId``, ``state``, ``values``) and the "not resolved" end time
``0001-01-01T00:00:00Z``; both read alike.

The service comes from the first label named in ``[vendors] service_labels``,
the text from the annotations (``summary``, ``description``); the alert's
``fingerprint`` (a hash of its labels) with its start time identifies it, so
repeated notifications of one firing alert are one incident.
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
    short_hash,
    skip,
    text,
    wrong_type,
)

NAME = "alertmanager"
GRAFANA = "grafana"
_SHOWN = {NAME: "Alertmanager", GRAFANA: "Grafana"}
_TEXT_ANNOTATIONS = ("summary", "description", "message", "info")


def is_group(value: dict[str, Any]) -> bool:
    return "alerts" in value and (
        "groupKey" in value
        or "commonLabels" in value
        or "receiver" in value
        or "groupLabels" in value
    )


def is_alert(value: dict[str, Any]) -> bool:
    labels = value.get("labels")
    return isinstance(labels, dict) and (
        "annotations" in value
        or "startsAt" in value
        or "generatorURL" in value
        or "alertname" in labels
    )


def detect(value: dict[str, Any]) -> bool:
    return is_group(value) or is_alert(value)


def is_grafana(value: dict[str, Any]) -> bool:
    return "orgId" in value or (
        is_alert(value) and ("values" in value or "valueString" in value or "silenceURL" in value)
    )


def _problem(alert: dict[str, Any], where: str) -> str | None:
    """What makes an alert unreadable: ``labels`` or ``annotations`` that are no object."""
    for key in ("labels", "annotations"):
        value = alert.get(key)
        if value is not None and not isinstance(value, dict):
            return wrong_type(f"{where}{key}", value, "an object of names to values")
    return None


def _alert(
    alert: dict[str, Any],
    common_labels: dict[str, Any],
    common_annotations: dict[str, Any],
    options: Options,
    fmt: str,
) -> dict[str, Any]:
    labels = {**common_labels, **(alert.get("labels") or {})}
    annotations = {**common_annotations, **(alert.get("annotations") or {})}
    alertname = text(labels.get("alertname"))
    written = [t for t in (text(annotations.get(k)) for k in _TEXT_ANNOTATIONS) if t]
    summary_parts = list(dict.fromkeys(written))
    starts = alert.get("startsAt")
    status = text(alert.get("status"))
    fingerprint = text(alert.get("fingerprint")) or short_hash(sorted(labels.items()))
    record: dict[str, Any] = {
        "id": f"am-{fingerprint}-{short_hash(starts)[:8]}" if starts else None,
        "timestamp": starts,
        "service": first_label(labels, options.service_labels),
        "title": alertname or (summary_parts[0] if summary_parts else None),
        "summary": "\n\n".join(summary_parts) or None,
        "severity": first_label(labels, ("severity", "priority"))
        or first_label(annotations, ("severity",)),
        "trace_ids": first_label(labels, ("trace_id", "traceId"))
        or first_label(annotations, ("trace_id", "traceId")),
        "ended_at": alert.get("endsAt") if status == "resolved" else None,
        "fingerprint": fingerprint,
        "class_hints": class_hints(labels, alertname),
        "tags": labels,
        "annotations": annotations or None,
        "status": status,
        "generator_url": text(alert.get("generatorURL")),
        "source_format": fmt,
    }
    return compact(record)


def expand(value: dict[str, Any], options: Options) -> list[Item]:
    fmt = GRAFANA if is_grafana(value) else NAME
    if not is_group(value):
        problem = _problem(value, "")
        if problem is not None:
            return [malformed(f"{_SHOWN[fmt]} alert: {problem}")]
        return [Item(_alert(value, {}, {}, options, fmt))]
    alerts = value["alerts"]
    if not isinstance(alerts, list):
        return [
            malformed(
                f"{_SHOWN[fmt]} notification: " + wrong_type("alerts", alerts, "a list of alerts")
            )
        ]
    if not alerts:
        return [skip("an Alertmanager notification with no alerts")]
    common_labels = value.get("commonLabels") or {}
    common_annotations = value.get("commonAnnotations") or {}
    envelope = {k: v for k, v in value.items() if k != "alerts"}
    items = []
    for position, alert in enumerate(alerts):
        document = {**envelope, "alerts": [alert]}
        if not isinstance(alert, dict):
            problem = wrong_type(f"alerts[{position}]", alert, "an alert object")
            items.append(malformed(f"{_SHOWN[fmt]} notification: {problem}", document))
            continue
        anchor = text(alert.get("fingerprint")) or text(alert.get("startsAt"))
        problem = _problem(alert, f"alerts[{position}].")
        if problem is not None:
            items.append(malformed(f"{_SHOWN[fmt]} notification: {problem}", document, anchor))
            continue
        payload = _alert(
            alert,
            common_labels if isinstance(common_labels, dict) else {},
            common_annotations if isinstance(common_annotations, dict) else {},
            options,
            fmt,
        )
        items.append(Item(payload, document, anchor))
    return items
