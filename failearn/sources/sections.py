"""Which post-mortem section a heading names.

Real post-mortems spell their headings every way: "Root Cause", "Root Causes",
"Root Cause(s)", "Causes " (with a trailing space), "### **Timeline**",
"3. Root cause", "Apendix".  A heading is reduced to a key (emphasis,
numbering, punctuation and the plural "(s)" dropped), looked up in a small
vocabulary drawn from the well-known templates (Google SRE book, Atlassian,
PagerDuty, Azure RCA, Elastic, …), matched by prefix ("Timeline (all times
PDT)"), and finally by similarity, to forgive typos.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

# Section name -> headings that mean it.  The names that are canonical text
# fields (summary, root_cause, resolution, workarounds, action_items,
# timeline) fill those fields; the others are kept under their name.
VOCABULARY: dict[str, tuple[str, ...]] = {
    "summary": (
        "summary", "executive summary", "incident summary", "issue summary", "overview",
        "description", "what happened", "tl dr", "tldr", "abstract", "synopsis",
        "summary of impact", "background", "incident description", "problem description",
        "problem statement", "context", "outage description", "incident overview",
    ),
    "impact": (
        "impact", "customer impact", "user impact", "business impact", "impact assessment",
        "scope of impact", "effect", "blast radius", "affected users", "end user impact",
        "infrastructure impact", "productivity impact", "summary of customer impact",
    ),
    "root_cause": (
        "root cause", "root causes", "causes", "cause", "root cause analysis", "rca",
        "contributing factors", "contributing factor", "why did it happen", "five whys",
        "5 whys", "the five whys", "analysis", "technical analysis", "trigger",
        "what went wrong and why", "what caused the incident", "contributing conditions",
        "contributing conditions analysis", "process breakdown", "root cause and mitigation",
    ),
    "detection": ("detection", "how was it detected", "detected", "monitoring", "alerting",
                  "identified", "how it was identified", "detected by"),
    "resolution": (
        "resolution", "mitigation", "remediation", "recovery", "fix", "the fix",
        "resolution and recovery", "how was it resolved", "repair", "mitigation and resolution",
        "mitigation steps", "resolution steps", "recovery steps", "response",
    ),
    "workarounds": ("workaround", "workarounds", "temporary fix", "known workaround"),
    "action_items": (
        "action items", "actions", "follow up", "follow ups", "followup", "follow up actions",
        "corrective actions", "corrective and preventative measures",
        "corrective and preventive measures", "preventive actions", "preventative actions",
        "next steps", "review actions", "remediation items", "repair items", "todo",
        "action plan", "prevention", "preventing recurrence", "how will we prevent this",
        "recommendations", "future actions", "actions following review",
    ),
    "timeline": (
        "timeline", "time line", "sequence of events", "chronology", "key events",
        "incident timeline", "timeline of events", "event timeline", "detailed timeline",
        "chain of events",
    ),
    "lessons_learned": (
        "lessons learned", "lessons learnt", "learnings", "what went well", "what went wrong",
        "where we got lucky", "things that went well", "things that went wrong", "takeaways",
        "what could have gone better", "what went poorly",
    ),
    "supporting_information": ("supporting information", "references", "links", "resources"),
    "appendix": ("appendix", "appendices", "attachments", "logs", "slack log", "chat log"),
    "error_messages": ("error messages", "errors", "error message", "symptoms", "stack trace"),
}
CANONICAL_TEXT = ("summary", "root_cause", "resolution", "workarounds", "action_items",
                  "timeline")

_EMPHASIS = re.compile(r"[*_~`]+")
_NUMBERING = re.compile(r"^\s*(?:(?:\d+[.)]?)+|[ivxlc]+[.)]|[a-h][.)])\s+", re.IGNORECASE)
_PLURAL = re.compile(r"\(s\)")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_SIMILARITY = 0.84

_LOOKUP: dict[str, str] = {phrase: name for name, phrases in VOCABULARY.items()
                           for phrase in phrases}
_BY_LENGTH = sorted(_LOOKUP, key=len, reverse=True)


def heading_key(heading: str) -> str:
    """A heading reduced to lower-case words: no emphasis, numbering, punctuation."""
    text = _EMPHASIS.sub("", heading)
    text = _NUMBERING.sub("", text)
    text = _PLURAL.sub("", text)
    text = _NON_WORD.sub(" ", text.casefold())
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=4096)
def classify_heading(heading: str) -> str | None:
    """The section a heading names, or None when it is a section no template has."""
    key = heading_key(heading)
    if not key:
        return None
    if key in _LOOKUP:
        return _LOOKUP[key]
    for phrase in _BY_LENGTH:
        if key.startswith(phrase + " ") and len(phrase) >= 4:
            return _LOOKUP[phrase]
    best: tuple[float, str | None] = (0.0, None)
    for phrase in _BY_LENGTH:
        if abs(len(phrase) - len(key)) > 3:
            continue
        ratio = SequenceMatcher(None, key, phrase).ratio()
        if ratio > best[0]:
            best = (ratio, _LOOKUP[phrase])
    return best[1] if best[0] >= _SIMILARITY else None
