"""How alerts plugs into the service (``monitor.service.extensions``): the delivery job (and the
job following MLflow Project retraining runs, when a monitor has such a target), the alert
evaluation after checks, the API routes and the CLI commands."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from alerts import commands
from monitor.errors import ConfigError
from monitor.service.extensions import ScheduledJob

if TYPE_CHECKING:
    from flask import Flask

    from monitor import config as cfg
    from monitor.service.extensions import RetrainAction, ServiceContext
    from monitor.store import RetrainTrigger, Store

__all__ = ["AlertsExtension", "extension"]


class AlertsExtension:
    """The alerts extension of ``driftline serve`` and the ``driftline`` CLI."""

    def jobs(self, context: ServiceContext) -> Sequence[ScheduledJob]:
        from alerts import jobs, retraining

        args = (str(context.config_path.resolve()), "")  # the URL: from the config
        found = [
            ScheduledJob(
                id="alerts:deliver",
                func=jobs.deliver_job,
                args=args,
                seconds=jobs.DELIVERY_POLL_S,
            )
        ]
        if retraining.uses_projects(context.config):
            found.append(
                ScheduledJob(
                    id="alerts:retraining",
                    func=retraining.retraining_job,
                    args=args,
                    seconds=retraining.RETRAINING_POLL_S,
                )
            )
        return found

    def after_checks(self, store: Store, context: ServiceContext, monitor: str) -> None:
        from alerts import jobs

        jobs.evaluate(store, context.config, monitor)

    def register_api(self, app: Flask, store: Store, context: ServiceContext) -> None:
        from alerts import api

        app.register_blueprint(api.blueprint(store, context.config))

    def openapi_paths(self) -> dict[str, Any]:
        from alerts import api

        return api.openapi_paths()

    def retrain_action(self, store: Store, config: cfg.Config) -> RetrainAction:
        """The dashboard's "Retrain now": the code path of ``POST .../retrain``."""
        from alerts.trigger import request_retrain

        monitors = {m.name: m for m in config.monitors}

        def retrain(name: str, reason: str) -> RetrainTrigger:
            monitor = monitors.get(name)
            if monitor is None:
                raise ConfigError(
                    f"no monitor {name!r} in the configuration; known: {sorted(monitors)}"
                )
            return request_retrain(store, monitor, reason=reason, requested_by="dashboard")

        return retrain

    def add_commands(self, parsers: Any) -> list[str]:
        return commands.add_commands(parsers)

    def run_command(self, args: argparse.Namespace, context: ServiceContext) -> int:
        from alerts import cli

        return cli.run_command(args, context)


def extension() -> AlertsExtension:
    return AlertsExtension()
