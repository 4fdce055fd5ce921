"""Ranking for ``failearn similar``: the incidents most like a query, best first (numpy only).

Clustering's similarity (:mod:`failearn.analysis.encode`) answers "do these two
belong to one pattern?": it subtracts what unrelated incidents share by chance,
compares messages as sets and reads prose through a few hundred SVD components,
all so that a density cut finds whole patterns.  Ranking asks another question,
"which incidents are nearest to this one?", where only the order matters, and a
projection that keeps a pattern together blurs the words that tell its members
apart from their neighbours.  So similar ranks by the incident's *words*, as
plain TF-IDF cosine does, and adds the structural evidence an incident has:

* **words**: the section-weighted prose terms (:func:`failearn.analysis.prose.
  weighted_terms`) and the words and word pairs of the masked message templates,
  weighted by TF-IDF over the indexed incidents (sublinear tf, smoothed idf, L2),
  over the whole vocabulary: no projection, no chance level;
* **trace shape** and **resource profile**: the blocks clustering encodes, compared
  by their dot product, where the *query* has them (an incident known by its words
  alone is compared on its words alone).

The score is the weighted mean of these over the evidence the query has, with the
``[cluster]`` weights (words carry the message and text weights together; metrics
count in proportion to how much the query's metrics say), then the weak features
(service, failure class) as clustering adds them::

    score = (1 - weak) · Σ_b W_b s_b / Σ_b W_b + weak matches

A candidate without a block the query has scores 0 on it.

The words of the indexed incidents are kept as an inverted index (term → the rows
that hold it and its weight there), so a query costs the postings of its own
terms, not a pass over every incident.  A query's word the index has never seen
counts in the query's norm as a word one incident holds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from failearn.analysis.encode import (
    BLOCK_METRICS,
    BLOCK_TRACE,
    Blocks,
    Weights,
    message_terms,
    prose_parts,
    smoothed_idf,
    sublinear,
    templates_of,
)
from failearn.analysis.model import IncidentDoc
from failearn.analysis.prose import SECTION_WEIGHTS, weighted_terms

Bag = Mapping[str, float]
Vector = dict[int, float]


def incident_terms(
    doc: IncidentDoc, section_weights: Mapping[str, float] = SECTION_WEIGHTS
) -> dict[str, float]:
    """The words of an incident: its weighted prose terms and its messages' terms."""
    terms = weighted_terms(prose_parts(doc), section_weights)
    for template in templates_of(doc):
        for term in message_terms(template):
            terms[term] = terms.get(term, 0.0) + 1.0
    return terms


def bags_of(
    docs: Sequence[IncidentDoc], section_weights: Mapping[str, float] = SECTION_WEIGHTS
) -> list[dict[str, float]]:
    """:func:`incident_terms` of each incident; incidents that say the same are read once."""
    seen: dict[tuple[Any, ...], dict[str, float]] = {}
    out = []
    for doc in docs:
        key = (
            doc.service,
            doc.title,
            doc.summary,
            doc.root_cause,
            doc.messages,
            doc.texts,
            doc.sections,
        )
        if key not in seen:
            seen[key] = incident_terms(doc, section_weights)
        out.append(seen[key])
    return out


@dataclass(frozen=True)
class TermIndex:
    """TF-IDF of the indexed incidents' words, as an inverted index (module docstring).

    ``pointers[t]:pointers[t + 1]`` are the postings of term ``t``: the rows holding
    it (``rows``) and its weight in each row's unit vector (``weights``).
    """

    vocabulary: list[str]
    idf: np.ndarray  # float64, per term of the vocabulary
    pointers: np.ndarray  # int64, len(vocabulary) + 1
    rows: np.ndarray  # int32
    weights: np.ndarray  # float32
    size: int  # rows indexed
    section_weights: dict[str, float]

    @classmethod
    def build(
        cls, bags: Sequence[Bag], section_weights: Mapping[str, float] = SECTION_WEIGHTS
    ) -> TermIndex:
        df: dict[str, int] = {}
        for bag in bags:
            for term in bag:
                df[term] = df.get(term, 0) + 1
        vocabulary = sorted(df)
        column = {term: i for i, term in enumerate(vocabulary)}
        total = float(len(bags))
        idf = smoothed_idf(np.array([df[t] for t in vocabulary], dtype=np.float64), total)
        cols: list[int] = []
        rows: list[int] = []
        values: list[float] = []
        for row, bag in enumerate(bags):
            norm = 0.0
            start = len(values)
            for term, count in bag.items():
                i = column[term]
                weight = sublinear(count) * float(idf[i])
                norm += weight * weight
                cols.append(i)
                rows.append(row)
                values.append(weight)
            if norm > 0:
                scale = 1.0 / math.sqrt(norm)
                values[start:] = [v * scale for v in values[start:]]
        order = np.argsort(np.asarray(cols, dtype=np.int64), kind="stable")
        counts = np.bincount(np.asarray(cols, dtype=np.int64), minlength=len(vocabulary))
        return cls(
            vocabulary,
            idf,
            np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
            np.asarray(rows, dtype=np.int32)[order],
            np.asarray(values, dtype=np.float32)[order],
            len(bags),
            dict(section_weights),
        )

    def column(self) -> dict[str, int]:
        return {term: i for i, term in enumerate(self.vocabulary)}

    def vector(self, bag: Bag, column: Mapping[str, int]) -> Vector:
        """A bag of words as a unit TF-IDF vector over the vocabulary (column → weight).

        A term outside the vocabulary counts in the norm as a term one incident holds.
        """
        lone = float(smoothed_idf(np.array([1.0]), float(self.size))[0])
        vector: Vector = {}
        norm = 0.0
        for term, count in bag.items():
            i = column.get(term)
            weight = sublinear(count) * (lone if i is None else float(self.idf[i]))
            norm += weight * weight
            if i is not None:
                vector[i] = weight
        scale = 1.0 / math.sqrt(norm) if norm > 0 else 0.0
        return {i: w * scale for i, w in vector.items()}

    def row(self, row: int) -> Vector:
        """The unit vector of an indexed row, read back from the postings."""
        positions = np.flatnonzero(self.rows == row)
        columns = np.searchsorted(self.pointers, positions, side="right") - 1
        return dict(
            zip(columns.tolist(), self.weights[positions].astype(np.float64).tolist(), strict=True)
        )

    def scores(self, query: Vector) -> np.ndarray:
        """The cosine of ``query`` with every indexed row."""
        out = np.zeros(self.size, dtype=np.float64)
        for i, weight in query.items():
            start, end = int(self.pointers[i]), int(self.pointers[i + 1])
            out[self.rows[start:end]] += weight * self.weights[start:end]
        return out

    # -- persistence --------------------------------------------------------------

    def to_record(self) -> dict[str, Any]:
        """JSON text and BLOBs, for the store."""
        return {
            "vocabulary": json.dumps(self.vocabulary),
            "section_weights": json.dumps(self.section_weights, sort_keys=True),
            "size": self.size,
            "idf": self.idf.astype(np.float64).tobytes(),
            "pointers": self.pointers.astype(np.int64).tobytes(),
            "rows": self.rows.astype(np.int32).tobytes(),
            "weights": self.weights.astype(np.float32).tobytes(),
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> TermIndex:
        return cls(
            json.loads(record["vocabulary"]),
            np.frombuffer(record["idf"], dtype=np.float64),
            np.frombuffer(record["pointers"], dtype=np.int64),
            np.frombuffer(record["rows"], dtype=np.int32),
            np.frombuffer(record["weights"], dtype=np.float32),
            int(record["size"]),
            dict(json.loads(record["section_weights"])),
        )


def cosine(a: Vector, b: Vector) -> float:
    """The dot product of two sparse unit vectors."""
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    return sum(w * large.get(i, 0.0) for i, w in small.items())


def _f32(array: np.ndarray) -> np.ndarray:
    """A block as float32 (the stored index keeps float16, slow to multiply)."""
    return np.asarray(array, dtype=np.float32)


def combined(
    words: np.ndarray | None,
    query: Blocks | None,
    row: int,
    candidates: Blocks,
    weights: Weights,
) -> np.ndarray:
    """The ranking score of one query against every candidate (module docstring).

    ``words`` is the cosine of the query's words with each candidate (``None``: the
    query has none); ``query`` the query's encoded blocks, row ``row`` (``None``: a
    piece of text, which has no structure, service or class).
    """
    total = np.zeros(len(candidates), dtype=np.float64)
    mass = 0.0
    if words is not None:
        mass = weights.messages + weights.text
        total += mass * words
    if query is not None:
        present = int(query.present[row])
        if present & BLOCK_TRACE and weights.trace > 0:
            total += weights.trace * (_f32(candidates.trace) @ _f32(query.trace[row]))
            mass += weights.trace
        strength = float(np.linalg.norm(_f32(query.metrics[row])))
        if present & BLOCK_METRICS and strength > 0 and weights.metrics > 0:
            total += weights.metrics * (_f32(candidates.metrics) @ _f32(query.metrics[row]))
            mass += weights.metrics * strength
    if mass <= 0:
        return np.full(len(candidates), -np.inf)
    total /= mass
    if query is None:
        return total
    total *= 1.0 - weights.weak
    for mine, theirs, weight in (
        (query.services[row], candidates.services, weights.service),
        (query.classes[row], candidates.classes, weights.failure_class),
    ):
        if weight > 0:
            total += weight * (np.asarray(theirs, dtype=object) == mine)
    return total


def word_index(
    docs: Sequence[IncidentDoc], section_weights: Mapping[str, float] = SECTION_WEIGHTS
) -> TermIndex:
    """The word index of ``docs``, one row per incident in their order."""
    return TermIndex.build(bags_of(docs, section_weights), section_weights)
