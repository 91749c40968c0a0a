"""How alerts plugs into the service (``monitor.extensions``): the delivery job, the alert
evaluation after checks, the API routes and the CLI commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from flask import Flask

from alerts import api, cli, jobs
from monitor.extensions import ScheduledJob, ServiceContext
from monitor.store import Store

__all__ = ["AlertsExtension", "extension"]


class AlertsExtension:
    """The alerts extension of ``driftline serve`` and the ``driftline`` CLI."""

    def jobs(self, context: ServiceContext) -> Sequence[ScheduledJob]:
        return [
            ScheduledJob(
                id="alerts:deliver",
                func=jobs.deliver_job,
                args=(str(context.config_path.resolve()), context.database_url),
                seconds=jobs.DELIVERY_POLL_S,
            )
        ]

    def after_checks(self, store: Store, context: ServiceContext, monitor: str) -> None:
        jobs.evaluate(store, context.config, monitor)

    def register_api(self, app: Flask, store: Store, context: ServiceContext) -> None:
        app.register_blueprint(api.blueprint(store, context.config))

    def openapi_paths(self) -> dict[str, Any]:
        return api.openapi_paths()

    def add_commands(self, commands: Any) -> list[str]:
        return cli.add_commands(commands)

    def run_command(self, args: argparse.Namespace, context: ServiceContext) -> int:
        return cli.run_command(args, context)


def extension() -> AlertsExtension:
    return AlertsExtension()
