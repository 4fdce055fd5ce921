"""What class inference costs ``failearn ingest``, and what keeping the fitted model saves.

Run by hand from the repository root (not a test; a minute or two per corpus)::

    python -m bench.eval.class_cost --corpus pm-all
    python -m bench.eval.class_cost --corpus syn-alerts --size 5000

On one corpus of the harness, written with the first half of its labelled
records carrying their class (:func:`bench.eval.corpus.halves`) and
``[classify] infer = "all"``, in the same run:

1. ``failearn ingest`` with ``infer = "off"`` and with ``infer = "all"``, each into
   a fresh store, each a fresh process: the whole run's time and peak memory, and
   what the second spent building the class model and ranking the records that
   needed it (its ``class_model`` output), per record;
2. on the store the second left, the model ingest builds (``text_model_for`` then
   ``build``, as ingest does), timed in one process with scikit-learn already
   imported: fitted (the kept model removed first) against read back from the
   store (the same labels and taxonomy), and that the two rank the unlabelled
   records alike.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from bench.eval import catalog, runner
from bench.eval.corpus import Written, halves
from bench.eval.stages import Options, prepare, workdir

REPEATS = 3


def ingest(written: Written, work: Path, infer: str) -> runner.Step:
    """``failearn ingest`` of the corpus into a fresh store, class inference ``infer``."""
    text = written.config.replace('infer = "all"', f'infer = "{infer}"')
    (work / "failearn.toml").write_text(text, encoding="utf-8")
    (work / "failearn.db").unlink(missing_ok=True)
    return runner.ingest(work, written.inputs, written.as_of)


def build_times(work: Path, texts: list[str]) -> dict[str, Any]:
    """Seconds to get the class model ingest would use on this store: fitted, and kept."""
    import sklearn.linear_model  # noqa: F401  (both timings without the import)

    from failearn.commands.ingest import text_model_for
    from failearn.config import load_settings
    from failearn.store import Store
    from failearn.taxonomy.file import load_taxonomy

    here = Path.cwd()
    os.chdir(work)
    try:
        settings = load_settings(work / "failearn.toml")
        taxonomy = load_taxonomy()
        with Store.open(settings.db, create=False) as store:
            store.conn.execute("DELETE FROM class_models")
            text_model = text_model_for(settings, taxonomy, store)
            assert text_model is not None
            started = time.perf_counter()
            fitted = text_model.build()
            fit_seconds = time.perf_counter() - started
            kept_seconds = []
            for _ in range(REPEATS):
                started = time.perf_counter()
                kept = text_model_for(settings, taxonomy, store).build()  # type: ignore[union-attr]
                kept_seconds.append(time.perf_counter() - started)
            assert getattr(kept, "kept", False), "the model was not read back"
            same = [r.best[0] for r in fitted.predict(texts)] == [
                r.best[0] for r in kept.predict(texts)
            ]
    finally:
        os.chdir(here)
    return {
        "route": text_model.route,
        "basis": text_model.basis,
        "fit_seconds": fit_seconds,
        "kept_seconds": statistics.median(kept_seconds),
        "same_answers": same,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.eval.class_cost")
    parser.add_argument("--corpus", required=True, choices=sorted(catalog.CORPORA))
    parser.add_argument("--size", type=int, help="records of a synthetic corpus [1000]")
    args = parser.parse_args(argv)
    corpus = catalog.CORPORA[args.corpus]
    size = (args.size or 1000) if corpus.kind == "synthetic" else None
    with workdir(Options()) as work:
        written = prepare(corpus, size, work, lambda _key: False)
        first, _ = halves(written.items.values())
        written = prepare(corpus, size, work, lambda key: key in first)
        off = ingest(written, work, "off")
        on = ingest(written, work, "all")
        model = on.document.get("class_model") or {}
        records = int(model.get("records") or 0)
        texts = [item.text for key, item in written.items.items() if key not in first]
        reuse = build_times(work, texts[:200])
    print(f"{corpus.name}{f' at {size:,}' if size else ''}: {len(written.items)} records")
    print(f"  ingest, infer off: {off.seconds:.2f} s, {off.peak_mb:.0f} MB")
    print(
        f"  ingest, infer all: {on.seconds:.2f} s, {on.peak_mb:.0f} MB "
        f"(ratio {on.seconds / off.seconds:.2f}, {on.peak_mb / off.peak_mb:.2f})"
    )
    print(f"  class model: {model.get('route')}: {model.get('basis')}")
    if records:
        print(
            f"  built in {model.get('build_seconds')} s (import included); ranked {records} "
            f"records in {model.get('predict_seconds')} s "
            f"({1000 * float(model.get('predict_seconds') or 0) / records:.2f} ms a record)"
        )
    print(
        f"  model of the next run on the same labels: fitted {reuse['fit_seconds']:.2f} s, "
        f"read back {reuse['kept_seconds']:.2f} s (median of {REPEATS}; ratio "
        f"{reuse['kept_seconds'] / reuse['fit_seconds']:.3f}); same answers: "
        f"{reuse['same_answers']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
