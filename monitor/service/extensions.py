"""Extensions: packages built on ``monitor`` that add scheduler jobs, API routes and CLI
commands to the service, without ``monitor`` importing them (``tests/test_layering.py``).

Extensions are installed packages that declare an entry point in the
``driftline.extensions`` group (``EXTENSION_GROUP``): a function returning an object with
the :class:`Extension` methods (``alerts = "alerts.extension:extension"``). The dashboard
mounts itself the same way, through the ``driftline.serve`` group (``MOUNT_GROUP``). One
mechanism for both; nothing is registered by import side effects.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Protocol

if TYPE_CHECKING:
    from flask import Flask

    from monitor import config as cfg
    from monitor.store import RetrainTrigger, Store

__all__ = [
    "EXTENSION_GROUP",
    "MOUNT_GROUP",
    "Extension",
    "RetrainAction",
    "ScheduledJob",
    "ServiceContext",
    "load_extensions",
]

EXTENSION_GROUP: Final = "driftline.extensions"
MOUNT_GROUP: Final = "driftline.serve"

RetrainAction = Callable[[str, str], "RetrainTrigger"]
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
        """Add CLI sub-commands; returns the command names it handles. A command that
        needs neither the configuration nor the database sets the parser default
        ``run_alone`` to a function ``(args) -> int``, which the CLI calls instead of
        :meth:`run_command`."""
        ...

    def run_command(self, args: argparse.Namespace, context: ServiceContext) -> int:
        """Run one of its commands."""
        ...


def load_extensions() -> list[Extension]:
    """The installed extensions (entry points of ``EXTENSION_GROUP``), by name."""
    found: list[Extension] = []
    for point in sorted(entry_points(group=EXTENSION_GROUP), key=lambda e: e.name):
        found.append(point.load()())
    return found
