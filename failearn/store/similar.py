"""The words ``failearn similar`` ranks by: the inverted index a cluster run stores beside
its similarity index (see :mod:`failearn.analysis.ranking`), one row per run."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from failearn.store import Store, chunks, marks


def replace_terms(store: Store, run_id: int, record: dict[str, Any]) -> None:
    """Replace the stored word index with this run's (it belongs to the run's index)."""
    store.conn.execute("DELETE FROM similar_terms")
    store.conn.execute(
        "INSERT INTO similar_terms (run_id, size, vocabulary, section_weights, idf, pointers, "
        "posting_rows, posting_weights) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            run_id,
            record["size"],
            record["vocabulary"],
            record["section_weights"],
            record["idf"],
            record["pointers"],
            record["rows"],
            record["weights"],
        ),
    )


def load_terms(store: Store, run_id: int) -> dict[str, Any] | None:
    """The word index stored with cluster run ``run_id`` (None: that run stored none)."""
    rows = store.query("SELECT * FROM similar_terms WHERE run_id = ?", [run_id])
    if not rows:
        return None
    row = rows[0]
    return {**row, "rows": row["posting_rows"], "weights": row["posting_weights"]}


def absorbed(store: Store, incident_ids: Sequence[str], former: set[str]) -> set[str]:
    """Those of ``incident_ids`` that absorbed, in a merge, an incident once named in
    ``former`` (an index row under its old id stands for them)."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(incident_ids))):
        found.update(
            str(incident)
            for alias, incident in store.conn.execute(
                "SELECT alias, incident_id FROM incident_aliases "
                f"WHERE incident_id IN ({marks(len(chunk))})",
                chunk,
            )
            if alias in former
        )
    return found
