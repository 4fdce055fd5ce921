from __future__ import annotations

import io

from failearn.sources.jsonfile import parse_json_document, read_ndjson


def test_array_elements_carry_their_lines() -> None:
    text = '[\n  {"id": 1},\n\n  {"id": 2,\n   "x": [1,\n 2]},\n  {"id": 3}\n]\n'
    records = list(parse_json_document(text, "a.json"))
    assert [r.line for r in records] == [2, 4, 7]
    assert [r.payload for r in records] == [{"id": 1}, {"id": 2, "x": [1, 2]}, {"id": 3}]


def test_a_container_object_is_unwrapped() -> None:
    text = '{"incidents": [\n {"id": "a"},\n {"id": "b"}\n], "count": 2}'
    records = list(parse_json_document(text, "a.json"))
    assert [(r.payload or {})["id"] for r in records] == ["a", "b"]
    assert [r.line for r in records] == [2, 3]


def test_ndjson_in_a_json_file_is_read_as_ndjson() -> None:
    records = list(parse_json_document('{"id": 1}\n{"id": 2}\n', "a.json"))
    assert [r.line for r in records] == [1, 2]


def test_ndjson_lines_numbers_and_errors() -> None:
    data = b'{"id": 1}\n\n{"id": 2,}\n"text"\n\xff\xfe\n'
    records = list(read_ndjson(io.BytesIO(data), "s.ndjson", max_record_bytes=100))
    assert [(r.line, r.issues[0].code if r.issues else None) for r in records] == [
        (1, None),
        (3, "invalid-json"),
        (4, "not-an-object"),
        (5, "invalid-utf8"),
    ]
    assert records[2].issues[0].message == ("a string is not an incident record (a JSON object is)")


def test_oversized_and_empty_streams() -> None:
    records = list(read_ndjson(io.BytesIO(b'{"id": "' + b"x" * 50 + b'"}\n'), "s", 20))
    assert records[0].issues[0].code == "record-too-large"
    records = list(read_ndjson(io.BytesIO(b"\n  \n"), "s", 20))
    assert records[0].issues[0].code == "empty-file"


def test_an_empty_array_is_an_empty_file_not_nothing_at_all() -> None:
    (record,) = parse_json_document(" [ ]\n", "x.json")
    assert [(i.code, i.line, i.message) for i in record.issues] == [
        ("empty-file", 1, "the JSON array holds no records")
    ]
    assert record.raw == " [ ]\n"
