"""What the suggest stage reads from the stages before it, behind two small functions.

:func:`load_patterns` adapts the patterns of the newest cluster run at or before
an as-of (the analysis stage) into :class:`~failearn.suggest.model.PatternEvidence`;
:func:`latest_drift` the newest taxonomy-drift audit.  Each returns None when
that stage has not run.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from failearn.store import Store
from failearn.suggest.model import PatternEvidence, PatternsInput, Signal
from failearn.timeutil import iso

if TYPE_CHECKING:
    from failearn.store.audit import AuditSummary


def load_patterns(store: Store, as_of: datetime) -> PatternsInput | None:
    """The patterns of the newest cluster run at or before ``as_of``; None when none ran."""
    from failearn.store.cluster import latest_patterns

    snapshot = latest_patterns(store, iso(as_of))
    if snapshot is None:
        return None
    return PatternsInput(
        run_id=snapshot.run_id,
        as_of=snapshot.as_of,
        window_start=snapshot.window_start,
        window_end=snapshot.window_end,
        patterns=tuple(
            PatternEvidence(
                pattern_id=p.pattern_id,
                label=p.label,
                status=p.status,
                first_seen=p.first_seen,
                last_seen=p.last_seen,
                support=p.support,
                incident_ids=p.incident_ids,
                services=dict(p.services),
                class_counts=dict(p.class_counts),
                dominant_class=p.dominant_class,
                cohesion=p.cohesion,
                precursors=tuple(
                    Signal(
                        s.metric,
                        s.direction,
                        s.median_in_pattern,
                        s.median_rest,
                        s.delta,
                        s.effect_size,
                        s.support,
                    )
                    for s in p.precursors
                ),
            )
            for p in snapshot.patterns
        ),
    )


def latest_drift(store: Store, as_of: datetime) -> dict[str, Any] | None:
    """The verdict of the newest drift audit at or before ``as_of``; None when none ran."""
    from failearn.store.audit import latest_audit as stored_audit
    from failearn.store.audit import stored_document

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
