"""Statuses, who may move a rule between them, and the fold of its events."""

from __future__ import annotations

from datetime import timedelta

import pytest

from failearn.errors import UsageError
from failearn.suggest.lifecycle import fold, next_status, restored_status

COOLDOWN = timedelta(minutes=30)


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        ("candidate", "accepted", "accepted"),
        ("suggested", "accepted", "accepted"),
        ("rejected", "accepted", "accepted"),
        ("suggested", "rejected", "rejected"),
        ("accepted", "rejected", "rejected"),
        ("accepted", "applied", "applied"),
        ("reverted", "applied", "applied"),
        ("applied", "reverted", "reverted"),
        ("applied", "negative-feedback", "applied"),
        ("archived", "negative-feedback", "archived"),
    ],
)
def test_allowed_transitions(status: str, event: str, after: str) -> None:
    assert next_status("R-1", status, event) == after


@pytest.mark.parametrize(
    ("status", "event", "message"),
    [
        ("accepted", "accepted", "already accepted"),
        ("suggested", "applied", "accept it before"),
        ("applied", "rejected", "revert it before rejecting"),
        ("accepted", "reverted", "cannot revert"),
        ("archived", "accepted", "archived"),
        ("rejected", "rejected", "already rejected"),
    ],
)
def test_refused_transitions_say_why(status: str, event: str, message: str) -> None:
    with pytest.raises(UsageError, match=message):
        next_status("R-1", status, event)


def event(kind: str, at: str, status: str) -> dict[str, str]:
    return {"event": kind, "at": at, "status_after": status}


def test_fold_counts_and_flags_a_revert_within_the_cooldown() -> None:
    events = [
        event("created", "2026-11-23T00:00:00Z", "candidate"),
        event("accepted", "2026-11-23T09:00:00Z", "accepted"),
        event("applied", "2026-11-23T10:00:00Z", "applied"),
        event("reverted", "2026-11-23T10:29:00Z", "reverted"),
    ]
    history = fold(events, COOLDOWN)
    assert (history.status, history.accepted, history.times_applied) == ("reverted", 1, 1)
    assert history.flagged_revert
    later = [*events[:3], event("reverted", "2026-11-23T10:31:00Z", "reverted")]
    assert not fold(later, COOLDOWN).flagged_revert
    reviewed = [*events, event("applied", "2026-11-23T12:00:00Z", "applied")]
    assert not fold(reviewed, COOLDOWN).flagged_revert


def test_fold_remembers_the_status_before_archiving() -> None:
    events = [
        event("created", "2026-10-01T00:00:00Z", "candidate"),
        event("rejected", "2026-10-02T00:00:00Z", "rejected"),
        event("archived", "2026-11-23T00:00:00Z", "archived"),
    ]
    history = fold(events, COOLDOWN)
    assert history.status_before_archive == "rejected"
    assert restored_status(history.status_before_archive) == "rejected"
    assert restored_status("applied") == "candidate"


def test_decayed_since_the_last_match() -> None:
    events = [
        event("created", "2026-10-01T00:00:00Z", "candidate"),
        event("decayed", "2026-10-20T00:00:00Z", "candidate"),
    ]
    assert fold(events, COOLDOWN, "2026-10-01T00:00:00Z").decayed_since_match
    assert not fold(events, COOLDOWN, "2026-10-25T00:00:00Z").decayed_since_match
