"""Class inference on real post-mortems with their labels removed, beside plain baselines.

Run by hand: ``FAILEARN_REALDATA=/path/to/realdata python bench/classify/bench_classify.py``.

For each corpus (``moj``: one team's 39 reports; ``oss``: 36 reports of three
open-source projects; ``all``), the records are cut in random halves (seeds
0–2, each half in turn the labelled one):

* **fresh store** — failearn with no labels: the taxonomy's texts (coverage =
  share classified at the default ``taxonomy_min_probability``; accuracy over
  every record, an abstention counting as wrong, and over the classified);
* **labelled half in the store** — what ingest does with the defaults (the team
  model once the half holds ``min_labels`` labels, else the taxonomy), scored
  on the other half; and the team model forced (the learning-curve point that
  sets ``min_labels``);
* baselines in the same run, trained on the same half: the majority class and
  TF-IDF + logistic regression (scikit-learn defaults).

Then the model's cost: building each model, and predicting one record.
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from corpus import Labelled, load

from failearn.analysis.classes import Ranked, TaxonomyMatcher, TeamModel, model_text
from failearn.config import ClassifyConfig
from failearn.taxonomy.file import load_taxonomy

SEEDS = (0, 1, 2)
DEFAULTS = ClassifyConfig()


def halves(indices: list[int], seed: int) -> list[tuple[list[int], list[int]]]:
    order = indices[:]
    random.Random(seed).shuffle(order)
    middle = len(order) // 2
    return [(order[:middle], order[middle:]), (order[middle:], order[:middle])]


def score(ranked: Sequence[Ranked], truth: Sequence[str], threshold: float) -> tuple[int, int]:
    """(classified, right) at a threshold."""
    classified = [r for r in ranked if r.best[1] >= threshold]
    right = sum(
        r.best[1] >= threshold and r.best[0] == t for r, t in zip(ranked, truth, strict=True)
    )
    return len(classified), right


def baseline_lr(train_texts: list[str], train_labels: list[str], test: list[str]) -> list[str]:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    model = make_pipeline(TfidfVectorizer(), LogisticRegression(max_iter=1000))
    return list(model.fit(train_texts, train_labels).predict(test))


def run(records: list[Labelled], name: str, matcher: TaxonomyMatcher) -> dict[str, float]:
    texts = [model_text(r.texts) for r in records]
    plain = ["\n".join(t for t, _ in r.texts) for r in records]
    truth = [r.label for r in records]
    zero_shot = matcher.predict(texts)
    totals: Counter[str] = Counter()
    fresh_classified, fresh_right = score(zero_shot, truth, DEFAULTS.taxonomy_min_probability)
    for seed in SEEDS:
        for train, test in halves(list(range(len(records))), seed):
            labels = [truth[i] for i in train]
            expected = [truth[i] for i in test]
            totals["n"] += len(test)
            majority = Counter(labels).most_common(1)[0][0]
            totals["majority"] += sum(t == majority for t in expected)
            predicted = baseline_lr([plain[i] for i in train], labels, [plain[i] for i in test])
            totals["lr"] += sum(p == t for p, t in zip(predicted, expected, strict=True))
            team = TeamModel([texts[i] for i in train], labels, load_taxonomy(), matcher)
            forced = team.predict([texts[i] for i in test])
            totals["team"] += sum(r.best[0] == t for r, t in zip(forced, expected, strict=True))
            if len(train) >= DEFAULTS.min_labels:
                ranked, threshold = forced, DEFAULTS.min_probability
            else:
                ranked = [zero_shot[i] for i in test]
                threshold = DEFAULTS.taxonomy_min_probability
            classified, right = score(ranked, expected, threshold)
            totals["classified"] += classified
            totals["right"] += right
    n = totals["n"]
    return {
        "records": len(records),
        "fresh_coverage": fresh_classified / len(records),
        "fresh_accuracy": fresh_right / len(records),
        "fresh_precision": fresh_right / max(1, fresh_classified),
        "half_coverage": totals["classified"] / n,
        "half_accuracy": totals["right"] / n,
        "majority": totals["majority"] / n,
        "tfidf_lr": totals["lr"] / n,
        "team_model": totals["team"] / n,
    }


def costs(records: list[Labelled]) -> dict[str, float]:
    taxonomy = load_taxonomy()
    started = time.perf_counter()
    matcher = TaxonomyMatcher(taxonomy)
    built = time.perf_counter() - started
    texts = [model_text(r.texts) for r in records]
    started = time.perf_counter()
    for text in texts:
        matcher.predict([text])
    per_record = (time.perf_counter() - started) / len(texts)
    started = time.perf_counter()
    team = TeamModel(texts, [r.label for r in records], taxonomy, matcher)
    team_built = time.perf_counter() - started
    started = time.perf_counter()
    for text in texts:
        team.predict([text])
    team_per_record = (time.perf_counter() - started) / len(texts)
    return {
        "taxonomy_build_s": built,
        "taxonomy_per_record_ms": per_record * 1000,
        "team_build_s_75_labels": team_built,
        "team_per_record_ms": team_per_record * 1000,
    }


def main() -> None:
    records = load()
    matcher = TaxonomyMatcher(load_taxonomy())
    print(
        "| corpus | records | fresh: classified | fresh: right (of all) | fresh: right (of "
        "classified) | half: classified | half: right (of all) | majority | TF-IDF + LR | "
        "team model forced |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name in ("moj", "oss", "all"):
        chosen = [r for r in records if name == "all" or r.corpus == name]
        f = run(chosen, name, matcher)
        print(
            f"| {name} | {f['records']} | {f['fresh_coverage']:.2f} | {f['fresh_accuracy']:.2f}"
            f" | {f['fresh_precision']:.2f} | {f['half_coverage']:.2f} | "
            f"{f['half_accuracy']:.2f} | {f['majority']:.2f} | {f['tfidf_lr']:.2f} | "
            f"{f['team_model']:.2f} |",
            flush=True,
        )
    for key, value in costs(records).items():
        print(f"{key}: {value:.3f}")


if __name__ == "__main__":
    main()
