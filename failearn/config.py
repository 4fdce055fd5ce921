"""The one configuration: discovery, validation, defaults.

failearn reads ``failearn.toml``, or the same keys under ``[tool.failearn]`` in a
``pyproject.toml``: the nearest one from the working directory upwards wins
(``--config FILE`` or ``FAILEARN_CONFIG`` names one instead).  Every section is a
frozen dataclass below with its defaults (listed in docs/reference/configuration.md);
a key that no dataclass declares is an error naming the key, so a typo never
silently falls back to a default.  Relative paths in a file are relative to it.
"""

from __future__ import annotations

import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import timedelta
from functools import cache
from pathlib import Path
from typing import Any

from failearn.errors import ConfigError, UsageError
from failearn.project import find_root
from failearn.timeutil import parse_duration

CONFIG_FILE = "failearn.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_DB = "failearn.db"


@dataclass(frozen=True)
class GatesConfig:
    """Quality gates every record must pass before it is stored, per kind of input.

    ``require`` and ``recommend`` govern records from systems (JSON: alerting,
    paging, tracing), ``postmortem_require`` and ``postmortem_recommend``
    post-mortems (Markdown).  A required field missing rejects the record; a
    recommended one missing is a warning.  Telemetry carries trace ids, so they
    are required there; people rarely paste them, so they are recommended.
    """

    require: tuple[str, ...] = ("timestamp", "service", "failure_class", "trace_ids")
    recommend: tuple[str, ...] = ()
    postmortem_require: tuple[str, ...] = ("timestamp", "service", "failure_class")
    postmortem_recommend: tuple[str, ...] = ("trace_ids",)
    # Known problems that do not fail a run (`ingest --write-baseline`); None: the file
    # failearn-baseline.json at the project root, when there is one.
    baseline: Path | None = None
    trace_id_pattern: str = "^[0-9a-f]{32}$"
    max_future: timedelta = timedelta(days=1)
    earliest_year: int = 1990


@dataclass(frozen=True)
class DedupConfig:
    """Records of one service and class closer than ``window`` are one incident."""

    window: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class AnonymizeConfig:
    """What is masked in text and which fields name people."""

    enabled: bool = True
    secret: str | None = None
    mask: tuple[str, ...] = ("email", "ip", "phone", "bearer", "api_key")
    people_fields: tuple[str, ...] = (
        "authors",
        "author",
        "responders",
        "on_call",
        "oncall",
        "incident_commander",
        "commander",
        "owner",
        "owners",
        "reporter",
        "reported_by",
        "participants",
        "created_by",
        "assignee",
        "assignees",
        "scribe",
    )


@dataclass(frozen=True)
class IngestConfig:
    """Which files a directory walk picks up, and the size limits of one input."""

    include: tuple[str, ...] = ("*.md", "*.json", "*.ndjson", "*.jsonl")
    exclude: tuple[str, ...] = (
        "README.md",
        "readme.md",
        "CHANGELOG.md",
        "CONTRIBUTING.md",
        "CODE_OF_CONDUCT.md",
        "LICENSE*",
        "SECURITY.md",
        "TEMPLATE.md",
        "template.md",
        "_*",
        ".*",
        "node_modules",
    )
    max_markdown_bytes: int = 5 * 1024 * 1024
    max_json_bytes: int = 256 * 1024 * 1024
    max_record_bytes: int = 5 * 1024 * 1024
    # Records (NDJSON lines, elements of a JSON array) read from one file or standard
    # input; the rest is rejected as one record. What a run holds grows with the records
    # it stores (docs/limits-and-security.md), so this bounds the memory of one file.
    max_records_per_file: int = 1_000_000
    keep_raw: bool = True
    # Processes that read and normalise records: 0 chooses (2 on a large input), 1 is serial.
    workers: int = 0
    # Errors a run shows in full (and, apart, warnings and notes); the rest are counted by
    # code. Every one is kept with its record in the inbox.
    max_errors: int = 100


@dataclass(frozen=True)
class SeverityConfig:
    """The severity scale, most severe first, and extra spellings mapped onto it."""

    scale: tuple[str, ...] = ("SEV1", "SEV2", "SEV3", "SEV4", "SEV5")
    aliases: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ClassifyConfig:
    """Where a record names no failure class: infer one from its labels and text.

    ``keywords`` maps a word or phrase of the text to a class id and is tried
    before the taxonomy's own aliases and keywords.
    """

    # "sources": only records read through a vendor adapter or a [sources] table (systems,
    # whose payloads carry no class); "all": also records people wrote; "off": never.
    # A post-mortem without a class is a gate failure by default, not a guess.
    infer: str = "sources"
    keywords: dict[str, str] = field(default_factory=dict)
    # The text model (when neither a hint nor a configured keyword names the class): the
    # taxonomy's class texts by similarity, blended with a model of the team's own labels
    # once the store holds this many human labels (the blend's weights are fitted on them,
    # by cross-validation; with fewer the fit is unstable).  Learning curves in
    # docs/learning.md.
    min_labels: int = 10
    # Below these probabilities the model abstains: the record is unclassified, and the
    # likeliest classes are named in the hint.
    min_probability: float = 0.25
    taxonomy_min_probability: float = 0.3
    # The most recent labelled reports the team model trains on, at most.
    max_training: int = 5000


@dataclass(frozen=True)
class ServicesConfig:
    """The services post-mortems are about, for those that name none.

    ``names`` maps a service to the words, host names or URL parts that name it
    (the service's own name always counts); a post-mortem without a service
    gets the one its title names, else its headings, else its host names and
    URLs.  ``default`` is the service of one that names none of them (a
    repository about one system); without it such a post-mortem is rejected.
    """

    names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    default: str | None = None


@dataclass(frozen=True)
class VendorsConfig:
    """How vendor payloads (Alertmanager, PagerDuty, Opsgenie, OTLP, Sentry) name a service.

    ``service_labels`` are the label, tag, detail or attribute keys that name
    the affected service, in order of preference.
    """

    service_labels: tuple[str, ...] = (
        "service",
        "service_name",
        "service.name",
        "app",
        "application",
        "job",
        "team",
    )


@dataclass(frozen=True)
class SourceMapping:
    """A named source format of the configuration: ``[sources.<name>]``.

    ``fields`` maps a canonical field to dotted paths into the payload
    (``incident.severity.name``, ``alerts[0].labels.service``; the first path
    with a value wins); ``constants`` gives values to fields the payload leaves
    empty; ``classes`` maps this source's own labels to class ids; ``services``
    names a service whose pattern (a regular expression) the title or summary
    matches, when no service is mapped; ``timezone`` is the zone of times written
    without one (``Europe/London``, ``PDT``, ``UTC+2``).  ``detect`` (paths that must all exist)
    recognises the format among JSON payloads; ``files`` (globs) applies it to
    files by path, Markdown included; ``records`` is the path of a list holding
    one record per element.
    """

    detect: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    records: str | None = None
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    constants: dict[str, Any] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    timezone: str | None = None


@dataclass(frozen=True)
class MetricsConfig:
    """Metric series: how their labels name a service and a metric, and what
    ``failearn metrics pull`` asks a Prometheus server for.

    A series' service is the value of the first of ``service_labels`` it carries
    (a Prometheus label, an OTLP resource or data-point attribute), mapped
    through ``services`` (a label value = a service name); its metric is the
    first of ``name_labels`` (the OTLP metric name otherwise), mapped through
    ``names``, else the metric ``files`` (a glob = a metric name) gives the
    file.  Its other labels tell series of one service and metric apart.
    ``queries`` (a metric name = PromQL; ``$service`` stands for each service
    asked for) are what ``metrics pull`` fetches, at ``step``.  A file of more
    than ``max_points`` points is refused before it is parsed (about 150 bytes
    of memory a point while parsing).
    """

    service_labels: tuple[str, ...] = (
        "service",
        "service_name",
        "service.name",
        "app",
        "application",
        "job",
    )
    name_labels: tuple[str, ...] = ("__name__",)
    names: dict[str, str] = field(default_factory=dict)
    services: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    max_points: int = 2_000_000
    queries: dict[str, str] = field(default_factory=dict)
    step: timedelta = timedelta(minutes=1)
    timeout: timedelta = timedelta(seconds=30)


@dataclass(frozen=True)
class PrecursorsConfig:
    """Precursors and triggers from metric series, measured against normal time.

    A precursor is looked for in the ``horizon`` before each incident, at least
    ``min_lead`` ahead (an alarm later leaves no time to act), against the same
    service's windows at the same time of day on up to ``control_days`` days
    either side that hold no incident: normal time is neither within
    ``horizon`` before an incident nor within ``exclude_after`` after one.  A
    signal is a feature (the level, or its change) over one of ``windows``; it
    is a precursor when its effect size (Cliff's delta) is at least
    ``min_effect`` with p at most ``max_p``.  A trigger's threshold is the one
    that fires before the most incidents while firing at most
    ``target_false_alarms`` times a week in normal time (alarms closer than
    ``rearm`` count once), judged on at least ``min_normal`` of normal time, and
    its held-out figures come from ``folds`` blocks of time.  ``during`` is the
    window after an incident's start its "during" figures are read from.
    """

    horizon: timedelta = timedelta(hours=1)
    min_lead: timedelta = timedelta(minutes=2)
    windows: tuple[str, ...] = ("2m", "5m", "10m", "15m", "30m")
    control_days: int = 7
    exclude_after: timedelta = timedelta(hours=2)
    during: timedelta = timedelta(minutes=15)
    min_effect: float = 0.6
    max_p: float = 0.01
    target_false_alarms: float = 1.0
    rearm: timedelta = timedelta(hours=1)
    min_normal: timedelta = timedelta(days=7)
    folds: int = 4


@dataclass(frozen=True)
class ClusterConfig:
    """Weekly clustering: the window, the grouping's parameters (None = chosen as
    ``failearn.commands.cluster`` documents), the weight of each part of an incident's vector and of
    each section of a post-mortem's prose, precursor and pattern-matching thresholds."""

    lookback: timedelta = timedelta(days=90)
    eps: float | None = None
    min_size: int | None = None
    min_cohesion: float = 0.05
    message_weight: float = 0.40
    text_weight: float = 0.30
    trace_weight: float = 0.15
    metrics_weight: float = 0.15
    service_weight: float = 0.0
    class_weight: float = 0.05
    section_weights: dict[str, float] = field(default_factory=dict)
    min_df: int = 5
    svd_components: int = 100
    precursor_min_effect: float = 0.6
    precursor_max_p: float = 0.01
    precursor_min_consistency: float = 0.75
    match_min_overlap: float = 0.5
    match_min_similarity: float = 0.8
    growth: float = 1.5


@dataclass(frozen=True)
class RulesConfig:
    """The learning registry and its guardrails (docs/report.md).

    ``min_confidence`` suppresses suggestions the formula scores lower (stale
    rules fall below it before they are archived); ``override_window`` is how
    far back human decisions count towards the override rate;
    ``trigger_window`` is read and no longer used: a trigger's window is learned
    from the metric series (``[precursors] windows``); the key stays so that
    configuration files that set it still load.  The override-rate
    warning needs ``override_min_reviews`` reviewed suggestions before it can
    fire: with 10, a team that rejects a healthy 15 % of suggestions sees a
    false warning about one time in twenty (binomial), with 3 four times in ten.
    A rejected rule comes back for review only when its evidence changes: its
    pattern gained ``reopen_growth`` (half) again as many incidents on its
    service as when it was rejected, or its trigger now watches another signal.
    """

    min_support: int = 3
    budget: int = 3
    override_warning: float = 0.30
    cooldown: timedelta = timedelta(minutes=30)
    max_active_rules: int = 10
    ttl: timedelta = timedelta(days=30)
    min_confidence: float = 0.10
    override_window: timedelta = timedelta(days=90)
    trigger_window: timedelta = timedelta(minutes=10)
    override_min_reviews: int = 10
    reopen_growth: float = 0.5
    # Assumptions a suggestion states, each with its key: a timeout this many times the
    # dependency's p99 latency in normal time; a pool sized so that its peak before the
    # incidents stays under this utilisation; an adaptation with no trigger to replay
    # assumed to prevent this share of its pattern's incidents.
    timeout_headroom: float = 2.0
    pool_target_utilization: float = 0.8
    assumed_prevention: float = 0.5
    # The weeks before the report whose incidents give a pattern's weekly rate (the
    # expected benefit of a rule is per week).
    benefit_weeks: int = 4


@dataclass(frozen=True)
class ReportConfig:
    """The weekly report: weeks of history it compares with, links to post-mortems."""

    weeks: int = 8
    incidents_shown: int = 5
    link_base: str | None = None
    template_dir: Path | None = None


@dataclass(frozen=True)
class DrillConfig:
    """``failearn drill``: the synthetic pattern it injects and the time the loop may take."""

    target: timedelta = timedelta(minutes=2)
    service: str = "drill-ledger"
    failure_class: str = "connection-pool-exhaustion"
    incidents: int = 12
    spread: timedelta = timedelta(days=14)
    message: str = (
        "drill: ledger connection pool exhausted, 0 of 40 connections available after 30000ms"
    )
    dependency: str = "ledger-db"
    metrics: dict[str, float] = field(
        default_factory=lambda: {"request_volume_change_pct": 6.0, "pool_utilization": 1.0}
    )
    # The metric series injected with them (a Prometheus range query, as `metrics pull`
    # stores it): ``signal`` around ``signal_normal`` with a daily cycle and noise, rising to
    # ``signal_peak`` over the ``lead`` before each injected incident; empty: no series.
    signal: str = "db_pool_utilization"
    signal_normal: float = 0.45
    signal_peak: float = 1.0
    lead: timedelta = timedelta(minutes=20)


@dataclass(frozen=True)
class AuditConfig:
    """Taxonomy drift audit: windows, and when a shift counts as drift.

    Drift in the class mix is declared only when the shift is both significant
    (p < ``alpha``) and large (Jensen–Shannon distance >= ``min_distance``), and
    only with at least ``min_recent`` and ``min_baseline`` incidents in the
    windows.  Drift in labelling is declared when the share of recent records
    whose text disagrees with their label rose significantly and by at least
    ``min_disagreement_rise``.
    """

    recent: timedelta = timedelta(days=7)
    baseline: timedelta = timedelta(days=28)
    alpha: float = 0.01
    min_distance: float = 0.1
    min_recent: int = 20
    min_baseline: int = 50
    # Below this expected count in any cell, the p-value is a seeded Monte Carlo estimate.
    min_expected: float = 5.0
    samples: int = 10_000
    seed: int = 0
    # A class is named as rising or falling when its own exact test (Holm-adjusted over
    # the classes) gives p below this and its share moved by at least min_share_change.
    class_alpha: float = 0.05
    min_share_change: float = 0.05
    # The label-consistency classifier.
    classifier: bool = True
    folds: int = 5
    max_training: int = 10_000
    confidence: float = 0.5
    min_disagreement_rise: float = 0.10
    # Records listed per finding (the counts are always complete).
    show: int = 20


@dataclass(frozen=True)
class Settings:
    """Everything a command needs to know about the user's set-up."""

    # A SQLite file (a Path) or a PostgreSQL URL (a str): see failearn.store.location.
    db: Path | str = Path(DEFAULT_DB)
    # How long a command waits for another writer (two CI jobs at once) before giving up.
    busy_timeout: timedelta = timedelta(minutes=2)
    taxonomy: Path | None = None
    gates: GatesConfig = field(default_factory=GatesConfig)
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    classes: dict[str, str] = field(default_factory=dict)
    dedup: DedupConfig = field(default_factory=DedupConfig)
    anonymize: AnonymizeConfig = field(default_factory=AnonymizeConfig)
    ingest: IngestConfig = field(default_factory=IngestConfig)
    severity: SeverityConfig = field(default_factory=SeverityConfig)
    classify: ClassifyConfig = field(default_factory=ClassifyConfig)
    vendors: VendorsConfig = field(default_factory=VendorsConfig)
    services: ServicesConfig = field(default_factory=ServicesConfig)
    sources: dict[str, SourceMapping] = field(default_factory=dict)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    precursors: PrecursorsConfig = field(default_factory=PrecursorsConfig)
    cluster: ClusterConfig = field(default_factory=ClusterConfig)
    rules: RulesConfig = field(default_factory=RulesConfig)
    report: ReportConfig = field(default_factory=ReportConfig)
    drill: DrillConfig = field(default_factory=DrillConfig)
    audit: AuditConfig = field(default_factory=AuditConfig)
    config_path: Path | None = None
    # The folder sources are named relative to (:mod:`failearn.project`); None: the
    # working directory.
    root: Path | None = None

    def with_db(self, db: Path | str | None) -> Settings:
        """The settings with the database a command line or environment chose (a path, or
        a URL: see :func:`failearn.store.location.parse`)."""
        if db is None or db == "":
            return self
        return replace(self, db=_location(db) if isinstance(db, str) else db)


_NOT_CONFIGURABLE = {"config_path", "root"}


@cache
def section_types() -> dict[str, type[Any]]:
    """The sections of the configuration (``[cluster]``, ``[rules]``…) and their dataclasses."""
    hints = typing.get_type_hints(Settings)
    return {
        item.name: hints[item.name]
        for item in fields(Settings)
        if is_dataclass(hints[item.name]) and isinstance(hints[item.name], type)
    }


def _location(text: str, base: Path | None = None) -> Path | str:
    """A database location (imported here: the store package is not needed for --help)."""
    from failearn.store.location import parse

    return parse(text, base)


def _strip_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0], True
    return annotation, False


def _table(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConfigError(f"`{where}` must be a table")
    return value


def _database(value: Any, where: str, base: Path | None) -> Path | str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(f"`{where}` must be a path or a postgresql:// URL")
    return _location(value, base)


def _duration(value: Any, where: str, _base: Path | None) -> timedelta:
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise ConfigError(f"`{where}`: {exc}") from exc


def _path(value: Any, where: str, base: Path | None) -> Path:
    """A path of the file, relative to the file's folder unless absolute (``~`` expanded)."""
    if not isinstance(value, str) or not value:
        raise ConfigError(f"`{where}` must be a path")
    path = Path(value).expanduser()
    return path if path.is_absolute() or base is None else base / path


def _bool(value: Any, where: str, _base: Path | None) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"`{where}` must be true or false, not {value!r}")
    return value


def _int(value: Any, where: str, _base: Path | None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError(f"`{where}` must be an integer, not {value!r}")
    return value


def _float(value: Any, where: str, _base: Path | None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"`{where}` must be a number, not {value!r}")
    return float(value)


def _str(value: Any, where: str, _base: Path | None) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"`{where}` must be a string, not {value!r}")
    return value


def _strings(value: Any, where: str) -> tuple[str, ...]:
    """A list of strings (one string is a list of one)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
        raise ConfigError(f"`{where}` must be a list of strings")
    return tuple(items)


_SCALARS: dict[Any, typing.Callable[[Any, str, Path | None], Any]] = {
    timedelta: _duration,
    Path: _path,
    bool: _bool,
    int: _int,
    float: _float,
    str: _str,
}


def _convert(value: Any, annotation: Any, where: str, base: Path | None) -> Any:
    """A value of the TOML table as the dataclass field annotated ``annotation`` holds it."""
    inner, optional = _strip_optional(annotation)
    if value is None and optional:
        return None
    if is_dataclass(inner) and isinstance(inner, type):
        return _build(inner, _table(value, where), where, base)
    if annotation == Path | str:  # a database: a SQLite path or a PostgreSQL URL
        return _database(value, where, base)
    scalar = _SCALARS.get(inner)
    if scalar is not None:
        return scalar(value, where, base)
    origin = typing.get_origin(inner)
    if origin is tuple:
        return _strings(value, where)
    if origin is dict:
        _, value_type = typing.get_args(inner)
        return {
            str(k): _convert(v, value_type, f"{where}.{k}", base)
            for k, v in _table(value, where).items()
        }
    if inner is Any:
        return value
    raise ConfigError(f"`{where}` has a type failearn cannot read")  # pragma: no cover


RENAMED = {"cluster.min_samples": "cluster.min_size"}
"""Keys an older configuration may still name, with the key that replaced each."""


def _build(cls: type[Any], table: dict[str, Any], prefix: str, base: Path | None) -> Any:
    hints = typing.get_type_hints(cls)
    known = {f.name for f in fields(cls)} - _NOT_CONFIGURABLE
    values: dict[str, Any] = {}
    for key, value in table.items():
        where = f"{prefix}.{key}" if prefix else key
        if key not in known:
            renamed = RENAMED.get(where)
            raise ConfigError(
                f"unknown configuration key `{where}`",
                hint=f"`{where}` is now `{renamed}`"
                if renamed
                else "known keys here: " + ", ".join(sorted(known)),
            )
        values[key] = _convert(value, hints[key], where, base)
    return cls(**values)


def discover(start: Path) -> tuple[Path, dict[str, Any]] | None:
    """The nearest configuration from ``start`` upwards, with its table of settings."""
    for directory in [start, *start.parents]:
        candidate = directory / CONFIG_FILE
        if candidate.is_file():
            return candidate, _read_toml(candidate)
        pyproject = directory / PYPROJECT
        if pyproject.is_file():
            table = _read_toml(pyproject).get("tool", {}).get("failearn")
            if table is not None:
                if not isinstance(table, dict):
                    raise ConfigError(f"{pyproject}: [tool.failearn] must be a table")
                return pyproject, table
    return None


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        # An editor's UTF-8 byte-order mark is not a TOML error.
        return tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: malformed TOML: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text") from exc


INFER_CHOICES = ("sources", "all", "off")


def validate(settings: Settings) -> None:
    """Check what types alone cannot: names that must exist, sizes that must be positive.

    Each problem names its key, at load time, so a typo is not discovered as a
    puzzling rejection of every record later.  The checks run section by section, in
    the order of the file's documentation; the first problem is the one reported.
    """
    for check in _CHECKS:
        check(settings)


MAX_WEEKS = 520  # ten years of weekly reports: the most a report looks back


def check_ranges(settings: Settings) -> None:
    """The ranges of the keys a command-line option can also set, checked once the options
    are applied, naming both the option and the key: every command refuses the same
    values, from the file or the command line."""
    rules = settings.rules
    if rules.budget < 0:
        raise UsageError("--budget / [rules] budget: the suggestion budget must be 0 or more")
    if rules.min_support < 1:
        raise UsageError("--min-support / [rules] min_support must be at least 1")
    if not 0 <= rules.override_warning <= 1:
        raise UsageError(
            "--override-warning / [rules] override_warning must be a share between 0 and 1"
        )
    if not 0 <= rules.min_confidence <= 1:
        raise UsageError("--min-confidence / [rules] min_confidence must be between 0 and 1")
    if rules.ttl <= timedelta(0) or rules.cooldown < timedelta(0):
        raise UsageError(
            "--ttl / [rules] ttl must be positive and --cooldown / [rules] cooldown not negative"
        )
    if rules.max_active_rules < 0:
        raise UsageError("--max-active-rules / [rules] max_active_rules must be 0 or more")
    if not 1 <= settings.report.weeks <= MAX_WEEKS:
        raise UsageError(f"[report] weeks (--weeks) must be between 1 and {MAX_WEEKS}")


def _fail(key: str, message: str) -> typing.NoReturn:
    raise ConfigError(f"`{key}` {message}")


def _record_fields() -> tuple[str, ...]:
    from failearn.record import CANONICAL_FIELDS, EXTRA_FIELDS

    return (*CANONICAL_FIELDS, *EXTRA_FIELDS)


def _not_a_field(field_name: str) -> str:
    from failearn.record import CANONICAL_FIELDS

    return f"{field_name!r}, which is not a record field (fields: {', '.join(CANONICAL_FIELDS)})"


def _check_gate_fields(settings: Settings) -> None:
    """Every field a gate names is a record field, and none is both required and
    recommended."""
    gates, known = settings.gates, _record_fields()
    for key in ("require", "recommend", "postmortem_require", "postmortem_recommend"):
        for field_name in getattr(gates, key):
            if field_name not in known:
                _fail(f"gates.{key}", "names " + _not_a_field(field_name))
    for required, recommended in (
        ("require", "recommend"),
        ("postmortem_require", "postmortem_recommend"),
    ):
        both = set(getattr(gates, required)) & set(getattr(gates, recommended))
        if both:
            _fail(
                f"gates.{recommended}",
                f"names {', '.join(sorted(both))}, which `gates.{required}` already requires",
            )


def _check_trace_pattern(settings: Settings) -> None:
    try:
        re.compile(settings.gates.trace_id_pattern)
    except re.error as exc:
        _fail("gates.trace_id_pattern", f"is not a valid regular expression: {exc}")


def _check_field_mappings(settings: Settings) -> None:
    from failearn.record import CANONICAL_FIELDS

    known = _record_fields()
    for field_name in settings.fields:
        if field_name not in known:
            _fail(
                f"fields.{field_name}",
                f"is not a record field (fields: {', '.join(CANONICAL_FIELDS)})",
            )


def _check_dedup_and_masks(settings: Settings) -> None:
    from failearn.capture.anonymize import MASKS

    if settings.dedup.window < timedelta(0):
        _fail("dedup.window", "cannot be negative")
    for mask in settings.anonymize.mask:
        if mask not in MASKS:
            _fail("anonymize.mask", f"names {mask!r}; masks: {', '.join(MASKS)}")


def _check_ingest(settings: Settings) -> None:
    ingest = settings.ingest
    for key in ("max_markdown_bytes", "max_json_bytes", "max_record_bytes", "max_records_per_file"):
        if getattr(ingest, key) <= 0:
            _fail(f"ingest.{key}", "must be positive")
    if ingest.workers < 0:
        _fail("ingest.workers", "cannot be negative (0 chooses, 1 is one process)")
    if ingest.max_errors < 0:
        _fail("ingest.max_errors", "cannot be negative (0 shows only the counts per code)")


def _check_severity(settings: Settings) -> None:
    scale = settings.severity.scale
    if not scale or len(set(scale)) != len(scale):
        _fail("severity.scale", "must list at least one level, each once")
    for spelling, level in settings.severity.aliases.items():
        if level not in scale:
            _fail(
                f"severity.aliases.{spelling}",
                f"maps to {level!r}, which is not on the scale {', '.join(scale)}",
            )


def _check_classify(settings: Settings) -> None:
    classify = settings.classify
    if classify.infer not in INFER_CHOICES:
        _fail(
            "classify.infer",
            f"must be one of {', '.join(INFER_CHOICES)}, not {classify.infer!r}",
        )
    if classify.min_labels < 4:
        _fail(
            "classify.min_labels",
            "must be at least 4 (the blend is fitted on held-out folds of the labels)",
        )
    for key in ("min_probability", "taxonomy_min_probability"):
        if not 0.0 <= getattr(classify, key) <= 1.0:
            _fail(f"classify.{key}", "must be a probability between 0 and 1")
    if classify.max_training < classify.min_labels:
        _fail("classify.max_training", "cannot be below classify.min_labels")


def _check_busy_timeout(settings: Settings) -> None:
    if settings.busy_timeout < timedelta(0):
        _fail("busy_timeout", "cannot be negative")


def _check_precursor_windows(settings: Settings) -> None:
    windows = settings.precursors.windows
    for window in windows:
        try:
            if parse_duration(window) <= timedelta(0):
                raise ValueError("it must be positive")
        except ValueError as exc:
            _fail("precursors.windows", f"holds {window!r}: {exc}")
    if not windows:
        _fail("precursors.windows", "must name at least one window")


def _check_precursors(settings: Settings) -> None:
    precursors = settings.precursors
    if precursors.horizon <= precursors.min_lead:
        _fail("precursors.horizon", "must be longer than precursors.min_lead")
    if precursors.folds < 2 or precursors.control_days < 1:
        _fail("precursors.folds", "must be at least 2 (and control_days at least 1)")
    if precursors.target_false_alarms < 0:
        _fail("precursors.target_false_alarms", "cannot be negative")


def _check_metrics(settings: Settings) -> None:
    metrics = settings.metrics
    if metrics.max_points <= 0:
        _fail("metrics.max_points", "must be positive")
    for key in ("step", "timeout"):
        if getattr(metrics, key) <= timedelta(0):
            _fail(f"metrics.{key}", "must be positive")


_CHECKS: tuple[typing.Callable[[Settings], None], ...] = (
    _check_gate_fields,
    _check_trace_pattern,
    _check_field_mappings,
    _check_dedup_and_masks,
    _check_ingest,
    _check_severity,
    _check_classify,
    _check_busy_timeout,
    _check_precursor_windows,
    _check_precursors,
    _check_metrics,
)


def settings_from_table(table: dict[str, Any], path: Path | None) -> Settings:
    """Validate a configuration table (as read from TOML) into :class:`Settings`."""
    base = path.parent if path is not None else None
    where = f"{path}: " if path is not None else ""
    try:
        settings = _build(Settings, table, "", base)
        validate(settings)
    except ConfigError as exc:
        raise ConfigError(where + exc.message, hint=exc.hint) from exc
    if path is not None:
        settings = replace(settings, config_path=path)
    return typing.cast(Settings, settings)


def load_settings(
    config: Path | None = None,
    *,
    cwd: Path | None = None,
    environ: typing.Mapping[str, str] | None = None,
) -> Settings:
    """The settings for a command: explicit file, else discovered, else defaults.

    The database path comes, in order, from ``--db`` (applied by the caller),
    ``FAILEARN_DB``, the configuration's ``db``, and ``failearn.db`` at the project
    root (the configuration's folder, else the git work tree's top, else ``.``).  The
    pseudonymisation secret from ``FAILEARN_SECRET``, else ``[anonymize] secret``,
    else a key the database generates and keeps.
    """
    env = os.environ if environ is None else environ
    chosen = config or (Path(env["FAILEARN_CONFIG"]) if env.get("FAILEARN_CONFIG") else None)
    if chosen is not None:
        if not chosen.is_file():
            raise ConfigError(f"configuration file {chosen} does not exist")
        if chosen.name == PYPROJECT:
            table = _read_toml(chosen).get("tool", {}).get("failearn", {})
        else:
            table = _read_toml(chosen)
        settings = settings_from_table(table, chosen.resolve())
        db_given = "db" in table
    else:
        found = discover((cwd or Path.cwd()).resolve())
        settings = settings_from_table(found[1], found[0]) if found else Settings()
        db_given = found is not None and "db" in found[1]
    root = find_root(settings.config_path, cwd or Path.cwd())
    settings = replace(settings, root=root)
    if not db_given:
        settings = settings.with_db(_relative_if_here(root / DEFAULT_DB, cwd or Path.cwd()))
    if env.get("FAILEARN_DB"):
        settings = settings.with_db(env["FAILEARN_DB"])
    if env.get("FAILEARN_SECRET"):
        # The pseudonymisation key belongs in a CI secret, not in a committed file.
        settings = replace(
            settings, anonymize=replace(settings.anonymize, secret=env["FAILEARN_SECRET"])
        )
    return settings


def _relative_if_here(path: Path, cwd: Path) -> Path:
    """``failearn.db`` rather than its absolute path when the root is the working
    directory: messages stay short where nothing moved."""
    try:
        return path.relative_to(cwd.resolve())
    except ValueError:
        return path
