"""Files across runs: the project root, renamed and deleted post-mortems, unchanged files."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.cli import Cli

AS_OF = "2026-01-01"


def page(
    day: str,
    service: str = "checkout",
    trace: str = "4bf92f3577b34da6a3ce929d0e0e4736",
    extra: str = "",
    title: str = "Checkout timeouts",
) -> str:
    return (
        f"---\ntimestamp: {day}T10:00:00Z\nservice: {service}\nfailure_class: timeout\n"
        f"trace_ids: [{trace}]\n{extra}---\n# {title}\n\n## Summary\n\nThe database "
        "timed out.\n"
    )


def rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git work tree (only its .git folder matters) with two post-mortems."""
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    (root / "postmortems" / "2024").mkdir(parents=True)
    (root / "postmortems" / "2024" / "a.md").write_text(page("2024-01-02"))
    (root / "postmortems" / "2024" / "b.md").write_text(
        page("2024-03-04", "api", "5bf92f3577b34da6a3ce929d0e0e4736", title="API down")
    )
    return root


def test_a_subfolder_run_uses_the_root_database_and_names(cli: Cli, repo: Path) -> None:
    os.chdir(repo / "postmortems" / "2024")
    doc = cli.json("ingest", ".", "--as-of", AS_OF)
    assert doc["accepted"] == 2
    assert doc["db"] == str(repo / "failearn.db")
    assert not Path("failearn.db").exists()
    assert sorted(rows(repo / "failearn.db", "SELECT source FROM reports")) == [
        ("postmortems/2024/a.md",),
        ("postmortems/2024/b.md",),
    ]
    # The same files from the root are the same sources: nothing new.
    os.chdir(repo)
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF)
    assert (doc["accepted"], doc["unchanged"], doc["incidents"]["total"]) == (0, 2, 2)


def test_errors_name_files_from_the_root(cli: Cli, repo: Path) -> None:
    (repo / "postmortems" / "2024" / "c.md").write_text("# Nothing here\n")
    os.chdir(repo / "postmortems")
    doc = cli.json("ingest", "2024", "--as-of", AS_OF, exit_code=1)
    assert {e["source"] for e in doc["errors"]} == {"postmortems/2024/c.md"}


def test_a_renamed_post_mortem_keeps_its_report_and_incident(cli: Cli, repo: Path) -> None:
    os.chdir(repo)
    cli.json("ingest", "postmortems", "--as-of", AS_OF)
    (before,) = rows(
        repo / "failearn.db", "SELECT incident_id FROM reports WHERE source LIKE '%a.md'"
    )
    (repo / "postmortems" / "2024" / "a.md").rename(repo / "postmortems" / "checkout.md")
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF)
    assert doc["moved"] == [
        {"from": "postmortems/2024/a.md", "to": "postmortems/checkout.md", "matched_by": "content"}
    ]
    assert (doc["accepted"], doc["updated"], doc["missing"]) == (0, 1, [])
    db = repo / "failearn.db"
    assert rows(db, "SELECT source, incident_id FROM reports WHERE source LIKE '%checkout%'") == [
        ("postmortems/checkout.md", before[0])
    ]
    assert rows(db, "SELECT COUNT(*), SUM(report_count) FROM incidents") == [(2, 2)]
    # Edited after the move: still the same incident.
    path = repo / "postmortems" / "checkout.md"
    path.write_text(path.read_text() + "\nMore detail.\n")
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF)
    assert doc["updated"] == 1
    assert rows(db, "SELECT incident_id FROM reports WHERE source = 'postmortems/checkout.md'") == [
        before
    ]


def test_a_moved_post_mortem_with_its_id_and_new_text_keeps_its_incident(
    cli: Cli, repo: Path
) -> None:
    old = repo / "postmortems" / "2024" / "a.md"
    old.write_text(page("2024-01-02", extra="id: INC-7\n"))
    os.chdir(repo)
    cli.json("ingest", "postmortems", "--as-of", AS_OF)
    old.unlink()
    (repo / "postmortems" / "inc-7.md").write_text(
        page("2024-01-02", extra="id: INC-7\n", title="Checkout timeouts (revised)")
    )
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF)
    assert doc["moved"] == [
        {"from": "postmortems/2024/a.md", "to": "postmortems/inc-7.md", "matched_by": "id"}
    ]
    db = repo / "failearn.db"
    assert rows(db, "SELECT id, title, report_count FROM incidents WHERE id = 'INC-7'") == [
        ("INC-7", "Checkout timeouts (revised)", 1)
    ]
    assert rows(db, "SELECT old_source, new_source, matched_by FROM source_moves") == [
        ("postmortems/2024/a.md", "postmortems/inc-7.md", "id")
    ]


def test_a_deleted_post_mortem_is_listed_then_withdrawn_with_prune(cli: Cli, repo: Path) -> None:
    os.chdir(repo)
    cli.json("ingest", "postmortems", "--as-of", AS_OF)
    (repo / "postmortems" / "2024" / "b.md").unlink()
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF)
    assert doc["missing"] == ["postmortems/2024/b.md"]
    assert doc["incidents"]["total"] == 2
    result = cli("ingest", "postmortems", "--as-of", AS_OF)
    assert (
        "1 stored source(s) no longer exist: postmortems/2024/b.md; `failearn ingest "
        "--prune` withdraws their reports" in result.stdout
    )
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, "--prune", "--dry-run")
    assert doc["withdrawn"] == ["postmortems/2024/b.md"]
    assert rows(repo / "failearn.db", "SELECT COUNT(*) FROM incidents") == [(2,)]
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, "--prune")
    assert (doc["withdrawn"], doc["incidents"]["total"]) == (["postmortems/2024/b.md"], 1)
    db = repo / "failearn.db"
    assert rows(db, "SELECT source, reason FROM withdrawn_reports") == [
        ("postmortems/2024/b.md", "file no longer exists")
    ]
    # Its payload stays in the inbox.
    assert rows(db, "SELECT COUNT(*) FROM inbox WHERE source = 'postmortems/2024/b.md'") == [(1,)]
    # A run over another folder never withdraws what it does not cover.
    (repo / "postmortems" / "2024" / "a.md").unlink()
    (repo / "other").mkdir()
    doc = cli.json("ingest", "other", "--as-of", AS_OF, "--prune", exit_code=None)
    assert doc["withdrawn"] == []


def test_unchanged_files_are_not_read_again(cli: Cli, repo: Path) -> None:
    os.chdir(repo)
    bad = repo / "postmortems" / "bad.md"
    bad.write_text("# No fields\n")
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, exit_code=1)
    assert (doc["accepted"], doc["files_unchanged"]) == (2, 0)
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, exit_code=1)
    # The two stored files are skipped; the rejected one is read (and reported) again.
    assert (doc["unchanged"], doc["files_unchanged"], doc["rejected"]) == (2, 2, 1)
    assert {e["source"] for e in doc["errors"]} == {"postmortems/bad.md"}
    # A new modification time with the same bytes (a fresh checkout) is the same file.
    a = repo / "postmortems" / "2024" / "a.md"
    os.utime(a, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, exit_code=1)
    assert doc["files_unchanged"] == 2
    a.write_text(page("2024-01-02", title="Checkout timeouts again"))
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, exit_code=1)
    assert (doc["updated"], doc["files_unchanged"]) == (1, 1)
    # Another configuration reads every file again.
    (repo / "failearn.toml").write_text('[severity]\nscale = ["P1", "P2"]\n')
    doc = cli.json("ingest", "postmortems", "--as-of", AS_OF, exit_code=1)
    assert doc["files_unchanged"] == 0
