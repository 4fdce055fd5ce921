"""When each incident happens and how it is reported.

Per ISO week: 8–10 pool exhaustions (both services), 7–9 inventory timeouts
(7 in the drift week), 3–4 recommender OOMs (all weeks but one), 3–4 auth
configuration errors (every other week) and 15–18 one-off noise incidents.

Reports: about 15 % of the incidents fire 2–4 alerts from replicas within five
minutes (two of those pairs straddle a 5-minute clock boundary, 12:04:59 and
12:05:01); about four incidents a week get a Markdown post-mortem, and some of
those also fired a JSON alert within three minutes of the post-mortem's start.
Unrelated incidents of one service and class are always at least 40 minutes
apart, so that only the planted duplicates fall inside the dedup window.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from random import Random

from samples.common import (
    DRIFT_WEEK,
    SPAN_END,
    SPAN_START,
    Incident,
    hexs,
    pick,
    weeks,
    weighted,
)
from samples.patterns import (
    NOISE_CLASSES,
    noise_incident,
    noise_service,
    pattern_incident,
)

GAP = timedelta(minutes=40)
EARLIEST = SPAN_START + timedelta(hours=3)
LATEST = SPAN_END - timedelta(hours=5)
OOM_GAP_WEEK = 6  # 2026-W42: no recommender OOM that week
DRIFT_MAX_RECORDS = 9
BOUNDARY_WEEKS = {"2026-W40": "pool-exhaustion", "2026-W45": None}


class Calendar:
    """Start times already taken per (service, class), to keep unrelated incidents apart."""

    def __init__(self) -> None:
        self.taken: dict[tuple[str, str], list[datetime]] = defaultdict(list)

    def free(self, service: str, class_id: str, when: datetime) -> bool:
        return all(abs(when - other) >= GAP for other in self.taken[(service, class_id)])

    def take(self, service: str, class_id: str, when: datetime) -> None:
        self.taken[(service, class_id)].append(when)


def _draw_time(rng: Random, monday: datetime, busy_hours: bool) -> datetime:
    while True:
        day = rng.randrange(7)
        hour = (
            weighted(rng, [(h, 3 if 9 <= h <= 21 else 1) for h in range(24)])
            if busy_hours
            else rng.randrange(24)
        )
        when = monday + timedelta(
            days=day, hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)
        )
        if EARLIEST <= when <= LATEST:
            return when


def _place(
    rng: Random, cal: Calendar, monday: datetime, service: str, class_id: str, busy_hours: bool
) -> datetime:
    while True:
        when = _draw_time(rng, monday, busy_hours)
        if cal.free(service, class_id, when):
            cal.take(service, class_id, when)
            return when


def _week_incidents(
    rng: Random, cal: Calendar, index: int, week: str, monday: datetime, auth_version: list[int]
) -> list[Incident]:
    found: list[Incident] = []
    class_of = {
        "pool-exhaustion": "connection-pool-exhaustion",
        "recommender-oom": "memory-exhaustion",
        "auth-config": "configuration-error",
    }
    jobs: list[tuple[str, str]] = []
    pool = rng.randint(8, 10)
    jobs += [("pool-exhaustion", "checkout" if i % 2 == 0 else "payments") for i in range(pool)]
    jobs += [("inventory-timeouts", "search")] * (7 if week == DRIFT_WEEK else rng.randint(7, 9))
    if index != OOM_GAP_WEEK:
        jobs += [("recommender-oom", "recommendations")] * rng.randint(3, 4)
    if index % 2 == 0:
        jobs += [("auth-config", "auth")] * rng.randint(3, 4)
    for name, service in jobs:
        drifted = name == "inventory-timeouts" and week == DRIFT_WEEK
        class_id = (
            ("resource-exhaustion" if drifted else "timeout")
            if name == "inventory-timeouts"
            else class_of[name]
        )
        start = _place(rng, cal, monday, service, class_id, name == "pool-exhaustion")
        auth_version[0] += 1 if name == "auth-config" else 0
        found.append(pattern_incident(rng, name, week, start, service, auth_version[0]))
    for _ in range(rng.randint(15, 18)):
        class_id = weighted(rng, NOISE_CLASSES)
        service = noise_service(rng, class_id)
        start = _place(rng, cal, monday, service, class_id, False)
        found.append(noise_incident(rng, class_id, week, start, service))
    return found


def _choose_markdown(rng: Random, week_incidents: list[Incident], noise_md: bool) -> None:
    by_pattern: dict[str | None, list[Incident]] = defaultdict(list)
    for incident in week_incidents:
        by_pattern[incident.pattern].append(incident)
    chosen = [pick(rng, by_pattern["pool-exhaustion"]), pick(rng, by_pattern["inventory-timeouts"])]
    others = by_pattern["recommender-oom"] + by_pattern["auth-config"]
    chosen.append(pick(rng, others or by_pattern["inventory-timeouts"][1:]))
    if rng.random() < 0.35:
        spare = [i for i in by_pattern["pool-exhaustion"] if i not in chosen]
        chosen.append(pick(rng, spare))
    if noise_md:
        chosen.append(pick(rng, by_pattern[None]))
    for incident in chosen:
        incident.markdown = True
        incident.level = min(incident.level, 2)
        incident.alert_too = rng.random() < 0.4


def _set_reports(rng: Random, incident: Incident) -> None:
    if incident.markdown:
        if incident.alert_too:
            incident.replica_offsets = [rng.randint(20, 170)]
        return
    if rng.random() < 0.16:
        count = weighted(rng, [(2, 5), (3, 3), (4, 2)])
        incident.replica_offsets = [0, *sorted(rng.sample(range(1, 281), count - 1))]
    else:
        incident.replica_offsets = [0]
    roll = rng.random()
    if len(incident.replica_offsets) > 1 or incident.start.month == 8 or roll < 0.68:
        incident.channel = "alerts"
    elif roll < 0.92:
        incident.channel = "incidents"
    else:
        incident.channel = "pager"


def _boundary_pair(incidents: list[Incident]) -> None:
    """Make one incident per listed week fire two alerts at hh:m4:59 and hh:m5:01."""
    for week, pattern in BOUNDARY_WEEKS.items():
        target = next(
            i
            for i in incidents
            if i.week == week and i.pattern == pattern and not i.markdown and i.start.hour < 22
        )
        start = target.start
        target.start = start.replace(minute=(start.minute // 10) * 10 + 4, second=59)
        target.replica_offsets = [0, 2]
        target.channel = "alerts"
        target.exact_times = True


def _reports(incident: Incident) -> int:
    return int(incident.markdown) + len(incident.replica_offsets)


def _cap_drift(incidents: list[Incident]) -> None:
    """Keep the drift week at 6–9 relabelled inventory-timeout records (replicas trimmed)."""
    drifted = [i for i in incidents if i.week == DRIFT_WEEK and i.pattern == "inventory-timeouts"]
    for incident in drifted:
        if sum(_reports(i) for i in drifted) <= DRIFT_MAX_RECORDS:
            break
        if len(incident.replica_offsets) > 1:
            incident.replica_offsets = [0]


def plan(rng: Random) -> list[Incident]:
    """Every incident of the corpus, in time order, with its reports decided."""
    cal = Calendar()
    incidents: list[Incident] = []
    auth_version = [312]
    noise_md_weeks = set(rng.sample(range(12), 8))
    for index, (week, monday) in enumerate(weeks()):
        found = _week_incidents(rng, cal, index, week, monday, auth_version)
        _choose_markdown(rng, found, index in noise_md_weeks)
        incidents.extend(found)
    incidents.sort(key=lambda i: (i.start, i.service, i.class_id))
    for incident in incidents:
        _set_reports(rng, incident)
    _boundary_pair(incidents)
    _cap_drift(incidents)
    single = next(
        i
        for i in incidents
        if i.week == "2026-W42"
        and i.pattern is None
        and not i.markdown
        and len(i.replica_offsets) == 1
    )
    single.channel = "single"
    _assign_ids(rng, incidents)
    return incidents


def _assign_ids(rng: Random, incidents: list[Incident]) -> None:
    used: set[str] = set()
    incident_no, postmortem_no = 4100, 0
    for incident in incidents:
        while True:
            key = f"{incident.service}-{hexs(rng, 4)}"
            if key not in used:
                used.add(key)
                break
        incident.key = key
        if incident.markdown:
            postmortem_no += 1
            incident.markdown_id = f"PM-2026-{postmortem_no:03d}"
        count = len(incident.replica_offsets)
        if incident.channel == "alerts" or incident.markdown:
            incident.record_ids = [f"{key}-{n}" for n in range(1, count + 1)]
        elif incident.channel in ("incidents", "single"):
            incident_no += rng.randint(1, 4)
            incident.record_ids = [f"INC-{incident_no}"]
        else:
            incident.record_ids = [f"PD{hexs(rng, 6).upper()}"]
