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
* :class:`TeamModel` — learnt from the team's labels in the store: TF-IDF word
  (1–2) and character (3–5) n-grams and a logistic regression (one class against
  the rest).  Its
  probabilities are calibrated by temperature scaling on stratified
  cross-validated predictions (each labelled record predicted by a model that
  never saw it), which also gives its held-out accuracy.

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

from failearn.taxonomy_model import Taxonomy

_MASK = re.compile(r"\b[0-9a-f]{8,}\b|\b[\w.]*\d[\w.:/-]*\b", re.IGNORECASE)
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_WORDS = r"(?u)\b[^\W\d_][^\W\d_]+\b"
# The temperatures a softmax over similarities or scores is fitted among.
_TEMPERATURES = tuple(round(0.01 * 1.25 ** k, 5) for k in range(30))
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
    """What inference needs of a model: a name, and ranked classes per text."""

    route: str

    def predict(self, texts: Sequence[str]) -> list[Ranked]: ...


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

    words = TfidfVectorizer(ngram_range=(1, 2), token_pattern=_WORDS, sublinear_tf=True,
                            stop_words="english", lowercase=True)
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), sublinear_tf=True,
                            lowercase=True)
    return words, chars


def class_documents(taxonomy: Taxonomy) -> dict[str, tuple[list[str], list[str]]]:
    """Each class's texts, in taxonomy order: (what defines it — name, description,
    keywords, aliases — and its example incidents), empty ones dropped."""
    aliases: dict[str, list[str]] = {}
    for alias, class_id in taxonomy.aliases.items():
        aliases.setdefault(class_id, []).append(alias)
    documents: dict[str, tuple[list[str], list[str]]] = {}
    for cls in taxonomy.classes.values():
        parts = [cls.name, cls.name, cls.description, ", ".join(cls.keywords),
                 ", ".join(aliases.get(cls.id, []))]
        documents[cls.id] = ([p for p in parts if p.strip()], list(cls.examples))
    return documents


def _counters() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import CountVectorizer

    return (CountVectorizer(ngram_range=(1, 2), token_pattern=_WORDS, stop_words="english"),
            CountVectorizer(analyzer="char_wb", ngram_range=(3, 5)))


class TaxonomyMatcher:
    """Zero-shot: a record against the taxonomy's class documents, by similarity.

    A class document is the sum of the counts of its texts, weighted by TF-IDF
    (sublinear term frequency, document frequency over the class documents):
    holding one example out is subtracting its counts, with no refit.
    """

    route = "taxonomy"

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

        assign = csr_matrix((np.ones(len(owner)), (owner, np.arange(len(owner)))),
                            shape=(len(self.classes), len(owner)))
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

    def _calibrate(self, spaces: Sequence[Any], owner: Sequence[int],
                   examples: Sequence[int]) -> float:
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


# The temperature of a taxonomy without examples to fit one on (an assumption).
_DEFAULT_TEMPERATURE = 0.05


@dataclass(frozen=True)
class TeamModelFit:
    """How a team model was fitted: on what, and how well it did on held-out folds."""

    records: int
    classes: dict[str, int]
    excluded: dict[str, int]
    held_out_accuracy: float | None
    temperature: float


class TeamModel:
    """Learnt from the store's human labels: TF-IDF words and characters + logistic
    regression, probabilities calibrated on cross-validated predictions."""

    route = "model"

    def __init__(self, texts: Sequence[str], labels: Sequence[str], seed: int = 0,
                 folds: int = 3) -> None:
        counts = Counter(labels)
        excluded = {c: n for c, n in sorted(counts.items()) if n < 2}
        kept = [i for i, label in enumerate(labels) if label not in excluded]
        self.texts = [texts[i] for i in kept]
        self.labels = [labels[i] for i in kept]
        if len({*self.labels}) < 2:
            raise ValueError("a team model needs two classes with two labelled records each")
        self.seed = seed
        self.features = self._features()
        matrix = self.features.fit_transform(self.texts)
        accuracy, temperature = self._cross_validate(matrix, folds)
        self.regression = self._regression().fit(matrix, self.labels)
        self.classes = [str(c) for c in self.regression.classes_]
        self.fit = TeamModelFit(len(self.labels), dict(sorted(Counter(self.labels).items())),
                                excluded, accuracy, temperature)

    def _features(self) -> Any:
        from sklearn.pipeline import make_union

        words, chars = _vectorisers()
        words.set_params(max_features=_MAX_FEATURES)
        chars.set_params(max_features=_MAX_FEATURES)
        return make_union(words, chars)

    def _regression(self) -> Any:
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier

        # One class against the rest, by liblinear's dual solver: fast when the terms far
        # outnumber the records (a multinomial L-BFGS took 15 times the CPU on 75 post-
        # mortems); the temperature calibrates the scores.
        return OneVsRestClassifier(LogisticRegression(C=4.0, solver="liblinear", dual=True,
                                                      random_state=self.seed))

    def _cross_validate(self, matrix: Any, folds: int) -> tuple[float | None, float]:
        """Held-out accuracy and the temperature that calibrates the held-out scores (the
        terms are counted once over every labelled text; each fold's regression is fitted
        without the records it scores)."""
        import warnings

        import numpy as np
        from sklearn.model_selection import StratifiedKFold

        labels = np.asarray(self.labels, dtype=object)
        n_folds = min(folds, max(Counter(self.labels).values()))
        if n_folds < 2:
            return None, 1.0
        classes = sorted(set(self.labels))
        position = {c: i for i, c in enumerate(classes)}
        scores = np.full((len(labels), len(classes)), -50.0)
        splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            splits = list(splitter.split(np.zeros(len(labels)), labels))
        for train, test in splits:
            if len(set(labels[train])) < 2:
                continue
            model = self._regression().fit(matrix[train], labels[train])
            columns = [position[c] for c in model.classes_]
            decision = _two_columns(model.decision_function(matrix[test]))
            for row, index in zip(decision, test, strict=True):
                scores[index, columns] = row
        truth = [position[c] for c in self.labels]
        accuracy = float(np.mean(scores.argmax(axis=1) == np.asarray(truth)))
        return accuracy, fit_temperature(scores, truth)

    def predict(self, texts: Sequence[str]) -> list[Ranked]:
        if not texts:
            return []
        decision = _two_columns(self.regression.decision_function(
            self.features.transform(list(texts))))
        return _ranked(self.classes, _softmax(decision, self.fit.temperature))


def _two_columns(decision: Any) -> Any:
    """A binary regression's single score as one column per class."""
    import numpy as np

    if decision.ndim == 1:
        return np.column_stack([-decision / 2, decision / 2])
    return decision


def entropy_bits(ranked: Ranked) -> float:
    """How spread a ranking is (0: one class holds everything)."""
    return -sum(p * math.log2(p) for _, p in ranked.classes if p > 0)
