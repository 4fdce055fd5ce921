"""JSON incident exports: weekly NDJSON alerts, monthly arrays, a JSON Lines file, one object.

The files mimic the tools they would come from: alert exports are terse (title,
messages, metrics, trace ids), incident-tracker exports carry the full text
(root cause, resolution, workarounds, action items, timeline, people), the
pager export uses camelCase field names.  Timestamps and severities are spelled
the many ways such exports spell them; a few trace ids are upper-case.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import timedelta
from pathlib import Path
from random import Random
from typing import Any

from samples.common import (
    Incident,
    json_timestamp,
    pick,
    rfc3339_z,
    severity,
    trace_id,
    weighted,
)
from samples.timeline import ended, owner, people, timeline_text

CAMEL = {
    "trace_ids": "traceIds",
    "failure_class": "failureClass",
    "error_messages": "errorMessages",
    "root_cause": "rootCause",
    "trace_shape": "traceShape",
}
SOURCES = ("alertmanager", "grafana", "datadog")


def _first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + (dot.strip() or "")


def _traces(rng: Random, count: int, shared: str | None) -> list[str]:
    ids = [trace_id(rng) for _ in range(count)]
    if shared is not None:
        ids[0] = shared
    return ids


def _camel(record: dict[str, Any]) -> dict[str, Any]:
    return {CAMEL.get(key, key): value for key, value in record.items()}


def _record(rng: Random, incident: Incident, index: int, channel: str) -> dict[str, Any]:
    """One JSON record of ``incident``: the ``index``-th alert or its tracker entry."""
    when = incident.start + timedelta(seconds=incident.replica_offsets[index])
    story = incident.story
    traces = _traces(
        rng, weighted(rng, [(1, 6), (2, 3), (3, 1)]), incident.shared_trace if index == 0 else None
    )
    if rng.random() < 0.03:
        traces = [t.upper() for t in traces]
    metrics = None
    if incident.first_metrics is not None:
        metrics = incident.first_metrics if index == 0 else incident.metrics(rng)
    record: dict[str, Any] = {
        "id": incident.record_ids[index],
        "timestamp": json_timestamp(rng, when, exact=incident.exact_times),
        "service": incident.service,
        "failure_class": incident.label,
        "severity": severity(rng, incident.level),
    }
    if channel == "alerts":
        record.update(
            title=story.alert_title,
            summary=_first_sentence(story.summary),
            source=pick(rng, SOURCES),
            region=pick(rng, ["eu-west-1", "eu-west-1", "us-east-1"]),
        )
    else:
        _, responders, commander = people(rng)
        record.update(
            title=story.title,
            status="resolved",
            resolved_at=rfc3339_z(ended(incident, rng)),
            summary=story.summary,
            root_cause=story.root_cause,
            resolution=story.resolution,
            workarounds=story.workaround,
            action_items=story.actions,
            timeline=timeline_text(rng, incident),
            responders=responders,
            incident_commander=commander,
        )
        if channel == "pager":
            record.pop("resolved_at")
            record["escalation_policy"] = f"{owner(rng, incident)}-primary"
    record["trace_ids"] = traces
    record["error_messages"] = incident.messages(rng)
    record["dependencies"] = incident.dependencies
    if metrics is not None:
        record["metrics"] = metrics
    if incident.shape is not None:
        record["trace_shape"] = incident.shape
    if channel == "pager" or (channel == "incidents" and rng.random() < 0.06):
        record = _camel(record)
    return record


def json_records(rng: Random, incident: Incident) -> list[tuple[str, dict[str, Any]]]:
    """(channel, record) for every JSON report of ``incident``."""
    channel = "alerts" if incident.markdown else incident.channel
    records = []
    for index in range(len(incident.replica_offsets)):
        records.append((channel, _record(rng, incident, index, channel)))
    return records


def _dump_lines(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def write_exports(root: Path, planned: list[tuple[Incident, str, dict[str, Any]]]) -> list[Path]:
    """Write every export file under ``root``; returns the files written."""
    root.mkdir(parents=True, exist_ok=True)
    alerts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    monthly: dict[str, list[dict[str, Any]]] = defaultdict(list)
    pager: list[dict[str, Any]] = []
    written: list[Path] = []
    for incident, channel, record in planned:
        if channel == "alerts":
            alerts[incident.week].append(record)
        elif channel == "incidents":
            monthly[incident.start.strftime("%Y-%m")].append(record)
        elif channel == "pager":
            pager.append(record)
        else:
            path = root / f"incident-{record['id']}.json"
            path.write_text(
                json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                encoding="utf-8",
                newline="\n",
            )
            written.append(path)
    for week, records in sorted(alerts.items()):
        path = root / f"alerts-{week}.ndjson"
        path.write_text(_dump_lines(records), encoding="utf-8", newline="\n")
        written.append(path)
    for month, records in sorted(monthly.items()):
        path = root / f"incidents-{month}.json"
        path.write_text(
            json.dumps(records, indent=2, ensure_ascii=False) + "\n", encoding="utf-8", newline="\n"
        )
        written.append(path)
    path = root / "pager-escalations-2026-q3q4.jsonl"
    path.write_text(_dump_lines(pager), encoding="utf-8", newline="\n")
    written.append(path)
    return sorted(written)
