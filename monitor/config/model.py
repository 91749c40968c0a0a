"""The schema of ``driftline.yaml``: one frozen pydantic section per part of the file.

:class:`Config` is the whole file (``database_url``, ``api``, ``dashboard``, ``mlflow``,
``metrics``, ``retention``, ``scheduler``, ``monitors``); :class:`Monitor` is one configured
watch. Every section forbids unknown keys, and every validator's message names the value
given and what is allowed. Secrets (``api.token``, a SQL source's ``url``) are
``SecretStr`` and never appear in a repr. Reading the file, ``${VAR}`` substitution and
turning validation errors into one line per field live in :mod:`monitor.config.loading`,
which imports this module (never the reverse). The reference of every field is
``docs/configuration.md``.
"""

from __future__ import annotations

import importlib
import importlib.util
import math
import re
from collections.abc import Mapping
from datetime import timedelta
from types import MappingProxyType
from typing import Annotated, Any, Final, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from monitor.config.access import DEFAULT_TOKEN_NAME, ApiToken, DashboardScope, unique_tokens
from monitor.config.alerts import AlertsConfig, MlflowProjectTarget, Promotion
from monitor.config.durations import DURATION_HINT, format_duration, parse_duration
from monitor.config.operations import MetricsConfig, RetentionConfig, SchedulerConfig
from monitor.errors import ConfigError
from monitor.redact import redact_url

__all__ = [
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
    "parse_duration",
    "redact_url",
]

DEFAULT_DATABASE_URL: Final = "sqlite:///./driftline.db"
MULTIVARIATE_THRESHOLDS: Final[Mapping[str, float]] = MappingProxyType(
    {"classifier": 0.05, "pca": 0.1, "off": 0.05}
)
"""Each multivariate method's default ``multivariate_threshold`` (the engine's
``DEFAULT_THRESHOLDS``, which a test keeps equal: config imports no engine code)."""

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
