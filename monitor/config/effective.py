"""A monitor's effective settings: what its checks and alerts run with, safe to show.

:func:`effective_settings` is the one builder behind ``driftline monitors show M`` and
``GET /api/v1/monitors/M``: the monitor as :func:`~monitor.config.load_config` validated it,
so ``${VAR}`` is already substituted and every default filled in (the window from the
schedule's interval, ``delta_categorical`` from ``delta``, ``multivariate_threshold``
from the method), durations written as in
driftline.yaml (``1h30m``), and every secret masked: each ``SecretStr`` is ``***``, and
every other text goes through :func:`monitor.redact.redact_text` with the configuration's
secrets (URL passwords, ``token=`` values, a secret repeated in a URL).

>>> from monitor.config.model import Config
>>> config = Config.model_validate({"monitors": [{"name": "credit", "baseline": "b.driftline",
...     "schedule": {"interval": "1h"}, "source": {"kind": "sql",
...     "url": "postgresql://u:pw@db/x", "query": "select 1", "event_time_column": "t"}}]})
>>> shown = effective_settings(config, "credit")
>>> shown["window"], shown["delta_categorical"], shown["source"]["url"]
('1h', 0.1, '***')
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final

import yaml
from pydantic import BaseModel, SecretStr

from monitor.config.durations import format_duration
from monitor.config.loading import secret_values
from monitor.config.model import Config
from monitor.redact import redact_text

__all__ = ["MASK", "effective_settings", "settings_text"]

MASK: Final = "***"


def _plain(value: Any, secrets: list[str]) -> Any:
    """``value`` as JSON-ready data with secrets masked."""
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, BaseModel):
        return {  # keys as written in driftline.yaml: ``for``, not the field ``for_``
            info.alias or name: _plain(getattr(value, name), secrets)
            for name, info in type(value).model_fields.items()
        }
    if isinstance(value, timedelta):
        return format_duration(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(key): _plain(item, secrets) for key, item in value.items()}
    if isinstance(value, tuple | list | set | frozenset):
        return [_plain(item, secrets) for item in value]
    if isinstance(value, str):
        return redact_text(value, secrets)
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_text(str(value), secrets)


def effective_settings(config: Config, name: str) -> dict[str, Any]:
    """The monitor ``name``'s settings after defaults and ``${VAR}`` substitution, secrets
    masked, as JSON-ready data in the order of driftline.yaml's schema. ConfigError
    names an unknown monitor and lists the configured ones."""
    monitor = config.monitor(name)
    # the database URL is not part of a monitor: mask its password, not every path segment
    # of the URL (secret_parts would hide its database name wherever that appears)
    secrets = [s for s in secret_values(config) if s != config.database_url]
    settings: dict[str, Any] = _plain(monitor, secrets)
    if monitor.delta_categorical is None:
        settings["delta_categorical"] = monitor.delta
    settings["multivariate_threshold"] = monitor.multivariate_tolerance
    return settings


def settings_text(settings: Mapping[str, Any]) -> str:
    """``settings`` as YAML, in the schema's order (what ``monitors show`` prints)."""
    return yaml.safe_dump(dict(settings), sort_keys=False, default_flow_style=False).rstrip()
