"""``effective_settings``: a monitor after ``${VAR}`` and defaults, with no secret left."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import effective_settings, load_config, secret_values, settings_text
from monitor.config.model import MULTIVARIATE_THRESHOLDS
from monitor.engine.multivariate import DEFAULT_THRESHOLDS
from monitor.errors import ConfigError

CONFIG = """\
database_url: postgresql+psycopg://driftline:${PG_PASSWORD}@db:5432/driftline
monitors:
  - name: credit
    baseline: ${BASELINE_DIR}/credit.driftline
    schedule: {cron: '0 * * * *'}
    window: 2h
    delta: 0.2
    source:
      kind: sql
      url: postgresql+psycopg://reader:${PG_PASSWORD}@db:5432/app
      query: select * from scores where note <> '${PG_PASSWORD}'
      event_time_column: ts
"""
ENV = {"PG_PASSWORD": "s3cret-pw-value", "BASELINE_DIR": "/srv/baselines"}


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    path = tmp_path / "driftline.yaml"
    path.write_text(CONFIG)
    return path


def test_variables_are_substituted_and_defaults_filled(config_path: Path) -> None:
    shown = effective_settings(load_config(config_path, ENV), "credit")
    assert shown["baseline"] == "/srv/baselines/credit.driftline"
    assert shown["schedule"] == {"interval": None, "cron": "0 * * * *"}
    assert shown["window"] == "2h" and shown["grace"] == "0s"
    assert shown["delta_categorical"] == 0.2  # unset: the monitor's delta
    assert shown["multivariate_threshold"] == 0.05  # unset: the classifier's default
    assert shown["alerts"]["delivery"]["max_backoff"] == "1h"


def test_no_secret_survives_in_any_value(config_path: Path) -> None:
    config = load_config(config_path, ENV)
    shown = effective_settings(config, "credit")
    text = settings_text(shown)
    assert shown["source"]["url"] == "***"
    assert shown["source"]["query"] == "select * from scores where note <> '***'"
    for secret in secret_values(config):
        assert secret not in text


def test_an_unknown_monitor_is_named_with_the_known_ones(config_path: Path) -> None:
    with pytest.raises(ConfigError, match="no monitor named 'churn'; configured monitors: credit"):
        effective_settings(load_config(config_path, ENV), "churn")


def test_an_unset_multivariate_threshold_shows_the_methods_default(tmp_path: Path) -> None:
    path = tmp_path / "driftline.yaml"
    path.write_text(CONFIG + "    multivariate: pca\n")
    assert effective_settings(load_config(path, ENV), "credit")["multivariate_threshold"] == 0.1


def test_the_configs_method_defaults_are_the_engines() -> None:
    """config imports no engine code, so it keeps its own copy of the defaults."""
    assert dict(MULTIVARIATE_THRESHOLDS) == dict(DEFAULT_THRESHOLDS)
