"""``failearn rules``: review the learning registry — list, show, accept, reject, apply, revert,
give negative feedback, export."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from failearn.cli.common import (
    AsOfOption,
    DbOption,
    FormatOption,
    ListFormat,
    ListFormatOption,
    OutputFormat,
    as_of,
    emit_json,
    envelope,
    output_file_option,
    settings_for,
    stderr,
    stdout,
)
from failearn.cli.guardrails import CooldownOption, MaxActiveOption, TtlOption
from failearn.errors import UsageError
from failearn.suggest.lifecycle import STATUSES

rules_app = typer.Typer(
    help="Review the learning registry: list, show, accept, reject, apply, revert, feedback, "
    "export.  Every change is an event with who, when and why.",
    no_args_is_help=True,
)

RuleArgument = Annotated[
    str,
    typer.Argument(
        metavar="RULE", help="A rule id (R-…), as the report prints it; a unique prefix will do."
    ),
]
ByOption = Annotated[
    str | None,
    typer.Option(
        "--by",
        metavar="NAME",
        show_default=False,
        help="Who acts [default: git config user.name, else the OS user].",
    ),
]
NoteOption = Annotated[
    str | None,
    typer.Option(
        "--note", "-m", metavar="TEXT", show_default=False, help="Why (kept in the event log)."
    ),
]


def _actor(by: str | None) -> str:
    from failearn.commands.rules import default_actor

    return by if by is not None else default_actor()


def _act(
    ctx: typer.Context,
    rule: str,
    event: str,
    db: str | None,
    by: str | None,
    note: str | None,
    as_of_text: str | None,
    output_format: OutputFormat,
    force: bool = False,
    incident: str | None = None,
) -> None:
    from failearn.commands.rules import record_action
    from failearn.render.rules import action_document, render_action

    settings = settings_for(ctx, db)
    result = record_action(
        settings,
        rule,
        event,
        actor=_actor(by),
        note=note,
        as_of=as_of(as_of_text),
        force=force,
        incident_id=incident,
    )
    if output_format is OutputFormat.json:
        emit_json(envelope(f"rules {_VERBS[event]}", action_document(result)))
    else:
        render_action(result, stdout())


_VERBS = {
    "accepted": "accept",
    "rejected": "reject",
    "applied": "apply",
    "reverted": "revert",
    "negative-feedback": "feedback",
}


@rules_app.command("list")
def list_command(
    ctx: typer.Context,
    db: DbOption = None,
    status: Annotated[
        list[str] | None,
        typer.Option(
            "--status",
            metavar="STATUS",
            show_default=False,
            help=f"Only rules in this status (repeatable): {', '.join(STATUSES)}.",
        ),
    ] = None,
    service: Annotated[
        str | None,
        typer.Option(
            "--service", metavar="NAME", show_default=False, help="Only rules of this service."
        ),
    ] = None,
    show_all: Annotated[
        bool, typer.Option("--all", help="Archived and rejected rules too.")
    ] = False,
    as_of_text: AsOfOption = None,
    ttl: TtlOption = None,
    output_format: ListFormatOption = ListFormat.text,
) -> None:
    """List the rules of the registry, by service, most confident first.

    Piped, or with --format tsv, one tab-separated line per rule: id, status,
    service, adaptation, confidence, support, times applied, last match.

    Example:

        failearn rules list --service checkout --status accepted --status applied
    """
    from failearn.commands.rules import list_rules
    from failearn.render.rules import list_document, render_list

    for value in status or []:
        if value not in STATUSES:
            raise UsageError(f"--status {value!r} is not one of {', '.join(STATUSES)}")
    settings = settings_for(ctx, db)
    result = list_rules(
        settings, as_of(as_of_text), statuses=status or [], service=service, include_all=show_all
    )
    if output_format is ListFormat.json:
        emit_json(envelope("rules list", list_document(result)))
    else:
        render_list(result, stdout(), tsv=output_format is ListFormat.tsv)


@rules_app.command("show")
def show_command(
    ctx: typer.Context,
    rule: RuleArgument,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    ttl: TtlOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Show one rule: its evidence, confidence and every event (who, when, why).

    Example:

        failearn rules show R-3f9a2c1b04
    """
    from failearn.commands.rules import rule_detail
    from failearn.render.rules import detail_document, render_detail

    settings = settings_for(ctx, db)
    result = rule_detail(settings, rule, as_of(as_of_text))
    if output_format is OutputFormat.json:
        emit_json(envelope("rules show", detail_document(result)))
    else:
        render_detail(result, stdout())


@rules_app.command("accept")
def accept_command(
    ctx: typer.Context,
    rule: RuleArgument,
    by: ByOption = None,
    note: NoteOption = None,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    max_active_rules: MaxActiveOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Accept a suggested rule: it becomes active and counts towards its service's breaker.

    Example:

        failearn rules accept R-3f9a2c1b04 --note "agreed in the weekly review"
    """
    _act(ctx, rule, "accepted", db, by, note, as_of_text, output_format)


@rules_app.command("reject")
def reject_command(
    ctx: typer.Context,
    rule: RuleArgument,
    by: ByOption = None,
    note: NoteOption = None,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Reject a rule: it is not suggested again, and counts towards the override rate.

    Example:

        failearn rules reject R-3f9a2c1b04 --note "pool already at its DB limit"
    """
    _act(ctx, rule, "rejected", db, by, note, as_of_text, output_format)


@rules_app.command("apply")
def apply_command(
    ctx: typer.Context,
    rule: RuleArgument,
    by: ByOption = None,
    note: NoteOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Record it despite the cooldown or an open circuit breaker."),
    ] = False,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    cooldown: CooldownOption = None,
    max_active_rules: MaxActiveOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Record that an accepted rule was applied in production (failearn applies nothing).

    Refused (exit 1) while the service is in cooldown — another rule of it was
    applied or reverted less than --cooldown ([rules] cooldown) ago — or while its
    circuit breaker is open; --force records it anyway, and says so in the log.
    Example:

        failearn rules apply R-3f9a2c1b04 --note "deployed in change 4411"
    """
    _act(ctx, rule, "applied", db, by, note, as_of_text, output_format, force=force)


@rules_app.command("revert")
def revert_command(
    ctx: typer.Context,
    rule: RuleArgument,
    by: ByOption = None,
    note: NoteOption = None,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    cooldown: CooldownOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Record that an applied rule was reverted; within its cooldown it is flagged for review.

    Example:

        failearn rules revert R-3f9a2c1b04 --note "doubled DB connections"
    """
    _act(ctx, rule, "reverted", db, by, note, as_of_text, output_format)


@rules_app.command("feedback")
def feedback_command(
    ctx: typer.Context,
    rule: RuleArgument,
    by: ByOption = None,
    note: NoteOption = None,
    incident: Annotated[
        str | None,
        typer.Option(
            "--incident",
            metavar="ID",
            show_default=False,
            help="The incident the rule caused (each incident counts once).",
        ),
    ] = None,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    output_format: FormatOption = OutputFormat.text,
) -> None:
    """Negative feedback: the rule made things worse; its confidence drops.

    A post-mortem can say the same with `caused_by_rule: R-…` in its front
    matter; the next report records it.
    Example:

        failearn rules feedback R-3f9a2c1b04 --incident INC-4410 --note "scaled into the DB"
    """
    _act(ctx, rule, "negative-feedback", db, by, note, as_of_text, output_format, incident=incident)


@rules_app.command("export")
def export_command(
    ctx: typer.Context,
    db: DbOption = None,
    as_of_text: AsOfOption = None,
    output: Annotated[
        Path | None,
        output_file_option("Write to FILE instead of standard output (- for stdout)."),
    ] = None,
    ttl: TtlOption = None,
    max_active_rules: MaxActiveOption = None,
    output_format: ListFormatOption = ListFormat.json,
) -> None:
    """Export the active rules (accepted and applied) for a runtime rule engine.

    Each rule carries its trigger (metric, direction, threshold, window) and
    whether automatic adaptation is allowed on its service (not while the
    service's circuit breaker is open); the guardrails come along.  --format
    tsv gives one tab-separated line per rule (id, service, status,
    adaptation, automatic, trigger), to standard output or --output (where
    --format text writes the same lines).
    Example:

        failearn rules export --format json -o rules.json
    """
    from failearn.commands.rules import export_rules
    from failearn.render.output import check_output, json_text, tsv_text, write_output
    from failearn.render.rules import export_table, render_export

    settings = settings_for(ctx, db)
    if output is not None:
        check_output(output, settings.db)
    document = export_rules(settings, as_of(as_of_text))
    tsv = output_format is ListFormat.tsv
    if output_format is not ListFormat.json and output is None:
        render_export(document, stdout(), tsv=tsv)
        return
    full = envelope("rules export", document)
    if output is None:
        emit_json(full)
        return
    # In a file, text is what a pipe gets: one tab-separated line per rule.
    written = (
        json_text(full) if output_format is ListFormat.json else tsv_text(export_table(document))
    )
    write_output(written, output)
    stderr().print(f"wrote {output} ({len(document['rules'])} active rules)", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(rules_app, name="rules")
