"""What class inference costs ``failearn ingest``: one run over real post-mortems with
``[classify] infer = "all"`` (the taxonomy model built and read for every record) against
the same run with ``infer = "off"``, in one process each, same run.

Run by hand: ``FAILEARN_REALDATA=/path/to/realdata python bench/classify/bench_ingest_cost.py``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))
sys.path.insert(0, str(Path(__file__).parent))

from corpus import realdata_root
from measure import run_failearn

FOLDERS = ("moj-cloud-platform", "postmortems-more", "kubernetes-test-infra")


def main() -> None:
    root = realdata_root()
    paths = [str(root / folder) for folder in FOLDERS]
    figures = {}
    with tempfile.TemporaryDirectory() as work:
        for infer in ("off", "all"):
            config = Path(work) / f"{infer}.toml"
            config.write_text(f'[classify]\ninfer = "{infer}"\n', encoding="utf-8")
            seconds, peak, doc = run_failearn(
                "--config",
                str(config),
                "ingest",
                "--db",
                str(Path(work) / f"{infer}.db"),
                *paths,
                "--dry-run",
                "--as-of",
                "2026-12-01",
            )
            figures[infer] = (seconds, peak, doc)
    off, on = figures["off"], figures["all"]
    records = on[2]["records"]
    model = on[2]["class_model"] or {}
    print(f"records read: {records}; classes inferred: {len(on[2]['inferred'])}")
    print(f"infer off: {off[0]:.2f}s, {off[1]:.0f} MB; infer all: {on[0]:.2f}s, {on[1]:.0f} MB")
    print(f"ratio all/off: time {on[0] / off[0]:.2f}, memory {on[1] / off[1]:.2f}")
    built = float(model.get("build_seconds") or 0)
    per_record = (on[0] - off[0] - built) / records * 1000
    print(
        f"model: {model.get('route')}, built in {built:.2f}s; extra per record: {per_record:.1f} ms"
    )


if __name__ == "__main__":
    main()
