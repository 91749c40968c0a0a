"""Following a registered model: which version a monitor checks against, and its baseline.

A monitor whose baseline is ``models:/<name>@<alias>`` (or ``models:/<name>/<version>``)
has a :class:`ModelFollower`. Before each check it asks the registry which version holds
the alias, records a :class:`~monitor.store.ModelVersionEvent` when that changed, and
returns the version's baseline, downloaded once from the version's training run and then
read from a cache on disk keyed by model name and version. When the registry cannot be
reached, the follower keeps using the version it followed last (its cached baseline), so
checks continue; only a monitor that never reached the registry fails its check.

The registry itself is a :class:`Registry` (``monitor.mlflow.tracking.MlflowRegistry`` in the
service), so this module never imports mlflow.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Final, Protocol

from monitor.engine.baseline import Baseline
from monitor.engine.baseline_file import load_baseline
from monitor.errors import ConfigError, RegistryUnavailable
from monitor.store import DetectedBy, Store

__all__ = [
    "ModelFollower",
    "ModelRef",
    "ModelVersionInfo",
    "Registry",
    "ResolvedModel",
    "parse_model_uri",
]

_log = logging.getLogger(__name__)
_URI: Final = re.compile(
    r"^models:/(?P<name>[^/@\s]+)(?:@(?P<alias>[A-Za-z0-9_\-]+)|/(?P<version>[0-9]+))$"
)


@dataclass(frozen=True, slots=True)
class ModelRef:
    """A registered model by alias (``models:/name@alias``) or version (``models:/name/3``)."""

    name: str
    alias: str | None = None
    version: str | None = None

    @property
    def uri(self) -> str:
        return (
            f"models:/{self.name}@{self.alias}"
            if self.alias
            else f"models:/{self.name}/{self.version}"
        )


def parse_model_uri(uri: str) -> ModelRef:
    """``models:/name@alias`` or ``models:/name/version`` as a ModelRef.

    >>> parse_model_uri("models:/credit@production")
    ModelRef(name='credit', alias='production', version=None)
    """
    match = _URI.match(uri.strip())
    if match is None:
        raise ConfigError(
            f"model URI {uri!r}: expected 'models:/<name>@<alias>' or 'models:/<name>/<version>'"
        )
    return ModelRef(match["name"], match["alias"], match["version"])


@dataclass(frozen=True, slots=True)
class ModelVersionInfo:
    """One registered model version and the training run that logged its baseline."""

    name: str
    version: str
    run_id: str


class Registry(Protocol):
    """What a follower needs from the model registry."""

    def resolve(self, ref: ModelRef) -> ModelVersionInfo:
        """The version ``ref`` points at now; RegistryUnavailable when unreachable."""
        ...

    def download_baseline(self, run_id: str, destination: Path) -> Path:
        """Download the baseline logged in ``run_id`` to the file ``destination``."""
        ...


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """The version a check compares against, with its baseline."""

    info: ModelVersionInfo
    baseline: Baseline


class ModelFollower:
    """Follows ``ref`` for ``monitor``: resolve before each check, cache baselines by version."""

    def __init__(self, monitor: str, ref: ModelRef, registry: Registry, cache_dir: Path) -> None:
        self.monitor = monitor
        self.ref = ref
        self.registry = registry
        self.cache_dir = cache_dir
        self._lock = threading.Lock()
        self._loaded: dict[str, Baseline] = {}
        self._current: ResolvedModel | None = None

    def __repr__(self) -> str:
        return f"ModelFollower({self.monitor!r}, {self.ref.uri!r})"

    @property
    def current(self) -> ResolvedModel | None:
        """The version resolved last in this process, or None before the first resolution."""
        return self._current

    def matches(self, name: str, alias: str | None) -> bool:
        """Whether a registry event about model ``name`` (and ``alias``) concerns this follower."""
        return name == self.ref.name and (alias is None or alias == self.ref.alias)

    def resolve(
        self, store: Store, *, detected_by: DetectedBy = "poll", at: datetime | None = None
    ) -> ResolvedModel:
        """The version to check against now, recording a model version event when it changed
        (stamped ``at``, default the store's clock: a check passes its own clock's time).

        Raises RegistryUnavailable only when the registry is unreachable and this monitor
        has never followed a version whose baseline is cached.
        """
        with self._lock:
            try:
                info = self.registry.resolve(self.ref)
            except RegistryUnavailable as exc:
                resolved = self._last_known(store, exc)
            else:
                resolved = ResolvedModel(info, self._baseline(info))
                event = store.follow_model_version(
                    self.monitor,
                    model_name=info.name,
                    version=info.version,
                    run_id=info.run_id,
                    alias=self.ref.alias,
                    detected_by=detected_by,
                    at=at,
                )
                if event is not None:
                    _log.info(
                        "%s: now following %s version %s (was %s; detected by %s)",
                        self.monitor,
                        info.name,
                        info.version,
                        event.old_version or "none",
                        detected_by,
                    )
            self._current = resolved
            return resolved

    def _last_known(self, store: Store, exc: RegistryUnavailable) -> ResolvedModel:
        last = store.current_model_version(self.monitor)
        if last is None or last.model_name != self.ref.name:
            raise RegistryUnavailable(
                f"{exc}; monitor {self.monitor!r} has not followed a version of "
                f"{self.ref.uri} yet, so there is no baseline to check against"
            ) from exc
        info = ModelVersionInfo(last.model_name, last.new_version, last.run_id)
        path = self._cache_path(info)
        if info.version not in self._loaded and not path.is_file():
            raise RegistryUnavailable(
                f"{exc}; the baseline of {info.name} version {info.version} is not cached in "
                f"{self.cache_dir}"
            ) from exc
        _log.warning(
            "%s: %s; checking against the last followed version %s",
            self.monitor,
            exc,
            info.version,
        )
        return ResolvedModel(info, self._baseline(info))

    def _cache_path(self, info: ModelVersionInfo) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", info.name)
        return self.cache_dir / safe / f"v{info.version}-{info.run_id}.driftline"

    def _baseline(self, info: ModelVersionInfo) -> Baseline:
        found = self._loaded.get(info.version)
        if found is not None:
            return found
        path = self._cache_path(info)
        if not path.is_file():
            path.parent.mkdir(parents=True, exist_ok=True)
            self.registry.download_baseline(info.run_id, path)
        baseline = load_baseline(path)
        self._loaded[info.version] = baseline
        return baseline
