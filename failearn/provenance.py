"""How a field of a record was reached when the record did not give it, and how sure.

A post-mortem may name no failure class, or no service; failearn may then infer
one (a class from a text model, a service from the names the configuration
declares).  Every inferred value is kept with its provenance, so that output,
audit and reports can tell a person's label from a guess:

* ``field`` — the record field (``failure_class``, ``service``, …);
* ``value`` — what was inferred (a class id, a service name);
* ``via`` — the route: ``mapping`` and ``hint`` (a class hint mapped or known by
  the taxonomy), ``model`` (the taxonomy blended with the store's labels),
  ``taxonomy`` (similarity to the taxonomy's class texts); other fields bring
  their own routes (a service found in the title, say);
* ``probability`` — the model's probability, when a model decided (else None);
* ``evidence`` — the label or phrase it came from, or where it was found;
* ``candidates`` — the runners-up with their probabilities.

To record an inferred field, build a :class:`Provenance` and add it to the
incident's ``provenance`` list (:mod:`failearn.capture.normalise`); ingest stores it
(table ``report_provenance``, one row per report and inferred field) and lists
it in its output.  Values a record gave itself have no row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Provenance:
    """One inferred field of one record: what, how, how sure."""

    field: str
    value: str
    via: str
    probability: float | None = None
    evidence: str | None = None
    candidates: tuple[tuple[str, float], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "value": self.value,
            "via": self.via,
            "probability": self.probability,
            "evidence": self.evidence,
            "candidates": [{"value": v, "probability": p} for v, p in self.candidates],
        }

    def describe(self) -> str:
        """One line: ``memory-exhaustion via taxonomy (p 0.87; then timeout 0.05)``."""
        sure = f"p {self.probability:.2f}" if self.probability is not None else ""
        found = f"from {self.evidence!r}" if self.evidence else ""
        then = (
            "then " + ", ".join(f"{v} {p:.2f}" for v, p in self.candidates[:2])
            if self.candidates
            else ""
        )
        details = "; ".join(part for part in (sure, found, then) if part)
        return f"{self.value} via {self.via}" + (f" ({details})" if details else "")
