"""The service configuration: monitors declared in a YAML file, validated on load.

``load_config()`` reads ``driftline.yaml`` (or ``$DRIFTLINE_CONFIG``), substitutes
``${VAR}`` and ``${VAR:-default}`` in string values from the environment, validates the
result and returns a frozen :class:`Config`. Every problem becomes one
:class:`~monitor.errors.ConfigError` whose lines name the file, the field path (such as
``monitors[1].schedule.interval``), the value given and what was expected. Secrets
(``api.token``, a SQL source's ``url``) are ``SecretStr`` and never appear in a repr.
The reference of every field is ``docs/configuration.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import os
import re
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)

import monitor.config.alerts as alerts_config
from monitor.config.access import DEFAULT_TOKEN_NAME, ApiToken, DashboardScope, unique_tokens
from monitor.config.alerts import AlertsConfig, MlflowProjectTarget, Promotion
from monitor.config.durations import DURATION_HINT, format_duration, parse_duration
from monitor.config.operations import MetricsConfig, RetentionConfig, SchedulerConfig
from monitor.errors import ConfigError
from monitor.redact import redact_url

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_DATABASE_URL",
    "MULTIVARIATE_THRESHOLDS",
    "ApiConfig",
    "ColumnConfig",
    "Config",
    "DashboardConfig",
    "FilesSource",
    "IngestSource",
    "MlflowConfig",
    "Monitor",
    "Schedule",
    "Source",
    "SqlSource",
    "WebhookConfig",
    "format_duration",
    "load_config",
    "parse_duration",
    "redact_url",
    "secret_values",
]

DEFAULT_CONFIG_FILE: Final = "driftline.yaml"
DEFAULT_DATABASE_URL: Final = "sqlite:///./driftline.db"
MULTIVARIATE_THRESHOLDS: Final[Mapping[str, float]] = MappingProxyType(
    {"classifier": 0.05, "pca": 0.1, "off": 0.05}
)
"""Each multivariate method's default ``multivariate_threshold`` (the engine's
``DEFAULT_THRESHOLDS``, which a test keeps equal: config imports no engine code)."""
_CONFIG_ENV: Final = "DRIFTLINE_CONFIG"
_DATABASE_ENV: Final = "DRIFTLINE_DATABASE_URL"
_DASHBOARD_PASSWORD_ENV: Final = "DRIFTLINE_DASHBOARD_PASSWORD"
_EXAMPLE: Final = """\
monitors:
  - name: credit_default
    baseline: baselines/credit_default.json
    schedule: {interval: 1h}"""

_DURATION_HINT: Final = DURATION_HINT


def _to_duration(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected {_DURATION_HINT} (a string with a unit); got {value!r}")


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"must be longer than 0s; give {_DURATION_HINT}")
    return value


_Duration = Annotated[timedelta, BeforeValidator(_to_duration)]
_PositiveDuration = Annotated[timedelta, BeforeValidator(_to_duration), AfterValidator(_positive)]


def _fraction(value: float) -> float:
    if not 0.0 < value <= 1.0:
        raise ValueError(f"expected a number in (0, 1]; got {value!r}")
    return value


def _tolerance(value: float) -> float:
    if not (value >= 0.0 and math.isfinite(value)):
        raise ValueError(f"expected a finite number >= 0; got {value!r}")
    return value


_Fraction = Annotated[float, AfterValidator(_fraction)]
_Tolerance = Annotated[float, AfterValidator(_tolerance)]

# ---------------------------------------------------------------- the schema


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ApiConfig(_Section):
    """The HTTP API: bind address, bearer token and request limits."""

    host: str = "127.0.0.1"
    port: int = Field(default=8050, ge=1, le=65_535)
    token: SecretStr | None = None
    max_request_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    max_batch_records: int = Field(default=10_000, ge=1)
    threads: int = Field(default=8, ge=1, le=256)
    """Request threads of ``driftline serve`` (waitress)."""
    max_unknown_fields: int = Field(default=50, ge=0, le=10_000)
    """Distinct fields a batch may hold that the baseline does not know; more is a 422."""
    max_event_ahead: _Duration = timedelta(days=1)
    """Records stamped later than now plus this are refused."""
    max_event_age: _PositiveDuration = timedelta(days=3650)
    """Records stamped more than this before the monitor's baseline was built are refused."""
    allowed_hosts: tuple[str, ...] = ()
    """Host header values served (names, without port); empty: the bind host, localhost,
    127.0.0.1 and ::1. ``*`` serves any (behind a proxy that checks it)."""
    tokens: tuple[ApiToken, ...] = ()
    """Named tokens with scopes (:mod:`monitor.config.access`); ``token`` is ``default``."""

    @field_validator("tokens")
    @classmethod
    def _unique_tokens(cls, tokens: tuple[ApiToken, ...]) -> tuple[ApiToken, ...]:
        return unique_tokens(tokens)

    @model_validator(mode="after")
    def _default_name_free(self) -> ApiConfig:
        if self.token is not None and any(t.name == DEFAULT_TOKEN_NAME for t in self.tokens):
            raise ValueError(
                f"tokens: {DEFAULT_TOKEN_NAME!r} is the name of api.token; rename that token"
            )
        return self


class DashboardConfig(_Section):
    """The dashboard: optional login password, auto-refresh period and time-range default."""

    password: SecretStr | None = None
    session_secret: SecretStr | None = None
    secure_cookies: bool | None = None
    """Mark the session cookie Secure: true, false, or unset (only on https requests)."""
    refresh: _Duration = timedelta(seconds=60)
    sparkline_windows: int = Field(default=48, ge=2, le=1000)
    user: str = Field(default="operator", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.@\-]{0,63}$")
    """Who the password's holder is in the audit trail: ``dashboard:<user>``."""
    scope: DashboardScope = "admin"
    """What a logged-in user may do: ``admin`` (press retrain) or ``read`` (look only)."""
    default_windows: int = Field(default=48, ge=1, le=1000)
    """The monitor and column pages' default range: the monitor's last N windows."""


class IngestSource(_Section):
    """Records pushed to the API's ingest endpoint (the default)."""

    kind: Literal["ingest"] = "ingest"


class SqlSource(_Section):
    """Records read with a SQL query; ``url`` is a secret SQLAlchemy URL."""

    kind: Literal["sql"]
    url: SecretStr
    query: str = Field(min_length=1)
    event_time_column: str = Field(min_length=1)


class FilesSource(_Section):
    """Records read from files matching a glob."""

    kind: Literal["files"]
    glob: str = Field(min_length=1)
    event_time_column: str = Field(min_length=1)
    format: Literal["csv", "parquet", "auto"] = "auto"


Source = Annotated[IngestSource | SqlSource | FilesSource, Field(discriminator="kind")]


class EngineConfig(_Section):
    """Where a monitor's windows are profiled: ``dask`` is a Dask scheduler address
    (``tcp://host:8786``) or ``local`` for a LocalCluster; files sources only."""

    dask: str | None = Field(default=None, min_length=1)


_SOURCES: Final[dict[str, type[_Section]]] = {
    "ingest": IngestSource,
    "sql": SqlSource,
    "files": FilesSource,
}

_CRON_FIELD: Final = re.compile(r"^[0-9A-Za-z*?/,\-#LW]+$")


def _check_cron(expression: str) -> str:
    fields = expression.split()
    if len(fields) != 5:
        raise ValueError(
            f"expected a 5-field crontab 'minute hour day month weekday' such as '0 * * * *'; "
            f"got {expression!r} ({len(fields)} fields)"
        )
    if importlib.util.find_spec("apscheduler") is not None:
        cron = importlib.import_module("apscheduler.triggers.cron")
        try:
            cron.CronTrigger.from_crontab(expression)
        except ValueError as exc:
            raise ValueError(f"invalid crontab {expression!r}: {exc}") from exc
    elif not all(_CRON_FIELD.match(field) for field in fields):
        raise ValueError(f"invalid crontab {expression!r}: unexpected characters")
    return expression


class Schedule(_Section):
    """When checks run: exactly one of ``interval`` or ``cron``."""

    interval: _PositiveDuration | None = None
    cron: Annotated[str, AfterValidator(_check_cron)] | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Schedule:
        if (self.interval is None) == (self.cron is None):
            given = "both" if self.interval is not None else "neither"
            raise ValueError(
                f"expected exactly one of 'interval' (e.g. 1h) or 'cron' (e.g. '0 * * * *'); "
                f"got {given}"
            )
        return self


_MethodKey = Literal["cvm", "ks", "anderson", "chi2", "ztest"]


class ColumnConfig(_Section):
    """Per-column overrides of the monitor's method, ``alpha`` and ``delta``."""

    method: _MethodKey | None = None
    alpha: _Fraction | None = None
    delta: _Tolerance | None = None


_NAME: Final = re.compile(r"^[a-z0-9_-]{1,100}$")
_REGISTRY_URI: Final = re.compile(r"^models:/[^/@\s]+(@[A-Za-z0-9_\-]+|/[0-9]+)$")


class Monitor(_Section):
    """One configured watch: baseline, live source, schedule, window and thresholds."""

    name: str
    baseline: str
    source: Source = Field(default_factory=IngestSource)
    schedule: Schedule
    window: _PositiveDuration
    grace: _Duration = timedelta(0)
    min_rows: int = Field(default=30, ge=1)
    alpha: _Fraction = 0.05
    delta: _Tolerance = 0.1
    delta_categorical: _Tolerance | None = None
    delta_prediction: _Tolerance = 0.1
    drift_share: _Fraction = 0.5
    multivariate: Literal["classifier", "pca", "off"] = "classifier"
    multivariate_threshold: _Tolerance | None = None
    """None: the method's default (classifier 0.05 of AUC - 0.5, pca 0.1)."""

    @property
    def multivariate_tolerance(self) -> float:
        """``multivariate_threshold``, or the method's default when it is not set."""
        if self.multivariate_threshold is not None:
            return self.multivariate_threshold
        return MULTIVARIATE_THRESHOLDS[self.multivariate]

    columns: dict[str, ColumnConfig] = Field(default_factory=dict)
    ignore: tuple[str, ...] = ()
    target: str | None = None
    prediction: str | None = None
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    promote: Promotion | None = None
    engine: EngineConfig = Field(default_factory=EngineConfig)

    @model_validator(mode="before")
    @classmethod
    def _defaults_from_schedule(cls, data: Any) -> Any:
        """Give ``source`` its default kind and ``window`` the interval's length."""
        if not isinstance(data, Mapping):
            return data
        data = dict(data)
        if data.get("source") in ({}, None):
            data["source"] = {"kind": "ingest"}
        schedule = data.get("schedule")
        if "window" not in data and isinstance(schedule, Mapping) and "cron" not in schedule:
            try:
                interval = _to_duration(schedule.get("interval"))
            except ValueError:
                interval = None
            # A bad interval is reported at schedule.interval; the placeholder avoids a 2nd error.
            valid = isinstance(interval, timedelta) and interval > timedelta(0)
            data["window"] = interval if valid else timedelta(seconds=1)
        return data

    @field_validator("multivariate", mode="before")
    @classmethod
    def _bare_off(cls, value: Any) -> Any:
        """YAML reads a bare ``off`` as false: take it as ``"off"``."""
        return "off" if value is False else value

    @field_validator("name")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not _NAME.match(value):
            raise ValueError(f"expected 1-100 characters of a-z, 0-9, '_' or '-'; got {value!r}")
        return value

    @field_validator("baseline")
    @classmethod
    def _baseline_reference(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("expected a baseline file path or 'models:/name@alias'; got ''")
        if value.startswith("models:") and not _REGISTRY_URI.match(value):
            raise ValueError(
                f"expected 'models:/<name>@<alias>' or 'models:/<name>/<version>'; got {value!r}"
            )
        return value

    @model_validator(mode="after")
    def _classifier_threshold_at_most_half(self) -> Monitor:
        threshold = self.multivariate_threshold
        if self.multivariate == "classifier" and threshold is not None and threshold > 0.5:
            raise ValueError(
                f"multivariate_threshold {threshold} is a tolerance of the classifier's "
                "AUC - 0.5 and must be in [0, 0.5]; lower it, or use multivariate: pca"
            )
        return self

    @model_validator(mode="after")
    def _columns_not_ignored(self) -> Monitor:
        both = sorted(set(self.columns) & set(self.ignore))
        if both:
            raise ValueError(f"columns {both} are both configured and ignored; remove one")
        return self

    @model_validator(mode="after")
    def _dask_needs_files(self) -> Monitor:
        if self.engine.dask is not None and not isinstance(self.source, FilesSource):
            raise ValueError(
                f"engine.dask profiles files on a cluster, but the source is "
                f"{self.source.kind!r}; use a files source or remove engine.dask"
            )
        return self

    @model_validator(mode="after")
    def _promotion_needs_a_project_and_a_model(self) -> Monitor:
        if self.promote is None:
            return self
        if not isinstance(self.alerts.retrain, MlflowProjectTarget):
            raise ValueError(
                "promote needs a retraining run that registers versions: set alerts.retrain "
                "to {kind: mlflow_project, uri: ...}"
            )
        match = _REGISTRY_URI.match(self.baseline)
        if match is None:
            raise ValueError(
                "promote needs a monitor that follows a registered model; set baseline to "
                "'models:/<name>@<alias>'"
            )
        if self.promote.alias is None and "@" not in self.baseline:
            raise ValueError("promote.alias: give the alias to move (the baseline names none)")
        return self

    @property
    def promotion_alias(self) -> str | None:
        """The alias the promotion gate moves: ``promote.alias``, else the followed alias."""
        if self.promote is None:
            return None
        if self.promote.alias is not None:
            return self.promote.alias
        return self.baseline.partition("@")[2] or None

    @property
    def model_name(self) -> str | None:
        """The registered model the monitor follows (``models:/<name>...``), else None."""
        if not _REGISTRY_URI.match(self.baseline):
            return None
        return self.baseline.removeprefix("models:/").split("@")[0].split("/")[0]


class WebhookConfig(_Section):
    """Driftline's webhook on an MLflow server: the URL MLflow posts to, and its secret."""

    url: str = Field(pattern=r"^https?://")
    secret: SecretStr = Field(min_length=16)
    name: str = Field(default="driftline", min_length=1)


class MlflowConfig(_Section):
    """Where MLflow is and how Driftline talks to it (``models:/`` baselines)."""

    tracking_uri: str | None = None
    ui_url: str | None = Field(default=None, pattern=r"^https?://")
    """Where the MLflow UI is served, for links to runs; default: ``tracking_uri`` when it
    is an http(s) server."""
    webhook: WebhookConfig | None = None
    writeback_interval: _PositiveDuration = timedelta(seconds=30)
    cache_dir: str | None = None


class Config(_Section):
    """The whole service configuration."""

    database_url: str = DEFAULT_DATABASE_URL
    api: ApiConfig = Field(default_factory=ApiConfig)
    dashboard: DashboardConfig = Field(default_factory=DashboardConfig)
    mlflow: MlflowConfig = Field(default_factory=MlflowConfig)
    metrics: MetricsConfig = Field(default_factory=MetricsConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    scheduler: SchedulerConfig = Field(default_factory=SchedulerConfig)
    monitors: tuple[Monitor, ...] = ()

    @field_validator("monitors")
    @classmethod
    def _unique_names(cls, monitors: tuple[Monitor, ...]) -> tuple[Monitor, ...]:
        first: dict[str, int] = {}
        for index, monitor in enumerate(monitors):
            if monitor.name in first:
                raise ValueError(
                    f"duplicate monitor name {monitor.name!r} at monitors[{first[monitor.name]}] "
                    f"and monitors[{index}]; names must be unique"
                )
            first[monitor.name] = index
        return monitors

    def __repr_args__(self) -> Any:
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name == "database_url" else value

    def monitor(self, name: str) -> Monitor:
        """The monitor called ``name``; ConfigError lists the known names otherwise."""
        for monitor in self.monitors:
            if monitor.name == name:
                return monitor
        known = ", ".join(m.name for m in self.monitors) or "none"
        raise ConfigError(f"no monitor named {name!r}; configured monitors: {known}")


# ---------------------------------------------------------------- loading

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
