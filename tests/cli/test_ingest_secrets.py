"""Secrets in what is ingested are masked in every stored and printed field, by one set of
rules; only the raw inbox copy keeps the original."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from tests.helpers.cli import Cli

AS_OF = "2026-11-23"
# Each of these must appear nowhere but in the inbox's raw copy.
SECRETS = (
    "hunter2",
    "p4ssw0rd",
    "dXNlcjpwYXNzd29yZA",
    "sw0rdfish",
    "S3cr3tP4ss",
    "10.1.2.3",
    "10.9.8.7",
    "0123456789abcdef0123456789abcdef",
    "hunter3secret",
    "jane.doe@example.com",
    "ops@example.com",
    "tok3n-in-a-class",
    "192.168.77.1",
)

POSTMORTEM = """\
---
title: Orders DB outage
timestamp: 2026-11-02T14:03:00Z
service: orders
failure_class: connection-pool-exhaustion
trace_ids: [4bf92f3577b34da6a3ce929d0e0e4736]
dependencies: ["postgres://svc_user:hunter2@db.internal:5432/orders", "10.1.2.3"]
trace_shape: [api-gateway, "https://admin:S3cr3tP4ss@grafana.local", 10.9.8.7]
---
# Orders DB outage

## Summary
The cache at redis://:p4ssw0rd@cache:6379 was full; the call sent
`Authorization: Basic dXNlcjpwYXNzd29yZA==` and the config held
`{"password": "sw0rdfish"}`. The API key `0123456789abcdef0123456789abcdef` was rotated.

## Resolution
Set `password=hunter3secret` and paged jane.doe@example.com.
"""


def _stored_text(db: str = "failearn.db") -> str:
    """Every value of every table, the inbox's raw copy excepted, as one text."""
    with sqlite3.connect(db) as conn:
        tables = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        values: list[str] = []
        for table in tables:
            columns = [
                c[1]
                for c in conn.execute(f'PRAGMA table_info("{table}")')
                if not (table == "inbox" and c[1] in ("raw", "raw_bytes"))
            ]
            if not columns:
                continue
            quoted = ", ".join(f'"{c}"' for c in columns)
            for row in conn.execute(f'SELECT {quoted} FROM "{table}"'):
                values.extend(str(v) for v in row if v is not None)
    return "\n".join(values)


def test_no_secret_is_stored_or_printed_outside_the_raw_copy(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pm.md").write_text(POSTMORTEM, encoding="utf-8")
    (tmp_path / "bad.ndjson").write_text(
        json.dumps(
            {
                "id": "r-1",
                "timestamp": "2026-11-02T14:03:00Z",
                "service": "orders",
                "failure_class": "ops@example.com",
                "trace_ids": ["192.168.77.1"],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "r-2",
                "timestamp": "token=tok3n-in-a-class",
                "service": "orders",
                "failure_class": "timeout",
                "trace_ids": ["4bf92f3577b34da6a3ce929d0e0e4737"],
            }
        )
        + "\n",
        encoding="utf-8",
    )
    outputs = []
    for output_format in ("json", "github", "text"):
        result = cli("ingest", "pm.md", "bad.ndjson", "--as-of", AS_OF, "--format", output_format)
        assert result.exit_code == 1, result.stderr
        outputs.append(result.stdout)
    doc = json.loads(outputs[0])
    assert doc["accepted"] == 1 and doc["rejected"] == 2
    assert {e["code"] for e in doc["errors"]} >= {"unknown-class", "invalid-timestamp"}
    stored = _stored_text()
    for secret in SECRETS:
        assert secret not in stored, secret
        for output in outputs:
            assert secret not in output, (secret, output)
    with sqlite3.connect("failearn.db") as conn:
        traces = [t for (t,) in conn.execute("SELECT trace_id FROM report_trace_ids")]
        summary, resolution, dependencies, shape = conn.execute(
            "SELECT summary, resolution, (SELECT group_concat(dependency, ' ') FROM "
            "report_dependencies), trace_shape FROM reports"
        ).fetchone()
        raw = "".join(r for (r,) in conn.execute("SELECT raw FROM inbox WHERE raw IS NOT NULL"))
    # The key named as one is not evidence; the trace ids are kept as they are.
    assert traces == ["4bf92f3577b34da6a3ce929d0e0e4736"]
    assert "The API key `<secret>` was rotated" in summary
    assert "`Authorization: Basic <secret>`" in summary and '`{"password": "<secret>"}`' in summary
    assert "redis://:<secret>@cache:6379" in summary
    assert "Set `password=<secret>` and paged <email>." in resolution  # the backtick stays
    assert "postgres://svc_user:<secret>@db.internal:5432/orders" in dependencies
    hops = json.loads(shape)  # cut at '/' as a trace shape is
    assert "<ip>" in dependencies and hops[-2:] == ["admin:<secret>@grafana.local", "<ip>"]
    # Only the raw copy keeps what was received.
    assert all(secret in raw for secret in SECRETS)


def test_similar_prints_the_masked_text(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "pm.md").write_text(POSTMORTEM, encoding="utf-8")
    cli.json("ingest", "pm.md", "--as-of", AS_OF)
    result = cli("similar", "--text", "orders database cache full")
    assert result.exit_code == 0, result.stderr
    assert "resolution: Set `password=<secret>` and paged <email>." in result.stdout
    for secret in SECRETS:
        assert secret not in result.stdout
