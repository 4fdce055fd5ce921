"""Which dependency a pattern's incidents on a service point at, and the evidence for it.

Incidents list what a service depends on, and a checkout that calls payments,
which calls postgres, lists both: counting them names either.  What tells them
apart is where the failure is: the dependency the error messages name, and the
one the failing trace ends at (the deepest span, where the failure began).
Each candidate — a declared dependency, or a span of the trace below the
service — is scored, in order, by the incidents whose messages name it or whose
failing trace ends at it, then by those that declare it, then by those whose
trace passes through it; the name breaks a tie last.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from failearn.suggest.model import IncidentBrief


@dataclass(frozen=True)
class DependencyEvidence:
    """The dependency chosen, with its counts over ``incidents``, and the runner-up's."""

    name: str
    incidents: int
    in_messages: int
    at_trace_end: int
    on_trace: int
    declared: int
    runner_up: DependencyEvidence | None = None

    def text(self) -> str:
        """ "`postgres-main`: the failing trace ends there in 8 of 8 incidents; …"."""
        parts = []
        if self.at_trace_end:
            parts.append(
                f"the failing trace ends there in {self.at_trace_end} of {self.incidents} incidents"
            )
        if self.in_messages:
            parts.append(f"the error messages name it in {self.in_messages}")
        if self.declared:
            parts.append(f"declared a dependency in {self.declared}")
        text = f"`{self.name}`: " + ("; ".join(parts) or "named in no incident")
        other = self.runner_up
        if other is not None:
            text += (
                f" (`{other.name}`: declared in {other.declared}, on the trace in "
                f"{other.on_trace}, at its end in {other.at_trace_end}, in messages in "
                f"{other.in_messages})"
            )
        return text

    def as_dict(self) -> dict[str, object]:
        found: dict[str, object] = {
            "name": self.name,
            "incidents": self.incidents,
            "in_messages": self.in_messages,
            "at_trace_end": self.at_trace_end,
            "on_trace": self.on_trace,
            "declared": self.declared,
            "text": self.text(),
        }
        if self.runner_up is not None:
            found["runner_up"] = {
                k: v for k, v in self.runner_up.as_dict().items() if k not in ("text", "runner_up")
            }
        return found


def _named(name: str, text: str) -> bool:
    pattern = r"(?<![a-z0-9])" + re.escape(name.casefold()) + r"(?![a-z0-9])"
    return re.search(pattern, text) is not None


def _below(shape: tuple[str, ...], service: str) -> tuple[str, ...]:
    """The spans of a failing trace below the service (the whole trace when it is absent)."""
    if service in shape:
        return shape[shape.index(service) + 1 :]
    return shape


def choose_dependency(briefs: Iterable[IncidentBrief], service: str) -> DependencyEvidence | None:
    """The dependency a service's incidents point at, or None when they name none."""
    counts: dict[str, list[int]] = {}  # name -> [messages, trace end, on trace, declared]
    total = 0
    for brief in briefs:
        total += 1
        below = _below(brief.trace_shape, service)
        candidates = {d for d in brief.dependencies if d != service} | {
            s for s in below if s != service
        }
        text = " ".join(brief.error_messages).casefold()
        for name in candidates:
            row = counts.setdefault(name, [0, 0, 0, 0])
            row[0] += int(_named(name, text))
            row[1] += int(bool(below) and below[-1] == name)
            row[2] += int(name in below)
            row[3] += int(name in brief.dependencies)
    if not counts:
        return None
    ranked = sorted(
        counts.items(), key=lambda kv: (-(kv[1][0] + kv[1][1]), -kv[1][3], -kv[1][2], kv[0])
    )

    def evidence(name: str, row: list[int]) -> DependencyEvidence:
        return DependencyEvidence(name, total, row[0], row[1], row[2], row[3])

    best = evidence(*ranked[0])
    if len(ranked) > 1:
        return DependencyEvidence(
            best.name,
            total,
            best.in_messages,
            best.at_trace_end,
            best.on_trace,
            best.declared,
            evidence(*ranked[1]),
        )
    return best
