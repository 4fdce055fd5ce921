"""SQL that only the weekly report needs: incident counts per ISO week."""

from __future__ import annotations

from failearn.store import Store


def weekly_counts(store: Store, start: str, end: str
                  ) -> list[tuple[str, str, str, str | None, int]]:
    """(Monday of the ISO week, failure class, service, severity, incidents) for incidents
    starting in [start, end)."""
    rows = store.conn.execute(
        "SELECT date(timestamp, '-6 days', 'weekday 1') AS week, failure_class, service, "
        "severity, COUNT(*) FROM incidents WHERE timestamp >= ? AND timestamp < ? "
        "GROUP BY week, failure_class, service, severity ORDER BY 1, 2, 3, 4",
        (start, end))
    return [(str(r[0]), str(r[1]), str(r[2]), r[3], int(r[4])) for r in rows]
