"""Following retraining runs of ``mlflow_project`` targets, and their promotion gate.

``retraining_job`` runs every ``RETRAINING_POLL_S`` seconds in the process holding the
scheduler lease, when a monitor has an ``mlflow_project`` retrain target. It takes every
trigger whose run is active (``monitor.store.RetrainRunStore``) one step further:

=======================  ===================================================================
the run                  what happens
=======================  ===================================================================
launching                after ``LAUNCH_TIMEOUT`` (the launching process died): failed
running, MLflow says     the version it registered (of the model the monitor follows) is
FINISHED                 looked up and recorded; with a ``promote`` section the gate waits
running, FAILED/KILLED   failed, with MLflow's status
running past timeout     its process group is stopped, the MLflow run marked KILLED:
                         timed_out
finished, gate waiting   the gate judges (``monitor.mlflow.gate.judge_candidate``): it waits
                         for ``min_labels`` labelled records newer than the run's training
                         range, up to ``label_wait`` after the run ended, then promotes
                         (moves the alias) or not, recording both versions' metric
=======================  ===================================================================

An unreachable MLflow leaves the trigger as it is for the next poll. ``alerts`` reaches
MLflow only through ``monitor.mlflow`` (imported when a run is active).
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from alerts.channels.mlflow_project import LAUNCH_TIMEOUT
from monitor import config as cfg
from monitor.config.alerts import MlflowProjectTarget
from monitor.config.durations import format_duration
from monitor.errors import DriftlineError, RegistryUnavailable
from monitor.store import PromotionGate, RetrainTrigger, Store

if TYPE_CHECKING:
    from monitor.mlflow.tracking import MlflowRegistry

__all__ = ["RETRAINING_POLL_S", "follow_retraining", "retraining_job", "uses_projects"]

_log = logging.getLogger(__name__)

RETRAINING_POLL_S: Final = 1.0
_DEFAULT_TIMEOUT: Final = MlflowProjectTarget.model_fields["timeout"].default


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def uses_projects(config: cfg.Config) -> bool:
    """Whether any monitor retrains through an MLflow Project."""
    return any(isinstance(m.alerts.retrain, MlflowProjectTarget) for m in config.monitors)


class _Follower:
    """One poll over the active runs, sharing one registry (created when first needed)."""

    def __init__(
        self,
        store: Store,
        config: cfg.Config,
        now: Callable[[], dt.datetime],
        registry: MlflowRegistry | None,
    ) -> None:
        self.store = store
        self.config = config
        self.now = now
        self._registry = registry
        self.monitors = {m.name: m for m in config.monitors}

    @property
    def registry(self) -> MlflowRegistry:
        if self._registry is None:
            from monitor.mlflow.configured import registry_for

            self._registry = registry_for(self.config)
        return self._registry

    def step(self, trigger: RetrainTrigger) -> RetrainTrigger:
        run = trigger.run
        assert run is not None
        if run.status == "launching":
            if self.now() - run.created_at < LAUNCH_TIMEOUT:
                return trigger
            return self.store.record_run_ended(
                trigger.trigger_id,
                status="failed",
                detail=f"the launch did not complete within {format_duration(LAUNCH_TIMEOUT)} "
                "(the launching process stopped?); request retraining again",
            )
        if run.status == "running":
            return self._running(trigger)
        return self._gate(trigger)

    def _target(self, monitor: str) -> MlflowProjectTarget | None:
        found = self.monitors.get(monitor)
        target = None if found is None else found.alerts.retrain
        return target if isinstance(target, MlflowProjectTarget) else None

    def _running(self, trigger: RetrainTrigger) -> RetrainTrigger:
        from monitor.mlflow.projects import run_status, stop_run

        run = trigger.run
        assert run is not None and run.run_id is not None
        status = run_status(self.registry, run.run_id)
        if status == "FINISHED":
            return self._finished(trigger)
        if status in ("FAILED", "KILLED"):
            return self.store.record_run_ended(
                trigger.trigger_id,
                status="failed",
                detail=f"MLflow run ended {status}: the entry point failed or was stopped; "
                "its output is in the log of the process that launched it",
            )
        target = self._target(trigger.monitor)
        timeout = _DEFAULT_TIMEOUT if target is None else target.timeout
        started = run.started_at or run.created_at
        if self.now() - started <= timeout:
            return trigger
        stopped = stop_run(self.registry, run.run_id, run.pid)
        how = "stopped" if stopped else "marked KILLED (its process was not found here)"
        return self.store.record_run_ended(
            trigger.trigger_id,
            status="timed_out",
            detail=f"still running after its timeout of {format_duration(timeout)}; {how}",
        )

    def _finished(self, trigger: RetrainTrigger) -> RetrainTrigger:
        run = trigger.run
        assert run is not None and run.run_id is not None
        monitor = self.monitors.get(trigger.monitor)
        name = None if monitor is None else monitor.model_name
        if name is None:
            return self.store.record_run_ended(
                trigger.trigger_id,
                status="finished",
                detail="the monitor follows no registered model, so no version is looked up",
            )
        versions = self.registry.registered_versions(run.run_id, name)
        version = versions[-1] if versions else None
        detail = (
            f"registered {name} version {version}"
            if version
            else f"the run registered no version of model {name!r}"
        )
        ended = self.store.record_run_ended(
            trigger.trigger_id,
            status="finished",
            detail=detail,
            model_name=name,
            model_version=version,
        )
        assert monitor is not None
        if monitor.promote is None:
            return ended
        alias = monitor.promotion_alias or ""
        if version is None:
            return self.store.record_gate(
                trigger.trigger_id,
                PromotionGate(
                    "not_promoted", alias, monitor.promote.metric, None, None, None, None, None,
                    f"nothing to judge: {detail}", self.now(),
                ),
            )  # fmt: skip
        waiting = PromotionGate(
            "waiting", alias, monitor.promote.metric, None, None, None, 0, None,
            "waiting for labels", None,
        )  # fmt: skip
        return self._gate(self.store.record_gate(trigger.trigger_id, waiting))

    def _gate(self, trigger: RetrainTrigger) -> RetrainTrigger:
        from monitor.mlflow.gate import judge_candidate

        run = trigger.run
        assert run is not None and run.gate is not None
        monitor = self.monitors.get(trigger.monitor)
        if monitor is None or monitor.promote is None or monitor.model_name is None:
            gate = run.gate
            return self.store.record_gate(
                trigger.trigger_id,
                PromotionGate(
                    "not_promoted", gate.alias, gate.metric, None, None, None, gate.n_labels,
                    None, "the monitor no longer has a promote section", self.now(),
                ),
            )  # fmt: skip
        promote = monitor.promote
        ended = run.ended_at or run.created_at
        since = run.labels_until_at or ended
        verdict = judge_candidate(
            self.registry,
            self.store,
            monitor=monitor.name,
            model_name=monitor.model_name,
            alias=run.gate.alias,
            candidate=str(run.model_version),
            since=since,
            promotion=promote,
            give_up=self.now() - ended >= promote.label_wait,
        )
        decided = None if verdict.status == "waiting" else self.now()
        gate = PromotionGate(
            status=verdict.status,
            alias=run.gate.alias,
            metric=promote.metric,
            candidate_value=verdict.candidate_value,
            current_value=verdict.current_value,
            current_version=verdict.current_version,
            n_labels=verdict.n_labels,
            records_until_at=verdict.records_until_at,
            detail=verdict.detail,
            decided_at=decided,
        )
        if gate == run.gate:
            return trigger
        if decided is not None:
            _log.info(
                "retraining %s of %s: %s (%s)",
                trigger.trigger_id,
                trigger.monitor,
                verdict.status,
                verdict.detail,
            )
        return self.store.record_gate(trigger.trigger_id, gate)


def follow_retraining(
    store: Store,
    config: cfg.Config,
    *,
    now: Callable[[], dt.datetime] = _utc_now,
    registry: MlflowRegistry | None = None,
) -> list[RetrainTrigger]:
    """Take every active retraining run one step (the module docstring); returns the
    triggers as they are afterwards. A trigger MLflow cannot be asked about now is left
    for the next poll."""
    launched_here = sys.modules.get("monitor.mlflow.projects")
    if launched_here is not None:  # runs this process launched: wait for exited children
        launched_here.reap_children()
    active = store.active_retrain_triggers()
    if not active:
        return []
    follower = _Follower(store, config, now, registry)
    out = []
    for trigger in active:
        try:
            out.append(follower.step(trigger))
        except RegistryUnavailable as exc:
            _log.warning("retraining %s: MLflow is unavailable: %s", trigger.trigger_id, exc)
            out.append(trigger)
        except DriftlineError as exc:
            _log.error("retraining %s could not be followed: %s", trigger.trigger_id, exc)
            out.append(trigger)
    return out


def retraining_job(config_path: str, database_url: str = "") -> None:
    """Follow the active retraining runs once (the scheduled job); ``database_url`` ''
    means driftline.yaml's (job arguments are pickled into the job store)."""
    config = cfg.load_config(config_path)
    store = Store(database_url or config.database_url)
    try:
        follow_retraining(store, config)
    finally:
        store.close()
