"""People and timelines: who responded, and what happened when.

Names are fictitious; failearn pseudonymises the people fields on ingest.
A timeline is a list of (instant, event) derived from the incident's start,
its detection delay and its duration, so the Markdown table, the bullet list
and the ``timeline`` text of a JSON export tell the same story.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from random import Random

from samples.common import Incident, pick, sample

PEOPLE = (
    "Amara Okafor",
    "Lukas Brandt",
    "Mei Tanaka",
    "Diego Alvarez",
    "Priya Raman",
    "Jonas Lindqvist",
    "Chloé Martin",
    "Samuel Boateng",
    "Elena Petrova",
    "Tomás Ruiz",
    "Hannah Schulz",
    "Kwame Mensah",
    "Yuki Sato",
    "Fatima Haddad",
    "Oliver Grant",
    "Ingrid Berg",
    "Rafael Costa",
    "Aisha Bello",
    "Nikolai Ivanov",
    "Grace O'Neill",
)
TEAMS = {
    "checkout": "checkout-team",
    "payments": "payments-team",
    "search": "search-team",
    "inventory": "inventory-team",
    "recommendations": "recs-team",
    "auth": "identity-team",
    "api-gateway": "edge-team",
    "notifications": "messaging-team",
}


def people(rng: Random) -> tuple[list[str], list[str], str]:
    """(authors, responders, incident commander)."""
    crew = sample(rng, PEOPLE, rng.randint(3, 5))
    return crew[: rng.randint(1, 2)], crew[1:], crew[-1]


def owner(rng: Random, incident: Incident) -> str:
    """A team handle as owner of an action item (teams, not people, own follow-ups)."""
    return pick(rng, [TEAMS[incident.service], TEAMS[incident.service], "sre", "platform-team"])


def events(rng: Random, incident: Incident) -> list[tuple[datetime, str]]:
    """The timeline of one incident, from the first error to the all-clear."""
    ctx, story = incident.context, incident.story
    start = incident.start
    detect = start + timedelta(minutes=int(ctx["det"]))
    ack = detect + timedelta(minutes=rng.randint(1, 5))
    duration = timedelta(minutes=int(ctx["minutes"]))
    mitigate = max(start + duration * rng.uniform(0.55, 0.8), ack + timedelta(minutes=3))
    resolved = max(start + duration, mitigate + timedelta(minutes=4))
    first = pick(
        rng,
        [
            f"First errors logged by {incident.service}",
            f"Error rate on {incident.service} starts to rise",
            f"{incident.service} p99 latency leaves its normal band",
        ],
    )
    found = pick(
        rng,
        [
            "Cause identified",
            "Investigation narrows it down",
            "Root cause confirmed",
            "Likely cause found",
        ],
    )
    cause = story.root_cause.split(". ")[0].rstrip(".")
    fix = story.resolution.split(". ")[0].rstrip(".")
    timeline = [
        (start, first),
        (detect, f"Alert fired: {story.alert_title}"),
        (
            ack,
            pick(
                rng,
                [
                    "On-call engineer acknowledged the page",
                    "Page acknowledged; incident channel opened",
                    "Incident declared, commander assigned",
                ],
            ),
        ),
        (ack + (mitigate - ack) / 2, f"{found}: {cause[:1].lower()}{cause[1:]}"),
        (mitigate, f"Mitigation: {fix[:1].lower()}{fix[1:]}"),
        (
            resolved,
            pick(
                rng,
                [
                    "Error rate back to baseline; incident resolved",
                    "Metrics normal for 15 minutes; resolved",
                    "All clear given",
                ],
            ),
        ),
    ]
    return [(when.replace(microsecond=0), text) for when, text in timeline]


def clock(when: datetime) -> str:
    """``14:03`` (UTC)."""
    return when.strftime("%H:%M")


def timeline_text(rng: Random, incident: Incident) -> str:
    """The timeline as one text field, the way incident tools export it."""
    return "\n".join(f"{clock(when)} UTC {text}" for when, text in events(rng, incident))


def ended(incident: Incident, rng: Random) -> datetime:
    """When the incident was closed."""
    minutes = int(incident.context["minutes"]) + rng.randint(15, 40)
    return incident.start + timedelta(minutes=minutes)
