"""Renderings of an ingest result: text (rich), JSON, GitHub Actions annotations.

Each shows the first problems in full (``--max-errors``) and counts the rest by
code, so that a run over millions of broken records prints a page, not a flood.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from failearn.capture.problems import Tally
from failearn.commands.ingest import OUTCOMES, IngestResult
from failearn.record import Issue
from failearn.render.markup import md_code, md_text
from failearn.visible import visible


def ingest_document(result: IngestResult) -> dict[str, Any]:
    """The JSON document of ``failearn ingest --format json`` (contract keys first)."""
    return {
        **{outcome: result.counts.get(outcome, 0) for outcome in OUTCOMES},
        "errors": [issue.as_dict() for issue in result.errors.shown],
        "warnings": [issue.as_dict() for issue in result.warnings.shown],
        "notes": result.notes.shown,
        "problems": {
            "errors": _counts(result.errors),
            "warnings": _counts(result.warnings),
            "notes": {"total": result.notes.total, "shown": len(result.notes.shown)},
        },
        "files": result.files,
        "records": result.records,
        "incidents": {
            "created": result.incidents_created,
            "updated": result.incidents_updated,
            "total": result.incidents_total,
        },
        "dedup_window": result.dedup_window,
        "series": result.series.as_dict() if result.series else None,
        "inferred": [
            {"source": source, "line": line, **p.as_dict()} for source, line, p in result.inferred
        ],
        "class_model": None
        if result.class_model is None
        else {
            "route": result.class_model.route,
            "basis": result.class_model.basis,
            "build_seconds": round(result.class_model.build_seconds, 3),
            "records": result.class_model.records,
            "settled": result.class_model.settled,
            "predict_seconds": round(result.class_model.predict_seconds, 3),
            "fit": result.class_model.fit,
        },
        "dry_run": result.dry_run,
        "run_id": result.run_id,
        "db": result.db,
        "files_unchanged": result.files_unchanged,
        "moved": [{"from": old, "to": new, "matched_by": how} for old, new, how in result.moved],
        "withdrawn": result.withdrawn,
        "missing": result.missing,
        "known": [issue.as_dict() for issue in result.known.shown],
        "known_records": result.known_records,
        "baseline": result.baseline,
        "baseline_written": result.baseline_written,
    }


def series_line(result: IngestResult) -> str | None:
    """ "metric series: 2 file(s), 4 series, 40,320 points (40,320 new, …)"."""
    series = result.series
    if series is None:
        return None
    line = (
        f"metric series: {series.files} file(s), {series.series} series, "
        f"{series.points:,} points ({series.points_new:,} new, {series.points_changed:,} "
        f"changed, {series.points_unchanged:,} unchanged)"
    )
    if series.points_dropped:
        line += f", {series.points_dropped:,} NaN/Inf not stored"
    if series.rejected_series or series.rejected_files:
        line += f"; rejected: {series.rejected_series} series, {series.rejected_files} file(s)"
    return line


def _counts(tally: Tally[Issue]) -> dict[str, Any]:
    by_code = dict(sorted(tally.by_code.items(), key=lambda item: (-item[1], item[0])))
    return {"total": tally.total, "shown": len(tally.shown), "by_code": by_code}


def _omitted(tally: Tally[Any], what: str) -> str | None:
    """One line for the problems not shown in full, with their counts by code."""
    if not tally.omitted:
        return None
    codes = ", ".join(
        f"{code} {count:,}" for code, count in tally.omitted_by_code().items() if code != "skipped"
    )
    return (
        f"{tally.omitted:,} more {what} not shown{f' ({codes})' if codes else ''}; "
        "the inbox keeps every record with its errors; --max-errors N shows more"
    )


def file_notes(result: IngestResult) -> list[str]:
    """What the run did with files as files: moved, withdrawn, gone, not read again."""
    notes = [
        f"{new}: moved from {old} (same {how}); its report and incident are kept"
        for old, new, how in result.moved
    ]
    verb = "would be withdrawn" if result.dry_run else "withdrawn"
    notes += [
        f"{source}: the file no longer exists; its report is {verb} (kept in the "
        "inbox and history, out of every analysis)"
        for source in result.withdrawn
    ]
    if result.missing:
        shown = ", ".join(result.missing[:5]) + (" …" if len(result.missing) > 5 else "")
        notes.append(
            f"{len(result.missing)} stored source(s) no longer exist: {shown}; "
            "`failearn ingest --prune` withdraws their reports"
        )
    if result.baseline_written:
        notes.append(
            f"wrote {result.counts.get('rejected', 0)} rejected record(s) to the "
            f"baseline {result.baseline}: they no longer fail a run until they change"
        )
    elif result.known_records:
        notes.append(
            f"{result.known_records} rejected record(s) are known problems listed in "
            f"{result.baseline}: they do not fail the run (fix them when you can)"
        )
    if result.files_unchanged:
        notes.append(
            f"{result.files_unchanged} unchanged file(s) not read again (size and "
            "time, or content, as when stored)"
        )
    return notes


def _escape_data(text: str) -> str:
    return visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _annotation(issue: Issue) -> str:
    kind = {"error": "error", "note": "notice"}.get(issue.level, "warning")
    props = [f"file={_escape_property(issue.source)}"]
    if issue.line:
        props.append(f"line={issue.line}")
    props.append(f"title={_escape_property('failearn ' + issue.code)}")
    message = issue.message
    if issue.field:
        message = f"{issue.field}: {message}"
    if issue.hint:
        message += f" ({issue.hint})"
    return f"::{kind} {','.join(props)}::{_escape_data(message)}"


def github_lines(result: IngestResult) -> list[str]:
    """GitHub Actions workflow commands: one annotation per problem, then a notice."""
    lines = [_annotation(issue) for issue in result.errors.shown]
    lines.extend(_annotation(issue) for issue in result.warnings.shown)
    for tally, kind, what in (
        (result.errors, "error", "errors"),
        (result.warnings, "warning", "warnings"),
    ):
        rest = _omitted(tally, what)
        if rest is not None:
            lines.append(f"::{kind} title=failearn ingest::{_escape_data(rest)}")
    summary = ", ".join(
        f"{result.counts.get(o, 0)} {o}"
        for o in OUTCOMES
        if result.counts.get(o, 0) or o in ("accepted", "rejected")
    )
    if series_line(result):
        summary += f"; {series_line(result)}"
    lines.extend(
        f"::notice title=failearn ingest::{_escape_data(note)}" for note in file_notes(result)
    )
    lines.append(f"::notice title=failearn ingest::{_escape_data(summary)}")
    return lines


SUMMARY_ERRORS = 50


def summary_markdown(result: IngestResult) -> str:
    """The job summary of a GitHub Actions run (``$GITHUB_STEP_SUMMARY``): the outcome
    counts, then the problems that fail the run (the first :data:`SUMMARY_ERRORS`)."""

    failed = result.failed
    lines = [
        f"### failearn ingest: {'failed' if failed else 'passed'}",
        "",
        "| outcome | records |",
        "| --- | ---: |",
    ]
    lines += [f"| {outcome} | {result.counts.get(outcome, 0)} |" for outcome in OUTCOMES]
    lines.append("")
    errors = result.errors
    if errors.total:
        lines += [
            f"{errors.total} problem(s) reject new or changed records:",
            "",
            "| file | line | code | field | problem |",
            "| --- | ---: | --- | --- | --- |",
        ]
        for issue in errors.shown[:SUMMARY_ERRORS]:
            lines.append(
                f"| {md_code(issue.source)} | {issue.line or ''} | {issue.code} | "
                f"{issue.field or ''} | {md_text(issue.message)} |"
            )
        rest = errors.total - min(len(errors.shown), SUMMARY_ERRORS)
        if rest:
            lines.append(f"\n… and {rest} more (the inbox keeps every record with its errors).")
        lines.append("")
    lines += [f"- {md_text(note)}" for note in file_notes(result)]
    lines.append(
        f"\n{result.files} file(s), {result.records} record(s); incidents: "
        f"{result.incidents_created} new, {result.incidents_total} in total"
        + (" (dry run: nothing written)" if result.dry_run else "")
        + "."
    )
    return "\n".join(lines) + "\n"


def _location(issue: Issue) -> str:
    return f"{issue.source}:{issue.line}" if issue.line else issue.source


def _print_issue(issue: Issue, console: Console) -> None:
    colour = {"error": "red", "note": "cyan"}.get(issue.level, "yellow")
    field = f" [{issue.field}]" if issue.field else ""
    console.print(
        f"[{colour}]{escape(_location(issue))}: {issue.level} {issue.code}"
        f"{escape(field)}:[/] {escape(issue.message)}"
    )
    if issue.hint and issue.level == "error":
        console.print(f"    hint: {issue.hint}", style="dim", markup=False)


# Inferred fields listed one per line in text output; the JSON lists them all.
INFERRED_SHOWN = 20


def _print_inferred(result: IngestResult, console: Console) -> None:
    """The fields failearn inferred, one line each, and the class model it used."""
    for source, line, provenance in result.inferred[:INFERRED_SHOWN]:
        where = f"{source}:{line}" if line else source
        console.print(
            f"{where}: inferred {provenance.field} {provenance.describe()}",
            style="cyan",
            markup=False,
        )
    hidden = len(result.inferred) - INFERRED_SHOWN
    if hidden > 0:
        console.print(
            f"… and {hidden} more inferred field(s) (--format json lists them all)",
            style="cyan",
            markup=False,
        )
    model = result.class_model
    if model is not None:
        console.print(
            f"class model: {model.route}, {model.basis}; built in "
            f"{model.build_seconds:.2f}s, read {model.settled} record(s) in "
            f"{model.predict_seconds:.2f}s and classified {model.records}",
            style="dim",
            markup=False,
        )
        if model.fit:
            console.print(f"  {model.fit}", style="dim", markup=False)


def render_text(result: IngestResult, console: Console) -> None:
    """A summary table and every problem, located, for a person at a terminal."""
    for tally, what in ((result.errors, "errors"), (result.warnings, "warnings")):
        for issue in tally.shown:
            _print_issue(issue, console)
        rest = _omitted(tally, what)
        if rest is not None:
            console.print(rest, style="red" if what == "errors" else "yellow", markup=False)
    for note in [*result.notes.shown, *file_notes(result)]:
        console.print(note, style="dim", markup=False)
    rest = _omitted(result.notes, "notes")
    if rest is not None:
        console.print(rest, style="dim", markup=False)
    _print_inferred(result, console)
    table = Table(
        title="failearn ingest" + (" (dry run: nothing written)" if result.dry_run else ""),
        title_justify="left",
    )
    table.add_column("outcome")
    table.add_column("records", justify="right")
    for outcome in OUTCOMES:
        count = result.counts.get(outcome, 0)
        style = "red" if outcome == "rejected" and count else None
        table.add_row(outcome, str(count), style=style)
    console.print(table)
    console.print(
        f"{result.files} file(s), {result.records} record(s) in {result.seconds:.2f}s; "
        f"incidents: {result.incidents_created} new, {result.incidents_updated} "
        f"updated, {result.incidents_total} in {result.db} "
        f"(dedup window {result.dedup_window})"
    )
    if series_line(result):
        console.print(series_line(result), markup=False, highlight=False)
