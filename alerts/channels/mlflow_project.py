"""The ``mlflow_project`` retrain target: a retrain delivery launches an MLflow Project run.

Sending the delivery (``alerts.delivery``, the outbox's retries included) claims the
trigger's run in the store (one run per monitor at a time), works out the time range of the
labelled records since the drift (:func:`labels_range`) and launches the project through
``monitor.mlflow.projects`` (MLflow's Projects API; ``alerts`` never imports ``mlflow``).
The launch returns at once; ``alerts.retraining`` follows the run from there.

=================================================  ==========================================
what happened                                      recorded
=================================================  ==========================================
launched                                           delivered; run ``running`` with its id
another run of the monitor is active               delivery failed, naming that trigger
the project cannot run as configured (no folder,   delivery failed; run ``failed`` with the
unknown entry point, undeclared parameters...)     reason
MLflow unreachable                                 retried with backoff (the claim released)
=================================================  ==========================================
"""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Final

from alerts.channels.base import SendOutcome, redact
from monitor import config as cfg
from monitor.config.alerts import MlflowProjectTarget
from monitor.errors import ConfigError, RegistryUnavailable
from monitor.redact import redact_url
from monitor.store import CheckSummary, Delivery, Store

__all__ = ["CHECKS_LOOKED_AT", "LAUNCH_TIMEOUT", "ProjectLauncher", "labels_range"]

LAUNCH_TIMEOUT: Final = dt.timedelta(minutes=5)
"""How long a launch may take (fetching a Git project included) before its claim lapses."""
CHECKS_LOOKED_AT: Final = 5_000
"""How far back :func:`labels_range` looks for the start of the drift, in checks."""


def labels_range(store: Store, monitor: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """The time range of labelled records a retraining is given: from the start of the
    drift to the end of the latest checked window.

    The start is the first window of the latest unbroken run of ``drifting`` checks; when
    the latest check is not drifting (a retraining asked for by hand, or by a rule on
    something else), the first window checked against the model version the latest check
    used. (None, None) before any check."""
    checks: list[CheckSummary] = store.list_checks(
        monitor, limit=CHECKS_LOOKED_AT, newest_first=True
    )
    if not checks:
        return None, None
    latest = checks[0]
    if latest.status == "drifting":
        same = [c.status == "drifting" for c in checks]
    else:
        same = [c.model_version == latest.model_version for c in checks]
    first = latest
    for check, keeps in zip(checks, same, strict=True):
        if not keeps:
            break
        first = check
    return first.window_start_at, latest.window_end_at


def _iso(value: dt.datetime | None) -> str:
    return "" if value is None else value.isoformat()


class ProjectLauncher:
    """Sends retrain deliveries of ``monitor`` by launching its MLflow Project."""

    def __init__(
        self,
        store: Store,
        config: cfg.Config,
        monitor: cfg.Monitor,
        *,
        config_dir: Path | None = None,
    ) -> None:
        target = monitor.alerts.retrain
        assert isinstance(target, MlflowProjectTarget)
        self._store = store
        self._config = config
        self._monitor = monitor
        self._target = target
        self._config_dir = config_dir or Path.cwd()

    def _uri(self) -> str:
        from monitor.mlflow.projects import is_remote_uri

        uri = self._target.uri
        if is_remote_uri(uri):
            return uri
        path = Path(uri).expanduser()
        return str(path if path.is_absolute() else (self._config_dir / path).resolve())

    def send(self, delivery: Delivery) -> SendOutcome:
        started = time.perf_counter()
        outcome = self._launch(delivery)
        return SendOutcome(
            outcome.ok, outcome.retryable, outcome.detail, None, time.perf_counter() - started
        )

    def _launch(self, delivery: Delivery) -> SendOutcome:
        trigger_id = str(delivery.payload.get("trigger_id") or "")
        name = self._monitor.name
        since, until = labels_range(self._store, name)
        try:
            blocking = self._store.claim_retrain_run(
                trigger_id, labels_since_at=since, labels_until_at=until
            )
        except ConfigError as exc:  # a payload whose trigger is not in the store
            return SendOutcome(False, False, str(exc))
        if blocking is not None:
            run = blocking.run
            what = (
                "active"
                if run is None
                else f"{run.outcome}" + (f" (run {run.run_id})" if run.run_id else "")
            )
            return SendOutcome(
                False,
                False,
                f"not launched: retraining {blocking.trigger_id} of monitor {name} is still "
                f"{what}; one run per monitor at a time, request again once it has ended",
            )
        target = self._target
        try:
            from monitor.mlflow.configured import registry_for
            from monitor.mlflow.projects import launch_run

            registry = registry_for(self._config)
            ui_url = self._config.mlflow.ui_url or (
                redact_url(registry.uri)
                if registry.uri.startswith(("http://", "https://"))
                else None
            )
            launched = launch_run(
                registry,
                uri=self._uri(),
                entry_point=target.entry_point,
                parameters=target.parameters,
                driftline={
                    "driftline_monitor": name,
                    "driftline_trigger": trigger_id,
                    "driftline_reason": str(delivery.payload.get("reason") or ""),
                    "driftline_labels_since": _iso(since),
                    "driftline_labels_until": _iso(until),
                },
                tags={"driftline.monitor": name, "driftline.trigger": trigger_id},
                version=target.version,
                env_manager=target.env_manager,
                experiment=target.experiment,
                run_name=f"{name} retraining {trigger_id}",
                ui_url=ui_url,
            )
        except RegistryUnavailable as exc:
            self._store.release_retrain_run(trigger_id)
            return SendOutcome(False, True, redact(str(exc)))
        except ConfigError as exc:  # ProjectError included: retrying does not help
            detail = redact(str(exc))
            self._store.record_run_ended(trigger_id, status="failed", detail=detail)
            return SendOutcome(False, False, detail)
        self._store.record_run_started(
            trigger_id,
            run_id=launched.run_id,
            experiment_id=launched.experiment_id,
            run_url=launched.url,
            pid=launched.pid,
        )
        return SendOutcome(True, False, f"launched MLflow run {launched.run_id}")
