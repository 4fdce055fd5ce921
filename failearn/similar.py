"""``failearn similar``: the past incidents most like one incident, or like a piece of text.

The search runs over the similarity index that the newest ``failearn cluster``
run stored (its feature model and the vectors of its window), plus the
incidents ingested since, encoded on the fly with the same model.  A query
therefore costs one read of the index and a few matrix products; only numpy
is imported, not scikit-learn.  Before any cluster run a temporary index is
fitted over the whole store (slower, and said so in the result).

Scores (higher is more similar, at most 1):

* for an incident, the similarity clustering uses (text, trace shape,
  resource profile, service and class, each weighted);
* for ``--text``, the cosine of the text's TF-IDF projection with each
  incident's (the text is read both as an error message and as prose).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from failearn.config import Settings
from failearn.errors import NotFoundError, UsageError
from failearn.store import Store
from failearn.store import analysis as sql
from failearn.store.capture import resolve_incident_id


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
    from failearn.analysis.templates import mask

    if (options.incident_id is None) == (options.text is None):
        raise UsageError("give an INCIDENT_ID or --text, not both and not neither")
    if options.text is not None and not options.text.strip():
        raise UsageError("--text is empty")
    if options.top < 1:
        raise UsageError(f"--top must be at least 1, not {options.top}")
    notes: list[str] = []
    with Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False) as store:
        if sql.incident_count(store) == 0:
            raise NotFoundError(f"the store {settings.db} holds no incidents",
                                hint="run `failearn ingest` first")
        query_id = None
        if options.incident_id is not None:
            query_id = resolve_incident_id(store, options.incident_id)
            if query_id is None:
                raise NotFoundError(f"no incident {options.incident_id!r} in {settings.db}",
                                    hint="incident ids are listed by `failearn cluster "
                                         "--format json`, or in the incidents table")
        stored = sql.load_index(store)
        if stored is None:
            model, ids, candidates = _temporary_index(store)
            index: dict[str, Any] = {"run_id": None, "as_of": None, "indexed": 0, "added": len(ids)}
            notes.append("no cluster run yet: a temporary index was fitted over the whole "
                         "store; run `failearn cluster` to make this fast")
        else:
            model = FeatureModel.from_record(stored.model)
            k, t, m = model.dims
            matrix = np.frombuffer(stored.vectors, dtype=np.float16).reshape(
                len(stored.incident_ids), k + t + m).astype(np.float32)
            candidates = Blocks(matrix[:, :k], matrix[:, k:k + t], matrix[:, k + t:],
                                np.frombuffer(stored.blocks, dtype=np.int8).astype(np.int64),
                                stored.services, stored.classes)
            ids = list(stored.incident_ids)
            extra = sql.docs_for(store, sql.unindexed_ids(store, stored.window_start,
                                                          set(ids)))
            if extra:
                more = model.encode(extra)
                candidates = _concat(candidates, more)
                ids += [d.id for d in extra]
            index = {"run_id": stored.run_id, "as_of": stored.as_of,
                     "indexed": len(stored.incident_ids), "added": len(extra)}
        if query_id is not None:
            position = {incident: i for i, incident in enumerate(ids)}.get(query_id)
            if position is not None:
                query, row = candidates, position
            else:
                query, row = model.encode(sql.docs_for(store, [query_id])), 0
            scores = similarity_to(query, row, candidates, model.weights)
            if position is not None:
                scores[position] = -np.inf
            query_doc = {"incident_id": query_id}
        else:
            text = options.text or ""
            vector = model.text_row((mask(text),), text)
            norm = float(np.linalg.norm(vector))
            if norm == 0:
                notes.append("none of the words of the text is in the index's vocabulary")
                scores = np.full(len(ids), -np.inf)
            else:
                scores = candidates.text.astype(np.float64) @ (vector / norm)
            query_doc = {"text": text}
        top = min(options.top, int(np.isfinite(scores).sum()))
        if top > 0:
            candidates_at = np.argpartition(-scores, top - 1)[:top] if top < len(scores) \
                else np.arange(len(scores))
            picked = [int(i) for i in candidates_at if np.isfinite(scores[i])]
            order = sorted(picked, key=lambda i: (-round(float(scores[i]), 6), ids[i]))[:top]
        else:
            order = []
        chosen = [ids[i] for i in order]
        briefs = sql.incident_briefs(store, chosen)
        patterns = sql.latest_pattern_of(store, chosen)
        hits = []
        for i in order:
            brief = briefs[ids[i]]
            hits.append(SimilarHit(
                incident_id=ids[i], score=round(min(1.0, float(scores[i])), 4),
                timestamp=brief["timestamp"], service=brief["service"],
                failure_class=brief["failure_class"], source=brief["source"],
                line=brief["line"], title=brief["title"], resolution=brief["resolution"],
                workarounds=brief["workarounds"], pattern_id=patterns.get(ids[i])))
    return SimilarResult(query=query_doc, results=hits, index=index, notes=notes)


def _concat(a: Any, b: Any) -> Any:
    import numpy as np

    from failearn.analysis.encode import Blocks

    return Blocks(np.vstack([a.text, b.text]), np.vstack([a.trace, b.trace]),
                  np.vstack([a.metrics, b.metrics]), np.concatenate([a.present, b.present]),
                  list(a.services) + list(b.services), list(a.classes) + list(b.classes))


def _temporary_index(store: Store) -> tuple[Any, list[str], Any]:
    """Fit a feature space over every incident (no cluster run has stored one)."""
    from failearn.analysis.features import FeatureOptions, build_features

    docs = sql.docs_for(store, sql.all_incident_ids(store))
    features = build_features(docs, FeatureOptions())
    blocks = features.blocks
    rows = features.row_of
    from failearn.analysis.encode import Blocks

    expanded = Blocks(blocks.text[rows], blocks.trace[rows], blocks.metrics[rows],
                      blocks.present[rows], [blocks.services[r] for r in rows.tolist()],
                      [blocks.classes[r] for r in rows.tolist()])
    return features.model, [d.id for d in docs], expanded
