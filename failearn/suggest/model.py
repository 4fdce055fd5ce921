"""The shapes of the suggest stage.

:class:`PatternSummary` is what rule generation reads of one pattern (the
analysis stage's newest cluster run, adapted by :mod:`failearn.commands.stages`);
:class:`IncidentBrief` what it reads of one incident.  :class:`RuleDraft` is a
rule as the evidence of one as-of makes it; :class:`RuleView` a registered rule
as it stands at an as-of, with its confidence and history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from failearn.analysis.model import Precursor


@dataclass(frozen=True, slots=True)
class IncidentBrief:
    """What a suggestion shows of one incident, and what rule generation needs of it."""

    id: str
    timestamp: str
    service: str
    failure_class: str
    severity: str | None = None
    title: str | None = None
    source: str | None = None
    line: int | None = None
    dependencies: tuple[str, ...] = ()
    error_messages: tuple[str, ...] = ()
    trace_shape: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Trigger:
    """What a rule watches, learned from metric series: "request rate to `checkout` rises
    more than 12 % within 10 minutes".

    ``feature`` is ``level`` (the mean over the window) or ``change`` (its rise in
    percent over the window); ``service`` whose series it is (the rule's service
    or its dependency), ``labels`` which of them.  ``median_in_pattern`` is the
    signal's median extreme in the window before the incidents, ``median_rest``
    in normal windows at the same time of day.  The rates are the trigger's on
    the data it was learned from: before how many ``incidents`` it fired, how
    far ahead, and how often in ``normal_weeks`` of normal time.
    """

    metric: str
    direction: str
    threshold: float
    window_seconds: int | None
    median_in_pattern: float
    median_rest: float
    effect_size: float
    support: int
    kind: str  # load, saturation, latency, errors, other
    feature: str = "level"
    service: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    source: str = "series"
    incidents: int = 0
    fires_before: int = 0
    median_lead_seconds: float | None = None
    false_alarms_per_week: float | None = None
    normal_weeks: float | None = None
    target_false_alarms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "direction": self.direction,
            "threshold": self.threshold,
            "window_seconds": self.window_seconds,
            "median_in_pattern": self.median_in_pattern,
            "median_rest": self.median_rest,
            "effect_size": self.effect_size,
            "support": self.support,
            "kind": self.kind,
            "feature": self.feature,
            "service": self.service,
            "labels": self.labels,
            "source": self.source,
            "incidents": self.incidents,
            "fires_before": self.fires_before,
            "median_lead_seconds": self.median_lead_seconds,
            "false_alarms_per_week": self.false_alarms_per_week,
            "normal_weeks": self.normal_weeks,
            "target_false_alarms": self.target_false_alarms,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Trigger:
        known = set(cls.__dataclass_fields__)
        values = {k: v for k, v in data.items() if k in known}
        if "source" not in data:
            values["source"] = "at-incident"  # rules recorded before series were read
        return cls(**values)


@dataclass(frozen=True, slots=True)
class RuleDraft:
    """A rule as one as-of's evidence makes it (before the registry and the guardrails)."""

    id: str
    pattern_id: str
    pattern_label: str
    pattern_status: str
    service: str
    failure_class: str
    adaptation: str
    adaptation_name: str
    action: str
    rationale: str
    trigger: Trigger | None
    support: int
    pattern_support: int
    cohesion: float
    incident_ids: tuple[str, ...]
    last_matched_at: str | None
    fit: int
    preference: int
    precursors: tuple[Precursor, ...] = ()
    # What the evidence said, for the report and the registry (plain, JSON-ready data).
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RuleView:
    """A registered rule as it stands at an as-of."""

    id: str
    pattern_id: str
    service: str
    failure_class: str
    adaptation: str
    action: str
    rationale: str
    trigger: Trigger | None
    status: str
    confidence: float
    support: int
    pattern_support: int
    cohesion: float
    incident_ids: tuple[str, ...]
    created_at: str
    last_matched_at: str | None
    recency: float
    accepted: int = 0
    rejected: int = 0
    negative: int = 0
    times_applied: int = 0
    last_applied_at: str | None = None
    archived_at: str | None = None
    flagged: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
