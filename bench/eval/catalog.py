"""Every corpus the harness knows, and what the full run measures on each."""

from __future__ import annotations

from bench.eval.corpus import Corpus
from bench.eval.gen_alerts import AlertsCorpus
from bench.eval.gen_postmortems import PostmortemsCorpus
from bench.eval.gen_traces import TracesCorpus
from bench.eval.realdata import REAL

SYNTHETIC: tuple[Corpus, ...] = (AlertsCorpus(), TracesCorpus(), PostmortemsCorpus())
CORPORA: dict[str, Corpus] = {corpus.name: corpus for corpus in (*SYNTHETIC, *REAL)}

SIZES = (1_000, 10_000, 50_000)
"""Synthetic sizes of the full run (records)."""
CLASSIFY_SIZE = 1_000
"""Synthetic size of class inference in the full run (it ingests the corpus three times)."""


def plan(
    stages: tuple[str, ...],
    names: tuple[str, ...],
    sizes: tuple[int, ...],
) -> list[tuple[Corpus, int | None, tuple[str, ...]]]:
    """The runs of a full evaluation: (corpus, size, stages), real corpora unsized."""
    runs: list[tuple[Corpus, int | None, tuple[str, ...]]] = []
    for name in names:
        corpus = CORPORA[name]
        if corpus.kind != "synthetic":
            runs.append((corpus, None, stages))
            continue
        clustering = tuple(stage for stage in stages if stage != "classify")
        if clustering:
            runs.extend((corpus, size, clustering) for size in sizes)
        if "classify" in stages:
            runs.append((corpus, CLASSIFY_SIZE, ("classify",)))
    return runs
