"""OpenTelemetry OTLP/JSON traces: one incident per failing trace.

``resourceSpans[].resource.attributes`` name the service (``service.name``);
``scopeSpans[].spans[]`` (``instrumentationLibrarySpans`` in old exporters)
hold the spans, with hex ``traceId`` in either case, times as string
nanoseconds and ``status.code`` 2 (``STATUS_CODE_ERROR``) on failure.  A trace
with an error span is a record: its trace id; its start and end; the service
of the error span where the failure began (the earliest error span with no
failing child); the trace shape (the services along the request, in start
order); and the error messages of span statuses and ``exception`` events.  A
trace without errors is not an incident; logs and metrics are skipped.
"""

from __future__ import annotations

from typing import Any

from failearn.sources.vendors.common import (
    Item,
    Options,
    class_hints,
    compact,
    dig,
    malformed,
    skip,
    text,
    wrong_type,
)

NAME = "otlp"
_ERROR = {2, "2", "STATUS_CODE_ERROR", "ERROR"}
_OTHER_SIGNALS = {
    "resourceLogs": "logs",
    "resourceMetrics": "metrics",
    "resourceProfiles": "profiles",
}


def detect(value: dict[str, Any]) -> bool:
    return "resourceSpans" in value or any(
        isinstance(value.get(key), list) for key in _OTHER_SIGNALS
    )


def attributes(items: Any) -> dict[str, Any]:
    """OTLP ``[{key, value: {stringValue: …}}]`` as a plain mapping."""
    result: dict[str, Any] = {}
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict) or "key" not in item:
            continue
        value = item.get("value")
        if isinstance(value, dict) and value:
            kind, inner = next(iter(value.items()))
            if kind == "arrayValue" and isinstance(inner, dict):
                values = inner.get("values")
                inner = [
                    next(iter(v.values()), None)
                    for v in (values if isinstance(values, list) else [])
                    if isinstance(v, dict)
                ]
            result[str(item["key"])] = inner
        else:
            result[str(item["key"])] = value
    return result


def _nanos(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):  # OverflowError: an infinite float
        return None


def _is_error(span: dict[str, Any]) -> bool:
    status = span.get("status")
    if not isinstance(status, dict):
        return False
    code = status.get("code")
    return isinstance(code, int | str) and code in _ERROR


def _span_problem(span: dict[str, Any], where: str) -> str | None:
    """What makes a span unreadable: a status that is no object, a code that is no code."""
    status = span.get("status")
    if status is None:
        return None
    if not isinstance(status, dict):
        return wrong_type(f"{where}.status", status, "an object")
    code = status.get("code")
    if code is not None and (isinstance(code, bool) or not isinstance(code, int | str)):
        return wrong_type(f"{where}.status.code", code, 'a status code (2 or "STATUS_CODE_ERROR")')
    return None


class _Span:
    __slots__ = (
        "end",
        "is_error",
        "name",
        "parent",
        "raw",
        "resource",
        "scope",
        "service",
        "span_id",
        "start",
        "trace_id",
        "written_id",
    )

    def __init__(self, raw: dict[str, Any], service: str | None, resource: Any, scope: Any) -> None:
        self.raw = raw
        self.written_id = text(raw.get("traceId")) or ""
        self.trace_id = self.written_id.lower()
        self.span_id = (text(raw.get("spanId")) or "").lower()
        self.parent = (text(raw.get("parentSpanId")) or "").lower()
        self.name = text(raw.get("name")) or "?"
        self.start = _nanos(raw.get("startTimeUnixNano"))
        self.end = _nanos(raw.get("endTimeUnixNano"))
        self.service = service
        self.is_error = _is_error(raw)
        self.resource = resource
        self.scope = scope


def _spans(value: dict[str, Any]) -> tuple[list[_Span], list[Item]]:
    """The spans of an export, and a rejected item for each part that cannot be read
    (the part as its document: the rest of the export is still read)."""
    spans: list[_Span] = []
    problems: list[Item] = []
    for index, resource_spans in enumerate(value.get("resourceSpans") or []):
        where = f"resourceSpans[{index}]"
        document = {"resourceSpans": [resource_spans]}
        if not isinstance(resource_spans, dict):
            problems.append(
                malformed(
                    "OTLP export: " + wrong_type(where, resource_spans, "an object"), document
                )
            )
            continue
        resource = resource_spans.get("resource") or {}
        if not isinstance(resource, dict):
            problems.append(
                malformed(
                    "OTLP export: " + wrong_type(f"{where}.resource", resource, "an object"),
                    document,
                )
            )
            continue
        service = text(attributes(resource.get("attributes")).get("service.name"))
        key = "scopeSpans" if "scopeSpans" in resource_spans else "instrumentationLibrarySpans"
        scopes = resource_spans.get(key) or []
        if not isinstance(scopes, list):
            problems.append(
                malformed(
                    "OTLP export: " + wrong_type(f"{where}.{key}", scopes, "a list"), document
                )
            )
            continue
        for number, scope_spans in enumerate(scopes):
            inner = f"{where}.{key}[{number}]"
            if not isinstance(scope_spans, dict):
                problems.append(
                    malformed(
                        "OTLP export: " + wrong_type(inner, scope_spans, "an object"), document
                    )
                )
                continue
            scope = scope_spans.get("scope") or scope_spans.get("instrumentationLibrary")
            found = scope_spans.get("spans") or []
            if not isinstance(found, list):
                problems.append(
                    malformed(
                        "OTLP export: " + wrong_type(f"{inner}.spans", found, "a list"), document
                    )
                )
                continue
            for position, raw in enumerate(found):
                problem = (
                    wrong_type(f"{inner}.spans[{position}]", raw, "an object")
                    if not isinstance(raw, dict)
                    else _span_problem(raw, f"{inner}.spans[{position}]")
                )
                if problem is not None:
                    anchor = text(raw.get("spanId")) if isinstance(raw, dict) else None
                    problems.append(malformed(f"OTLP export: {problem}", document, anchor))
                    continue
                spans.append(_Span(raw, service, resource, scope))
    return spans, problems


def _messages(span: _Span) -> tuple[list[str], list[str]]:
    messages: list[str] = []
    types: list[str] = []
    status = text(dig(span.raw, "status", "message"))
    if status:
        messages.append(status)
    events = span.raw.get("events")
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("name") != "exception":
            continue
        attrs = attributes(event.get("attributes"))
        kind, message = text(attrs.get("exception.type")), text(attrs.get("exception.message"))
        if kind:
            types.append(kind)
        if kind or message:
            messages.append(": ".join(p for p in (kind, message) if p))
    error_type = text(attributes(span.raw.get("attributes")).get("error.type"))
    if error_type:
        types.append(error_type)
    return messages, types


def _document(spans: list[_Span]) -> dict[str, Any]:
    """The part of the export that holds one trace: its spans under their resource and scope."""
    groups: dict[tuple[int, int], dict[str, Any]] = {}
    resources: dict[int, dict[str, Any]] = {}
    for span in spans:
        resource = resources.setdefault(
            id(span.resource), {"resource": span.resource, "scopeSpans": []}
        )
        key = (id(span.resource), id(span.scope))
        if key not in groups:
            groups[key] = {"scope": span.scope, "spans": []} if span.scope else {"spans": []}
            resource["scopeSpans"].append(groups[key])
        groups[key]["spans"].append(span.raw)
    return {"resourceSpans": list(resources.values())}


def _called(origin: _Span, spans: list[_Span]) -> list[str]:
    """The services the failing span called (its descendants' services), in start order."""
    children: dict[str, list[_Span]] = {}
    for span in spans:
        children.setdefault(span.parent, []).append(span)
    found: list[str] = []
    pending = list(children.get(origin.span_id, [])) if origin.span_id else []
    seen: set[int] = set()
    while pending:
        span = pending.pop(0)
        if id(span) in seen:
            continue
        seen.add(id(span))
        if span.service and span.service != origin.service and span.service not in found:
            found.append(span.service)
        pending.extend(children.get(span.span_id, []) if span.span_id else [])
    return found


def _record(trace: list[_Span]) -> Item:
    ordered = sorted(trace, key=lambda s: (s.start is None, s.start or 0))
    errors = [s for s in ordered if s.is_error]
    failing_parents = {s.parent for s in errors if s.parent}
    origins = [s for s in errors if s.span_id not in failing_parents] or errors
    origin = origins[0]
    messages: list[str] = []
    types: list[str] = []
    for span in reversed(errors):  # the origin's messages first
        found, kinds = _messages(span)
        messages.extend(found)
        types.extend(kinds)
    shape: list[str] = []
    for span in ordered:
        name = span.service or span.name
        if not shape or shape[-1] != name:
            shape.append(name)
    starts = [s.start for s in ordered if s.start is not None]
    ends = [s.end for s in ordered if s.end is not None]
    trace_id = origin.trace_id
    record: dict[str, Any] = {
        "id": f"trace-{trace_id}",
        "timestamp": str(min(starts)) if starts else None,
        "ended_at": str(max(ends)) if ends else None,
        "service": origin.service,
        "title": f"{origin.name} failed" + (f": {messages[0]}" if messages else ""),
        "trace_ids": [trace_id],
        "error_messages": list(dict.fromkeys(messages)),
        "trace_shape": shape,
        "dependencies": _called(origin, ordered),
        "class_hints": class_hints(None, types),
        "spans": [s.name for s in ordered],
        "failing_span": origin.name,
        "source_format": NAME,
    }
    return Item(compact(record), _document(trace), origin.written_id or None)


def expand(value: dict[str, Any], options: Options) -> list[Item]:
    if "resourceSpans" in value and not isinstance(value["resourceSpans"], list):
        return [
            malformed(
                "OTLP traces: "
                + wrong_type("resourceSpans", value["resourceSpans"], "a list of resource spans")
            )
        ]
    if not isinstance(value.get("resourceSpans"), list):
        signal = next(name for key, name in _OTHER_SIGNALS.items() if key in value)
        return [skip(f"OTLP {signal}: not traces; failearn reads failing traces")]
    traces: dict[str, list[_Span]] = {}
    spans, problems = _spans(value)
    for span in spans:
        if span.trace_id:
            traces.setdefault(span.trace_id, []).append(span)
    items = [_record(spans) for spans in traces.values() if any(s.is_error for s in spans)]
    items.extend(problems)
    if not items:
        shown = ", ".join(list(traces)[:3]) or "none"
        return [skip(f"OTLP traces without an error span (trace {shown}): not an incident")]
    return items
