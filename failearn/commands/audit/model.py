"""What an audit is asked and what it finds: the options, their limits, and the result
that every rendering of ``failearn audit`` reads."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from failearn.analysis.consistency import LabelCheck, Prediction
from failearn.analysis.drift import DriftAnalysis, Shift
from failearn.config import AuditConfig
from failearn.errors import UsageError
from failearn.timeutil import format_duration


@dataclass(frozen=True)
class AuditOptions:
    """What the user asked for: the reference instant and the audit settings in force
    (``[audit]`` with the command line's overrides applied)."""

    as_of: datetime
    config: AuditConfig
    # Called with the finished result before it is stored (the command renders it
    # there): what it raises leaves the store as it was.
    before_commit: Callable[[AuditResult], None] | None = None


@dataclass(frozen=True)
class ShiftFinding:
    """A named shift and the recent incidents involved (those of the rising class, the
    ones that look like the falling class first)."""

    shift: Shift
    incident_ids: list[str]
    incident_count: int


@dataclass(frozen=True)
class Disagreement:
    """A recent incident whose text reads like another class than its label."""

    incident_id: str
    timestamp: str
    service: str
    title: str | None
    prediction: Prediction


@dataclass(frozen=True)
class LabelRoute:
    """Records whose label reached its class through an alias, a retired name, a split,
    a class name or a configured mapping (not the class id itself)."""

    label: str
    failure_class: str
    via: str
    recent: int
    baseline: int
    incident_ids: list[str]


@dataclass(frozen=True)
class LabelOrigins:
    """Where the classes of the audited incidents came from: a person's label, or inferred
    (by route: a mapped hint, the team model, the taxonomy…).  Only human labels train
    and are judged by the label-consistency classifier."""

    human_recent: int = 0
    human_baseline: int = 0
    # Route -> (recent, baseline) counts of incidents whose class was inferred.
    inferred: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def inferred_recent(self) -> int:
        return sum(r for r, _ in self.inferred.values())

    @property
    def inferred_baseline(self) -> int:
        return sum(b for _, b in self.inferred.values())


@dataclass(frozen=True)
class Hygiene:
    label_routes: list[LabelRoute] = field(default_factory=list)
    # Records normalised under another taxonomy version: version -> (count, some ids).
    old_versions: list[tuple[str, int, list[str]]] = field(default_factory=list)
    # Stored classes the taxonomy in use does not have: (class, count, some ids).
    unknown_classes: list[tuple[str, int, list[str]]] = field(default_factory=list)
    # Classes of the taxonomy no incident up to as_of uses.
    unused_classes: list[str] = field(default_factory=list)
    # Services with several incidents, all of one class: (service, class, count).
    single_class_services: list[tuple[str, str, int]] = field(default_factory=list)
    # Incidents whose service was inferred, not named: (how, count) over both windows.
    inferred_services: list[tuple[str, int]] = field(default_factory=list)


@dataclass(frozen=True)
class AuditResult:
    """Everything one audit found; renderers turn it into text, JSON or Markdown."""

    run_id: int | None
    audit_id: int | None
    db: str
    as_of: datetime
    recent_start: datetime
    baseline_start: datetime
    taxonomy_version: str
    config: AuditConfig
    verdict: str
    drift: bool
    reasons: list[str]
    distribution: DriftAnalysis
    shifts: list[ShiftFinding]
    labels: LabelCheck | None
    labelling_drift: bool
    labelling_reason: str
    disagreements: list[Disagreement]
    hygiene: Hygiene
    origins: LabelOrigins = field(default_factory=LabelOrigins)


_LIMITS: dict[str, tuple[float, float, str]] = {
    # name: (low, high, what) — inclusive bounds.
    "alpha": (1e-12, 0.5, "a probability between 0 and 0.5"),
    "min_distance": (0.0, 1.0, "a distance between 0 and 1"),
    "min_recent": (1, 1e9, "a positive count"),
    "min_baseline": (1, 1e9, "a positive count"),
    "min_expected": (0.0, 1e9, "a non-negative count"),
    "samples": (100, 1e7, "between 100 and 10,000,000"),
    "seed": (0, 2**32 - 1, "a non-negative integer"),
    "class_alpha": (1e-12, 1.0, "a probability between 0 and 1"),
    "min_share_change": (0.0, 1.0, "a share between 0 and 1"),
    "folds": (2, 20, "between 2 and 20"),
    "max_training": (100, 1e9, "at least 100"),
    "confidence": (0.0, 1.0, "a probability between 0 and 1"),
    "min_disagreement_rise": (0.0, 1.0, "a share between 0 and 1"),
    "show": (0, 1e6, "a non-negative count"),
}


def check_config(config: AuditConfig) -> None:
    """Refuse audit settings that make no sense, naming the option and the config key."""
    for name in ("recent", "baseline"):
        value: timedelta = getattr(config, name)
        if value <= timedelta(0):
            raise UsageError(
                f"--{name} / [audit] {name} must be a positive duration, "
                f"not {format_duration(value) if value else '0'}"
            )
    for name, (low, high, what) in _LIMITS.items():
        number: float = getattr(config, name)
        if math.isnan(number) or not low <= number <= high:
            option = "--" + name.replace("_", "-")
            raise UsageError(f"{option} / [audit] {name} must be {what}, not {number!r}")
