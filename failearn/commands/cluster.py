"""The analysis stage behind ``failearn cluster``: window → features → hierarchy → patterns.

:func:`run_cluster` reads the incidents of the window ``[as_of - lookback,
as_of)``, builds their feature vectors (:mod:`failearn.analysis.features`),
groups the distinct rows (:mod:`failearn.analysis.grouping`), summarises each
cluster, finds its precursor signals, matches it to the patterns of earlier
runs, and stores the run, its clusters, members and patterns, and the
similarity index that ``failearn similar`` searches — all in one transaction.
It returns a :class:`ClusterResult`; rendering is elsewhere.

**The parameters**, unless the configuration or the command line sets them:

* ``min_size`` (HDBSCAN's ``min_cluster_size``) is the registry's minimum
  support, ``[rules] min_support`` (3): a pattern is what recurs at least that
  often, in a folder of 20 post-mortems as in 50,000 alerts;
* ``eps``, the distance below which a pattern is never split in two (HDBSCAN's
  ``cluster_selection_epsilon``), is the window's own natural variation: the 90th
  percentile of the distances between incidents that recorded the same set of
  messages (:func:`failearn.analysis.grouping.natural_variation`), clipped to
  [0.05, 0.5]; 0.05 when too few incidents share their messages to tell;
* ``min_cohesion`` (0.05, an assumption, ``[cluster] min_cohesion``): a cluster
  whose incidents share next to nothing beyond what unrelated incidents share is
  not reported.

None of these is a density threshold: which groups are patterns is read off an
average-linkage hierarchy by its stability (:mod:`failearn.analysis.hierarchy`),
at whatever scale the window's patterns live (identical alerts, or post-mortems
sharing a tenth of their words).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timedelta
from typing import Any

from failearn.analysis.model import ClusterSummary, Precursor
from failearn.config import ClusterConfig, Settings
from failearn.errors import UsageError
from failearn.store import Store
from failearn.store import cluster as sql
from failearn.store import similar as similar_sql
from failearn.timeutil import format_duration, iso

Stage = Callable[[str], None]
STAGES = ("loading", "features", "neighbours", "clustering", "matching", "saving")
FLOOR_DEFAULT = 0.05


@dataclass(frozen=True)
class ClusterOptions:
    """What the user asked for on the command line (None: the configuration's value)."""

    as_of: datetime
    lookback: timedelta | None = None
    eps: float | None = None
    min_size: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ClusterOut(ClusterSummary):
    """One cluster of the run (what the analysis made of it), with its pattern: the
    pattern's id, status and first sighting over every run, and its recent rate."""

    id: int
    pattern_id: str
    status: str
    size: int
    incident_ids: list[str]
    pattern_first_seen: str
    recent_count: int
    weekly_rate: float
    precursors: list[Precursor]

    def summary(self) -> dict[str, Any]:
        """What the run says of the cluster, as stored (``clusters``) and as printed (JSON):
        one list of fields for both."""
        return {
            "pattern_id": self.pattern_id,
            "status": self.status,
            "size": self.size,
            "label": self.label,
            "dominant_template": self.dominant_template,
            "top_terms": self.top_terms,
            "titles": self.titles,
            "services": self.services,
            "classes": self.classes,
            "dominant_class": self.dominant_class,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "pattern_first_seen": self.pattern_first_seen,
            "weeks_active": self.weeks_active,
            "recent_count": self.recent_count,
            "weekly_rate": self.weekly_rate,
            "cohesion": self.cohesion,
        }


@dataclass
class ClusterResult:
    run_id: int
    as_of: str
    window_start: str
    window_end: str
    lookback: str
    incidents: int
    distinct_rows: int
    parameters: dict[str, Any]
    clusters: list[ClusterOut]
    noise: list[str]
    index_updated: bool
    seconds: dict[str, float] = field(default_factory=dict)
    # The run's number among cluster runs (run_id is its row among all commands' runs).
    run_number: int = 0


# Far above any store's size: a larger value only leaves every incident as noise.
MAX_MIN_SIZE = 1_000_000


def check_parameters(eps: float | None, min_size: int | None, names: tuple[str, str]) -> None:
    """Check the grouping's parameters; ``names`` are theirs where the user wrote them."""
    if eps is not None and not 0.0 < eps <= 1.0:
        raise UsageError(f"{names[0]} must be in (0, 1] (a distance), not {eps}")
    if min_size is not None and not 2 <= min_size <= MAX_MIN_SIZE:
        raise UsageError(f"{names[1]} must be between 2 and {MAX_MIN_SIZE:,}, not {min_size}")


def _feature_options(config: ClusterConfig) -> Any:
    from failearn.analysis.encode import Weights
    from failearn.analysis.features import FeatureOptions

    weights = Weights(
        messages=config.message_weight,
        text=config.text_weight,
        trace=config.trace_weight,
        metrics=config.metrics_weight,
        service=config.service_weight,
        failure_class=config.class_weight,
    )
    if min(weights.__dict__.values()) < 0 or weights.weak >= 1.0:
        raise UsageError(
            "[cluster] weights must be >= 0, and service_weight + class_weight below 1"
        )
    from failearn.analysis.prose import SECTION_WEIGHTS

    unknown = sorted(set(config.section_weights) - set(SECTION_WEIGHTS))
    if unknown or any(w < 0 for w in config.section_weights.values()):
        raise UsageError(
            f"[cluster] section_weights: sections are {', '.join(SECTION_WEIGHTS)}"
            f" and weights >= 0" + (f"; unknown: {', '.join(unknown)}" if unknown else "")
        )
    return FeatureOptions(
        weights=weights,
        min_df=max(1, config.min_df),
        svd_components=max(2, config.svd_components),
        section_weights={**SECTION_WEIGHTS, **config.section_weights},
    )


@dataclass(frozen=True)
class _Chosen:
    """The grouping's parameters and where each came from."""

    eps: float
    eps_source: str
    min_size: int
    min_size_source: str
    variation: dict[str, float | int]


def _choose(settings: Settings, options: ClusterOptions, features: Any) -> _Chosen:
    """The given parameters, else the documented defaults (module docstring)."""
    from failearn.analysis.grouping import natural_variation

    config = settings.cluster

    def given(option: Any, configured: Any) -> tuple[Any, str | None]:
        if option is not None:
            return option, "option"
        return (configured, "config") if configured is not None else (None, None)

    size, size_from = given(options.min_size, config.min_size)
    if size is None:
        size, size_from = max(2, settings.rules.min_support), "min_support"
    eps, eps_from = given(options.eps, config.eps)
    variation: dict[str, float | int] = {}
    if eps is None:
        found = None
        if features is not None:
            found, variation = natural_variation(
                features.similarities, features.templates, features.counts
            )
        eps, eps_from = (found, "variation") if found is not None else (FLOOR_DEFAULT, "default")
    return _Chosen(float(eps), str(eps_from), int(size), str(size_from), variation)


def run_cluster(
    settings: Settings, options: ClusterOptions, stage: Stage | None = None
) -> ClusterResult:
    """Cluster the window ending at ``options.as_of`` and store the run (module docstring)."""
    import time

    import numpy as np

    from failearn.analysis.features import build_features
    from failearn.analysis.grouping import GroupingOptions, group
    from failearn.analysis.labels import summarise
    from failearn.analysis.patterns import MatchOptions, match, new_ids, trend
    from failearn.analysis.precursors import PrecursorOptions, find_precursors
    from failearn.analysis.ranking import rows_index

    config = settings.cluster
    check_parameters(config.eps, config.min_size, ("[cluster] eps", "[cluster] min_size"))
    check_parameters(options.eps, options.min_size, ("--eps", "--min-size"))
    if not 0.0 <= config.min_cohesion < 1.0:
        raise UsageError(f"[cluster] min_cohesion must be in [0, 1), not {config.min_cohesion}")
    lookback = options.lookback if options.lookback is not None else config.lookback
    if lookback <= timedelta(0):
        raise UsageError("--lookback must be positive")
    feature_options = _feature_options(config)
    notify = stage or (lambda _: None)
    clock: dict[str, float] = {}
    started = time.perf_counter()

    def mark(name: str) -> None:
        clock[name] = time.perf_counter()
        notify(name)

    as_of = options.as_of
    start, end = iso(as_of - lookback), iso(as_of)
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    with store:
        mark("loading")
        docs = sql.window_docs(store, start, end)
        shared = sql.shared_traces(store, start, end)
        mark("features")
        features = build_features(docs, feature_options) if docs else None
        mark("neighbours")
        chosen = _choose(settings, options, features)
        grouped = None
        if features is not None:
            grouped = group(
                features.similarities,
                features.counts,
                GroupingOptions(
                    min_cluster_size=chosen.min_size,
                    floor=chosen.eps,
                    min_cohesion=config.min_cohesion,
                ),
                notify,
                features.templates,
                _row_links(docs, features.row_of, shared),
                features.body,
                features.terms,
            )
            labels = grouped.labels[features.row_of]
        else:
            labels = np.zeros(0, dtype=np.int64)
        clock.setdefault("clustering", time.perf_counter())
        groups: dict[int, list[int]] = {}
        for index, label in enumerate(labels.tolist()):
            if label >= 0:
                groups.setdefault(label, []).append(index)
        # docs are in (timestamp, id) order, so a group's first index is its earliest incident.
        ordered = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
        in_cluster = {i for members in ordered for i in members}
        noise = [docs[i].id for i in range(len(docs)) if i not in in_cluster]

        mark("matching")
        assert features is not None or not ordered
        summaries = (
            [summarise(docs, members, features) for members in ordered]
            if features is not None
            else []
        )
        signals = find_precursors(
            [d.metrics for d in docs],
            ordered,
            PrecursorOptions(
                config.precursor_min_effect,
                config.precursor_max_p,
                config.precursor_min_consistency,
                settings.rules.min_support,
            ),
        )
        match_options = MatchOptions(
            config.match_min_overlap, config.match_min_similarity, config.growth
        )
        member_sets = [frozenset(docs[i].id for i in members) for members in ordered]

        parameters = {
            "method": "average-linkage hierarchy cut by stability",
            "eps": chosen.eps,
            "eps_source": chosen.eps_source,
            "variation": chosen.variation,
            "min_size": chosen.min_size,
            "min_size_source": chosen.min_size_source,
            "min_cohesion": config.min_cohesion,
            "partial": {
                "full_rows": grouped.full,
                "attached_rows": grouped.attached,
                "partial_clusters": grouped.partial_clusters,
            }
            if grouped
            else None,
            "weights": asdict(feature_options.weights),
            "min_df": features.min_df if features else None,
            "dims": dict(
                zip(("messages", "prose", "trace", "metrics"), features.model.dims, strict=True)
            )
            if features
            else None,
            "metrics": [s.name for s in features.model.metrics] if features else [],
            "distance": "1 - weighted mean similarity over the evidence blocks both "
            "incidents have, plus shared class",
        }
        mark("saving")
        index_updated = False
        with store.transaction():
            # The known patterns and the next free pattern id are read under the write lock:
            # two runs at once would otherwise both take the same new id, and saving the
            # second would merge its pattern into the first's.
            known = sql.known_patterns(store, end)
            matched = match(
                [(m, s.signature) for m, s in zip(member_sets, summaries, strict=True)],
                known,
                match_options,
            )
            fresh = iter(new_ids(sql.all_pattern_ids(store), matched.count(None)))
            known_by_id = {k.pattern_id: k for k in known}
            clusters: list[ClusterOut] = []
            for number, (members, summary, pattern_id) in enumerate(
                zip(ordered, summaries, matched, strict=True), start=1
            ):
                pid = pattern_id or next(fresh)
                prior = known_by_id.get(pid)
                first_seen = (
                    min(prior.first_seen, summary.first_seen) if prior else summary.first_seen
                )
                times = [docs[i].timestamp for i in members]
                state = trend(times, first_seen, as_of - lookback, as_of, config.growth)
                clusters.append(
                    ClusterOut(
                        **{f.name: getattr(summary, f.name) for f in fields(summary)},
                        id=number,
                        pattern_id=pid,
                        status=state.status,
                        size=len(members),
                        incident_ids=[docs[i].id for i in members],
                        pattern_first_seen=first_seen,
                        recent_count=state.recent_count,
                        weekly_rate=state.weekly_rate,
                        precursors=signals[number - 1],
                    )
                )
            run_id = store.start_run(
                "cluster",
                as_of,
                {
                    "lookback": format_duration(lookback),
                    "eps": options.eps,
                    "min_size": options.min_size,
                },
            )
            sql.save_patterns(
                store,
                run_id,
                end,
                [
                    {
                        "id": c.pattern_id,
                        "label": c.label,
                        "dominant_class": c.dominant_class,
                        "status": c.status,
                        "first_seen": c.pattern_first_seen,
                        "last_seen": c.last_seen,
                    }
                    for c in clusters
                ],
            )
            sql.save_cluster_run(
                store,
                {
                    "run_id": run_id,
                    "as_of": end,
                    "window_start": start,
                    "window_end": end,
                    "incidents": len(docs),
                    "distinct_rows": features.distinct if features else 0,
                    "clusters": len(clusters),
                    "noise": len(noise),
                    "eps": chosen.eps,
                    "eps_source": chosen.eps_source,
                    "min_samples": chosen.min_size,
                    "min_samples_source": chosen.min_size_source,
                    "parameters": _json(parameters),
                },
                [_cluster_row(c) for c in clusters],
                [
                    (docs[i].id, number)
                    for number, members in enumerate(ordered, start=1)
                    for i in members
                ]
                + [(i, None) for i in noise],
                [(c.id, p) for c in clusters for p in c.precursors],
            )
            newest = sql.index_as_of(store)
            if features is not None and (newest is None or end >= newest):
                rows = features.row_of
                sql.replace_index(
                    store,
                    run_id,
                    {"as_of": end, "window_start": start, "window_end": end},
                    features.model.to_record(),
                    [d.id for d in docs],
                    [d.service for d in docs],
                    [d.failure_class for d in docs],
                    features.blocks.present[rows].astype(np.int8).tobytes(),
                    features.blocks.packed()[rows].astype(np.float16).tobytes(),
                )
                words = rows_index(features.terms, rows, features.model.section_weights)
                similar_sql.replace_terms(store, run_id, words.to_record())
                index_updated = True
            store.finish_run(
                run_id,
                "ok",
                {"incidents": len(docs), "clusters": len(clusters), "noise": len(noise)},
            )
            run_number = store.run_number(run_id)
    clock["done"] = time.perf_counter()
    names = list(clock)
    seconds = {
        name: round(clock[after] - clock[name], 3) for name, after in itertools.pairwise(names)
    }
    seconds["total"] = round(clock["done"] - started, 3)
    return ClusterResult(
        run_id=run_id,
        as_of=end,
        window_start=start,
        window_end=end,
        lookback=format_duration(lookback),
        incidents=len(docs),
        distinct_rows=features.distinct if features else 0,
        parameters=parameters,
        clusters=clusters,
        noise=noise,
        index_updated=index_updated,
        seconds=seconds,
        run_number=run_number,
    )


def _row_links(docs: Any, row_of: Any, shared: list[tuple[str, str]]) -> Any:
    """The pairs of incidents that share a trace id, as pairs of their distinct rows."""
    import numpy as np

    position = {d.id: i for i, d in enumerate(docs)}
    pairs = [(position[a], position[b]) for a, b in shared if a in position and b in position]
    if not pairs:
        return None
    a, b = np.array(pairs, dtype=np.int64).T
    return row_of[a], row_of[b]


def _json(value: Any) -> str:
    import json

    return json.dumps(value, sort_keys=True)


def _cluster_row(cluster: ClusterOut) -> dict[str, Any]:
    return {"cluster_id": cluster.id, **cluster.summary(), "signature": cluster.signature}
