"""What the metric series say about one pattern on one service, as plain data.

:class:`ServiceEvidence` holds what :func:`failearn.commands.evidence.gather` measured:
the dependency the incidents point at, the series found, each signal measured
before the incidents against normal time (:class:`Finding`), each series'
levels in normal time, before and during the incidents (:class:`Levels`), and
the evaluated thresholds of the precursors, from which
:meth:`ServiceEvidence.trigger` learns the trigger of an adaptation — choosing
among the signals of the kinds the adaptation acts on, most preferred first —
with its figures on the data it was learned from and held out by time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from failearn.analysis.precursors import Measurement
from failearn.analysis.triggers import (
    Backtest,
    Candidate,
    Folds,
    TriggerOptions,
    backtest,
    cross_validate,
    learn,
)
from failearn.suggest.dependency import DependencyEvidence


@dataclass(frozen=True)
class SignalInfo:
    """What a signal is: a feature of one series over a window."""

    series_id: int
    service: str
    metric: str
    labels: tuple[tuple[str, str], ...]
    feature: str
    window_seconds: int

    @property
    def name(self) -> str:
        """The metric with the labels that tell its series apart: ``p99{upstream="x"}``."""
        if not self.labels:
            return self.metric
        return self.metric + "{" + ",".join(f'{k}="{v}"' for k, v in self.labels) + "}"


@dataclass(frozen=True)
class Finding:
    """A signal measured before the incidents against normal time."""

    signal: SignalInfo
    measurement: Measurement
    precursor: bool


@dataclass(frozen=True)
class LearnedTrigger:
    """A trigger learned from the series: the signal, its threshold, and what it would have
    done on the data it was learned from and on data held out."""

    signal: SignalInfo
    measurement: Measurement
    direction: str
    threshold: float
    in_sample: Backtest
    held_out: Backtest
    target: float


@dataclass(frozen=True)
class Levels:
    """One series' level in normal time, and at its highest before and during incidents."""

    service: str
    metric: str
    labels: tuple[tuple[str, str], ...]
    median: float
    p95: float
    p99: float
    before: float | None
    during: float | None
    incidents: int


@dataclass
class ServiceEvidence:
    """Everything measured for one pattern on one service."""

    pattern_id: str
    service: str
    dependency: DependencyEvidence | None
    incidents: int
    series: tuple[str, ...] = ()
    span: tuple[str, str] | None = None
    covered: int = 0
    findings: tuple[Finding, ...] = ()
    levels: tuple[Levels, ...] = ()
    options: TriggerOptions = field(default_factory=TriggerOptions)
    candidates: list[Candidate] = field(default_factory=list)
    signals: list[SignalInfo] = field(default_factory=list)
    folds: Folds | None = None
    learned: dict[tuple[str, ...], LearnedTrigger | None] = field(default_factory=dict)

    @property
    def has_series(self) -> bool:
        return bool(self.series)

    def trigger(self, kinds: Sequence[str]) -> LearnedTrigger | None:
        """The trigger learned from the precursors of the given kinds, most preferred first."""
        key = tuple(kinds)
        if key not in self.learned:
            self.learned[key] = self._learn(key)
        return self.learned[key]

    def _learn(self, kinds: tuple[str, ...]) -> LearnedTrigger | None:
        if self.folds is None or not kinds:
            return None
        preference = [
            kinds.index(signal_kind(s.metric)) if signal_kind(s.metric) in kinds else len(kinds)
            for s in self.signals
        ]
        usable = [c for c in self.candidates if preference[c.signal] < len(kinds)]
        everything = np.ones(len(self.folds.incident_folds), dtype=bool)
        blocks = np.ones(self.folds.count, dtype=bool)
        chosen = learn(usable, preference, everything, blocks, self.options)
        if chosen is None:
            return None
        signal = self.signals[chosen.signal]
        finding = next(f for f in self.findings if f.signal == signal and f.precursor)
        return LearnedTrigger(
            signal,
            finding.measurement,
            "higher" if chosen.higher else "lower",
            chosen.threshold,
            backtest(chosen, everything, blocks),
            cross_validate(usable, preference, self.folds, self.options),
            self.options.target,
        )


_KIND_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("latency", ("latency", "p99", "p95", "p90", "p50", "duration", "response_time")),
    ("errors", ("error", "fail", "5xx", "retry", "retries")),
    ("load", ("volume", "traffic", "request_rate", "rps", "qps", "throughput", "requests", "load")),
    (
        "saturation",
        (
            "utilization",
            "utilisation",
            "cpu",
            "memory",
            "pool",
            "queue",
            "disk",
            "saturation",
            "connections",
            "threads",
        ),
    ),
)


def signal_kind(metric: str) -> str:
    """``load``, ``saturation``, ``latency``, ``errors`` or ``other``, from the metric's name."""
    name = metric.casefold()
    for kind, words in _KIND_WORDS:
        if any(word in name for word in words):
            return kind
    return "other"
