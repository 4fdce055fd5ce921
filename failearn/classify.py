"""Class inference: a failure class for a record that names none.

Most alerting payloads carry no failure class, and many post-mortems none
either.  The class then comes, in order, from

1. the record's class hints (an alert name, an event class, an exception
   type, a ``category`` label) through the configuration's ``[classes]`` and
   the source's own ``[sources.<name>.classes]`` mapping (``mapping``), or as
   a class id, name or alias of the taxonomy (``hint``);
2. the phrases found in the text: the configuration's ``[classify] keywords``
   (``mapping``), the taxonomy's aliases (``alias``) and keywords
   (``keyword``).  Each phrase found scores its number of words (an alias one
   more, a configured keyword two more) times the weight of the text it is in
   (a title weighs more than a resolution) and the times it is repeated (up
   to three); the best class wins, and a tie between unrelated classes is no
   answer.

The route is kept as the record's ``failure_class_via``.  Pure functions over
plain data; nothing here reads files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from failearn.errors import ConfigError
from failearn.taxonomy import Taxonomy, normalise_label

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[_\-./:]+")
# A phrase repeated in a text counts up to this many times: a theme, not a stray word.
_MAX_REPEATS = 3
# The routes of an inferred class that no taxonomy label lookup produces (``alias`` is
# shared with labels: an alias found in the text resolves as the same label would).
INFERRED_ROUTES = frozenset({"mapping", "hint", "keyword"})


@dataclass(frozen=True, slots=True)
class Inferred:
    """A class inferred for a record: the class, the label or phrase it came from, the route."""

    class_id: str
    label: str
    via: str


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

    def __init__(self, taxonomy: Taxonomy, classes: Mapping[str, str],
                 keywords: Mapping[str, str],
                 source_classes: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.taxonomy = taxonomy
        self.classes = {normalise_label(k): v for k, v in classes.items()}
        self.source_classes = {
            name: {normalise_label(k): v for k, v in table.items()}
            for name, table in (source_classes or {}).items()}
        self.phrases: list[tuple[str, str, re.Pattern[str], int, str]] = []
        for phrase, target in keywords.items():
            resolved = taxonomy.resolve(target)
            if resolved is None:
                raise ConfigError(f"`classify.keywords.{phrase}`: {target!r} is not a class "
                                  f"of taxonomy {taxonomy.version}")
            self.phrases.append((phrase, resolved.class_id, _phrase_pattern(phrase),
                                 len(phrase.split()) + 2, "mapping"))
        for alias, class_id in taxonomy.aliases.items():
            if class_id in taxonomy.classes:
                self.phrases.append((alias, class_id, _phrase_pattern(alias),
                                     len(alias.split()) + 1, "alias"))
        for cls in taxonomy.classes.values():
            for keyword in cls.keywords:
                self.phrases.append((keyword, cls.id, _phrase_pattern(keyword),
                                     len(keyword.split()), "keyword"))

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

    def from_hints(self, hints: Iterable[str], source_format: str | None = None
                   ) -> Inferred | None:
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
        """The class the text names, by the phrases found in it.

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
            if len(deepest) != 1 or not all(set(lineage(deepest[0])) & set(lineage(o))
                                             for o in top):
                return None
            top = deepest
        _, phrase, via = best_phrase[top[0]]
        return Inferred(top[0], phrase, via)

    def infer(self, hints: Iterable[str], texts: Sequence[tuple[str, int]],
              source_format: str | None = None) -> Inferred | None:
        """Hints first, then the texts (the hints' own words weigh as a title)."""
        hints = list(hints)
        found = self.from_hints(hints, source_format)
        if found is not None:
            return found
        words = " ".join(spaced(h) for h in hints)
        return self.from_text([(words, 3), *texts] if words else texts)
