"""``failearn similar``: the past incidents most like one incident, or like a piece of text.

The search runs over the similarity index that the newest ``failearn cluster``
run stored (its feature model and the vectors of its window), plus the
incidents ingested since, encoded on the fly with the same model.  A query
therefore costs one read of the index, the postings of the query's words and a
few matrix products; only numpy is imported, not scikit-learn.  Before any cluster run a temporary index is
fitted over the whole store (slower, and said so in the result).

Scores (higher is more similar, at most 1) rank by the incident's words, as TF-IDF
cosine does, with its trace shape and resource profile where it has them, and its
service and class as weak features (:mod:`failearn.analysis.ranking`); a ``--text``
query is its words alone, read as an error message and as a title, whichever
reading scores higher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from failearn.config import Settings
from failearn.errors import NotFoundError, UsageError
from failearn.store import Store
from failearn.store import cluster as sql
from failearn.store import incidents as incident_sql
from failearn.store import similar as similar_sql
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


@dataclass
class _Index:
    """What a query is ranked against: the encoded rows, their words, and the incident each
    row stands for now (looked up only for the rows a query reads)."""

    model: Any  # FeatureModel
    candidates: Any  # Blocks, one row per indexed incident, then those added since
    rows: list[str]  # the incident each row was made from
    words: Any  # TermIndex over the first rows
    added: list[dict[int, float]]  # word vectors of the rows beyond ``words``
    info: dict[str, Any]
    now: dict[str, str | None] = field(default_factory=dict)  # row id -> incident now

    def word_scores(self, vector: dict[int, float]) -> Any:
        import numpy as np

        from failearn.analysis.ranking import cosine

        indexed = self.words.scores(vector)
        if not self.added:
            return indexed
        return np.concatenate([indexed, [cosine(vector, row) for row in self.added]])

    def incidents(self, store: Store, rows: list[int]) -> list[str | None]:
        """The incident each of ``rows`` stands for now (None: it no longer exists); merges
        and migrations since the run renamed or removed some of its incidents."""
        wanted = [self.rows[r] for r in rows if self.rows[r] not in self.now]
        if wanted:
            found = incident_sql.current_ids(store, wanted)
            self.now.update((i, found.get(i)) for i in wanted)
        return [self.now[self.rows[r]] for r in rows]


def run_similar(settings: Settings, options: SimilarOptions) -> SimilarResult:
    """The ``top`` incidents most similar to the query (module docstring)."""
    _check(options)
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
        index = _load_index(store, notes)
        if query_id is not None:
            scores = _incident_scores(store, index, query_id)
            query_doc: dict[str, Any] = {"incident_id": query_id}
        else:
            scores = _text_scores(index, options.text or "", notes)
            query_doc = {"text": options.text or ""}
        best = _top_incidents(
            lambda rows: index.incidents(store, rows), scores, query_id, options.top
        )
        chosen = list(best)
        briefs = sql.incident_briefs(store, chosen)
        patterns = sql.latest_pattern_of(store, chosen)
        hits = [_hit(briefs[i], best[i], patterns.get(i)) for i in chosen]
    return SimilarResult(query=query_doc, results=hits, index=index.info, notes=notes)


def _check(options: SimilarOptions) -> None:
    if (options.incident_id is None) == (options.text is None):
        raise UsageError("give an INCIDENT_ID or --text, not both and not neither")
    if options.text is not None and not options.text.strip():
        raise UsageError("--text is empty")
    if options.top < 1:
        raise UsageError(f"--top must be at least 1, not {options.top}")


def _hit(brief: dict[str, Any], score: float, pattern_id: str | None) -> SimilarHit:
    return SimilarHit(
        incident_id=brief["id"],
        score=round(min(1.0, score), 4),
        timestamp=brief["timestamp"],
        service=brief["service"],
        failure_class=brief["failure_class"],
        source=brief["source"],
        line=brief["line"],
        title=brief["title"],
        resolution=brief["resolution"],
        workarounds=brief["workarounds"],
        pattern_id=pattern_id,
    )


def _load_index(store: Store, notes: list[str]) -> _Index:
    """The newest cluster run's index with the incidents ingested since (module docstring)."""
    import numpy as np

    from failearn.analysis.encode import Blocks, FeatureModel
    from failearn.analysis.ranking import TermIndex, bags_of, word_index

    stored = sql.load_index(store)
    if stored is None:
        notes.append(
            "no cluster run yet: a temporary index was fitted over the whole "
            "store; run `failearn cluster` to make this fast"
        )
        return _temporary_index(store)
    model = FeatureModel.from_record(stored.model)
    # Left in float16: ranking reads only the trace and metric blocks of the candidates.
    matrix = np.frombuffer(stored.vectors, dtype=np.float16).reshape(
        len(stored.incident_ids), sum(model.dims) + 2
    )
    candidates = Blocks.unpack(
        matrix,
        model.dims,
        np.frombuffer(stored.blocks, dtype=np.int8),
        stored.services,
        stored.classes,
    )
    record = similar_sql.load_terms(store, stored.run_id)
    if record is not None:
        words = TermIndex.from_record(record)
    else:
        notes.append(
            "the index of words was built for this query (the cluster run stored none); "
            "run `failearn cluster` to make this fast"
        )
        found = {d.id: d for d in sql.docs_for(store, stored.incident_ids)}
        words = word_index(
            [found.get(i) or _blank(i) for i in stored.incident_ids],
            model.section_weights,
            model.generalised,
        )
    rows = list(stored.incident_ids)
    former = set(rows)
    since = sql.unindexed_ids(store, stored.window_start, former)  # new, or renamed by a merge
    renamed = similar_sql.absorbed(store, since, former)
    extra = sql.docs_for(store, [i for i in since if i not in renamed])
    added = []
    if extra:
        candidates = Blocks.concat(candidates, model.encode(extra))
        rows += [d.id for d in extra]
        column = words.column()
        bags = bags_of(extra, words.section_weights, model.generalised)
        added = [words.vector(bag, column) for bag in bags]
    info = {
        "run_id": stored.run_id,
        "as_of": stored.as_of,
        "indexed": len(stored.incident_ids),
        "added": len(extra),
    }
    return _Index(model, candidates, rows, words, added, info)


def _blank(incident_id: str) -> Any:
    from failearn.analysis.model import IncidentDoc

    return IncidentDoc(id=incident_id, timestamp="", service="", failure_class="")


def _incident_scores(store: Store, index: _Index, query_id: str) -> Any:
    """An incident's score against every row: its words, and its structure where it has it."""
    from failearn.analysis.ranking import bags_of, combined

    # The incident's own row, unless a merge since the run gave it new content.
    position = {incident: i for i, incident in enumerate(index.rows)}.get(query_id)
    if position is not None and position < index.words.size:
        query, row = index.candidates, position
        vector = index.words.row(position)
    else:
        doc = sql.docs_for(store, [query_id])
        query, row = index.model.encode(doc), 0
        bag = bags_of(doc, index.words.section_weights, index.model.generalised)[0]
        vector = index.words.vector(bag, index.words.column())
    words = index.word_scores(vector) if vector else None
    return combined(words, query, row, index.candidates, index.model.weights)


def _text_scores(index: _Index, text: str, notes: list[str]) -> Any:
    """A piece of text against every row, read as an error message and as a title: the
    reading that scores higher counts (a text has no trace, metrics, service or class)."""
    import numpy as np

    from failearn.analysis.model import IncidentDoc
    from failearn.analysis.ranking import bags_of, combined

    readings = [
        IncidentDoc(id="", timestamp="", service="", failure_class="", messages=(text,)),
        IncidentDoc(id="", timestamp="", service="", failure_class="", title=text),
    ]
    column = index.words.column()
    scores = [
        combined(index.word_scores(vector), None, 0, index.candidates, index.model.weights)
        for vector in (
            index.words.vector(bag, column)
            for bag in bags_of(readings, index.words.section_weights, index.model.generalised)
        )
        if vector
    ]
    if not scores:
        notes.append("none of the words of the text is in the index's vocabulary")
        return np.full(len(index.rows), -np.inf)
    return np.max(scores, axis=0)


def _top_incidents(
    incidents: Callable[[list[int]], list[str | None]],
    scores: Any,
    exclude: str | None,
    top: int,
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
        chosen = finite[values >= cut].tolist()
        for row, incident in zip(chosen, incidents(chosen), strict=True):
            if incident is None or incident == exclude:
                continue
            score = float(scores[row])
            if score > best.get(incident, -np.inf):
                best[incident] = score
        if len(best) >= top or k == len(finite):
            ranked = sorted(best, key=lambda i: (-round(best[i], 6), i))[:top]
            return {incident: best[incident] for incident in ranked}
        want = 2 * want + (k - len(best))


def _temporary_index(store: Store) -> _Index:
    """Fit a feature space and a word index over every incident (no cluster run has stored
    one)."""
    from failearn.analysis.features import FeatureOptions, build_features
    from failearn.analysis.ranking import rows_index

    docs = sql.docs_for(store, sql.all_incident_ids(store))
    features = build_features(docs, FeatureOptions())
    expanded = features.blocks.take(features.row_of)
    expanded.services = [d.service for d in docs]
    expanded.classes = [d.failure_class for d in docs]
    rows = [d.id for d in docs]
    words = rows_index(features.terms, features.row_of, features.model.section_weights)
    info = {"run_id": None, "as_of": None, "indexed": 0, "added": len(rows)}
    return _Index(features.model, expanded, rows, words, [], info, {i: i for i in rows})
