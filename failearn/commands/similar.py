"""``failearn similar``: the past incidents most like one incident, or like a piece of text.

The search runs over the similarity index that the newest ``failearn cluster``
run stored (its feature model and the vectors of its window), plus the
incidents ingested since, encoded on the fly with the same model.  A query
therefore costs one read of the index and a few matrix products; only numpy
is imported, not scikit-learn.  Before any cluster run a temporary index is
fitted over the whole store (slower, and said so in the result).

Scores (higher is more similar, at most 1):

* for an incident, the similarity clustering uses (messages, prose, trace
  shape, resource profile, and class, each weighted);
* for ``--text``, the same similarity, the text read as an error message and as
  a title, whichever reading scores higher (it has no trace, metrics or class).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from failearn.config import Settings
from failearn.errors import NotFoundError, UsageError
from failearn.store import Store
from failearn.store import cluster as sql
from failearn.store import incidents as incident_sql
from failearn.store.location import display as display_location


@dataclass(frozen=True)
class SimilarOptions:
    incident_id: str | None = None
    text: str | None = None
    top: int = 5


@dataclass
class SimilarHit:
    incident_id: str
    score: float
    timestamp: str
    service: str
    failure_class: str
    source: str
    line: int | None
    title: str | None
    resolution: str | None
    workarounds: str | None
    pattern_id: str | None


@dataclass
class SimilarResult:
    query: dict[str, Any]
    results: list[SimilarHit]
    index: dict[str, Any]
    notes: list[str] = field(default_factory=list)


def run_similar(settings: Settings, options: SimilarOptions) -> SimilarResult:
    """The ``top`` incidents most similar to the query (module docstring)."""
    import numpy as np

    from failearn.analysis.encode import Blocks, FeatureModel, similarity_to
    from failearn.analysis.model import IncidentDoc

    if (options.incident_id is None) == (options.text is None):
        raise UsageError("give an INCIDENT_ID or --text, not both and not neither")
    if options.text is not None and not options.text.strip():
        raise UsageError("--text is empty")
    if options.top < 1:
        raise UsageError(f"--top must be at least 1, not {options.top}")
    notes: list[str] = []
    with Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False) as store:
        if sql.incident_count(store) == 0:
            raise NotFoundError(
                f"the store {display_location(settings.db)} holds no incidents",
                hint="run `failearn ingest` first",
            )
        query_id = None
        if options.incident_id is not None:
            query_id = incident_sql.resolve_incident(store, options.incident_id)
        stored = sql.load_index(store)
        ids: list[str | None]  # each row's incident now (None: it no longer exists)
        if stored is None:
            model, rows, candidates = _temporary_index(store)
            ids = list(rows)
            index: dict[str, Any] = {
                "run_id": None,
                "as_of": None,
                "indexed": 0,
                "added": len(rows),
            }
            notes.append(
                "no cluster run yet: a temporary index was fitted over the whole "
                "store; run `failearn cluster` to make this fast"
            )
        else:
            model = FeatureModel.from_record(stored.model)
            matrix = (
                np.frombuffer(stored.vectors, dtype=np.float16)
                .reshape(len(stored.incident_ids), sum(model.dims) + 2)
                .astype(np.float32)
            )
            candidates = Blocks.unpack(
                matrix,
                model.dims,
                np.frombuffer(stored.blocks, dtype=np.int8),
                stored.services,
                stored.classes,
            )
            # Merges and migrations since the run renamed or removed some of its incidents.
            now = incident_sql.current_ids(store, stored.incident_ids)
            rows = list(stored.incident_ids)
            ids = [now.get(i) for i in rows]
            extra = sql.docs_for(
                store, sql.unindexed_ids(store, stored.window_start, set(now.values()))
            )
            if extra:
                more = model.encode(extra)
                candidates = Blocks.concat(candidates, more)
                rows += [d.id for d in extra]
                ids += [d.id for d in extra]
            index = {
                "run_id": stored.run_id,
                "as_of": stored.as_of,
                "indexed": len(stored.incident_ids),
                "added": len(extra),
            }
        if query_id is not None:
            # The incident's own row, unless a merge since the run gave it new content.
            position = {incident: i for i, incident in enumerate(rows)}.get(query_id)
            if position is not None:
                query, row = candidates, position
            else:
                query, row = model.encode(sql.docs_for(store, [query_id])), 0
            scores = similarity_to(query, row, candidates, model.weights, model.chance)
            query_doc = {"incident_id": query_id}
        else:
            text = options.text or ""
            # The text as an error message, and as a title: the better reading counts.
            query = model.encode(
                [
                    IncidentDoc(
                        id="", timestamp="", service="", failure_class="", messages=(text,)
                    ),
                    IncidentDoc(id="", timestamp="", service="", failure_class="", title=text),
                ]
            )
            readings = [
                similarity_to(query, row, candidates, model.weights, model.chance, partial=True)
                for row in range(2)
                if query.present[row]
            ]
            if not readings:
                notes.append("none of the words of the text is in the index's vocabulary")
                scores = np.full(len(ids), -np.inf)
            else:
                scores = np.max(readings, axis=0)
            query_doc = {"text": text}
        best = _top_incidents(ids, scores, query_id, options.top)
        chosen = list(best)
        briefs = sql.incident_briefs(store, chosen)
        patterns = sql.latest_pattern_of(store, chosen)
        hits = []
        for incident_id in chosen:
            brief = briefs[incident_id]
            hits.append(
                SimilarHit(
                    incident_id=incident_id,
                    score=round(min(1.0, best[incident_id]), 4),
                    timestamp=brief["timestamp"],
                    service=brief["service"],
                    failure_class=brief["failure_class"],
                    source=brief["source"],
                    line=brief["line"],
                    title=brief["title"],
                    resolution=brief["resolution"],
                    workarounds=brief["workarounds"],
                    pattern_id=patterns.get(incident_id),
                )
            )
    return SimilarResult(query=query_doc, results=hits, index=index, notes=notes)


def _top_incidents(
    ids: Sequence[str | None], scores: Any, exclude: str | None, top: int
) -> dict[str, float]:
    """The ``top`` incidents with the highest score, most similar first.

    Several rows can stand for one incident (an index row of an incident merged into
    another since the run): an incident scores its best row.  Rows are read from the
    highest score down, all those tied at the cut-off included, until ``top``
    incidents are found: an index of any size costs a partition, not a sort.
    """
    import numpy as np

    finite = np.flatnonzero(np.isfinite(scores))
    values = scores[finite]
    want = top
    while True:
        k = min(len(finite), want)
        if k == 0:
            return {}
        cut = np.partition(values, len(values) - k)[len(values) - k]
        best: dict[str, float] = {}
        for row in finite[values >= cut].tolist():
            incident = ids[row]
            if incident is None or incident == exclude:
                continue
            score = float(scores[row])
            if score > best.get(incident, -np.inf):
                best[incident] = score
        if len(best) >= top or k == len(finite):
            ranked = sorted(best, key=lambda i: (-round(best[i], 6), i))[:top]
            return {incident: best[incident] for incident in ranked}
        want = 2 * want + (k - len(best))


def _temporary_index(store: Store) -> tuple[Any, list[str], Any]:
    """Fit a feature space over every incident (no cluster run has stored one)."""
    from failearn.analysis.features import FeatureOptions, build_features

    docs = sql.docs_for(store, sql.all_incident_ids(store))
    features = build_features(docs, FeatureOptions())
    expanded = features.blocks.take(features.row_of)
    expanded.services = [d.service for d in docs]
    expanded.classes = [d.failure_class for d in docs]
    return features.model, [d.id for d in docs], expanded
