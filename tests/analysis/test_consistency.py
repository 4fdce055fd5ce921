"""The label-consistency classifier: held-out agreement, disagreements, thresholds."""

from __future__ import annotations

import random
import string
from dataclasses import replace

import pytest

from failearn.analysis.consistency import (
    LabelledRecord,
    LabelSettings,
    _classifier,
    _count,
    _weigh,
    check_labels,
    record_text,
    template,
)
from failearn.config import AuditConfig

DEFAULTS = LabelSettings.of(AuditConfig())

TEXTS = {
    "timeout": [
        "calls to {d} timed out after the deadline",
        "request deadline exceeded calling {d}",
        "{d} answered slower than the timeout",
    ],
    "memory-exhaustion": [
        "pods killed out of memory in {d}",
        "heap space exhausted in {d} worker",
        "OOMKilled container of {d} memory limit",
    ],
    "configuration-error": [
        "bad config change pushed to {d}",
        "invalid setting in {d} config",
        "feature flag misconfigured for {d}",
    ],
}
DEPENDENCIES = ["inventory", "payments", "search", "postgres", "redis", "kafka"]


def corpus(count: int, seed: int, prefix: str = "b") -> list[LabelledRecord]:
    rnd = random.Random(seed)
    records = []
    for number in range(count):
        label = rnd.choice(sorted(TEXTS))
        text = rnd.choice(TEXTS[label]).format(d=rnd.choice(DEPENDENCIES))
        records.append(LabelledRecord(f"{prefix}{number}", text, label))
    return records


def test_consistent_labels_agree_on_held_out_folds_and_nothing_disagrees() -> None:
    check = check_labels(corpus(150, 1), corpus(40, 2, "r"), DEFAULTS)
    assert check.status == "ok"
    assert check.accuracy is not None and check.accuracy > 0.95
    assert check.macro_f1 is not None and check.macro_f1 > 0.95
    assert check.classes == sorted(TEXTS)
    assert [f.fold for f in check.folds] == [1, 2, 3, 4, 5]
    assert sum(f.records for f in check.folds) == check.training_records == 150
    assert check.disagreements == [] and check.recent_assessed == 40
    assert check.recent_rate == 0 and check.baseline_rate is not None


def noise(count: int = 200) -> list[LabelledRecord]:
    """Labels that have nothing to do with the text."""
    rnd = random.Random(3)
    vocabulary = ["".join(rnd.choice(string.ascii_lowercase) for _ in range(6)) for _ in range(300)]
    return [
        LabelledRecord(
            f"n{i}", " ".join(rnd.choice(vocabulary) for _ in range(30)), rnd.choice("abcd")
        )
        for i in range(count)
    ]


def test_agreement_is_measured_on_held_out_folds_never_on_training_rows() -> None:
    # A model scored on the rows it was trained on reaches 100 %, one scored on
    # held-out rows stays near chance (25 %).
    records = noise()
    features, _ = _weigh(_count([r.text for r in records]), [], 50_000)
    trained = _classifier(0).fit(features, [r.label for r in records])
    on_training_rows = sum(
        p == r.label for p, r in zip(trained.predict(features), records, strict=True)
    ) / len(records)
    assert on_training_rows > 0.95
    check = check_labels(records, [], DEFAULTS)
    assert check.accuracy is not None and check.accuracy < 0.45
    assert all(f.accuracy < 0.6 for f in check.folds)


def test_each_fold_learns_vocabulary_and_weights_from_its_training_rows_only() -> None:
    # The same as fitting a fresh TF-IDF vectoriser on each fold's training rows.
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline

    records = noise()
    texts = [r.text for r in records]
    labels = np.asarray([r.label for r in records], dtype=object)
    expected = []
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, labels):
        model = make_pipeline(
            TfidfVectorizer(
                sublinear_tf=True,
                min_df=2,
                ngram_range=(1, 2),
                token_pattern=r"(?u)\b[^\W\d_][^\W\d_]+\b",
            ),
            _classifier(0),
        )
        model.fit([texts[i] for i in train], labels[train])
        probabilities = model.predict_proba([texts[i] for i in test])
        expected.append(
            float((model.classes_[probabilities.argmax(axis=1)] == labels[test]).mean())
        )
    check = check_labels(records, [], DEFAULTS)
    assert len(set(expected)) > 1
    assert [f.accuracy for f in check.folds] == pytest.approx(expected)


def test_recent_records_whose_text_reads_like_another_class_are_listed() -> None:
    recent = corpus(40, 2, "r")
    relabelled = [
        LabelledRecord(f"x{i}", TEXTS["timeout"][i % 3].format(d="inventory"), "memory-exhaustion")
        for i in range(6)
    ]
    check = check_labels(corpus(150, 1), recent + relabelled, DEFAULTS)
    assert {d.id for d in check.disagreements} == {f"x{i}" for i in range(6)}
    first = check.disagreements[0]
    assert (first.label, first.predicted) == ("memory-exhaustion", "timeout")
    assert first.probability >= 0.5 and first.label_probability is not None
    assert first.label_probability < first.probability
    probabilities = [d.probability for d in check.disagreements]
    assert probabilities == sorted(probabilities, reverse=True)
    assert check.recent_rate == pytest.approx(6 / 46)
    assert check.rise_p_value is not None and check.rise_p_value < 0.05


def test_a_label_the_baseline_never_used_is_assessed_and_one_used_once_is_not() -> None:
    baseline = [*corpus(150, 1), LabelledRecord("once", "a lonely certificate", "cert-expiry")]
    recent = [
        LabelledRecord(
            "new", "calls to search timed out after the deadline", "resource-exhaustion"
        ),
        LabelledRecord("rare", "calls to search timed out after the deadline", "cert-expiry"),
    ]
    check = check_labels(baseline, recent, DEFAULTS)
    assert check.excluded_classes == {"cert-expiry": 1}
    assert "cert-expiry" not in check.classes
    assert check.recent_assessed == 1
    [new] = check.disagreements
    assert (new.id, new.predicted, new.label_known) == ("new", "timeout", False)
    assert [p.id for p in check.predictions] == ["new", "rare"]


def test_low_confidence_readings_are_not_disagreements() -> None:
    recent = [LabelledRecord("x", TEXTS["timeout"][0].format(d="kafka"), "memory-exhaustion")]
    assert len(check_labels(corpus(150, 1), recent, DEFAULTS).disagreements) == 1
    strict = check_labels(corpus(150, 1), recent, replace(DEFAULTS, confidence=0.999))
    assert strict.disagreements == [] and strict.recent_assessed == 1


@pytest.mark.parametrize(
    ("baseline", "words"),
    [
        (corpus(20, 1), "only 20 labelled baseline record(s)"),
        ([LabelledRecord(f"t{i}", "timed out", "timeout") for i in range(50)], "a single class"),
    ],
)
def test_too_few_labels_are_insufficient_data(baseline: list[LabelledRecord], words: str) -> None:
    check = check_labels(baseline, corpus(10, 2, "r"), DEFAULTS)
    assert check.status == "insufficient-data"
    assert words in check.reason
    assert check.accuracy is None and check.disagreements == []


def test_a_large_baseline_is_sampled_by_class_and_deterministically() -> None:
    baseline = corpus(400, 5)
    settings = replace(DEFAULTS, max_training=150)
    first = check_labels(baseline, [], settings)
    again = check_labels(baseline, [], settings)
    assert first.training_records == again.training_records
    assert 140 <= first.training_records <= 160
    assert first == again


def test_text_is_masked_so_that_ids_and_numbers_do_not_count() -> None:
    assert template(
        "timeout after 3021ms calling 10.2.3.4:8443 trace 4bf92f3577b34da6"
    ).split() == ["timeout", "after", "calling", "trace"]
    assert record_text(["Title", None, "", "x" * 3000]).count("x") == 2000


def test_records_without_text_are_insufficient_data_not_a_crash() -> None:
    baseline = [LabelledRecord(r.id, "", r.label) for r in corpus(150, 1)]
    recent = [LabelledRecord(r.id, " 42 ", r.label) for r in corpus(40, 2, "r")]
    check = check_labels(baseline, recent, DEFAULTS)
    assert check.status == "insufficient-data"
    assert check.reason.startswith("the records carry no text")
    assert check.disagreements == [] and check.recent_rate is None


def test_words_no_two_records_share_are_insufficient_data() -> None:
    unique = [
        "".join(string.ascii_lowercase[(i // 26**k) % 26] for k in range(3)) * 2 for i in range(190)
    ]
    records = [
        LabelledRecord(r.id, unique[i], r.label)
        for i, r in enumerate(corpus(150, 1) + corpus(40, 2, "r"))
    ]
    check = check_labels(records[:150], records[150:], DEFAULTS)
    assert check.status == "insufficient-data"
    assert "share almost no words" in check.reason


def test_the_settings_are_the_audit_settings_in_force() -> None:
    settings = LabelSettings.of(AuditConfig(folds=3, seed=7, max_training=200, confidence=0.9))
    assert (settings.folds, settings.seed, settings.max_training, settings.confidence) == (
        3,
        7,
        200,
        0.9,
    )
    assert settings.min_training == 30
