"""What a person reads of a cluster: its label, services, class mix, time span, cohesion.

The **label** is the cluster's dominant template: the masked message most of its
incidents carry (the masked title when they carry none; service and class when
they carry neither), followed in ``top_terms`` by the words that set the
cluster apart: share of its incidents holding the word × the word's idf.
**Cohesion** is the mean similarity of the members to the cluster's mean
direction (1: all alike).  The **signature** (templates and trace shapes with
their counts) is what later runs match on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from failearn.analysis.features import Features
from failearn.analysis.messages import mask
from failearn.analysis.model import IncidentDoc
from failearn.timeutil import from_iso, iso_week_label

TOP_TERMS = 5
SIGNATURE_SIZE = 20
LABEL_LENGTH = 100


@dataclass(frozen=True)
class Summary:
    dominant_template: str
    label: str
    top_terms: tuple[str, ...]
    services: dict[str, int]
    classes: dict[str, int]
    dominant_class: str
    first_seen: str
    last_seen: str
    weeks_active: int
    cohesion: float
    signature: dict[str, float]


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def summarise(docs: Sequence[IncidentDoc], members: Sequence[int], features: Features) -> Summary:
    """The summary of one cluster (``members`` index ``docs`` and ``features.row_of``)."""
    rows = features.row_of[np.asarray(members, dtype=np.int64)]
    templates: Counter[str] = Counter()
    shapes: Counter[str] = Counter()
    for row in rows.tolist():
        templates.update(features.templates[row])
    for index in members:
        doc = docs[index]
        if doc.trace_shape:
            shapes[" > ".join(doc.trace_shape)] += 1
    titles: Counter[str] = Counter(mask(t) for t in (docs[i].title for i in members) if t)
    services = Counter(docs[i].service for i in members)
    classes = Counter(docs[i].failure_class for i in members)
    if templates:
        dominant = next(iter(_ranked(templates)))
    elif titles:
        dominant = next(iter(_ranked(titles)))
    else:
        dominant = f"{next(iter(_ranked(services)))} {next(iter(_ranked(classes)))}"
    label = dominant if len(dominant) <= LABEL_LENGTH else dominant[: LABEL_LENGTH - 1] + "…"
    times = sorted(docs[i].timestamp for i in members)
    weeks = {_week(t) for t in times}
    signature_counter: Counter[str] = Counter()
    signature_counter.update({f"template:{t}": n for t, n in templates.items()})
    signature_counter.update({f"trace:{s}": n for s, n in shapes.items()})
    if not templates:
        signature_counter.update({f"title:{t}": n for t, n in titles.items()})
    signature = {k: float(v) for k, v in list(_ranked(signature_counter).items())[:SIGNATURE_SIZE]}
    return Summary(
        dominant_template=dominant,
        label=label,
        top_terms=_top_terms(features, rows),
        services=_ranked(services),
        classes=_ranked(classes),
        dominant_class=next(iter(_ranked(classes))),
        first_seen=times[0],
        last_seen=times[-1],
        weeks_active=len(weeks),
        cohesion=_cohesion(features, rows),
        signature=signature,
    )


def _week(timestamp: str) -> str:
    return iso_week_label(from_iso(timestamp))


def _top_terms(features: Features, rows: np.ndarray) -> tuple[str, ...]:
    model = features.model
    idf = {
        **dict(zip(model.message_vocabulary, model.message_idf.tolist(), strict=True)),
        **dict(zip(model.text_vocabulary, model.text_idf.tolist(), strict=True)),
    }
    holding: Counter[str] = Counter()
    for row in rows.tolist():
        holding.update({t for t in features.terms[row] if "<" not in t and t in idf})
    scores = {t: n / len(rows) * idf[t] for t, n in holding.items()}
    ranked = sorted(scores, key=lambda t: (-round(scores[t], 9), t))
    chosen: list[str] = []
    for term in ranked:
        if " " in term and all(word in chosen for word in term.split()):
            continue
        chosen.append(term)
        if len(chosen) == TOP_TERMS:
            break
    return tuple(chosen)


def _cohesion(features: Features, rows: np.ndarray) -> float:
    distinct, counts = np.unique(rows, return_counts=True)
    vectors = features.matrix[distinct].astype(np.float64)
    centroid = (vectors * counts[:, None]).sum(axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm == 0:
        return 0.0
    similarity = vectors @ (centroid / norm)
    return round(float((similarity * counts).sum() / counts.sum()), 4)
