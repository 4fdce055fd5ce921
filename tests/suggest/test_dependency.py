"""The dependency a pattern's incidents point at: messages and trace ends before counts."""

from __future__ import annotations

from failearn.suggest.dependency import choose_dependency
from failearn.suggest.model import IncidentBrief


def brief(
    n: int,
    dependencies: tuple[str, ...],
    shape: tuple[str, ...] = (),
    messages: tuple[str, ...] = (),
) -> IncidentBrief:
    return IncidentBrief(
        f"i{n}",
        "2026-11-10T12:00:00Z",
        "checkout",
        "connection-pool-exhaustion",
        dependencies=dependencies,
        trace_shape=shape,
        error_messages=messages,
    )


def test_a_tie_in_declared_dependencies_goes_to_where_the_traces_end() -> None:
    shape = ("api-gateway", "checkout", "payments", "postgres-main")
    found = choose_dependency(
        [brief(n, ("payments", "postgres-main"), shape) for n in range(4)], "checkout"
    )
    assert found is not None and found.name == "postgres-main"
    assert (found.at_trace_end, found.declared, found.on_trace) == (4, 4, 4)
    assert found.runner_up is not None and found.runner_up.name == "payments"
    assert found.text() == (
        "`postgres-main`: the failing trace ends there in 4 of 4 incidents; declared a "
        "dependency in 4 (`payments`: declared in 4, on the trace in 4, at its end in 0, in "
        "messages in 0)"
    )


def test_the_error_messages_name_the_dependency_as_a_word() -> None:
    items = [
        brief(0, ("inventory", "cache"), messages=("timeout calling inventory-api",)),
        brief(1, ("inventory", "cache"), messages=("upstream inventory timed out",)),
    ]
    found = choose_dependency(items, "search")
    assert found is not None and (found.name, found.in_messages) == ("inventory", 2)
    # "cache" inside "cached" is not the dependency `cache` named.
    cached = choose_dependency(
        [brief(0, ("cache", "db"), messages=("stale cached row",))], "search"
    )
    assert cached is not None and cached.in_messages == 0


def test_callers_above_the_service_are_not_its_dependencies() -> None:
    shape = ("api-gateway", "checkout", "payments")
    found = choose_dependency([brief(0, (), shape)], "checkout")
    assert found is not None and found.name == "payments"
    assert choose_dependency([brief(0, (), ("api-gateway", "checkout"))], "checkout") is None


def test_no_dependency_named() -> None:
    assert choose_dependency([brief(0, ())], "checkout") is None
    assert choose_dependency([], "checkout") is None
