"""What every command shares: options, settings, output, and the error boundary.

Commands stay thin: they parse options, build settings through
:func:`settings_for`, call one core function and hand its result to a renderer.
:class:`FailearnGroup` is the one place where errors become messages and exit
codes (see :mod:`failearn.errors`), so ``CliRunner`` tests see exactly what a
user sees.
"""

from __future__ import annotations

import inspect
import os
import re
import sys
import traceback
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer.core import TyperCommand, TyperGroup

from failearn.cli.overrides import apply_overrides
from failearn.config import Settings, check_ranges, load_settings
from failearn.errors import (
    DAMAGE_HINT,
    FailearnError,
    StoreError,
    UsageError,
    database_damage,
    exit_code_for,
)
from failearn.timeutil import parse_as_of

if TYPE_CHECKING:
    from rich.console import Console

SCHEMA_VERSION = 1


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


class ListFormat(StrEnum):
    text = "text"
    json = "json"
    tsv = "tsv"


class IngestFormat(StrEnum):
    text = "text"
    json = "json"
    github = "github"


DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar="FAILEARN_DB",
        metavar="PATH|URL",
        show_default=False,
        help="SQLite database file, or a postgresql:// URL (credentials from PGPASSWORD or "
        "~/.pgpass) [default: ./failearn.db, or `db` in failearn.toml].",
    ),
]
AsOfOption = Annotated[
    str | None,
    typer.Option(
        "--as-of",
        metavar="DATE",
        show_default=False,
        help="Reference date or date-time, UTC (2026-11-23 or 2026-11-23T09:00:00Z) "
        "[default: now]. A date means the start of that day.",
    ),
]
FormatOption = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="text|json",
        case_sensitive=False,
        help="text for people, json for scripts (one JSON document on stdout).",
    ),
]

ListFormatOption = Annotated[
    ListFormat,
    typer.Option(
        "--format",
        "-f",
        metavar="text|json|tsv",
        case_sensitive=False,
        help="text for people (tab-separated values when piped), json for scripts (one JSON "
        "document on stdout), tsv: one tab-separated line per row.",
    ),
]


def output_file_option(help: str, *, dash_is_stdout: bool = True) -> Any:
    """``--output FILE`` / ``-o FILE`` (a file, never a directory), with what it writes.

    ``-`` means standard output, as for most tools: with ``dash_is_stdout`` it is read
    as no file given (the command then writes to standard output); otherwise the command
    is handed ``-`` and says itself what it writes there (``failearn export``)."""
    return typer.Option(
        "--output",
        "-o",
        metavar="FILE",
        dir_okay=False,
        show_default=False,
        help=help,
        callback=_dash_as_stdout if dash_is_stdout else None,
    )


def _dash_as_stdout(value: Path | None) -> Path | None:
    return None if value is not None and str(value) == "-" else value


def _console(**options: Any) -> Console:
    """A rich console that shows every control, bidirectional and invisible character of
    what it prints as an escape (:func:`~failearn.visible.visible`): a file name or
    a note cannot steer the terminal or hide what it says."""
    from rich.console import Console
    from rich.segment import Segment

    from failearn.visible import visible

    class _Console(Console):
        def render_str(self, text: str, **kwargs: Any) -> Any:
            return super().render_str(visible(text), **kwargs)

        def _render_buffer(self, buffer: Any) -> str:
            # What reached the output other than through render_str (a Text built
            # elsewhere); rich's own cursor and colour codes are control segments.
            return super()._render_buffer(
                segment if segment.control else Segment(visible(segment.text), segment.style, None)
                for segment in buffer
            )

        def on_broken_pipe(self) -> None:
            # rich would exit 1, which reads as "found problems": let the boundary
            # give the documented code instead.
            raise BrokenPipeError

    return _Console(soft_wrap=True, highlight=False, emoji=False, **options)


def stdout() -> Console:
    """A rich console on stdout, for text output."""
    return _console()


def stderr() -> Console:
    """A rich console on stderr, for progress."""
    return _console(stderr=True)


def settings_for(ctx: typer.Context, db: str | None = None) -> Settings:
    """The settings of this invocation: ``--config`` or discovery, then ``--db`` and the
    options that override a configuration key (:mod:`failearn.cli.overrides`)."""
    obj = ctx.find_root().obj or {}
    settings = apply_overrides(ctx, load_settings(obj.get("config")).with_db(db))
    check_ranges(settings)
    return settings


def as_of(text: str | None, option: str = "--as-of") -> datetime:
    """``--as-of`` (or another date option, named ``option``) as an instant; a bad value is
    a usage error naming the option as the user typed it."""
    try:
        return parse_as_of(text)
    except ValueError as exc:
        message = str(exc)
        if message.startswith("--as-of "):
            message = option + message.removeprefix("--as-of")
        raise UsageError(message) from exc


def emit_json(document: dict[str, Any]) -> None:
    """Write one JSON document to stdout (and nothing else)."""
    from failearn.render.output import json_text

    sys.stdout.write(json_text(document))
    sys.stdout.flush()  # a closed pipe is reported here, inside the error boundary


def envelope(command: str, data: dict[str, Any]) -> dict[str, Any]:
    """The top of every JSON document: schema version and command, then the contract keys."""
    return {"schema_version": SCHEMA_VERSION, "command": command, **data}


def _commits() -> int:
    """Transactions committed so far (0 when the store was never imported)."""
    store = sys.modules.get("failearn.store")
    return int(getattr(store, "commits", 0))


def _is_cli_control(error: BaseException) -> bool:
    """Exit, Abort and usage errors of the CLI framework: they carry their own exit code."""
    return type(error).__module__.split(".")[0] in ("click", "typer")


# What the option parser's validation says, as a user would say it: no "Value error, "
# prefix, no validator's wording for a number that is not one.
_PARSER_WORDING = (
    (re.compile(r"^Value error, "), ""),
    (re.compile(r"^Input should be a valid integer.*$", re.DOTALL), "expected a whole number"),
    (re.compile(r"^Input should be a valid number.*$", re.DOTALL), "expected a number"),
    (re.compile(r"^Input should be a valid boolean.*$", re.DOTALL), "expected true or false"),
)


def plain_parser_message(message: str) -> str:
    """A message of the option parser in failearn's own words (the option it names stays
    as the user typed it)."""
    for pattern, replacement in _PARSER_WORDING:
        message = pattern.sub(replacement, message)
    return message


def keep_examples(help_text: str) -> str:
    """Help text whose indented blocks (examples, command lines) print as written: each is
    marked with the ``\\b`` the help formatter reads as "do not re-wrap this paragraph"."""
    paragraphs = inspect.cleandoc(help_text).split("\n\n")
    kept = [
        f"\b\n{p}"
        if not p.startswith("\b") and any(line.startswith("    ") for line in p.splitlines())
        else p
        for p in paragraphs
    ]
    return "\n\n".join(kept)


class FailearnCommand(TyperCommand):
    """A command whose help keeps its examples as written (see :func:`keep_examples`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.help:
            self.help = keep_examples(self.help)


def use_failearn_commands(app: typer.Typer) -> None:
    """Make every command of ``app`` and its sub-groups a :class:`FailearnCommand`."""
    for command in app.registered_commands:
        if command.cls in (None, TyperCommand):
            command.cls = FailearnCommand
    for group in app.registered_groups:
        if group.typer_instance is not None:
            use_failearn_commands(group.typer_instance)


ERROR_CODES = {
    "UsageError": "usage",
    "ConfigError": "config",
    "TaxonomyError": "taxonomy",
    "StoreError": "store",
    "NotFoundError": "not-found",
    "RefusedError": "refused",
}


def error_document(command: str, error: Exception) -> dict[str, Any]:
    """The JSON a command asked for with ``--format json`` prints when it fails: the
    message on stderr is for people, this is for the script that reads stdout."""
    if isinstance(error, FailearnError):
        code = next(
            (
                ERROR_CODES[cls.__name__]
                for cls in type(error).__mro__
                if cls.__name__ in ERROR_CODES
            ),
            "error",
        )
        message, hint = error.message, error.hint
    else:
        code, message = "internal", f"{type(error).__name__}: {error}"
        hint = "this is a bug in failearn; run again with --debug for the traceback"
    return envelope(
        command,
        {
            "status": "error",
            "error": {
                "code": code,
                "message": message,
                "hint": hint,
                "exit_code": exit_code_for(error),
                "problems": list(getattr(error, "problems", None) or []),
            },
        },
    )


def _json_command(group: Any, ctx: Any, args: list[str]) -> str | None:
    """The name of the command ``args`` invoke when it was asked for ``--format json``
    (its options parsed again, leniently: the command has failed already)."""
    names: list[str] = []
    try:
        while isinstance(group, TyperGroup) and args:
            name, command, args = group.resolve_command(ctx, args)
            if command is None or name is None:
                return None
            names.append(name)
            ctx = command.make_context(name, list(args), parent=ctx, resilient_parsing=True)
            if isinstance(command, TyperGroup):
                args = [*getattr(ctx, "_protected_args", ()), *ctx.args]
            group = command
    except Exception:  # an error while failing: no JSON rather than a second failure
        return None
    wanted = ctx.params.get("output_format") if names else None
    return " ".join(names) if str(wanted) == "json" else None


def _echo_error(error: FailearnError) -> None:
    from failearn.visible import visible

    message = f"error: {error.message}"
    if error.hint:
        message += f"\n  hint: {error.hint}"
    typer.echo(visible(message), err=True)
    for problem in getattr(error, "problems", None) or []:
        typer.echo(visible(f"  - {problem}"), err=True)


def _damaged(message: str, saved: bool) -> StoreError:
    """A damaged database met while a command ran, as the store error it is."""
    done = (
        "changes this command committed before are kept"
        if saved
        else "nothing of this command was written"
    )
    shown = message if len(message) <= 160 else message[:160] + "…"
    return StoreError(f"the database is damaged ({shown}); {done}", hint=DAMAGE_HINT)


def _refused(error: BaseException, saved: bool) -> StoreError | None:
    """A database server refusing the command, wherever it happened, as the store error
    it is (exit 2), saying whether anything of the command was kept."""
    from failearn.store import refusal

    found = refusal(error)
    if found is None:
        return None
    what, hint = found
    done = "changes it committed before are kept" if saved else "nothing of this command was saved"
    return StoreError(f"{what}; {done}", hint=hint)


class FailearnGroup(TyperGroup):
    """The error boundary: user mistakes become one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        commits_before = _commits()
        args = [*getattr(ctx, "_protected_args", ()), *ctx.args]
        try:
            return super().invoke(ctx)
        except FailearnError as error:
            command = _json_command(self, ctx, args)
            if command is not None:
                emit_json(error_document(command, error))
            _echo_error(error)
            raise typer.Exit(exit_code_for(error)) from None
        except BrokenPipeError as error:
            # The reader went away (| head): stop writing, say nothing, exit 141.
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(exit_code_for(error)) from None
        except KeyboardInterrupt as error:
            if _commits() > commits_before:
                typer.echo("interrupted after the command's changes were saved", err=True)
            else:
                typer.echo("interrupted; a write that had not finished was rolled back", err=True)
            raise typer.Exit(exit_code_for(error)) from None
        except Exception as error:
            if _is_cli_control(error):
                usage: Any = error
                if isinstance(getattr(usage, "message", None), str):
                    usage.message = plain_parser_message(usage.message)
                raise
            damage = database_damage(error)
            if damage is not None:
                error = _damaged(damage, _commits() > commits_before)
            refused = _refused(error, _commits() > commits_before)
            if refused is not None:
                error = refused
            command = _json_command(self, ctx, args)
            if command is not None:
                emit_json(error_document(command, error))
            if isinstance(error, FailearnError):
                _echo_error(error)
                raise typer.Exit(exit_code_for(error)) from None
            debug = bool((ctx.find_root().obj or {}).get("debug"))
            if debug:
                traceback.print_exc()
            from failearn.visible import visible

            typer.echo(
                visible(
                    f"internal error: {type(error).__name__}: {error}\n"
                    "  this is a bug in failearn; run again with --debug for the "
                    "traceback and report it"
                ),
                err=True,
            )
            raise typer.Exit(exit_code_for(error)) from None
