"""Small builders of suggest-stage objects for tests."""

from __future__ import annotations

from typing import Any

from failearn.analysis.model import Precursor
from failearn.suggest.model import RuleDraft, RuleView
from failearn.suggest.rules import rule_id

VOLUME = Precursor(
    "request_volume_change_pct",
    "higher",
    2.1,
    0.0,
    2.1,
    0.91,
    p_value=0.001,
    support=8,
    support_share=1.0,
    consistency=1.0,
    rest_count=20,
)


def view(
    rule: str = "R-1",
    *,
    pattern: str = "P0001",
    service: str = "checkout",
    confidence: float = 0.8,
    support: int = 5,
    status: str = "candidate",
    recency: float = 1.0,
    **extra: Any,
) -> RuleView:
    return RuleView(
        id=rule,
        pattern_id=pattern,
        service=service,
        failure_class="connection-pool-exhaustion",
        adaptation="pool-resize",
        action="Resize the pool.",
        rationale="because",
        trigger=None,
        status=status,
        confidence=confidence,
        support=support,
        pattern_support=support,
        cohesion=0.9,
        incident_ids=tuple(f"i{n}" for n in range(support)),
        created_at="",
        last_matched_at=None,
        recency=recency,
        extra={"severity_weight": 1.0, **extra},
    )


def draft(
    pattern: str,
    service: str,
    adaptation: str = "pool-resize",
    *,
    support: int = 5,
    last_matched_at: str = "2026-11-20T12:00:00Z",
    failure_class: str = "connection-pool-exhaustion",
) -> RuleDraft:
    return RuleDraft(
        id=rule_id(pattern, adaptation, service),
        pattern_id=pattern,
        pattern_label="label",
        pattern_status="recurring",
        service=service,
        failure_class=failure_class,
        adaptation=adaptation,
        adaptation_name=adaptation,
        action=f"{adaptation} on {service}",
        rationale=f"{support} incidents",
        trigger=None,
        support=support,
        pattern_support=support,
        cohesion=0.9,
        incident_ids=tuple(f"{pattern}-{service}-{n}" for n in range(support)),
        last_matched_at=last_matched_at,
        fit=0,
        preference=0,
    )


def seed(db: str, drafts: list[RuleDraft], as_of: str) -> list[str]:
    """Register drafts in a store as a report at ``as_of`` would; their ids."""
    from failearn.commands.registry import sync
    from failearn.config import RulesConfig
    from failearn.store import Store
    from failearn.timeutil import parse_as_of

    store = Store.open(db)
    try:
        with store.transaction():
            sync(store, drafts, parse_as_of(as_of), RulesConfig(), None)
    finally:
        store.close()
    return [d.id for d in drafts]
