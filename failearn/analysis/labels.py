"""What a person reads of a cluster: its label, terms, titles, services, class mix, cohesion.

* **top terms**: the words and phrases that set the cluster apart — the share of
  its incidents that hold the term times the term's rarity in the window (idf) —
  spelled as its incidents spell them (the stem "expir" reads "expired"), a word
  left out when a phrase holding it is already shown;
* **titles**: the most common titles of its incidents (masked: ids, dates and
  numbers out; words that vary generalised away), the most central incident's
  first when every title differs;
* **label**: the dominant title when there is one, else the dominant message
  template with its placeholders left out, else the top terms; the masked
  template itself stays beside it as evidence (``dominant_template``).

**Cohesion** is the mean similarity of two of its incidents (1: all alike).  The
**signature** (templates, trace shapes, top terms, with their counts) is what
later runs match on when no incident is shared.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from failearn.analysis.encode import prose_parts
from failearn.analysis.features import Features
from failearn.analysis.messages import PLACEHOLDERS, WILDCARD, generalise, mask
from failearn.analysis.model import ClusterSummary, IncidentDoc
from failearn.analysis.prose import STOP, surface_forms
from failearn.timeutil import from_iso, iso_week_label

TOP_TERMS = 6
TITLES = 3
SIGNATURE_SIZE = 20
LABEL_LENGTH = 100
SAMPLE = 300  # incidents read for the spelling of terms and for cohesion
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in (*PLACEHOLDERS, WILDCARD)))


def _ranked(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


_SHORT_NAME = re.compile(r"[A-Za-z]{1,3}\d{1,3}")  # p99, s3, ec2: names, not ids
_KEEP = re.compile(r"<(?:num|dur)>")
_PUNCTUATION = re.compile(r"^[\W_]+$")


_DANGLING = frozenset(
    [
        "a",
        "an",
        "and",
        "or",
        "the",
        "of",
        "on",
        "in",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "via",
        "as",
        "after",
        "before",
        "during",
        "while",
        "than",
    ]
)


def _readable_token(token: str, keep_numbers: bool) -> str:
    if "<" not in token and _SHORT_NAME.fullmatch(token.strip(".,;:()[]")):
        return token
    masked = mask(token)
    if masked == token and not _PLACEHOLDER.search(token):
        return token
    if keep_numbers and "<" not in token and _KEEP.sub("", masked) == _PLACEHOLDER.sub("", masked):
        return token  # a threshold or a count (p99 > 3s, 5xx above 2%), not an id
    return _PLACEHOLDER.sub("", masked).strip("-_.:/")


@lru_cache(maxsize=1 << 14)
def readable(text: str, keep_numbers: bool = False) -> str:
    """A title or template for a person: ids, hosts, dates and placeholders out (numbers
    too unless ``keep_numbers``), and the boilerplate a title opens with ("Incident on
    2020-02-18 -")."""
    words = [w for w in (_readable_token(t, keep_numbers) for t in text.split()) if w]
    while words and (_PUNCTUATION.match(words[0]) or words[0].lower().strip(".,;:-") in STOP):
        words.pop(0)
    while words and (
        _PUNCTUATION.match(words[-1]) or words[-1].lower().strip(".,;:(") in _DANGLING
    ):
        words.pop()
    cleaned = " ".join(words)
    cleaned = re.sub(r"\s*([-–—:,;|/])(?:\s*[-–—:,;|/])+", r" \1", cleaned)
    return re.sub(r"\s+", " ", cleaned).strip(" -–—:,;|/.")


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


def summarise(
    docs: Sequence[IncidentDoc], members: Sequence[int], features: Features
) -> ClusterSummary:
    """The summary of one cluster (``members`` index ``docs`` and ``features.row_of``)."""
    rows = features.row_of[np.asarray(members, dtype=np.int64)]
    templates: Counter[str] = Counter()
    shapes: Counter[str] = Counter()
    for row in rows.tolist():
        templates.update(features.templates[row])
    for index in members:
        if docs[index].trace_shape:
            shapes[" > ".join(docs[index].trace_shape)] += 1
    services = Counter(docs[i].service for i in members)
    classes = Counter(docs[i].failure_class for i in members)
    terms = _top_terms(docs, members, features, rows)
    titles = _titles(docs, members, features, rows)
    dominant = next(iter(_ranked(templates))) if templates else (titles[0] if titles else "")
    if titles:
        label = titles[0]
    elif templates:
        label = readable(dominant)
    else:
        label = (
            ", ".join(terms) or f"{next(iter(_ranked(services)))} {next(iter(_ranked(classes)))}"
        )
    times = sorted(docs[i].timestamp for i in members)
    signature_counter: Counter[str] = Counter()
    signature_counter.update({f"template:{t}": n for t, n in templates.items()})
    signature_counter.update({f"trace:{s}": n for s, n in shapes.items()})
    signature_counter.update({f"term:{t}": len(members) for t in terms})
    signature = {k: float(v) for k, v in list(_ranked(signature_counter).items())[:SIGNATURE_SIZE]}
    return ClusterSummary(
        dominant_template=dominant,
        label=_short(label),
        top_terms=terms,
        titles=titles,
        services=_ranked(services),
        classes=_ranked(classes),
        dominant_class=next(iter(_ranked(classes))),
        first_seen=times[0],
        last_seen=times[-1],
        weeks_active=len({_week(t) for t in times}),
        cohesion=_cohesion(features, rows),
        signature=signature,
    )


def _week(timestamp: str) -> str:
    return iso_week_label(from_iso(timestamp))


def _sample(members: Sequence[int]) -> list[int]:
    """At most SAMPLE members, spread evenly (deterministic)."""
    if len(members) <= SAMPLE:
        return list(members)
    step = len(members) / SAMPLE
    return [members[int(i * step)] for i in range(SAMPLE)]


def _top_terms(
    docs: Sequence[IncidentDoc], members: Sequence[int], features: Features, rows: np.ndarray
) -> tuple[str, ...]:
    model = features.model
    idf = {
        **dict(zip(model.message_vocabulary, model.message_idf.tolist(), strict=True)),
        **dict(zip(model.prose_vocabulary, model.prose_idf.tolist(), strict=True)),
    }
    holding: Counter[str] = Counter()
    for row in rows.tolist():
        holding.update(t for t in features.terms[row] if t in idf)
    scores = {t: n / len(rows) * idf[t] for t, n in holding.items()}
    forms: dict[str, dict[str, int]] = {}
    for index in _sample(members):
        surface_forms(prose_parts(docs[index]), forms)

    def spelled(term: str) -> str:
        return " ".join(
            max(sorted(forms[w]), key=forms[w].__getitem__) if w in forms else w
            for w in term.split()
        )

    ranked = sorted(scores, key=lambda t: (-round(scores[t], 9), t))
    shown: list[str] = []
    for term in ranked:
        if any(w in STOP or w.isdigit() for w in term.split()):
            continue
        text = spelled(term)
        words = text.split()
        if text in shown or any(
            w in other.split() for other in shown for w in words if " " in other
        ):
            continue
        # A phrase replaces the words it holds that are already shown.
        shown = [other for other in shown if not (" " not in other and other in words)]
        shown.append(text)
        if len(shown) == TOP_TERMS:
            break
    return tuple(shown)


def _titles(
    docs: Sequence[IncidentDoc], members: Sequence[int], features: Features, rows: np.ndarray
) -> tuple[str, ...]:
    """The most common titles (a word that varies left out); when they all differ, the most
    central incidents' first."""
    titled = [i for i in members if docs[i].title]
    if not titled:
        return ()
    masked = {i: mask(str(docs[i].title)) for i in titled}
    general = generalise(dict(Counter(masked.values())))
    shown: dict[str, str] = {}
    counted: Counter[str] = Counter()
    for i in titled:
        exact = readable(masked[i])
        # A word that varies is left out, unless too little of the title is left.
        shorter = readable(general[masked[i]])
        key = shorter if len(shorter.split()) >= 3 else exact
        if key not in shown:
            shown[key] = key if key != exact else readable(str(docs[i].title), True)
        counted[key] += 1
    counted.pop("", None)
    if not counted:
        return ()
    if max(counted.values()) > 1:
        return tuple(shown[k] for k in list(_ranked(counted))[:TITLES] if shown[k])
    centre = _central(features, rows)
    order = sorted(range(len(members)), key=lambda i: (-centre[i], docs[members[i]].timestamp))
    best = [readable(str(docs[members[i]].title), True) for i in order if docs[members[i]].title]
    return tuple(dict.fromkeys(t for t in best if t))[:TITLES]


def _central(features: Features, rows: np.ndarray) -> np.ndarray:
    """Per member, its mean similarity to the other members (sampled rows)."""
    distinct = np.unique(rows)
    if len(distinct) > SAMPLE:
        distinct = distinct[np.linspace(0, len(distinct) - 1, SAMPLE).astype(np.int64)]
    sims = features.similarities
    table = sims.between(rows, sims.take(distinct)).astype(np.float64)
    weights = features.counts[distinct]
    return np.asarray(table @ weights / weights.sum(), dtype=np.float64)


def _cohesion(features: Features, rows: np.ndarray) -> float:
    """The mean similarity of two incidents of the cluster (two of one row count as 1)."""
    distinct, counts = np.unique(rows, return_counts=True)
    if len(distinct) > SAMPLE:
        keep = np.argsort(-counts, kind="stable")[:SAMPLE]
        distinct, counts = distinct[keep], counts[keep]
    total = float(counts.sum())
    if total < 2:
        return 1.0
    sims = features.similarities
    table = sims.between(distinct, sims.take(distinct)).astype(np.float64)
    np.fill_diagonal(table, 1.0)
    weights = counts.astype(np.float64)
    return round(float((weights @ table @ weights - total) / (total * total - total)), 4)
