"""Markdown post-mortems as teams write them: YAML front matter, then free-form sections.

Headings vary from file to file the way they do across real templates
(``## Summary`` / ``## Executive summary``, ``## Root Cause(s)``, ``## Causes ``
with a trailing space, ``## 3. Root cause``, ``### **Timeline**`` …); timelines
are tables in some files and bullet lists in others; action items are a table
with owner and status columns or a checklist.  Bodies quote the error in a
fenced block, cite trace ids in inline code (sometimes one the front matter
lacks), and some carry an e-mail address, an IP address, a phone number or a
bearer token, which failearn must mask.  Each file is 25–70 lines long.
"""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path
from random import Random

from samples.common import (
    OFFSETS,
    Incident,
    fake_jwt,
    phone,
    pick,
    private_ip,
    rfc3339_offset,
    rfc3339_z,
    severity,
    trace_id,
)
from samples.timeline import TEAMS, clock, events, owner, people
from samples.yamltext import block_list, flow_list, hex_scalar, mapping, scalar

Section = tuple[str, list[str]]
MIN_LINES, MAX_LINES = 25, 70
_STOP = {
    "a",
    "an",
    "the",
    "in",
    "for",
    "from",
    "by",
    "of",
    "to",
    "after",
    "during",
    "at",
    "on",
    "under",
    "while",
}


def _front_matter(
    rng: Random, incident: Incident, traces: list[str], errors: list[str]
) -> tuple[list[str], list[str]]:
    """The front matter twice: as drawn, and compact (flow-style lists) for long files."""
    quote = rng.random() < 0.5
    flow = rng.random() < 0.45
    when = (
        rfc3339_z(incident.start)
        if rng.random() < 0.6
        else rfc3339_offset(incident.start, pick(rng, OFFSETS))
    )
    authors, responders, commander = people(rng)
    head = [
        "---",
        f"id: {incident.markdown_id}",
        f"title: {scalar(incident.story.title)}",
        f"timestamp: {scalar(when) if rng.random() < 0.5 else when}",
        f"service: {incident.service}",
        f"failure_class: {scalar(incident.label)}",
        f"severity: {scalar(severity(rng, incident.level))}",
    ]
    trace_items = [hex_scalar(t, quote) for t in traces]
    head += block_list("error_messages", [scalar(e, quote=True) for e in errors])
    tail = [f"incident_commander: {scalar(commander)}", "status: resolved"]
    if rng.random() < 0.3:
        tail.append(f"summary: {scalar(incident.story.summary.split('. ')[0].rstrip('.'))}")

    def render(compact: bool) -> list[str]:
        listing = flow_list if compact else block_list
        lines = head + listing("trace_ids", trace_items)
        lines += listing("dependencies", [scalar(d) for d in incident.dependencies])
        if incident.first_metrics is not None:
            lines += mapping("metrics", incident.first_metrics, compact)
        if incident.shape is not None:
            lines += listing("trace_shape", [scalar(s) for s in incident.shape])
        lines += listing("authors", [scalar(a) for a in authors])
        lines += listing("responders", [scalar(r) for r in responders])
        return [*lines, *tail, "---"]

    return render(flow), render(True)


def _timeline(rng: Random, incident: Incident) -> list[str]:
    rows = events(rng, incident)
    if rng.random() < 0.5:
        table = ["| Time (UTC) | Event |", "|---|---|"]
        return table + [f"| {clock(when)} | {text} |" for when, text in rows]
    return [f"- **{clock(when)}** {text}" for when, text in rows]


def _actions(rng: Random, incident: Incident) -> list[str]:
    items = incident.story.actions
    if rng.random() < 0.55:
        statuses = ["Done", "In progress", "Open", "Open", "Planned"]
        table = ["| Action | Owner | Status |", "|--------|-------|--------|"]
        return table + [
            f"| {item} | {owner(rng, incident)} | {pick(rng, statuses)} |" for item in items
        ]
    return [f"- [{pick(rng, [' ', ' ', 'x'])}] {item} ({owner(rng, incident)})" for item in items]


def _pii(rng: Random, incident: Incident, kind: int) -> str:
    team = TEAMS[incident.service]
    return [
        f"Questions about this report go to {team}@example.com.",
        f"The first failing pod ran on {private_ip(rng)}; its neighbours were unaffected.",
        f"The vendor's support desk was reached at {phone(rng)} during the incident.",
        "We reproduced the failing call with "
        f"`curl -H 'Authorization: Bearer {fake_jwt(rng)}' https://{incident.service}.internal/`.",
    ][kind % 4]


def _sections(
    rng: Random, incident: Incident, traces: list[str], index: int, numbered: bool
) -> list[Section]:
    story = incident.story
    quote_errors = incident.messages(rng)
    summary = [story.summary]
    if rng.random() < 0.6:
        summary.append("")
        summary.append(
            f"A representative trace is `{traces[0]}`."
            if rng.random() < 0.5
            else f"See trace `{traces[-1]}` for a request that failed this way."
        )
    if rng.random() < 0.3:
        summary.append(f"Another one, not linked to the alert: `{trace_id(rng)}`.")
    cause = [
        story.root_cause,
        "",
        pick(rng, ["The logs showed:", "Typical log line:", "From the service logs:"]),
        "",
        "```",
        *quote_errors[0].splitlines(),
        "```",
    ]
    resolution = [story.resolution]
    if index % 3 == 0 or rng.random() < 0.35:
        resolution += ["", _pii(rng, incident, index // 3 + rng.randrange(2))]
    sections: list[Section] = [
        (["Summary", "Executive summary", "Summary", "Overview"][index % 4], summary),
        (pick(rng, ["Impact", "Impact", "Customer impact"]), [story.impact]),
        (
            "Root cause"
            if numbered
            else ["Root Cause", "Root Causes", "Root Cause(s)", "Causes ", "Root cause"][index % 5],
            cause,
        ),
        (
            "Timeline"
            if numbered
            else ["Timeline", "**Timeline**", "Timeline (all times UTC)"][index % 3],
            _timeline(rng, incident),
        ),
        ("Detection", [story.detection]),
        (
            ["Resolution", "Mitigation", "Resolution", "Resolution and recovery"][index % 4],
            resolution,
        ),
        ("Workaround", [story.workaround]),
        (
            pick(rng, ["Action Items", "Action Items", "Follow-ups", "Corrective actions"]),
            _actions(rng, incident),
        ),
        (pick(rng, ["Lessons Learned", "Lessons learnt"]), [f"- {x}" for x in story.lessons]),
        ("Five Whys", [f"{n}. {why}" for n, why in enumerate(story.whys, start=1)]),
        (
            ["Customer communication", "Open questions", "Related reading"][index % 3],
            [_extra(rng, incident)],
        ),
    ]
    return sections


def _extra(rng: Random, incident: Incident) -> str:
    return pick(
        rng,
        [
            f"Status page updated twice; support replied to tickets with a template from "
            f"{TEAMS[incident.service]}@example.com.",
            "Whether the dashboards should page, or only the SLO alerts, is still being discussed.",
            f"The discussion continues in the #{incident.service}-incidents channel.",
            f"Affected merchants were called back at {phone(rng)} by the account team.",
        ],
    )


def _render(
    front: list[str], title: str, sections: list[Section], keep: list[bool], numbered: bool
) -> str:
    """The file; numbered templates number the sections they keep (``## 3. Root cause``)."""
    lines = [*front, "", f"# {title}", ""]
    number = 0
    for (heading, body), wanted in zip(sections, keep, strict=True):
        if not wanted:
            continue
        number += 1
        level = "###" if heading.startswith("**") else "##"
        shown = f"{number}. {heading}" if numbered else heading
        lines += [f"{level} {shown}", "", *body, ""]
    return "\n".join(lines).rstrip("\n") + "\n"


_OPTIONAL = (1, 3, 4, 6, 8, 9, 10)  # impact, timeline, detection, workaround, lessons, whys, …
_IMPACT, _TIMELINE, _EXTRA = 1, 3, 10


def postmortem(rng: Random, incident: Incident, index: int) -> str:
    """The Markdown text of ``incident``'s post-mortem."""
    traces = [trace_id(rng) for _ in range(rng.randint(1, 3))]
    if incident.shared_trace is not None:
        traces[0] = incident.shared_trace
    errors = incident.messages(rng)
    front, compact = _front_matter(rng, incident, traces, errors)
    numbered = rng.random() < 0.2
    sections = _sections(rng, incident, traces, index, numbered)
    keep = [True] * len(sections)
    for position in _OPTIONAL:
        keep[position] = rng.random() < (0.85 if position in (_TIMELINE, _EXTRA) else 0.6)
    order = list(_OPTIONAL)
    rng.shuffle(order)
    for position in (_EXTRA, _TIMELINE):  # short extras and timelines are dropped last
        if rng.random() < 0.7:
            order.remove(position)
            order.append(position)
    if numbered:  # numbered templates always have "2. Impact", "3. Root cause"
        keep[_IMPACT] = True
        order.remove(_IMPACT)
    target = rng.randint(MAX_LINES - 22, MAX_LINES)
    title = incident.story.title

    def lines() -> int:
        return _render(front, title, sections, keep, numbered).count("\n")

    if lines() > target and rng.random() < 0.6:
        front = compact
    for position in order:  # too long: drop optional sections
        if lines() <= target:
            break
        keep[position] = False
    if lines() > target:
        front = compact
    for position in order:  # too short: add them back
        if lines() >= MIN_LINES:
            break
        keep[position] = True
    return _render(front, title, sections, keep, numbered)


def path_for(incident: Incident, taken: set[str]) -> str:
    """``postmortems/YYYY/MM/YYYY-MM-DD-<service>-<slug>.md``, unique."""
    day = incident.start.astimezone(UTC)
    words = re.sub(r"[^a-z0-9]+", " ", incident.story.title.casefold()).split()
    words = [w for w in words if w not in incident.service.split("-") and w not in _STOP][:5]
    slug = "-".join(words) or "incident"
    base = f"postmortems/{day:%Y}/{day:%m}/{day:%Y-%m-%d}-{incident.service}-{slug}"
    candidate, n = f"{base}.md", 2
    while candidate in taken:
        candidate, n = f"{base}-{n}.md", n + 1
    taken.add(candidate)
    return candidate


def write_postmortem(root: Path, relative: str, text: str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path
