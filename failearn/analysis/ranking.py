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
from collections.abc import Callable, Mapping, Sequence
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
    doc: IncidentDoc,
    section_weights: Mapping[str, float] = SECTION_WEIGHTS,
    generalise: Callable[[str], str] | None = None,
) -> dict[str, float]:
    """The words of an incident as a cluster run reads them (its ``Features.terms``): the
    terms of its message templates (generalised as the run generalised them), then its
    weighted prose terms."""
    templates = templates_of(doc)
    if generalise is not None:
        templates = tuple(dict.fromkeys(generalise(t) for t in templates))
    terms = {term: 1.0 for template in templates for term in message_terms(template)}
    terms.update(weighted_terms(prose_parts(doc), section_weights))
    return terms


def bags_of(
    docs: Sequence[IncidentDoc],
    section_weights: Mapping[str, float] = SECTION_WEIGHTS,
    generalise: Callable[[str], str] | None = None,
) -> list[dict[str, float]]:
    """:func:`incident_terms` of each incident; incidents that say the same are read once
    (and share one bag, which :meth:`TermIndex.build` then weighs once)."""
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
            seen[key] = incident_terms(doc, section_weights, generalise)
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
        """The index of ``bags``, one row each; a bag shared by several rows (the same
        object: incidents that say the same) is weighed once and its postings repeated."""
        position: dict[int, int] = {}
        unique: list[Bag] = []
        owner = np.zeros(len(bags), dtype=np.int64)
        for row, bag in enumerate(bags):
            owner[row] = position.setdefault(id(bag), len(unique))
            if owner[row] == len(unique):
                unique.append(bag)
        rows_of = np.bincount(owner, minlength=len(unique)).tolist()
        df: dict[str, int] = {}
        for bag, count in zip(unique, rows_of, strict=True):
            for term in bag:
                df[term] = df.get(term, 0) + count
        vocabulary = sorted(df)
        column = {term: i for i, term in enumerate(vocabulary)}
        idf = smoothed_idf(np.array([df[t] for t in vocabulary], dtype=np.float64), len(bags))
        cols, values, lengths = _unit_rows(unique, column, idf)
        # Each row's postings: those of its bag (rows in order, each bag's terms in turn).
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        length = lengths[owner]
        take = np.repeat(starts[owner] - np.cumsum(length) + length, length) + np.arange(
            int(length.sum())
        )
        row_ids = np.repeat(np.arange(len(bags), dtype=np.int32), length)
        order = np.argsort(cols[take], kind="stable")
        return cls(
            vocabulary,
            idf,
            np.concatenate(
                [[0], np.cumsum(np.bincount(cols[take], minlength=len(vocabulary)))]
            ).astype(np.int64),
            row_ids[order],
            values[take][order].astype(np.float32),
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


def _unit_rows(
    bags: Sequence[Bag], column: Mapping[str, int], idf: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each bag as a unit TF-IDF vector: all their columns and values end to end, and each
    bag's number of terms."""
    cols: list[int] = []
    values: list[float] = []
    lengths: list[int] = []
    for bag in bags:
        start = len(values)
        for term, count in bag.items():
            i = column[term]
            cols.append(i)
            values.append(sublinear(count) * float(idf[i]))
        norm = math.sqrt(sum(v * v for v in values[start:]))
        if norm > 0:
            values[start:] = [v / norm for v in values[start:]]
        lengths.append(len(values) - start)
    return (
        np.asarray(cols, dtype=np.int64),
        np.asarray(values, dtype=np.float64),
        np.asarray(lengths, dtype=np.int64),
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
    docs: Sequence[IncidentDoc],
    section_weights: Mapping[str, float] = SECTION_WEIGHTS,
    generalise: Callable[[str], str] | None = None,
) -> TermIndex:
    """The word index of ``docs``, one row per incident in their order."""
    return TermIndex.build(bags_of(docs, section_weights, generalise), section_weights)


def rows_index(
    terms: Sequence[Bag], row_of: np.ndarray, section_weights: Mapping[str, float]
) -> TermIndex:
    """The word index of a cluster run's incidents from its distinct rows' terms (each
    incident the row ``row_of`` names): nothing is read twice."""
    return TermIndex.build([terms[r] for r in row_of.tolist()], section_weights)
