"""Service inference: the service a post-mortem is about when it names none.

A team declares its services in ``[services] names`` (a service and the words,
host names or URL parts that name it).  A post-mortem that names no service is
searched for them, most telling place first: its title, its headings, then the
host names and URL paths it links or quotes.  The service found in the most
telling place wins; two services found as tellingly is no answer.  Failing
that, ``[services] default`` (a repository about one system) is used.

The answer says how it was reached and how sure it is, so that ingest can show
it and the store keep it: an inferred service is never silent.  Pure functions
over plain data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# Where a name was found, most telling first, and how sure a find there makes us.
PLACES: tuple[tuple[str, float], ...] = (
    ("title", 0.9),
    ("heading", 0.7),
    ("host name", 0.6),
    ("url", 0.5),
)
DEFAULT_ROUTE = "default"
_URL = re.compile(r"https?://(?P<host>[A-Za-z0-9.\-]+)(?::\d+)?(?P<path>/[^\s)\]>\"'`]*)?")
_HOST = re.compile(
    r"(?<![\w.@/-])(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
    r"[a-z]{2,24})(?![\w-])",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class ServiceFound:
    """An inferred service: the name, where it was found (``title``, ``heading``,
    ``host name``, ``url``, ``default``), what matched, and how sure (None: the
    configured default, an assumption)."""

    service: str
    via: str
    evidence: str
    confidence: float | None


def _phrase(spelling: str) -> re.Pattern[str]:
    words = spelling.casefold().split()
    body = r"[\s_\-]+".join(re.escape(word) for word in words)
    return re.compile(rf"(?<![\w.-]){body}(?![\w-]|\.\w)", re.IGNORECASE)


def hosts_and_paths(text: str) -> tuple[list[str], list[str]]:
    """The host names a text links or quotes, and the segments of its URL paths."""
    hosts: list[str] = []
    segments: list[str] = []
    for match in _URL.finditer(text):
        hosts.append(match.group("host").casefold().rstrip("."))
        segments.extend(s.casefold() for s in (match.group("path") or "").split("/") if s)
    hosts.extend(m.group("host").casefold() for m in _HOST.finditer(_URL.sub(" ", text)))
    return list(dict.fromkeys(hosts)), list(dict.fromkeys(segments))


def _host_names(host: str, spelling: str) -> bool:
    """Whether a host name names a service: the spelling is the host, a domain the host is
    under (``crates.io`` for ``static.crates.io``), or one of its labels (``grafana``)."""
    wanted = spelling.casefold()
    if host == wanted or host.endswith("." + wanted):
        return True
    return "." not in wanted and wanted in host.split(".")[:-1]


class ServiceFinder:
    """Finds declared services in a post-mortem; build it once per run."""

    def __init__(self, names: Mapping[str, Iterable[str]], default: str | None) -> None:
        self.names: list[tuple[str, str, re.Pattern[str]]] = []
        for service, spellings in names.items():
            for spelling in dict.fromkeys([service, *spellings]):
                if spelling.strip():
                    self.names.append((service, spelling, _phrase(spelling)))
        self.default = default

    def __bool__(self) -> bool:
        return bool(self.names) or self.default is not None

    def find(
        self, title: str | None, headings: Iterable[str], texts: Iterable[str]
    ) -> ServiceFound | None:
        """The service of a post-mortem from its title, headings and texts (where host
        names and URLs are looked for); None when nothing is found and there is no
        default, or when two services are found in the same most telling place."""
        if self.names:
            hosts, segments = hosts_and_paths("\n".join(texts))
            places = (("title", [title] if title else []), ("heading", list(headings)))
            for (place, confidence), (_, written) in zip(PLACES, places, strict=False):
                found = self._in_text(written)
                if found:
                    return self._answer(found, place, confidence)
            found = {(s, h) for s, sp, _ in self.names for h in hosts if _host_names(h, sp)}
            if found:
                return self._answer(found, "host name", PLACES[2][1])
            found = {(s, sp) for s, sp, _ in self.names for seg in segments if seg == sp.casefold()}
            if found:
                return self._answer(found, "url", PLACES[3][1])
        if self.default is not None:
            return ServiceFound(self.default, DEFAULT_ROUTE, "[services] default", None)
        return None

    def _in_text(self, texts: list[str]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for text in texts:
            for service, _, pattern in self.names:
                match = pattern.search(text)
                if match is not None:
                    found.add((service, match.group(0)))
        return found

    def _answer(
        self, found: set[tuple[str, str]], place: str, confidence: float
    ) -> ServiceFound | None:
        services = sorted({service for service, _ in found})
        if len(services) > 1:
            return (
                None
                if self.default is None
                else ServiceFound(
                    self.default,
                    DEFAULT_ROUTE,
                    f"[services] default ({', '.join(services)} all named in the {place})",
                    None,
                )
            )
        evidence = sorted(text for _, text in found)[0]
        return ServiceFound(services[0], place, evidence, confidence)
