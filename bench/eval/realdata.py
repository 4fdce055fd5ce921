"""Real post-mortems of other teams, with the theme and class labels given them here.

The files under ``corpora/`` are unchanged copies (origin, commit and licence in
``corpora/SOURCES.md``); the labels under ``labels/`` were given by reading each
report (``labels/README.md``).  A corpus is one team's folder or several; it is
written into the work directory as the team keeps it, with two adaptations only:

* a report is given ``failure_class`` in its front matter when the caller asks
  for its class (the labels are ours, not the team's);
* a Rust blog post, whose date is only in its ``path`` front-matter key, is
  given that date as ``date`` (failearn needs a time to store a record).

Each team's ``[sources.NAME]`` table names its service (none of these reports
names one) and, for the Ministry of Justice pages, their time zone; nothing in
the configuration names a failure class or a phrase.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from bench.eval.corpus import BASE_CONFIG, Item, WithClass, Written

HERE = Path(__file__).parent
CORPORA = HERE / "corpora"
LABELS = HERE / "labels"
AS_OF = "2026-06-01"
LOOKBACK = "4000d"
"""The window covers every report: the oldest is from 2017."""


@dataclass(frozen=True)
class Team:
    folder: str
    pattern: str
    skip: tuple[str, ...]
    source: str

    def files(self) -> list[Path]:
        return sorted(
            path
            for path in (CORPORA / self.folder).glob(self.pattern)
            if path.name not in self.skip
        )

    def labels(self) -> dict[str, Label]:
        return read_labels(LABELS / f"{self.folder}.yaml")


@dataclass(frozen=True)
class Label:
    """What a reader expects a report to be about (themes, the first the main one) and its
    failure class (a class id of the bundled taxonomy; None when no class fits)."""

    themes: tuple[str, ...]
    klass: str | None
    theme_reason: str
    class_reason: str


def read_labels(path: Path) -> dict[str, Label]:
    """The labels of one team's reports, by file name."""
    loaded = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {
        str(name): Label(
            tuple(str(theme) for theme in entry["themes"]),
            str(entry["class"]) if entry.get("class") else None,
            str(entry["theme_reason"]),
            str(entry["class_reason"]),
        )
        for name, entry in loaded.items()
    }


TEAMS = {
    "moj-cloud-platform": Team(
        "moj-cloud-platform",
        "*.html.md.erb",
        ("index.html.md.erb",),
        'timezone = "Europe/London"\nconstants = { service = "cloud-platform" }',
    ),
    "kubernetes-test-infra": Team(
        "kubernetes-test-infra", "*.md", (), 'constants = { service = "test-infra" }'
    ),
    "mybinder": Team(
        "mybinder", "*.md", ("template-incident-report.md",), 'constants = { service = "mybinder" }'
    ),
    "rust-lang-blog": Team("rust-lang-blog", "*.md", (), 'constants = { service = "rust-infra" }'),
    "dfds": Team("dfds", "PM*.md", (), 'constants = { service = "cloud-platform" }'),
}

_PATH_DATE = re.compile(r'^path\s*=\s*"(?:[\w-]+/)?(\d{4})/(\d{2})/(\d{2})/', re.MULTILINE)


def with_front_matter(text: str, keys: list[tuple[str, str]]) -> str:
    """``text`` with ``keys`` added to its front matter, in the front matter's syntax.

    TOML front matter (``+++``) gets ``key = "value"``, YAML front matter (``---``)
    ``key: value``; a file without front matter gets a YAML block.
    """
    if not keys:
        return text
    if text.startswith("+++\n"):
        return "+++\n" + "".join(f'{k} = "{v}"\n' for k, v in keys) + text[4:]
    block = "".join(f"{k}: {v}\n" for k, v in keys)
    if text.startswith("---\n"):
        return "---\n" + block + text[4:]
    return "---\n" + block + "---\n" + text


def added_keys(text: str, klass: str | None) -> list[tuple[str, str]]:
    """The front-matter keys the harness adds to one report."""
    keys = [("failure_class", klass)] if klass else []
    if text.startswith("+++") and not re.search(r"^date\s*=", text, re.MULTILINE):
        found = _PATH_DATE.search(text)
        if found:
            keys.append(("date", "{}-{}-{}".format(*found.groups())))
    return keys


@dataclass(frozen=True)
class RealCorpus:
    name: str
    teams: tuple[str, ...]
    description: str
    kind: str = "real"

    def write(self, root: Path, size: int | None, with_class: WithClass) -> Written:
        items: dict[str, Item] = {}
        sources = []
        for folder in self.teams:
            team = TEAMS[folder]
            labels = team.labels()
            target = root / "corpus" / folder
            target.mkdir(parents=True, exist_ok=True)
            for path in team.files():
                text = path.read_text(encoding="utf-8")
                key = f"corpus/{folder}/{path.name}"
                label = labels.get(path.name)
                themes = label.themes if label else ()
                klass = label.klass if label else None
                given = klass if klass and with_class(key) else None
                (target / path.name).write_text(
                    with_front_matter(text, added_keys(text, given)), encoding="utf-8"
                )
                items[key] = Item(
                    key=key,
                    pattern=themes[0] if themes else None,
                    themes=themes,
                    klass=klass,
                    text=text,
                )
            sources.append(f'[sources.{folder}]\nfiles = ["corpus/{folder}/*"]\n{team.source}\n')
        config = (
            BASE_CONFIG + '\n[gates]\nrequire = ["timestamp", "service", "failure_class"]\n'
            '\n[fields]\ntimestamp = ["date"]\n'
            '\n[ingest]\ninclude = ["*.md", "*.md.erb"]\n\n' + "\n".join(sources)
        )
        return Written(
            items=items, inputs=("corpus",), config=config, as_of=AS_OF, lookback=LOOKBACK
        )


REAL = (
    RealCorpus("pm-all", tuple(TEAMS), "every real post-mortem of the teams below together"),
    RealCorpus(
        "pm-moj",
        ("moj-cloud-platform",),
        "the UK Ministry of Justice Cloud Platform team's incident pages",
    ),
    RealCorpus("pm-mybinder", ("mybinder",), "mybinder.org's incident reports"),
    RealCorpus("pm-dfds", ("dfds",), "the DFDS cloud platform team's post-mortems"),
)
