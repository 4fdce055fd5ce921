"""Turning incidents into feature vectors with a fitted :class:`FeatureModel` (numpy only).

An incident has up to four *evidence* blocks and two *weak* features:

* **messages**: each of its error messages is masked (:mod:`failearn.analysis.
  templates`), its varying words generalised to ``<*>``, and written as a unit
  TF-IDF vector (words and word pairs, placeholders left out); the block is the
  *sum* of those vectors, projected on the model's SVD components, with the sum's
  squared norm (``mass``) kept beside it;
* **prose**: title, summary, root cause, resolution and the other sections of a
  post-mortem, weighted by section (:mod:`failearn.analysis.prose`), as TF-IDF
  (sublinear tf, smoothed idf, L2) projected on the model's components;
* **trace**: the failing request's ordered spans as shingles (each span, each
  consecutive pair, the entry point), TF-IDF, L2;
* **resource profile**: which metrics the incident reports, each weighted by its
  rarity among the incidents that report metrics (a metric only one failure's
  incidents report is what sets them apart; one every incident reports says
  nothing), and at what level: each metric robustly scaled (median, MAD),
  squashed by ``tanh(z / 2)`` and quantised to nine levels in [-1, 1] (metrics
  at their usual level are near 0 and so say nothing, two incidents with the
  same unusual values are alike, opposite ones unlike); half of the block each;
* **service** and **failure class**: weak features, a similarity bonus when equal.

Projections are *not* renormalised: an incident whose words the components do not
capture keeps a short vector and so stays far from everything (noise stays noise).

The similarity of two blocks is their dot product, except for messages, which are
compared as *sets*: ``(m_a · m_b) / min(mass_a, mass_b)`` (at most 1), the share
of the smaller set of messages found in the larger.  An incident that recorded
one of its pattern's messages is as close to one that recorded three as to its
twin; two incidents that share one message of two are half alike.

Each block an incident has carries an evidence weight ``e_b``: the block's
configured weight ``W_b``, times for prose its strength (how much it says) and for
metrics the square of the block's norm (common metrics at usual values are no
evidence).  The similarity of two incidents is the
weighted mean of their blocks' similarities over the evidence they *share*
(times one minus the weak weights), plus the weak features they share::

    sim(a, b) = (1 - weak) · Σ_b W_b s_b(a, b) / max(shared, ½ · max(E_a, E_b)) + weak matches

with ``shared = Σ_b sqrt(e_b(a) e_b(b))`` and ``E`` an incident's total evidence,
so an alert without a trace shape or metrics is compared on what it has, and
when the shared evidence is less than half (:data:`SHARED_ENOUGH`) of the richer
incident's, the similarity shrinks in proportion: an incident known only by its
metrics is not the twin of every richly described incident whose metrics look
alike.  Distance is ``1 - similarity``.  :class:`BlockSimilarities` computes it
for blocks of rows as a few matrix products.

This module needs only numpy: ``failearn similar`` encodes a query with it
without importing scikit-learn.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

import numpy as np

from failearn.analysis.messages import WILDCARD, mask
from failearn.analysis.model import IncidentDoc
from failearn.analysis.prose import SECTION_WEIGHTS, weighted_terms

BLOCK_MESSAGES = 1
BLOCK_PROSE = 2
BLOCK_TRACE = 4
BLOCK_METRICS = 8
BITS = (BLOCK_MESSAGES, BLOCK_PROSE, BLOCK_TRACE, BLOCK_METRICS)
SETS = 16  # the sets of evidence blocks an incident can have

_WORD = re.compile(r"<\*>|<\w+>|[a-z][a-z0-9_]+(?:[.-][a-z0-9_]+)*")
LEVELS = 4  # tanh-squashed scores are quantised to k/LEVELS, k in -LEVELS..LEVELS
DISTINCTIVE = math.log(10.0)  # the rarity of a metric one incident in ten reports
# The blocks two incidents share must carry at least this share of the richer one's
# evidence to be compared on alone; below it the similarity shrinks in proportion.
SHARED_ENOUGH = 0.5


@dataclass(frozen=True)
class Weights:
    """The weight of each part of an incident's vector (``[cluster]`` in the configuration)."""

    messages: float = 0.40
    text: float = 0.30
    trace: float = 0.15
    metrics: float = 0.15
    service: float = 0.0
    failure_class: float = 0.05

    @property
    def weak(self) -> float:
        return self.service + self.failure_class

    @property
    def evidence(self) -> dict[int, float]:
        return {
            BLOCK_MESSAGES: self.messages,
            BLOCK_PROSE: self.text,
            BLOCK_TRACE: self.trace,
            BLOCK_METRICS: self.metrics,
        }


@dataclass(frozen=True)
class MetricScale:
    """How one metric is scaled: its median and robust spread over the fitting window, and
    how rare it is among the incidents that report metrics (``ln((1+N)/(1+n))``)."""

    name: str
    median: float
    scale: float
    rarity: float = 0.0


# -- terms ---------------------------------------------------------------------------


def message_terms(template: str) -> list[str]:
    """Words and consecutive word pairs of a (generalised) message template; placeholders
    and variables are left out, so that they neither join nor split templates."""
    words = [w for w in _WORD.findall(template.lower()) if not w.startswith("<")]
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


def trace_terms(shape: Sequence[str]) -> list[str]:
    """Shingles of a trace shape: each span (masked), each consecutive pair, the entry
    point, and the words of the spans (a span naming a table or a path that varies still
    shares its operation: ``pg.query SELECT orders``, ``pg.query SELECT carts``)."""
    spans = [mask(s.strip()).lower() for s in shape if s and s.strip()]
    if not spans:
        return []
    words = dict.fromkeys(w for s in spans for w in _WORD.findall(s) if not w.startswith("<"))
    return (
        [f"span:{s}" for s in spans]
        + [f"{a}>{b}" for a, b in itertools.pairwise(spans)]
        + [f"entry:{spans[0]}"]
        + [f"word:{w}" for w in words]
    )


# Lines every Python traceback carries, whatever failed: they say only "a traceback".
_BOILERPLATE_LINES = frozenset(
    {
        "traceback (most recent call last):",
        "during handling of the above exception, another exception occurred:",
        "the above exception was the direct cause of the following exception:",
    }
)


def without_service(text: str, service: str) -> str:
    """``text`` with the incident's own service named ``<svc>``: a pool, a host or a title
    named after the service varies with the service, and a pattern that crosses services
    must not be split by it (two causes on one service differ in what else they say)."""
    if len(service) < 3 or service.lower() not in text.lower():
        return text
    return _service_pattern(service).sub("<svc>", text)


@lru_cache(maxsize=1024)
def _service_pattern(service: str) -> re.Pattern[str]:
    return re.compile(rf"(?<![A-Za-z0-9]){re.escape(service)}(?![A-Za-z0-9])", re.IGNORECASE)


def templates_of(doc: IncidentDoc) -> tuple[str, ...]:
    """The distinct masked templates of an incident's messages, in order (its service's name
    and the fixed lines of a Python traceback left out)."""
    return tuple(
        dict.fromkeys(
            m
            for m in (mask(without_service(x, doc.service)) for x in doc.messages)
            if m and m.strip().lower() not in _BOILERPLATE_LINES
        )
    )


def prose_parts(doc: IncidentDoc) -> list[tuple[str, str]]:
    """The prose of an incident as (section, text), sections named as in
    :data:`~failearn.analysis.prose.SECTION_WEIGHTS`."""
    from failearn.sources.sections import CANONICAL_TEXT, classify_heading

    title = None if _repeats_a_message(doc) else doc.title
    parts = [
        (name, text)
        for name, text in (
            ("title", title),
            ("summary", doc.summary),
            ("root_cause", doc.root_cause),
        )
        if text
    ]
    parts.extend((name, text) for name, text in doc.texts if text)
    for heading, text in doc.sections:
        name = "preamble" if heading == "preamble" else (classify_heading(heading) or "other")
        if name not in CANONICAL_TEXT and name != "error_messages" and text:
            parts.append((name if name in SECTION_WEIGHTS else "other", text))
    return [(name, without_service(text, doc.service)) for name, text in parts]


def _repeats_a_message(doc: IncidentDoc) -> bool:
    """Whether the title is one of the incident's messages (or its start, or a message its
    start): an exception's first line made a title says nothing the message does not."""
    if not doc.title or not doc.messages:
        return False
    title = mask(doc.title).strip().lower()
    if len(title) < 12:
        return False
    for message in doc.messages:
        text = mask(message).strip().lower()
        if text.startswith(title.rstrip(".…")) or title.startswith(text):
            return True
    return False


def metric_level(value: float, scale: MetricScale) -> int:
    """The quantised level (-LEVELS..LEVELS) of one metric value."""
    z = (value - scale.median) / scale.scale
    return round(math.tanh(z / 2.0) * LEVELS)


def sublinear(tf: float) -> float:
    """1 + ln(tf) for a count of at least one; a fractional (down-weighted) count as is."""
    return 1.0 + math.log(tf) if tf >= 1.0 else tf


def tfidf_row(
    terms: Iterable[str] | Mapping[str, float], index: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row of TF-IDF: sublinear tf × idf, L2-normalised; (column indices, values).

    ``terms`` is a list (each occurrence counts one) or a mapping of term to count.
    """
    cols, values = tfidf_weights(terms, index, idf)
    norm = float(np.sqrt(values @ values))
    return cols, values / norm if norm > 0 else values


def tfidf_weights(
    terms: Iterable[str] | Mapping[str, float], index: dict[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One row of TF-IDF before normalisation (its norm says how much the text says)."""
    counts: dict[int, float] = {}
    items = terms.items() if isinstance(terms, Mapping) else ((t, 1.0) for t in terms)
    for term, count in items:
        column = index.get(term)
        if column is not None:
            counts[column] = counts.get(column, 0.0) + count
    if not counts:
        return np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float64)
    cols = np.fromiter(sorted(counts), dtype=np.int32, count=len(counts))
    tf = np.array([sublinear(counts[c]) for c in cols.tolist()])
    return cols, tf * idf[cols]


def smoothed_idf(df: np.ndarray, total: float) -> np.ndarray:
    return np.log((1.0 + total) / (1.0 + df)) + 1.0


def presence(*blocks: bool) -> int:
    """The set of evidence blocks (messages, prose, trace, metrics) as bits."""
    return sum(bit for bit, has in zip(BITS, blocks, strict=True) if has)


# -- encoded incidents -----------------------------------------------------------------


@dataclass
class Blocks:
    """Encoded incidents: the vector of each block (zero when absent), which blocks exist.

    ``messages`` is the projected sum of the unit vectors of the incident's message
    templates and ``mass`` the squared norm of that sum before projection;
    ``strength`` how much its prose says, in (0, 1] (:func:`prose_strength`).
    """

    messages: np.ndarray
    mass: np.ndarray
    prose: np.ndarray
    strength: np.ndarray
    trace: np.ndarray
    metrics: np.ndarray
    present: np.ndarray
    services: list[str]
    classes: list[str]

    def __len__(self) -> int:
        return int(self.present.shape[0])

    def packed(self) -> np.ndarray:
        """The blocks side by side (float32), as the similarity index stores them."""
        return np.hstack(
            [
                self.messages,
                self.mass[:, None],
                self.strength[:, None],
                self.prose,
                self.trace,
                self.metrics,
            ]
        ).astype(np.float32)

    @classmethod
    def unpack(
        cls,
        packed: np.ndarray,
        dims: tuple[int, int, int, int],
        present: np.ndarray,
        services: list[str],
        classes: list[str],
    ) -> Blocks:
        m, p, t, x = dims
        cuts = np.cumsum([m, 1, 1, p, t])
        return cls(
            packed[:, : cuts[0]],
            packed[:, cuts[0]],
            packed[:, cuts[2] : cuts[3]],
            packed[:, cuts[1]],
            packed[:, cuts[3] : cuts[4]],
            packed[:, cuts[4] : cuts[4] + x],
            np.asarray(present, dtype=np.int64),
            services,
            classes,
        )

    def take(self, rows: np.ndarray) -> Blocks:
        listed = rows.tolist()
        return Blocks(
            self.messages[rows],
            self.mass[rows],
            self.prose[rows],
            self.strength[rows],
            self.trace[rows],
            self.metrics[rows],
            self.present[rows],
            [self.services[r] for r in listed],
            [self.classes[r] for r in listed],
        )

    @staticmethod
    def concat(a: Blocks, b: Blocks) -> Blocks:
        return Blocks(
            np.vstack([a.messages, b.messages]),
            np.concatenate([a.mass, b.mass]),
            np.vstack([a.prose, b.prose]),
            np.concatenate([a.strength, b.strength]),
            np.vstack([a.trace, b.trace]),
            np.vstack([a.metrics, b.metrics]),
            np.concatenate([a.present, b.present]),
            list(a.services) + list(b.services),
            list(a.classes) + list(b.classes),
        )


@dataclass
class FeatureModel:
    """Everything needed to encode an incident the way a cluster run did."""

    message_vocabulary: list[str]
    message_idf: np.ndarray
    message_components: np.ndarray
    prose_vocabulary: list[str]
    prose_idf: np.ndarray
    prose_components: np.ndarray
    trace_vocabulary: list[str]
    trace_idf: np.ndarray
    metrics: list[MetricScale]
    weights: Weights
    variables: list[str] = field(default_factory=list)  # generalised templates with <*>
    section_weights: dict[str, float] = field(default_factory=lambda: dict(SECTION_WEIGHTS))
    chance: tuple[float, float, float] = (0.0, 0.0, 0.0)
    prose_reference: float = 1.0  # how much a typical incident's prose says (its TF-IDF norm)
    _indexes: dict[str, Any] = field(default_factory=dict, repr=False)

    def index(self, name: str) -> dict[str, int]:
        if name not in self._indexes:
            vocabulary = {
                "message": self.message_vocabulary,
                "prose": self.prose_vocabulary,
                "trace": self.trace_vocabulary,
            }[name]
            self._indexes[name] = {t: i for i, t in enumerate(vocabulary)}
        return dict(self._indexes[name])

    @property
    def dims(self) -> tuple[int, int, int, int]:
        """Widths of the message, prose, trace and metric blocks."""
        return (
            int(self.message_components.shape[0]),
            int(self.prose_components.shape[0]),
            len(self.trace_vocabulary),
            2 * len(self.metrics),
        )

    # -- encoding (row by row: for queries and the few incidents a run has not seen) --

    def generalised(self, template: str) -> str:
        """A template as the run generalised it: the first of its variables it fits."""
        if "variables" not in self._indexes:
            by_length: dict[int, list[list[str]]] = {}
            for variable in self.variables:
                tokens = variable.split()
                by_length.setdefault(len(tokens), []).append(tokens)
            self._indexes["variables"] = by_length
        tokens = template.split()
        for candidate in self._indexes["variables"].get(len(tokens), []):
            if all(c in (WILDCARD, t) for c, t in zip(candidate, tokens, strict=True)):
                return " ".join(candidate)
        return template

    def message_row(self, templates: Sequence[str]) -> tuple[np.ndarray, float]:
        """The message block of one incident and its mass (the templates are masked)."""
        index = self.index("message")
        total: dict[int, float] = {}
        for template in dict.fromkeys(self.generalised(t) for t in templates):
            cols, vals = tfidf_row(message_terms(template), index, self.message_idf)
            for c, v in zip(cols.tolist(), vals.tolist(), strict=True):
                total[c] = total.get(c, 0.0) + v
        if not total:
            return np.zeros(self.message_components.shape[0]), 0.0
        cols = np.fromiter(total, dtype=np.int64, count=len(total))
        vals = np.fromiter(total.values(), dtype=np.float64, count=len(total))
        return (
            np.asarray(self.message_components[:, cols] @ vals, dtype=np.float64),
            float(vals @ vals),
        )

    def prose_row(self, parts: Sequence[tuple[str, str]]) -> tuple[np.ndarray, float]:
        """The prose block of one incident and its strength (:func:`prose_strength`)."""
        cols, raw = tfidf_weights(
            weighted_terms(parts, self.section_weights), self.index("prose"), self.prose_idf
        )
        norm = float(np.sqrt(raw @ raw))
        if not len(cols) or norm == 0:
            return np.zeros(self.prose_components.shape[0]), 0.0
        return (
            np.asarray(self.prose_components[:, cols] @ (raw / norm), dtype=np.float64),
            prose_strength(norm, self.prose_reference),
        )

    def trace_row(self, shape: Sequence[str]) -> np.ndarray:
        cols, vals = tfidf_row(trace_terms(shape), self.index("trace"), self.trace_idf)
        row = np.zeros(len(self.trace_vocabulary))
        row[cols] = vals
        return row

    def metric_row(self, metrics: dict[str, float]) -> np.ndarray:
        """Which metrics an incident reports and at what level, in one vector of norm at most
        one (module docstring): half of it the set of its metrics weighted by their rarity,
        the other half the quantised squashed z-score of each."""
        count = len(self.metrics)
        row = np.zeros(2 * count)
        position = {s.name: i for i, s in enumerate(self.metrics)}
        present = sorted(
            (position[name], self.metrics[position[name]])
            for name, value in metrics.items()
            if name in position and is_number(value)
        )
        if not present:
            return row
        for i, scale in present:
            row[i] = scale.rarity
            row[count + i] = metric_level(float(metrics[scale.name]), scale) / LEVELS
        rarity = float(np.sqrt(row[:count] @ row[:count]))
        if rarity > 0:
            row[:count] *= min(1.0, rarity / DISTINCTIVE) / rarity
        row[count:] /= math.sqrt(len(present))
        return row / math.sqrt(2.0)

    def encode(self, docs: Sequence[IncidentDoc]) -> Blocks:
        """Encode incidents one by one (numpy only; fine for tens of thousands at most)."""
        m, p, t, x = self.dims
        out = Blocks(
            np.zeros((len(docs), m)),
            np.zeros(len(docs)),
            np.zeros((len(docs), p)),
            np.zeros(len(docs)),
            np.zeros((len(docs), t)),
            np.zeros((len(docs), x)),
            np.zeros(len(docs), dtype=np.int64),
            [d.service for d in docs],
            [d.failure_class for d in docs],
        )
        for row, doc in enumerate(docs):
            out.messages[row], out.mass[row] = self.message_row(templates_of(doc))
            out.prose[row], out.strength[row] = self.prose_row(prose_parts(doc))
            out.trace[row] = self.trace_row(doc.trace_shape)
            out.metrics[row] = self.metric_row(doc.metrics)
            out.present[row] = presence(
                out.mass[row] > 0,
                bool(out.prose[row].any()),
                bool(out.trace[row].any()),
                bool(out.metrics[row].any()),
            )
        return out

    # -- persistence --------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """JSON text and float32/float64 BLOBs, for the store."""
        meta = {
            "message_vocabulary": self.message_vocabulary,
            "prose_vocabulary": self.prose_vocabulary,
            "trace_vocabulary": self.trace_vocabulary,
            "metrics": [[s.name, s.median, s.scale, s.rarity] for s in self.metrics],
            "weights": self.weights.__dict__,
            "variables": self.variables,
            "section_weights": self.section_weights,
            "chance": list(self.chance),
            "prose_reference": self.prose_reference,
            "message_components_shape": list(self.message_components.shape),
            "prose_components_shape": list(self.prose_components.shape),
        }
        components = np.concatenate(
            [self.message_components.ravel(), self.prose_components.ravel()]
        )
        return {
            "model": json.dumps(meta, sort_keys=True),
            "components": components.astype(np.float32).tobytes(),
            "message_idf": self.message_idf.astype(np.float64).tobytes(),
            "text_idf": self.prose_idf.astype(np.float64).tobytes(),
            "trace_idf": self.trace_idf.astype(np.float64).tobytes(),
        }

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> FeatureModel:
        meta = json.loads(record["model"])
        shapes = (tuple(meta["message_components_shape"]), tuple(meta["prose_components_shape"]))
        flat = np.frombuffer(record["components"], dtype=np.float32)
        split = int(np.prod(shapes[0]))
        return cls(
            message_vocabulary=meta["message_vocabulary"],
            message_idf=np.frombuffer(record["message_idf"], dtype=np.float64),
            message_components=flat[:split].reshape(shapes[0]),
            prose_vocabulary=meta["prose_vocabulary"],
            prose_idf=np.frombuffer(record["text_idf"], dtype=np.float64),
            prose_components=flat[split:].reshape(shapes[1]),
            trace_vocabulary=meta["trace_vocabulary"],
            trace_idf=np.frombuffer(record["trace_idf"], dtype=np.float64),
            metrics=[
                MetricScale(n, float(m), float(s), float(r)) for n, m, s, r in meta["metrics"]
            ],
            weights=Weights(**meta["weights"]),
            variables=list(meta.get("variables", [])),
            section_weights=dict(meta.get("section_weights", SECTION_WEIGHTS)),
            chance=tuple(meta.get("chance", (0.0, 0.0, 0.0))),
            prose_reference=float(meta.get("prose_reference", 1.0)),
        )


def prose_strength(norm: float, reference: float) -> float:
    """How much an incident's prose says, in (0, 1]: the norm of its TF-IDF before
    normalisation (rare words and many of them say more) over the window's typical one,
    at most 1.  A stock title ("failed requests", "health check degraded") says less than
    a title naming what failed, and far less than a post-mortem."""
    return min(1.0, norm / reference) if reference > 0 else 1.0


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


# -- similarity ------------------------------------------------------------------------


def evidence(blocks: Blocks, weights: Weights) -> np.ndarray:
    """Per row and block (messages, prose, trace, metrics), the root of its evidence weight:
    ``sqrt(W_b)`` for a block it has, scaled for prose by its strength and for metrics by
    their root mean square score."""
    w = weights.evidence
    has = [(blocks.present & bit) > 0 for bit in BITS[:3]]
    strength = (
        np.linalg.norm(blocks.metrics, axis=1) if blocks.metrics.size else np.zeros(len(blocks))
    )
    return np.stack(
        [
            has[0] * math.sqrt(w[BLOCK_MESSAGES]),
            has[1] * blocks.strength * math.sqrt(w[BLOCK_PROSE]),
            has[2] * math.sqrt(w[BLOCK_TRACE]),
            strength * math.sqrt(w[BLOCK_METRICS]),
        ],
        axis=1,
    ).astype(np.float64)


def _codes(values: Sequence[str]) -> np.ndarray:
    """Each value as a small integer, equal values equal codes."""
    index: dict[str, int] = {}
    return np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int32, count=len(values)
    )


def above_chance(sims: np.ndarray, chance: float) -> None:
    """In place: how far above ``chance`` each similarity is, on the scale chance…1 → 0…1."""
    if chance > 0:
        sims -= np.float32(chance)
        np.maximum(sims, np.float32(0.0), out=sims)
        sims *= np.float32(1.0 / (1.0 - chance))


@dataclass(frozen=True)
class BlockSimilarities:
    """The similarities of encoded rows (see the module docstring), block by block."""

    messages: np.ndarray  # float32, rows × message width
    mass: np.ndarray  # float32, per row (0: no messages)
    prose: np.ndarray  # float32
    trace: np.ndarray  # float32
    metrics: np.ndarray  # float32
    evidence: np.ndarray  # float32, rows × 4: :func:`evidence`
    total: np.ndarray  # float32, per row, its evidence weight (sum of squares)
    services: np.ndarray  # per row, its service as a code
    classes: np.ndarray  # per row, its failure class as a code
    weights: Weights
    chance: tuple[float, float, float]  # messages, prose, trace: what unrelated rows share
    enough: float = SHARED_ENOUGH  # 0: compare on the shared evidence however little

    @classmethod
    def build(
        cls, blocks: Blocks, weights: Weights, chance: tuple[float, float, float] = (0.0, 0.0, 0.0)
    ) -> BlockSimilarities:
        codes = _codes([*blocks.services, *blocks.classes])
        count = len(blocks.services)
        roots = evidence(blocks, weights)

        def f32(array: np.ndarray) -> np.ndarray:
            return np.ascontiguousarray(array, dtype=np.float32)

        return cls(
            f32(blocks.messages),
            f32(blocks.mass),
            f32(blocks.prose),
            f32(blocks.trace),
            f32(blocks.metrics),
            f32(roots),
            f32((roots**2).sum(axis=1)),
            codes[:count],
            codes[count:],
            weights,
            chance,
        )

    @property
    def rows(self) -> int:
        return int(self.total.shape[0])

    def on_shared_blocks(self) -> BlockSimilarities:
        """The same rows compared on the evidence two rows share, however little."""
        return replace(self, enough=0.0)

    def take(self, indices: np.ndarray) -> BlockSimilarities:
        """The rows at ``indices``, gathered once."""
        return replace(
            self,
            messages=self.messages[indices],
            mass=self.mass[indices],
            prose=self.prose[indices],
            trace=self.trace[indices],
            metrics=self.metrics[indices],
            evidence=self.evidence[indices],
            total=self.total[indices],
            services=self.services[indices],
            classes=self.classes[indices],
        )

    def _rest(self, rows: slice | np.ndarray, cols: BlockSimilarities) -> np.ndarray | None:
        """The weighted similarities of the prose, trace and metrics blocks, summed, each
        above its chance level (float32)."""
        w = self.weights.evidence
        chance = {"prose": self.chance[1], "trace": self.chance[2], "metrics": 0.0}
        rest: np.ndarray | None = None
        for name, bit in (
            ("prose", BLOCK_PROSE),
            ("trace", BLOCK_TRACE),
            ("metrics", BLOCK_METRICS),
        ):
            mine, theirs = getattr(self, name)[rows], getattr(cols, name)
            if not mine.shape[1] or w[bit] <= 0 or not mine.any():
                continue  # a zero vector is 0 to every row, above chance or not
            level = chance[name]
            if level > 0:
                part = np.asarray(mine @ theirs.T, dtype=np.float32)
                # Above chance, on the scale chance…1 → 0…1, times the block's weight.
                part -= np.float32(level)
                np.maximum(part, np.float32(0.0), out=part)
                part *= np.float32(w[bit] / (1.0 - level))
            else:
                part = np.asarray((mine * np.float32(w[bit])) @ theirs.T, dtype=np.float32)
            if rest is None:
                rest = part
            else:
                rest += part
        return rest

    def _messages(self, rows: slice | np.ndarray, cols: BlockSimilarities) -> np.ndarray:
        """The weighted similarity of the message sets: the share of the smaller set found in
        the larger, at most 1, above chance (float32)."""
        level = self.chance[0]
        scale = np.float32(self.weights.evidence[BLOCK_MESSAGES] / (1.0 - level))
        sims = np.asarray(self.messages[rows] @ cols.messages.T, dtype=np.float32)
        # A row without messages has a zero vector: any positive divisor leaves its 0.
        mine = np.where(self.mass[rows] > 0, self.mass[rows], np.float32(1.0)) / scale
        theirs = np.where(cols.mass > 0, cols.mass, np.float32(1.0)) / scale
        smaller = np.minimum(mine[:, None], theirs[None, :])
        sims /= smaller
        del smaller
        top = np.float32((1.0 - level) * scale)
        if level > 0:
            sims -= np.float32(level * scale)
            np.clip(sims, np.float32(0.0), top, out=sims)
        else:
            np.minimum(sims, top, out=sims)
        return sims

    def between(
        self, rows: slice | np.ndarray, other: BlockSimilarities | None = None
    ) -> np.ndarray:
        """Similarities of ``rows`` (a slice or indices) to every row of ``other`` (of these
        rows by default), as float32."""
        cols = self if other is None else other
        w = self.weights.evidence
        mine_evidence = self.evidence[rows]
        shared = np.asarray(mine_evidence @ cols.evidence.T, dtype=np.float32)
        rest = self._rest(rows, cols)
        if rest is None:
            rest = np.zeros_like(shared)
        floor = (
            np.maximum(
                self.total[rows][:, None] * np.float32(self.enough),
                cols.total[None, :] * np.float32(self.enough),
            )
            if self.enough > 0
            else None
        )
        with_messages = bool(self.messages.shape[1]) and w[BLOCK_MESSAGES] > 0
        alone = None
        if with_messages and self.mass[rows].any():
            sims = self._messages(rows, cols)
            sims += rest
            alone = self._alone(rows, cols, rest, shared, floor)
        else:
            sims = rest
        denominator = shared if floor is None else np.maximum(shared, floor, out=floor)
        # Where nothing is shared nothing was added up either: the tiny divisor leaves 0.
        np.maximum(denominator, np.float32(1e-30), out=denominator)
        sims /= denominator
        del denominator, shared
        if with_messages:
            # The messages' pairs are compared at least on the rest alone: never below 0.
            np.maximum(sims, np.float32(0.0), out=sims)
        if alone is not None:
            where, value = alone
            flat = sims.reshape(-1)
            flat[where] = np.maximum(flat[where], value)
        service, klass = self.weights.service, self.weights.failure_class
        np.clip(sims, np.float32(-1.0), np.float32(1.0), out=sims)
        if service + klass > 0:
            sims *= np.float32(1.0 - service - klass)
        for mine, theirs, weight in (
            (self.services, cols.services, service),
            (self.classes, cols.classes, klass),
        ):
            if weight > 0:
                np.add(
                    sims, np.float32(weight), out=sims, where=mine[rows][:, None] == theirs[None, :]
                )
        return np.asarray(sims)

    def _alone(
        self,
        rows: slice | np.ndarray,
        cols: BlockSimilarities,
        rest: np.ndarray,
        shared: np.ndarray,
        floor: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """Another service may say the same failure in other words (another client library,
        another language): between services the messages may be left out when the rest of
        the evidence is enough on its own (at least the floor of shared evidence), and only
        when it agrees more than not — weak common ground (a gateway every request enters
        by, a word every title has) does not outweigh their messages.  The pairs where the
        rest alone counts (flat positions) and its similarity there."""
        mine, theirs = self.evidence[rows, 0], cols.evidence[:, 0]
        if not mine.any() or not theirs.any():
            return None  # without messages on one side the rest is already all there is
        without = np.multiply(mine[:, None], theirs[None, :])
        np.subtract(shared, without, out=without)
        # Counts where the rest is at least half of what both hold without their messages,
        # across services, with enough evidence shared.
        threshold = without if floor is None else np.maximum(without, floor)
        candidate = rest >= np.float32(0.5) * threshold
        candidate &= without > 0
        if floor is not None:
            candidate &= without >= floor
        candidate &= self.services[rows][:, None] != cols.services[None, :]
        where = np.flatnonzero(candidate)
        if not len(where):
            return None
        return where, rest.reshape(-1)[where] / threshold.reshape(-1)[where]


def _ratio(
    numerator: np.ndarray, shared: np.ndarray, floor: np.ndarray, strict: bool = False
) -> np.ndarray:
    """In place: the weighted mean ``numerator / max(shared, floor)`` (0 where nothing is
    shared; with ``strict``, also where the shared evidence is below the floor)."""
    denominator = np.maximum(shared, floor)
    np.divide(numerator, denominator, out=numerator, where=denominator > 0)
    numerator[(shared <= 0) | (strict & (shared < floor))] = 0.0
    return numerator


def similarity_to(
    query: Blocks,
    row: int,
    candidates: Blocks,
    weights: Weights,
    chance: tuple[float, float, float] = (0.0, 0.0, 0.0),
    partial: bool = False,
) -> np.ndarray:
    """Similarity of one encoded incident to every candidate (the clustering similarity;
    with ``partial``, on the evidence they share however little: a query says little)."""
    one = BlockSimilarities.build(query.take(np.array([row])), weights, chance)
    if partial:
        one = one.on_shared_blocks()
    return np.asarray(
        one.between(slice(0, 1), BlockSimilarities.build(candidates, weights, chance))[0],
        dtype=np.float64,
    )


def message_counts(docs: Iterable[IncidentDoc]) -> Counter[str]:
    """How many incidents carry each masked template."""
    counts: Counter[str] = Counter()
    for doc in docs:
        counts.update(templates_of(doc))
    return counts
