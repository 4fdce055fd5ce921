"""What the report reads of the stages before it.

:func:`load_patterns` is the newest cluster run at or before an as-of, as the
analysis stage stored it (:class:`~failearn.analysis.model.PatternSnapshot`);
:func:`latest_drift` the verdict of the newest taxonomy-drift audit.  Each
returns None when that stage has not run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from failearn.analysis.model import PatternSnapshot
from failearn.store import Store
from failearn.store.audit import latest_audit as stored_audit
from failearn.store.audit import stored_document
from failearn.store.cluster import latest_patterns
from failearn.timeutil import iso

if TYPE_CHECKING:
    from failearn.store.audit import AuditSummary


def load_patterns(store: Store, as_of: datetime) -> PatternSnapshot | None:
    """The patterns of the newest cluster run at or before ``as_of``; None when none ran."""
    return latest_patterns(store, iso(as_of))


def latest_drift(store: Store, as_of: datetime) -> dict[str, Any] | None:
    """The verdict of the newest drift audit at or before ``as_of``; None when none ran."""

    summary = stored_audit(store, iso(as_of))
    if summary is None:
        return None
    document = stored_document(store, summary.audit_id) or {}
    return drift_section(summary, document)


_VERDICTS = {"drift": "Drift", "no-drift": "No drift", "insufficient-data": "Not enough data"}


def drift_section(summary: AuditSummary, document: dict[str, Any], top: int = 5) -> dict[str, Any]:
    """The report's section 5 from a stored audit: its verdict in words, why, and the classes
    whose share moved most."""
    verdict = str(summary.verdict)
    reasons = [str(r) for r in summary.reasons]
    text = _VERDICTS.get(verdict, verdict)
    if reasons:
        text += ": " + "; ".join(reasons)
    classes: list[dict[str, Any]] = []
    for item in document.get("classes") or []:
        if not isinstance(item, dict) or "failure_class" not in item:
            continue
        classes.append(
            {
                "failure_class": str(item["failure_class"]),
                "recent_share": float(item.get("recent_share") or 0.0),
                "baseline_share": float(item.get("baseline_share") or 0.0),
                "delta": float(item.get("delta") or 0.0),
            }
        )
    classes.sort(key=lambda c: (-abs(c["delta"]), c["failure_class"]))
    return {
        "audit_id": summary.audit_id,
        "as_of": summary.as_of,
        "verdict": text,
        "drift": bool(summary.drift),
        "status": verdict,
        "recent": {"start": summary.recent_start, "incidents": summary.recent_incidents},
        "baseline": {"start": summary.baseline_start, "incidents": summary.baseline_incidents},
        "shifts": [str(s) for s in summary.shifts],
        "classes": classes[:top],
    }
