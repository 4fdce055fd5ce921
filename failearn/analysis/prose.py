"""The words of an incident's prose: sections weighted, boilerplate out, phrases kept.

A post-mortem says what failed in its title, summary, root cause (or trigger)
and resolution; its timeline and chat logs say it too, drowned in who did what
at which minute.  :func:`prose_terms` turns the prose of one incident into
weighted terms for TF-IDF:

* each part counts with the weight of its section (:data:`SECTION_WEIGHTS`, an
  assumption set by ``[cluster] section_weights``): the title three times, the
  summary, root cause and resolution twice, impact, detection, lessons and
  action items once, the timeline half, appendices and chat logs a quarter;
* the text is masked first (ids, numbers, dates, hosts, paths: see
  :mod:`failearn.analysis.messages`), then split into words; stop words, the
  vocabulary of post-mortem templates ("incident", "root cause", "timeline",
  "we", weekdays, months, time zones) and placeholders are dropped;
* words are reduced by a light stemmer (plurals, ``-ed``, ``-ing``, a final
  ``e``: "certificates expired" and "certificate expiring" meet);
* two content words next to each other also count as a pair ("connection pool",
  "certificate expir"): a phrase is kept as a phrase.

What is left that every incident says (a team's own boilerplate) is dropped
later, by document frequency (:mod:`failearn.analysis.features`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from failearn.analysis.messages import mask

# How much each section of a post-mortem says about what failed (an assumption).
SECTION_WEIGHTS: Mapping[str, float] = {
    "title": 3.0,
    "summary": 2.0,
    "root_cause": 2.0,
    "resolution": 2.0,
    "impact": 1.0,
    "detection": 1.0,
    "workarounds": 1.0,
    "action_items": 1.0,
    "lessons_learned": 1.0,
    "error_messages": 1.0,
    "preamble": 1.0,
    "other": 1.0,
    "timeline": 0.5,
    "supporting_information": 0.25,
    "appendix": 0.25,
}

_TOKEN = re.compile(r"<\w+>|[a-z][a-z0-9_]*(?:[.'-][a-z0-9_]+)*")
_SENTENCE = re.compile(r"[.!?;:\n\r\t|()\[\]{}\"]+|,\s|\s-\s|\s—\s")

ENGLISH = frozenset(
    [
        "a",
        "about",
        "above",
        "across",
        "after",
        "afterwards",
        "again",
        "against",
        "all",
        "almost",
        "alone",
        "along",
        "already",
        "also",
        "although",
        "always",
        "am",
        "among",
        "amongst",
        "an",
        "and",
        "another",
        "any",
        "anyhow",
        "anyone",
        "anything",
        "anyway",
        "anywhere",
        "are",
        "around",
        "as",
        "at",
        "back",
        "be",
        "became",
        "because",
        "become",
        "becomes",
        "becoming",
        "been",
        "before",
        "beforehand",
        "behind",
        "being",
        "below",
        "beside",
        "besides",
        "between",
        "beyond",
        "both",
        "but",
        "by",
        "can",
        "cannot",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "done",
        "down",
        "due",
        "during",
        "each",
        "eg",
        "either",
        "else",
        "elsewhere",
        "enough",
        "etc",
        "even",
        "ever",
        "every",
        "everyone",
        "everything",
        "everywhere",
        "except",
        "few",
        "for",
        "former",
        "formerly",
        "from",
        "further",
        "get",
        "gets",
        "got",
        "had",
        "has",
        "have",
        "having",
        "he",
        "hence",
        "her",
        "here",
        "hereafter",
        "hereby",
        "herein",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "however",
        "i",
        "ie",
        "if",
        "in",
        "indeed",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "last",
        "latter",
        "least",
        "less",
        "let",
        "like",
        "made",
        "make",
        "many",
        "may",
        "me",
        "meanwhile",
        "might",
        "mine",
        "more",
        "moreover",
        "most",
        "mostly",
        "much",
        "must",
        "my",
        "myself",
        "namely",
        "neither",
        "never",
        "nevertheless",
        "next",
        "no",
        "nobody",
        "none",
        "noone",
        "nor",
        "not",
        "nothing",
        "now",
        "nowhere",
        "of",
        "off",
        "often",
        "on",
        "once",
        "one",
        "only",
        "onto",
        "or",
        "other",
        "others",
        "otherwise",
        "our",
        "ours",
        "ourselves",
        "out",
        "over",
        "own",
        "per",
        "perhaps",
        "please",
        "quite",
        "rather",
        "re",
        "really",
        "same",
        "see",
        "seem",
        "seemed",
        "seeming",
        "seems",
        "several",
        "she",
        "should",
        "since",
        "so",
        "some",
        "somehow",
        "someone",
        "something",
        "sometime",
        "sometimes",
        "somewhere",
        "still",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "thence",
        "there",
        "thereafter",
        "thereby",
        "therefore",
        "therein",
        "thereupon",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "throughout",
        "thru",
        "thus",
        "to",
        "together",
        "too",
        "toward",
        "towards",
        "under",
        "until",
        "up",
        "upon",
        "us",
        "very",
        "via",
        "was",
        "way",
        "we",
        "well",
        "were",
        "what",
        "whatever",
        "when",
        "whence",
        "whenever",
        "where",
        "whereafter",
        "whereas",
        "whereby",
        "wherein",
        "whereupon",
        "wherever",
        "whether",
        "which",
        "while",
        "who",
        "whoever",
        "whole",
        "whom",
        "whose",
        "why",
        "will",
        "with",
        "within",
        "without",
        "would",
        "yet",
        "you",
        "your",
        "yours",
        "yourself",
        "yourselves",
        "i'm",
        "we're",
        "we've",
        "we'd",
        "we'll",
        "it's",
        "that's",
        "there's",
        "don't",
        "didn't",
        "doesn't",
        "isn't",
        "wasn't",
        "weren't",
        "won't",
        "can't",
        "couldn't",
        "wouldn't",
        "shouldn't",
        "haven't",
        "hasn't",
        "hadn't",
        "aren't",
    ]
)

# Words every post-mortem template, timeline and status page uses, whatever failed.
BOILERPLATE = frozenset(
    [
        "incident",
        "incidents",
        "postmortem",
        "post-mortem",
        "postmortems",
        "post",
        "mortem",
        "report",
        "reports",
        "outage",
        "summary",
        "impact",
        "timeline",
        "root",
        "cause",
        "causes",
        "resolution",
        "resolved",
        "resolve",
        "action",
        "actions",
        "item",
        "items",
        "lesson",
        "lessons",
        "learned",
        "learnt",
        "follow",
        "follow-up",
        "followup",
        "owner",
        "owners",
        "status",
        "detail",
        "details",
        "detection",
        "detected",
        "trigger",
        "triggered",
        "analysis",
        "description",
        "background",
        "date",
        "dates",
        "time",
        "times",
        "timezone",
        "utc",
        "gmt",
        "pst",
        "pdt",
        "est",
        "edt",
        "cet",
        "cest",
        "bst",
        "am",
        "pm",
        "min",
        "mins",
        "minute",
        "minutes",
        "hour",
        "hours",
        "day",
        "days",
        "week",
        "weeks",
        "month",
        "months",
        "year",
        "years",
        "today",
        "yesterday",
        "tomorrow",
        "morning",
        "afternoon",
        "evening",
        "night",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "team",
        "teams",
        "engineer",
        "engineers",
        "people",
        "person",
        "user",
        "users",
        "customer",
        "customers",
        "issue",
        "issues",
        "problem",
        "problems",
        "happen",
        "happened",
        "happening",
        "started",
        "start",
        "starts",
        "began",
        "begin",
        "noticed",
        "notice",
        "approximately",
        "around",
        "also",
        "approx",
        "later",
        "earlier",
        "following",
        "first",
        "second",
        "third",
        "still",
        "yes",
        "ok",
        "okay",
        "thanks",
        "thank",
        "please",
        "https",
        "http",
        "www",
        "com",
        "org",
        "html",
        "md",
        "link",
        "links",
        "see",
        "note",
        "notes",
        "todo",
        "tbd",
        "n/a",
        "na",
    ]
)

STOP = ENGLISH | BOILERPLATE


@lru_cache(maxsize=200_000)
def stem(word: str) -> str:
    """A light, conservative stemmer: plurals, ``-ed``, ``-ing`` and a final ``e``."""
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 5:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for suffix in ("ing", "ed"):
        base = word[: -len(suffix)]
        if word.endswith(suffix) and len(base) >= 3 and re.search(r"[aeiouy]", base):
            word = base
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def words(text: str) -> list[list[str]]:
    """The content words of a text, stemmed, in runs of words that stand next to each other
    (a stop word, a placeholder or punctuation ends a run); masked first."""
    runs = []
    for sentence in _SENTENCE.split(mask(text).lower()):
        run: list[str] = []
        for token in _TOKEN.findall(sentence):
            word = _content(token)
            if word:
                run.append(word)
            elif run:
                runs.append(run)
                run = []
        if run:
            runs.append(run)
    return runs


@lru_cache(maxsize=200_000)
def _content(token: str) -> str:
    """The stem of a token that is a content word, else ''."""
    if token.startswith("<") or len(token) <= 1 or token in STOP:
        return ""
    word = stem(token.strip("'.-"))
    return "" if not word or word in STOP else word


def weighted_terms(
    parts: Iterable[tuple[str, str]], weights: Mapping[str, float] = SECTION_WEIGHTS
) -> dict[str, float]:
    """Term → weighted count over ``(section, text)`` parts: words and consecutive pairs."""
    terms: dict[str, float] = {}
    for section, text in parts:
        weight = weights.get(section, weights.get("other", 1.0))
        if weight <= 0 or not text:
            continue
        for sentence in words(text):
            for term in itertools.chain(
                sentence, (f"{a} {b}" for a, b in itertools.pairwise(sentence) if a != b)
            ):
                terms[term] = terms.get(term, 0.0) + weight
    return terms


def surface_forms(parts: Iterable[tuple[str, str]], into: dict[str, dict[str, int]]) -> None:
    """Count, per stem, the spelled words it came from (to show a person a readable word)."""
    for _, text in parts:
        for raw in _TOKEN.findall(mask(text).lower()):
            word = raw.strip("'.-")
            if word.startswith("<") or word in STOP or len(word) <= 1:
                continue
            forms = into.setdefault(stem(word), {})
            forms[word] = forms.get(word, 0) + 1
