"""The error hierarchy of failearn and the one place that maps errors to exit codes.

Core modules raise these; the CLI's entry point catches them and turns them into
a one-line message and an exit code.  Anything else that escapes is a bug, and is
reported as such (exit 3) with the traceback shown only under ``--debug``.

Exit codes (listed in the reference of the docs, generated from here):

* 0 - success;
* 1 - the command worked and found what the user asked it to fail on
  (rejected records in ``ingest``, drift under ``audit --fail-on-drift``);
* 2 - usage error or unreadable input (bad option, missing file, bad config,
  bad taxonomy, a database failearn cannot open, or one found damaged);
* 3 - an internal error (a bug: please report it);
* 130 - interrupted (Ctrl-C); the store is left as it was;
* 141 - the output was closed before it was all written (``| head``, a pager
  quit early): the command's work was done, only its output was cut.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE, as other command-line tools exit


class FailearnError(Exception):
    """Base class of every error failearn reports to the user."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if self.hint is None else f"{self.message} ({self.hint})"


class UsageError(FailearnError):
    """A bad option value or combination, or an input path that does not exist."""


class ConfigError(FailearnError):
    """The configuration file is unreadable, malformed, or names an unknown key."""


class TaxonomyError(FailearnError):
    """The taxonomy file is unreadable or inconsistent."""

    def __init__(
        self, message: str, *, problems: list[str] | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


class StoreError(FailearnError):
    """The database cannot be opened, is locked for too long, or is too new."""


class NotFoundError(FailearnError):
    """A named object (incident, rule, run) does not exist in the store."""


class RefusedError(FailearnError):
    """A guarded action was refused (e.g. a cooldown); ``--force`` overrides it."""

    exit_code = EXIT_FINDINGS


# SQLite's words for a database file that is damaged or no database at all: the file's
# fault, not failearn's (exit 2 with a hint, never "this is a bug").
_DAMAGE = (
    "malformed",
    "not a database",
    "Could not decode to UTF-8",
    "disk I/O error",
    "database corrupt",
)


DAMAGE_HINT = (
    "restore it from a backup, or recover what it holds with "
    "`sqlite3 FILE .recover` and point --db at the result"
)


def database_damage(error: BaseException) -> str | None:
    """SQLite's message when ``error`` says the database file is damaged, else None."""
    if type(error).__module__ != "sqlite3":
        return None
    text = str(error)
    if type(error).__name__ == "DatabaseError" or any(word in text for word in _DAMAGE):
        return text
    return None


def exit_code_for(error: BaseException) -> int:
    """Map any exception to the process exit code."""
    if isinstance(error, FailearnError):
        return error.exit_code
    if database_damage(error) is not None:
        return EXIT_USAGE
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    if isinstance(error, BrokenPipeError):
        return EXIT_BROKEN_PIPE
    return EXIT_INTERNAL
