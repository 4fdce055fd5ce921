"""Fitted class models kept between ingests (see :mod:`failearn.analysis.class_state`): one
per route, under the key of what it was fitted on."""

from __future__ import annotations

from failearn.store import Store


def load_model(store: Store, route: str, key: str) -> bytes | None:
    """The stored state of the ``route`` model fitted on ``key``, if it is the one kept."""
    row = store.conn.execute(
        "SELECT state FROM class_models WHERE route = ? AND key = ?", (route, key)
    ).fetchone()
    return None if row is None else bytes(row[0])


def save_model(store: Store, route: str, key: str, saved_at: str, state: bytes) -> None:
    """Keep this state as the ``route`` model (replacing the one kept before)."""
    store.conn.execute("DELETE FROM class_models WHERE route = ?", (route,))
    store.conn.execute(
        "INSERT INTO class_models (route, key, saved_at, state) VALUES (?, ?, ?, ?)",
        (route, key, saved_at, state),
    )
