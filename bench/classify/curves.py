"""Learning curves of class inference: how many of the team's labels it takes, per corpus.

Run by hand from the repository root (not a test; a few minutes per corpus)::

    python -m bench.classify.curves                       # every corpus of the harness
    python -m bench.classify.curves pm-moj syn-traces     # some
    python -m bench.classify.curves syn-alerts --sizes 10 100 --draws 3
    python -m bench.classify.curves --coverage            # coverage against threshold
    python -m bench.classify.curves syn-alerts --cost     # what the model costs

For each corpus of the evaluation harness (read as ingest reads it,
:mod:`bench.classify.data`) and each number ``n`` of labelled records, ``n``
records drawn at random (5 draws; one for ``n = 0``) are the store's labels and
every other record is scored:

* **taxonomy** — the zero-shot matcher alone (what a store without labels uses);
* **blend** — :class:`failearn.analysis.classes.TeamModel` trained on the ``n``
  labels, as ingest builds it: accuracy over every scored record with no
  abstention, then the share classified at ``[classify] min_probability`` and
  the accuracy over all records at that threshold (an abstention counts as
  wrong), and the mean probability of its answer (calibration: compare it with
  the accuracy);
* **team alone** — the blend's own regression (labels and the taxonomy's texts),
  without the similarity expert: what a team model switched on at a threshold
  would give;
* baselines on the same draw: the harness's TF-IDF + logistic regression and the
  majority class.

With ``--coverage`` it prints instead, for the zero-shot matcher and for the
blend at half the corpus, the share classified and the accuracy of the
classified at several thresholds.  With ``--cost`` (synthetic corpora, read at
``--size`` records) what the model costs: building the blend on ``n`` labels
(what ingest pays once per run that needs it) and ranking one record, beside
fitting and applying the TF-IDF + logistic regression baseline on the same
labels, in the same process.
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

from bench.classify.data import Labelled, load
from bench.eval.baselines import logreg, majority
from failearn.analysis.classes import Ranked, TaxonomyMatcher, TeamModel
from failearn.config import ClassifyConfig
from failearn.taxonomy.file import load_taxonomy

CORPORA = (
    "pm-moj",
    "pm-dfds",
    "pm-mybinder",
    "pm-all",
    "syn-alerts",
    "syn-traces",
    "syn-postmortems",
)
SIZES = (0, 5, 10, 20, 40, 80, 160, 320, 640)
DRAWS = 5
DEFAULTS = ClassifyConfig()
TAXONOMY = load_taxonomy()
THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.4, 0.5, 0.7)
COLUMNS = (
    "taxonomy",
    "blend",
    "blend classified",
    "blend right at threshold",
    "blend mean p",
    "team alone",
    "TF-IDF+LR",
    "majority",
)


def right(
    ranked: Sequence[Ranked], truth: Sequence[str], threshold: float = 0.0
) -> tuple[float, float]:
    """(share classified at ``threshold``, share right of all)."""
    kept = [r.best[1] >= threshold for r in ranked]
    hits = [k and r.best[0] == t for k, r, t in zip(kept, ranked, truth, strict=True)]
    return sum(kept) / len(ranked), sum(hits) / len(ranked)


def team_alone(model: TeamModel, texts: Sequence[str], truth: Sequence[str]) -> float:
    scores = model._scores(model.regressions, model.features.transform(list(texts)))
    chosen = [model.classes[i] for i in scores.argmax(axis=1)]
    return float(sum(c == t for c, t in zip(chosen, truth, strict=True))) / len(truth)


def draw(data: list[Labelled], n: int, seed: int) -> tuple[list[Labelled], list[Labelled]]:
    order = list(data)
    random.Random(f"{seed}/{n}").shuffle(order)
    return order[:n], order[n:]


def one(
    data: list[Labelled], n: int, seed: int, matcher: TaxonomyMatcher, zero_shot: dict[str, Ranked]
) -> dict[str, float]:
    train, test = draw(data, n, seed)
    texts = [r.text for r in test]
    truth = [r.label for r in test]
    row = {"taxonomy": right([zero_shot[r.key] for r in test], truth)[1]}
    if n == 0:
        return row
    model = TeamModel([r.text for r in train], [r.label for r in train], TAXONOMY, matcher)
    ranked = model.predict(texts)
    row["blend"] = right(ranked, truth)[1]
    row["blend classified"], row["blend right at threshold"] = right(
        ranked, truth, DEFAULTS.min_probability
    )
    row["blend mean p"] = sum(r.best[1] for r in ranked) / len(ranked)
    row["team alone"] = team_alone(model, texts, truth)
    pairs = [(r.plain, r.label) for r in train]
    plain = [r.plain for r in test]
    answers = logreg(pairs, plain) if len({r.label for r in train}) > 1 else majority(pairs, plain)
    row["TF-IDF+LR"] = sum(a == t for a, t in zip(answers, truth, strict=True)) / len(truth)
    row["majority"] = sum(a == t for a, t in zip(majority(pairs, plain), truth, strict=True)) / len(
        truth
    )
    return row


def curve(name: str, sizes: Sequence[int] = SIZES, draws: int = DRAWS) -> None:
    data = load(name)
    matcher = TaxonomyMatcher(TAXONOMY)
    zero_shot = dict(
        zip((r.key for r in data), matcher.predict([r.text for r in data]), strict=True)
    )
    classes = len({r.label for r in data})
    print(f"\n#### {name}: {len(data)} labelled records, {classes} classes\n")
    print("| labels | " + " | ".join(COLUMNS) + " | seconds |")
    print("| ---: | " + " | ".join("---:" for _ in COLUMNS) + " | ---: |")
    for n in sizes:
        if n > len(data) - 10:
            continue
        started = time.perf_counter()
        rows = [one(data, n, seed, matcher, zero_shot) for seed in range(draws if n else 1)]
        mean = {c: sum(r[c] for r in rows) / len(rows) for c in COLUMNS if c in rows[0]}
        cells = [f"{mean[c]:.2f}" if c in mean else "" for c in COLUMNS]
        print(
            f"| {n} | "
            + " | ".join(cells)
            + f" | {(time.perf_counter() - started) / len(rows):.1f} |",
            flush=True,
        )


def coverage(name: str) -> None:
    """Share classified and accuracy of the classified at each threshold: the taxonomy on
    every record, and the blend trained on a random half scored on the other."""
    data = load(name)
    matcher = TaxonomyMatcher(TAXONOMY)
    zero_shot = matcher.predict([r.text for r in data])
    truth = [r.label for r in data]
    train, test = draw(data, len(data) // 2, 0)
    model = TeamModel([r.text for r in train], [r.label for r in train], TAXONOMY, matcher)
    blended = model.predict([r.text for r in test])
    print(f"\n#### {name}\n")
    print(
        "| threshold | taxonomy: classified | taxonomy: right of classified | "
        "blend (half labelled): classified | blend: right of classified |"
    )
    print("| ---: | ---: | ---: | ---: | ---: |")
    for threshold in THRESHOLDS:
        cells: list[str] = []
        for ranked, expected in ((zero_shot, truth), (blended, [r.label for r in test])):
            share, hits = right(ranked, expected, threshold)
            cells += [f"{share:.2f}", f"{hits / share:.2f}" if share else "–"]
        print(f"| {threshold:g} | " + " | ".join(cells) + " |", flush=True)
    print(
        f"\ncalibration: taxonomy {calibration(zero_shot, truth)}; blend "
        f"{calibration(blended, [r.label for r in test])}",
        flush=True,
    )


def calibration(ranked: Sequence[Ranked], truth: Sequence[str]) -> str:
    """Mean probability of the answers beside their accuracy, and the expected calibration
    error over ten equal bins of probability (the gap between the two, weighted by bin)."""
    bins: dict[int, list[tuple[float, bool]]] = {}
    for r, t in zip(ranked, truth, strict=True):
        bins.setdefault(min(9, int(r.best[1] * 10)), []).append((r.best[1], r.best[0] == t))
    error = sum(
        abs(sum(p for p, _ in rows) - sum(ok for _, ok in rows)) for rows in bins.values()
    ) / len(ranked)
    mean = sum(r.best[1] for r in ranked) / len(ranked)
    hits = sum(r.best[0] == t for r, t in zip(ranked, truth, strict=True)) / len(ranked)
    return f"mean p {mean:.2f}, right {hits:.2f}, ECE {error:.2f}"


COST_SIZES = (10, 100, 1000, 5000)


def cost_row(data: list[Labelled], n: int, matcher: TaxonomyMatcher) -> str:
    """One row of :func:`cost`: ``n`` labels, 500 records ranked."""
    train, test = draw(data, n, 0)
    test = test[:500]
    started = time.perf_counter()
    model = TeamModel([r.text for r in train], [r.label for r in train], TAXONOMY, matcher)
    built = time.perf_counter() - started
    started = time.perf_counter()
    model.predict([r.text for r in test])
    ranked = time.perf_counter() - started
    pairs = [(r.plain, r.label) for r in train]
    started = time.perf_counter()
    logreg(pairs, [r.plain for r in test[:1]])
    fitted = time.perf_counter() - started
    started = time.perf_counter()
    logreg(pairs, [r.plain for r in test])
    both = time.perf_counter() - started
    return (
        f"| {n} | {built:.2f} | {ranked / len(test) * 1000:.2f} | {fitted:.2f} | "
        f"{max(0.0, both - fitted) / len(test) * 1000:.2f} | {built / fitted:.1f} |"
    )


def cost(name: str, size: int) -> None:
    """Seconds to build the blend on ``n`` labels and milliseconds to rank a record (in
    one batch of 500), beside the baseline fitted on the same labels."""
    data = load(name, size)
    matcher = TaxonomyMatcher(TAXONOMY)
    print(f"\n#### {name}: {len(data)} records\n")
    print(
        "| labels | blend: build s | blend: ms per record | TF-IDF+LR: fit s "
        "| TF-IDF+LR: ms per record | build ratio |"
    )
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    for n in COST_SIZES:
        if n <= len(data) - 500:
            print(cost_row(data, n, matcher), flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.classify.curves")
    parser.add_argument("corpora", nargs="*", default=list(CORPORA))
    parser.add_argument(
        "--coverage",
        action="store_true",
        help="coverage against accuracy at several thresholds instead",
    )
    parser.add_argument(
        "--cost",
        action="store_true",
        help="what building the model and ranking a record cost instead",
    )
    parser.add_argument(
        "--size",
        type=int,
        default=6000,
        help="records of a synthetic corpus read for --cost [%(default)s]",
    )
    parser.add_argument(
        "--sizes",
        type=int,
        nargs="+",
        default=list(SIZES),
        help="numbers of labels of the curves [%(default)s]",
    )
    parser.add_argument(
        "--draws",
        type=int,
        default=DRAWS,
        help="random draws of the labels per number [%(default)s]",
    )
    args = parser.parse_args(argv)
    for name in args.corpora:
        if args.cost:
            cost(name, args.size)
        elif args.coverage:
            coverage(name)
        else:
            curve(name, args.sizes, args.draws)


if __name__ == "__main__":
    main()
