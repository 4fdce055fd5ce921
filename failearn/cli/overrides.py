"""Options that set one configuration key for one invocation, with their defaults read off
the configuration's dataclasses.

An option declared with :func:`config_option` names the key it overrides
(``"cluster.lookback"``): its ``--help`` ends in ``[default: [cluster] lookback, 90d]``,
the value read from :class:`~failearn.config.ClusterConfig`, and when the user gives it,
:func:`apply_overrides` (called by ``settings_for``) writes it over what the configuration
file says.  An option the user did not give changes nothing, so the precedence is always
command line, then configuration file, then the dataclass default, and a default is
written in one place only.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, fields, replace
from datetime import timedelta
from typing import Any

import typer

from failearn.config import Settings, section_types
from failearn.errors import UsageError
from failearn.timeutil import format_duration, parse_duration

_META = "failearn.overrides"
# Where a value the user gave comes from (typer carries its own copy of click's enum).
_GIVEN = {"COMMANDLINE", "ENVIRONMENT"}

Parse = Callable[[Any], Any]


def key_default(key: str) -> Any:
    """The default of configuration key ``key`` (``"section.name"``), as its dataclass
    declares it."""
    section, name = _split(key)
    for item in fields(section_types()[section]):
        if item.name == name:
            if item.default is not MISSING:
                return item.default
            if item.default_factory is not MISSING:
                return item.default_factory()
    raise KeyError(key)  # pragma: no cover - a typo in a declaration, caught by the help tests


def shown(value: Any) -> str:
    """A configuration value as ``--help`` shows it: a duration as typed (``90d``), a
    switch as yes or no, a list or table as its items."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, tuple | list):
        return ", ".join(shown(item) for item in value)
    if isinstance(value, Mapping):
        return ", ".join(f"{name}={shown(item)}" for name, item in value.items())
    return str(value)


def default_help(key: str, *, otherwise: str | None = None) -> str:
    """``[default: [section] name, VALUE]`` for key ``key``; ``otherwise`` says what applies
    when the key's default is None (another key, or how the value is chosen)."""
    section, name = _split(key)
    value = key_default(key)
    where = f"[{section}] {name}"
    if value is not None:
        return f"[default: {where}, {shown(value)}]"
    return f"[default: {where}, else {otherwise}]" if otherwise else f"[default: {where}]"


def config_option(
    key: str,
    *flags: str,
    help: str,
    metavar: str | None = None,
    parse: Parse | None = None,
    **options: Any,
) -> Any:
    """A typer option that overrides configuration key ``key`` when given.

    ``parse`` turns what the user typed into the key's value (a duration is parsed
    without it); its errors are usage errors naming the option as typed.  The parameter
    must default to None: the value reaches the settings, not the command's body.
    """
    section, name = _split(key)
    key_default(key)  # an unknown key fails at import, not when the option is used

    def record(ctx: typer.Context, param: typer.CallbackParam, value: Any) -> Any:
        source = ctx.get_parameter_source(param.name) if param.name else None
        if source is not None and source.name in _GIVEN:
            flag = max(param.opts, key=len)
            ctx.meta.setdefault(_META, []).append((section, name, flag, value, parse))
        return value

    return typer.Option(
        *flags,
        metavar=metavar,
        show_default=False,
        help=f"{help.removesuffix('.')} {default_help(key)}.",
        callback=record,
        **options,
    )


def apply_overrides(ctx: typer.Context, settings: Settings) -> Settings:
    """``settings`` with each configuration key the command line gave replaced by it."""
    changes: dict[str, dict[str, Any]] = {}
    for section, name, flag, value, parse in ctx.meta.get(_META, []):
        converted = _converted(section, name, flag, value, parse)
        if converted is not None:
            changes.setdefault(section, {})[name] = converted
    for section, values in changes.items():
        settings = replace(settings, **{section: replace(getattr(settings, section), **values)})
    return settings


def duration(option: str, text: str | None) -> timedelta | None:
    """A duration option (``--lookback 90d``) as a timedelta; None when not given (or
    blank)."""
    if text is None or not text.strip():
        return None
    try:
        return parse_duration(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from exc


def _converted(section: str, name: str, flag: str, value: Any, parse: Parse | None) -> Any:
    if parse is not None:
        return parse(value)
    if isinstance(key_default(f"{section}.{name}"), timedelta):
        return duration(flag, value)
    return value


def _split(key: str) -> tuple[str, str]:
    section, _, name = key.partition(".")
    return section, name
