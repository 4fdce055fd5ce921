"""The scores of the evaluation: pure functions over plain data, one per metric.

Every function takes the truth and a method's answer as dictionaries keyed by item
(a record of a corpus) and returns a number or a small dataclass, so that failearn
and every baseline are scored by the same code.

Conventions, fixed for every corpus and method:

* **Noise.**  An item a method leaves unclustered (or never stored) and an item
  the truth calls noise are each a cluster of their own (a singleton), so a
  method earns nothing by lumping noise together and loses when it drops a
  pattern's incidents into noise.
* **Coherent cluster.**  A cluster is coherent when more than half of its
  members share one labelled theme (:data:`COHERENCE`).  A method's *coherent
  themes* are the distinct themes that are the shared theme of at least one of
  its coherent clusters, so splitting one theme into several clusters does not
  count it twice.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

COHERENCE = 0.5
"""A cluster is coherent when strictly more than this share of it shares a theme."""

NOISE = -1
"""The label a method gives an item it leaves out of every cluster."""


def singletons(labels: Mapping[str, int | str | None], items: Sequence[str]) -> list[str]:
    """Labels of ``items`` with noise (``None`` or :data:`NOISE`) made one cluster per item."""
    out = []
    for item in items:
        label = labels.get(item)
        out.append(f"~{item}" if label is None or label == NOISE else f"={label}")
    return out


def ari_ami(truth: Mapping[str, str | None], predicted: Mapping[str, int]) -> tuple[float, float]:
    """Adjusted Rand index and adjusted mutual information over the items of ``truth``."""
    from sklearn.metrics import adjusted_mutual_info_score, adjusted_rand_score

    items = sorted(truth)
    expected, found = singletons(truth, items), singletons(predicted, items)
    return (
        float(adjusted_rand_score(expected, found)),
        float(adjusted_mutual_info_score(expected, found)),
    )


def clusters_of(predicted: Mapping[str, int]) -> dict[int, list[str]]:
    """The members of each cluster (noise left out), sorted."""
    members: dict[int, list[str]] = defaultdict(list)
    for item, label in predicted.items():
        if label != NOISE:
            members[label].append(item)
    return {label: sorted(items) for label, items in sorted(members.items())}


@dataclass(frozen=True)
class Coherence:
    clusters: int
    coherent_clusters: int
    coherent_themes: int
    themes: tuple[str, ...]
    noise_share: float
    clustered: int
    items: int


def shared_theme(members: Iterable[str], themes: Mapping[str, Sequence[str]]) -> str | None:
    """The theme more than :data:`COHERENCE` of ``members`` share (the commonest), else None."""
    listed = list(members)
    counts = Counter(theme for item in listed for theme in set(themes.get(item, ())))
    if not counts:
        return None
    theme, count = min(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    return theme if count > COHERENCE * len(listed) else None


def coherence(themes: Mapping[str, Sequence[str]], predicted: Mapping[str, int]) -> Coherence:
    """Coherent clusters and themes, and the share of items left as noise.

    ``themes`` lists each labelled item's themes; items without labels are
    ignored, so a cluster is judged on its labelled members only.
    """
    labelled = {item: label for item, label in predicted.items() if item in themes}
    clusters = clusters_of(labelled)
    found = [shared_theme(members, themes) for members in clusters.values()]
    coherent = sorted({theme for theme in found if theme is not None})
    clustered = sum(len(members) for members in clusters.values())
    items = len(themes)
    return Coherence(
        clusters=len(clusters),
        coherent_clusters=sum(theme is not None for theme in found),
        coherent_themes=len(coherent),
        themes=tuple(coherent),
        noise_share=(items - clustered) / items if items else 0.0,
        clustered=clustered,
        items=items,
    )


@dataclass(frozen=True)
class Classes:
    accuracy: float
    accuracy_classified: float
    macro_f1: float
    coverage: float
    items: int


def class_scores(truth: Mapping[str, str], predicted: Mapping[str, str | None]) -> Classes:
    """Accuracy (an unclassified item counts as wrong), accuracy among the classified,
    macro-F1 over the true classes, and coverage (the share given any class)."""
    from sklearn.metrics import f1_score

    items = sorted(truth)
    if not items:
        return Classes(0.0, 0.0, 0.0, 0.0, 0)
    expected = [truth[item] for item in items]
    answered = [predicted.get(item) or "(unclassified)" for item in items]
    right = sum(e == a for e, a in zip(expected, answered, strict=True))
    classified = sum(predicted.get(item) is not None for item in items)
    right_classified = sum(
        e == a for e, a in zip(expected, answered, strict=True) if a != "(unclassified)"
    )
    macro = f1_score(
        expected, answered, labels=sorted(set(expected)), average="macro", zero_division=0
    )
    return Classes(
        accuracy=right / len(items),
        accuracy_classified=right_classified / classified if classified else 0.0,
        macro_f1=float(macro),
        coverage=classified / len(items),
        items=len(items),
    )


def precision_at(
    k: int, relevant: Mapping[str, set[str]], answers: Mapping[str, Sequence[str]]
) -> float:
    """Mean share of the first ``k`` answers to each query that are relevant to it.

    ``relevant`` maps each query to the items relevant to it; a query with fewer
    than ``k`` answers is still divided by ``k``.
    """
    queries = sorted(relevant)
    if not queries:
        return 0.0
    total = 0.0
    for query in queries:
        hits = [item for item in answers.get(query, ())[:k] if item in relevant[query]]
        total += len(hits) / k
    return total / len(queries)


def precision_ceiling(k: int, relevant: Mapping[str, set[str]]) -> float:
    """The best precision@k possible: queries with fewer than ``k`` relevant items cap it."""
    queries = sorted(relevant)
    if not queries:
        return 0.0
    return sum(min(k, len(relevant[query])) / k for query in queries) / len(queries)
