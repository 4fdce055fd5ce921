"""Label consistency: does a record's text agree with the class a person gave it?

A small local text classifier — TF-IDF over the record's text and its masked
error-message templates, then a multinomial logistic regression — is trained on
the baseline window's human labels.  No network, no downloaded model: it learns
only what this team wrote.

Its agreement with the labels is measured by stratified k-fold cross-validation
on the baseline: each record is predicted by a model fitted on the other folds,
never on itself, and accuracy and macro-F1 are computed over those held-out
predictions.  The words are counted once for every text, but each fold keeps
only the terms found in at least two of *its training* records and weighs them
by *its training* records' document frequencies, so a held-out record informs
neither the vocabulary nor the weights of the model that predicts it (the same
as fitting a fresh TF-IDF vectoriser per fold, without counting six times).
The model fitted on the whole baseline then reads the recent records; a record
*disagrees* with its label when the model gives another class a probability of
at least ``confidence``.  The disagreement rate of the recent window against the
baseline's held-out rate (one-sided Fisher exact test) says whether labelling
drifted, even when the class mix did not.

Classes with a single baseline example are not modelled; recent records with
such a label are not assessed.  Recent records whose label the baseline never
used are assessed: a class appearing from nowhere while the text reads like
another is what relabelling looks like.

Plain data in and out; scikit-learn and scipy are imported here only.
"""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from failearn.config import AuditConfig

MODEL = "tf-idf (words and word pairs) + multinomial logistic regression"
OK = "ok"
INSUFFICIENT = "insufficient-data"
_MASK = re.compile(r"\b[0-9a-f]{8,}\b|\b[\w.]*\d[\w.:/-]*\b", re.IGNORECASE)
_FIELD_CHARS = 2000


@dataclass(frozen=True)
class LabelledRecord:
    """One record: its id, its text, the class a person gave it."""

    id: str
    text: str
    label: str


@dataclass(frozen=True)
class LabelSettings:
    """The classifier's settings: the first four are ``[audit]`` values (:meth:`of`), whose
    defaults are :class:`failearn.config.AuditConfig`'s; the others are fixed here."""

    folds: int
    seed: int
    max_training: int
    confidence: float
    # Fewer labelled baseline records than this and agreement means nothing.
    min_training: int = 30
    max_features: int = 50_000

    @classmethod
    def of(cls, config: AuditConfig) -> LabelSettings:
        """The settings the audit settings in force set."""
        return cls(
            folds=config.folds,
            seed=config.seed,
            max_training=config.max_training,
            confidence=config.confidence,
        )


@dataclass(frozen=True)
class Prediction:
    """What the model reads in one recent record."""

    id: str
    label: str
    predicted: str
    probability: float
    # The probability of the record's own label; None when the model does not know it.
    label_probability: float | None

    @property
    def label_known(self) -> bool:
        return self.label_probability is not None


@dataclass(frozen=True)
class FoldScore:
    fold: int
    records: int
    accuracy: float
    macro_f1: float


@dataclass(frozen=True)
class LabelCheck:
    """The classifier's agreement with the labels, and where recent labels disagree."""

    status: str
    reason: str
    model: str
    training_records: int
    classes: list[str]
    # Baseline classes too rare to model -> their count.
    excluded_classes: dict[str, int]
    folds: list[FoldScore]
    accuracy: float | None
    macro_f1: float | None
    baseline_assessed: int
    baseline_disagreements: int
    recent_assessed: int
    # Every recent prediction (assessed or not), in input order.
    predictions: list[Prediction]
    # The assessed recent records that disagree, most confident first.
    disagreements: list[Prediction]
    rise_p_value: float | None

    @property
    def baseline_rate(self) -> float | None:
        if not self.baseline_assessed:
            return None
        return self.baseline_disagreements / self.baseline_assessed

    @property
    def recent_rate(self) -> float | None:
        if not self.recent_assessed:
            return None
        return len(self.disagreements) / self.recent_assessed


def template(text: str) -> str:
    """Mask what varies between occurrences of one message: numbers, ids, hosts, hex."""
    return _MASK.sub(" ", text)


def record_text(parts: Iterable[str | None]) -> str:
    """The classifier's text of a record: its fields, each capped, masked, one per line."""
    return "\n".join(template(part[:_FIELD_CHARS]) for part in parts if part)


def _insufficient(reason: str, excluded: dict[str, int], training: int = 0) -> LabelCheck:
    return LabelCheck(
        INSUFFICIENT, reason, MODEL, training, [], excluded, [], None, None, 0, 0, 0, [], [], None
    )


def _sample(labels: list[str], limit: int, seed: int) -> list[int]:
    """Indices of a stratified sample of at most ``limit`` records (all when fewer)."""
    if len(labels) <= limit:
        return list(range(len(labels)))
    import numpy as np

    rng = np.random.Generator(np.random.PCG64(seed))
    by_class: dict[str, list[int]] = {}
    for index, label in enumerate(labels):
        by_class.setdefault(label, []).append(index)
    chosen: list[int] = []
    fraction = limit / len(labels)
    for label in sorted(by_class):
        members = by_class[label]
        take = min(len(members), max(2, round(len(members) * fraction)))
        picked = rng.permutation(len(members))[:take]
        chosen.extend(members[i] for i in sorted(picked))
    return sorted(chosen)


_TOKENS = r"(?u)\b[^\W\d_][^\W\d_]+\b"


def _classifier(seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=4.0, max_iter=300, random_state=seed)


def _count(texts: Sequence[str]) -> Any:
    """Word and word-pair counts of every text (a sparse matrix, one row per text); None
    when no text has a single word (alert exports often carry none)."""
    import numpy as np
    from sklearn.feature_extraction.text import CountVectorizer

    if not any(re.search(_TOKENS, text) for text in texts):
        return None
    return (
        CountVectorizer(ngram_range=(1, 2), token_pattern=_TOKENS, dtype=np.float32)
        .fit_transform(texts)
        .tocsr()
    )


def _shared_terms(train: Any) -> Any:
    """The columns of the terms found in at least two of the ``train`` rows."""
    import numpy as np

    frequency = np.asarray((train > 0).sum(axis=0)).ravel()
    return np.flatnonzero(frequency >= 2)


def _weigh(train: Any, others: Sequence[Any], max_features: int) -> tuple[Any, list[Any]]:
    """TF-IDF features learnt from the ``train`` rows only: terms in at least two of them
    (the most frequent ``max_features``), weighted by their document frequencies."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    keep = _shared_terms(train)
    if len(keep) > max_features:
        totals = np.asarray(train[:, keep].sum(axis=0)).ravel()
        keep = np.sort(keep[np.argsort(-totals, kind="stable")[:max_features]])
    weights = TfidfTransformer(sublinear_tf=True).fit(train[:, keep])
    return weights.transform(train[:, keep]), [weights.transform(o[:, keep]) for o in others]


def _disagrees(predicted: str, probability: float, label: str, confidence: float) -> bool:
    return predicted != label and probability >= confidence


def check_labels(
    baseline: Sequence[LabelledRecord], recent: Sequence[LabelledRecord], settings: LabelSettings
) -> LabelCheck:
    """Train on the baseline's labels, measure agreement on held-out folds, read the recent."""
    counts = Counter(r.label for r in baseline)
    excluded = {c: n for c, n in sorted(counts.items()) if n < 2}
    usable = [r for r in baseline if r.label not in excluded]
    modelled = sorted({r.label for r in usable})
    if len(usable) < settings.min_training:
        return _insufficient(
            f"only {len(usable)} labelled baseline record(s) of classes with at "
            f"least two examples; the classifier needs {settings.min_training}",
            excluded,
            len(usable),
        )
    if len(modelled) < 2:
        return _insufficient(
            "the baseline uses a single class: there is nothing to tell apart",
            excluded,
            len(usable),
        )
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score
    from sklearn.model_selection import StratifiedKFold

    picked = _sample([r.label for r in usable], settings.max_training, settings.seed)
    labels = np.asarray([usable[i].label for i in picked], dtype=object)
    counts = _count([usable[i].text for i in picked] + [r.text for r in recent])
    if counts is None:
        return _insufficient(
            "the records carry no text to read (no title, summary, root cause or error message)",
            excluded,
            len(picked),
        )
    training, recent_counts = counts[: len(picked)], counts[len(picked) :]
    sizes = Counter(labels.tolist()).values()
    smallest = min(sizes)
    # Stratified folds need a class at least as large as the number of folds.
    n_folds = max(2, min(settings.folds, max(sizes)))
    splitter = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=settings.seed)
    held_out_pred = np.empty(len(picked), dtype=object)
    held_out_prob = np.zeros(len(picked))
    folds: list[FoldScore] = []
    with warnings.catch_warnings():
        # Classes with fewer members than folds are fine: they are absent from some folds.
        if smallest < n_folds:
            warnings.simplefilter("ignore", UserWarning)
        splits = list(splitter.split(np.zeros(len(picked)), labels))
    # Each fold's model reads only the words shared by two of its training records.
    if any(len(_shared_terms(training[train])) == 0 for train, _ in splits):
        return _insufficient(
            "too little text to learn from: the baseline records share almost no words",
            excluded,
            len(picked),
        )
    for number, (train, test) in enumerate(splits, start=1):
        features, (held_out,) = _weigh(training[train], [training[test]], settings.max_features)
        model = _classifier(settings.seed).fit(features, labels[train])
        probabilities = model.predict_proba(held_out)
        best = probabilities.argmax(axis=1)
        predicted = model.classes_[best]
        held_out_pred[test] = predicted
        held_out_prob[test] = probabilities[np.arange(len(test)), best]
        folds.append(
            FoldScore(
                number,
                len(test),
                float(accuracy_score(labels[test], predicted)),
                float(
                    f1_score(
                        labels[test], predicted, average="macro", labels=modelled, zero_division=0
                    )
                ),
            )
        )
    accuracy = float(accuracy_score(labels, held_out_pred))
    macro_f1 = float(
        f1_score(labels, held_out_pred, average="macro", labels=modelled, zero_division=0)
    )
    baseline_disagreements = sum(
        _disagrees(p, pr, label, settings.confidence)
        for p, pr, label in zip(held_out_pred, held_out_prob, labels, strict=True)
    )
    predictions: list[Prediction] = []
    disagreements: list[Prediction] = []
    assessed = 0
    if recent:
        features, (recent_features,) = _weigh(training, [recent_counts], settings.max_features)
        model = _classifier(settings.seed).fit(features, labels)
        classes = list(model.classes_)
        position = {c: i for i, c in enumerate(classes)}
        probabilities = model.predict_proba(recent_features)
        for record, row in zip(recent, probabilities, strict=True):
            best = int(row.argmax())
            own = position.get(record.label)
            prediction = Prediction(
                record.id,
                record.label,
                classes[best],
                float(row[best]),
                None if own is None else float(row[own]),
            )
            predictions.append(prediction)
            if record.label in excluded:
                continue  # too rare in the baseline to judge
            assessed += 1
            if _disagrees(
                prediction.predicted, prediction.probability, record.label, settings.confidence
            ):
                disagreements.append(prediction)
    disagreements.sort(key=lambda p: (-p.probability, p.id))
    rise = _rise_p_value(len(disagreements), assessed, int(baseline_disagreements), len(picked))
    reason = (
        f"{n_folds}-fold cross-validation on {len(picked)} baseline record(s): each "
        "predicted by a model that never saw it"
    )
    return LabelCheck(
        OK,
        reason,
        MODEL,
        len(picked),
        modelled,
        excluded,
        folds,
        accuracy,
        macro_f1,
        len(picked),
        int(baseline_disagreements),
        assessed,
        predictions,
        disagreements,
        rise,
    )


def _rise_p_value(
    recent_bad: int, recent_n: int, baseline_bad: int, baseline_n: int
) -> float | None:
    """One-sided Fisher exact test: is the recent disagreement rate higher than the baseline's?"""
    if not recent_n or not baseline_n:
        return None
    from scipy.stats import fisher_exact

    table = [[recent_bad, recent_n - recent_bad], [baseline_bad, baseline_n - baseline_bad]]
    return float(fisher_exact(table, alternative="greater").pvalue)
