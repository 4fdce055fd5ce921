"""The taxonomy audit: is the team still classifying failures the way it used to?

:func:`run_audit` is the one core function behind ``failearn audit``.  It reads
the merged incidents of two windows — recent = [as_of − recent, as_of),
baseline = [as_of − recent − baseline, as_of − recent) — and returns an
:class:`AuditResult`:

* drift in the class mix (:mod:`failearn.analysis.drift`): a test of
  homogeneity, the Jensen–Shannon distance, per-class shares and residuals, and
  the classes that moved, paired when one fell while another rose;
* label consistency (:mod:`failearn.analysis.consistency`): a local classifier
  trained on the baseline's labels, its held-out agreement, and the recent
  records whose text disagrees with their label;
* hygiene: labels written as aliases or retired names, records under an older
  taxonomy version or a class the taxonomy no longer has, classes never used,
  services that only ever use one class.

The verdict is ``drift`` when the class mix shifted (significant and large) or
labelling did (the disagreement rate rose significantly and by enough),
``insufficient-data`` when the windows hold too few incidents to say, else
``no-drift``.  Every audit is stored (:mod:`failearn.store.audit`).  Reads run
in one snapshot and the one write transaction comes last, so the classifier
never holds the write lock that ingest jobs wait for.
"""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

from failearn.commands.audit.document import audit_document, class_rows, summary
from failearn.commands.audit.findings import audit_windows
from failearn.commands.audit.model import AuditOptions, AuditResult, check_config
from failearn.config import AuditConfig, Settings
from failearn.store import Store
from failearn.store import audit as sql
from failearn.store.location import display as display_location
from failearn.taxonomy.file import Taxonomy
from failearn.timeutil import format_duration, iso

__all__ = ["AuditOptions", "AuditResult", "audit_document", "run_audit"]


def run_audit(settings: Settings, taxonomy: Taxonomy, options: AuditOptions) -> AuditResult:
    """Audit the store of ``settings`` at ``options.as_of``; store and return the result."""

    config = options.config
    check_config(config)
    as_of = options.as_of
    recent_start = as_of - config.recent
    baseline_start = recent_start - config.baseline
    store = Store.open(settings.db, busy_timeout=settings.busy_timeout, create=False)
    try:
        with sql.snapshot(store):
            recent = sql.incidents_between(
                store, iso(recent_start), iso(as_of), with_text=config.classifier
            )
            baseline = sql.incidents_between(
                store, iso(baseline_start), iso(recent_start), with_text=config.classifier
            )
            usage = sql.class_counts(store, iso(as_of))
            service_classes = sql.service_class_counts(store, iso(as_of))
            inferred = sql.inferred_services(store, iso(baseline_start), iso(as_of))
        result = audit_windows(
            recent,
            baseline,
            usage,
            service_classes,
            taxonomy,
            options,
            display_location(settings.db),
            recent_start,
            baseline_start,
        )
        result = replace(result, hygiene=replace(result.hygiene, inferred_services=inferred))
        with store.transaction():
            run_id = store.start_run("audit", as_of, _parameters(config, taxonomy))
            result = _with_ids(result, run_id, None)
            # The stored document is the JSON the command prints (the report reads it).
            audit_id = sql.save_audit(
                store, summary(result), class_rows(result), audit_document(result)
            )
            result = _with_ids(result, run_id, audit_id)
            store.finish_run(
                run_id,
                result.verdict,
                {
                    "verdict": result.verdict,
                    "drift": result.drift,
                    "audit_id": audit_id,
                    "recent_incidents": result.distribution.recent_total,
                    "baseline_incidents": result.distribution.baseline_total,
                },
            )
            if options.before_commit is not None:
                options.before_commit(result)
    finally:
        store.close()
    return result


def _parameters(config: AuditConfig, taxonomy: Taxonomy) -> dict[str, Any]:
    values = {f.name: getattr(config, f.name) for f in fields(config)}
    values["recent"] = format_duration(config.recent)
    values["baseline"] = format_duration(config.baseline)
    values["taxonomy"] = taxonomy.version
    return values


def _with_ids(result: AuditResult, run_id: int, audit_id: int | None) -> AuditResult:
    return replace(result, run_id=run_id, audit_id=audit_id)
