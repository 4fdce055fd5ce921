"""SQL that only the weekly report needs: incident counts per ISO week."""

from __future__ import annotations

from datetime import date, timedelta

from failearn.store import Store


def weekly_counts(
    store: Store, start: str, end: str
) -> list[tuple[str, str, str, str | None, int]]:
    """(Monday of the ISO week, failure class, service, severity, incidents) for incidents
    starting in [start, end).

    The database counts per day (in SQL both backends share); the days are folded
    into weeks here.
    """
    rows = store.conn.execute(
        "SELECT substr(timestamp, 1, 10) AS day, failure_class, service, severity, COUNT(*) "
        "FROM incidents WHERE timestamp >= ? AND timestamp < ? "
        "GROUP BY day, failure_class, service, severity",
        (start, end),
    )
    weeks: dict[tuple[str, str, str, str | None], int] = {}
    for day, failure_class, service, severity, count in rows:
        when = date.fromisoformat(str(day))
        monday = (when - timedelta(days=when.weekday())).isoformat()
        key = (monday, str(failure_class), str(service), severity)
        weeks[key] = weeks.get(key, 0) + int(count)
    return [
        (*key, count)
        for key, count in sorted(weeks.items(), key=lambda item: (*item[0][:3], item[0][3] or ""))
    ]
