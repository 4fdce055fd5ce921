from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from failearn.config import Settings, load_settings
from failearn.errors import ConfigError


def test_defaults_are_the_domain_defaults(tmp_path: Path) -> None:
    settings = load_settings(cwd=tmp_path, environ={})
    # Outside a git work tree and without a configuration, the project is the folder.
    assert settings == Settings(root=tmp_path)
    assert settings.dedup.window == timedelta(minutes=5)
    assert settings.gates.require == ("timestamp", "service", "failure_class", "trace_ids")
    assert settings.gates.trace_id_pattern == "^[0-9a-f]{32}$"
    assert settings.rules.min_support == 3 and settings.rules.budget == 3
    assert settings.rules.cooldown == timedelta(minutes=30)
    assert settings.rules.max_active_rules == 10 and settings.rules.ttl == timedelta(days=30)
    assert settings.rules.override_warning == pytest.approx(0.30)
    assert settings.audit.recent == timedelta(days=7)
    assert settings.audit.baseline == timedelta(days=28)
    assert settings.anonymize.enabled


def test_discovered_upwards_with_paths_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text(
        'db = "data/incidents.db"\ntaxonomy = "tax/classes.yaml"\n'
        '[dedup]\nwindow = "10m"\n[fields]\ntimestamp = ["date", "start_time"]\n'
        '[classes]\n"config-change" = "configuration-error"\n',
        encoding="utf-8",
    )
    nested = tmp_path / "a" / "b"
    nested.mkdir(parents=True)
    settings = load_settings(cwd=nested, environ={})
    assert settings.db == tmp_path / "data" / "incidents.db"
    assert settings.taxonomy == tmp_path / "tax" / "classes.yaml"
    assert settings.dedup.window == timedelta(minutes=10)
    assert settings.fields == {"timestamp": ("date", "start_time")}
    assert settings.classes == {"config-change": "configuration-error"}
    assert settings.config_path == tmp_path / "failearn.toml"


def test_pyproject_tool_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n[tool.failearn.gates]\nrequire = ["timestamp", "service"]\n',
        encoding="utf-8",
    )
    settings = load_settings(cwd=tmp_path, environ={})
    assert settings.gates.require == ("timestamp", "service")


def test_a_pyproject_without_the_table_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text('[dedup]\nwindow = "1m"\n', encoding="utf-8")
    child = tmp_path / "child"
    child.mkdir()
    (child / "pyproject.toml").write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert load_settings(cwd=child, environ={}).dedup.window == timedelta(minutes=1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[dedupe]\nwindow = "5m"\n', "unknown configuration key `dedupe`"),
        ('[dedup]\nwindows = "5m"\n', "unknown configuration key `dedup.windows`"),
        ('[dedup]\nwindow = "five minutes"\n', "`dedup.window`"),
        ('[anonymize]\nenabled = "yes"\n', "`anonymize.enabled` must be true or false"),
        ('[rules]\nbudget = "3"\n', "`rules.budget` must be an integer"),
        ("[gates\n", "malformed TOML"),
        ("dedup = 5\n", "`dedup` must be a table"),
        ("db = 3\n", "`db` must be a path or a postgresql:// URL"),
        ('taxonomy = ""\n', "`taxonomy` must be a path"),
        ('[cluster]\nmin_cohesion = "high"\n', "`cluster.min_cohesion` must be a number"),
        ("[cluster]\nmin_cohesion = true\n", "`cluster.min_cohesion` must be a number"),
        ("[drill]\nservice = 3\n", "`drill.service` must be a string"),
        ("[ingest]\ninclude = [1]\n", "`ingest.include` must be a list of strings"),
        ("[severity]\naliases = 3\n", "`severity.aliases` must be a table"),
        ("[severity.aliases]\nurgent = 1\n", "`severity.aliases.urgent` must be a string"),
    ],
)
def test_bad_configuration_names_the_key(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "failearn.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[")) as caught:
        load_settings(cwd=tmp_path, environ={})
    assert str(tmp_path / "failearn.toml") in caught.value.message


def test_explicit_file_and_environment(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text('db = "team.db"\n', encoding="utf-8")
    assert load_settings(config, environ={}).db == tmp_path / "team.db"
    assert load_settings(config, environ={"FAILEARN_DB": "/x/y.db"}).db == Path("/x/y.db")
    env = {"FAILEARN_CONFIG": str(config)}
    assert load_settings(cwd=Path("/"), environ=env).db == tmp_path / "team.db"
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.toml", environ={})


def test_the_pseudonym_secret_can_come_from_the_environment(tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text('[anonymize]\nsecret = "in-file"\n', encoding="utf-8")
    assert load_settings(cwd=tmp_path, environ={}).anonymize.secret == "in-file"
    env = {"FAILEARN_SECRET": "from-ci"}
    assert load_settings(cwd=tmp_path, environ=env).anonymize.secret == "from-ci"


def test_source_mappings_vendors_and_classify(tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_text(
        '[vendors]\nservice_labels = ["app"]\n[classify]\ninfer = "off"\n'
        '[classify.keywords]\n"disk full" = "resource-exhaustion"\n'
        '[sources.jira]\ndetect = ["fields.issuetype"]\nfiles = ["exports/jira/*.json"]\n'
        'timezone = "Europe/London"\n'
        '[sources.jira.fields]\ntimestamp = "fields.created"\n'
        'service = ["fields.components[0].name", "fields.project.key"]\n'
        '[sources.jira.constants]\nseverity = "SEV3"\n'
        '[sources.jira.classes]\n"Database" = "dependency-failure"\n',
        encoding="utf-8",
    )
    settings = load_settings(cwd=tmp_path, environ={})
    assert settings.vendors.service_labels == ("app",)
    assert settings.classify.infer == "off"
    assert settings.classify.keywords == {"disk full": "resource-exhaustion"}
    jira = settings.sources["jira"]
    assert jira.fields["service"] == ("fields.components[0].name", "fields.project.key")
    assert jira.fields["timestamp"] == ("fields.created",)
    assert jira.constants == {"severity": "SEV3"} and jira.timezone == "Europe/London"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[sources.x]\nfieldz = {}\n", "unknown configuration key `sources.x.fieldz`"),
        ('[sources.x.fields]\nbogus = "a.b"\n', "`sources.x`: unknown field `bogus`"),
        ('[sources.x.fields]\nservice = "a..b"\n', "`sources.x.fields.service`"),
        ('[sources.x.services]\napi = "("\n', "`sources.x.services.api`"),
        ('[sources.x]\ntimezone = "Mars/Olympus"\n', "`sources.x.timezone`"),
        ('[sources.otlp]\ndetect = ["a"]\n', "`otlp` is a built-in format"),
    ],
)
def test_bad_source_mappings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    from failearn.sources.vendors import Formats

    (tmp_path / "failearn.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        Formats.build(load_settings(cwd=tmp_path, environ={}))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[gates]\nrequire = ["timestamp", "servce"]\n', "`gates.require` names 'servce'"),
        ('[gates]\ntrace_id_pattern = "[0-9"\n', "`gates.trace_id_pattern` is not a valid"),
        ('[fields]\nservce = ["svc"]\n', "`fields.servce` is not a record field"),
        ('[dedup]\nwindow = "0m"\n[anonymize]\nmask = ["emails"]\n', "`anonymize.mask` names"),
        ("[ingest]\nmax_json_bytes = -1\n", "`ingest.max_json_bytes` must be positive"),
        ("[ingest]\nworkers = -2\n", "`ingest.workers` cannot be negative"),
        ("[severity]\nscale = []\n", "`severity.scale` must list at least one level"),
        ('[severity]\naliases = { urgent = "SEV0" }\n', "`severity.aliases.urgent` maps to"),
        ('[classify]\ninfer = "sometimes"\n', "`classify.infer` must be one of"),
        (
            '[gates]\nrequire = ["timestamp"]\nrecommend = ["timestamp"]\n',
            "`gates.recommend` names timestamp, which `gates.require` already requires",
        ),
        ("[ingest]\nmax_errors = -1\n", "`ingest.max_errors` cannot be negative"),
        ("[classify]\nmin_labels = 3\n", "`classify.min_labels` must be at least 4"),
        ("[classify]\nmin_probability = 1.5\n", "`classify.min_probability` must be a probability"),
        ("[classify]\nmax_training = 5\n", "`classify.max_training` cannot be below"),
        ('[precursors]\nwindows = ["5m", "0m"]\n', "`precursors.windows` holds '0m'"),
        ("[precursors]\nwindows = []\n", "`precursors.windows` must name at least one window"),
        ('[precursors]\nhorizon = "1m"\n', "`precursors.horizon` must be longer than"),
        ("[precursors]\nfolds = 1\n", "`precursors.folds` must be at least 2"),
        ("[precursors]\ntarget_false_alarms = -1\n", "`precursors.target_false_alarms` cannot"),
        ("[metrics]\nmax_points = 0\n", "`metrics.max_points` must be positive"),
        ('[metrics]\nstep = "0s"\n', "`metrics.step` must be positive"),
        ('[metrics]\ntimeout = "0s"\n', "`metrics.timeout` must be positive"),
    ],
)
def test_meaningless_values_are_refused_when_loaded(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "failearn.toml").write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_settings(cwd=tmp_path, environ={})


def test_a_configuration_with_a_byte_order_mark(tmp_path: Path) -> None:
    (tmp_path / "failearn.toml").write_bytes('\ufeff[dedup]\nwindow = "7m"\n'.encode())
    assert load_settings(cwd=tmp_path, environ={}).dedup.window == timedelta(minutes=7)


@pytest.mark.parametrize("value", ["1e18", "inf", "nan", "-1"])
def test_durations_written_as_numbers_are_checked(tmp_path: Path, value: str) -> None:
    (tmp_path / "failearn.toml").write_text(f"[dedup]\nwindow = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"`dedup\.window`"):
        load_settings(cwd=tmp_path, environ={})
