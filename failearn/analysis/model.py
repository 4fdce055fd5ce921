"""The plain-data shapes of the analysis stage.

:class:`IncidentDoc` is what clustering and similarity read of an incident.
:class:`PatternTraits` is what a person reads of a pattern (label, terms,
titles, services, classes, when, how alike): defined once, it is the base of
what a cluster run makes of a cluster (:class:`ClusterSummary`, then the
cluster command's output) and of :class:`PatternSummary`.
:class:`PatternSnapshot`, :class:`PatternSummary` and :class:`Precursor` are
what later stages (suggestions, the report) read of the newest cluster run,
through :func:`failearn.store.cluster.latest_patterns`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class IncidentDoc:
    """What the analysis stage reads of one incident.

    ``texts`` holds its other canonical prose fields as (field, text): resolution,
    workarounds, action_items, timeline; ``sections`` the other sections of its
    post-mortem as (heading as written, text).
    """

    id: str
    timestamp: str
    service: str
    failure_class: str
    title: str | None = None
    summary: str | None = None
    root_cause: str | None = None
    messages: tuple[str, ...] = ()
    trace_shape: tuple[str, ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    texts: tuple[tuple[str, str], ...] = ()
    sections: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Precursor:
    """A metric consistently different in a pattern's incidents from the rest of the window.

    ``effect_size`` is Cliff's delta in [-1, 1]: the probability that a value of
    the pattern is above one of the rest, minus the probability that it is
    below.  ``support`` is how many of the pattern's incidents carry the metric,
    ``support_share`` that count over the pattern's size, ``consistency`` the
    share of them on the pattern's side of the rest's median.
    """

    metric: str
    direction: str
    median_in_pattern: float
    median_rest: float
    delta: float
    effect_size: float
    p_value: float
    support: int
    support_share: float
    consistency: float
    rest_count: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternTraits:
    """What a person reads of a pattern, however it was found.

    ``classes`` and ``services`` count its incidents per failure class and
    service (largest first); ``first_seen`` and ``last_seen`` are incident
    times; ``cohesion`` is the mean similarity of two of its incidents.
    """

    label: str
    dominant_template: str
    top_terms: tuple[str, ...]
    titles: tuple[str, ...] = ()
    services: dict[str, int]
    classes: dict[str, int]
    dominant_class: str
    first_seen: str
    last_seen: str
    cohesion: float


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterSummary(PatternTraits):
    """A cluster as one run saw it (:func:`failearn.analysis.labels.summarise`): what a
    person reads of it (``first_seen`` and ``last_seen`` over its incidents in the
    window), the weeks it was active in, and the signature later runs match it on."""

    weeks_active: int
    signature: dict[str, float] = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class PatternSummary(PatternTraits):
    """One pattern as the newest cluster run at or before an as-of saw it.

    ``size`` (= ``support``) counts the incidents of its cluster in that run's
    window; ``first_seen`` and ``last_seen`` are incident times over every run
    that matched the pattern.  ``status`` is ``new``, ``recurring``, ``growing``
    or ``fading``.
    """

    pattern_id: str
    cluster_id: int
    status: str
    size: int
    incident_ids: tuple[str, ...]
    recent_count: int
    weekly_rate: float
    precursors: tuple[Precursor, ...]

    @property
    def support(self) -> int:
        return self.size


@dataclass(frozen=True, slots=True)
class PatternSnapshot:
    """The patterns of one cluster run, with its window and parameters."""

    run_id: int
    as_of: str
    window_start: str
    window_end: str
    incidents: int
    eps: float
    min_samples: int
    patterns: tuple[PatternSummary, ...]
    noise: tuple[str, ...]
