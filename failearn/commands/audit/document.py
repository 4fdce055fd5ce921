"""An audit as data: the JSON document ``failearn audit --format json`` prints, the
store keeps and the Markdown template receives, and the summary and class rows stored
beside it."""

from __future__ import annotations

import math
from dataclasses import asdict
from typing import Any

from failearn.analysis.consistency import LabelCheck
from failearn.commands.audit.model import AuditResult
from failearn.store import audit as sql
from failearn.timeutil import format_duration, iso


def summary(result: AuditResult) -> sql.AuditSummary:
    """The audit's row of the audits table."""
    test = result.distribution.test
    labels = result.labels
    ok = labels is not None and labels.status == "ok"
    return sql.AuditSummary(
        audit_id=0,
        run_id=result.run_id,
        as_of=iso(result.as_of),
        recent_start=iso(result.recent_start),
        baseline_start=iso(result.baseline_start),
        taxonomy_version=result.taxonomy_version,
        verdict=result.verdict,
        drift=result.drift,
        reasons=tuple(result.reasons),
        recent_incidents=result.distribution.recent_total,
        baseline_incidents=result.distribution.baseline_total,
        test=test.method,
        statistic=rounded(test.statistic),
        p_value=significant(test.p_value),
        js_distance=rounded(test.js_distance),
        accuracy=rounded(labels.accuracy) if ok and labels else None,
        macro_f1=rounded(labels.macro_f1) if ok and labels else None,
        disagreement_recent=rounded(labels.recent_rate) if ok and labels else None,
        disagreement_baseline=rounded(labels.baseline_rate) if ok and labels else None,
    )


def class_rows(
    result: AuditResult,
) -> list[tuple[str, int, int, float, float, float, float, float | None]]:
    """Its rows of the audit classes table, one per class."""
    return [
        (
            c.failure_class,
            c.recent_count,
            c.baseline_count,
            rounded(c.recent_share) or 0.0,
            rounded(c.baseline_share) or 0.0,
            rounded(c.delta) or 0.0,
            rounded(c.residual) or 0.0,
            significant(c.p_value),
        )
        for c in result.distribution.classes
    ]


def rounded(value: float | None, digits: int = 4) -> float | None:
    if value is None or math.isnan(value):
        return None
    rounded = round(float(value), digits)
    return 0.0 if rounded == 0 else rounded


def significant(value: float | None) -> float | None:
    """A p-value to four significant digits (they span many orders of magnitude)."""
    if value is None or math.isnan(value):
        return None
    return float(f"{value:.4g}")


def audit_document(result: AuditResult) -> dict[str, Any]:
    """The JSON document of ``failearn audit --format json`` (its contract
    keys first: docs/audit.md); also what the audit stores and the Markdown template receives."""
    dist = result.distribution
    test = dist.test
    config = result.config
    labels = result.labels
    return {
        "drift": result.drift,
        "verdict": result.verdict,
        "reasons": result.reasons,
        "statistics": {
            "test": test.method,
            "chi_square": rounded(test.statistic),
            "dof": test.dof,
            "p_value": significant(test.p_value),
            "monte_carlo_samples": test.samples,
            "seed": test.seed,
            "smallest_expected": rounded(test.smallest_expected),
            "jensen_shannon_distance": rounded(test.js_distance),
            "significant": dist.significant,
            "large": dist.large,
        },
        "classes": [
            {
                "failure_class": c.failure_class,
                "recent_share": rounded(c.recent_share),
                "baseline_share": rounded(c.baseline_share),
                "delta": rounded(c.delta),
                "residual": rounded(c.residual, 3),
                "p_value": significant(c.p_value),
                "recent_count": c.recent_count,
                "baseline_count": c.baseline_count,
                "direction": c.direction,
            }
            for c in dist.classes
        ],
        "shifts": [
            {
                "kind": f.shift.kind,
                "fell": f.shift.fell.failure_class if f.shift.fell else None,
                "rose": f.shift.rose.failure_class if f.shift.rose else None,
                "message": f.shift.message,
                "evidence": f.shift.evidence,
                "incident_ids": f.incident_ids,
                "incident_count": f.incident_count,
            }
            for f in result.shifts
        ],
        "labels": _labels_document(result, labels),
        "hygiene": {
            "label_routes": [asdict(r) for r in result.hygiene.label_routes],
            "label_origins": _origins_document(result),
            "old_versions": [
                {"taxonomy_version": v, "incidents": n, "incident_ids": ids}
                for v, n, ids in result.hygiene.old_versions
            ],
            "unknown_classes": [
                {"failure_class": c, "incidents": n, "incident_ids": ids}
                for c, n, ids in result.hygiene.unknown_classes
            ],
            "unused_classes": result.hygiene.unused_classes,
            "single_class_services": [
                {"service": s, "failure_class": c, "incidents": n}
                for s, c, n in result.hygiene.single_class_services
            ],
            "inferred_services": [
                {"via": via, "incidents": n} for via, n in result.hygiene.inferred_services
            ],
        },
        "as_of": iso(result.as_of),
        "windows": {
            "recent": {
                "start": iso(result.recent_start),
                "end": iso(result.as_of),
                "duration": format_duration(config.recent),
                "incidents": dist.recent_total,
            },
            "baseline": {
                "start": iso(result.baseline_start),
                "end": iso(result.recent_start),
                "duration": format_duration(config.baseline),
                "incidents": dist.baseline_total,
            },
        },
        "thresholds": {
            "alpha": config.alpha,
            "min_distance": config.min_distance,
            "min_recent": config.min_recent,
            "min_baseline": config.min_baseline,
            "min_expected": config.min_expected,
            "class_alpha": config.class_alpha,
            "min_share_change": config.min_share_change,
            "confidence": config.confidence,
            "min_disagreement_rise": config.min_disagreement_rise,
        },
        "taxonomy_version": result.taxonomy_version,
        "audit_id": result.audit_id,
        "run_id": result.run_id,
        "db": result.db,
    }


def _labels_document(result: AuditResult, labels: LabelCheck | None) -> dict[str, Any]:
    if labels is None:
        return {"status": "not-run", "reason": result.labelling_reason, "drift": False}
    show = result.config.show
    return {
        "status": labels.status,
        "drift": result.labelling_drift,
        "reason": result.labelling_reason,
        "model": labels.model,
        "evaluation": labels.reason,
        "training_records": labels.training_records,
        "classes": labels.classes,
        "excluded_classes": labels.excluded_classes,
        "accuracy": rounded(labels.accuracy),
        "macro_f1": rounded(labels.macro_f1),
        "folds": [
            {
                "fold": f.fold,
                "records": f.records,
                "accuracy": rounded(f.accuracy),
                "macro_f1": rounded(f.macro_f1),
            }
            for f in labels.folds
        ],
        "disagreement_rate_recent": rounded(labels.recent_rate),
        "disagreement_rate_baseline": rounded(labels.baseline_rate),
        "recent_assessed": labels.recent_assessed,
        "baseline_assessed": labels.baseline_assessed,
        "rise_p_value": significant(labels.rise_p_value),
        "disagreement_count": len(result.disagreements),
        "disagreements": [
            {
                "incident_id": d.incident_id,
                "timestamp": d.timestamp,
                "service": d.service,
                "title": d.title,
                "failure_class": d.prediction.label,
                "predicted_class": d.prediction.predicted,
                "probability": rounded(d.prediction.probability, 3),
                "label_probability": rounded(d.prediction.label_probability, 3),
            }
            for d in result.disagreements[:show]
        ],
    }


def _origins_document(result: AuditResult) -> dict[str, Any]:
    origins = result.origins
    return {
        "human": {"recent": origins.human_recent, "baseline": origins.human_baseline},
        "inferred": {
            "recent": origins.inferred_recent,
            "baseline": origins.inferred_baseline,
            "by_route": {
                via: {"recent": r, "baseline": b} for via, (r, b) in origins.inferred.items()
            },
        },
    }
