"""SQL of metric series: one row per series in ``metric_series``, its points in
``metric_points`` (unix milliseconds, double precision).

Points are written in bulk (one ``executemany`` per series), and only those
that are new or changed: a series already stored is read back over the span
being written and compared first, so ingesting the same file twice writes
nothing the second time.  The statements are plain SQL that PostgreSQL reads as
SQLite does.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from failearn.store import Store, chunks, marks


@dataclass(frozen=True)
class StoredSeries:
    """A series as the store knows it (its points apart)."""

    id: int
    service: str
    metric: str
    labels: dict[str, str]
    unit: str | None
    first_at: int | None
    last_at: int | None
    points: int


@dataclass(frozen=True)
class Written:
    """What writing one series' points did."""

    series_id: int
    created: bool
    new: int
    changed: int
    unchanged: int


def labels_key(labels: dict[str, str]) -> str:
    """The labels of a series as stored: canonical JSON, keys sorted."""
    return json.dumps(labels, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _series_id(
    store: Store, service: str, metric: str, labels: str, unit: str | None, run_id: int | None
) -> tuple[int, bool]:
    row = store.conn.execute(
        "SELECT id FROM metric_series WHERE service = ? AND metric = ? AND labels = ?",
        (service, metric, labels),
    ).fetchone()
    if row is not None:
        return int(row[0]), False
    series_id = store.insert_id(
        "INSERT INTO metric_series (service, metric, labels, unit, points, created_run_id, "
        "updated_run_id) VALUES (?, ?, ?, ?, 0, ?, ?)",
        (service, metric, labels, unit, run_id, run_id),
    )
    return series_id, True


def write_points(
    store: Store,
    service: str,
    metric: str,
    labels: dict[str, str],
    unit: str | None,
    times: np.ndarray,
    values: np.ndarray,
    run_id: int | None,
) -> Written:
    """Store one series' points (times strictly increasing): insert the new ones, update
    the changed ones, leave the rest."""
    series_id, created = _series_id(store, service, metric, labels_key(labels), unit, run_id)
    first, last = int(times[0]), int(times[-1])
    old_times, old_values = (
        (np.empty(0, np.int64), np.empty(0))
        if created
        else points_between(store, series_id, first, last + 1)
    )
    if len(old_times):
        position = np.searchsorted(old_times, times)
        inside = position < len(old_times)
        known = np.zeros(len(times), dtype=bool)
        known[inside] = old_times[position[inside]] == times[inside]
        differs = np.zeros(len(times), dtype=bool)
        differs[known] = old_values[position[known]] != values[known]
        fresh = ~known
    else:
        known = differs = np.zeros(len(times), dtype=bool)
        fresh = np.ones(len(times), dtype=bool)
    new = int(fresh.sum())
    changed = int(differs.sum())
    if new:
        store.insert_many(
            "metric_points",
            ("series_id", "at", "value"),
            list(
                zip([series_id] * new, times[fresh].tolist(), values[fresh].tolist(), strict=True)
            ),
        )
    if changed:
        store.conn.executemany(
            "UPDATE metric_points SET value = ? WHERE series_id = ? AND at = ?",
            zip(
                values[differs].tolist(),
                [series_id] * changed,
                times[differs].tolist(),
                strict=True,
            ),
        )
    if new or changed or created:
        store.conn.execute(
            "UPDATE metric_series SET first_at = CASE WHEN first_at IS NULL OR first_at > ? "
            "THEN ? ELSE first_at END, last_at = CASE WHEN last_at IS NULL OR last_at < ? "
            "THEN ? ELSE last_at END, points = points + ?, updated_run_id = ? WHERE id = ?",
            (first, first, last, last, new, run_id, series_id),
        )
    return Written(series_id, created, new, changed, len(times) - new - changed)


def points_between(
    store: Store, series_id: int, start: int, end: int
) -> tuple[np.ndarray, np.ndarray]:
    """The points of one series with ``start <= at < end``, in time order."""
    rows = store.conn.execute(
        "SELECT at, value FROM metric_points WHERE series_id = ? AND at >= ? AND at < ? "
        "ORDER BY at",
        (series_id, start, end),
    ).fetchall()
    if not rows:
        return np.empty(0, np.int64), np.empty(0)
    times, values = zip(*rows, strict=True)
    return np.fromiter(times, np.int64, len(rows)), np.fromiter(values, np.float64, len(rows))


def _stored(row: Sequence[Any]) -> StoredSeries:
    return StoredSeries(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        json.loads(row[3]),
        row[4],
        None if row[5] is None else int(row[5]),
        None if row[6] is None else int(row[6]),
        int(row[7]),
    )


_COLUMNS = "id, service, metric, labels, unit, first_at, last_at, points"


def series(store: Store, services: Iterable[str] | None = None) -> list[StoredSeries]:
    """Every stored series (of some services), by service, metric and labels."""
    if services is None:
        rows = store.conn.execute(
            f"SELECT {_COLUMNS} FROM metric_series ORDER BY service, metric, labels"
        ).fetchall()
        return [_stored(r) for r in rows]
    found: list[StoredSeries] = []
    for chunk in chunks(sorted(set(services))):
        rows = store.conn.execute(
            f"SELECT {_COLUMNS} FROM metric_series WHERE service IN ({marks(len(chunk))})", chunk
        ).fetchall()
        found.extend(_stored(r) for r in rows)
    return sorted(found, key=lambda s: (s.service, s.metric, labels_key(s.labels)))


def incident_times(
    store: Store, services: Iterable[str], start: str, end: str
) -> dict[str, list[str]]:
    """The start of every incident of some services in ``[start, end)``, by service."""
    found: dict[str, list[str]] = {}
    for chunk in chunks(sorted(set(services))):
        for service, timestamp in store.conn.execute(
            f"SELECT service, timestamp FROM incidents WHERE service IN "
            f"({marks(len(chunk))}) AND timestamp >= ? AND timestamp < ? "
            "ORDER BY service, timestamp",
            [*chunk, start, end],
        ):
            found.setdefault(str(service), []).append(str(timestamp))
    return found
