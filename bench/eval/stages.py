"""The three learning stages, each scored for failearn and its baselines in one run.

``cluster``
    ``failearn ingest`` into a fresh store (every record with its class, as a team
    that labels its incidents has them), ``failearn cluster``; the baselines
    cluster the same records' text.  Scored per record against the truth.
``similar``
    on that store, ``failearn similar ID --top 5`` for a sample of incidents; the
    baseline answers by TF-IDF cosine over the same incidents' text.  An answer
    is relevant when it shares a pattern (synthetic) or a labelled theme (real).
``classify``
    labels removed: a fresh store where no record names its class (``[classify]
    infer = "all"``), and a store where the other half of the corpus is already
    stored with its classes; the baselines learn from that other half.  Each
    half is the test half once, so every labelled record is scored once.

Every result is a plain dictionary, written to the results file by the caller.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.eval import metrics, runner
from bench.eval.corpus import Corpus, Item, Written, everything, halves, nothing, stable_hash
from bench.measure import PEAK, run_python

BASELINE = PEAK + "from bench.eval.baselines import main\nmain()\n"
BASELINE_LIMIT = 20_000
"""Baselines cluster at most this many records; a larger corpus is sampled (said so)."""
MEMORY_CAP_GB = 6.0
QUERIES = 200
TOP = 5

Log = Callable[[str], None]


@dataclass(frozen=True)
class Options:
    keep: bool = False
    memory_cap_gb: float = MEMORY_CAP_GB
    baseline_limit: int = BASELINE_LIMIT
    queries: int = QUERIES


def commit() -> str:
    """The last commit that changed the failearn package here (and whether it has local
    changes): what was measured, whatever the harness's own commits since."""
    root = Path(__file__).resolve().parents[2]
    try:
        head = subprocess.run(
            ["git", "log", "-1", "--format=%h", "--abbrev=10", "--", "failearn"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "failearn"],
            cwd=root,
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return f"{head}+changes" if dirty else head


def header(stage: str, corpus: Corpus, size: int | None, written: Written) -> dict[str, Any]:
    truth = [item.pattern for item in written.items.values()]
    return {
        "stage": stage,
        "corpus": corpus.name,
        "kind": corpus.kind,
        "size": size,
        "records": len(written.items),
        "truth_clusters": len({p for p in truth if p is not None}),
        "truth_noise": sum(p is None for p in truth) / max(1, len(truth)),
        "commit": commit(),
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "notes": list(written.notes),
    }


@contextmanager
def workdir(options: Options, log: Log | None = None) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="failearn-eval-"))
    if options.keep and log is not None:
        log(f"work directory {path} (kept)")
    try:
        yield path
    finally:
        if not options.keep:
            shutil.rmtree(path, ignore_errors=True)


def prepare(
    corpus: Corpus,
    size: int | None,
    work: Path,
    with_class: Callable[[str], bool],
) -> Written:
    written = corpus.write(work, size, with_class)
    (work / "failearn.toml").write_text(written.config, encoding="utf-8")
    return written


@dataclass(frozen=True)
class Outcome:
    seconds: float
    peak_mb: float | None
    answer: dict[str, Any] | None
    error: str | None


def baseline(method: str, given: dict[str, Any], work: Path, options: Options) -> Outcome:
    """Run one baseline in its own process under the memory cap."""
    source, target = work / f"in-{method}.json", work / f"out-{method}.json"
    source.write_text(json.dumps(given), encoding="utf-8")
    done = run_python(
        BASELINE,
        method,
        str(source),
        str(target),
        str(options.memory_cap_gb),
        env=runner.environment(work),
        cwd=str(work),
    )
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        error = (
            f"stopped by the {options.memory_cap_gb:g} GB memory cap"
            if "MemoryError" in done.stderr
            else f"failed: {last[:120]}"
        )
        return Outcome(done.seconds, done.peak_mb, None, error)
    return Outcome(done.seconds, done.peak_mb, json.loads(target.read_text(encoding="utf-8")), None)


def sample(keys: list[str], limit: int) -> list[str]:
    """At most ``limit`` keys, chosen by a stable hash (the same on every run)."""
    if len(keys) <= limit:
        return keys
    return sorted(sorted(keys, key=lambda key: (stable_hash(key), key))[:limit])


# --- cluster ---------------------------------------------------------------------------


def predicted_clusters(
    document: dict[str, Any], kept: dict[str, runner.Stored], items: dict[str, Item]
) -> dict[str, int]:
    """Each item's cluster in failearn's answer (noise and records not stored: -1)."""
    incident_cluster = {
        incident: index
        for index, cluster in enumerate(document["clusters"])
        for incident in cluster["incident_ids"]
    }
    out = {}
    for key in items:
        record = kept.get(key)
        out[key] = incident_cluster.get(record.incident, -1) if record else -1
    return out


def cluster_scores(items: dict[str, Item], predicted: dict[str, int]) -> dict[str, Any]:
    truth = {key: item.pattern for key, item in items.items()}
    ari, ami = metrics.ari_ami(truth, predicted)
    themes = {key: item.themes for key, item in items.items() if item.themes}
    found = metrics.coherence(themes, predicted)
    return {
        "ari": ari,
        "ami": ami,
        "clusters": found.clusters,
        "coherent_clusters": found.coherent_clusters,
        "coherent_themes": found.coherent_themes,
        "themes": list(found.themes),
        "noise_share": found.noise_share,
    }


def run_cluster(
    corpus: Corpus, size: int | None, written: Written, work: Path, options: Options, log: Log
) -> tuple[dict[str, Any], dict[str, runner.Stored]]:
    result = header("cluster", corpus, size, written)
    log(f"ingest {len(written.items)} records")
    ingested = runner.ingest(work, written.inputs, written.as_of)
    kept = runner.stored(work)
    result["stored"] = sum(key in kept for key in written.items)
    result["incidents"] = ingested.document.get("incidents", {}).get("total")
    result["ingest"] = {"seconds": ingested.seconds, "peak_mb": ingested.peak_mb}
    log("failearn cluster")
    window = ("--lookback", written.lookback) if written.lookback else ()
    step = runner.failearn(work, "cluster", "--as-of", written.as_of, *window)
    parameters = step.document.get("parameters", {})
    result["failearn_parameters"] = {
        key: parameters.get(key) for key in ("eps", "eps_source", "min_size", "min_size_source")
    }
    mine = cluster_scores(written.items, predicted_clusters(step.document, kept, written.items))
    methods = [
        {
            "method": "failearn",
            "seconds": step.seconds,
            "peak_mb": step.peak_mb,
            **mine,
            "note": None,
        }
    ]
    keys = sample(sorted(written.items), options.baseline_limit)
    note = (
        f"on a sample of {len(keys):,} of {len(written.items):,} records"
        if len(keys) < len(written.items)
        else None
    )
    given = {"keys": keys, "texts": [written.items[key].text for key in keys]}
    for method, label in (
        ("hdbscan", "TF-IDF+SVD, HDBSCAN"),
        ("agglomerative", "TF-IDF+SVD, agglomerative"),
    ):
        log(f"baseline {label}")
        outcome = baseline(method, given, work, options)
        row: dict[str, Any] = {
            "method": label,
            "seconds": outcome.seconds,
            "peak_mb": outcome.peak_mb,
            "note": outcome.error or note,
        }
        if outcome.answer is not None:
            subset = {key: written.items[key] for key in keys}
            row.update(cluster_scores(subset, outcome.answer["labels"]))
        methods.append(row)
    result["methods"] = methods
    return result, kept


# --- similar ---------------------------------------------------------------------------


def incidents_of(items: dict[str, Item], kept: dict[str, runner.Stored]) -> dict[str, Item]:
    """Each stored incident with its first record's truth and all its records' text."""
    texts: dict[str, list[str]] = {}
    first: dict[str, Item] = {}
    for key in sorted(items):
        record = kept.get(key)
        if record is None:
            continue
        texts.setdefault(record.incident, []).append(items[key].text)
        first.setdefault(record.incident, items[key])
    return {
        incident: Item(incident, item.pattern, item.themes, item.klass, "\n".join(texts[incident]))
        for incident, item in first.items()
    }


def relevance(incidents: dict[str, Item]) -> dict[str, set[str]]:
    """For each incident with at least one relevant other, the incidents relevant to it."""
    by_theme: dict[str, set[str]] = {}
    for incident, item in incidents.items():
        for theme in item.themes or ((item.pattern,) if item.pattern else ()):
            by_theme.setdefault(theme, set()).add(incident)
    relevant = {}
    for incident, item in incidents.items():
        shared = set().union(
            *(
                by_theme.get(theme, set())
                for theme in (item.themes or ((item.pattern,) if item.pattern else ()))
            )
        )
        shared.discard(incident)
        if shared:
            relevant[incident] = shared
    return relevant


def run_similar(
    corpus: Corpus,
    size: int | None,
    written: Written,
    work: Path,
    kept: dict[str, runner.Stored],
    options: Options,
    log: Log,
) -> dict[str, Any]:
    result = header("similar", corpus, size, written)
    incidents = incidents_of(written.items, kept)
    relevant = relevance(incidents)
    queries = sample(sorted(relevant), options.queries)
    chosen = {query: relevant[query] for query in queries}
    result.update(
        {
            "incidents": len(incidents),
            "queries": len(queries),
            "ceiling": metrics.precision_ceiling(TOP, chosen),
        }
    )
    log(f"failearn similar, {len(queries)} queries")
    found = runner.similar(work, queries, TOP)
    answers = {query: rows or [] for query, rows in found.answers.items()}
    methods = [
        {
            "method": "failearn",
            "p_at_5": metrics.precision_at(TOP, chosen, answers),
            "seconds_per_query": found.mean_query_seconds,
            "command_seconds": found.command_seconds,
            "peak_mb": found.peak_mb,
            "note": None,
        }
    ]
    log("baseline TF-IDF cosine")
    keys = sorted(incidents)
    given = {
        "keys": keys,
        "texts": [incidents[key].text for key in keys],
        "queries": queries,
        "top": TOP,
    }
    outcome = baseline("cosine", given, work, options)
    row: dict[str, Any] = {
        "method": "TF-IDF cosine",
        "seconds": outcome.seconds,
        "peak_mb": outcome.peak_mb,
        "note": outcome.error,
    }
    if outcome.answer is not None:
        row["p_at_5"] = metrics.precision_at(TOP, chosen, outcome.answer["answers"])
        row["seconds_per_query"] = outcome.seconds / max(1, len(queries))
    methods.append(row)
    result["methods"] = methods
    return result


# --- classify --------------------------------------------------------------------------


def inferred(
    corpus: Corpus, size: int | None, labelled: frozenset[str], tested: list[str], options: Options
) -> tuple[dict[str, str | None], runner.Step]:
    """failearn's classes for ``tested``, ingested without labels (``labelled`` with them)."""
    with workdir(options) as work:
        written = prepare(corpus, size, work, lambda key: key in labelled)
        step = runner.ingest(work, written.inputs, written.as_of)
        kept = runner.stored(work)
    return {key: (kept[key].klass if key in kept else None) for key in tested}, step


def learned(
    method: str,
    written: Written,
    train: frozenset[str],
    test: list[str],
    work: Path,
    options: Options,
) -> tuple[dict[str, str | None], Outcome]:
    items = written.items
    given = {
        "keys": test,
        "texts": [items[key].text for key in test],
        "train": [[items[key].text, items[key].klass] for key in sorted(train)],
    }
    outcome = baseline(method, given, work, options)
    classes = outcome.answer["classes"] if outcome.answer else {}
    return {key: classes.get(key) for key in test}, outcome


def class_row(
    method: str,
    truth: dict[str, str],
    answers: dict[str, str | None],
    seconds: float,
    peak: float | None,
    note: str | None,
) -> dict[str, Any]:
    scores = metrics.class_scores(truth, answers)
    return {
        "method": method,
        **{k: v for k, v in asdict(scores).items() if k != "items"},
        "seconds": seconds,
        "peak_mb": peak,
        "note": note,
    }


def run_classify(
    corpus: Corpus,
    size: int | None,
    options: Options,
    log: Log,
) -> dict[str, Any]:
    with workdir(options, log) as work:
        written = prepare(corpus, size, work, nothing)
        result = header("classify", corpus, size, written)
        truth = {key: item.klass for key, item in written.items.items() if item.klass}
        folds = halves(written.items.values())
        log(f"failearn ingest, no labels ({len(truth)} labelled records)")
        fresh, step = inferred(corpus, size, frozenset(), sorted(truth), options)
        rows = [
            class_row(
                "failearn, fresh store",
                truth,
                fresh,
                step.seconds,
                step.peak_mb,
                "no record names its class",
            )
        ]
        answers: dict[str, dict[str, str | None]] = {"failearn": {}, "logreg": {}, "majority": {}}
        costs: dict[str, list[float]] = {
            "failearn": [0.0, 0.0],
            "logreg": [0.0, 0.0],
            "majority": [0.0, 0.0],
        }
        for train, test in ((folds[0], folds[1]), (folds[1], folds[0])):
            tested = sorted(test)
            log(f"failearn ingest, {len(train)} labelled + {len(tested)} without")
            found, step = inferred(corpus, size, train, tested, options)
            answers["failearn"].update(found)
            add_cost(costs["failearn"], step.seconds, step.peak_mb)
            for method in ("logreg", "majority"):
                got, outcome = learned(method, written, train, tested, work, options)
                answers[method].update(got)
                add_cost(costs[method], outcome.seconds, outcome.peak_mb)
        names = {
            "failearn": "failearn, other half labelled",
            "logreg": "TF-IDF+logistic regression",
            "majority": "majority class",
        }
        notes = {
            "failearn": "the other half stored with its classes",
            "logreg": "trained on the other half",
            "majority": "of the other half",
        }
        for method, name in names.items():
            rows.append(
                class_row(
                    name, truth, answers[method], costs[method][0], costs[method][1], notes[method]
                )
            )
        result.update(
            {"labelled": len(truth), "classes": len(set(truth.values())), "methods": rows}
        )
        return result


def add_cost(cost: list[float], seconds: float, peak: float | None) -> None:
    """Add a fold's time, keep the highest peak."""
    cost[0] += seconds
    cost[1] = max(cost[1], peak or 0.0)


# --- one corpus ------------------------------------------------------------------------


STAGES = ("cluster", "similar", "classify")


def evaluate(
    corpus: Corpus, size: int | None, stages: tuple[str, ...], options: Options, log: Log
) -> list[dict[str, Any]]:
    """Run ``stages`` on one corpus (at one size); one result per stage."""
    results = []
    if "cluster" in stages or "similar" in stages:
        with workdir(options, log) as work:
            written = prepare(corpus, size, work, everything)
            clustered, kept = run_cluster(corpus, size, written, work, options, log)
            if "cluster" in stages:
                results.append(clustered)
            if "similar" in stages:
                results.append(run_similar(corpus, size, written, work, kept, options, log))
    if "classify" in stages:
        results.append(run_classify(corpus, size, options, log))
    return results
