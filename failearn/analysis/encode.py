"""Turning incidents into feature vectors with a fitted :class:`FeatureModel` (numpy only).

A vector has three *evidence* blocks and two *weak* features:

* **text**: TF-IDF (sublinear tf, smoothed idf, L2) over the masked message
  templates (words and word pairs) and, apart, over title + summary + root cause
  (words); the two are joined with the weights of ``[cluster]`` and projected on
  the model's SVD components.  The projection is *not* renormalised: an
  incident whose words the components do not capture keeps a short vector and
  so stays far from everything (noise stays noise);
* **trace**: the failing request's ordered spans as shingles (each span, each
  consecutive pair, the entry point), TF-IDF, L2;
* **resource profile**: each metric robustly scaled (median, MAD), squashed by
  ``tanh(z / 2)`` so that one wild value cannot dominate, quantised to nine
  levels (noisy sub-second metrics stop making brittle patterns, and identical
  rows can be collapsed), and written as a unit vector at angle ``level·π/4``:
  equal levels give 1, opposite extremes 0;
* **service** and **failure class**: weak one-hot features, so a pattern may
  cross services and classes.

The similarity of two incidents is the weighted mean of their blocks' dot
products over the evidence blocks *both* have (times one minus the weak
weights), plus the weak features they share::

    sim(a, b) = (1 - weak) · Σ_{b∈A∩B} W_b (u_ab · u_bb) / Σ_{b∈A∩B} W_b · enough + weak matches

so an alert without a trace shape or metrics is compared on what it has, and
an incident with metrics is as close to its twin without them as the rest of
their evidence says.  ``enough`` is 1 when the shared blocks carry at least
half (:data:`SHARED_ENOUGH`) of the richer incident's evidence weight, and
shrinks in proportion below that: an incident known only by its metrics is
not the twin of every richly described incident whose metrics look alike.
Distance is ``1 - similarity``.  An incident with no evidence at all is only
ever similar through its service and class (at most their weights), and so is
never a core point.  :class:`BlockSimilarities` computes it for blocks of rows
as one matrix product and a lookup of the factor by the two rows' sets of
blocks (eight of them).

This module needs only numpy: ``failearn similar`` encodes a query with it
without importing scikit-learn.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from failearn.analysis.messages import mask
from failearn.analysis.model import IncidentDoc

BLOCK_TEXT = 1
BLOCK_TRACE = 2
BLOCK_METRICS = 4

_WORD = re.compile(r"<\w+>|[a-z][a-z0-9_]+(?:[.-][a-z0-9_]+)*")
STOP_WORDS = frozenset(
    """
a about above after again all also an and any are as at be because been before being between
both but by can could did do does doing down during each few for from further had has have
having he her here hers him his how i if in into is it its itself just me more most my no
nor not now of off on once only or other our ours out over own same she should so some such
than that the their theirs them then there these they this those through to too under until
up very was we were what when where which while who whom why will with would you your yours
""".split()  # noqa: SIM905
)
LEVELS = 4  # tanh-squashed scores are quantised to k/LEVELS, k in -LEVELS..LEVELS


@dataclass(frozen=True)
class Weights:
    """The weight of each part of an incident's vector (``[cluster]`` in the configuration)."""

    messages: float = 0.45
    text: float = 0.15
    trace: float = 0.20
    metrics: float = 0.10
    service: float = 0.05
    failure_class: float = 0.05

    @property
    def weak(self) -> float:
        return self.service + self.failure_class

    @property
    def evidence(self) -> dict[int, float]:
        return {
            BLOCK_TEXT: self.messages + self.text,
            BLOCK_TRACE: self.trace,
            BLOCK_METRICS: self.metrics,
        }


@dataclass(frozen=True)
class MetricScale:
    """How one metric is scaled: its median and robust spread over the fitting window."""

    name: str
    median: float
    scale: float


def message_terms(template: str) -> list[str]:
    """Words and consecutive word pairs of a masked message template."""
    words = _WORD.findall(template.lower())
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def text_terms(text: str) -> list[str]:
    """Words of narrative text (masked), without stop words."""
    return [w for w in _WORD.findall(mask(text).lower()) if w not in STOP_WORDS]


def trace_terms(shape: Sequence[str]) -> list[str]:
    """Shingles of a trace shape: each span, each consecutive pair, the entry point."""
    spans = [s.strip().lower() for s in shape if s and s.strip()]
    if not spans:
        return []
    return (
        [f"span:{s}" for s in spans]
        + [f"{a}>{b}" for a, b in itertools.pairwise(spans)]
        + [f"entry:{spans[0]}"]
    )


def narrative(doc: IncidentDoc) -> str:
    return "\n".join(t for t in (doc.title, doc.summary, doc.root_cause) if t)


def templates_of(doc: IncidentDoc) -> tuple[str, ...]:
    """The distinct masked templates of an incident's messages, in order."""
    return tuple(dict.fromkeys(m for m in (mask(x) for x in doc.messages) if m))


def metric_level(value: float, scale: MetricScale) -> int:
    """The quantised level (-LEVELS..LEVELS) of one metric value."""
    z = (value - scale.median) / scale.scale
    return round(math.tanh(z / 2.0) * LEVELS)


def tfidf_row(
    terms: Iterable[str], index: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row of TF-IDF: sublinear tf × idf, L2-normalised; (column indices, values)."""
    counts = Counter(index[t] for t in terms if t in index)
    if not counts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    cols = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    tf = np.array([1.0 + math.log(counts[c]) for c in cols.tolist()])
    values = tf * idf[cols]
    norm = float(np.sqrt(values @ values))
    return cols, values / norm if norm > 0 else values


def smoothed_idf(df: np.ndarray, total: float) -> np.ndarray:
    return np.log((1.0 + total) / (1.0 + df)) + 1.0


@dataclass
class Blocks:
    """Encoded incidents: the unit (or zero) vector of each block, and which blocks exist.

    ``text`` is the SVD projection (its norm is at most 1); ``present`` is a
    bit mask of ``BLOCK_*``.
    """

    text: np.ndarray
    trace: np.ndarray
    metrics: np.ndarray
    present: np.ndarray
    services: list[str]
    classes: list[str]

    def __len__(self) -> int:
        return int(self.present.shape[0])

    def packed(self) -> np.ndarray:
        """The blocks side by side (float32), as the similarity index stores them."""
        return np.hstack([self.text, self.trace, self.metrics]).astype(np.float32)


@dataclass
class FeatureModel:
    """Everything needed to encode an incident the way a cluster run did."""

    message_vocabulary: list[str]
    message_idf: np.ndarray
    text_vocabulary: list[str]
    text_idf: np.ndarray
    components: np.ndarray
    trace_vocabulary: list[str]
    trace_idf: np.ndarray
    metrics: list[MetricScale]
    weights: Weights
    _indexes: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)

    def index(self, name: str) -> dict[str, int]:
        if name not in self._indexes:
            vocabulary = {
                "message": self.message_vocabulary,
                "text": self.text_vocabulary,
                "trace": self.trace_vocabulary,
            }[name]
            self._indexes[name] = {t: i for i, t in enumerate(vocabulary)}
        return self._indexes[name]

    @property
    def dims(self) -> tuple[int, int, int]:
        """Widths of the text, trace and metric blocks."""
        return int(self.components.shape[0]), len(self.trace_vocabulary), 2 * len(self.metrics)

    # -- encoding (row by row: for queries and the few incidents a run has not seen) --

    def text_row(self, templates: Sequence[str], narrative_text: str) -> np.ndarray:
        """The text block of one incident: joined TF-IDF rows projected on the components."""
        terms = [t for template in templates for t in message_terms(template)]
        m_cols, m_vals = tfidf_row(terms, self.index("message"), self.message_idf)
        n_cols, n_vals = tfidf_row(text_terms(narrative_text), self.index("text"), self.text_idf)
        share = message_share(self.weights, bool(len(m_cols)), bool(len(n_cols)))
        cols = np.concatenate([m_cols, n_cols + len(self.message_vocabulary)])
        vals = np.concatenate([m_vals * math.sqrt(share), n_vals * math.sqrt(1.0 - share)])
        if not len(cols):
            return np.zeros(self.components.shape[0])
        return np.asarray(self.components[:, cols] @ vals, dtype=np.float64)

    def trace_row(self, shape: Sequence[str]) -> np.ndarray:
        cols, vals = tfidf_row(trace_terms(shape), self.index("trace"), self.trace_idf)
        row = np.zeros(len(self.trace_vocabulary))
        row[cols] = vals
        return row

    def metric_row(self, metrics: dict[str, float]) -> np.ndarray:
        row = np.zeros(2 * len(self.metrics))
        present = [(i, s) for i, s in enumerate(self.metrics) if _is_number(metrics.get(s.name))]
        for i, scale in present:
            angle = metric_level(float(metrics[scale.name]), scale) * math.pi / (4 * LEVELS)
            row[2 * i], row[2 * i + 1] = math.cos(angle), math.sin(angle)
        return row / math.sqrt(len(present)) if present else row

    def encode(self, docs: Sequence[IncidentDoc]) -> Blocks:
        """Encode incidents one by one (numpy only; fine for tens of thousands at most)."""
        k, t, m = self.dims
        text = np.zeros((len(docs), k))
        trace = np.zeros((len(docs), t))
        metrics = np.zeros((len(docs), m))
        present = np.zeros(len(docs), dtype=np.int64)
        for row, doc in enumerate(docs):
            text[row] = self.text_row(templates_of(doc), narrative(doc))
            trace[row] = self.trace_row(doc.trace_shape)
            metrics[row] = self.metric_row(doc.metrics)
            present[row] = presence(
                bool(text[row].any()), bool(trace[row].any()), bool(metrics[row].any())
            )
        return Blocks(
            text,
            trace,
            metrics,
            present,
            [d.service for d in docs],
            [d.failure_class for d in docs],
        )

    # -- persistence --------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """JSON text and float32 BLOBs, for the store."""
        meta = {
            "message_vocabulary": self.message_vocabulary,
            "text_vocabulary": self.text_vocabulary,
            "trace_vocabulary": self.trace_vocabulary,
            "metrics": [[s.name, s.median, s.scale] for s in self.metrics],
            "weights": self.weights.__dict__,
            "components_shape": list(self.components.shape),
        }
        return {
            "model": json.dumps(meta, sort_keys=True),
            "components": self.components.astype(np.float32).tobytes(),
            "message_idf": self.message_idf.astype(np.float64).tobytes(),
            "text_idf": self.text_idf.astype(np.float64).tobytes(),
            "trace_idf": self.trace_idf.astype(np.float64).tobytes(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FeatureModel:
        meta = json.loads(record["model"])
        shape = tuple(meta["components_shape"])
        return cls(
            message_vocabulary=meta["message_vocabulary"],
            message_idf=np.frombuffer(record["message_idf"], dtype=np.float64),
            text_vocabulary=meta["text_vocabulary"],
            text_idf=np.frombuffer(record["text_idf"], dtype=np.float64),
            components=np.frombuffer(record["components"], dtype=np.float32).reshape(shape),
            trace_vocabulary=meta["trace_vocabulary"],
            trace_idf=np.frombuffer(record["trace_idf"], dtype=np.float64),
            metrics=[MetricScale(n, float(m), float(s)) for n, m, s in meta["metrics"]],
            weights=Weights(**meta["weights"]),
        )


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def message_share(weights: Weights, has_messages: bool, has_text: bool) -> float:
    """The share of the text block given to message templates (the rest: narrative)."""
    if has_messages and has_text:
        total = weights.messages + weights.text
        return weights.messages / total if total > 0 else 0.5
    return 1.0 if has_messages else 0.0


def presence(text: bool, trace: bool, metrics: bool) -> int:
    return (
        (BLOCK_TEXT if text else 0)
        | (BLOCK_TRACE if trace else 0)
        | (BLOCK_METRICS if metrics else 0)
    )


_BITS = (BLOCK_TEXT, BLOCK_TRACE, BLOCK_METRICS)


# The blocks two incidents share must carry at least this share of the richer one's
# evidence to be compared on alone; below it the similarity shrinks in proportion.
SHARED_ENOUGH = 0.5


def shared_weights(weights: Weights) -> np.ndarray:
    """8×8: for two rows' sets of evidence blocks, the factor that turns the weighted sum of
    their shared blocks' dot products into their evidence similarity (module docstring)."""
    evidence = weights.evidence
    table = np.zeros((8, 8))
    for a, b in itertools.product(range(8), repeat=2):
        shared = sum(evidence[bit] for bit in _BITS if a & b & bit)
        richer = max(sum(evidence[bit] for bit in _BITS if side & bit) for side in (a, b))
        if shared > 0:
            enough = min(1.0, shared / (SHARED_ENOUGH * richer))
            table[a, b] = (1.0 - weights.weak) * enough / shared
    return table


def _evidence_rows(blocks: Blocks, weights: Weights) -> np.ndarray:
    """The evidence blocks side by side, each scaled by the square root of its weight."""
    evidence = weights.evidence
    return np.hstack(
        [
            blocks.text * math.sqrt(evidence[BLOCK_TEXT]),
            blocks.trace * math.sqrt(evidence[BLOCK_TRACE]),
            blocks.metrics * math.sqrt(evidence[BLOCK_METRICS]),
        ]
    )


def _codes(values: Sequence[str]) -> np.ndarray:
    """Each value as a small integer, equal values equal codes."""
    index: dict[str, int] = {}
    return np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values)
    )


@dataclass(frozen=True)
class BlockSimilarities:
    """The similarities of encoded rows (see the module docstring), block by block."""

    evidence: np.ndarray  # float32, rows × evidence width
    present: np.ndarray  # per row, its set of evidence blocks (0..7)
    services: np.ndarray  # per row, its service as a code
    classes: np.ndarray  # per row, its failure class as a code
    normaliser: np.ndarray  # float32 8×8, :func:`shared_weights`
    service_weight: float
    class_weight: float

    @classmethod
    def build(cls, blocks: Blocks, weights: Weights) -> BlockSimilarities:
        codes = _codes([*blocks.services, *blocks.classes])
        count = len(blocks.services)
        return cls(
            _evidence_rows(blocks, weights).astype(np.float32),
            np.asarray(blocks.present, dtype=np.int64),
            codes[:count],
            codes[count:],
            shared_weights(weights).astype(np.float32),
            weights.service,
            weights.failure_class,
        )

    @property
    def rows(self) -> int:
        return int(self.evidence.shape[0])

    def take(self, indices: np.ndarray) -> BlockSimilarities:
        """The rows at ``indices``, gathered once (e.g. a run's core rows)."""
        return replace(
            self,
            evidence=self.evidence[indices],
            present=self.present[indices],
            services=self.services[indices],
            classes=self.classes[indices],
        )

    def between(
        self, rows: slice | np.ndarray, other: BlockSimilarities | None = None
    ) -> np.ndarray:
        """Similarities of ``rows`` (a slice or indices) to every row of ``other`` (of these
        rows by default), as float32; temporaries stay the size of the result."""
        cols = self if other is None else other
        sims = self.evidence[rows] @ cols.evidence.T
        sims *= np.take(self.normaliser[self.present[rows]], cols.present, axis=1)
        for mine, theirs, weight in (
            (self.services, cols.services, self.service_weight),
            (self.classes, cols.classes, self.class_weight),
        ):
            if weight > 0:
                np.add(
                    sims, np.float32(weight), out=sims, where=mine[rows][:, None] == theirs[None, :]
                )
        return np.asarray(sims)


def similarity_to(query: Blocks, row: int, candidates: Blocks, weights: Weights) -> np.ndarray:
    """Similarity of one encoded incident to every candidate (the clustering similarity)."""
    evidence = weights.evidence
    score = (candidates.text @ query.text[row]) * evidence[BLOCK_TEXT]
    score += (candidates.trace @ query.trace[row]) * evidence[BLOCK_TRACE]
    score += (candidates.metrics @ query.metrics[row]) * evidence[BLOCK_METRICS]
    score *= shared_weights(weights)[
        np.asarray(candidates.present, dtype=np.int64), int(query.present[row])
    ]
    services = np.array(candidates.services, dtype=object)
    classes = np.array(candidates.classes, dtype=object)
    score += weights.service * (services == query.services[row])
    score += weights.failure_class * (classes == query.classes[row])
    return np.asarray(score, dtype=np.float64)
