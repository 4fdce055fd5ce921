"""The quality gates, as a table of cases over plain records (no files, no store)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from failearn.capture.anonymize import Anonymizer
from failearn.capture.normalise import Context, Normalised, normalise
from failearn.capture.normalise.fields import LIST_SPLIT, SHAPE_SPLIT, TRACE_SPLIT
from failearn.capture.normalise.gates import closest_class, normalised_mapping, resolve_label
from failearn.capture.normalise.text import printable
from failearn.config import GatesConfig, Settings, SourceMapping
from failearn.record import RawRecord
from failearn.taxonomy.file import load_taxonomy

AS_OF = datetime(2026, 11, 23, tzinfo=UTC)
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
GOOD: dict[str, Any] = {
    "id": "inc-1",
    "timestamp": "2026-11-02T14:03:00Z",
    "service": "checkout",
    "failure_class": "timeout",
    "trace_ids": [TRACE],
}


def run(
    payload: dict[str, Any],
    settings: Settings | None = None,
    lines: dict[str, int] | None = None,
    kind: str = "json",
) -> Normalised:
    context = Context.build(settings or Settings(), load_taxonomy(), AS_OF, Anonymizer("k"))
    raw = RawRecord(
        source="x.json", line=7, kind=kind, raw="{}", payload=payload, field_lines=lines or {}
    )
    return normalise(raw, context)


def codes(result: Normalised) -> list[tuple[str, str | None]]:
    return [(i.code, i.field) for i in result.errors]


def test_a_good_record_passes() -> None:
    result = run(GOOD)
    assert result.errors == []
    incident = result.incident
    assert incident is not None
    assert incident.timestamp == datetime(2026, 11, 2, 14, 3, tzinfo=UTC)
    assert incident.trace_ids == [TRACE]
    assert incident.failure_class == "timeout"
    assert incident.id == "inc-1" and incident.id_given


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"timestamp": None}, [("missing-field", "timestamp")]),
        ({"timestamp": "soon"}, [("invalid-timestamp", "timestamp")]),
        ({"timestamp": "2027-01-01T00:00:00Z"}, [("timestamp-in-future", "timestamp")]),
        ({"timestamp": "1970-01-02T00:00:00Z"}, [("timestamp-too-old", "timestamp")]),
        ({"service": "  "}, [("missing-field", "service")]),
        ({"service": None}, [("missing-field", "service")]),
        ({"failure_class": "gremlins"}, [("unknown-class", "failure_class")]),
        ({"failure_class": None}, [("missing-field", "failure_class")]),
        ({"trace_ids": ["nope"]}, [("invalid-trace-id", "trace_ids")]),
        ({"trace_ids": ["0" * 32]}, [("invalid-trace-id", "trace_ids")]),
        ({"trace_ids": []}, [("missing-field", "trace_ids")]),
    ],
)
def test_each_gate(change: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    payload = {k: v for k, v in {**GOOD, **change}.items() if v is not None}
    result = run(payload)
    assert result.incident is None
    assert codes(result) == expected
    assert all(issue.source == "x.json" and issue.line == 7 for issue in result.errors)
    assert all(issue.hint for issue in result.errors)


def test_errors_point_at_the_line_of_the_field() -> None:
    result = run({**GOOD, "failure_class": "gremlins"}, lines={"failure_class": 4})
    assert result.errors[0].line == 4


def test_every_problem_is_reported_at_once() -> None:
    result = run({"timestamp": "soon", "failure_class": "gremlins"})
    assert {c for c, _ in codes(result)} == {"invalid-timestamp", "unknown-class", "missing-field"}


def test_loose_field_names_and_configured_aliases() -> None:
    payload = {
        "Timestamp": "2026-11-02T14:03:00Z",
        "Service": "checkout",
        "failureClass": "OOM",
        "traceIds": TRACE.upper(),
    }
    result = run(payload)
    assert result.incident is not None
    assert result.incident.failure_class == "memory-exhaustion"
    assert result.incident.failure_class_via == "alias"
    assert result.incident.trace_ids == [TRACE]
    team = {
        "date": "2026-11-02T14:03:00Z",
        "service_name": "checkout",
        "category": "timeout",
        "traces": [TRACE],
    }
    assert run(team).incident is None
    settings = replace(
        Settings(),
        fields={
            "timestamp": ("date",),
            "service": ("service_name",),
            "failure_class": ("category",),
        },
    )
    assert run(team, settings).incident is not None


def test_a_list_of_labels_uses_the_first_that_resolves_and_keeps_the_rest() -> None:
    result = run({**GOOD, "failure_class": ["flaky", "latency spike", "timeout"]})
    assert result.incident is not None
    assert result.incident.failure_class == "timeout"
    assert result.incident.failure_class_raw == "latency spike"
    assert result.incident.other_classes == ["flaky", "timeout"]


def test_configured_class_mapping() -> None:
    settings = replace(Settings(), classes={"config-change": "configuration-error"})
    result = run({**GOOD, "failure_class": "Config Change"}, settings)
    assert result.incident is not None
    assert result.incident.failure_class == "configuration-error"


def test_trace_ids_in_every_spelling() -> None:
    uuid_form = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
    result = run({**GOOD, "trace_ids": f"{TRACE}, {uuid_form} bogus"})
    assert result.incident is not None
    assert result.incident.trace_ids == [TRACE]
    assert [i.code for i in result.issues] == ["trace-id-dropped"]


def test_a_custom_trace_pattern_and_optional_trace_ids() -> None:
    gates = GatesConfig(
        require=("timestamp", "service", "failure_class"), trace_id_pattern=r"^[0-9a-f]{16}$"
    )
    settings = replace(Settings(), gates=gates)
    assert run({**GOOD, "trace_ids": ["00f067aa0ba902b7"]}, settings).incident is not None
    no_traces = {k: v for k, v in GOOD.items() if k != "trace_ids"}
    assert run(no_traces, settings).incident is not None


def test_naive_time_is_utc_with_a_warning() -> None:
    result = run({**GOOD, "timestamp": "2026-11-02 14:03"})
    assert result.incident is not None
    assert [(i.code, i.level) for i in result.issues] == [("naive-timestamp", "warning")]
    # A YAML date in front matter is quoted as written, not as Python spells it.
    dated = run({**GOOD, "timestamp": date(2026, 11, 2)})
    assert [i.message for i in dated.issues] == [
        "timestamp '2026-11-02' names no time zone; taken as UTC"
    ]


@pytest.mark.parametrize(
    ("spelling", "severity"),
    [
        ("SEV1", "SEV1"),
        ("sev-2", "SEV2"),
        ("P1", "SEV1"),
        ("critical", "SEV1"),
        ("high", "SEV2"),
        ("Sev 3", "SEV3"),
        ("low", "SEV4"),
        ("S2", "SEV2"),
        (2, "SEV2"),
    ],
)
def test_severity_spellings(spelling: object, severity: str) -> None:
    result = run({**GOOD, "severity": spelling})
    assert result.incident is not None and result.incident.severity == severity


@pytest.mark.parametrize(
    ("spelling", "raw"),
    [
        ("apocalyptic", "apocalyptic"),
        (-1, "-1"),
        (1.5, "1.5"),
        (True, "True"),
        ({"a": 1}, "a: 1"),
        ("P12", "P12"),
    ],
)
def test_a_severity_off_the_scale_is_none_with_a_warning_and_kept_as_written(
    spelling: object, raw: str
) -> None:
    result = run({**GOOD, "severity": spelling})
    assert result.incident is not None
    assert (result.incident.severity, result.incident.severity_raw) == (None, raw)
    assert [i.code for i in result.issues] == ["unknown-severity"]


def test_anonymisation_of_text_and_people() -> None:
    result = run(
        {
            **GOOD,
            "summary": "paged jane@example.com from 10.0.0.12",
            "authors": ["Jane Doe"],
            "error_messages": ["auth: Bearer abcdefghijklmnop"],
            "notes": {"phone": "+44 20 7946 0958"},
        }
    )
    incident = result.incident
    assert incident is not None
    assert incident.summary == "paged <email> from <ip>"
    assert incident.error_messages == ["auth: Bearer <token>"]
    assert incident.people["authors"][0].startswith("person-")
    assert "Jane" not in str(incident.people)
    assert incident.extra["notes"] == {"phone": "<phone>"}


def test_metrics_and_shapes() -> None:
    result = run(
        {
            **GOOD,
            "metrics": {"cpu": "0.93", "pool": 1, "bad": "high"},
            "trace_shape": "gateway -> checkout -> payments",
        }
    )
    incident = result.incident
    assert incident is not None
    assert incident.metrics == {"cpu": 0.93, "pool": 1.0}
    assert incident.trace_shape == ["gateway", "checkout", "payments"]
    assert [i.code for i in result.issues] == ["invalid-metric"]


def test_derived_ids_are_stable() -> None:
    no_id = {k: v for k, v in GOOD.items() if k != "id"}
    first, second = run(no_id).incident, run(dict(reversed(no_id.items()))).incident
    assert first is not None and second is not None
    assert first.id == second.id and first.id.startswith("rec-") and not first.id_given
    markdown = run(no_id, kind="markdown").incident
    assert markdown is not None and markdown.id.startswith("pm-x-")


def test_a_payload_cannot_set_what_ingest_sets() -> None:
    result = run({**GOOD, "source": "grafana", "line": 99, "kind": "markdown"})
    incident = result.incident
    assert incident is not None
    assert (incident.source, incident.line, incident.kind) == ("x.json", 7, "json")
    assert incident.extra == {"source": "grafana", "line": 99, "kind": "markdown"}


def test_people_named_in_text_get_the_pseudonyms_of_the_people_fields() -> None:
    anonymizer = Anonymizer("k")
    result = run(
        {
            **GOOD,
            "Written By": "Frank Miller",
            "summary": "**Authors**: Frank Miller, Grace Hopper\n\nThe pool ran dry.",
            "sections": {
                "preamble": "Created By: Frank Miller <frank@example.com>",
                "Authors": "- Grace Hopper\n- Frank Miller",
            },
            "error_messages": ["owner: Grace Hopper"],
            "details": {"owner": "Grace Hopper", "note": "IC: Frank Miller"},
        }
    )
    incident = result.incident
    assert incident is not None
    frank, grace = anonymizer.pseudonym("Frank Miller"), anonymizer.pseudonym("Grace Hopper")
    assert incident.people == {"Written By": [frank]}  # a post-mortem's label: a people field
    assert incident.summary == f"**Authors**: {frank}, {grace}\n\nThe pool ran dry."
    assert incident.sections == {
        "preamble": f"Created By: {frank}",
        "Authors": f"- {grace}\n- {frank}",
    }
    assert incident.error_messages == [f"owner: {grace}"]
    assert incident.extra["details"] == {"owner": [grace], "note": f"IC: {frank}"}


@pytest.mark.parametrize("given", [["a", "b"], {"a": "b"}])
def test_an_id_that_is_not_a_single_value_is_rejected(given: object) -> None:
    result = run({**GOOD, "id": given}, lines={"id": 2})
    assert [(i.code, i.field, i.line) for i in result.errors] == [("invalid-field-type", "id", 2)]
    assert "not a single value" in result.errors[0].message


@pytest.mark.parametrize("given", [123, 1.5, "inc-9"])
def test_a_scalar_id_is_kept(given: object) -> None:
    result = run({**GOOD, "id": given})
    assert result.incident is not None and result.incident.id == str(given)


def test_list_fields_drop_what_is_not_text_with_a_warning_naming_the_field() -> None:
    result = run(
        {
            **GOOD,
            "error_messages": [{"a": 1}, 3, None, "pool exhausted"],
            "dependencies": "payments, ledger",
            "trace_shape": {"a": 1},
        },
        lines={"error_messages": 4, "trace_shape": 6},
    )
    incident = result.incident
    assert incident is not None
    assert incident.error_messages == ["pool exhausted"]
    assert incident.dependencies == ["payments", "ledger"]
    assert incident.trace_shape == []
    assert [(i.code, i.field, i.level, i.line, i.message) for i in result.issues] == [
        (
            "invalid-field-type",
            "error_messages",
            "warning",
            4,
            "`error_messages`: dropped 3 item(s) that are not text: {'a': 1}, 3, None",
        ),
        (
            "invalid-field-type",
            "trace_shape",
            "warning",
            6,
            "`trace_shape` is an object, not a list of text; dropped",
        ),
    ]


def test_text_fields_given_as_structures_are_flattened() -> None:
    result = run({**GOOD, "title": ["a", "b"], "summary": {"a": "b"}, "root_cause": 5})
    incident = result.incident
    assert incident is not None
    assert (incident.title, incident.summary, incident.root_cause) == ("- a\n- b", "a: b", "5")
    assert result.issues == []


@pytest.mark.parametrize(
    "value",
    [float("inf"), float("-inf"), float("nan"), "inf", "1e400", 10**400, {"b": 1}, [1, 2], True],
)
def test_a_metric_that_is_not_a_finite_number_is_dropped_with_a_warning(value: object) -> None:
    result = run({**GOOD, "metrics": {"cpu": 0.5, "bad": value}})
    assert result.incident is not None and result.incident.metrics == {"cpu": 0.5}
    assert [(i.code, i.level) for i in result.issues] == [("invalid-metric", "warning")]


def test_terminal_escapes_and_control_characters_never_reach_stored_text() -> None:
    text = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\ttab\r\nnext\x9b31m\x85\x00\x7f"
    assert printable(text) == "red\ttab\nnext"
    result = run(
        {
            **GOOD,
            "id": "E-\x1b[1mX",
            "service": "svc\x07",
            "title": text,
            "summary": text,
            "error_messages": [text],
            "dependencies": ["db\x1b[K"],
            "trace_shape": "gw -> \x1bcapi",
            "severity": "SEV2\x00",
            "metrics": {"cpu\x1b[2J": 0.5},
            "sections": {"Notes\x1b[1m": "kept\x08"},
            "runbook": {"step\x1b[0m": ["\x1b[5mblink"]},
        }
    )
    incident = result.incident
    assert incident is not None, result.issues
    assert (incident.id, incident.service, incident.title, incident.summary) == (
        "E-X",
        "svc",
        "red\ttab\nnext",
        "red\ttab\nnext",
    )
    assert (incident.error_messages, incident.dependencies, incident.trace_shape) == (
        ["red\ttab\nnext"],
        ["db"],
        ["gw", "api"],
    )
    assert (incident.severity, incident.metrics, incident.sections) == (
        "SEV2",
        {"cpu": 0.5},
        {"Notes": "kept"},
    )
    assert incident.extra == {"runbook": {"step": ["blink"]}}


SPLIT = load_taxonomy(Path(__file__).parent.parent / "fixtures" / "taxonomy" / "split.yaml")
MAPPING = {
    "Config Change": "config-error",
    "config-change": "latency",
    "Disk": "oom",
    "Kaputt": "resource-exhaustion",
    "broken": "no-such-class",
    "Slow": "slowness",
}


@pytest.mark.parametrize(
    "label",
    [
        "config change",
        "CONFIG_CHANGE",
        "disk",
        "kaputt",
        "broken",
        "slow",
        "timeout",
        "time out",
        "resource-exhaustion",
        "nope",
        "**",
        "",
    ],
)
@pytest.mark.parametrize("text", [None, "the disk was full: no space left", "heap oom"])
def test_a_mapping_normalised_once_resolves_as_the_taxonomy_would(
    label: str, text: str | None
) -> None:
    assert resolve_label(SPLIT, label, normalised_mapping(MAPPING), text) == SPLIT.resolve(
        label, MAPPING, text
    )


def test_the_context_normalises_the_class_mappings_once() -> None:
    settings = Settings(
        classes={"Config Change": "configuration-error"},
        sources={"board": SourceMapping(classes={"DB": "dependency-failure"})},
    )
    context = Context.build(settings, load_taxonomy(), AS_OF, None)
    assert context.classes == {"config-change": "configuration-error"}
    assert context.class_maps == {
        "board": {"config-change": "configuration-error", "db": "dependency-failure"}
    }
    result = run({**GOOD, "failure_class": "CONFIG change"}, settings)
    assert result.incident is not None
    assert (result.incident.failure_class, result.incident.failure_class_via) == (
        "configuration-error",
        "config",
    )


def test_a_field_given_twice_under_two_spellings_warns() -> None:
    result = run({**GOOD, "Service": "payments"}, lines={"Service": 9})
    assert result.incident is not None and result.incident.service == "checkout"
    assert result.incident.extra == {"Service": "payments"}
    warnings = [(i.code, i.field, i.line) for i in result.issues]
    assert warnings == [("duplicate-key", "service", 9)]
    same = run({**GOOD, "Service": "checkout"})
    assert same.issues == []


_SPLIT_TEXTS = [
    "abc",
    "api-gateway",
    "a -> b > c / d",
    "a→b",
    "a, b,c",
    "x;y z",
    "\u00e9t\u00e9",
    "a\u2003b",
    "4bf92f3577b34da6a3ce929d0e0e4736",
    "123e4567-e89b-12d3-a456-426614174000",
    ",",
    " / ",
]


@pytest.mark.parametrize(
    ("text", "pattern"),
    [(text, pattern) for text in _SPLIT_TEXTS for pattern in ("trace", "shape", "list")],
)
def test_list_items_are_cut_as_their_pattern_cuts_them(text: str, pattern: str) -> None:
    separators = {"trace": TRACE_SPLIT, "shape": SHAPE_SPLIT, "list": LIST_SPLIT}[pattern]
    expected = [part for part in separators.pattern.split(text) if part]
    assert separators.split(text) == expected


def test_a_long_label_that_is_no_class_is_reported_without_a_suggestion() -> None:
    taxonomy = load_taxonomy(None)
    assert closest_class(taxonomy, "timout") == "timeout"
    assert closest_class(taxonomy, "timeout " * 5000) is None


def test_a_trace_shape_seen_again_is_stored_alike_and_its_problems_said_again() -> None:
    context = Context.build(Settings(), load_taxonomy(), AS_OF, Anonymizer("k"))
    shapes = [["gw", "10.0.0.1 > api"], ["gw", "10.0.0.1 > api"], ["gw", 7], ["gw", 7]]
    stored = []
    for shape in shapes:
        raw = RawRecord("x.json", 1, "json", "{}", payload={**GOOD, "trace_shape": shape})
        result = normalise(raw, context)
        assert result.incident is not None
        stored.append((result.incident.trace_shape, [i.code for i in result.issues]))
    assert stored == [
        (["gw", "<ip>", "api"], []),
        (["gw", "<ip>", "api"], []),
        (["gw"], ["invalid-field-type"]),
        (["gw"], ["invalid-field-type"]),
    ]
    assert stored[0][0] is not stored[1][0]  # each incident has its own list
