"""The HTML report: standalone, every piece of post-mortem text escaped, opened in a real
headless browser (Chromium from the system packages; skipped only where none can be had,
and failing instead in CI, where ``FAILEARN_REQUIRE_SERVERS=1``)."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import pytest

from failearn.render.charts import class_mix_chart, pattern_chart
from failearn.render.markup import md_text, url
from tests.helpers.cli import Cli
from tests.helpers.reports import AS_OF, build_store
from tests.helpers.servers import missing

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-extensions",
    "--hide-scrollbars",
)


def html_report(cli: Cli, tmp_path: Path) -> Path:
    build_store(cli)
    target = tmp_path / "report.html"
    result = cli("report", "--as-of", AS_OF, "--output", str(target))
    assert result.exit_code == 0, result.stderr
    return target


def test_post_mortem_text_is_escaped_and_nothing_is_fetched(cli: Cli, tmp_path: Path) -> None:
    html = html_report(cli, tmp_path).read_text(encoding="utf-8")
    assert (
        "Checkout pool exhausted &lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"
        in html
    )
    assert "<script" not in html.lower()
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in html
    assert "default-src 'none'" in html
    assert html.count('<svg id="class-mix"') == 1 and html.count('<svg id="pattern-sizes"') == 1


def test_markdown_escapes_what_would_format_or_open_html() -> None:
    assert md_text("a <b>|*c*</b> `x<y>`\nnext") == r"a \<b\>\|\*c\*\</b\> `x<y>` next"
    assert url("dir/my file (1).md#L3") == "dir/my%20file%20%281%29.md#L3"


def test_chart_geometry_is_deterministic_and_keeps_what_moved() -> None:
    numbers = {
        "weeks": ["2026-W46", "2026-W47"],
        "by_class": [
            {"failure_class": f"class-{n}", "weeks": [10 - n, 10 - n], "change": 0.0}
            for n in range(10)
        ]
        + [{"failure_class": "drifted", "weeks": [0, 5], "change": 5.0}],
    }
    chart = class_mix_chart(numbers)
    names = [item["name"] for item in chart["legend"]]
    assert "drifted" in names and names[-1] == "other" and len(names) == 9
    assert chart == class_mix_chart(numbers)
    bars = pattern_chart(
        [{"pattern_id": "P0001", "label": "x" * 60, "size": 10, "status": "growing"}]
    )["bars"]
    assert bars[0]["label"].endswith("…") and bars[0]["colour"] == "#e15759"


def _browser() -> str | None:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(browser: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "HOME": str(tmp_path)}
    return subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )


def _png_pixels(path: Path) -> tuple[int, int, bytes]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat, position = b"", 8
    while position < len(data):
        length = struct.unpack(">I", data[position : position + 4])[0]
        kind = data[position + 4 : position + 8]
        if kind == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    return width, height, zlib.decompress(idat)


@pytest.mark.browser
@pytest.mark.slow
def test_the_page_renders_in_a_browser_and_no_incident_script_runs(
    cli: Cli, tmp_path: Path
) -> None:
    browser = _browser()
    if browser is None:
        missing("no Chromium or Chrome on PATH (install the `chromium` package; .ci/run does)")
    page = html_report(cli, tmp_path).resolve().as_uri()
    dom = _run(browser, tmp_path, "--dump-dom", page)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = dom.stdout
    assert "<title>failearn weekly report — 2026-W47</title>" in text
    assert "PWNED</title>" not in text and "data-pwned" not in text
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt;" in text
    assert "<script" not in text.lower()
    assert 'id="class-mix"' in text and "<rect" in text
    shot = tmp_path / "report.png"
    result = _run(browser, tmp_path, f"--screenshot={shot}", "--window-size=1024,1400", page)
    assert result.returncode == 0 and shot.exists(), result.stderr[-2000:]
    width, height, pixels = _png_pixels(shot)
    assert (width, height) == (1024, 1400)
    # A rendered page, not a blank one: many distinct byte values in the image data.
    assert len(set(pixels)) > 50


def test_the_drift_section_from_a_stored_audit() -> None:
    from types import SimpleNamespace

    from failearn.commands.stages import drift_section

    summary = SimpleNamespace(
        audit_id=1,
        as_of="2026-11-23T00:00:00Z",
        verdict="drift",
        reasons=("the class mix shifted: p = 0.0001 < 0.01",),
        drift=True,
        recent_start="2026-11-16T00:00:00Z",
        recent_incidents=34,
        baseline_start="2026-10-19T00:00:00Z",
        baseline_incidents=154,
        shifts=("`timeout` fell from 20 % to 0 % while `resource-exhaustion` rose",),
    )
    document = {
        "classes": [
            {"failure_class": "timeout", "recent_share": 0.0, "baseline_share": 0.2, "delta": -0.2},
            {
                "failure_class": "resource-exhaustion",
                "recent_share": 0.21,
                "baseline_share": 0.0,
                "delta": 0.21,
            },
            {
                "failure_class": "dns-failure",
                "recent_share": 0.01,
                "baseline_share": 0.01,
                "delta": 0.0,
            },
        ]
    }
    section = drift_section(summary, document, top=2)
    assert section["verdict"] == "Drift: the class mix shifted: p = 0.0001 < 0.01"
    assert [c["failure_class"] for c in section["classes"]] == ["resource-exhaustion", "timeout"]
    assert section["drift"] is True and section["recent"]["incidents"] == 34


def test_every_format_shows_the_drift_verdict(cli: Cli) -> None:
    from dataclasses import replace

    from failearn.commands.report import ReportOptions, build_report
    from failearn.config import Settings
    from failearn.render.report import render
    from failearn.taxonomy.file import load_taxonomy
    from failearn.timeutil import parse_as_of

    build_store(cli)
    result = build_report(
        Settings(), load_taxonomy(), ReportOptions(parse_as_of(AS_OF), dry_run=True)
    )
    assert "No audit has run" in render(result, "md")
    drift = {
        "as_of": "2026-11-23T00:00:00Z",
        "verdict": "Drift: the class mix shifted",
        "shifts": ["`timeout` fell <b>"],
        "classes": [
            {
                "failure_class": "resource-exhaustion",
                "recent_share": 0.21,
                "baseline_share": 0.0,
                "delta": 0.21,
            }
        ],
    }
    shown = replace(result, drift=drift)
    markdown = render(shown, "md")
    assert "Drift: the class mix shifted (audit as of 2026-11-23T00:00:00Z)." in markdown
    assert "| resource-exhaustion | 21.0 % | 0.0 % | +21 pp |" in markdown
    assert "- `timeout` fell \\<b\\>" in markdown
    assert "<li><code>timeout</code> fell &lt;b&gt;</li>" in render(shown, "html")
    assert "! timeout fell <b>" in render(shown, "text")
