"""Wiring the MLflow link into the service: registry, followers, write-back and webhook.

``monitor.mlflow.tracking`` (and so mlflow itself, about 2 s to import) is imported only when a
monitor's baseline is a ``models:/`` URI.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from monitor import config as cfg
from monitor.errors import DriftlineError
from monitor.mlflow.follow import ModelFollower, parse_model_uri
from monitor.mlflow.writeback import WritebackResult, flush_writebacks
from monitor.store import Store

if TYPE_CHECKING:
    from monitor.mlflow.tracking import MlflowRegistry

__all__ = [
    "baseline_cache_dir",
    "follower_for",
    "followers_for",
    "register_webhook",
    "registry_for",
    "uses_registry",
    "writeback_job",
]

_log = logging.getLogger(__name__)


def uses_registry(config: cfg.Config) -> bool:
    """Whether any monitor follows a registered model."""
    return any(m.baseline.startswith("models:/") for m in config.monitors)


def registry_for(config: cfg.Config) -> MlflowRegistry:
    """The MLflow registry of ``config``: ``mlflow.tracking_uri``, else
    ``$MLFLOW_TRACKING_URI``, else the embedded store beside the database."""
    from monitor.mlflow.tracking import MlflowRegistry, resolve_tracking_uri

    return MlflowRegistry(resolve_tracking_uri(config.mlflow.tracking_uri, config.database_url))


def baseline_cache_dir(config: cfg.Config, config_dir: Path) -> Path:
    """Where downloaded baselines are cached (by model name and version)."""
    if config.mlflow.cache_dir:
        path = Path(config.mlflow.cache_dir)
        return path if path.is_absolute() else (config_dir / path).resolve()
    from monitor.mlflow.tracking import state_dir

    return state_dir(config.database_url) / "baseline-cache"


def follower_for(
    config: cfg.Config,
    monitor: cfg.Monitor,
    config_dir: Path,
    registry: MlflowRegistry | None = None,
) -> ModelFollower | None:
    """The follower of ``monitor`` when its baseline is a ``models:/`` URI, else None."""
    if not monitor.baseline.startswith("models:/"):
        return None
    return ModelFollower(
        monitor.name,
        parse_model_uri(monitor.baseline),
        registry if registry is not None else registry_for(config),
        baseline_cache_dir(config, config_dir),
    )


def followers_for(config: cfg.Config, config_dir: Path) -> dict[str, ModelFollower]:
    """One follower per monitor that follows a registered model, sharing one registry."""
    if not uses_registry(config):
        return {}
    registry = registry_for(config)
    found = {m.name: follower_for(config, m, config_dir, registry) for m in config.monitors}
    return {name: follower for name, follower in found.items() if follower is not None}


def register_webhook(config: cfg.Config, registry: MlflowRegistry) -> str | None:
    """Register Driftline's webhook on the MLflow server when configured; None (polling
    only) for the embedded store, without a ``mlflow.webhook`` section, or on failure."""
    hook = config.mlflow.webhook
    if hook is None:
        return None
    if not registry.uri.startswith(("http://", "https://")):
        _log.info("MLflow store %s fires no webhooks; following aliases by polling", registry)
        return None
    try:
        webhook_id = registry.ensure_webhook(
            hook.url, hook.secret.get_secret_value(), name=hook.name
        )
    except DriftlineError as exc:
        _log.warning("cannot register the MLflow webhook (polling continues): %s", exc)
        return None
    _log.info("MLflow webhook %r registered (id %s)", hook.name, webhook_id)
    return webhook_id


def writeback_job(config_path: str, database_url: str = "") -> WritebackResult:
    """Send pending check results to MLflow (the scheduled retry of the outbox);
    ``database_url`` '' means driftline.yaml's (what the scheduler stores: job arguments
    are pickled into the job store, and a URL may hold a password)."""
    config = cfg.load_config(config_path)
    store = Store(database_url or config.database_url)
    try:
        if store.count_pending_writebacks() == 0:
            return WritebackResult(0, 0)
        return flush_writebacks(store, registry_for(config))
    except DriftlineError as exc:
        _log.warning("MLflow write-back postponed: %s", exc)
        return WritebackResult(0, 0)
    finally:
        store.close()
