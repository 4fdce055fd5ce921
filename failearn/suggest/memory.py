"""What the registry remembers of a pattern: the evidence a rejection was made on, whether it
has changed since, and the earlier decisions a new suggestion is shown beside.

A rejection records the rule's evidence as it stood (:func:`snapshot`).  The rule,
and the same adaptation for the same pattern on any other service, is not
suggested again until :func:`evidence_change` finds new evidence:

* the pattern went on failing: it has at least ``reopen_growth`` (by default
  half) again as many incidents on the rule's service as when it was rejected,
  and at least ``min_support`` more;
* the trigger watches another signal: another metric, feature, window or
  direction, or a trigger where there was none (metric series arrived);
* the evidence names another dependency.

A new threshold on the same signal, a new confidence or a new label is not new
evidence: people rejected the idea, not the number.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from failearn.config import RulesConfig

# The events shown beside a new suggestion for the same pattern.
REMEMBERED = ("rejected", "reverted", "negative-feedback", "reopened")


def signal_identity(trigger: Mapping[str, Any] | None) -> tuple[str, str, int | None, str] | None:
    """What a trigger watches, without its threshold."""
    if not trigger:
        return None
    window = trigger.get("window_seconds")
    return (
        str(trigger.get("metric")),
        str(trigger.get("feature") or "level"),
        None if window is None else int(window),
        str(trigger.get("direction")),
    )


def snapshot(
    support: int, trigger: Mapping[str, Any] | None, dependency: str | None
) -> dict[str, Any]:
    """The evidence a decision was made on, as the rejection event keeps it."""
    identity = signal_identity(trigger)
    return {
        "support": support,
        "signal": list(identity) if identity else None,
        "dependency": dependency,
    }


def _signal_words(signal: Iterable[Any] | None) -> str:
    if not signal:
        return "no trigger"
    metric, feature, window, direction = list(signal)
    span = f" over {int(window) // 60} min" if window else ""
    return f"{metric} ({feature}{span}, {direction})"


def evidence_change(
    before: Mapping[str, Any] | None,
    support: int,
    trigger: Mapping[str, Any] | None,
    dependency: str | None,
    service: str,
    config: RulesConfig,
) -> str | None:
    """Why the evidence of a rejected rule counts as new, or None when it does not."""
    if not before:
        return None
    then = int(before.get("support") or 0)
    needed = max(then + config.min_support, math.ceil(then * (1 + config.reopen_growth)))
    if support >= needed:
        return (
            f"{support - then} more incidents on `{service}` since it was rejected "
            f"({then} then, {support} now)"
        )
    was = before.get("signal")
    identity = signal_identity(trigger)
    now = list(identity) if identity else None
    if now != (list(was) if was else None):
        return f"its trigger now watches {_signal_words(now)} (it watched {_signal_words(was)})"
    if dependency and before.get("dependency") and dependency != before.get("dependency"):
        return (
            f"its evidence now names `{dependency}` as the dependency (it named "
            f"`{before['dependency']}`)"
        )
    return None


def earlier_decisions(
    events: Iterable[Mapping[str, Any]], rules: Mapping[str, Mapping[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """Per pattern, its rules' remembered events in order of time: who decided what, when,
    and why."""
    found: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        rule = rules.get(str(event["rule_id"]))
        if rule is None or event["event"] not in REMEMBERED:
            continue
        found.setdefault(str(rule["pattern_id"]), []).append(
            {
                "rule_id": event["rule_id"],
                "service": rule["service"],
                "adaptation": rule["adaptation"],
                "event": event["event"],
                "at": event["at"],
                "by": event["actor"],
                "note": event["note"],
                "incident_id": event["incident_id"],
            }
        )
    for items in found.values():
        items.sort(key=lambda e: (e["at"], e["rule_id"], e["event"]))
    return found
