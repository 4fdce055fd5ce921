"""``failearn cluster`` on small hand-made sets: a pattern's natural variation does not split
it, two causes stay two, prose post-mortems form themes, one-offs stay noise."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.helpers.cli import Cli

AS_OF = "2026-11-23"


def write(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def record(
    ident: str, day: int, service: str, klass: str, title: str, messages: list[str], **extra: Any
) -> dict[str, Any]:
    return {
        "id": ident,
        "timestamp": f"2026-11-{day:02d}T10:{day:02d}:00Z",
        "service": service,
        "failure_class": klass,
        "title": title,
        "error_messages": messages,
        "trace_ids": [trace(ident)],
        **extra,
    }


def trace(ident: str) -> str:
    """A trace id of one's own: incidents that share one are one failure."""
    return hashlib.sha256(ident.encode()).hexdigest()[:32]


def clusters(cli: Cli, path: Path) -> dict[str, Any]:
    cli.json("ingest", str(path), "--as-of", AS_OF)
    return cli.json("cluster", "--as-of", AS_OF)


def groups(doc: dict[str, Any]) -> set[frozenset[str]]:
    return {frozenset(c["incident_ids"]) for c in doc["clusters"]}


def stored_clusters() -> dict[str, int | None]:
    """Incident → its stored cluster in the latest run (None: noise)."""
    with sqlite3.connect("failearn.db") as conn:
        run = conn.execute("SELECT MAX(run_id) FROM cluster_runs").fetchone()[0]
        return dict(
            conn.execute(
                "SELECT incident_id, cluster_id FROM cluster_members WHERE run_id = ?", (run,)
            ).fetchall()
        )


ONE_OFFS = [
    record(
        "once-1",
        1,
        "billing",
        "data-corruption",
        "billing data corruption",
        ["checksum mismatch in ledger row 4914"],
    ),
    record(
        "once-2",
        3,
        "cart",
        "deployment-regression",
        "cart deployment regression",
        ["rollout of cart 9061 halted at 20 %"],
    ),
    record(
        "once-3",
        5,
        "ads",
        "hardware-failure",
        "ads hardware failure",
        ["disk failure on node ads-6792"],
    ),
    record(
        "once-4",
        7,
        "notifications",
        "dns-failure",
        "notifications dns failure",
        ["NXDOMAIN for notifications-7469.svc"],
    ),
    record(
        "once-5",
        9,
        "catalog",
        "dependency-failure",
        "catalog dependency failure",
        ["catalog provider returned 503 for 1391"],
    ),
    record(
        "once-6",
        11,
        "api-gateway",
        "capacity-overload",
        "api-gateway capacity overload",
        ["429 too many requests at gateway shard 8561"],
    ),
]


def test_a_pattern_over_three_services_with_one_or_two_messages_and_a_varying_word_is_one(
    cli: Cli, tmp_path: Path
) -> None:
    tables = ["orders", "invoices", "carts", "refunds"]
    services = ["checkout", "payments", "orders-api"]
    pattern = []
    for n in range(9):
        table = tables[n % len(tables)]
        messages = [f'ERROR: deadlock detected while updating "{table}" (pid {4000 + n})']
        if n % 3 == 0:  # a third of them also logged the retry that gave up
            messages.append(f"giving up on transaction after {n + 2} retries")
        pattern.append(
            record(
                f"deadlock-{n}",
                2 * n + 1,
                services[n % 3],
                "dependency-failure",
                f"{services[n % 3]}: deadlock on {table}",
                messages,
            )
        )
    doc = clusters(cli, write(tmp_path / "in.ndjson", pattern + ONE_OFFS))
    assert groups(doc) == {frozenset(f"deadlock-{n}" for n in range(9))}
    found = doc["clusters"][0]
    assert found["services"] == {"checkout": 3, "orders-api": 3, "payments": 3}
    assert "deadlock" in " ".join(found["top_terms"])
    assert "<" not in found["label"]  # readable, not a masked template
    assert set(doc["noise"]) == {r["id"] for r in ONE_OFFS}
    stored = stored_clusters()
    assert {stored[f"deadlock-{n}"] for n in range(9)} == {1}
    assert all(stored[r["id"]] is None for r in ONE_OFFS)


def test_two_causes_on_one_service_stay_two_patterns(cli: Cli, tmp_path: Path) -> None:
    timeouts = [
        record(
            f"redis-timeout-{n}",
            n + 1,
            "sessions",
            "timeout",
            "sessions: redis commands timing out",
            [
                f"redis: connection pool timeout after {900 + n}ms waiting for a "
                f"free connection to cache-{n}.prod"
            ],
        )
        for n in range(5)
    ]
    memory = [
        record(
            f"redis-oom-{n}",
            n + 10,
            "sessions",
            "memory-exhaustion",
            "sessions: redis out of memory",
            [f"OOM command not allowed when used memory > 'maxmemory' (key sess:{n})"],
        )
        for n in range(5)
    ]
    doc = clusters(cli, write(tmp_path / "in.ndjson", timeouts + memory + ONE_OFFS))
    assert groups(doc) == {frozenset(r["id"] for r in timeouts), frozenset(r["id"] for r in memory)}


def test_one_offs_that_share_only_the_word_failure_are_noise(cli: Cli, tmp_path: Path) -> None:
    doc = clusters(cli, write(tmp_path / "in.ndjson", ONE_OFFS))
    assert doc["clusters"] == []
    assert set(doc["noise"]) == {r["id"] for r in ONE_OFFS}


POSTMORTEMS = {
    "cert": [
        (
            "Expired TLS certificate on the images proxy",
            "The TLS certificate of the images proxy expired and browsers refused the site.",
            "Certificate renewal had silently failed for weeks; nobody was alerted.",
        ),
        (
            "Certificate expiry took down the API",
            "Clients saw certificate expired errors from the public API for two hours.",
            "The certificate was renewed by hand; automatic renewal was broken.",
        ),
        (
            "Outage: expired certificate on login",
            "Login failed with an expired certificate after the renewal job stopped.",
            "The renewal cron job had been deleted in a migration, so the certificate expired.",
        ),
    ],
    "dns": [
        (
            "DNS resolution failures in the cluster",
            "Pods could not resolve internal names; DNS lookups timed out.",
            "The DNS resolver pods were evicted under memory pressure.",
        ),
        (
            "Intermittent DNS lookup timeouts",
            "Services logged DNS lookup timeouts and NXDOMAIN for internal names.",
            "A resolver configuration change dropped the search domain.",
        ),
        (
            "DNS outage after resolver upgrade",
            "Name resolution stopped for internal services after the resolver upgrade.",
            "The upgraded DNS resolver rejected the old configuration.",
        ),
    ],
    "disk": [
        (
            "Database disk full",
            "The database volume ran out of disk space and writes failed.",
            "Old WAL segments were never cleaned up and filled the disk.",
        ),
        (
            "Disk full on the logging hosts",
            "The logging hosts' disks filled up and log shipping stopped.",
            "Log rotation was misconfigured, so the disk filled with old logs.",
        ),
        (
            "No space left on device on build agents",
            "Builds failed with no space left on device; the agents' disks were full.",
            "Docker images were never pruned and filled the disk.",
        ),
    ],
}


def test_prose_post_mortems_form_themes_shown_with_terms_and_titles(
    cli: Cli, tmp_path: Path
) -> None:
    folder = tmp_path / "postmortems"
    folder.mkdir()
    day = 1
    for theme, reports in POSTMORTEMS.items():
        for n, (title, summary, cause) in enumerate(reports):
            (folder / f"2026-11-{day:02d}-{theme}-{n}.md").write_text(
                f"---\ndate: 2026-11-{day:02d}\nservice: web\n"
                f"failure_class: dependency-failure\n---\n# {title}\n\n"
                f"## Summary\n\n{summary}\n\n## Root cause\n\n{cause}\n\n"
                "## Timeline\n\n- 10:00 we were paged\n- 11:00 we resolved it\n",
                encoding="utf-8",
            )
            day += 2
    cli.json("ingest", str(folder), "--as-of", AS_OF)
    doc = cli.json("cluster", "--as-of", AS_OF)
    assert len(doc["clusters"]) == 3 and doc["noise"] == []
    words = {"cert": "certificate", "dns": "dns", "disk": "disk"}
    shown = []
    for found in doc["clusters"]:
        assert found["size"] == 3
        terms = " ".join(found["top_terms"]).lower()
        theme = [t for t, word in words.items() if word in terms]
        assert len(theme) == 1, found["top_terms"]  # each cluster is one theme
        # Titles as written, the words a title opens with ("Outage:", "No") left out.
        assert all(
            any(shown in r[0] for r in POSTMORTEMS[theme[0]]) for shown in found["titles"]
        ), found["titles"]
        shown.append(theme[0])
    assert sorted(shown) == sorted(POSTMORTEMS)
    text = cli("cluster", "--as-of", AS_OF)
    assert text.exit_code == 0
    assert text.stdout.count("terms: ") == 3
    assert (
        sum(title in text.stdout for reports in POSTMORTEMS.values() for title, _, _ in reports)
        >= 3
    )


def test_incidents_known_only_by_their_metrics_join_their_pattern(cli: Cli, tmp_path: Path) -> None:
    full = [
        record(
            f"kafka-{n}",
            n + 1,
            "media",
            "dependency-failure",
            "media: KafkaProduceErrors triggered",
            [
                f"kafka: Failed to produce message to topic media-events-{n}: "
                "Broker: Not leader for partition"
            ],
            metrics={"kafka_produce_errors": 40.0 + n, "cpu_utilization": 0.4 + n / 100},
        )
        for n in range(8)
    ]
    alerts = [
        {
            "id": f"kafka-slo-{n}",
            "timestamp": f"2026-11-{15 + n}T09:00:00Z",
            "service": "media",
            "failure_class": "dependency-failure",
            "title": "media: error budget burn rate above 14x",
            "trace_ids": [trace(f"kafka-slo-{n}")],
            "metrics": {"kafka_produce_errors": 43.0 + n, "cpu_utilization": 0.42},
        }
        for n in range(2)
    ]
    doc = clusters(cli, write(tmp_path / "in.ndjson", full + alerts + ONE_OFFS))
    assert groups(doc) == {frozenset(r["id"] for r in full + alerts)}
    assert doc["parameters"]["partial"]["attached_rows"] >= 1
    assert set(doc["noise"]) == {r["id"] for r in ONE_OFFS}
