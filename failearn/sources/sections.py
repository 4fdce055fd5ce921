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
        "summary",
        "executive summary",
        "incident summary",
        "issue summary",
        "overview",
        "description",
        "what happened",
        "tl dr",
        "tldr",
        "abstract",
        "synopsis",
        "summary of impact",
        "background",
        "incident description",
        "problem description",
        "problem statement",
        "context",
        "outage description",
        "incident overview",
    ),
    "impact": (
        "impact",
        "customer impact",
        "user impact",
        "business impact",
        "impact assessment",
        "scope of impact",
        "effect",
        "blast radius",
        "affected users",
        "end user impact",
        "infrastructure impact",
        "productivity impact",
        "summary of customer impact",
    ),
    "root_cause": (
        "root cause",
        "root causes",
        "causes",
        "cause",
        "root cause analysis",
        "rca",
        "contributing factors",
        "contributing factor",
        "why did it happen",
        "five whys",
        "5 whys",
        "the five whys",
        "analysis",
        "technical analysis",
        "trigger",
        "what went wrong and why",
        "what caused the incident",
        "contributing conditions",
        "contributing conditions analysis",
        "process breakdown",
        "root cause and mitigation",
    ),
    "detection": (
        "detection",
        "how was it detected",
        "detected",
        "monitoring",
        "alerting",
        "identified",
        "how it was identified",
        "detected by",
    ),
    "resolution": (
        "resolution",
        "mitigation",
        "remediation",
        "recovery",
        "fix",
        "the fix",
        "resolution and recovery",
        "how was it resolved",
        "repair",
        "mitigation and resolution",
        "mitigation steps",
        "resolution steps",
        "recovery steps",
        "response",
    ),
    "workarounds": ("workaround", "workarounds", "temporary fix", "known workaround"),
    "action_items": (
        "action items",
        "actions",
        "follow up",
        "follow ups",
        "followup",
        "follow up actions",
        "corrective actions",
        "corrective and preventative measures",
        "corrective and preventive measures",
        "preventive actions",
        "preventative actions",
        "next steps",
        "review actions",
        "remediation items",
        "repair items",
        "todo",
        "action plan",
        "prevention",
        "preventing recurrence",
        "how will we prevent this",
        "recommendations",
        "future actions",
        "actions following review",
    ),
    "timeline": (
        "timeline",
        "time line",
        "sequence of events",
        "chronology",
        "key events",
        "incident timeline",
        "timeline of events",
        "event timeline",
        "detailed timeline",
        "chain of events",
    ),
    "lessons_learned": (
        "lessons learned",
        "lessons learnt",
        "learnings",
        "what went well",
        "what went wrong",
        "where we got lucky",
        "things that went well",
        "things that went wrong",
        "takeaways",
        "what could have gone better",
        "what went poorly",
    ),
    "supporting_information": ("supporting information", "references", "links", "resources"),
    "appendix": ("appendix", "appendices", "attachments", "logs", "slack log", "chat log"),
    "error_messages": ("error messages", "errors", "error message", "symptoms", "stack trace"),
}
CANONICAL_TEXT = ("summary", "root_cause", "resolution", "workarounds", "action_items", "timeline")

_EMPHASIS = re.compile(r"[*_~`]+")
# "3.", "3)", "1.2.3", "iv.", "b)": written so that no digit can be matched two ways (a
# heading of thirty digits took hours to reduce with ``(?:\d+[.)]?)+``).
_NUMBERING = re.compile(r"^\s*(?:\d+(?:[.)]\d+)*[.)]?|[ivxlc]+[.)]|[a-h][.)])\s+", re.IGNORECASE)
_PLURAL = re.compile(r"\(s\)")
_NON_WORD = re.compile(r"[^\w\s]+")
_SPACES = re.compile(r"\s+")
_SIMILARITY = 0.84

_LOOKUP: dict[str, str] = {
    phrase: name for name, phrases in VOCABULARY.items() for phrase in phrases
}
_BY_LENGTH = sorted(_LOOKUP, key=len, reverse=True)
_LENGTH_SLACK = 3
_LONGEST = max(map(len, _LOOKUP)) + _LENGTH_SLACK
_CHARS: dict[str, int] = {}


def _bag(text: str) -> int:
    """The multiset of ``text``'s characters as bits (bit ``64 * c + k``: the ``k+1``-th
    ``c``), so that the size of two bags' intersection is one AND and a bit count."""
    bits = 0
    seen: dict[str, int] = {}
    for char in text:
        count = seen.get(char, 0)
        seen[char] = count + 1
        index = _CHARS.setdefault(char, len(_CHARS))
        bits |= 1 << (64 * index + count)
    return bits


# By length, one matcher per phrase, the phrase analysed once (the costly half of a
# comparison), and its bag: a post-mortem of 200,000 headings compares each against the
# vocabulary.
_MATCHERS: dict[int, list[tuple[str, int, SequenceMatcher[str]]]] = {}
for _phrase in _BY_LENGTH:
    _MATCHERS.setdefault(len(_phrase), []).append(
        (_phrase, _bag(_phrase), SequenceMatcher(None, "", _phrase, autojunk=False))
    )


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
    # The longest phrase that the key starts with, as a word ("timeline (all times PDT)").
    end = key.rfind(" ")
    while end >= 4:
        if key[:end] in _LOOKUP:
            return _LOOKUP[key[:end]]
        end = key.rfind(" ", 0, end)
    return _similar(key)


def _similar(key: str) -> str | None:
    """The section of the vocabulary phrase most like ``key``, if alike enough (a typo).

    The cheap upper bounds of the similarity are tried first: most phrases cannot
    reach the threshold, or beat the best so far, and are passed over."""
    if len(key) > _LONGEST:
        return None
    bag = _bag(key)
    size = len(key)
    best: tuple[float, str | None] = (0.0, None)
    bar = _SIMILARITY - 1e-9
    for length in range(size + _LENGTH_SLACK, size - _LENGTH_SLACK - 1, -1):
        for phrase, phrase_bag, matcher in _MATCHERS.get(length, ()):
            # The ratio counts matching characters: at most what the bags share.
            if 2 * (bag & phrase_bag).bit_count() / (size + length) <= bar:
                continue
            matcher.set_seq1(key)
            ratio = matcher.ratio()
            if ratio > best[0]:
                best = (ratio, _LOOKUP[phrase])
                bar = max(bar, ratio)
    return best[1] if best[0] >= _SIMILARITY else None
