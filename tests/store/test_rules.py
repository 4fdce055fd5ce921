"""The registry's SQL: finding rules by what people type, evidence only moving forward."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from failearn.commands.registry import evidence_row, resolve_rule, sync
from failearn.config import RulesConfig
from failearn.errors import NotFoundError, UsageError
from failearn.store import Store
from failearn.store import rules as sql
from failearn.timeutil import parse_as_of
from tests.helpers.factories import draft


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        with opened.transaction():
            sync(
                opened,
                [draft("P0001", "checkout"), draft("P0001", "payments"), draft("P0002", "search")],
                parse_as_of("2026-11-23"),
                RulesConfig(),
                None,
            )
        yield opened


def test_a_rule_is_found_by_its_id_any_case_or_a_unique_prefix(store: Store) -> None:
    ids = sorted(sql.rules(store))
    first = ids[0]
    assert sql.find_rule_id(store, first) == first
    assert sql.find_rule_id(store, first.lower()) == first
    assert sql.find_rule_id(store, f"  {first}  ") == first
    prefix = next(
        first[:n] for n in range(4, len(first)) if sum(i.startswith(first[:n]) for i in ids) == 1
    )
    assert sql.find_rule_id(store, prefix) == first
    assert sql.find_rule_id(store, "R-") is None  # ambiguous
    assert sql.find_rule_id(store, first[:3]) is None  # too short to be a prefix
    assert sql.find_rule_id(store, "R-%") is None  # LIKE wildcards are literal


def test_a_prefix_several_rules_share_is_ambiguous_and_says_which(store: Store) -> None:
    ids = sorted(sql.rules(store))
    assert sql.rule_ids_starting(store, "r-", limit=10) == ids
    with pytest.raises(UsageError) as ambiguous:
        resolve_rule(store, " r- ")
    assert ambiguous.value.message == f"ambiguous: r- matches {', '.join(ids)}"
    shared = [i for i in ids if i.startswith(ids[0][:3])]
    with pytest.raises(UsageError if len(shared) > 1 else NotFoundError) as short:
        resolve_rule(store, ids[0][:3])
    assert ids[0] in str(short.value)
    with pytest.raises(NotFoundError) as missing:
        resolve_rule(store, "R-nope")
    assert missing.value.message == "no rule 'R-nope' in the registry"
    assert resolve_rule(store, ids[0].lower()) == ids[0]


def test_evidence_only_moves_forward(store: Store) -> None:
    rule = draft("P0001", "checkout", support=9)
    sql.update_evidence(store, rule.id, evidence_row(rule, "2026-11-16T00:00:00Z"))
    assert sql.rules(store, [rule.id])[rule.id]["support"] == 5
    sql.update_evidence(store, rule.id, evidence_row(rule, "2026-11-30T00:00:00Z"))
    assert sql.rules(store, [rule.id])[rule.id]["support"] == 9


def test_events_come_in_fold_order(store: Store) -> None:
    events = sql.events(store)
    assert [(e["rule_id"], e["at"]) for e in events] == sorted(
        (e["rule_id"], e["at"]) for e in events
    )
    assert {e["event"] for e in events} == {"created"}
    assert sql.events(store, until="2026-11-22T23:59:59Z") == []
    assert sql.last_event_at(store) == "2026-11-23T00:00:00Z"
