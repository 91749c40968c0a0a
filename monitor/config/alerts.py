"""The ``alerts`` section of a monitor in ``driftline.yaml``: rules, channels, retraining.

Validated with the rest of the configuration (``monitor.config``); the ``alerts`` package
reads these values and never parses YAML itself. Secrets (a webhook ``secret``, a Slack
``url``, an SMTP ``password``, a retrain target's ``token``) are ``SecretStr``: they never
appear in a repr, an error message, a log line, the store or an API response. The
reference of every field is ``docs/configuration.md``.
"""

from __future__ import annotations

import base64
import binascii
import re
from datetime import timedelta
from typing import Annotated, Final, Literal

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

from monitor.config.durations import DURATION_HINT, parse_duration

__all__ = [
    "PERFORMANCE_METRICS",
    "RETRAINING_OUTCOMES",
    "RULE_KINDS",
    "AirflowTarget",
    "AlertsConfig",
    "Channel",
    "DatasetDriftRule",
    "DeliverySettings",
    "EffectSizeRule",
    "EmailChannel",
    "GithubTarget",
    "GitlabTarget",
    "JenkinsTarget",
    "KeyFeatureDriftRule",
    "MlflowProjectTarget",
    "MultivariateDriftRule",
    "PerformanceDropRule",
    "PredictionDriftRule",
    "Promotion",
    "QualityRule",
    "RetrainTarget",
    "RetrainingOutcomeRule",
    "Rule",
    "SlackChannel",
    "TopKDriftRule",
    "WebhookChannel",
    "WebhookTarget",
]

_NAME: Final = re.compile(r"^[a-z0-9_-]{1,100}$")


def _seconds(value: object) -> object:
    """A duration string ('90s', '1h') or a number of seconds (0.2 allowed, for tests)."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, bool):
        raise ValueError(f"expected {DURATION_HINT} or a number of seconds; got {value!r}")
    if isinstance(value, int | float):
        return timedelta(seconds=float(value))
    if isinstance(value, str):
        try:
            return timedelta(seconds=float(value))
        except ValueError:
            return parse_duration(value)
    raise ValueError(f"expected {DURATION_HINT} or a number of seconds; got {value!r}")


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"must be longer than 0s; give {DURATION_HINT}")
    return value


def _not_negative(value: timedelta) -> timedelta:
    if value < timedelta(0):
        raise ValueError(f"must not be negative; give {DURATION_HINT}")
    return value


_Positive = Annotated[timedelta, BeforeValidator(_seconds), AfterValidator(_positive)]
_NotNegative = Annotated[timedelta, BeforeValidator(_seconds), AfterValidator(_not_negative)]


def _slug(value: str) -> str:
    if not _NAME.match(value):
        raise ValueError(f"expected 1-100 characters of a-z, 0-9, '_' or '-'; got {value!r}")
    return value


_Slug = Annotated[str, AfterValidator(_slug)]


def _http_url(value: str) -> str:
    if not re.match(r"^https?://[^\s/]+", value):
        raise ValueError("expected an http:// or https:// URL")
    return value.rstrip("/")


_Url = Annotated[str, AfterValidator(_http_url)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# ---------------------------------------------------------------- channels


def _webhook_secret(value: SecretStr) -> SecretStr:
    raw = value.get_secret_value()
    if not raw.startswith("whsec_"):
        raise ValueError(
            "expected a Standard Webhooks secret 'whsec_<base64>'; generate one with "
            "'driftline alerts secret'"
        )
    try:
        key = base64.b64decode(raw.removeprefix("whsec_"), validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("the part after 'whsec_' is not valid base64") from None
    if not 24 <= len(key) <= 64:
        raise ValueError(f"the secret key must be 24 to 64 bytes; got {len(key)}")
    return value


class WebhookChannel(_Section):
    """A generic JSON webhook signed per Standard Webhooks with ``secret``."""

    kind: Literal["webhook"]
    url: _Url
    secret: Annotated[SecretStr, AfterValidator(_webhook_secret)]
    timeout: _Positive = timedelta(seconds=10)


class SlackChannel(_Section):
    """A Slack incoming webhook; its URL is the secret."""

    kind: Literal["slack"]
    url: SecretStr
    timeout: _Positive = timedelta(seconds=10)

    @field_validator("url")
    @classmethod
    def _url(cls, value: SecretStr) -> SecretStr:
        _http_url(value.get_secret_value())
        return value


class EmailChannel(_Section):
    """E-mail over SMTP."""

    kind: Literal["email"]
    host: str = Field(min_length=1)
    port: int = Field(default=25, ge=1, le=65_535)
    sender: str = Field(alias="from", min_length=3)
    to: tuple[str, ...] = Field(min_length=1)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    timeout: _Positive = timedelta(seconds=10)

    @field_validator("to")
    @classmethod
    def _addresses(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        bad = [address for address in value if "@" not in address]
        if bad:
            raise ValueError(f"expected e-mail addresses; got {bad}")
        return value


Channel = Annotated[WebhookChannel | SlackChannel | EmailChannel, Field(discriminator="kind")]

# ---------------------------------------------------------------- rules

_Severity = Literal["info", "warning", "critical"]


class _Rule(_Section):
    name: _Slug
    severity: _Severity = "warning"
    for_: int = Field(default=1, ge=1, alias="for")
    repeat_interval: _Positive = timedelta(hours=4)
    channels: tuple[str, ...] | None = None
    """Channel names to notify; None means every channel of the monitor."""
    retrain: bool = False


class DatasetDriftRule(_Rule):
    """Fires when the share of drifted feature columns is at least ``share``."""

    kind: Literal["dataset_drift"]
    share: float = Field(default=0.5, gt=0.0, le=1.0)


class KeyFeatureDriftRule(_Rule):
    """Fires when any of the named key feature columns drifted."""

    kind: Literal["key_feature_drift"]
    columns: tuple[str, ...] = Field(min_length=1)


class EffectSizeRule(_Rule):
    """Fires when a column's effect size is above ``above`` (strictly)."""

    kind: Literal["effect_size"]
    column: str = Field(min_length=1)
    above: float = Field(ge=0.0)


class QualityRule(_Rule):
    """Fires when the check has a data-quality finding of kind ``finding``."""

    kind: Literal["quality"]
    finding: str = Field(min_length=1)
    column: str | None = None


class PredictionDriftRule(_Rule):
    """Fires when the prediction column drifted."""

    kind: Literal["prediction_drift"]


class MultivariateDriftRule(_Rule):
    """Fires when the check's multivariate (domain classifier or PCA reconstruction)
    verdict is ``drift``; a ``watch`` (significant, effect below the threshold) never
    fires it."""

    kind: Literal["multivariate_drift"]


PERFORMANCE_METRICS: Final = ("accuracy", "precision", "recall", "f1", "roc_auc", "r2")
"""Metrics a ``performance_drop`` rule can watch: those where higher is better."""


class PerformanceDropRule(_Rule):
    """Fires when a window's ``metric`` (``source``: the CBPE estimate or the realised
    value from labels) is below ``below``, or dropped from the baseline's value by more
    than ``drop`` (absolute) or ``drop_relative`` (a share of the baseline's value); give
    exactly one. A realised value counts only when at least ``min_label_coverage`` of the
    window's records are labelled; a realised rule waits for a window's labels up to
    ``label_wait`` after the window ended, then counts the window as unknown."""

    kind: Literal["performance_drop"]
    metric: str = "accuracy"
    source: Literal["estimated", "realised"] = "estimated"
    below: float | None = Field(default=None, ge=0.0, le=1.0)
    drop: float | None = Field(default=None, gt=0.0)
    drop_relative: float | None = Field(default=None, gt=0.0, le=1.0)
    min_label_coverage: float = Field(default=0.1, ge=0.0, le=1.0)
    label_wait: _Positive = timedelta(days=7)

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in PERFORMANCE_METRICS:
            raise ValueError(
                f"unknown metric {value!r}; expected one of {list(PERFORMANCE_METRICS)} "
                "(metrics where higher is better)"
            )
        return value

    @model_validator(mode="after")
    def _one_threshold(self) -> PerformanceDropRule:
        given = [k for k in ("below", "drop", "drop_relative") if getattr(self, k) is not None]
        if len(given) != 1:
            raise ValueError(
                f"give exactly one of below, drop or drop_relative; got {given or 'none'}"
            )
        for key in ("min_label_coverage", "label_wait"):
            if self.source == "estimated" and key in self.model_fields_set:
                raise ValueError(
                    f"{key} applies to source: realised only; remove it or set source: realised"
                )
        return self


class TopKDriftRule(_Rule):
    """Fires when any of the ``k`` most important features (the check's impact ranking,
    by the baseline's feature importance) drifted."""

    kind: Literal["top_k_drift"]
    k: int = Field(default=3, ge=1)


RETRAINING_OUTCOMES: Final = ("not_promoted", "failed", "timed_out")
"""How a retraining can end without a new version serving (``retraining_outcome`` rules)."""


class RetrainingOutcomeRule(_Rule):
    """Fires when the monitor's latest retraining that has ended (an ``mlflow_project``
    target) ended in one of ``outcomes``: its candidate was not promoted by the gate, its
    run failed, or its run exceeded its timeout. Resolves when a later retraining ends
    otherwise (promoted, or finished without a gate)."""

    kind: Literal["retraining_outcome"]
    outcomes: tuple[Literal["not_promoted", "failed", "timed_out"], ...] = Field(
        default=RETRAINING_OUTCOMES, min_length=1
    )

    @model_validator(mode="after")
    def _no_retrain_loop(self) -> RetrainingOutcomeRule:
        if self.retrain:
            raise ValueError(
                "a retraining_outcome rule cannot have retrain: true (a failed retraining "
                "would request the next one); request retraining by hand instead"
            )
        return self


Rule = Annotated[
    DatasetDriftRule
    | KeyFeatureDriftRule
    | EffectSizeRule
    | QualityRule
    | PredictionDriftRule
    | MultivariateDriftRule
    | PerformanceDropRule
    | TopKDriftRule
    | RetrainingOutcomeRule,
    Field(discriminator="kind"),
]
RULE_KINDS: Final = (
    "dataset_drift",
    "key_feature_drift",
    "effect_size",
    "quality",
    "prediction_drift",
    "multivariate_drift",
    "performance_drop",
    "top_k_drift",
    "retraining_outcome",
)

# ---------------------------------------------------------------- retraining


class _Target(_Section):
    cooldown: _NotNegative = timedelta(hours=24)
    timeout: _Positive = timedelta(seconds=30)


class WebhookTarget(_Target):
    """The generic signed webhook (Standard Webhooks), body = the retrain payload."""

    kind: Literal["webhook"]
    url: _Url
    secret: Annotated[SecretStr, AfterValidator(_webhook_secret)]


class GithubTarget(_Target):
    """GitHub Actions ``repository_dispatch`` on ``repository`` (``owner/name``)."""

    kind: Literal["github"]
    repository: str = Field(pattern=r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
    token: SecretStr
    event_type: str = Field(default="driftline-retrain", min_length=1, max_length=100)
    api_url: _Url = "https://api.github.com"


class AirflowTarget(_Target):
    """Airflow REST API: trigger a run of ``dag_id``."""

    kind: Literal["airflow"]
    url: _Url
    dag_id: str = Field(min_length=1)
    api_version: Literal[1, 2] = 1
    username: str | None = None
    password: SecretStr | None = None
    token: SecretStr | None = None

    @model_validator(mode="after")
    def _one_auth(self) -> AirflowTarget:
        if self.token is not None and (self.username or self.password):
            raise ValueError("give either token, or username and password; not both")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password for basic authentication")
        return self


class GitlabTarget(_Target):
    """GitLab pipeline trigger on ``project`` (numeric id or ``group/name``) at ``ref``."""

    kind: Literal["gitlab"]
    project: str = Field(min_length=1)
    token: SecretStr
    ref: str = Field(default="main", min_length=1)
    url: _Url = "https://gitlab.com"


class JenkinsTarget(_Target):
    """Jenkins remote build (``buildWithParameters``) of ``job`` (``folder/name`` allowed)."""

    kind: Literal["jenkins"]
    url: _Url
    job: str = Field(min_length=1)
    token: SecretStr
    """The job's 'Trigger builds remotely' authentication token."""
    username: str | None = None
    api_token: SecretStr | None = None

    @model_validator(mode="after")
    def _pair(self) -> JenkinsTarget:
        if (self.username is None) != (self.api_token is None):
            raise ValueError("give both username and api_token, or neither")
        return self


_PARAMETER_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]{0,99}$")
_ParameterValue = str | int | float | bool


class MlflowProjectTarget(_Target):
    """An MLflow Project (an ``MLproject`` file) run through MLflow's Projects API: ``uri``
    is a local folder (relative to the configuration file) or a Git URI, ``entry_point``
    one of its entry points, ``parameters`` values for parameters it declares. The run is
    followed until it ends; ``timeout`` is how long it may run before Driftline stops it.
    Driftline passes ``driftline_monitor``, ``driftline_trigger``, ``driftline_reason``,
    ``driftline_labels_since`` and ``driftline_labels_until`` to the entry points that
    declare them (see docs/continuous-training.md)."""

    kind: Literal["mlflow_project"]
    uri: str = Field(min_length=1)
    entry_point: str = Field(default="main", min_length=1)
    version: str | None = Field(default=None, min_length=1)
    """A Git commit or branch of a Git project; None: its default branch."""
    parameters: dict[str, _ParameterValue] = Field(default_factory=dict)
    backend: Literal["local"] = "local"
    env_manager: Literal["local", "virtualenv", "uv", "conda"] = "local"
    experiment: str = Field(default="driftline-retraining", min_length=1)
    timeout: _Positive = timedelta(hours=2)

    @field_validator("parameters")
    @classmethod
    def _parameter_names(cls, value: dict[str, _ParameterValue]) -> dict[str, _ParameterValue]:
        for name in value:
            if not _PARAMETER_NAME.match(name):
                raise ValueError(f"parameter name {name!r}: expected letters, digits, '_', '.'")
            if name.startswith("driftline_"):
                raise ValueError(
                    f"parameter {name!r}: names starting with 'driftline_' are set by Driftline"
                )
        return value


RetrainTarget = Annotated[
    WebhookTarget
    | GithubTarget
    | AirflowTarget
    | GitlabTarget
    | JenkinsTarget
    | MlflowProjectTarget,
    Field(discriminator="kind"),
]


class Promotion(_Section):
    """The promotion gate of a monitor (``promote``): when a retraining run registers a new
    version, score it and the version holding ``alias`` on at least ``min_labels`` labelled
    records newer than the candidate's training data; move ``alias`` to the candidate only
    when its ``metric`` >= the current version's + ``min_gain``. Waits up to ``label_wait``
    after the run finished for enough labels. ``alias`` defaults to the alias the monitor
    follows."""

    alias: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_\-]+$")
    metric: str = "roc_auc"
    min_gain: float = Field(default=0.0, ge=-1.0, le=1.0)
    min_labels: int = Field(default=500, ge=1)
    label_wait: _Positive = timedelta(days=7)

    @field_validator("metric")
    @classmethod
    def _metric(cls, value: str) -> str:
        if value not in PERFORMANCE_METRICS:
            raise ValueError(
                f"unknown metric {value!r}; expected one of {list(PERFORMANCE_METRICS)} "
                "(metrics where higher is better)"
            )
        return value


# ---------------------------------------------------------------- the section


class DeliverySettings(_Section):
    """Retries: exponential backoff with jitter from ``initial_backoff`` up to
    ``max_backoff``; a delivery still failing ``max_age`` after it was queued is given up."""

    initial_backoff: _Positive = timedelta(seconds=10)
    max_backoff: _Positive = timedelta(hours=1)
    max_age: _Positive = timedelta(hours=24)

    @model_validator(mode="after")
    def _ordered(self) -> DeliverySettings:
        if self.max_backoff < self.initial_backoff:
            raise ValueError("max_backoff must be at least initial_backoff")
        return self


class AlertsConfig(_Section):
    """Rules, channels and the retrain target of one monitor."""

    dashboard_url: _Url | None = None
    channels: dict[str, Channel] = Field(default_factory=dict)
    rules: tuple[Rule, ...] = ()
    retrain: RetrainTarget | None = None
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)

    @field_validator("channels")
    @classmethod
    def _channel_names(cls, channels: dict[str, Channel]) -> dict[str, Channel]:
        for name in channels:
            _slug(name)
        if "retrain" in channels:
            raise ValueError("'retrain' is reserved for the retrain target; rename the channel")
        return channels

    @model_validator(mode="after")
    def _references(self) -> AlertsConfig:
        seen: set[str] = set()
        for index, rule in enumerate(self.rules):
            if rule.name in seen:
                raise ValueError(f"rules[{index}]: duplicate rule name {rule.name!r}")
            seen.add(rule.name)
            unknown = sorted(set(rule.channels or ()) - set(self.channels))
            if unknown:
                known = ", ".join(sorted(self.channels)) or "none"
                raise ValueError(
                    f"rules[{index}] ({rule.name}): unknown channel(s) {unknown}; "
                    f"configured channels: {known}"
                )
            if rule.retrain and self.retrain is None:
                raise ValueError(
                    f"rules[{index}] ({rule.name}) has retrain: true but the monitor has no "
                    "'retrain' target; add alerts.retrain"
                )
        return self
