"""Rule drafts from patterns: stable ids, concrete actions fitted to their evidence."""

from __future__ import annotations

from dataclasses import replace

import pytest

from failearn.analysis.model import PatternSummary, Precursor
from failearn.config import PrecursorsConfig, RulesConfig
from failearn.suggest.actions import (
    action_text,
    nice_ceiling,
    pool_sentence,
    timeout_sentence,
)
from failearn.suggest.dependency import DependencyEvidence
from failearn.suggest.model import IncidentBrief, Trigger
from failearn.suggest.rules import drafts_for, rule_id
from failearn.suggest.series_evidence import Levels, signal_kind
from failearn.suggest.wording import format_number, metric_phrase, trigger_clause
from failearn.taxonomy.file import load_taxonomy
from tests.helpers.factories import VOLUME

TAXONOMY = load_taxonomy()
RULES = RulesConfig()
PRECURSORS = PrecursorsConfig()
POOL_UTIL = Precursor(
    "pool_utilization",
    "higher",
    0.98,
    0.43,
    0.55,
    1.0,
    p_value=0.001,
    support=10,
    support_share=1.0,
    consistency=1.0,
    rest_count=20,
)
P99 = Precursor(
    "p99_latency_ms",
    "higher",
    6444,
    1553,
    4891,
    0.95,
    p_value=0.001,
    support=6,
    support_share=1.0,
    consistency=1.0,
    rest_count=20,
)
SHAPE = ("api-gateway", "checkout", "payments", "postgres-main")
POSTGRES = DependencyEvidence("postgres-main", 8, 0, 8, 8, 8)


def pattern(**changes: object) -> PatternSummary:
    base: dict[str, object] = {
        "pattern_id": "P0001",
        "label": "HikariPool-<id> - Connection is not available",
        "status": "recurring",
        "first_seen": "2026-10-27T12:10:00Z",
        "last_seen": "2026-11-20T12:45:00Z",
        "cluster_id": 0,
        "dominant_template": "HikariPool-<id> - Connection is not available",
        "top_terms": ("hikaripool", "connection"),
        "size": 10,
        "recent_count": 4,
        "weekly_rate": 2.5,
        "incident_ids": tuple(f"i{n}" for n in range(10)),
        "services": {"checkout": 8, "payments": 2},
        "classes": {"connection-pool-exhaustion": 10},
        "dominant_class": "connection-pool-exhaustion",
        "cohesion": 0.97,
        "precursors": (POOL_UTIL, VOLUME),
    }
    base.update(changes)
    return PatternSummary(**base)  # type: ignore[arg-type]


def briefs() -> dict[str, IncidentBrief]:
    out = {}
    for n in range(10):
        service = "checkout" if n < 8 else "payments"
        out[f"i{n}"] = IncidentBrief(
            f"i{n}",
            f"2026-11-{10 + n:02d}T12:00:00Z",
            service,
            "connection-pool-exhaustion",
            dependencies=("payments", "postgres-main")
            if service == "checkout"
            else ("postgres-main",),
            trace_shape=SHAPE if service == "checkout" else SHAPE[2:],
            error_messages=(
                "could not obtain connection from pool checkout-db-pool on db-7f3a.internal",
            ),
        )
    return out


def test_rule_ids_are_stable_and_distinct() -> None:
    assert rule_id("P0001", "pool-resize", "checkout") == "R-b21ab08ca2"
    assert rule_id("P0001", "pool-resize", "checkout") == rule_id(
        "P0001", "pool-resize", "checkout"
    )
    assert (
        len(
            {
                rule_id("P0001", a, s)
                for a in ("pool-resize", "circuit-breaker")
                for s in ("checkout", "payments")
            }
        )
        == 4
    )


def test_without_series_no_trigger_and_incident_time_evidence_marked_as_such() -> None:
    drafts = drafts_for(pattern(), briefs(), TAXONOMY, {}, RULES, PRECURSORS)
    assert [(d.service, d.adaptation) for d in drafts] == [
        ("checkout", "pool-resize"),
        ("checkout", "pre-emptive-scaling"),
        ("checkout", "circuit-breaker"),
        ("payments", "pool-resize"),
        ("payments", "pre-emptive-scaling"),
        ("payments", "circuit-breaker"),
    ]
    resize, scaling, breaker = drafts[:3]
    assert all(d.trigger is None for d in drafts)
    assert scaling.action == (
        "Scale `checkout` pre-emptively: scale the pool to `postgres-main` before it exhausts."
    )
    assert resize.action == (
        "Resize the connection pool of `checkout` for calls to "
        "`postgres-main` to the load it sees at peak (no utilisation "
        "series of the pool to size it from)."
    )
    assert breaker.action.startswith("Open the circuit breaker from `checkout` to `postgres-main`")
    note = scaling.evidence["series"]
    assert note["found"] is False and note["text"].startswith(
        "No metric series for `checkout` or its dependency `postgres-main`"
    )
    precursor = scaling.evidence["precursor"]
    assert precursor["source"] == "at-incident" and precursor["text"].startswith(
        "At incident time only (compared with other incidents, not with normal time): "
        "request volume +2.1 % (median)"
    )
    assert resize.evidence["precursor"]["metric"] == "pool_utilization"
    assert scaling.evidence["prevention"] == {
        "share": 0.5,
        "source": "assumed",
        "key": "rules.assumed_prevention",
    }
    assert [a["key"] for a in scaling.evidence["assumptions"]] == ["rules.assumed_prevention"]
    assert (scaling.fit, resize.fit) == (1, 1)
    assert scaling.support == 8 and scaling.pattern_support == 10
    assert scaling.last_matched_at == "2026-11-17T12:00:00Z"
    assert (
        "Dependency: `postgres-main`: the failing trace ends there in 8 of 8 incidents"
        in scaling.rationale
    )


def test_an_adaptation_that_acts_on_no_signal_quotes_none() -> None:
    auth = pattern(
        pattern_id="P0004",
        dominant_class="configuration-error",
        precursors=(P99,),
        services={"checkout": 8},
    )
    (validation, _guard) = [
        d
        for d in drafts_for(auth, briefs(), TAXONOMY, {}, RULES, PRECURSORS)
        if d.service == "checkout"
    ]
    assert validation.adaptation == "config-validation"
    assert validation.evidence["precursor"] is None
    assert "p99" not in validation.rationale and "Dependency" not in validation.rationale
    assert validation.fit == 0


def test_every_class_of_the_taxonomy_gives_actions() -> None:
    volume = Trigger(
        "request_rate",
        "higher",
        12.0,
        600,
        20.0,
        5.0,
        0.9,
        8,
        "load",
        feature="change",
        service="svc",
    )
    latency = Trigger(
        "p99_latency_ms", "higher", 400.0, 300, 900, 150, 1.0, 8, "latency", service="db"
    )
    for class_id in TAXONOMY.classes:
        for kind in TAXONOMY.adaptations_for(class_id):
            for trigger in (None, volume, latency):
                text = action_text(kind, "svc", None, trigger, TAXONOMY, class_id)
                assert text.endswith(".") and "`svc`" in text and text[0].isupper()


def test_an_unknown_adaptation_kind_uses_its_name() -> None:
    assert (
        action_text("warm-cache", "svc", None, None, TAXONOMY, "timeout") == "warm cache on `svc`."
    )


@pytest.mark.parametrize(
    ("trigger", "clause"),
    [
        (
            Trigger(
                "request_rate",
                "higher",
                12.0,
                600,
                20,
                5,
                0.9,
                8,
                "load",
                feature="change",
                service="checkout",
            ),
            "request rate to `checkout` rises more than 12 % within 10 minutes",
        ),
        (
            Trigger(
                "request_rate",
                "lower",
                -30.0,
                900,
                -40,
                0,
                0.9,
                8,
                "load",
                feature="change",
                service="checkout",
            ),
            "request rate to `checkout` falls more than 30 % within 15 minutes",
        ),
        (
            Trigger(
                "db_pool_utilization",
                "higher",
                0.87,
                120,
                0.94,
                0.67,
                1.0,
                8,
                "saturation",
                service="checkout",
                labels={"pool": "checkout-db-pool"},
            ),
            "db pool utilization (pool=checkout-db-pool) on `checkout` (mean over 2 minutes) "
            "exceeds 0.87",
        ),
        (
            Trigger(
                "p99_latency_ms",
                "higher",
                190.0,
                1800,
                415,
                147,
                1.0,
                8,
                "latency",
                service="inventory",
            ),
            "p99 latency of `inventory` (mean over 30 minutes) exceeds 190 ms",
        ),
        (
            Trigger(
                "free_memory", "lower", 0.1, 300, 0.05, 0.4, 1.0, 8, "other", service="checkout"
            ),
            "free memory on `checkout` (mean over 5 minutes) falls below 0.1",
        ),
    ],
)
def test_trigger_clauses(trigger: Trigger, clause: str) -> None:
    assert trigger_clause(trigger, "checkout") == clause


def levels(**changes: object) -> Levels:
    base: dict[str, object] = {
        "service": "inventory",
        "metric": "p99_latency_ms",
        "labels": (),
        "median": 138.0,
        "p95": 170.0,
        "p99": 192.0,
        "before": 415.0,
        "during": 4406.0,
        "incidents": 31,
    }
    base.update(changes)
    return Levels(**base)  # type: ignore[arg-type]


def test_a_timeout_comes_from_normal_time_not_from_the_incidents() -> None:
    inventory = DependencyEvidence("inventory", 31, 31, 31, 31, 31)
    text, facts, assumed = timeout_sentence("search", inventory, levels(), RULES)
    assert text == (
        "Set `search`'s timeout for calls to `inventory` to about 390 ms: 2 × "
        "`inventory`'s p99 latency in normal time (192 ms at its 99th percentile, "
        "median 138 ms; during these incidents it reached 4406 ms), so that a "
        "degraded dependency fails fast instead of holding callers."
    )
    assert facts is not None and facts["suggested_timeout"] == 390
    assert [a["key"] for a in assumed] == ["rules.timeout_headroom"]
    wider = timeout_sentence("search", inventory, levels(), replace(RULES, timeout_headroom=3.0))
    assert "to about 580 ms: 3 ×" in wider[0]
    blind = timeout_sentence("search", inventory, None, RULES)
    assert blind[1] is None and "6444" not in blind[0] and "no latency series" in blind[0]


@pytest.mark.parametrize(
    ("before", "during", "grow"),
    [
        (0.94, 1.0, "by at least 18 %"),
        (0.88, 0.9, "by 10 %"),
        (0.8, 0.85, "only with care"),
        (0.6, 1.0, "only with care"),
    ],
)
def test_a_pool_is_sized_from_its_utilisation_before_and_during(
    before: float, during: float, grow: str
) -> None:
    pool = levels(
        service="checkout",
        metric="db_pool_utilization",
        median=0.54,
        p95=0.76,
        before=before,
        during=during,
    )
    text, facts, assumed = pool_sentence("checkout", POSTGRES, pool, RULES)
    assert grow in text and "`postgres-main`" in text
    assert facts is not None and facts["target_utilization"] == 0.8
    assert [a["key"] for a in assumed] == ["rules.pool_target_utilization"]


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(384, 390), (463.0, 470), (0.234, 0.24), (100, 100), (9.99, 10), (0.0, 0.0)],
)
def test_nice_ceilings(value: float, ceiling: float) -> None:
    assert nice_ceiling(value) == pytest.approx(ceiling)


@pytest.mark.parametrize(
    ("metric", "kind"),
    [
        ("request_volume_change_pct", "load"),
        ("pool_utilization", "saturation"),
        ("p99_latency_ms", "latency"),
        ("error_rate_pct", "errors"),
        ("cpu", "saturation"),
        ("request_rate", "load"),
        ("temperature", "other"),
    ],
)
def test_signal_kinds(metric: str, kind: str) -> None:
    assert signal_kind(metric) == kind


def test_metric_phrases_and_numbers() -> None:
    assert metric_phrase("request_volume_change_pct") == ("request volume", " %")
    assert metric_phrase("p99_latency_ms") == ("p99 latency", " ms")
    assert [format_number(v) for v in (2.075, 0.0, 6444.4, 12.34, 0.0123, -0.5)] == [
        "2.08",
        "0",
        "6444",
        "12.3",
        "0.012",
        "-0.5",
    ]


@pytest.mark.parametrize(
    ("kind", "dependency", "triggered", "standing"),
    [
        (
            "circuit-breaker",
            "db",
            "open the circuit breaker from `svc` to `db`, so callers fail fast instead of "
            "queueing.",
            "Open the circuit breaker from `svc` to `db` sooner, so callers fail fast instead "
            "of queueing.",
        ),
        (
            "reroute",
            None,
            "reroute `svc`'s calls around its failing dependency while it is degraded.",
            "Reroute `svc`'s calls around its failing dependency while it is degraded.",
        ),
        (
            "load-shedding",
            None,
            "shed low-priority load on `svc` to protect the critical path.",
            "Shed low-priority load on `svc` early to protect the critical path.",
        ),
        (
            "rate-limit",
            None,
            "rate-limit the clients of `svc`.",
            "Rate-limit the clients of `svc` to the rate it can serve.",
        ),
        (
            "failover",
            None,
            "fail `svc` over to standby capacity.",
            "Fail `svc` over to standby capacity when it degrades.",
        ),
        ("warm-cache", None, "warm cache on `svc`.", "warm cache on `svc`."),
    ],
)
def test_each_adaptation_reads_with_and_without_a_trigger(
    kind: str, dependency: str | None, triggered: str, standing: str
) -> None:
    trigger = Trigger("request_rate", "higher", 12.0, 600, 20.0, 5.0, 0.9, 8, "load")
    when = f"When {trigger_clause(trigger, 'svc')}, "
    assert action_text(kind, "svc", dependency, trigger, TAXONOMY, "timeout") == when + triggered
    assert action_text(kind, "svc", dependency, None, TAXONOMY, "timeout") == standing


@pytest.mark.parametrize(
    ("kind", "dependency", "text"),
    [
        (
            "retry-cap",
            "db",
            "Cap retries from `svc` to `db` (count and budget), so retries do not amplify the "
            "failure.",
        ),
        (
            "retry-cap",
            None,
            "Cap retries from `svc` (count and budget), so retries do not amplify the failure.",
        ),
        (
            "deploy-guard",
            None,
            "Gate deployments of `svc` on health signals and roll back automatically when they "
            "degrade.",
        ),
        (
            "config-validation",
            None,
            "Validate configuration changes to `svc` before they apply, and reject a change "
            "that fails instead of loading it.",
        ),
        ("isolate", None, "Isolate `svc` and rotate its credentials when this pattern recurs."),
    ],
)
def test_standing_adaptations_read_the_same_with_a_trigger(
    kind: str, dependency: str | None, text: str
) -> None:
    trigger = Trigger("request_rate", "higher", 12.0, 600, 20.0, 5.0, 0.9, 8, "load")
    assert action_text(kind, "svc", dependency, trigger, TAXONOMY, "timeout") == text
    assert action_text(kind, "svc", dependency, None, TAXONOMY, "timeout") == text


def test_pre_emptive_scaling_names_the_pool_and_the_service_a_trigger_watches() -> None:
    here = Trigger("request_rate", "higher", 12.0, 600, 20.0, 5.0, 0.9, 8, "load", service="svc")
    there = Trigger("request_rate", "higher", 12.0, 600, 20.0, 5.0, 0.9, 8, "load", service="db")
    cls = "connection-pool-exhaustion"
    plain = action_text("pre-emptive-scaling", "svc", "db", None, TAXONOMY, cls)
    assert plain.startswith("Scale `svc` pre-emptively: scale the pool to `db`")
    own = action_text("pre-emptive-scaling", "svc", "db", here, TAXONOMY, cls)
    assert own.startswith(f"When {trigger_clause(here, 'svc')}, scale the pool to `db`")
    other = action_text("pre-emptive-scaling", "svc", "db", there, TAXONOMY, cls)
    assert other.startswith(f"When {trigger_clause(there, 'svc')}, scale `svc`: scale the pool")
