"""Nothing a source or a reviewer wrote can steer the terminal or hide what is shown: every
command prints controls, bidirectional and invisible characters as escapes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.cli import Cli
from tests.helpers.paths import FIXTURES
from tests.helpers.reports import AS_OF
from tests.helpers.rules import at

UNSAFE = ("\x1b", "\x07", "\x9b", "\u202e", "\u2066", "\u200b")
GOOD = FIXTURES / "good" / "2026-11-02-checkout-pool.md"


def assert_safe(text: str) -> None:
    for char in UNSAFE:
        assert char not in text, (char, text)


def test_file_names_that_could_steer_a_terminal_are_rejected_and_shown_escaped(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    shutil.copy(GOOD, folder / "ok.md")
    shutil.copy(GOOD, folder / "evil\x1b]0;pwned\x07.md")
    shutil.copy(GOOD, folder / "invoice\u202edm.md")
    for output_format in ("text", "github", "json"):
        result = cli("ingest", "d", "--as-of", AS_OF, "--format", output_format)
        assert result.exit_code == 1
        assert_safe(result.stdout)
    doc = json.loads(result.stdout)
    assert sorted((e["source"], e["code"]) for e in doc["errors"]) == [
        ("d/evil\\x1b]0;pwned\\x07.md", "invalid-file-name"),
        ("d/invoice\\u202edm.md", "invalid-file-name"),
    ]


def test_bidi_and_invisible_text_in_a_post_mortem_is_shown_escaped(cli: Cli) -> None:
    shutil.copytree(FIXTURES / "report", "report", ignore=shutil.ignore_patterns("golden"))
    postmortem = Path("report/postmortems/2026-11-17-checkout-pool.md")
    text = postmortem.read_text(encoding="utf-8")
    title = "Checkout pool exhausted <script>document.title='PWNED'</script> during the sale"
    postmortem.write_text(
        text.replace(title, "Checkout \u202eloop\u2066 \u200bpool"), encoding="utf-8"
    )
    cli.json("ingest", "report/incidents.ndjson", "report/postmortems", "--as-of", AS_OF)
    cli.json("cluster", "--as-of", AS_OF)
    for output_format in ("text", "md", "html", "json"):
        result = cli("report", "--as-of", AS_OF, "--format", output_format, "--dry-run")
        assert result.exit_code == 0, result.stderr
        assert_safe(result.stdout)
        assert "\\u202eloop" in result.stdout
    result = cli("similar", "pool-2", "--top", "30")
    assert result.exit_code == 0
    assert_safe(result.stdout)
    assert "Checkout \\u202eloop\\u2066 \\u200bpool" in result.stdout


def test_a_reviewer_note_is_shown_escaped(cli: Cli, checkout: list[str]) -> None:
    rule = checkout[0]
    done = cli(
        "rules",
        "accept",
        rule,
        "--as-of",
        at("09:00"),
        "--by",
        "ana\x1b[2J",
        "--note",
        "ok\u202e \x1b]0;title\x07",
    )
    assert done.exit_code == 0, done.stderr
    assert_safe(done.stdout)
    shown = cli("rules", "show", rule)
    assert shown.exit_code == 0
    assert_safe(shown.stdout)
    assert "ana\\x1b[2J" in shown.stdout and "ok\\u202e" in shown.stdout
