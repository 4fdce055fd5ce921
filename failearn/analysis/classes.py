"""Text models that name a failure class for a record that names none.

Two models, one interface (:class:`ClassModel`: ``predict(texts)`` gives, per
text, every class with a probability, most likely first):

* :class:`TaxonomyMatcher` — zero-shot, for a store without labels.  Each class
  of the taxonomy is a document written from its name, description, keywords,
  aliases and example incidents; a record is compared with every class
  document by cosine similarity over TF-IDF word n-grams (1–2) and character
  n-grams (3–5, within words, so "OOMKilled" meets "oom killer" and "leaking"
  meets "leak").  The similarities become probabilities by a softmax whose
  temperature is fitted, by leave-one-out, on the taxonomy's own examples: each
  example is matched against the class documents written without it.  That is
  the only calibration a store without labels allows; it says how sure the
  taxonomy's own words make the match, not how often it is right on your data.
* :class:`TeamModel` — the taxonomy and the team's labels in the store, blended:
  the matcher's similarities and a logistic regression (TF-IDF word (1–2) and
  character (3–5) n-grams, one class against the rest) trained on the labels
  with the taxonomy's own texts as a prior the labels outweigh as they grow;
  the two experts' weights are fitted on the labelled records by
  cross-validation (each record scored by a regression that never saw it),
  which calibrates the probabilities on the team's own records and gives the
  blend's held-out accuracy beside the taxonomy's.

Plain data in and out; scikit-learn and numpy are imported here only, when a
model is built.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from failearn.taxonomy.model import Taxonomy

_MASK = re.compile(r"\b[0-9a-f]{8,}\b|\b[\w.]*\d[\w.:/-]*\b", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORDS = r"(?u)\b[^\W\d_][^\W\d_]+\b"
# The temperatures a softmax over similarities or scores is fitted among.
_TEMPERATURES = tuple(round(0.01 * 1.25**k, 5) for k in range(30))
# Each part is read up to this many characters: the cause of an incident is told early.
_MAX_CHARS = 4000
# The team model keeps the most frequent terms of each kind (words, characters): a bound
# on its size and training time however many labelled reports the store holds.
_MAX_FEATURES = 30_000


def model_text(parts: Sequence[tuple[str | None, int]]) -> str:
    """The text a class model reads: each part (title, root cause, summary, resolution,
    error messages) repeated by its weight, numbers and ids masked, CamelCase split."""
    chunks: list[str] = []
    for text, weight in parts:
        if text:
            clean = _CAMEL.sub(" ", _MASK.sub(" ", text[:_MAX_CHARS]))
            chunks.extend([clean] * max(1, weight))
    return "\n".join(chunks)


@dataclass(frozen=True, slots=True)
class Ranked:
    """One text's classes, most likely first, with their probabilities."""

    classes: tuple[tuple[str, float], ...]

    @property
    def best(self) -> tuple[str, float]:
        return self.classes[0]

    def top(self, count: int) -> list[tuple[str, float]]:
        return list(self.classes[:count])


class ClassModel(Protocol):
    """What inference needs of a model: a name, ranked classes per text, and a line on how
    it was fitted."""

    route: str

    def predict(self, texts: Sequence[str]) -> list[Ranked]: ...

    def summary(self) -> str: ...


def _softmax(rows: Any, temperature: float) -> Any:
    import numpy as np

    scaled = rows / temperature
    scaled = scaled - scaled.max(axis=1, keepdims=True)
    weights = np.exp(scaled)
    return weights / weights.sum(axis=1, keepdims=True)


def fit_temperature(scores: Any, truth: Sequence[int]) -> float:
    """The softmax temperature that gives held-out ``scores`` (one row per text, one column
    per class) the least log loss against the true columns."""
    import numpy as np

    rows = np.arange(len(truth))
    target = np.asarray(truth)

    def loss(temperature: float) -> float:
        probabilities = _softmax(scores, temperature)[rows, target]
        return float(-np.log(np.clip(probabilities, 1e-12, None)).mean())

    return min(_TEMPERATURES, key=loss)


def _ranked(classes: Sequence[str], probabilities: Any) -> list[Ranked]:
    import numpy as np

    ranked: list[Ranked] = []
    for row in probabilities:
        order = np.argsort(-row, kind="stable")
        ranked.append(Ranked(tuple((classes[i], float(row[i])) for i in order)))
    return ranked


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(
        ngram_range=(1, 2),
        token_pattern=_WORDS,
        sublinear_tf=True,
        stop_words="english",
        lowercase=True,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True, lowercase=True
    )
    return words, chars


def class_documents(taxonomy: Taxonomy) -> dict[str, tuple[list[str], list[str]]]:
    """Each class's texts, in taxonomy order: (what defines it — name, description,
    keywords, aliases — and its example incidents), empty ones dropped."""
    aliases: dict[str, list[str]] = {}
    for alias, class_id in taxonomy.aliases.items():
        aliases.setdefault(class_id, []).append(alias)
    documents: dict[str, tuple[list[str], list[str]]] = {}
    for cls in taxonomy.classes.values():
        parts = [
            cls.name,
            cls.name,
            cls.description,
            ", ".join(cls.keywords),
            ", ".join(aliases.get(cls.id, [])),
        ]
        documents[cls.id] = ([p for p in parts if p.strip()], list(cls.examples))
    return documents


def _counters() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import CountVectorizer

    return (
        CountVectorizer(ngram_range=(1, 2), token_pattern=_WORDS, stop_words="english"),
        CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)),
    )


class TaxonomyMatcher:
    """Zero-shot: a record against the taxonomy's class documents, by similarity.

    A class document is the sum of the counts of its texts, weighted by TF-IDF
    (sublinear term frequency, document frequency over the class documents):
    holding one example out is subtracting its counts, with no refit.
    """

    route = "taxonomy"
    kept = False  # read back from an earlier fit (failearn.analysis.class_state)

    def __init__(self, taxonomy: Taxonomy) -> None:
        from sklearn.feature_extraction.text import TfidfTransformer

        documents = class_documents(taxonomy)
        self.classes = list(documents)
        texts: list[str] = []
        owner: list[int] = []
        examples: list[int] = []
        for position, (defining, own_examples) in enumerate(documents.values()):
            for text in defining:
                texts.append(model_text([(text, 1)]))
                owner.append(position)
            for text in own_examples:
                examples.append(len(texts))
                texts.append(model_text([(text, 1)]))
                owner.append(position)
        self.counters = _counters()
        self.weights = []
        self.docs = []
        parts_by_space = []
        for counter in self.counters:
            parts = counter.fit_transform(texts).tocsr()
            summed = self._summed(parts, owner)
            weights = TfidfTransformer(sublinear_tf=True).fit(summed)
            self.weights.append(weights)
            self.docs.append(weights.transform(summed))
            parts_by_space.append(parts)
        self.temperature = self._calibrate(parts_by_space, owner, examples)

    def _summed(self, parts: Any, owner: Sequence[int]) -> Any:
        """Counts per class: the sum of its parts' rows."""
        import numpy as np
        from scipy.sparse import csr_matrix

        assign = csr_matrix(
            (np.ones(len(owner)), (owner, np.arange(len(owner)))),
            shape=(len(self.classes), len(owner)),
        )
        return (assign @ parts).tocsr()

    def _similar(self, spaces: Sequence[Any], docs: Sequence[Any]) -> Any:
        total = None
        for weights, counts, doc in zip(self.weights, spaces, docs, strict=True):
            part = (weights.transform(counts) @ doc.T).toarray()
            total = part if total is None else total + part
        assert total is not None
        return total / len(docs)

    def similarities(self, texts: Sequence[str]) -> Any:
        """Cosine similarity of each text with each class document (rows: texts)."""
        return self._similar([c.transform(texts) for c in self.counters], self.docs)

    def _calibrate(
        self, spaces: Sequence[Any], owner: Sequence[int], examples: Sequence[int]
    ) -> float:
        """The softmax temperature fitted on the taxonomy's own examples, each matched
        against class documents counted without it (the weights of terms kept)."""
        import numpy as np

        if len(self.classes) < 2 or not examples:
            return _DEFAULT_TEMPERATURE
        rows = np.zeros((len(examples), len(self.classes)))
        for weights, parts, doc in zip(self.weights, spaces, self.docs, strict=True):
            idf = weights.idf_
            summed = self._summed(parts, owner).toarray()
            chosen = parts[list(examples)]
            vectors = weights.transform(chosen)
            rows += (vectors @ doc.T).toarray()
            dense = vectors.toarray()
            for row, index in enumerate(examples):
                own = owner[index]
                counts = summed[own] - chosen[row].toarray()[0]
                held = np.where(counts > 0, 1 + np.log(np.clip(counts, 1, None)), 0) * idf
                norm = np.linalg.norm(held)
                rows[row, own] += (dense[row] @ held) / norm if norm else 0.0
                rows[row, own] -= (vectors[row] @ doc[own].T).toarray()[0, 0]
        rows /= len(spaces)
        return fit_temperature(rows, [owner[i] for i in examples])

    def predict(self, texts: Sequence[str]) -> list[Ranked]:
        if not texts:
            return []
        return _ranked(self.classes, _softmax(self.similarities(texts), self.temperature))

    def summary(self) -> str:
        return (
            f"softmax temperature {self.temperature:g}, fitted on the taxonomy's own "
            "examples (not on your records)" + _KEPT * self.kept
        )


_KEPT = "; kept from an earlier ingest that fitted it on the same labels and taxonomy"
# The temperature of a taxonomy without examples to fit one on (an assumption).
_DEFAULT_TEMPERATURE = 0.05


@dataclass(frozen=True)
class TeamModelFit:
    """How a team model was fitted: on how many labels of which classes, the weights of
    its two experts, and how often each was right on the labelled records held out."""

    records: int
    classes: dict[str, int]
    taxonomy_weight: float
    team_weight: float
    held_out_accuracy: float
    taxonomy_accuracy: float


# Each text of the taxonomy (a class's definition, each of its examples) counts as this
# many labelled records when the team's regression is trained: a fixed prior, which the
# team's labels outweigh as they accumulate.
PRIOR_WEIGHT = 1.0
# The weights of the two experts are chosen among these (zero and a logarithmic grid).
_WEIGHTS = (0.0, *(round(0.05 * 1.25**k, 5) for k in range(36)))


class TeamModel:
    """The taxonomy and the team's labels, blended; calibrated on the team's records.

    Two experts score every class of the taxonomy: the :class:`TaxonomyMatcher`'s
    similarity, which never sees the team's labels, and a logistic regression (TF-IDF
    words and characters, one class against the rest) trained on the team's labels
    together with the taxonomy's own texts, each counting as :data:`PRIOR_WEIGHT`
    labelled record.  A class's probability is a softmax over ``a * similarity +
    b * regression score``, where ``a`` and ``b`` give the team's labelled records the
    least log loss, each record scored by a regression that never saw it (stratified
    folds).  So the blend leans on the taxonomy while the labels are few or agree with
    it, on the team's regression once the labels teach more than the taxonomy knows,
    and its probabilities are calibrated on the team's own records, not on one-line
    examples.
    """

    route = "model"
    kept = False  # read back from an earlier fit (failearn.analysis.class_state)

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        taxonomy: Taxonomy,
        matcher: TaxonomyMatcher | None = None,
        seed: int = 0,
        folds: int = 3,
    ) -> None:
        import numpy as np

        self.matcher = matcher or TaxonomyMatcher(taxonomy)
        self.classes = list(self.matcher.classes)
        self.seed = seed
        column = {c: i for i, c in enumerate(self.classes)}
        kept = [i for i, label in enumerate(labels) if label in column]
        self.labels = [labels[i] for i in kept]
        if not self.labels:
            raise ValueError("a team model needs labels of the taxonomy's classes")
        prior = [
            (model_text([(text, 1)]), class_id)
            for class_id, (defining, examples) in class_documents(taxonomy).items()
            for text in (*defining, *examples)
        ]
        self.prior_labels = [class_id for _, class_id in prior]
        self.features = self._features()
        matrix = self.features.fit_transform(
            [texts[i] for i in kept] + [text for text, _ in prior]
        ).tocsr()
        own, self._prior = matrix[: len(kept)], matrix[len(kept) :]
        truth = np.asarray([column[label] for label in self.labels])
        similar = self.matcher.similarities([texts[i] for i in kept])
        held_out = self._cross_validated(own, folds)
        a, b = fit_blend(similar, held_out, truth)
        self.linear = _linear(self._fit(own, self.labels), self.classes)
        blended = a * similar + b * held_out
        self.fit = TeamModelFit(
            len(self.labels),
            dict(sorted(Counter(self.labels).items())),
            a,
            b,
            float(np.mean(blended.argmax(axis=1) == truth)),
            float(np.mean(similar.argmax(axis=1) == truth)),
        )

    def _features(self) -> Any:
        from sklearn.pipeline import make_union

        words, chars = _vectorisers()
        words.set_params(max_features=_MAX_FEATURES)
        chars.set_params(max_features=_MAX_FEATURES)
        return make_union(words, chars)

    def _fit(self, rows: Any, labels: Sequence[str]) -> dict[str, Any]:
        """One regression per class (that class against the rest), on ``rows`` with their
        labels and the taxonomy's texts as prior records."""
        import warnings

        import numpy as np
        from scipy.sparse import vstack
        from sklearn.linear_model import LogisticRegression

        matrix = vstack([rows, self._prior]).tocsr()
        target = np.asarray([*labels, *self.prior_labels], dtype=object)
        weights = np.asarray([1.0] * len(labels) + [PRIOR_WEIGHT] * len(self.prior_labels))
        fitted: dict[str, Any] = {}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for class_id in self.classes:
                # liblinear's dual solver: fast when the terms far outnumber the records.
                fitted[class_id] = LogisticRegression(
                    C=4.0,
                    solver="liblinear",
                    dual=True,
                    random_state=self.seed,
                ).fit(matrix, (target == class_id).astype(int), sample_weight=weights)
        return fitted

    def _scores(self, regressions: dict[str, Any], rows: Any) -> Any:
        import numpy as np

        return np.column_stack([regressions[c].decision_function(rows) for c in self.classes])

    def _cross_validated(self, own: Any, folds: int) -> Any:
        """Each labelled record's regression scores from a regression trained without it
        (the taxonomy's texts always in): stratified folds when every class has enough
        labels, else plain ones."""
        import warnings

        import numpy as np
        from sklearn.model_selection import KFold, StratifiedKFold

        count = len(self.labels)
        scores = np.zeros((count, len(self.classes)))
        n_folds = min(folds, count)
        if n_folds < 2:
            return scores
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            if min(Counter(self.labels).values()) >= n_folds:
                splitter: Any = StratifiedKFold(
                    n_splits=n_folds, shuffle=True, random_state=self.seed
                )
            else:
                splitter = KFold(n_splits=n_folds, shuffle=True, random_state=self.seed)
            splits = list(splitter.split(np.zeros(count), self.labels))
        for train, test in splits:
            fitted = self._fit(own[train], [self.labels[i] for i in train])
            scores[test] = self._scores(fitted, own[test])
        return scores

    def predict(self, texts: Sequence[str]) -> list[Ranked]:
        import numpy as np

        if not texts:
            return []
        rows = self.features.transform(list(texts))
        coef, intercept = self.linear
        scores = np.asarray(rows @ coef.T) + intercept
        blended = self.fit.taxonomy_weight * self.matcher.similarities(texts)
        blended = blended + self.fit.team_weight * scores
        return _ranked(self.classes, _softmax(blended, 1.0))

    def summary(self) -> str:
        fit = self.fit
        return (
            f"weights {fit.taxonomy_weight:g} (taxonomy) and {fit.team_weight:g} (team) "
            f"fitted on the {fit.records} labels, held out: blend right "
            f"{fit.held_out_accuracy:.0%}, taxonomy alone {fit.taxonomy_accuracy:.0%}"
        ) + _KEPT * self.kept


def _linear(regressions: dict[str, Any], classes: Sequence[str]) -> tuple[Any, Any]:
    """One-against-the-rest regressions as one linear map: (coefficients, intercepts), so
    that ``rows @ coefficients.T + intercepts`` is each class's decision score."""
    import numpy as np

    coef = np.vstack([np.asarray(regressions[c].coef_).ravel() for c in classes])
    intercept = np.asarray([float(np.ravel(regressions[c].intercept_)[0]) for c in classes])
    return coef, intercept


def fit_blend(similar: Any, scores: Any, truth: Any) -> tuple[float, float]:
    """The weights ``(a, b)`` of ``a * similar + b * scores`` whose softmax gives the
    true classes (column indices) the least log loss, from :data:`_WEIGHTS` (the first
    of equals: the smaller weights).

    The truth is smoothed by one record's worth of a uniform guess (a share ``1 / (n +
    1)`` of ``n`` records): a handful of labels that the experts happen to separate
    perfectly would otherwise push the weights, and the probabilities, to certainty.
    """
    import numpy as np

    rows = np.arange(len(truth))
    smoothing = 1.0 / (len(truth) + 1)
    best = (math.inf, 0.0, 0.0)
    for a in _WEIGHTS:
        for b in _WEIGHTS:
            if a == b == 0.0:
                continue
            blended = a * similar + b * scores
            log_p = blended - (
                np.log(
                    np.exp(blended - blended.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)
                )
                + blended.max(axis=1, keepdims=True)
            )
            loss = float(-(1 - smoothing) * log_p[rows, truth].mean() - smoothing * log_p.mean())
            if loss < best[0] - 1e-12:
                best = (loss, a, b)
    return best[1], best[2]


def entropy_bits(ranked: Ranked) -> float:
    """How spread a ranking is (0: one class holds everything)."""
    return -sum(p * math.log2(p) for _, p in ranked.classes if p > 0)
