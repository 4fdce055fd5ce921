"""The stable codes of every problem ``failearn ingest`` reports, with what to do about it.

Scripts and CI jobs match on these codes; the messages around them may improve,
the codes do not change.  Errors reject a record; warnings do not.
"""

from __future__ import annotations

ERRORS: dict[str, str] = {
    # reading the input
    "unreadable-file": "check the path and its permissions",
    "empty-file": "remove the file or write the record into it",
    "binary-file": "this is not a text file; exclude it with [ingest] exclude in failearn.toml",
    "invalid-utf8": "save the file as UTF-8",
    "invalid-file-name": "rename the file: a UTF-8 name of printable characters",
    "file-too-large": "split the file, or raise [ingest] max_markdown_bytes / max_json_bytes",
    "record-too-large": "shorten the record, or raise [ingest] max_record_bytes",
    "invalid-json": "fix the JSON syntax at the line shown (a trailing comma is a common cause)",
    "not-an-object": "each incident record must be a JSON object",
    "json-too-deep": "nest a record's values at most 64 levels deep",
    "too-many-records": "split the file, or raise [ingest] max_records_per_file",
    "invalid-yaml": "fix the YAML front matter at the line shown",
    "yaml-too-complex": "front matter may not expand aliases into thousands of values",
    "front-matter-not-mapping": "front matter must be `key: value` lines between `---` lines",
    "front-matter-not-closed": "end the front matter with a `---` line (`+++` for TOML) after "
    "its last field",
    "unknown-format": "name the format with --source-format, or map it in [sources]",
    "malformed-payload": "the payload has a tool's shape but a part of it is missing or of "
    "the wrong type: fix the exporter, or read it with --source-format",
    # quality gates
    "missing-field": "add the field, or map the name your source uses in [fields]",
    "invalid-timestamp": "write the time as RFC 3339, e.g. 2026-11-02T14:03:00Z",
    "timestamp-in-future": "check the date; a start time cannot be in the future",
    "timestamp-too-old": "check the date; raise [gates] earliest_year only if it is right",
    "unknown-class": "use a class id of the taxonomy, or map the label in [classes]",
    "unclassified": "add failure_class, or map the record's labels in [classes] or its words "
    "in [classify] keywords",
    "invalid-trace-id": "trace ids are 32 lower-case hex digits (W3C); or set "
    "[gates] trace_id_pattern",
    # metric series (Prometheus range queries, OTLP metrics)
    "series-not-a-range": "save a range query (/api/v1/query_range, resultType matrix), not "
    "an instant query",
    "series-query-failed": "the file holds Prometheus's error, not data: fix the query and "
    "fetch it again",
    "series-no-service": "name the service with a label of [metrics] service_labels, or map "
    "the label's value in [metrics] services",
    "series-no-name": "give the series a __name__ label, or name the metric of the file in "
    "[metrics] files",
    "series-not-monotonic": "timestamps must increase within a series: fetch it again",
    "series-invalid-point": 'a point is [unix seconds, "value"] (Prometheus) or a data '
    "point with timeUnixNano and asDouble / asInt (OTLP)",
    "series-too-large": "split the query by time or by series, or raise [metrics] max_points",
    # failearn itself
    "record-error": "this is a bug in failearn; please report it (the record is kept in the "
    "inbox, and the other records were read)",
}
RECORD_ERROR = "record-error"

WARNINGS: dict[str, str] = {
    "naive-timestamp": "add a zone (Z or +02:00) so the time is not guessed",
    "trace-id-dropped": "remove or fix the invalid trace ids",
    "unknown-severity": "use SEV1…SEV5 or map the spelling in [severity] aliases",
    "invalid-metric": "metrics are numbers",
    "invalid-field-type": "see the record format in the docs (ingest: the record)",
    "duplicate-key": "write each field once; only the last value is kept",
    "skipped": "not an incident; nothing to do",
    "series-non-finite": "NaN and ±Inf points are not stored (Prometheus writes NaN for 0/0, "
    "a rate with no requests); the other points are",
    "series-skipped": "failearn reads gauges and sums; export a quantile or a rate as a gauge",
    "imprecise-timestamp": "write the day (and time) the incident started",
    "missing-recommended-field": "add the field when you have it, or change the policy in [gates]",
    "timestamp-found": "write the start in front matter (`date:`) to say it exactly",
}


def hint(code: str) -> str | None:
    """What to do about a problem with this code."""
    return ERRORS.get(code) or WARNINGS.get(code)
