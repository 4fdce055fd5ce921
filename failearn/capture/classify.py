"""Class inference: a failure class for a record that names none.

Most alerting payloads carry no failure class, and many post-mortems none
either.  The class then comes, in order, from

1. the record's class hints (an alert name, an event class, an exception
   type, a ``category`` label) through the configuration's ``[classes]`` and
   the source's own ``[sources.<name>.classes]`` mapping (``mapping``), or as
   a class id, name or alias of the taxonomy (``hint``);
2. the configuration's ``[classify] keywords`` found in the text
   (``mapping``): a phrase scores its number of words times the weight of the
   text it is in (a title weighs more than a resolution), the best class wins;
3. a text model (:mod:`failearn.analysis.classes`): the taxonomy itself
   (``taxonomy``): the record compared by similarity with each class's
   description, keywords, aliases and examples; once the store holds
   ``[classify] min_labels`` human labels, that similarity blended with a
   model of the labels (``model``).  Below the route's minimum
   probability the model abstains: no class, and the likeliest classes are
   named as candidates.

Ingest consults the text model only once every record of the run has been
read (:class:`Deferred`): a record that needs it is put aside, and the model
is chosen and built once, in the main process, from the labels in the store
*including those the same run brought* — so a labelled post-mortem repo and an
alert export ingested in one command teach and are taught alike, whatever
their order.

The route is kept as the record's ``failure_class_via``, with the probability
and the candidates (:class:`failearn.provenance.Provenance`).  Pure functions
over plain data; nothing here reads files or the store, and scikit-learn is
loaded only when a record first needs a text model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from failearn.analysis.classes import TaxonomyMatcher, model_text
from failearn.errors import ConfigError
from failearn.taxonomy.file import Taxonomy, normalise_label

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[_\-./:]+")
# A phrase repeated in a text counts up to this many times: a theme, not a stray word.
_MAX_REPEATS = 3
# The routes of an inferred class, as against a label the record gave (``keyword`` and
# ``alias``: literal phrase hits, stored by earlier versions).
INFERRED_ROUTES = frozenset({"mapping", "hint", "keyword", "model", "taxonomy"})
TEXT_MODEL_ROUTES = ("model", "taxonomy")
# Candidates named when a text model abstains.
CANDIDATES = 3
_CACHE = 50_000

if TYPE_CHECKING:
    from failearn.analysis.classes import ClassModel, Ranked


@dataclass(frozen=True, slots=True)
class Inferred:
    """A class inferred for a record: the class, the label or phrase it came from, the route,
    and for a text model its probability and the runners-up."""

    class_id: str
    label: str
    via: str
    probability: float | None = None
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Abstained:
    """A text model read the record but no class reached the route's minimum probability."""

    via: str
    threshold: float
    candidates: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class Deferred:
    """The record needs the text model, which ingest consults after reading every record of
    the run (see :func:`settle`): the text the model will read."""

    text: str


Decision = Inferred | Abstained


@dataclass(frozen=True, slots=True)
class PendingClass:
    """A record whose class is left to the text model until the run is read: the text the
    model reads, the record's class hints and the line its class would be on (to word an
    abstention)."""

    text: str
    hints: tuple[str, ...]
    line: int | None


@dataclass(frozen=True)
class TextModel:
    """How to get the text model when a record first needs it (it is built lazily: a run
    whose records all name their class never pays for it), and its minimum probability."""

    route: str
    build: Callable[[], ClassModel]
    min_probability: float
    # What the model was built from, for the ingest output (e.g. "84 labelled reports").
    basis: str = ""


def taxonomy_model(taxonomy: Taxonomy, min_probability: float, basis: str = "") -> TextModel:
    """The zero-shot text model: the taxonomy's class texts, by similarity (built lazily)."""

    def build() -> ClassModel:
        return TaxonomyMatcher(taxonomy)

    return TextModel(
        "taxonomy",
        build,
        min_probability,
        basis or f"the class texts of taxonomy {taxonomy.version}",
    )


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    """A phrase as written in running text: any separators, a plural or past tense allowed
    (``deploy`` finds "deployed", ``certificate`` finds "certificates")."""
    words = phrase.casefold().split()
    body = r"[\s_\-]+".join(re.escape(word) for word in words)
    ending = r"(?:s|es|d|ed|ing)?" if words and words[-1][-1:].isalpha() else ""
    return re.compile(rf"(?<![\w]){body}{ending}(?![\w])")


def spaced(label: str) -> str:
    """``DiskRunningFull`` / ``disk_running_full`` as words: ``Disk Running Full``."""
    return " ".join(_SEPARATORS.sub(" ", _CAMEL.sub(" ", label)).split())


class Classifier:
    """Infers classes with one taxonomy and one configuration; build it once per run."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        classes: Mapping[str, str],
        keywords: Mapping[str, str],
        source_classes: Mapping[str, Mapping[str, str]] | None = None,
        text_model: TextModel | None = None,
        defer: bool = False,
    ) -> None:
        self.taxonomy = taxonomy
        self.text_model = text_model
        # Leave the text model to the caller (:class:`Deferred`), instead of consulting it.
        self.defer = defer
        self._model: ClassModel | None = None
        self._cache: dict[str, Ranked] = {}
        self.classes = {normalise_label(k): v for k, v in classes.items()}
        self.source_classes = {
            name: {normalise_label(k): v for k, v in table.items()}
            for name, table in (source_classes or {}).items()
        }
        self.phrases: list[tuple[str, str, re.Pattern[str], int, str]] = []
        for phrase, target in keywords.items():
            resolved = taxonomy.resolve(target)
            if resolved is None:
                raise ConfigError(
                    f"`classify.keywords.{phrase}`: {target!r} is not a class "
                    f"of taxonomy {taxonomy.version}"
                )
            self.phrases.append(
                (
                    phrase,
                    resolved.class_id,
                    _phrase_pattern(phrase),
                    len(phrase.split()) + 2,
                    "mapping",
                )
            )

    def _mapped(self, label: str, source_format: str | None) -> str | None:
        key = normalise_label(label)
        tables = [self.source_classes.get(source_format or ""), self.classes]
        for table in tables:
            target = table.get(key) if table else None
            if target is not None:
                resolved = self.taxonomy.resolve(target)
                if resolved is not None:
                    return resolved.class_id
        return None

    def from_hints(self, hints: Iterable[str], source_format: str | None = None) -> Inferred | None:
        """The first hint the configuration maps, else the first the taxonomy knows."""
        hints = list(hints)
        for hint in hints:
            for label in dict.fromkeys((hint, spaced(hint))):
                mapped = self._mapped(label, source_format)
                if mapped is not None:
                    return Inferred(mapped, hint, "mapping")
        for hint in hints:
            for label in dict.fromkeys((hint, spaced(hint))):
                resolved = self.taxonomy.resolve(label)
                if resolved is not None:
                    return Inferred(resolved.class_id, hint, "hint")
        return None

    def from_text(self, texts: str | Sequence[tuple[str, int]]) -> Inferred | None:
        """The class the configured keywords found in the text name.

        ``texts`` is one text, or texts with weights (a title says more than a
        resolution): a phrase found scores its weight times the text's.
        """
        weighted = [(texts, 1)] if isinstance(texts, str) else list(texts)
        folded = [(t.casefold(), w) for t, w in weighted if t]
        scores: dict[str, int] = {}
        best_phrase: dict[str, tuple[int, str, str]] = {}
        for phrase, class_id, pattern, weight, via in self.phrases:
            found = sum(w * min(len(pattern.findall(t)), _MAX_REPEATS) for t, w in folded)
            if found:
                scores[class_id] = scores.get(class_id, 0) + weight * found
                if weight * found > best_phrase.get(class_id, (0, "", ""))[0]:
                    best_phrase[class_id] = (weight * found, phrase, via)
        if not scores:
            return None
        best = max(scores.values())
        top = sorted(cid for cid, score in scores.items() if score == best)
        if len(top) > 1:
            lineage = self.taxonomy.lineage
            deepest = [cid for cid in top if not any(cid in lineage(o)[1:] for o in top)]
            if len(deepest) != 1 or not all(
                set(lineage(deepest[0])) & set(lineage(o)) for o in top
            ):
                return None
            top = deepest
        _, phrase, via = best_phrase[top[0]]
        return Inferred(top[0], phrase, via)

    @property
    def model(self) -> ClassModel | None:
        """The text model, built on first use (None when inference has none)."""
        if self._model is None and self.text_model is not None:
            self._model = self.text_model.build()
        return self._model

    def rank(self, text: str) -> Ranked | None:
        """The text model's classes for one text, most likely first (cached by text:
        alerts repeat their titles)."""
        ranked = self._cache.get(text)
        if ranked is None:
            model = self.model
            if model is None or not text.strip():
                return None
            ranked = model.predict([text])[0]
            if len(self._cache) < _CACHE:
                self._cache[text] = ranked
        return ranked

    def from_model(
        self, texts: Sequence[tuple[str, int]]
    ) -> Inferred | Abstained | Deferred | None:
        """The text model's class for the texts, or its abstention with the candidates (or,
        when deferring, what the model will read)."""

        text = model_text(texts)
        if self.defer:
            return Deferred(text) if text.strip() else None
        if self.text_model is None:
            return None
        ranked = self.rank(text)
        return None if ranked is None else decide(ranked, self.text_model)

    def infer(
        self,
        hints: Iterable[str],
        texts: Sequence[tuple[str, int]],
        source_format: str | None = None,
    ) -> Inferred | Abstained | Deferred | None:
        """Hints first, then the configured keywords, then the text model (the hints'
        own words weigh as a title)."""
        hints = list(hints)
        found = self.from_hints(hints, source_format)
        if found is not None:
            return found
        words = " ".join(spaced(h) for h in hints)
        weighted = [(words, 3), *texts] if words else list(texts)
        return self.from_text(weighted) or self.from_model(weighted)


def decide(ranked: Ranked, text_model: TextModel) -> Decision:
    """A text model's ranking as a class, or as an abstention below its minimum probability
    (the likeliest classes named)."""
    class_id, probability = ranked.best
    if probability < text_model.min_probability:
        return Abstained(
            text_model.route,
            text_model.min_probability,
            tuple((c, round(p, 4)) for c, p in ranked.top(CANDIDATES)),
        )
    runners = tuple((c, round(p, 4)) for c, p in ranked.top(CANDIDATES + 1)[1:])
    return Inferred(class_id, "", text_model.route, round(probability, 4), runners)


# Texts ranked per call when settling deferred records: bounds the memory of one prediction.
_SETTLE_BATCH = 2000


def settle(text_model: TextModel, model: ClassModel, texts: Sequence[str]) -> list[Decision]:
    """The decisions for deferred records' texts, in order: each distinct text is ranked
    once (alerts repeat their titles), in batches."""
    distinct = list(dict.fromkeys(texts))
    decided: dict[str, Decision] = {}
    for start in range(0, len(distinct), _SETTLE_BATCH):
        chunk = distinct[start : start + _SETTLE_BATCH]
        for text, ranked in zip(chunk, model.predict(chunk), strict=True):
            decided[text] = decide(ranked, text_model)
    return [decided[text] for text in texts]
