"""Metric series as Prometheus and OTLP exports write them."""

from __future__ import annotations

from typing import Any

import orjson

T0 = 1_792_454_400  # 2026-10-19T00:00:00Z


def prometheus(*series: dict[str, Any], indent: bool = False) -> bytes:
    document = {"status": "success", "data": {"resultType": "matrix", "result": list(series)}}
    return orjson.dumps(document, option=orjson.OPT_INDENT_2 if indent else 0)


def points(count: int, start: int = T0, step: int = 60, value: float = 1.5) -> list[list[Any]]:
    return [[start + i * step, str(value + i)] for i in range(count)]


def attribute(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def otlp(metrics: list[dict[str, Any]], service: str = "recommendations") -> dict[str, Any]:
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": [attribute("service.name", service)]},
                "scopeMetrics": [{"scope": {"name": "app"}, "metrics": metrics}],
            }
        ]
    }


def point(seconds: int, value: Any, key: str = "asDouble", **extra: Any) -> dict[str, Any]:
    return {"timeUnixNano": str((T0 + seconds) * 1_000_000_000), key: value, **extra}
