"""Stored audits: the latest at or before an instant, and the trend."""

from __future__ import annotations

from dataclasses import replace

from failearn.store import Store
from failearn.store.audit import AuditSummary, audit_history, latest_audit, save_audit

BASE = AuditSummary(
    audit_id=0,
    run_id=None,
    as_of="2026-11-09T00:00:00Z",
    recent_start="2026-11-02T00:00:00Z",
    baseline_start="2026-10-05T00:00:00Z",
    taxonomy_version="2026.11",
    verdict="no-drift",
    drift=False,
    reasons=("no significant shift",),
    recent_incidents=40,
    baseline_incidents=150,
    test="monte-carlo",
    statistic=9.5,
    p_value=0.4,
    js_distance=0.2,
    accuracy=0.95,
    macro_f1=0.9,
    disagreement_recent=0.05,
    disagreement_baseline=0.04,
)


def test_the_latest_audit_at_or_before_an_instant_and_the_trend(db_url: str) -> None:
    with Store.open(db_url) as store:
        assert {"audits", "audit_classes", "report_label_history", "report_original_labels"} <= set(
            store.table_columns()
        )
        assert latest_audit(store, "2026-12-01T00:00:00Z") is None
        with store.transaction():
            first = save_audit(store, BASE, [("timeout", 8, 30, 0.2, 0.2, 0.0, 0.1, 1.0)], {})
            rerun = save_audit(
                store,
                replace(BASE, verdict="drift", drift=True),
                [],
                {"shifts": [{"message": "`a` fell"}]},
            )
            later = save_audit(store, replace(BASE, as_of="2026-11-16T00:00:00Z"), [], {})
        assert first < rerun < later
        found = latest_audit(store, "2026-11-15T23:59:59Z")
        assert found == replace(
            BASE, audit_id=rerun, verdict="drift", drift=True, shifts=("`a` fell",)
        )
        assert latest_audit(store, "2026-11-16T00:00:00Z").audit_id == later  # type: ignore[union-attr]
        assert latest_audit(store, "2026-11-08T00:00:00Z") is None
        trend = audit_history(store, "2026-11-30T00:00:00Z")
        assert [(t.as_of, t.audit_id) for t in trend] == [
            ("2026-11-09T00:00:00Z", rerun),
            ("2026-11-16T00:00:00Z", later),
        ]
        assert [t.audit_id for t in audit_history(store, "2026-11-30T00:00:00Z", 1)] == [later]
        assert store.query("SELECT failure_class, recent_count FROM audit_classes") == [
            {"failure_class": "timeout", "recent_count": 8}
        ]
