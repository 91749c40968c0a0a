"""driftline.yaml: the schema of the service configuration, loading with ``${VAR}``
substitution, durations, the ``alerts`` section of a monitor, and a monitor's effective
settings with secrets masked (``effective_settings``).

Beside ``monitor.engine`` in the layering (it may use engine types, never the store or
anything above it). ``load_config`` validates the whole file at once and names every
wrong field with its path, the value given and what is allowed.
"""

from __future__ import annotations

from monitor.config.access import SCOPES, ApiToken, Scope
from monitor.config.effective import effective_settings, settings_text
from monitor.config.loading import DEFAULT_CONFIG_FILE, load_config, secret_values
from monitor.config.model import (
    DEFAULT_DATABASE_URL,
    ApiConfig,
    ColumnConfig,
    Config,
    DashboardConfig,
    FilesSource,
    IngestSource,
    MlflowConfig,
    Monitor,
    Schedule,
    Source,
    SqlSource,
    WebhookConfig,
    format_duration,
    parse_duration,
    redact_url,
)
from monitor.config.operations import MetricsConfig, RetentionConfig, SchedulerConfig

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "DEFAULT_DATABASE_URL",
    "SCOPES",
    "ApiConfig",
    "ApiToken",
    "ColumnConfig",
    "Config",
    "DashboardConfig",
    "FilesSource",
    "IngestSource",
    "MetricsConfig",
    "MlflowConfig",
    "Monitor",
    "RetentionConfig",
    "Schedule",
    "SchedulerConfig",
    "Scope",
    "Source",
    "SqlSource",
    "WebhookConfig",
    "effective_settings",
    "format_duration",
    "load_config",
    "parse_duration",
    "redact_url",
    "secret_values",
    "settings_text",
]
