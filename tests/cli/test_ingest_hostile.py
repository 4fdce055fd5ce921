"""``failearn ingest`` on JSON that is valid but hostile, and on databases that are damaged
or vanish: what a user sees (exit code, message) and what is stored."""

from __future__ import annotations

import json
import random
import shutil
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from failearn.commands.ingest import IngestOptions, run_ingest
from failearn.config import Settings
from failearn.errors import StoreError
from failearn.taxonomy.file import load_taxonomy
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli

AS_OF = "2026-11-23"
GOOD = Path(__file__).parent.parent / "fixtures" / "good"


def record(**fields: Any) -> dict[str, Any]:
    return {
        "id": "r-1",
        "timestamp": "2026-11-02T14:03:00Z",
        "service": "search",
        "failure_class": "timeout",
        "trace_ids": ["4bf92f3577b34da6a3ce929d0e0e4736"],
        **fields,
    }


def stored(column: str, table: str = "reports") -> list[Any]:
    with sqlite3.connect("failearn.db") as conn:
        return [row[0] for row in conn.execute(f"SELECT {column} FROM {table} ORDER BY 1")]


def test_ids_beyond_64_bits_stay_two_records(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "big-ids.ndjson"
    base = json.dumps(record())
    feed.write_text(
        base.replace('"r-1"', "18446744073709551617")
        + "\n"
        + base.replace('"r-1"', "18446744073709551618")
        + "\n",
        encoding="utf-8",
    )
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF)
    assert doc["accepted"] + doc["merged"] == 2
    assert stored("record_id") == ["18446744073709551617", "18446744073709551618"]


def test_deep_nesting_is_a_located_error_not_a_bug(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "deep.ndjson"
    deep = json.dumps(record(id="deep", extra="[" * 300 + "]" * 300))
    deep = deep.replace('"' + "[" * 300 + "]" * 300 + '"', "[" * 300 + "]" * 300)
    orjson_limit = json.dumps(record(id="deeper")).replace('"deeper"', "[" * 1100 + "]" * 1100)
    feed.write_text(
        json.dumps(record()) + "\n" + deep + "\n" + orjson_limit + "\n", encoding="utf-8"
    )
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF, exit_code=1)
    assert [(e["line"], e["code"]) for e in doc["errors"]] == [
        (2, "json-too-deep"),
        (3, "json-too-deep"),
    ]
    assert doc["errors"][0]["message"] == "the value is nested more than 64 levels deep"
    assert doc["accepted"] == 1 and doc["rejected"] == 2
    # Kept in the inbox, rejected.
    assert stored("outcome", "inbox") == ["accepted", "rejected", "rejected"]


def test_a_metric_beyond_a_double_is_an_invalid_metric_warning(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "m.ndjson"
    text = json.dumps(record(metrics={"latency_ms": 1, "cpu": 2}))
    feed.write_text(text.replace('"latency_ms": 1', '"latency_ms": 1e400') + "\n", encoding="utf-8")
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF)
    assert doc["accepted"] == 1
    assert [(w["code"], w["line"]) for w in doc["warnings"]] == [("invalid-metric", 1)]
    assert [json.loads(m) for m in stored("metrics")] == [{"cpu": 2.0}]


def test_a_key_written_twice_is_a_warning_and_the_last_value_wins(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "d.ndjson"
    text = json.dumps(record(service="first"))
    feed.write_text(
        text.replace('"service": "first"', '"service": "first", "service": "second"') + "\n",
        encoding="utf-8",
    )
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF)
    assert doc["accepted"] == 1
    assert [(w["code"], w["line"], w["message"]) for w in doc["warnings"]] == [
        ("duplicate-key", 1, 'key "service" is written twice in one object; the last value is kept')
    ]
    assert stored("service") == ["second"]


def test_a_missing_path_with_format_json_prints_a_json_error(cli: Cli) -> None:
    result = cli("ingest", "/nope", "--format", "json")
    assert result.exit_code == 2
    assert json.loads(result.stdout) == {
        "schema_version": 1,
        "command": "ingest",
        "status": "error",
        "error": {
            "code": "usage",
            "message": "/nope: no such file or directory",
            "hint": None,
            "exit_code": 2,
            "problems": [],
        },
    }
    assert result.stderr == "error: /nope: no such file or directory\n"
    # Text output keeps stdout empty.
    assert cli("ingest", "/nope").stdout == ""


def damage(db: Path, seed: int) -> None:
    """Overwrite 64 bytes of one page of the database with noise."""
    data = bytearray(db.read_bytes())
    rnd = random.Random(seed)
    offset = rnd.randrange(1, len(data) // 4096) * 4096 + rnd.randrange(0, 4096 - 64)
    data[offset : offset + 64] = bytes(rnd.randrange(256) for _ in range(64))
    db.write_bytes(data)


@pytest.mark.slow
def test_a_damaged_database_is_exit_2_with_a_hint_never_a_bug(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", str(GOOD), "--as-of", AS_OF).exit_code == 0
    pristine = tmp_path / "pristine.db"
    shutil.copy("failearn.db", pristine)
    codes: dict[int, int] = {}
    for seed in range(30):
        shutil.copy(pristine, "failearn.db")
        damage(Path("failearn.db"), seed)
        for command in (
            ("ingest", str(GOOD), "--as-of", "2026-11-24"),
            ("cluster", "--as-of", AS_OF),
            ("report", "--as-of", AS_OF),
            ("audit", "--as-of", AS_OF),
        ):
            result = cli(*command)
            codes[result.exit_code] = codes.get(result.exit_code, 0) + 1
            assert result.exit_code in (0, 1, 2), (seed, command, result.stderr)
            if result.exit_code == 2:
                assert "is damaged" in result.stderr and "hint: restore it" in result.stderr
    assert codes.get(2, 0) >= 5, codes  # the damage was noticed, at least sometimes


def test_ingest_checks_a_database_for_damage_before_it_writes(cli: Cli, tmp_path: Path) -> None:
    assert cli("ingest", str(GOOD), "--as-of", AS_OF).exit_code == 0
    with sqlite3.connect("failearn.db") as conn:
        root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'reports'").fetchone()[
            0
        ]
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(Path("failearn.db").read_bytes())
    start = (root - 1) * page
    data[start : start + 8] = b"\xff" * 8  # the page header of the table: no b-tree page
    Path("failearn.db").write_bytes(data)
    result = cli("ingest", str(GOOD), "--as-of", "2026-11-24", "--format", "json")
    assert result.exit_code == 2, result.stderr
    assert result.stderr.startswith("error: database failearn.db is damaged: ")
    assert json.loads(result.stdout)["error"]["code"] == "store"


def test_a_database_deleted_during_an_ingest_is_not_reported_saved(
    tmp_path: Path, isolated: Path
) -> None:
    db = tmp_path / "gone.db"
    settings = Settings(db=db)
    taxonomy = load_taxonomy(settings.taxonomy)
    run_ingest(settings, taxonomy, IngestOptions([str(GOOD)], parse_as_of(AS_OF)))

    class Deleting:
        def file(self, source: str, number: int, total: int) -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)

        def records(self, count: int) -> None:
            pass

    with pytest.raises(
        StoreError, match="was deleted or replaced while this command ran: nothing of it was saved"
    ):
        run_ingest(
            settings, taxonomy, IngestOptions([str(GOOD)], parse_as_of("2026-11-24")), Deleting()
        )
    assert not db.exists()
