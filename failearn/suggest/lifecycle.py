"""A rule's statuses, the events that move it between them, and who may cause them.

::

    created ──▶ candidate ──suggested──▶ suggested ──accepted──▶ accepted ──applied──▶ applied
                    │                       │                      │                    │
                    └──────rejected─────────┴──────────────────────┘          reverted  ▼
                                                                          ◀──────── reverted
    any status ──archived──▶ archived ──restored──▶ candidate (rejected stays rejected)
    rejected ──reopened──▶ candidate   (its evidence changed: failearn.suggest.memory)

A person accepts, rejects, applies, reverts and gives negative feedback
(``failearn rules …``); the report creates, suggests, marks decayed, archives,
restores and reopens, and turns an incident's ``caused_by_rule`` into negative
feedback.
Negative feedback and ``decayed`` leave the status as it is.  Every change is an
event; the history of a rule at an as-of is the fold of its events up to then.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from failearn.errors import UsageError
from failearn.timeutil import from_iso

STATUSES = ("candidate", "suggested", "accepted", "rejected", "applied", "reverted", "archived")
PENDING = ("candidate", "suggested")
ACTIVE = ("accepted", "applied")
EVENTS = (
    "created",
    "suggested",
    "accepted",
    "rejected",
    "applied",
    "reverted",
    "negative-feedback",
    "decayed",
    "archived",
    "restored",
    "reopened",
)
HUMAN_EVENTS = ("accepted", "rejected", "applied", "reverted", "negative-feedback")
ADAPTATION_EVENTS = ("applied", "reverted")

# For each action a person takes: the statuses it may start from, the status it leads to.
_ACTIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "accepted": (("candidate", "suggested", "rejected", "reverted"), "accepted"),
    "rejected": (("candidate", "suggested", "accepted", "reverted"), "rejected"),
    "applied": (("accepted", "reverted"), "applied"),
    "reverted": (("applied",), "reverted"),
}
_VERB = {"accepted": "accept", "rejected": "reject", "applied": "apply", "reverted": "revert"}


def next_status(rule_id: str, status: str, event: str) -> str:
    """The status a person's action leads to; a :class:`UsageError` saying why it cannot."""
    if event == "negative-feedback":
        return status
    sources, target = _ACTIONS[event]
    if status in sources:
        return target
    verb = _VERB[event]
    if status == target:
        raise UsageError(f"rule {rule_id} is already {status}")
    if status == "archived":
        raise UsageError(
            f"rule {rule_id} is archived (no matching incident for its TTL)",
            hint="it comes back as a candidate when its pattern recurs",
        )
    if event == "applied" and status in ("candidate", "suggested", "rejected"):
        raise UsageError(
            f"rule {rule_id} is {status}; accept it before recording that it was applied",
            hint=f"failearn rules accept {rule_id}",
        )
    if event == "rejected" and status == "applied":
        raise UsageError(
            f"rule {rule_id} is applied; revert it before rejecting it",
            hint=f"failearn rules revert {rule_id}",
        )
    raise UsageError(f"cannot {verb} rule {rule_id}: it is {status}")


def restored_status(status_before_archive: str | None) -> str:
    """A rule whose pattern recurs after archiving comes back as a candidate, unless it
    had been rejected: people decide again, nothing returns to production by itself."""
    return "rejected" if status_before_archive == "rejected" else "candidate"


@dataclass(frozen=True, slots=True)
class History:
    """The fold of a rule's events up to an as-of."""

    exists: bool
    status: str
    created_at: str | None
    accepted: int
    rejected: int
    negative: int
    times_applied: int
    last_applied_at: str | None
    last_reverted_at: str | None
    archived_at: str | None
    status_before_archive: str | None
    decayed_since_match: bool
    last_event_at: str | None
    last_human_event: str | None
    flagged_revert: bool
    last_decision: str | None
    last_decision_at: str | None


def fold(
    events: Iterable[Mapping[str, Any]], cooldown: timedelta, last_matched_at: str | None = None
) -> History:
    """The history of one rule from its events (in order of time, then id).

    A revert less than ``cooldown`` after the apply it undoes is *flagged* until
    a person acts on the rule again.  ``decayed_since_match`` tells whether a
    ``decayed`` event was logged after ``last_matched_at``.
    """
    status = "candidate"
    exists = False
    created_at = last_applied = last_reverted = archived_at = before_archive = None
    last_event_at = last_human = last_decision = last_decision_at = None
    accepted = rejected = negative = applied = 0
    flagged = False
    last_decayed: str | None = None
    for event in events:
        kind = str(event["event"])
        at = str(event["at"])
        if not exists:
            exists, created_at = True, at
        last_event_at = at
        if kind == "accepted":
            accepted += 1
        elif kind == "rejected":
            rejected += 1
        elif kind == "negative-feedback":
            negative += 1
        elif kind == "applied":
            applied += 1
            last_applied = at
        elif kind == "reverted":
            last_reverted = at
        elif kind == "decayed":
            last_decayed = at
        if kind == "archived":
            archived_at, before_archive = at, status
        elif kind == "restored":
            archived_at = None
        if kind in ("accepted", "rejected"):
            last_decision, last_decision_at = kind, at
        if kind in HUMAN_EVENTS and kind != "negative-feedback":
            last_human = kind
            flagged = (
                kind == "reverted"
                and last_applied is not None
                and from_iso(at) - from_iso(last_applied) < cooldown
            )
        status = str(event["status_after"])
    decayed = last_decayed is not None and (
        last_matched_at is None or last_decayed >= last_matched_at
    )
    return History(
        exists,
        status,
        created_at,
        accepted,
        rejected,
        negative,
        applied,
        last_applied,
        last_reverted,
        archived_at,
        before_archive,
        decayed,
        last_event_at,
        last_human,
        flagged,
        last_decision,
        last_decision_at,
    )
