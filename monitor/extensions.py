"""Extensions: packages built on ``monitor`` that add scheduler jobs, API routes and CLI
commands to the service, without ``monitor`` importing them (``tests/test_layering.py``).

``EXTENSION_MODULES`` names them explicitly; each module has a function ``extension()``
returning an object with the :class:`Extension` methods. ``load_extensions`` imports the
ones that are installed, in order. Nothing is registered by import side effects.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

from flask import Flask

from monitor import config as cfg
from monitor.store import RetrainTrigger, Store

__all__ = [
    "EXTENSION_MODULES",
    "Extension",
    "RetrainAction",
    "ScheduledJob",
    "ServiceContext",
    "load_extensions",
]

EXTENSION_MODULES: Final = ("alerts.extension",)

RetrainAction = Callable[[str, str], RetrainTrigger]
"""``action(monitor, reason)``: request retraining of ``monitor``'s model by hand; returns
the recorded trigger (its delivery queued). Raises ConfigError for an unknown monitor."""


@dataclass(frozen=True, slots=True)
class ServiceContext:
    """What an extension needs to know about the running service."""

    config: cfg.Config
    config_path: Path
    database_url: str


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """An interval job: ``func`` is a top-level function taking ``args`` (strings)."""

    id: str
    func: Callable[..., None]
    args: tuple[str, ...]
    seconds: float
    misfire_grace_time: int = 30


class Extension(Protocol):
    def jobs(self, context: ServiceContext) -> Sequence[ScheduledJob]:
        """Interval jobs to add to the scheduler (run by the lease holder only)."""
        ...

    def after_checks(self, store: Store, context: ServiceContext, monitor: str) -> None:
        """Called after checks of ``monitor`` were stored (scheduler, API, CLI)."""
        ...

    def register_api(self, app: Flask, store: Store, context: ServiceContext) -> None:
        """Add routes to the API app."""
        ...

    def openapi_paths(self) -> dict[str, Any]:
        """OpenAPI path items of the routes it adds."""
        ...

    def retrain_action(self, store: Store, config: cfg.Config) -> RetrainAction | None:
        """How to request retraining by hand (the dashboard's "Retrain now"), or None."""
        ...

    def add_commands(self, commands: Any) -> list[str]:
        """Add CLI sub-commands; returns the command names it handles."""
        ...

    def run_command(self, args: argparse.Namespace, context: ServiceContext) -> int:
        """Run one of its commands."""
        ...


def load_extensions(names: Sequence[str] = EXTENSION_MODULES) -> list[Extension]:
    """The installed extensions among ``names``, in order."""
    found: list[Extension] = []
    for name in names:
        if importlib.util.find_spec(name.partition(".")[0]) is None:
            continue
        module = importlib.import_module(name)
        found.append(module.extension())
    return found
