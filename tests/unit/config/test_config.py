"""load_config(): the YAML schema, defaults, env substitution, secrets and error messages."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import (
    DEFAULT_DATABASE_URL,
    Config,
    FilesSource,
    IngestSource,
    SqlSource,
    format_duration,
    load_config,
    parse_duration,
    redact_url,
)
from monitor.errors import ConfigError

FULL = """\
database_url: postgresql://driftline:${DB_PASSWORD}@db:5432/driftline
api:
  host: 0.0.0.0
  port: 9000
  token: ${API_TOKEN}
  max_request_bytes: 1048576
  max_batch_records: 500
monitors:
  - name: credit_default
    baseline: models:/credit_default@production
    source:
      kind: sql
      url: postgresql://reader:${SQL_PASSWORD:-hunter2}@warehouse/live
      query: select * from predictions
      event_time_column: scored_at
    schedule: {interval: 1h}
    window: 2h
    grace: 15m
    min_rows: 100
    alpha: 0.01
    delta: 0.2
    delta_categorical: 0.05
    delta_prediction: 0.2
    multivariate: off
    drift_share: 0.3
    columns:
      income: {method: ks, alpha: 0.001}
      region: {method: chi2, delta: 0.1}
    ignore: [customer_id]
    target: default
    prediction: predicted_proba
  - name: churn-v2
    baseline: baselines/churn.json
    source: {kind: files, glob: "data/churn/*.parquet", event_time_column: ts, format: parquet}
    schedule: {cron: "0 6 * * 1"}
    window: 1w
  - name: pushed
    baseline: models:/pushed/3
    schedule: {interval: 1h30m}
"""
ENV = {"DB_PASSWORD": "s3cret-db", "API_TOKEN": "tok-abc123"}
MONITOR = "monitors:\n  - name: m\n    baseline: b.json\n"


def _write(tmp_path: Path, text: str, name: str = "driftline.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> tuple[str, str]:
    path = _write(tmp_path, text)
    with pytest.raises(ConfigError) as info:
        load_config(path, env=env or {})
    return str(path), str(info.value)


def test_full_example_loads_every_field(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL), env=ENV)
    assert config.database_url == "postgresql://driftline:s3cret-db@db:5432/driftline"
    assert (config.api.host, config.api.port, config.api.max_batch_records) == (
        "0.0.0.0",
        9000,
        500,
    )
    assert config.api.token is not None and config.api.token.get_secret_value() == "tok-abc123"
    credit, churn, pushed = config.monitors
    assert isinstance(credit.source, SqlSource)
    assert credit.source.url.get_secret_value() == "postgresql://reader:hunter2@warehouse/live"
    assert credit.schedule.interval == timedelta(hours=1) and credit.schedule.cron is None
    assert (credit.window, credit.grace) == (timedelta(hours=2), timedelta(minutes=15))
    assert (credit.min_rows, credit.alpha, credit.delta) == (100, 0.01, 0.2)
    assert (credit.delta_categorical, credit.drift_share) == (0.05, 0.3)
    assert credit.delta_prediction == 0.2 and credit.multivariate == "off"
    assert credit.columns["income"].method == "ks" and credit.columns["income"].alpha == 0.001
    assert credit.columns["region"].delta == 0.1 and credit.columns["region"].alpha is None
    assert (credit.ignore, credit.target, credit.prediction) == (
        ("customer_id",),
        "default",
        "predicted_proba",
    )
    assert churn.source == FilesSource(
        kind="files", glob="data/churn/*.parquet", event_time_column="ts", format="parquet"
    )
    assert churn.schedule.cron == "0 6 * * 1" and churn.window == timedelta(weeks=1)
    assert pushed.baseline == "models:/pushed/3" and isinstance(pushed.source, IngestSource)
    assert config.monitor("churn-v2") is churn


def test_full_example_round_trips_through_model_dump(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL), env=ENV)
    assert Config.model_validate(config.model_dump()) == config


def test_config_is_frozen(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL), env=ENV)
    with pytest.raises(ValueError, match="frozen"):
        config.monitors[0].alpha = 0.5  # type: ignore[misc]


def test_defaults_fill_an_almost_empty_monitor(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, MONITOR + "    schedule: {interval: 15m}\n"), env={})
    assert config.database_url == DEFAULT_DATABASE_URL == "sqlite:///./driftline.db"
    api = config.api
    assert (api.host, api.port, api.token) == ("127.0.0.1", 8050, None)
    assert (api.max_request_bytes, api.max_batch_records) == (10 * 1024 * 1024, 10_000)
    (monitor,) = config.monitors
    assert monitor.source == IngestSource()
    assert monitor.window == timedelta(minutes=15)  # defaults to the interval
    assert monitor.grace == timedelta(0) and monitor.min_rows == 30
    assert (monitor.alpha, monitor.delta, monitor.delta_categorical) == (0.05, 0.1, None)
    assert monitor.drift_share == 0.5 and monitor.delta_prediction == 0.1
    assert (monitor.multivariate, monitor.multivariate_threshold) == ("classifier", None)
    assert (monitor.columns, monitor.ignore, monitor.target, monitor.prediction) == (
        {},
        (),
        None,
        None,
    )


def test_empty_file_is_a_config_without_monitors(tmp_path: Path) -> None:
    assert load_config(_write(tmp_path, ""), env={}) == Config()


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("1h", 3600), ("1h30m", 5400), ("2d", 172_800), ("1w", 604_800)],
    ids=["seconds", "minutes", "hour", "hour-and-minutes", "days", "week"],
)
def test_parse_duration_accepts_units(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)
    assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize(
    "text", ["", "1", "1x", "h", "30m1h", "1h 30m", "-1h", "1.5h", "1h1h"], ids=repr
)
def test_parse_duration_rejects_malformed_text(text: str) -> None:
    with pytest.raises(ValueError, match="expected a duration such as"):
        parse_duration(text)


# ---------------------------------------------------------------- error messages
# Each names the file, the field path, the value given and what was expected.


def test_bad_interval_names_file_and_field(tmp_path: Path) -> None:
    path, message = _error(tmp_path, MONITOR + "    schedule: {interval: soon}\n")
    assert f"{path}: monitors[0].schedule.interval: expected a duration" in message
    assert "'soon'" in message


def test_zero_interval_is_rejected(tmp_path: Path) -> None:
    path, message = _error(tmp_path, MONITOR + "    schedule: {interval: 0s}\n")
    assert f"{path}: monitors[0].schedule.interval: must be longer than 0s" in message
    assert "(1 error;" in message  # not repeated for the window that defaults to it


def test_zero_window_is_rejected(tmp_path: Path) -> None:
    path, message = _error(tmp_path, MONITOR + "    schedule: {interval: 1h}\n    window: 0m\n")
    assert f"{path}: monitors[0].window: must be longer than 0s" in message


def test_both_interval_and_cron_is_rejected(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h, cron: '0 * * * *'}\n    window: 1h\n"
    path, message = _error(tmp_path, text)
    assert f"{path}: monitors[0].schedule: expected exactly one of 'interval'" in message
    assert "got both" in message


def test_schedule_without_interval_or_cron_is_rejected(tmp_path: Path) -> None:
    path, message = _error(tmp_path, MONITOR + "    schedule: {}\n")
    assert f"{path}: monitors[0].schedule: expected exactly one of" in message
    assert "got neither" in message and "(1 error;" in message


def test_cron_without_window_is_rejected(tmp_path: Path) -> None:
    path, message = _error(tmp_path, MONITOR + "    schedule: {cron: '0 * * * *'}\n")
    assert f"{path}: monitors[0].window: missing required field (required with cron" in message


def test_cron_needs_five_fields(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {cron: '0 * * *'}\n    window: 1h\n"
    path, message = _error(tmp_path, text)
    assert f"{path}: monitors[0].schedule.cron: expected a 5-field crontab" in message


def test_duplicate_monitor_names_are_rejected(tmp_path: Path) -> None:
    entry = "  - {name: same, baseline: b.json, schedule: {interval: 1h}}\n"
    path, message = _error(tmp_path, "monitors:\n" + entry + entry)
    assert f"{path}: monitors: duplicate monitor name 'same'" in message
    assert "monitors[0] and monitors[1]" in message


def test_unknown_key_lists_the_allowed_keys(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    alpah: 0.01\n"
    path, message = _error(tmp_path, text)
    assert f"{path}: monitors[0].alpah: unknown key; expected one of: name, baseline" in message


def test_unknown_key_in_a_source_names_the_kind_s_keys(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    source: {kind: files, glob: x, path: y}\n"
    _, message = _error(tmp_path, text)
    assert "monitors[0].source.path: unknown key; expected one of: kind, glob" in message
    assert "monitors[0].source.event_time_column: missing required field" in message


@pytest.mark.parametrize("alpha", ["0", "1.5", "-0.1"], ids=["zero", "above-one", "negative"])
def test_bad_alpha_is_rejected(tmp_path: Path, alpha: str) -> None:
    path, message = _error(
        tmp_path, MONITOR + f"    schedule: {{interval: 1h}}\n    alpha: {alpha}\n"
    )
    assert (
        f"{path}: monitors[0].alpha: expected a number in (0, 1]; got {float(alpha)!r}" in message
    )


def test_bad_column_method_names_the_choices(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    columns: {income: {method: t}}\n"
    _, message = _error(tmp_path, text)
    assert "monitors[0].columns.income.method: expected 'cvm', 'ks', 'anderson'" in message


@pytest.mark.parametrize(
    "name", ["Credit", "has space", "", "x" * 101], ids=["upper", "space", "empty", "too-long"]
)
def test_monitor_name_must_be_a_slug(tmp_path: Path, name: str) -> None:
    _, message = _error(
        tmp_path, f"monitors:\n  - {{name: '{name}', baseline: b, schedule: {{interval: 1h}}}}\n"
    )
    assert "monitors[0].name: expected 1-100 characters of a-z, 0-9" in message


def test_malformed_registry_baseline_is_rejected(tmp_path: Path) -> None:
    text = "monitors:\n  - {name: m, baseline: 'models:/credit', schedule: {interval: 1h}}\n"
    _, message = _error(tmp_path, text)
    assert "monitors[0].baseline: expected 'models:/<name>@<alias>'" in message


def test_every_error_is_on_its_own_line(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    alpha: 2\n    min_rows: 0\n"
    path, message = _error(tmp_path, text)
    lines = message.splitlines()
    assert lines[0] == f"{path}: invalid configuration (2 errors; see docs/configuration.md)"
    paths = sorted(line.split(": ")[1] for line in lines[1:])
    assert paths == ["monitors[0].alpha", "monitors[0].min_rows"]


def test_missing_env_var_names_variable_and_field(tmp_path: Path) -> None:
    path, message = _error(tmp_path, "api:\n  token: ${DRIFTLINE_TOKEN}\n")
    assert message.startswith(f"{path}: api.token: environment variable DRIFTLINE_TOKEN is not set")
    assert "${DRIFTLINE_TOKEN:-value}" in message


def test_yaml_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path, message = _error(tmp_path, "api:\n  port: 8050\n monitors: []\n")
    assert message.startswith(f"{path}: YAML syntax error at line 3, column 2")


def test_duplicate_yaml_key_is_an_error(tmp_path: Path) -> None:
    path, message = _error(tmp_path, "api:\n  port: 1\n  port: 2\n")
    assert message == f"{path}: YAML syntax error at line 3, column 3: duplicate key 'port'"


def test_missing_file_suggests_a_minimal_example(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    message = str(info.value)
    assert message.startswith(f"{path}: configuration file not found; create it")
    assert "schedule: {interval: 1h}" in message


def test_top_level_must_be_a_mapping(tmp_path: Path) -> None:
    path, message = _error(tmp_path, "- a\n- b\n")
    assert message.startswith(f"{path}: expected a mapping of settings at the top level; got list")


# ---------------------------------------------------------------- env and secrets


def test_env_default_is_used_only_when_variable_is_unset_or_empty(tmp_path: Path) -> None:
    path = _write(tmp_path, "api:\n  host: ${HOST:-10.0.0.1}\n  port: ${PORT:-8123}\n")
    assert load_config(path, env={}).api.host == "10.0.0.1"
    assert load_config(path, env={"HOST": ""}).api.host == "10.0.0.1"
    config = load_config(path, env={"HOST": "example.org", "PORT": "7000"})
    assert (config.api.host, config.api.port) == ("example.org", 7000)


def test_secrets_never_appear_in_repr_or_str(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, FULL), env=ENV)
    for shown in (repr(config), str(config), repr(config.monitors[0]), repr(config.api)):
        for secret in ("s3cret-db", "tok-abc123", "hunter2"):
            assert secret not in shown
    assert "postgresql://driftline:***@db:5432/driftline" in repr(config)


def test_secret_values_are_hidden_in_error_messages(tmp_path: Path) -> None:
    text = "database_url: postgresql://u:pw-123@h/d\napi: {token: [tok-xyz]}\n"
    _, message = _error(tmp_path, text)
    assert "api.token: expected a valid string; got (hidden)" in message
    assert "tok-xyz" not in message and "pw-123" not in message


def test_driftline_config_env_chooses_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "api: {port: 9999}\n", name="elsewhere.yaml")
    assert load_config(env={"DRIFTLINE_CONFIG": str(path)}).api.port == 9999


def test_without_path_or_env_the_file_is_driftline_yaml_in_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, "api: {port: 9998}\n")
    monkeypatch.chdir(tmp_path)
    assert load_config(env={}).api.port == 9998


def test_explicit_path_wins_over_driftline_config(tmp_path: Path) -> None:
    path = _write(tmp_path, "api: {port: 9997}\n")
    env = {"DRIFTLINE_CONFIG": str(tmp_path / "missing.yaml")}
    assert load_config(path, env=env).api.port == 9997


def test_driftline_database_url_overrides_the_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "database_url: sqlite:///file.db\n")
    assert load_config(path, env={}).database_url == "sqlite:///file.db"
    env = {"DRIFTLINE_DATABASE_URL": "postgresql://u:p@h/d"}
    assert load_config(path, env=env).database_url == "postgresql://u:p@h/d"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgresql://user:pa55@host:5432/db", "postgresql://user:***@host:5432/db"),
        ("sqlite:///./driftline.db", "sqlite:///./driftline.db"),
        ("https://bot:pa55@hooks.example.org/x", "https://bot:***@hooks.example.org/x"),
        ("https://hooks.example.org/x?token=pa55&a=1", "https://hooks.example.org/x?a=1&token=***"),
    ],
    ids=["database", "no-password", "webhook", "query-token"],
)
def test_redact_url_hides_passwords(url: str, expected: str) -> None:
    assert redact_url(url) == expected
    assert not re.search("pa55", redact_url(url))


def test_multivariate_pca_loads_and_its_threshold_may_exceed_half(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    multivariate: pca\n"
    text += "    multivariate_threshold: 0.8\n"
    (monitor,) = load_config(_write(tmp_path, text), env={}).monitors
    assert (monitor.multivariate, monitor.multivariate_threshold) == ("pca", 0.8)


def test_a_classifier_threshold_above_half_names_the_fix(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    multivariate_threshold: 0.8\n"
    path, message = _error(tmp_path, text)
    assert f"{path}: monitors[0]: multivariate_threshold 0.8 is a tolerance" in message
    assert "must be in [0, 0.5]" in message and "multivariate: pca" in message


def test_an_unknown_multivariate_method_lists_the_three(tmp_path: Path) -> None:
    text = MONITOR + "    schedule: {interval: 1h}\n    multivariate: lda\n"
    _, message = _error(tmp_path, text)
    assert "monitors[0].multivariate: expected 'classifier', 'pca' or 'off'" in message
