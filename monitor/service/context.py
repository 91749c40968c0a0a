"""What a check of one monitor needs (:class:`MonitorContext`), built from driftline.yaml."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import config as cfg
from monitor.engine.baseline import Baseline
from monitor.engine.baseline_file import load_baseline
from monitor.engine.compare import ColumnOptions
from monitor.engine.multivariate import MultivariateOptions
from monitor.errors import BaselineNotFound, ConfigError
from monitor.mlflow.follow import ModelFollower
from monitor.service.sources import FileSource, Source, SqlSource

__all__ = [
    "Clock",
    "MonitorContext",
    "baseline_path",
    "monitor_context",
    "monitor_contexts",
    "source_for",
    "utc_now",
]


Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class MonitorContext:
    """What a check of one monitor needs: its baseline, window rules and thresholds."""

    name: str
    baseline: Baseline | None
    """The baseline file's Baseline; None when the monitor follows a registered model."""
    window: timedelta
    grace: timedelta = timedelta(0)
    min_rows: int = 30
    alpha: float = 0.05
    delta: float = 0.1
    delta_categorical: float | None = None
    delta_prediction: float = 0.1
    drift_share: float = 0.5
    multivariate: MultivariateOptions = field(default_factory=MultivariateOptions)
    columns: Mapping[str, ColumnOptions] = field(default_factory=dict)
    source: Source | None = None
    """A pull source; None means records ingested through the API (the store)."""
    model: ModelFollower | None = None
    """Follows ``models:/name@alias``: the baseline is resolved before each check."""

    def current_baseline(self) -> Baseline:
        """The baseline checks use now (the followed model version's, once resolved)."""
        if self.model is not None and self.model.current is not None:
            return self.model.current.baseline
        if self.baseline is None:
            uri = self.model.ref.uri if self.model is not None else "a registered model"
            raise BaselineNotFound(
                f"monitor {self.name!r} follows {uri}, which has not been resolved yet "
                "(is MLflow reachable?); it is resolved before each check"
            )
        return self.baseline


def baseline_path(monitor: cfg.Monitor, config_dir: Path) -> Path:
    """The monitor's baseline file, relative paths taken from the config file's folder."""
    if monitor.baseline.startswith("models:/"):
        raise ConfigError(
            f"monitors[{monitor.name}].baseline: {monitor.baseline!r} is a registered model, "
            "not a file; its baseline comes from MLflow (resolved before each check)"
        )
    path = Path(monitor.baseline)
    return path if path.is_absolute() else config_dir / path


def source_for(monitor: cfg.Monitor, config_dir: Path) -> Source | None:
    """The monitor's pull source, or None for records ingested through the API."""
    source = monitor.source
    if isinstance(source, cfg.SqlSource):
        return SqlSource(source.url.get_secret_value(), source.query, source.event_time_column)
    if isinstance(source, cfg.FilesSource):
        return FileSource(
            source.glob,
            source.event_time_column,
            source.format,
            config_dir,
            dask=monitor.engine.dask,
        )
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
        delta_prediction=monitor.delta_prediction,
        drift_share=monitor.drift_share,
        multivariate=MultivariateOptions(
            method=monitor.multivariate, threshold=monitor.multivariate_threshold
        ),
        columns={
            name: ColumnOptions(method=column.method, alpha=column.alpha, delta=column.delta)
            for name, column in monitor.columns.items()
        },
        source=source_for(monitor, config_dir),
        model=follower,
    )


def monitor_contexts(config: cfg.Config, config_dir: Path) -> dict[str, MonitorContext]:
    from monitor.mlflow.configured import followers_for

    followers = followers_for(config, config_dir)
    return {
        m.name: monitor_context(m, config_dir, follower=followers.get(m.name))
        for m in config.monitors
    }
