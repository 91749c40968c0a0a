"""From a loaded configuration to what the service runs: monitor contexts and the store."""

from __future__ import annotations

from pathlib import Path

from monitor import config as cfg
from monitor.baseline_file import load_baseline
from monitor.check import ColumnOptions
from monitor.errors import ConfigError
from monitor.registry import ModelFollower
from monitor.service import MonitorContext
from monitor.sources import FileSource, Source, SqlSource

__all__ = ["baseline_path", "monitor_context", "monitor_contexts", "source_for"]


def baseline_path(monitor: cfg.Monitor, config_dir: Path) -> Path:
    """The monitor's baseline file, relative paths taken from the config file's folder."""
    if monitor.baseline.startswith("models:/"):
        raise ConfigError(
            f"monitors[{monitor.name}].baseline: {monitor.baseline!r} is a registered model, "
            "not a file; its baseline comes from MLflow (monitor.link.follower_for)"
        )
    path = Path(monitor.baseline)
    return path if path.is_absolute() else config_dir / path


def source_for(monitor: cfg.Monitor, config_dir: Path) -> Source | None:
    """The monitor's pull source, or None for records ingested through the API."""
    source = monitor.source
    if isinstance(source, cfg.SqlSource):
        return SqlSource(source.url.get_secret_value(), source.query, source.event_time_column)
    if isinstance(source, cfg.FilesSource):
        return FileSource(source.glob, source.event_time_column, source.format, config_dir)
    return None


def monitor_context(
    monitor: cfg.Monitor, config_dir: Path, *, follower: ModelFollower | None = None
) -> MonitorContext:
    """Load the baseline (or take the follower of a ``models:/`` baseline) and gather the
    monitor's thresholds and source."""
    if follower is None and monitor.baseline.startswith("models:/"):
        baseline_path(monitor, config_dir)  # raises: a registered model needs a follower
    baseline = None if follower is not None else load_baseline(baseline_path(monitor, config_dir))
    return MonitorContext(
        name=monitor.name,
        baseline=baseline,
        window=monitor.window,
        grace=monitor.grace,
        min_rows=monitor.min_rows,
        alpha=monitor.alpha,
        delta=monitor.delta,
        delta_categorical=monitor.delta_categorical,
        drift_share=monitor.drift_share,
        columns={
            name: ColumnOptions(method=column.method, alpha=column.alpha, delta=column.delta)
            for name, column in monitor.columns.items()
        },
        source=source_for(monitor, config_dir),
        model=follower,
    )


def monitor_contexts(config: cfg.Config, config_dir: Path) -> dict[str, MonitorContext]:
    from monitor.link import followers_for

    followers = followers_for(config, config_dir)
    return {
        m.name: monitor_context(m, config_dir, follower=followers.get(m.name))
        for m in config.monitors
    }
