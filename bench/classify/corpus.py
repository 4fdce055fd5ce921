"""Labelled post-mortems for measuring class inference: texts as ingest reads them.

``realdata-labels.csv`` beside this file gives a failure class of the bundled
taxonomy, with the reason, for each real post-mortem of the shared real-data
folder (one reader's labels, written from each report's own account of its
cause).  Corpora are read from the folder named by ``FAILEARN_REALDATA``.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from failearn.capture.normalise import Context
from failearn.capture.normalise.gates import class_texts
from failearn.config import Settings
from failearn.sources import discover, read_input
from failearn.sources.vendors import Formats
from failearn.taxonomy.file import Taxonomy, load_taxonomy

HERE = Path(__file__).parent
LABELS = HERE / "realdata-labels.csv"


@dataclass(frozen=True)
class Labelled:
    corpus: str
    source: str
    texts: list[tuple[str, int]]
    label: str


def realdata_root() -> Path:
    root = os.environ.get("FAILEARN_REALDATA")
    if not root:
        raise SystemExit("set FAILEARN_REALDATA to the folder of real post-mortems")
    return Path(root)


def corpus_of(path: str) -> str:
    return "moj" if path.startswith("moj-") else "oss"


def load(taxonomy: Taxonomy | None = None) -> list[Labelled]:
    """Every labelled post-mortem, its weighted texts as ingest reads them."""
    settings = Settings()
    context = Context.build(settings, taxonomy or load_taxonomy(), datetime.now(UTC), None)
    formats = Formats.build(settings, "auto")
    root = realdata_root()
    records: list[Labelled] = []
    with LABELS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            inputs = discover([str(root / row["file"])], settings.ingest)
            for raw in read_input(
                inputs[0], settings.ingest, settings.gates.trace_id_pattern, formats
            ):
                records.append(
                    Labelled(
                        corpus_of(row["file"]),
                        row["file"],
                        class_texts(raw, context),
                        row["failure_class"],
                    )
                )
    return records
