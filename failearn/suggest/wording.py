"""How suggestions read: numbers, metric names, trigger clauses and the evidence in words.

Every sentence here is made from measured values it is given; an assumption is
worded as one, with the configuration key that sets it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import timedelta

from failearn.analysis.model import Precursor
from failearn.analysis.triggers import WEEK, Backtest
from failearn.suggest.model import Trigger
from failearn.timeutil import format_duration


def is_change_metric(metric: str) -> bool:
    return "change" in metric.casefold() or "delta" in metric.casefold()


def metric_phrase(metric: str) -> tuple[str, str]:
    """A metric's name as words, and its unit: ``request_volume_change_pct`` → request volume, %."""
    words = metric.casefold().replace(".", "_").split("_")
    unit = ""
    if words and words[-1] in ("pct", "percent"):
        unit, words = " %", words[:-1]
    elif words and words[-1] == "ms":
        unit, words = " ms", words[:-1]
    words = [w for w in words if w not in ("change", "delta")]
    return " ".join(words) or metric, unit


def format_number(value: float) -> str:
    """A number as people write it: 2.1, 0.98, 3150, 0."""
    if value == 0 or not math.isfinite(value):
        return "0" if value == 0 else str(value)
    magnitude = abs(value)
    digits = 0 if magnitude >= 100 else 1 if magnitude >= 10 else 2 if magnitude >= 0.1 else 3
    text = f"{value:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def duration_words(seconds: float) -> str:
    """``600`` → ``10 minutes``; ``90`` → ``1m30s``."""
    whole = round(seconds)
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if whole and whole % size == 0:
            count = whole // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return format_duration(timedelta(seconds=whole))


def minutes(seconds: float | None) -> str:
    """``530`` → ``9 min``."""
    if seconds is None:
        return "?"
    return f"{max(0, round(seconds / 60))} min"


def _labels(labels: dict[str, str]) -> str:
    return (
        "" if not labels else " (" + ", ".join(f"{k}={v}" for k, v in sorted(labels.items())) + ")"
    )


def trigger_clause(trigger: Trigger, service: str) -> str:
    """ "request rate to `checkout` rises more than 12 % within 10 minutes"."""
    phrase, unit = metric_phrase(trigger.metric)
    phrase += _labels(trigger.labels)
    owner = trigger.service or service
    preposition = "to" if trigger.kind == "load" else "of" if owner != service else "on"
    if trigger.feature == "change" or (
        trigger.source != "series" and is_change_metric(trigger.metric)
    ):
        verb = "rises more than" if trigger.direction == "higher" else "falls more than"
        value = format_number(abs(trigger.threshold))
        clause = f"{phrase} {preposition} `{owner}` {verb} {value} %"
        if trigger.window_seconds:
            clause += f" within {duration_words(trigger.window_seconds)}"
        return clause
    verb = "exceeds" if trigger.direction == "higher" else "falls below"
    mean = (
        f" (mean over {duration_words(trigger.window_seconds)})" if trigger.window_seconds else ""
    )
    return f"{phrase} {preposition} `{owner}`{mean} {verb} {format_number(trigger.threshold)}{unit}"


def signal_text(signal: Precursor | Trigger) -> str:
    """At incident time: "request volume +2.1 % (median) in these incidents against 0 % in
    the others (effect 0.95, 8 incidents)"."""
    phrase, unit = metric_phrase(signal.metric)
    change = is_change_metric(signal.metric)

    def shown(value: float) -> str:
        sign = "+" if change and value > 0 else ""
        return f"{sign}{format_number(value)}{unit}"

    return (
        f"{phrase} {shown(signal.median_in_pattern)} (median) in these incidents against "
        f"{shown(signal.median_rest)} in the others (effect {signal.effect_size:.2f}, "
        f"{signal.support} incidents)"
    )


def feature_phrase(metric: str, labels: dict[str, str], feature: str, window: int) -> str:
    """ "db pool utilization (mean over 5 minutes)", "request rate (change over 10 minutes)"."""
    phrase, _ = metric_phrase(metric)
    how = "mean" if feature == "level" else "change"
    return f"{phrase}{_labels(labels)} ({how} over {duration_words(window)})"


def value_text(value: float, metric: str, feature: str) -> str:
    if feature == "change":
        return f"{'+' if value > 0 else ''}{format_number(value)} %"
    _, unit = metric_phrase(metric)
    return f"{format_number(value)}{unit}"


def normal_comparison(
    owner: str,
    phrase: str,
    before: float,
    normal: float,
    effect: float,
    incidents: int,
    controls: int,
    horizon: int,
    metric: str,
    feature: str,
) -> str:
    """ "`checkout` db pool utilization (mean over 5 minutes) reached 0.97 (median) in the hour
    before 17 incidents, against 0.71 at the same time of day on other days (effect 0.98,
    214 normal windows)"."""
    return (
        f"`{owner}` {phrase} reached {value_text(before, metric, feature)} (median) in "
        f"{span_words(horizon)} before {incidents} incidents, against "
        f"{value_text(normal, metric, feature)} at the same time of day on other days "
        f"(effect {effect:.2f}, {controls} normal windows)"
    )


def times_a_week(count: float) -> str:
    """``1`` → ``once a week``, ``2`` → ``twice a week``, ``0.5`` → ``0.5 times a week``."""
    return {1.0: "once a week", 2.0: "twice a week"}.get(float(count), f"{count:g} times a week")


def span_words(seconds: int) -> str:
    """``3600`` → ``the hour``; ``1800`` → ``the 30 minutes``."""
    words = duration_words(seconds)
    return "the " + (words[2:] if words.startswith("1 ") else words)


def rates_text(result: Backtest) -> str:
    """ "fires before 16 of 17 incidents, median 9 min ahead; 0.3 false alarms a week in 3.1
    weeks of normal time"."""
    lead = f", median {minutes(result.median_lead)} ahead" if result.caught else ""
    per_week = result.false_alarms_per_week
    alarms = (
        "no normal time to judge false alarms"
        if per_week is None
        else (
            f"{per_week:.1f} false alarms a week in {result.normal_seconds / WEEK:.1f} weeks of "
            "normal time"
        )
    )
    return f"fires before {result.caught} of {result.incidents} incidents{lead}; {alarms}"


def assumption(text: str, key: str) -> dict[str, str]:
    return {
        "text": f"{text} (an assumption: [{key.split('.')[0]}] {key.split('.')[1]})",
        "key": key,
    }


def listing(items: Sequence[str], limit: int = 4) -> str:
    shown = list(items[:limit])
    more = len(items) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")
