"""Fitting the feature space of a cluster run (see :mod:`failearn.analysis.encode`).

:func:`build_features` reads the incidents of a window and returns the fitted
:class:`~failearn.analysis.encode.FeatureModel`, the encoded *distinct* rows
and, per incident, which distinct row it is.  Many incidents share one row
once their messages are masked and their metrics quantised (every alert of a
pool exhaustion looks alike); clustering works on the distinct rows with their
counts as sample weights, which is what keeps a 50,000-incident window within
memory.

Document frequencies count incidents, not distinct rows, so ``min_df`` means
"a term in fewer than this many incidents is dropped" whatever the collapse.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from failearn.analysis.encode import (
    BLOCK_METRICS,
    BLOCK_TEXT,
    BLOCK_TRACE,
    Blocks,
    BlockSimilarities,
    FeatureModel,
    MetricScale,
    Weights,
    message_share,
    message_terms,
    metric_level,
    narrative,
    presence,
    smoothed_idf,
    templates_of,
    text_terms,
    tfidf_row,
    trace_terms,
)
from failearn.analysis.model import IncidentDoc

MAX_METRICS = 16
MAX_TRACE_TERMS = 256
MAX_TERMS = 50_000


@dataclass(frozen=True)
class FeatureOptions:
    """The knobs of the feature space (``[cluster]`` in the configuration)."""

    weights: Weights = field(default_factory=Weights)
    min_df: int = 5
    svd_components: int = 100
    metric_min_share: float = 0.05


@dataclass
class Features:
    """The encoded distinct rows of a window and how incidents map onto them."""

    model: FeatureModel
    blocks: Blocks  # one row per distinct row
    matrix: np.ndarray  # float32, each row's centroid-view vector (cohesion)
    similarities: BlockSimilarities  # what clustering compares rows by
    counts: np.ndarray  # incidents per distinct row (DBSCAN's sample weights)
    row_of: np.ndarray  # per incident, its distinct row
    templates: list[tuple[str, ...]]  # per distinct row, its masked message templates
    terms: list[list[str]]  # per distinct row, its text terms (for labels)
    min_df: int

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
    """The metrics of the resource profile: common enough, not constant; median and spread."""
    values: dict[str, list[float]] = {}
    for doc in docs:
        for name, value in doc.metrics.items():
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and math.isfinite(value)
            ):
                values.setdefault(name, []).append(float(value))
    needed = max(3, math.ceil(min_share * len(docs)))
    ranked = sorted(
        (name for name, v in values.items() if len(v) >= needed),
        key=lambda name: (-len(values[name]), name),
    )
    scales = []
    for name in ranked:
        array = np.asarray(values[name])
        spread = _robust_scale(array)
        if spread > 0:
            scales.append(MetricScale(name, float(np.median(array)), spread))
        if len(scales) == MAX_METRICS:
            break
    return sorted(scales, key=lambda s: s.name)


def _vocabulary(
    rows: Sequence[Sequence[str]], counts: np.ndarray, min_df: int, limit: int
) -> tuple[list[str], np.ndarray]:
    """Terms in at least ``min_df`` incidents (most frequent ``limit``), sorted; their df."""
    df: dict[str, float] = {}
    for terms, count in zip(rows, counts.tolist(), strict=True):
        for term in set(terms):
            df[term] = df.get(term, 0.0) + count
    kept = [t for t, n in df.items() if n >= min_df]
    if len(kept) > limit:
        kept = sorted(kept, key=lambda t: (-df[t], t))[:limit]
    kept.sort()
    return kept, np.array([df[t] for t in kept], dtype=np.float64)


def _sparse_rows(
    rows: Sequence[Sequence[str]], vocabulary: list[str], idf: np.ndarray
) -> tuple[list[np.ndarray], list[np.ndarray]]:
    index = {t: i for i, t in enumerate(vocabulary)}
    cols, vals = [], []
    for terms in rows:
        c, v = tfidf_row(terms, index, idf)
        cols.append(c)
        vals.append(v)
    return cols, vals


def build_features(docs: Sequence[IncidentDoc], options: FeatureOptions) -> Features:
    """Fit the feature space on a window's incidents and encode their distinct rows."""
    from scipy import sparse

    weights = options.weights
    scales = metric_scales(docs, options.metric_min_share)
    keys: dict[tuple[object, ...], int] = {}
    row_of = np.zeros(len(docs), dtype=np.int64)
    firsts: list[int] = []
    templates_rows: list[tuple[str, ...]] = []
    text_rows: list[list[str]] = []
    for i, doc in enumerate(docs):
        templates = templates_of(doc)
        words = text_terms(narrative(doc))
        levels = tuple(
            metric_level(float(doc.metrics[s.name]), s)
            if _numeric(doc.metrics.get(s.name))
            else None
            for s in scales
        )
        shape = tuple(s.strip().lower() for s in doc.trace_shape if s and s.strip())
        key = (templates, tuple(sorted(words)), shape, levels, doc.service, doc.failure_class)
        row = keys.get(key)
        if row is None:
            row = keys[key] = len(firsts)
            firsts.append(i)
            templates_rows.append(templates)
            text_rows.append(words)
        row_of[i] = row
    counts = np.bincount(row_of, minlength=len(firsts)).astype(np.float64)
    distinct = [docs[i] for i in firsts]
    message_rows = [[t for tpl in tpls for t in message_terms(tpl)] for tpls in templates_rows]
    trace_rows = [trace_terms(d.trace_shape) for d in distinct]
    min_df = effective_min_df(options.min_df, len(docs))
    total = float(len(docs))

    m_vocab, m_df = _vocabulary(message_rows, counts, min_df, MAX_TERMS)
    t_vocab, t_df = _vocabulary(text_rows, counts, min_df, MAX_TERMS)
    s_vocab, s_df = _vocabulary(trace_rows, counts, min_df, MAX_TRACE_TERMS)
    m_idf, t_idf, s_idf = (
        smoothed_idf(m_df, total),
        smoothed_idf(t_df, total),
        smoothed_idf(s_df, total),
    )

    m_cols, m_vals = _sparse_rows(message_rows, m_vocab, m_idf)
    t_cols, t_vals = _sparse_rows(text_rows, t_vocab, t_idf)
    indptr = [0]
    indices: list[np.ndarray] = []
    data: list[np.ndarray] = []
    for mc, mv, tc, tv in zip(m_cols, m_vals, t_cols, t_vals, strict=True):
        share = message_share(weights, bool(len(mc)), bool(len(tc)))
        indices.extend([mc, tc + len(m_vocab)])
        data.extend([mv * math.sqrt(share), tv * math.sqrt(1.0 - share)])
        indptr.append(indptr[-1] + len(mc) + len(tc))
    width = len(m_vocab) + len(t_vocab)
    joined = sparse.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
            np.asarray(indptr),
        ),
        shape=(len(distinct), width),
    )
    components = _components(joined, options.svd_components)
    text = (
        np.asarray(joined @ components.T)
        if components.size
        else np.zeros((len(distinct), components.shape[0]))
    )

    model = FeatureModel(
        m_vocab,
        m_idf,
        t_vocab,
        t_idf,
        components.astype(np.float32),
        s_vocab,
        s_idf,
        scales,
        weights,
    )
    trace = np.zeros((len(distinct), len(s_vocab)))
    for row, shape_terms in enumerate(trace_rows):
        cols, vals = tfidf_row(shape_terms, model.index("trace"), s_idf)
        trace[row, cols] = vals
    metrics = (
        np.vstack([model.metric_row(d.metrics) for d in distinct])
        if distinct
        else np.zeros((0, 2 * len(scales)))
    )
    present = np.array(
        [
            presence(
                bool(joined.indptr[r + 1] > joined.indptr[r]),
                bool(trace[r].any()),
                bool(metrics[r].any()),
            )
            for r in range(len(distinct))
        ],
        dtype=np.int64,
    )
    blocks = Blocks(
        text,
        trace,
        metrics,
        present,
        [d.service for d in distinct],
        [d.failure_class for d in distinct],
    )
    return Features(
        model,
        blocks,
        clustering_matrix(blocks, weights),
        BlockSimilarities.build(blocks, weights),
        counts,
        row_of,
        templates_rows,
        [list(m) + list(t) for m, t in zip(message_rows, text_rows, strict=True)],
        min_df,
    )


def _numeric(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _components(joined: object, wanted: int) -> np.ndarray:
    """Orthonormal rows spanning the text space: the identity when it is already small."""
    from scipy import sparse

    assert isinstance(joined, sparse.csr_matrix)
    rows, width = joined.shape
    if width == 0:
        return np.zeros((0, 0))
    if width <= wanted:
        return np.eye(width)
    if rows <= wanted:
        # Few distinct rows: their exact row space, from a small dense SVD.
        _, singular, vt = np.linalg.svd(joined.toarray(), full_matrices=False)
        components = vt[singular > 1e-9 * max(float(singular.max(initial=0.0)), 1e-300)]
        k = components.shape[0]
    else:
        from sklearn.decomposition import TruncatedSVD

        k = min(wanted, width - 1)
        svd = TruncatedSVD(n_components=k, algorithm="randomized", n_iter=5, random_state=0)
        svd.fit(joined)
        components = np.asarray(svd.components_)
    if k == 0:
        return np.zeros((0, width))
    # Fix each component's sign (largest absolute entry positive) for reproducible vectors.
    signs = np.sign(components[np.arange(k), np.abs(components).argmax(axis=1)])
    return np.asarray(components * signs[:, None], dtype=np.float64)


def block_scales(present: np.ndarray, weights: Weights) -> np.ndarray:
    """Per row and evidence block, sqrt of the block's weight renormalised over the row's blocks.

    Shape (rows, 3), columns text, trace, metrics.
    """
    evidence = weights.evidence
    bits = (BLOCK_TEXT, BLOCK_TRACE, BLOCK_METRICS)
    has = np.stack([(present & b) > 0 for b in bits], axis=1).astype(np.float64)
    raw = has * np.array([evidence[b] for b in bits])
    total = raw.sum(axis=1, keepdims=True)
    share = np.divide(raw, total, out=np.zeros_like(raw), where=total > 0)
    return np.asarray(np.sqrt(share * (1.0 - weights.weak)), dtype=np.float64)


def clustering_matrix(blocks: Blocks, weights: Weights) -> np.ndarray:
    """Each row as one vector of norm at most one (its blocks weighted over the blocks it
    has): the centroid view that a cluster's cohesion is measured in."""
    scales = block_scales(blocks.present, weights)
    parts = [
        blocks.text * scales[:, [0]],
        blocks.trace * scales[:, [1]],
        blocks.metrics * scales[:, [2]],
    ]
    for values, weight in (
        (blocks.services, weights.service),
        (blocks.classes, weights.failure_class),
    ):
        names = sorted(set(values))
        if not names or weight <= 0:
            continue
        index = {n: i for i, n in enumerate(names)}
        onehot = np.zeros((len(values), len(names)))
        onehot[np.arange(len(values)), [index[v] for v in values]] = math.sqrt(weight)
        parts.append(onehot)
    return np.hstack(parts).astype(np.float32) if parts else np.zeros((0, 0), np.float32)
