"""Fitting the feature space of a cluster run (see :mod:`failearn.analysis.encode`).

:func:`build_features` reads the incidents of a window and returns the fitted
:class:`~failearn.analysis.encode.FeatureModel`, the encoded *distinct* rows
and, per incident, which distinct row it is.  Many incidents share one row once
their messages are masked and generalised and their metrics quantised (every
alert of a pool exhaustion looks alike); clustering works on the distinct rows
with their counts as sample weights, which is what keeps a 50,000-incident
window within memory.

Document frequencies count incidents, not distinct rows: ``min_df`` means "a
term in fewer than this many incidents is dropped" whatever the collapse.  A
prose term found in more than half of the incidents that have prose (when there
are at least :data:`BOILERPLATE_DOCS` of them) is a team's boilerplate and is
dropped too.  The SVD components of the message and prose blocks are fitted on
the distinct templates and rows weighted by how many incidents carry them, so
that they span what recurs; a one-off's words fall outside and keep it apart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from failearn.analysis.encode import (
    Blocks,
    BlockSimilarities,
    FeatureModel,
    MetricScale,
    Weights,
    is_number,
    message_terms,
    metric_level,
    presence,
    prose_parts,
    prose_strength,
    smoothed_idf,
    templates_of,
    tfidf_row,
    tfidf_weights,
    trace_terms,
)
from failearn.analysis.messages import WILDCARD, generalise
from failearn.analysis.model import IncidentDoc
from failearn.analysis.prose import SECTION_WEIGHTS, weighted_terms
from failearn.analysis.weighted import weighted_median

MAX_METRICS = 64
MAX_TRACE_TERMS = 256
MAX_TERMS = 50_000
BOILERPLATE_DOCS = 10
BOILERPLATE_SHARE = 0.5


@dataclass(frozen=True)
class FeatureOptions:
    """The knobs of the feature space (``[cluster]`` in the configuration)."""

    weights: Weights = field(default_factory=Weights)
    min_df: int = 5
    svd_components: int = 100
    metric_min_share: float = 0.0
    section_weights: Mapping[str, float] = field(default_factory=lambda: dict(SECTION_WEIGHTS))


@dataclass
class Features:
    """The encoded distinct rows of a window and how incidents map onto them."""

    model: FeatureModel
    blocks: Blocks  # one row per distinct row
    similarities: BlockSimilarities  # what clustering compares rows by
    counts: np.ndarray  # incidents per distinct row (the sample weights)
    row_of: np.ndarray  # per incident, its distinct row
    templates: list[tuple[str, ...]]  # per distinct row, its generalised message templates
    terms: list[dict[str, float]]  # per distinct row, its weighted message and prose terms
    min_df: int
    body: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    # per distinct row, whether its prose says more than a title

    @property
    def distinct(self) -> int:
        return int(self.counts.shape[0])


def effective_min_df(configured: int, incidents: int) -> int:
    """``min_df`` scaled down for small windows: 1 below 200 incidents, one per 100 above."""
    return max(1, min(configured, incidents // 100))


def _robust_scale(values: np.ndarray) -> float:
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median))) * 1.4826
    if mad > 0:
        return mad
    q75, q25 = np.percentile(values, [75, 25])
    if q75 > q25:
        return float(q75 - q25) / 1.349
    std = float(np.std(values))
    return std if std > 0 else 0.0


def metric_scales(docs: Sequence[IncidentDoc], min_share: float) -> list[MetricScale]:
    """The metrics of the resource profile: carried by at least three incidents (a metric
    only one pattern reports is what sets it apart), not constant, the most common
    MAX_METRICS of them; each with its median and robust spread."""
    values: dict[str, list[float]] = {}
    for doc in docs:
        for name, value in doc.metrics.items():
            if is_number(value):
                values.setdefault(name, []).append(float(value))
    needed = max(3, math.ceil(min_share * len(docs))) if min_share > 0 else 3
    ranked = sorted(
        (name for name, v in values.items() if len(v) >= needed),
        key=lambda name: (-len(values[name]), name),
    )
    reporting = sum(1 for doc in docs if any(is_number(v) for v in doc.metrics.values()))
    scales = []
    for name in ranked:
        array = np.asarray(values[name])
        spread = _robust_scale(array)
        if spread > 0:
            rarity = math.log((1.0 + reporting) / (1.0 + len(array)))
            scales.append(MetricScale(name, float(np.median(array)), spread, rarity))
        if len(scales) == MAX_METRICS:
            break
    return sorted(scales, key=lambda s: s.name)


def _vocabulary(
    rows: Sequence[Sequence[str] | Mapping[str, float]],
    counts: np.ndarray,
    min_df: int,
    limit: int,
    max_share: float | None = None,
) -> tuple[list[str], np.ndarray]:
    """Terms in at least ``min_df`` incidents (and at most ``max_share`` of those with any
    term; the most frequent ``limit``), sorted; their df."""
    df: dict[str, float] = {}
    having = 0.0
    for terms, count in zip(rows, counts.tolist(), strict=True):
        if terms:
            having += count
        for term in set(terms):
            df[term] = df.get(term, 0.0) + count
    ceiling = max_share * having if max_share is not None else math.inf
    kept = [t for t, n in df.items() if min_df <= n <= ceiling]
    if len(kept) > limit:
        kept = sorted(kept, key=lambda t: (-df[t], t))[:limit]
    kept.sort()
    return kept, np.array([df[t] for t in kept], dtype=np.float64)


def _sparse(
    rows: Sequence[Sequence[str] | Mapping[str, float]],
    vocabulary: list[str],
    idf: np.ndarray,
    with_norms: bool = False,
) -> Any:
    """The TF-IDF rows as a CSR matrix (and, asked for, each row's norm before it was
    normalised)."""
    from scipy import sparse

    index = {t: i for i, t in enumerate(vocabulary)}
    indptr, indices, data = [0], [], []
    norms = np.zeros(len(rows))
    for row, terms in enumerate(rows):
        cols, vals = tfidf_weights(terms, index, idf)
        norms[row] = float(np.sqrt(vals @ vals))
        indices.append(cols)
        data.append(vals / norms[row] if norms[row] > 0 else vals)
        indptr.append(indptr[-1] + len(cols))
    matrix = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
            np.asarray(indptr),
        ),
        shape=(len(rows), len(vocabulary)),
    )
    return (matrix, norms) if with_norms else matrix


def _key(terms: Mapping[str, float]) -> tuple[tuple[str, float], ...]:
    return tuple(sorted(terms.items()))


@dataclass
class _Rows:
    """The distinct rows of a window, as collected."""

    row_of: np.ndarray
    firsts: list[int]
    templates: list[tuple[str, ...]]
    prose: list[dict[str, float]]
    body: list[bool]


def _levels(
    metrics: Mapping[str, object], scales: list[MetricScale], position: dict[str, int]
) -> tuple[int | None, ...]:
    """Per metric of the profile, the incident's level of it (None: not reported)."""
    levels: list[int | None] = [None] * len(scales)
    for name, value in metrics.items():
        i = position.get(name)
        if i is not None and is_number(value):
            assert isinstance(value, int | float)
            levels[i] = metric_level(float(value), scales[i])
    return tuple(levels)


def _collect(
    docs: Sequence[IncidentDoc], options: FeatureOptions, scales: list[MetricScale]
) -> tuple[_Rows, list[str]]:
    """Distinct rows: equal generalised templates, prose terms, trace shape, metric levels
    (and service and class when they weigh anything)."""
    masked = [templates_of(doc) for doc in docs]
    counts: dict[str, int] = {}
    for templates in masked:
        for template in templates:
            counts[template] = counts.get(template, 0) + 1
    general = generalise(counts)
    weights = options.weights
    position = {s.name: i for i, s in enumerate(scales)}
    keys: dict[tuple[object, ...], int] = {}
    rows = _Rows(np.zeros(len(docs), dtype=np.int64), [], [], [], [])
    for i, doc in enumerate(docs):
        templates = tuple(dict.fromkeys(general[t] for t in masked[i]))
        parts = prose_parts(doc)
        prose = weighted_terms(parts, options.section_weights)
        levels = _levels(doc.metrics, scales, position)
        shape = tuple(s.strip().lower() for s in doc.trace_shape if s and s.strip())
        key = (
            templates,
            _key(prose),
            shape,
            levels,
            doc.service if weights.service > 0 else "",
            doc.failure_class if weights.failure_class > 0 else "",
        )
        row = keys.get(key)
        if row is None:
            row = keys[key] = len(rows.firsts)
            rows.firsts.append(i)
            rows.templates.append(templates)
            rows.prose.append(prose)
            rows.body.append(any(name != "title" for name, _ in parts))
        rows.row_of[i] = row
    variables = sorted({g for g in general.values() if WILDCARD in g})
    return rows, variables


def build_features(docs: Sequence[IncidentDoc], options: FeatureOptions) -> Features:
    """Fit the feature space on a window's incidents and encode their distinct rows."""
    scales = metric_scales(docs, options.metric_min_share)
    rows, variables = _collect(docs, options, scales)
    counts = np.bincount(rows.row_of, minlength=len(rows.firsts)).astype(np.float64)
    distinct = [docs[i] for i in rows.firsts]
    min_df = effective_min_df(options.min_df, len(docs))
    total = float(len(docs))

    # Messages: one unit vector per distinct template, a row is the sum of its templates'.
    template_list = sorted({t for templates in rows.templates for t in templates})
    template_at = {t: i for i, t in enumerate(template_list)}
    carried = np.zeros(len(template_list))
    for templates, count in zip(rows.templates, counts.tolist(), strict=True):
        for t in templates:
            carried[template_at[t]] += count
    template_terms = [message_terms(t) for t in template_list]
    m_vocab, _ = _vocabulary(template_terms, carried, min_df, MAX_TERMS)
    # Specificity among the window's messages: a word in every template of a log format
    # ("level", "error", "msg") says little, a word of one template much.
    in_templates = Counter(t for terms in template_terms for t in set(terms))
    m_idf = smoothed_idf(
        np.array([in_templates[t] for t in m_vocab], dtype=np.float64), float(len(template_list))
    )
    units = _sparse(template_terms, m_vocab, m_idf)
    membership = _membership(rows.templates, template_at)
    sums = membership @ units
    mass = np.asarray(sums.multiply(sums).sum(axis=1)).ravel()
    m_components = _components(_scaled(units, carried), options.svd_components)
    messages = (
        np.asarray(sums @ m_components.T)
        if m_components.size
        else np.zeros((len(distinct), m_components.shape[0]))
    )

    # Prose: section-weighted terms, the team's boilerplate dropped by document frequency.
    having = float(counts[[bool(p) for p in rows.prose]].sum()) if rows.prose else 0.0
    p_vocab, p_df = _vocabulary(
        rows.prose,
        counts,
        min_df,
        MAX_TERMS,
        BOILERPLATE_SHARE if having >= BOILERPLATE_DOCS else None,
    )
    p_idf = smoothed_idf(p_df, max(having, 1.0))
    prose_matrix, norms = _sparse(rows.prose, p_vocab, p_idf, with_norms=True)
    having_prose = norms > 0
    reference = (
        weighted_median(norms[having_prose], counts[having_prose]) if having_prose.any() else 1.0
    )
    strength = np.array([prose_strength(n, reference) if n > 0 else 0.0 for n in norms])
    p_components = _components(_scaled(prose_matrix, counts), options.svd_components)
    prose = (
        np.asarray(prose_matrix @ p_components.T)
        if p_components.size
        else np.zeros((len(distinct), p_components.shape[0]))
    )

    trace_rows = [trace_terms(d.trace_shape) for d in distinct]
    s_vocab, s_df = _vocabulary(trace_rows, counts, min_df, MAX_TRACE_TERMS)
    s_idf = smoothed_idf(s_df, total)
    trace = np.zeros((len(distinct), len(s_vocab)))
    s_index = {t: i for i, t in enumerate(s_vocab)}
    for row, shape_terms in enumerate(trace_rows):
        cols, vals = tfidf_row(shape_terms, s_index, s_idf)
        trace[row, cols] = vals
    template_vectors = (
        np.asarray(units @ m_components.T)
        if m_components.size
        else np.zeros((len(template_list), 0))
    )
    chance = (chance_level(template_vectors), chance_level(prose), chance_level(trace))
    model = FeatureModel(
        m_vocab,
        m_idf,
        m_components.astype(np.float32),
        p_vocab,
        p_idf,
        p_components.astype(np.float32),
        s_vocab,
        s_idf,
        scales,
        options.weights,
        variables,
        dict(options.section_weights),
        chance,
        reference,
    )
    metrics = (
        np.vstack([model.metric_row(d.metrics) for d in distinct])
        if distinct
        else np.zeros((0, 2 * len(scales)))
    )
    present = np.array(
        [
            presence(
                mass[r] > 0, bool(prose[r].any()), bool(trace[r].any()), bool(metrics[r].any())
            )
            for r in range(len(distinct))
        ],
        dtype=np.int64,
    )
    blocks = Blocks(
        messages,
        mass,
        prose,
        strength,
        trace,
        metrics,
        present,
        [d.service for d in distinct],
        [d.failure_class for d in distinct],
    )
    terms = [
        {**{t: 1.0 for tpl in templates for t in message_terms(tpl)}, **prose_terms}
        for templates, prose_terms in zip(rows.templates, rows.prose, strict=True)
    ]
    return Features(
        model,
        blocks,
        BlockSimilarities.build(blocks, options.weights, chance),
        counts,
        rows.row_of,
        rows.templates,
        terms,
        min_df,
        np.array(rows.body, dtype=bool),
    )


CHANCE_PAIRS = 4000


def chance_level(vectors: np.ndarray) -> float:
    """What two unrelated rows of a block share: the median similarity of random pairs of
    distinct non-empty vectors (templates, prose, trace shapes), in [0, 0.9].

    Most pairs of distinct rows are of different patterns, so their median is what a
    block's format alone makes alike ("level=error msg=…" in every log line, the
    gateway every request enters by); only the similarity above it is evidence.
    """
    if not vectors.size:
        return 0.0
    vectors = _distinct_rows(np.round(vectors, 6))
    present = np.flatnonzero(np.abs(vectors).sum(axis=1) > 0)
    if len(present) < 3:
        return 0.0
    rng = np.random.default_rng(0)
    a = present[rng.integers(0, len(present), CHANCE_PAIRS)]
    b = present[rng.integers(0, len(present), CHANCE_PAIRS)]
    keep = a != b
    sims = np.einsum("ij,ij->i", vectors[a[keep]], vectors[b[keep]])
    return round(min(0.9, max(0.0, float(np.median(sims)))), 4) if len(sims) else 0.0


def _distinct_rows(vectors: np.ndarray) -> np.ndarray:
    """``np.unique(vectors, axis=0)``, the many equal rows of a large window dropped first by
    their bytes (sorting whole float rows is slow)."""
    if len(vectors) < 2:
        return vectors
    rows = np.ascontiguousarray(vectors + 0.0)  # -0.0 and 0.0 are one value, as unique says
    keys = rows.view(np.dtype((np.void, rows.dtype.itemsize * rows.shape[1]))).ravel()
    _, first = np.unique(keys, return_index=True)
    return np.asarray(np.unique(rows[np.sort(first)], axis=0))


def _membership(row_templates: Sequence[tuple[str, ...]], index: dict[str, int]) -> Any:
    """Rows × templates, 1 where the row carries the template (CSR)."""
    from scipy import sparse

    cols = [index[t] for templates in row_templates for t in templates]
    indptr = np.cumsum([0, *(len(t) for t in row_templates)])
    return sparse.csr_matrix(
        (np.ones(len(cols)), np.asarray(cols, dtype=np.int64), indptr),
        shape=(len(row_templates), len(index)),
    )


def _scaled(matrix: Any, counts: np.ndarray) -> Any:
    """Each row times the square root of the incidents it stands for (what SVD fits)."""
    from scipy import sparse

    assert isinstance(matrix, sparse.csr_matrix)
    return sparse.csr_matrix(sparse.diags(np.sqrt(counts)) @ matrix)


GRAM_WIDTH = 2048  # up to this many terms, a block's components come from its Gram matrix


def _components(joined: object, wanted: int) -> np.ndarray:
    """Orthonormal rows spanning the block's space: the identity when it is already small."""
    from scipy import sparse

    assert isinstance(joined, sparse.csr_matrix)
    rows, width = joined.shape
    if width == 0 or rows == 0:
        return np.zeros((0, width))
    if width <= wanted:
        return np.eye(width)
    if rows <= wanted:
        # Few distinct rows: their exact row space, from a small dense SVD.
        _, singular, vt = np.linalg.svd(joined.toarray(), full_matrices=False)
        components = vt[singular > 1e-9 * max(float(singular.max(initial=0.0)), 1e-300)]
        k = components.shape[0]
    elif width <= GRAM_WIDTH:
        # The leading eigenvectors of the (small) Gram matrix are the exact leading right
        # singular vectors, in a fraction of a randomized SVD's time.
        gram = np.asarray((joined.T @ joined).toarray(), dtype=np.float64)
        values, vectors = np.linalg.eigh(gram)
        top = np.argsort(-values, kind="stable")[:wanted]
        top = top[values[top] > 1e-12 * max(float(values.max(initial=0.0)), 1e-300)]
        components = np.ascontiguousarray(vectors[:, top].T)
        k = components.shape[0]
    else:
        from sklearn.decomposition import TruncatedSVD

        k = min(wanted, width - 1)
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=3, random_state=0)
        svd.fit(joined)
        components = np.asarray(svd.components_)
    if k == 0:
        return np.zeros((0, width))
    # Fix each component's sign (largest absolute entry positive) for reproducible vectors.
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    return np.asarray(components * signs[:, None], dtype=np.float64)
