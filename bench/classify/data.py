"""The evaluation harness's corpora as class inference reads them: texts with their classes.

Each corpus of ``bench/eval`` (synthetic generators and real post-mortems with
the labels given them in ``bench/eval/labels``) is written without its classes
into a temporary directory with the configuration it needs, and read back as
``failearn ingest`` reads it: the weighted texts of each record that a class
model sees (:func:`failearn.capture.normalise.gates.class_texts`, :func:`model_text`), next to
the record's true class.  Records without a class (real reports no class fits)
are left out.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bench.eval.catalog import CORPORA
from bench.eval.corpus import nothing
from bench.eval.stages import prepare
from failearn.analysis.classes import model_text
from failearn.capture.normalise import Context
from failearn.capture.normalise.gates import class_texts
from failearn.config import load_settings
from failearn.sources import discover, read_input
from failearn.sources.vendors import Formats
from failearn.taxonomy.file import load_taxonomy


@dataclass(frozen=True)
class Labelled:
    """One record of a corpus: its key, the text a class model reads, its class, and the
    text the harness's plain baselines read."""

    key: str
    text: str
    label: str
    plain: str


def load(name: str, size: int | None = 1000) -> list[Labelled]:
    """The labelled records of corpus ``name`` (synthetic ones at ``size``), in key order."""
    corpus = CORPORA[name]
    chosen = size if corpus.kind == "synthetic" else None
    here = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="classify-data-") as folder:
        work = Path(folder)
        written = prepare(corpus, chosen, work, nothing)
        os.chdir(work)
        try:
            settings = load_settings(work / "failearn.toml")
            context = Context.build(settings, load_taxonomy(), datetime.now(UTC), None)
            formats = Formats.build(settings, "auto")
            texts: dict[str, str] = {}
            for item in discover(list(written.inputs), settings.ingest):
                for raw in read_input(
                    item, settings.ingest, settings.gates.trace_id_pattern, formats
                ):
                    text = model_text(class_texts(raw, context))
                    payload = raw.payload if isinstance(raw.payload, dict) else {}
                    for key in (str(payload.get("id", "")), raw.source):
                        if key:
                            texts[key] = text
        finally:
            os.chdir(here)
    return [
        Labelled(key, texts.get(key, ""), item.klass, item.text)
        for key, item in sorted(written.items.items())
        if item.klass is not None
    ]
