"""The ``alerts`` section of a monitor: every kind loads, secrets stay hidden, errors name the
field path and the keys allowed there."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.config.alerts import GithubTarget, MlflowProjectTarget, WebhookChannel
from monitor.errors import ConfigError

DOCS = Path(__file__).resolve().parents[3] / "docs" / "configuration.md"
SECRET = "whsec_" + base64.b64encode(b"c" * 32).decode()
HEAD = "monitors:\n  - name: m\n    baseline: b.json\n    schedule: {interval: 1h}\n    alerts:\n"
ENV = {"OPS_SECRET": SECRET, "GH": "ghp_topsecret", "SMTP_PW": "mailpw123"}


def _load(tmp_path: Path, alerts: str, env: dict[str, str] | None = None) -> object:
    path = tmp_path / "driftline.yaml"
    path.write_text(HEAD + alerts)
    return load_config(path, env=ENV if env is None else env)


def _error(tmp_path: Path, alerts: str) -> str:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, alerts)
    return str(info.value)


FULL = """\
      dashboard_url: http://dash.example.org/
      channels:
        ops: {kind: webhook, url: "http://ops.example.org/hook", secret: "${OPS_SECRET}"}
        team: {kind: slack, url: "https://hooks.slack.example/T/B/XYZ"}
        mail: {kind: email, host: smtp.example.org, from: d@example.org, to: [a@example.org],
               username: d, password: "${SMTP_PW}", starttls: true}
      rules:
        - {name: ds, kind: dataset_drift, share: 0.4, for: 3, severity: critical, retrain: true}
        - {name: key, kind: key_feature_drift, columns: [income], channels: [team]}
        - {name: inc, kind: effect_size, column: income, above: 0.3, repeat_interval: 12h}
        - {name: q, kind: quality, finding: missing_column}
        - {name: p, kind: prediction_drift}
      retrain: {kind: github, repository: acme/model, token: "${GH}", cooldown: 2h}
      delivery: {initial_backoff: 0.5, max_backoff: 2m, max_age: 6h}
"""


def test_every_kind_loads_with_its_fields(tmp_path: Path) -> None:
    config = _load(tmp_path, FULL)
    alerts = config.monitors[0].alerts  # type: ignore[attr-defined]
    assert alerts.dashboard_url == "http://dash.example.org"
    assert isinstance(alerts.channels["ops"], WebhookChannel)
    assert [r.kind for r in alerts.rules] == [
        "dataset_drift", "key_feature_drift", "effect_size", "quality", "prediction_drift"
    ]  # fmt: skip
    assert (alerts.rules[0].for_, alerts.rules[2].repeat_interval) == (3, timedelta(hours=12))
    assert isinstance(alerts.retrain, GithubTarget) and alerts.retrain.cooldown == timedelta(
        hours=2
    )
    assert alerts.delivery.initial_backoff == timedelta(seconds=0.5)


def test_secrets_never_appear_in_the_repr(tmp_path: Path) -> None:
    shown = repr(_load(tmp_path, FULL))
    for secret in (SECRET, "ghp_topsecret", "mailpw123", "hooks.slack.example"):
        assert secret not in shown


def test_a_secret_in_a_bad_value_is_not_echoed(tmp_path: Path) -> None:
    message = _error(
        tmp_path,
        "      channels: {ops: {kind: webhook, url: 'http://x.org', secret: 'notwhsec-123'}}\n",
    )
    assert "monitors[0].alerts.channels.ops.secret" in message
    assert "whsec_" in message and "notwhsec-123" not in message


def test_unknown_rule_key_lists_the_keys_of_that_kind(tmp_path: Path) -> None:
    message = _error(tmp_path, "      rules: [{name: e, kind: effect_size, column: c, abov: 1}]\n")
    assert re.search(r"monitors\[0\]\.alerts\.rules\[0\]\.abov: unknown key; expected one of: "
                     r"name, severity, for, .*column, above", message)  # fmt: skip


def test_missing_rule_kind_lists_the_kinds(tmp_path: Path) -> None:
    message = _error(tmp_path, "      rules: [{name: e}]\n")
    assert "monitors[0].alerts.rules[0]: missing 'kind'; expected one of: dataset_drift" in message


@pytest.mark.parametrize(
    ("alerts", "expected"),
    [
        pytest.param(
            "      rules: [{name: d, kind: dataset_drift, channels: [nope]}]\n",
            "unknown channel(s) ['nope']; configured channels: none",
            id="unknown-channel",
        ),
        pytest.param(
            "      rules: [{name: d, kind: dataset_drift, retrain: true}]\n",
            "has retrain: true but the monitor has no 'retrain' target",
            id="retrain-without-target",
        ),
        pytest.param(
            "      rules: [{name: d, kind: dataset_drift}, {name: d, kind: prediction_drift}]\n",
            "duplicate rule name 'd'",
            id="duplicate-rule",
        ),
        pytest.param(
            "      rules: [{name: d, kind: dataset_drift, for: 0}]\n",
            "rules[0].for: expected greater than or equal to 1",
            id="for-zero",
        ),
        pytest.param(
            "      delivery: {initial_backoff: 10m, max_backoff: 1m}\n",
            "max_backoff must be at least initial_backoff",
            id="backoff-order",
        ),
        pytest.param(
            "      retrain: {kind: jenkins, url: 'http://j', job: x, token: t, username: u}\n",
            "give both username and api_token, or neither",
            id="jenkins-half-auth",
        ),
    ],
)
def test_invalid_alerts_are_reported_with_the_fix(
    tmp_path: Path, alerts: str, expected: str
) -> None:
    assert expected in _error(tmp_path, alerts)


def test_the_documented_complete_example_loads(tmp_path: Path) -> None:
    text = DOCS.read_text()
    example = re.search(r"## Complete example\n\n```yaml\n(.*?)```", text, re.S)
    assert example is not None
    path = tmp_path / "driftline.yaml"
    path.write_text(example.group(1))
    env = {
        "DB_PASSWORD": "x", "DRIFTLINE_API_TOKEN": "t", "WAREHOUSE_PASSWORD": "w",
        "OPS_WEBHOOK_SECRET": SECRET, "SLACK_WEBHOOK_URL": "https://hooks.example/x",
        "GITHUB_TOKEN": "g",
    }  # fmt: skip
    config = load_config(path, env=env)
    assert [r.name for r in config.monitors[0].alerts.rules] == ["dataset-drift", "income-shift"]


PROJECT_HEAD = "monitors:\n  - name: m\n    baseline: {baseline}\n    schedule: {{interval: 1h}}\n"


def _project_config(tmp_path: Path, monitor: str, baseline: str = "models:/credit@prod") -> object:
    path = tmp_path / "driftline.yaml"
    path.write_text(PROJECT_HEAD.format(baseline=baseline) + monitor)
    return load_config(path, env={})


def _project_error(tmp_path: Path, monitor: str, baseline: str = "models:/credit@prod") -> str:
    with pytest.raises(ConfigError) as info:
        _project_config(tmp_path, monitor, baseline)
    return str(info.value)


def test_an_mlflow_project_target_and_a_promotion_gate_load_with_their_defaults(
    tmp_path: Path,
) -> None:
    config = _project_config(
        tmp_path,
        "    promote: {min_labels: 300}\n"
        "    alerts:\n"
        "      rules: [{name: r, kind: retraining_outcome}]\n"
        "      retrain: {kind: mlflow_project, uri: ./train, parameters: {alpha: 0.5, n: 3}}\n",
    )
    monitor = config.monitors[0]  # type: ignore[attr-defined]
    target = monitor.alerts.retrain
    assert isinstance(target, MlflowProjectTarget)
    assert (target.entry_point, target.backend, target.env_manager) == ("main", "local", "local")
    assert target.timeout == timedelta(hours=2) and target.parameters == {"alpha": 0.5, "n": 3}
    assert (monitor.promote.metric, monitor.promote.min_gain, monitor.promote.min_labels) == (
        "roc_auc", 0.0, 300
    )  # fmt: skip
    assert monitor.promotion_alias == "prod" and monitor.model_name == "credit"
    assert monitor.alerts.rules[0].outcomes == ("not_promoted", "failed", "timed_out")


@pytest.mark.parametrize(
    ("monitor", "baseline", "expected"),
    [
        pytest.param(
            "    promote: {}\n    alerts: {retrain: {kind: webhook, url: 'http://x.org', "
            "secret: '" + SECRET + "'}}\n",
            "models:/credit@prod",
            "promote needs a retraining run that registers versions",
            id="promote-without-project",
        ),
        pytest.param(
            "    promote: {}\n    alerts: {retrain: {kind: mlflow_project, uri: p}}\n",
            "b.json",
            "promote needs a monitor that follows a registered model",
            id="promote-without-registered-model",
        ),
        pytest.param(
            "    promote: {}\n    alerts: {retrain: {kind: mlflow_project, uri: p}}\n",
            "models:/credit/3",
            "promote.alias: give the alias to move",
            id="promote-by-version-without-alias",
        ),
        pytest.param(
            "    promote: {metric: log_loss}\n    alerts: {retrain: {kind: mlflow_project, "
            "uri: p}}\n",
            "models:/credit@prod",
            "unknown metric 'log_loss'; expected one of",
            id="promote-metric-not-higher-is-better",
        ),
        pytest.param(
            "    alerts: {retrain: {kind: mlflow_project, uri: p, backend: databricks}}\n",
            "models:/credit@prod",
            "retrain.backend: expected 'local'",
            id="backend-not-local",
        ),
        pytest.param(
            "    alerts: {retrain: {kind: mlflow_project, uri: p, parameters: "
            "{driftline_monitor: x}}}\n",
            "models:/credit@prod",
            "names starting with 'driftline_' are set by Driftline",
            id="parameter-taken-by-driftline",
        ),
        pytest.param(
            "    alerts:\n      rules: [{name: r, kind: retraining_outcome, retrain: true}]\n"
            "      retrain: {kind: mlflow_project, uri: p}\n",
            "models:/credit@prod",
            "a retraining_outcome rule cannot have retrain: true",
            id="retraining-rule-retrains",
        ),
        pytest.param(
            "    alerts: {retrain: {kind: mlflow_project, uri: p, entrypoint: main}}\n",
            "models:/credit@prod",
            "retrain.entrypoint: unknown key; expected one of: cooldown, timeout, kind, uri, "
            "entry_point",
            id="misspelt-key",
        ),
    ],
)
def test_invalid_retraining_settings_are_reported_with_the_fix(
    tmp_path: Path, monitor: str, baseline: str, expected: str
) -> None:
    assert expected in _project_error(tmp_path, monitor, baseline)
