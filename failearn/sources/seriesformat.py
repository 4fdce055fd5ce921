"""Which JSON files are metric series, told from their head without parsing them (and
without numpy, so that ``failearn ingest`` of incidents does not pay for it)."""

from __future__ import annotations

PROMETHEUS = "prometheus"
OTLP = "otlp-metrics"
SNIFF_BYTES = 4096


def series_format(head: bytes) -> str | None:
    """``prometheus`` or ``otlp-metrics`` when the head of a JSON file is one, else None."""
    if b'"resultType"' in head:
        return PROMETHEUS
    if b'"resourceMetrics"' in head:
        return OTLP
    return None
