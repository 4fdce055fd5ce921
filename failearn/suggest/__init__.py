"""The suggest and review stages: adaptation rules from patterns, their confidence and
lifecycle, and the guardrails (docs/report.md).

Everything here takes and returns plain data (no SQL, no printing):
:mod:`~failearn.suggest.model` holds the shapes, :mod:`~failearn.suggest.confidence`
the formula, :mod:`~failearn.suggest.rules` turns pattern evidence into rule drafts,
:mod:`~failearn.suggest.lifecycle` the statuses and their transitions,
:mod:`~failearn.suggest.guardrails` the checks and the choice of suggestions.
"""
