"""The guardrail options of ``failearn report``, ``rules`` and ``drill``: each overrides one
``[rules]`` key of failearn.toml for one invocation."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

import typer

from failearn.cli.common import duration
from failearn.config import Settings

MinSupportOption = Annotated[
    int | None,
    typer.Option(
        "--min-support",
        metavar="N",
        show_default=False,
        help="Incidents a rule needs before it is suggested [default: [rules] min_support, 3].",
    ),
]
MinConfidenceOption = Annotated[
    float | None,
    typer.Option(
        "--min-confidence",
        metavar="X",
        show_default=False,
        help="Suggest no rule with a lower confidence [default: [rules] min_confidence, 0.1].",
    ),
]
CooldownOption = Annotated[
    str | None,
    typer.Option(
        "--cooldown",
        metavar="DURATION",
        show_default=False,
        help="Time between adaptations on one service [default: [rules] cooldown, 30m].",
    ),
]
MaxActiveOption = Annotated[
    int | None,
    typer.Option(
        "--max-active-rules",
        metavar="N",
        show_default=False,
        help="Above this many active rules on a service its circuit breaker opens "
        "[default: [rules] max_active_rules, 10].",
    ),
]
TtlOption = Annotated[
    str | None,
    typer.Option(
        "--ttl",
        metavar="DURATION",
        show_default=False,
        help="A rule with no matching incident for this long is archived "
        "[default: [rules] ttl, 30d].",
    ),
]
OverrideWarningOption = Annotated[
    float | None,
    typer.Option(
        "--override-warning",
        metavar="SHARE",
        show_default=False,
        help="Warn when more than this share of reviewed suggestions was rejected "
        "[default: [rules] override_warning, 0.30].",
    ),
]
BudgetOption = Annotated[
    int | None,
    typer.Option(
        "--budget",
        metavar="N",
        show_default=False,
        help="At most this many suggestions [default: [rules] budget, 3].",
    ),
]


def with_rules(
    settings: Settings,
    *,
    budget: int | None = None,
    min_support: int | None = None,
    min_confidence: float | None = None,
    cooldown: str | None = None,
    max_active_rules: int | None = None,
    ttl: str | None = None,
    override_warning: float | None = None,
) -> Settings:
    """The settings with the guardrail options given on the command line."""
    values: dict[str, Any] = {
        "budget": budget,
        "min_support": min_support,
        "min_confidence": min_confidence,
        "cooldown": duration("--cooldown", cooldown),
        "max_active_rules": max_active_rules,
        "ttl": duration("--ttl", ttl),
        "override_warning": override_warning,
    }
    changes = {key: value for key, value in values.items() if value is not None}
    if not changes:
        return settings
    return replace(settings, rules=replace(settings.rules, **changes))
