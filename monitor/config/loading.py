"""Loading ``driftline.yaml``: read, substitute, validate, and explain every error.

``load_config()`` reads ``driftline.yaml`` (or ``$DRIFTLINE_CONFIG``) with a YAML loader
that rejects a key repeated in one mapping, substitutes ``${VAR}`` and ``${VAR:-default}``
in string values from the environment, applies the ``DRIFTLINE_DATABASE_URL`` and
``DRIFTLINE_DASHBOARD_PASSWORD`` overrides, and validates the result against the schema in
:mod:`monitor.config.model`, returning a frozen :class:`~monitor.config.model.Config`.
Every problem becomes one :class:`~monitor.errors.ConfigError` whose lines name the file,
the field path (such as ``monitors[1].schedule.interval``), the value given (secrets
hidden) and what was expected, an unknown key with the keys allowed there.
``secret_values()`` lists every secret a loaded configuration holds, for log redaction.
This module imports the schema; the schema never imports it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml
from pydantic import BaseModel, SecretStr, ValidationError

import monitor.config.alerts as alerts_config
from monitor.config.alerts import AlertsConfig, Promotion
from monitor.config.model import (
    ApiConfig,
    ColumnConfig,
    Config,
    DashboardConfig,
    FilesSource,
    IngestSource,
    MlflowConfig,
    Monitor,
    Schedule,
    SqlSource,
    WebhookConfig,
)
from monitor.config.operations import MetricsConfig, RetentionConfig, SchedulerConfig
from monitor.errors import ConfigError
from monitor.redact import redact_url

__all__ = ["DEFAULT_CONFIG_FILE", "load_config", "secret_values"]

DEFAULT_CONFIG_FILE: Final = "driftline.yaml"
_CONFIG_ENV: Final = "DRIFTLINE_CONFIG"
_DATABASE_ENV: Final = "DRIFTLINE_DATABASE_URL"
_DASHBOARD_PASSWORD_ENV: Final = "DRIFTLINE_DASHBOARD_PASSWORD"
_EXAMPLE: Final = """\
monitors:
  - name: credit_default
    baseline: baselines/credit_default.json
    schedule: {interval: 1h}"""
_VARIABLE: Final = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_SECRET_KEYS: Final = frozenset(
    {"token", "url", "database_url", "secret", "password", "api_token", "session_secret"}
)


class _UniqueKeyLoader(yaml.SafeLoader):
    """A SafeLoader that rejects a key repeated in one mapping."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for index, part in enumerate(loc):
        kinds = _union_kinds(loc, index) if isinstance(part, str) else None
        if kinds is not None and part in kinds:
            continue  # the discriminated union's tag, not a key in the file
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "(top level)"


def _substitute(value: Any, env: Mapping[str, str], where: str, loc: str) -> Any:
    if isinstance(value, dict):
        return {
            k: _substitute(v, env, where, f"{loc}.{k}" if loc else str(k)) for k, v in value.items()
        }
    if isinstance(value, list):
        return [_substitute(v, env, where, f"{loc}[{i}]") for i, v in enumerate(value)]
    if not isinstance(value, str):
        return value

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if env.get(name):
            return env[name]
        if default is not None:
            return default
        if name in env:
            return ""
        raise ConfigError(
            f"{where}: {loc}: environment variable {name} is not set; set it, or give a "
            f"default as ${{{name}:-value}}"
        )

    return _VARIABLE.sub(replace, value)


def _shown(loc: tuple[int | str, ...], given: Any) -> str:
    if loc and loc[-1] in _SECRET_KEYS:
        shown_as_url = isinstance(given, str) and loc[-1] not in ("token", "secret")
        return redact_url(given) if shown_as_url else "(hidden)"
    text = repr(given)
    return text if len(text) <= 80 else text[:77] + "..."


def _allowed_keys(parent: tuple[int | str, ...]) -> list[str]:
    """The keys allowed in the mapping at ``parent`` (a pydantic loc)."""
    names = [part for part in parent if isinstance(part, str)]
    if len(names) >= 2 and names[-2] == "source" and names[-1] in _SOURCES:
        return list(_SOURCES[names[-1]].model_fields)
    if len(names) >= 2 and names[-2] == "columns":
        return list(ColumnConfig.model_fields)
    alert_keys = _alert_section_keys(parent)
    if alert_keys is not None:
        return alert_keys
    sections: dict[str, type[BaseModel]] = {
        "api": ApiConfig,
        "dashboard": DashboardConfig,
        "mlflow": MlflowConfig,
        "metrics": MetricsConfig,
        "retention": RetentionConfig,
        "scheduler": SchedulerConfig,
        "webhook": WebhookConfig,
        "monitors": Monitor,
        "schedule": Schedule,
        "promote": Promotion,
    }
    model = sections.get(names[-1], Config) if names else Config
    return list(model.model_fields)


_SOURCES: Final[dict[str, type[BaseModel]]] = {
    "ingest": IngestSource,
    "sql": SqlSource,
    "files": FilesSource,
}
_CHANNEL_KINDS: Final[dict[str, type[BaseModel]]] = {
    "webhook": alerts_config.WebhookChannel,
    "slack": alerts_config.SlackChannel,
    "email": alerts_config.EmailChannel,
}
_RULE_KINDS: Final[dict[str, type[BaseModel]]] = {
    "dataset_drift": alerts_config.DatasetDriftRule,
    "key_feature_drift": alerts_config.KeyFeatureDriftRule,
    "effect_size": alerts_config.EffectSizeRule,
    "quality": alerts_config.QualityRule,
    "prediction_drift": alerts_config.PredictionDriftRule,
    "multivariate_drift": alerts_config.MultivariateDriftRule,
    "performance_drop": alerts_config.PerformanceDropRule,
    "top_k_drift": alerts_config.TopKDriftRule,
    "retraining_outcome": alerts_config.RetrainingOutcomeRule,
}
_TARGET_KINDS: Final[dict[str, type[BaseModel]]] = {
    "webhook": alerts_config.WebhookTarget,
    "github": alerts_config.GithubTarget,
    "airflow": alerts_config.AirflowTarget,
    "gitlab": alerts_config.GitlabTarget,
    "jenkins": alerts_config.JenkinsTarget,
    "mlflow_project": alerts_config.MlflowProjectTarget,
}


def _union_kinds(loc: tuple[int | str, ...], index: int) -> dict[str, type[BaseModel]] | None:
    """The kinds of the tagged union whose value sits at ``loc[index]``, if it is one."""
    parent = loc[index - 1] if index >= 1 else None
    grandparent = loc[index - 2] if index >= 2 else None
    if parent == "source":
        return dict(_SOURCES)
    if parent == "retrain":
        return _TARGET_KINDS
    if grandparent == "rules" and isinstance(parent, int):
        return _RULE_KINDS
    if grandparent == "channels" and "alerts" in loc[:index]:
        return _CHANNEL_KINDS
    return None


def _keys(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def _alert_section_keys(loc: tuple[int | str, ...]) -> list[str] | None:
    """Allowed keys inside ``alerts``: its own, a channel's, a rule's or a target's."""
    if "alerts" not in loc:
        return None
    if loc and isinstance(loc[-1], str):
        kinds = _union_kinds(loc, len(loc) - 1)
        if kinds is not None and loc[-1] in kinds:
            return _keys(kinds[loc[-1]])
    if loc[-1:] == ("delivery",):
        return _keys(alerts_config.DeliverySettings)
    return _keys(AlertsConfig)


def _error_line(where: str, error: Mapping[str, Any]) -> str:
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        allowed = ", ".join(_allowed_keys(loc[:-1]))
        return f"{where}: {_path(loc)}: unknown key; expected one of: {allowed}"
    if error["type"] == "union_tag_not_found":
        kinds = _union_kinds(loc, len(loc)) or dict(_SOURCES)
        return f"{where}: {_path(loc)}: missing 'kind'; expected one of: {', '.join(kinds)}"
    if error["type"] == "value_error":
        return f"{where}: {_path(loc)}: {error['ctx']['error']}"
    if error["type"] == "missing":
        hint = " (required with cron; defaults to the interval)" if loc[-1:] == ("window",) else ""
        return f"{where}: {_path(loc)}: missing required field{hint}"
    message = str(error["msg"])
    if message.startswith("Input should be "):
        message = "expected " + message.removeprefix("Input should be ")
    return f"{where}: {_path(loc)}: {message}; got {_shown(loc, error['input'])}"


def _read(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"{path}: configuration file not found; create it (or set {_CONFIG_ENV}), "
            f"for example:\n{_EXAMPLE}"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration file: {exc}") from exc
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        at = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = exc.problem or exc.context or "invalid YAML"
        raise ConfigError(f"{path}: YAML syntax error at {at}: {problem}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Load, substitute and validate the configuration file.

    ``path`` None means ``$DRIFTLINE_CONFIG``, else ``./driftline.yaml``. ``env`` (default
    ``os.environ``) supplies ``${VAR}`` substitutions and ``DRIFTLINE_DATABASE_URL``, which
    overrides the file's ``database_url``. Raises ConfigError naming file and field path.
    """
    env = os.environ if env is None else env
    file = Path(path) if path is not None else Path(env.get(_CONFIG_ENV) or DEFAULT_CONFIG_FILE)
    where = str(file)
    raw = _read(file)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(
            f"{where}: expected a mapping of settings at the top level; got "
            f"{type(raw).__name__}, for example:\n{_EXAMPLE}"
        )
    data = _substitute(raw, env, where, "")
    if env.get(_DATABASE_ENV):
        data["database_url"] = env[_DATABASE_ENV]
    if env.get(_DASHBOARD_PASSWORD_ENV):
        dashboard = data.get("dashboard")
        data["dashboard"] = {
            **(dashboard if isinstance(dashboard, dict) else {}),
            "password": env[_DASHBOARD_PASSWORD_ENV],
        }
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        lines = [_error_line(where, error) for error in errors]
        count = f"{len(lines)} error{'s' if len(lines) != 1 else ''}"
        header = f"{where}: invalid configuration ({count}; see docs/configuration.md)"
        # not chained: pydantic's own message repeats every input, secrets included
        raise ConfigError("\n".join([header, *lines])) from None


def secret_values(config: BaseModel) -> list[str]:
    """Every secret in ``config``: each ``SecretStr`` value, and the database URL with its
    password (for :class:`monitor.redact.SecretFilter` and the tests that look for leaks)."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            for name in type(value).model_fields:
                walk(getattr(value, name))
        elif isinstance(value, Mapping):
            for item in value.values():
                walk(item)
        elif isinstance(value, tuple | list):
            for item in value:
                walk(item)

    walk(config)
    database_url = getattr(config, "database_url", None)
    if isinstance(database_url, str) and redact_url(database_url) != database_url:
        found.append(database_url)
        password = re.search(r"://[^:/@\s]*:([^@/\s]+)@", database_url)
        if password:
            found.append(password.group(1))
    return [value for value in dict.fromkeys(found) if value]
