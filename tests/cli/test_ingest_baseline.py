"""Gradual adoption: a baseline of today's problems, so CI fails only on new or changed ones."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import Cli

AS_OF = "2026-01-01"
GOOD = (
    "---\ndate: 2024-01-02T10:00:00Z\nservice: api\nfailure_class: timeout\n---\n# API timeouts\n"
)


def test_known_problems_do_not_fail_new_ones_do(cli: Cli, tmp_path: Path) -> None:
    pms = tmp_path / "pms"
    pms.mkdir()
    (pms / "good.md").write_text(GOOD)
    (pms / "old.md").write_text("# An old report without any fields\n")
    assert cli("ingest", "pms", "--as-of", AS_OF, "--dry-run").exit_code == 1
    doc = cli.json("ingest", "pms", "--as-of", AS_OF, "--dry-run", "--write-baseline")
    assert doc["baseline_written"] and doc["baseline"] == "failearn-baseline.json"
    written = json.loads(Path("failearn-baseline.json").read_text())
    ((source, records),) = written["problems"].items()
    assert source == "pms/old.md"
    assert list(records.values()) == [["missing-field"]]
    # The known problem no longer fails the run; it is reported apart.
    doc = cli.json("ingest", "pms", "--as-of", AS_OF)
    assert (doc["rejected"], doc["known_records"], doc["errors"]) == (1, 1, [])
    assert {e["source"] for e in doc["known"]} == {"pms/old.md"}
    result = cli("ingest", "pms", "--as-of", AS_OF, "--db", "x.db")
    assert (
        "1 rejected record(s) are known problems listed in failearn-baseline.json" in result.stdout
    )
    # A new bad report fails; so does the old one once it changes (still broken).
    (pms / "new.md").write_text("# Another\n")
    doc = cli.json("ingest", "pms", "--as-of", AS_OF, exit_code=1)
    assert {e["source"] for e in doc["errors"]} == {"pms/new.md"}
    (pms / "new.md").unlink()
    (pms / "old.md").write_text("# An old report, edited, still without fields\n")
    doc = cli.json("ingest", "pms", "--as-of", AS_OF, exit_code=1)
    assert {e["source"] for e in doc["errors"]} == {"pms/old.md"}


def test_the_baseline_path_comes_from_the_configuration(cli: Cli, tmp_path: Path) -> None:
    Path("failearn.toml").write_text('[gates]\nbaseline = "ci/known.json"\n')
    Path("bad.md").write_text("# Nothing\n")
    cli.json("ingest", "bad.md", "--as-of", AS_OF, "--dry-run", "--write-baseline")
    assert Path("ci/known.json").is_file() and not Path("failearn-baseline.json").exists()
    doc = cli.json("ingest", "bad.md", "--as-of", AS_OF, "--dry-run")
    assert doc["known_records"] == 1
    Path("ci/known.json").write_text("not json")
    result = cli("ingest", "bad.md", "--as-of", AS_OF, "--dry-run")
    assert result.exit_code == 2
    assert "is not a failearn baseline" in result.stderr
