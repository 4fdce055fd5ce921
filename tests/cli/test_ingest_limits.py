"""``failearn ingest`` on hostile and huge input: what it shows stays a page, what it holds
stays flat, and one stray file never costs the others."""

from __future__ import annotations

import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest

from failearn.commands.ingest import IngestOptions, run_ingest
from failearn.config import Settings
from failearn.taxonomy.file import load_taxonomy
from failearn.timeutil import parse_as_of
from tests.helpers.cli import Cli

AS_OF = "2026-11-23"


def empty_objects(path: Path, count: int) -> Path:
    path.write_text("{}\n" * count, encoding="utf-8")
    return path


def mixed(path: Path, count: int) -> Path:
    """Lines failing in three ways, in turn: no incident field, not an object, not JSON."""
    kinds = ["{}", "[1]", "{oops"]
    path.write_text("".join(kinds[n % 3] + "\n" for n in range(count)), encoding="utf-8")
    return path


def test_json_shows_the_first_errors_in_full_and_counts_all_by_code(
    cli: Cli, tmp_path: Path
) -> None:
    feed = mixed(tmp_path / "bad.ndjson", 600)
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF, exit_code=1)
    assert doc["rejected"] == 600 and doc["records"] == 600
    assert len(doc["errors"]) == 100
    assert [e["line"] for e in doc["errors"]] == list(range(1, 101))
    assert doc["problems"]["errors"] == {
        "total": 600,
        "shown": 100,
        "by_code": {"invalid-json": 200, "not-an-object": 200, "unknown-format": 200},
    }
    assert doc["problems"]["warnings"] == {"total": 0, "shown": 0, "by_code": {}}
    # Nothing received is lost: every distinct payload is in the inbox with its errors.
    with sqlite3.connect("failearn.db") as conn:
        stored = conn.execute("SELECT line, errors FROM inbox ORDER BY line").fetchall()
    assert [line for line, _ in stored] == [1, 2, 3]
    assert [json.loads(errors)[0]["code"] for _, errors in stored] == [
        "unknown-format",
        "not-an-object",
        "invalid-json",
    ]


def test_max_errors_option_and_config_key_set_how_many_are_shown(cli: Cli, tmp_path: Path) -> None:
    feed = empty_objects(tmp_path / "e.ndjson", 50)
    doc = cli.json("ingest", str(feed), "--max-errors", "3", "--dry-run", exit_code=1)
    assert len(doc["errors"]) == 3 and doc["problems"]["errors"]["total"] == 50
    Path("failearn.toml").write_text("[ingest]\nmax_errors = 7\n", encoding="utf-8")
    doc = cli.json("ingest", str(feed), "--dry-run", exit_code=1)
    assert len(doc["errors"]) == 7
    doc = cli.json("ingest", str(feed), "--dry-run", "--max-errors", "0", exit_code=1)
    assert doc["errors"] == [] and doc["problems"]["errors"]["by_code"] == {"unknown-format": 50}
    Path("failearn.toml").write_text("[ingest]\nmax_errors = -1\n", encoding="utf-8")
    result = cli("ingest", str(feed))
    assert result.exit_code == 2 and "ingest.max_errors" in result.stderr


def test_text_and_github_show_the_first_errors_then_one_line_of_counts(
    cli: Cli, tmp_path: Path
) -> None:
    feed = mixed(tmp_path / "bad.ndjson", 30)
    result = cli("ingest", str(feed), "--max-errors", "4")
    assert result.exit_code == 1
    located = [line for line in result.stdout.splitlines() if "bad.ndjson:" in line]
    assert len(located) == 4
    assert (
        "26 more errors not shown (invalid-json 9, not-an-object 9, unknown-format 8); "
        "the inbox keeps every record with its errors; --max-errors N shows more"
    ) in result.stdout
    result = cli("ingest", str(feed), "--max-errors", "4", "--format", "github")
    lines = result.stdout.splitlines()
    assert [line.split(" ", 1)[0] for line in lines] == ["::error"] * 5 + ["::notice"]
    assert lines[4] == (
        "::error title=failearn ingest::26 more errors not shown (invalid-json "
        "9, not-an-object 9, unknown-format 8); the inbox keeps every record "
        "with its errors; --max-errors N shows more"
    )


def test_warnings_and_notes_are_capped_apart_from_errors(cli: Cli, tmp_path: Path) -> None:
    feed = tmp_path / "w.ndjson"
    with feed.open("w", encoding="utf-8") as handle:
        for n in range(12):  # a naive timestamp is a warning; the record is stored
            handle.write(
                json.dumps(
                    {
                        "id": f"r{n}",
                        "timestamp": f"2026-11-0{1 + n % 9}T10:00:00",
                        "service": "s",
                        "failure_class": "timeout",
                        "trace_ids": [f"{n + 1:032x}"],
                    }
                )
                + "\n"
            )
    doc = cli.json("ingest", str(feed), "--max-errors", "5", "--as-of", AS_OF)
    assert doc["accepted"] + doc["merged"] == 12
    assert len(doc["warnings"]) == 5
    assert doc["problems"]["warnings"] == {
        "total": 12,
        "shown": 5,
        "by_code": {"naive-timestamp": 12},
    }


def _peak_bytes(feed: Path, db: Path) -> tuple[int, int]:
    """(peak traced bytes, errors counted) of one in-process ingest of ``feed``."""
    settings = Settings().with_db(db)
    options = IngestOptions(paths=[str(feed)], as_of=parse_as_of(AS_OF))
    taxonomy = load_taxonomy(settings.taxonomy)
    tracemalloc.start()
    try:
        result = run_ingest(settings, taxonomy, options)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak, result.errors.total


def test_memory_does_not_grow_with_the_number_of_errors(tmp_path: Path) -> None:
    # Five times the errors may not cost more memory: what a run holds of its errors is
    # the first few and a count per code (before, every error object was held to the end).
    small, small_errors = _peak_bytes(
        empty_objects(tmp_path / "a.ndjson", 2_000), tmp_path / "a.db"
    )
    large, large_errors = _peak_bytes(
        empty_objects(tmp_path / "b.ndjson", 10_000), tmp_path / "b.db"
    )
    assert (small_errors, large_errors) == (2_000, 10_000)
    assert large - small < 1_000_000, (small, large)


ADDRESS_SPACE = 400 * 1024 * 1024


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


@pytest.mark.slow
def test_two_hundred_thousand_broken_lines_fit_in_a_small_address_space(tmp_path: Path) -> None:
    # A few megabytes in a pull request may not take a CI runner's memory: under 400 MB of
    # address space the run ends as any run with rejections does (before: MemoryError,
    # exit 3, after the run was saved).
    feed = empty_objects(tmp_path / "e.ndjson", 200_000)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "failearn",
            "ingest",
            str(feed),
            "--db",
            str(tmp_path / "f.db"),
            "--format",
            "json",
        ],
        preexec_fn=_limited,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stderr) == (1, "")
    doc = json.loads(done.stdout)
    assert len(doc["errors"]) == 100 and doc["problems"]["errors"]["total"] == 200_000
    assert len(done.stdout) < 100_000


GOOD = Path(__file__).parent.parent / "fixtures" / "good" / "2026-11-02-checkout-pool.md"


@pytest.fixture
def stray(tmp_path: Path) -> Path:
    """A folder with one good post-mortem and files that cannot be named or followed."""
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(GOOD, folder / "ok.md")
    (folder / os.fsdecode(b"\xe9.json")).write_text("{}\n", encoding="utf-8")
    (folder / "a.md").symlink_to("b.md")
    (folder / "b.md").symlink_to("a.md")
    (folder / "c.md").symlink_to("c.md")
    return folder


def test_stray_files_are_each_a_located_error_and_the_run_goes_on(cli: Cli, stray: Path) -> None:
    doc = cli.json("ingest", "d", "--as-of", AS_OF, exit_code=1)
    assert (doc["accepted"], doc["rejected"], doc["files"]) == (1, 4, 5)
    assert sorted((e["source"], e["code"]) for e in doc["errors"]) == [
        ("d/\\xe9.json", "invalid-file-name"),
        ("d/a.md", "unreadable-file"),
        ("d/b.md", "unreadable-file"),
        ("d/c.md", "unreadable-file"),
    ]
    loop = next(e for e in doc["errors"] if e["source"] == "d/c.md")
    assert loop["message"] == "cannot read the file: Too many levels of symbolic links"
    with sqlite3.connect("failearn.db") as conn:
        stored = dict(
            conn.execute(
                "SELECT source, raw_bytes FROM inbox WHERE outcome = 'rejected'"
            ).fetchall()
        )
        assert conn.execute("SELECT source FROM reports").fetchall() == [("d/ok.md",)]
    # What the file with the unreadable name held is kept all the same.
    assert stored == {"d/\\xe9.json": b"{}\n", "d/a.md": None, "d/b.md": None, "d/c.md": None}


def test_a_link_loop_or_a_bad_name_given_on_the_command_line_is_rejected(
    cli: Cli, stray: Path
) -> None:
    for name, code in (
        ("d/a.md", "unreadable-file"),
        ("d/c.md", "unreadable-file"),
        (os.fsdecode(b"d/\xe9.json"), "invalid-file-name"),
    ):
        doc = cli.json("ingest", name, "--as-of", AS_OF, exit_code=1)
        assert [e["code"] for e in doc["errors"]] == [code]


def test_a_run_that_fails_on_a_new_database_leaves_no_file(
    cli: Cli, stray: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import failearn.commands.ingest

    def broken(*args: object) -> None:
        raise RuntimeError("boom")

    with monkeypatch.context() as patch:
        patch.setattr(failearn.commands.ingest._Run, "add", broken)
        assert cli("ingest", "d/ok.md").exit_code == 3
        assert sorted(p.name for p in Path.cwd().glob("failearn.db*")) == []
    # A database that existed before is left as it was.
    cli.json("ingest", "d/ok.md", "--as-of", AS_OF)
    # Changed, so that it is read again (an unchanged file is not).
    Path("d/ok.md").write_text(Path("d/ok.md").read_text() + "\nMore.\n")
    with monkeypatch.context() as patch:
        patch.setattr(failearn.commands.ingest._Run, "add", broken)
        assert cli("ingest", "d/ok.md").exit_code == 3
    with sqlite3.connect("failearn.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM runs").fetchone() == (1,)


def _records(count: int, start: int = 0) -> list[str]:
    return [
        json.dumps(
            {
                "id": f"r-{n}",
                "timestamp": "2026-11-02T14:03:00Z",
                "service": "search",
                "failure_class": "timeout",
                "trace_ids": [f"{n + 1:032x}"],
            }
        )
        for n in range(start, start + count)
    ]


def test_a_json_array_is_streamed_and_a_break_in_it_keeps_what_came_before(
    cli: Cli, tmp_path: Path
) -> None:
    export = tmp_path / "export.json"
    export.write_text("[\n" + ",\n".join(_records(3)) + ',\n{"id": \n', encoding="utf-8")
    doc = cli.json("ingest", str(export), "--as-of", AS_OF, exit_code=1)
    assert doc["accepted"] + doc["merged"] == 3
    assert [(e["line"], e["code"], e["message"]) for e in doc["errors"]] == [
        (5, "invalid-json", "invalid JSON: the file ends inside this element")
    ]
    with sqlite3.connect("failearn.db") as conn:
        rows = conn.execute(
            "SELECT line, outcome, raw, raw_bytes FROM inbox ORDER BY line"
        ).fetchall()
    assert [(line, outcome != "rejected") for line, outcome, _, _ in rows] == [
        (2, True),
        (3, True),
        (4, True),
        (5, False),
    ]
    assert rows[0][2] == _records(1)[0]  # each element's exact text
    assert rows[3][3] == b'{"id": \n'  # what the file holds from the break on


@pytest.mark.parametrize("name", ["feed.ndjson", "feed.json"])
def test_records_beyond_the_limit_per_file_are_one_located_error(
    cli: Cli, tmp_path: Path, name: str
) -> None:
    Path("failearn.toml").write_text("[ingest]\nmax_records_per_file = 3\n", encoding="utf-8")
    feed = tmp_path / name
    lines = _records(5)
    feed.write_text(
        "\n".join(lines) + "\n" if name.endswith("ndjson") else "[" + ",\n".join(lines) + "]\n",
        encoding="utf-8",
    )
    doc = cli.json("ingest", str(feed), "--as-of", AS_OF, exit_code=1)
    assert doc["accepted"] + doc["merged"] == 3 and doc["rejected"] == 1
    (error,) = doc["errors"]
    assert (error["line"], error["code"]) == (4, "too-many-records")
    assert error["message"].startswith(
        "the file holds more than 3 records; the rest of it is not read"
    )
    with sqlite3.connect("failearn.db") as conn:
        (kept,) = conn.execute("SELECT raw_bytes FROM inbox WHERE outcome = 'rejected'").fetchone()
    assert kept.decode().startswith(lines[3])  # nothing received is lost


@pytest.mark.slow
def test_a_huge_line_is_rejected_without_reading_it_whole(tmp_path: Path) -> None:
    # 300 MB on one line: before, read whole (640 MB) and only then rejected.
    feed = tmp_path / "one-line.ndjson"
    with feed.open("wb") as handle:
        handle.write(_records(1)[0].encode() + b"\n" + b'{"id": "')
        for _ in range(60):
            handle.write(b"x" * 5_000_000)
        handle.write(b'"}\n' + _records(1, 1)[0].encode() + b"\n")
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _PEAK,
            "ingest",
            str(feed),
            "--db",
            str(tmp_path / "f.db"),
            "--as-of",
            AS_OF,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    doc = json.loads(done.stdout)
    assert [(e["line"], e["code"]) for e in doc["errors"]] == [(2, "record-too-large")]
    assert doc["accepted"] + doc["merged"] == 2
    peak_mb = int(done.stderr.split("PEAK_KB ")[1].split()[0]) / 1024
    assert peak_mb < 250, peak_mb


_PEAK = (
    "import atexit, sys\n"
    "def _peak():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmHWM'):\n"
    "            sys.stderr.write('PEAK_KB ' + line.split()[1] + '\\n')\n"
    "atexit.register(_peak)\n"
    "from failearn.cli import app\napp(sys.argv[1:], prog_name='failearn')\n"
)
