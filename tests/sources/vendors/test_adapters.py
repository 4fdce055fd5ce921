"""Every vendor adapter on realistic payloads, through the JSON reader and the gates."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from failearn.capture.anonymize import Anonymizer
from failearn.capture.normalise import Context, Normalised, normalise
from failearn.config import GatesConfig, Settings, SourceMapping, VendorsConfig
from failearn.record import RawRecord
from failearn.sources.jsonfile import parse_json_document
from failearn.sources.vendors import Formats
from failearn.sources.vendors.common import Item, Options
from failearn.taxonomy.file import load_taxonomy

VENDORS = Path(__file__).parent.parent.parent / "fixtures" / "vendors"
REALDATA = Path(__file__).parent.parent.parent / "fixtures" / "realdata"
AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
NO_TRACES = Settings(gates=GatesConfig(require=("timestamp", "service", "failure_class")))


def read(
    name: str, settings: Settings = NO_TRACES, forced: str = "auto", folder: Path = VENDORS
) -> list[RawRecord]:
    text = (folder / name).read_text(encoding="utf-8")
    return list(parse_json_document(text, name, Formats.build(settings, forced)))


def gate(raw: RawRecord, settings: Settings = NO_TRACES) -> Normalised:
    context = Context.build(settings, load_taxonomy(), AS_OF, Anonymizer("k"))
    return normalise(raw, context)


def payload(raw: RawRecord) -> dict[str, Any]:
    assert raw.payload is not None, raw.issues
    return raw.payload


def test_grafana_alerts_one_record_each_with_offsets_and_unset_end() -> None:
    records = read("grafana-webhook.json")
    assert [r.line for r in records] == [21, 45]  # each alert's own line (its fingerprint)
    first = payload(records[0])
    assert first["source_format"] == "grafana" and first["service"] == "blue"
    assert first["title"] == "High memory usage" and "ended_at" not in first
    # No mapping: the taxonomy's texts say what "High memory usage" is, and how sure.
    inferred = gate(records[0]).incident
    assert inferred is not None
    assert (inferred.failure_class, inferred.failure_class_via) == ("memory-exhaustion", "taxonomy")
    (provenance,) = inferred.provenance
    assert (provenance.field, provenance.value, provenance.via) == (
        "failure_class",
        "memory-exhaustion",
        "taxonomy",
    )
    assert provenance.probability is not None and provenance.probability >= 0.3
    mapped = Settings(gates=NO_TRACES.gates, classes={"High memory usage": "memory-exhaustion"})
    incident = gate(read("grafana-webhook.json", mapped)[0], mapped).incident
    assert incident is not None
    assert incident.timestamp == datetime(2021, 10, 12, 7, 51, 3, tzinfo=UTC)  # +02:00
    assert incident.ended_at is None  # 0001-01-01T00:00:00Z means "not resolved"
    assert (incident.failure_class, incident.failure_class_via) == ("memory-exhaustion", "mapping")
    assert incident.dedup_hint == "c6eadffa33fcdf37"
    # Each alert is kept in the inbox as a group of one.
    assert '"alerts":[{' in (records[1].raw or "") and "bc97ff14869b13e3" in (records[1].raw or "")
    assert "c6eadffa33fcdf37" not in (records[1].raw or "")


def test_alertmanager_group_labels_annotations_and_resolution() -> None:
    records = read("alertmanager-webhook.json")
    assert len(records) == 2
    incident = gate(records[0]).incident
    assert incident is not None
    assert (incident.service, incident.severity, incident.title) == (
        "checkout",
        "SEV1",
        "DBConnectionPoolExhausted",
    )
    assert incident.failure_class == "connection-pool-exhaustion"
    assert incident.trace_ids == ["4bf92f3577b34da6a3ce929d0e0e4736"]
    assert incident.ended_at == datetime(2026, 11, 2, 14, 17, 30, tzinfo=UTC)
    assert "checkout cannot get a database connection" in (incident.summary or "")
    # Repeated notifications of one firing alert are one record: the same id.
    again = gate(read("alertmanager-webhook.json")[0]).incident
    assert again is not None and again.id == incident.id and incident.id_given


def test_the_alert_array_posted_to_the_alertmanager_api() -> None:
    settings = Settings(
        gates=NO_TRACES.gates,
        vendors=VendorsConfig(service_labels=("instance",)),
        classes={"DiskRunningFull": "resource-exhaustion"},
    )
    records = read("send_alerts-apiv2-alerts.json", settings, folder=REALDATA / "alertmanager")
    assert len(records) == 6 and [r.line for r in records][:2] == [2, 13]
    assert payload(records[0])["service"] == "example1"
    result = gate(records[0], settings)
    # Alertmanager fills startsAt in when it receives the alert: without it, no incident.
    assert [(i.code, i.field) for i in result.errors] == [("missing-field", "timestamp")]


def test_pagerduty_v3_incident_and_a_service_event_skipped_with_a_note() -> None:
    (record,) = read("pagerduty-v3-incident-triggered.json")
    incident = gate(record).incident
    assert incident is not None
    assert (incident.id, incident.service, incident.severity) == ("pd-PGR0VU2", "auth", "SEV1")
    assert incident.timestamp == datetime(2026, 11, 3, 9, 0, tzinfo=UTC)
    assert incident.failure_class == "configuration-error"  # "feature flag", "invalid value"
    assert incident.failure_class_via == "taxonomy"
    (skipped,) = read("pagerduty-v3-service-updated.json")
    assert skipped.skip and skipped.payload is None
    assert skipped.notes == ["PagerDuty `service.updated` event: not a record of an incident"]


def test_pagerduty_events_api_trigger_and_updates() -> None:
    text = (VENDORS / "pagerduty-events.ndjson").read_text(encoding="utf-8")
    records = list(parse_json_document(text, "pd.ndjson", Formats.build(NO_TRACES)))
    assert [r.skip for r in records] == [False, True, True, True]
    assert [r.line for r in records] == [1, 2, 3, 4]
    trigger = payload(records[0])
    assert (trigger["service"], trigger["class_hints"]) == ("prod-datapipe", ["deploy"])
    incident = gate(records[0]).incident
    assert incident is not None
    assert incident.timestamp == datetime(2015, 7, 17, 8, 42, 58, tzinfo=UTC)  # ...315+0000
    # The event's class "deploy" is no taxonomy label; its summary ("connection refused by
    # postgres") is read by the taxonomy model, which takes it for a pool of connections
    # (a person would say a dependency failed: a [classes] mapping or a label settles it).
    (provenance,) = incident.provenance
    assert (incident.failure_class, incident.failure_class_via) == (
        "connection-pool-exhaustion",
        "taxonomy",
    )
    assert provenance.probability is not None and len(provenance.candidates) == 3
    assert "change event" in records[3].notes[0]


def test_opsgenie_milliseconds_and_nanoseconds_in_one_object() -> None:
    (record,) = read("opsgenie-create.json")
    data = payload(record)
    assert data["updated_at"] == "2026-11-03T10:03:13Z"  # nanoseconds
    incident = gate(record).incident
    assert incident is not None
    assert incident.timestamp == datetime(2026, 11, 3, 10, 3, 11, tzinfo=UTC)  # milliseconds
    assert (incident.service, incident.severity, incident.id) == (
        "payments",
        "SEV2",
        "og-052652ac-5d1c-464a-812a-7dd18bbfba8c",
    )
    assert incident.failure_class == "connection-pool-exhaustion"
    (ack,) = read("opsgenie-acknowledge.json")
    assert ack.skip and "Acknowledge" in ack.notes[0]


def test_otlp_one_incident_per_failing_trace() -> None:
    records = read("otlp-failing-trace.json")
    assert len(records) == 1  # the healthy trace is no incident
    record = records[0]
    assert record.line == 15  # where the failing trace's id is first written
    incident = gate(record).incident
    assert incident is not None
    assert incident.trace_ids == ["5b8efff798038103d269b633813fc60c"]  # upper case, lowered
    assert incident.timestamp == datetime(2026, 11, 2, 14, 23, tzinfo=UTC)  # string nanos
    assert incident.ended_at == datetime(2026, 11, 2, 14, 23, 5, 100000, tzinfo=UTC)
    assert incident.service == "payments"  # where the failure began
    assert incident.trace_shape == ["api-gateway", "checkout", "payments"]
    assert incident.error_messages[:2] == [
        "pool exhausted",
        "PoolTimeoutError: connection pool exhausted: timed out after 5000ms waiting for a "
        "connection",
    ]
    assert incident.failure_class == "connection-pool-exhaustion"
    assert "0AF7651916CD43DD8448EB211C80319C" not in (record.raw or "")


def test_otlp_without_errors_and_other_signals_are_skipped() -> None:
    for name, words in (
        ("trace.json", "without an error span"),
        ("logs.json", "OTLP logs"),
        ("metrics.json", "OTLP metrics"),
    ):
        (record,) = read(name, folder=REALDATA / "opentelemetry")
        assert record.skip and words in record.notes[0], record.notes


def test_sentry_event_float_epoch_pairs_and_trace_context() -> None:
    (record,) = read("sentry-event.json")
    incident = gate(record, Settings()).incident  # the default gates: trace id required
    assert incident is not None
    assert incident.timestamp == datetime(2026, 11, 2, 14, 23, 5, tzinfo=UTC)
    assert (incident.service, incident.severity) == ("payments", "SEV1")
    assert incident.trace_ids == ["5b8efff798038103d269b633813fc60c"]
    assert incident.extra["tags"] == {
        "service": "payments",
        "region": "eu-west-1",
        "level": "fatal",
    }
    # "QueuePool limit of size 50 overflow 0 reached, connection timed out": a pool ran dry.
    assert incident.failure_class == "connection-pool-exhaustion"


def test_sentry_issue_alert_webhook() -> None:
    settings = Settings(gates=NO_TRACES.gates, classes={"ReferenceError": "deployment-regression"})
    (record,) = read("sentry-issue-alert.json", settings)
    data = payload(record)
    assert data["service"] == "front-end"  # the project, from the event's URL
    assert data["trace_ids"] == "A1B2C3D4E5F60718293A4B5C6D7E8F90"
    incident = gate(record, settings).incident
    assert incident is not None
    assert incident.timestamp == datetime(2019, 8, 19, 21, 6, 17, tzinfo=UTC)
    assert incident.failure_class_raw == "ReferenceError"


def test_a_plain_record_passes_untouched() -> None:
    text = '{"id": "x", "labels": ["a"], "data": [1], "event": "deploy", "service": "s"}'
    (record,) = parse_json_document(text, "x.json", Formats.build(NO_TRACES))
    assert record.payload == {
        "id": "x",
        "labels": ["a"],
        "data": [1],
        "event": "deploy",
        "service": "s",
    }


def test_a_forced_format_rejects_other_shapes_naming_it() -> None:
    records = read("grafana-webhook.json", forced="pagerduty")
    assert [i.code for r in records for i in r.issues] == ["unknown-format"]
    assert "(tried: pagerduty)" in records[0].issues[0].message
    (canonical,) = read("sentry-event.json", forced="canonical")
    assert payload(canonical)["event_id"] == "fc6d8c0c43fc4630ad850ee518f1b9d0"


def test_an_unknown_shape_under_auto_names_the_formats_tried() -> None:
    (record,) = parse_json_document(
        '{"foo": 1, "bar": {"baz": 2}}', "x.json", Formats.build(NO_TRACES)
    )
    result = gate(record)
    assert [i.code for i in result.errors] == ["unknown-format"]
    assert (
        "pagerduty, opsgenie, otlp, sentry, alertmanager, grafana, canonical"
        in result.errors[0].message
    )


def test_a_configured_format_with_paths_constants_and_classes() -> None:
    table = SourceMapping(
        detect=("incident.reference",),
        records=None,
        fields={
            "id": ("incident.reference",),
            "timestamp": ("incident.created_at",),
            "service": ("incident.custom_fields.service", "incident.affected[0].name"),
            "failure_class": ("incident.type.name",),
            "title": ("incident.name",),
            "severity": ("incident.severity.name",),
        },
        constants={"trace_ids": ["4bf92f3577b34da6a3ce929d0e0e4736"]},
        classes={"Database": "dependency-failure"},
    )
    settings = Settings(sources={"incident-io": table})
    text = (
        '{"incident": {"reference": "INC-42", "created_at": "2026-11-05T10:00:00+01:00",'
        ' "name": "DB down", "severity": {"name": "Major"},'
        ' "affected": [{"name": "orders"}], "type": {"name": "Database"}}}'
    )
    (record,) = parse_json_document(text, "inc.json", Formats.build(settings))
    incident = gate(record, settings).incident
    assert incident is not None
    assert (incident.id, incident.service, incident.severity) == ("INC-42", "orders", "SEV2")
    assert incident.timestamp == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert (incident.failure_class, incident.failure_class_raw, incident.failure_class_via) == (
        "dependency-failure",
        "Database",
        "config",
    )
    assert incident.extra["source_format"] == "incident-io"


@pytest.mark.parametrize("name", ["opsgenie-create.json", "sentry-event.json"])
def test_detection_is_stable_under_ndjson(name: str) -> None:
    import orjson

    line = orjson.dumps(orjson.loads((VENDORS / name).read_bytes())).decode()
    records = list(
        parse_json_document(line + "\n" + line + "\n", "x.ndjson", Formats.build(NO_TRACES))
    )
    assert [r.line for r in records] == [1, 2]
    assert all(payload(r)["source_format"] for r in records)


def test_a_local_time_past_9999_in_utc_is_rejected_not_a_crash() -> None:
    table = SourceMapping(
        detect=("ref",),
        fields={"id": ("ref",), "timestamp": ("at",)},
        constants={"service": "orders", "failure_class": "timeout"},
        timezone="UTC-5",
    )
    settings = Settings(gates=NO_TRACES.gates, sources={"local": table})
    text = '{"ref": "INC-9", "at": "9999-12-31T23:00:00"}'
    (record,) = parse_json_document(text, "inc.json", Formats.build(settings))
    assert payload(record)["timestamp"] == "9999-12-31T23:00:00-05:00"
    assert [i.code for i in gate(record, settings).errors] == ["invalid-timestamp"]


MALFORMED = VENDORS.parent / "vendors-malformed"


@pytest.mark.parametrize(
    ("name", "messages"),
    [
        (
            "am-labels-list.json",
            [
                "Alertmanager notification: `alerts[0].labels` is a list, not an "
                "object of names to values"
            ],
        ),
        (
            "am-ann-str.json",
            [
                "Alertmanager notification: `alerts[0].annotations` is a string, not "
                "an object of names to values"
            ],
        ),
        (
            "am-alerts-items.json",
            [
                f"Alertmanager notification: `alerts[{n}]` is {kind}, not an alert object"
                for n, kind in ((0, "a number"), (1, "a string"), (2, "null"))
            ],
        ),
        (
            "otlp-resource-str.json",
            ["OTLP export: `resourceSpans[0].resource` is a string, not an object"],
        ),
        (
            "otlp-spans-int.json",
            ["OTLP export: `resourceSpans[0].scopeSpans[0].spans` is a number, not a list"],
        ),
        (
            "otlp-status-code-list.json",
            [
                "OTLP export: `resourceSpans[0].scopeSpans[0].spans[0]."
                "status.code` is a list, not a status code (2 or "
                '"STATUS_CODE_ERROR")'
            ],
        ),
        ("opsgenie-tags-int.json", ["Opsgenie alert: `alert.tags` is a number, not a list"]),
        (
            "pd-data-null.json",
            ["PagerDuty `incident.triggered` event: `event.data` is null, not the incident object"],
        ),
        (
            "pdev2-payload-null.json",
            ["PagerDuty `trigger` event: `payload` is null, not the alert object"],
        ),
    ],
)
def test_a_vendor_payload_with_a_part_of_the_wrong_type_is_rejected_saying_which(
    name: str, messages: list[str]
) -> None:
    records = read(name, folder=MALFORMED)
    assert [(r.skip, r.payload) for r in records] == [(False, None)] * len(messages)
    assert [[(i.code, i.message) for i in r.issues] for r in records] == [
        [("malformed-payload", message)] for message in messages
    ]
    assert all(r.raw and r.line == 1 for r in records)


def test_the_readable_parts_of_a_partly_malformed_export_are_still_read() -> None:
    records = read("otlp-one-bad-resource.json", folder=MALFORMED)
    assert [r.issues[0].code if r.issues else payload(r)["id"] for r in records] == [
        "trace-5b8efff798038103d269b633813fc60c",
        "malformed-payload",
    ]
    assert '"resource":"x"' in (records[1].raw or "") and "GET /x" not in (records[1].raw or "")


def test_a_configured_format_rejects_records_that_are_not_objects() -> None:
    table = SourceMapping(detect=("items",), records="items", fields={"id": ("ref",)})
    settings = Settings(sources={"board": table})
    records = list(
        parse_json_document('{"items": [{"ref": "a"}, 3]}', "b.json", Formats.build(settings))
    )
    assert payload(records[0])["id"] == "a"
    assert [i.message for i in records[1].issues] == [
        "format board: `items[1]` is a number, not a record object"
    ]
    (record,) = parse_json_document('{"items": "none"}', "b.json", Formats.build(settings))
    assert [i.message for i in record.issues] == [
        "format board: `items` is a string, not a list of records"
    ]
    (record,) = parse_json_document('{"items": []}', "b.json", Formats.build(settings))
    assert record.skip  # well-formed, and no incident in it
    forced = Formats.build(Settings(sources={"board": replace(table, detect=())}), "board")
    for text in ('{"id": "INC-1"}', '{"items": null}'):
        (record,) = parse_json_document(text, "b.json", forced)
        assert not record.skip
        assert [(i.code, i.message) for i in record.issues] == [
            (
                "malformed-payload",
                "format board: the payload has no records at `items` "
                "(missing or null); is it of this format?",
            )
        ]


class _Brittle:
    """A format whose reader trips over a payload (as an unguarded adapter would)."""

    name = "brittle"
    detect = ()

    def expand(self, value: dict[str, Any], options: Options) -> list[Item]:
        return [Item({"n": value["n"] + 1})]


def test_a_format_that_trips_over_a_payload_rejects_it_naming_the_format() -> None:
    formats = Formats(forced="brittle", mappings={"brittle": _Brittle()})  # type: ignore[dict-item]
    (record,) = parse_json_document('{"n": "1"}', "b.json", formats)
    assert [(i.code, i.line) for i in record.issues] == [("malformed-payload", 1)]
    assert record.issues[0].message.startswith("the brittle payload cannot be read: TypeError: ")


def test_records_of_one_payload_are_located_at_their_own_lines() -> None:
    # Three alerts that share a start time and have no fingerprint.
    alerts = (
        '{"version": "4", "groupKey": "g", "receiver": "r", "alerts": [\n'
        + ",\n".join(
            json.dumps(
                {
                    "labels": {"alertname": "HighLatency", "service": s},
                    "startsAt": "2026-11-02T14:03:00Z",
                }
            )
            for s in ("orders", "payments", "search")
        )
        + "\n]}\n"
    )
    records = list(parse_json_document(alerts, "am.json", Formats.build(NO_TRACES)))
    assert [r.line for r in records] == [2, 3, 4]
    # A [sources] table's records, by the id field it maps.
    table = SourceMapping(detect=("items",), records="items", fields={"id": ("ref",)})
    board = '{"items": [\n{"ref": "A-1"},\n{"ref": "A-2"},\n{"ref": "A-3"}\n]}\n'
    records = list(
        parse_json_document(board, "b.json", Formats.build(Settings(sources={"b": table})))
    )
    assert [r.line for r in records] == [2, 3, 4]
    # Numeric ids are found as values of their own, not inside "2026" or 503.
    numbered = (
        '{"items": [\n{"ref": 1,\n "title": "503 since 2026-11-05"},\n'
        '{"ref": 2,\n "title": "x"},\n{"ref": 3}\n]}\n'
    )
    records = list(
        parse_json_document(numbered, "b.json", Formats.build(Settings(sources={"b": table})))
    )
    assert [r.line for r in records] == [2, 4, 6]
    for quoted_two in (
        '{"items": [\n{"ref": 1, "priority": "2"},\n{"ref": 2},\n{"ref": 3}\n]}',
        '{"items": [\n{"ref": 1},\n{"ref": 2},\n{"ref": 3, "note": "2"}\n]}',
    ):
        records = list(
            parse_json_document(quoted_two, "b.json", Formats.build(Settings(sources={"b": table})))
        )
        assert [r.line for r in records] == [2, 3, 4]


def test_a_plain_record_with_fields_named_alert_and_action_stays_a_plain_record() -> None:
    for alert in ("HighErrorRate", {"name": "HighErrorRate", "severity": "page"}):
        text = json.dumps(
            {
                "id": "INC-9",
                "timestamp": "2026-11-02T14:03:00Z",
                "service": "checkout",
                "failure_class": "timeout",
                "alert": alert,
                "action": "rolled back deploy",
            }
        )
        (record,) = parse_json_document(text, "r.json", Formats.build(NO_TRACES))
        assert not record.skip and record.issues == []
        assert payload(record)["id"] == "INC-9"
