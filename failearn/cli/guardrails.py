"""The guardrail options of ``failearn report``, ``rules`` and ``drill``: each overrides one
``[rules]`` key of failearn.toml for one invocation (see :mod:`failearn.cli.overrides`)."""

from __future__ import annotations

from typing import Annotated

from failearn.cli.overrides import config_option

MinSupportOption = Annotated[
    int | None,
    config_option(
        "rules.min_support",
        "--min-support",
        metavar="N",
        help="Incidents a rule needs before it is suggested.",
    ),
]
MinConfidenceOption = Annotated[
    float | None,
    config_option(
        "rules.min_confidence",
        "--min-confidence",
        metavar="X",
        help="Suggest no rule with a lower confidence.",
    ),
]
CooldownOption = Annotated[
    str | None,
    config_option(
        "rules.cooldown",
        "--cooldown",
        metavar="DURATION",
        help="Time between adaptations on one service.",
    ),
]
MaxActiveOption = Annotated[
    int | None,
    config_option(
        "rules.max_active_rules",
        "--max-active-rules",
        metavar="N",
        help="Above this many active rules on a service its circuit breaker opens.",
    ),
]
TtlOption = Annotated[
    str | None,
    config_option(
        "rules.ttl",
        "--ttl",
        metavar="DURATION",
        help="A rule with no matching incident for this long is archived.",
    ),
]
OverrideWarningOption = Annotated[
    float | None,
    config_option(
        "rules.override_warning",
        "--override-warning",
        metavar="SHARE",
        help="Warn when more than this share of reviewed suggestions was rejected.",
    ),
]
BudgetOption = Annotated[
    int | None,
    config_option(
        "rules.budget",
        "--budget",
        metavar="N",
        help="At most this many suggestions.",
    ),
]
