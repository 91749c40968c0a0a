"""The retraining half of ``Store``: the MLflow Project run of a retrain trigger, its promotion
gate, and the labelled records both read. ``Store`` inherits these methods; each is one
transaction.

A run's life: :meth:`claim_retrain_run` (``launching``; refused while another run of the same
monitor is active: one run per monitor at a time) → :meth:`record_run_started`
(``running``, with MLflow's run id) → :meth:`record_run_ended` (``finished``, ``failed`` or
``timed_out``; a finished run names the version it registered) → :meth:`record_gate` (the
promotion gate: ``waiting`` for labels, then ``promoted`` or ``not_promoted``). A launch that
failed for a passing reason (MLflow unreachable) is released (:meth:`release_retrain_run`)
so the delivery's retry can claim it again. The records both read come from
``Store.labelled_records``.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from monitor.errors import ConfigError
from monitor.store._alert_rows import triggers_of
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.alert_domain import PromotionGate, RetrainTrigger, RunStatus
from monitor.store.models import MonitorRow, RetrainRunRow, RetrainTriggerRow

__all__ = ["RetrainRunStore"]

_ACTIVE_RUN: Final = ("launching", "running")
_ENDED: Final = ("finished", "failed", "timed_out")


class RetrainRunStore(StoreBase):
    """Retraining-run methods of ``Store``."""

    # -- helpers (they receive the session) -----------------------------------------------

    @staticmethod
    def _trigger_row(session: Session, trigger_id: str) -> tuple[RetrainTriggerRow, str]:
        found = session.execute(
            select(RetrainTriggerRow, MonitorRow.name)
            .join(MonitorRow, RetrainTriggerRow.monitor_id == MonitorRow.id)
            .where(RetrainTriggerRow.trigger_id == trigger_id)
        ).first()
        if found is None:
            raise ConfigError(
                f"no retrain trigger {trigger_id!r}; see 'driftline retrain list' for the ids"
            )
        return found[0], found[1]

    def _run_row(self, session: Session, trigger_id: str) -> tuple[RetrainRunRow, str, int]:
        trigger, name = self._trigger_row(session, trigger_id)
        row = session.get(RetrainRunRow, trigger.id, with_for_update=True)
        if row is None:
            raise ConfigError(f"retrain trigger {trigger_id!r} has no run; claim it first")
        return row, name, trigger.id

    @staticmethod
    def _one(session: Session, trigger_pk: int, name: str) -> RetrainTrigger:
        trigger = session.get(RetrainTriggerRow, trigger_pk)
        assert trigger is not None
        session.flush()
        return triggers_of(session, [(trigger, name)])[0]

    @staticmethod
    def _active_clause() -> ColumnElement[bool]:
        return RetrainRunRow.status.in_(_ACTIVE_RUN) | (
            (RetrainRunRow.status == "finished") & (RetrainRunRow.gate_status == "waiting")
        )

    # -- the run ---------------------------------------------------------------------------

    def claim_retrain_run(
        self,
        trigger_id: str,
        *,
        labels_since_at: dt.datetime | None,
        labels_until_at: dt.datetime | None,
    ) -> RetrainTrigger | None:
        """Mark trigger ``trigger_id``'s run as ``launching`` with the labelled records' time
        range it is given; None on success. When another trigger of the same monitor has an
        active run (launching, running, or its gate waiting), nothing changes and that
        trigger is returned: one run per monitor at a time."""
        now = self._clock()
        since = None if labels_since_at is None else aware("labels_since_at", labels_since_at)
        until = None if labels_until_at is None else aware("labels_until_at", labels_until_at)
        with self._session() as session:
            trigger, name = self._trigger_row(session, trigger_id)
            self._monitor_id(session, name, lock=True)  # serialises claims of one monitor
            blocking = session.execute(
                select(RetrainTriggerRow)
                .join(RetrainRunRow, RetrainRunRow.trigger_id == RetrainTriggerRow.id)
                .where(
                    RetrainRunRow.monitor_id == trigger.monitor_id,
                    RetrainRunRow.trigger_id != trigger.id,
                    self._active_clause(),
                )
                .order_by(RetrainTriggerRow.created_at)
                .limit(1)
            ).scalar()
            if blocking is not None:
                return triggers_of(session, [(blocking, name)])[0]
            row = session.get(RetrainRunRow, trigger.id)
            if row is None:
                row = RetrainRunRow(trigger_id=trigger.id, monitor_id=trigger.monitor_id)
                session.add(row)
            row.status, row.detail, row.created_at = "launching", None, now
            row.labels_since_at, row.labels_until_at = since, until
            return None

    def release_retrain_run(self, trigger_id: str) -> None:
        """Forget a claim whose launch failed for a passing reason (it will be retried)."""
        with self._session() as session:
            trigger, _ = self._trigger_row(session, trigger_id)
            session.execute(
                delete(RetrainRunRow).where(
                    RetrainRunRow.trigger_id == trigger.id, RetrainRunRow.status == "launching"
                )
            )

    def record_run_started(
        self,
        trigger_id: str,
        *,
        run_id: str,
        experiment_id: str | None,
        run_url: str | None,
        pid: int | None,
    ) -> RetrainTrigger:
        """The claimed run was launched: MLflow's ``run_id``, the launching process id."""
        now = self._clock()
        with self._session() as session:
            row, name, pk = self._run_row(session, trigger_id)
            row.status, row.started_at = "running", now
            row.run_id, row.experiment_id, row.run_url, row.pid = (
                run_id,
                experiment_id,
                run_url,
                pid,
            )
            return self._one(session, pk, name)

    def record_run_ended(
        self,
        trigger_id: str,
        *,
        status: RunStatus,
        detail: str | None,
        model_name: str | None = None,
        model_version: str | None = None,
    ) -> RetrainTrigger:
        """The run ended (``finished``, ``failed`` or ``timed_out``; a launch that failed for
        good is ``failed`` too), with why, and the model version it registered."""
        if status not in _ENDED:
            raise ConfigError(f"a run ends as one of {list(_ENDED)}, not {status!r}")
        now = self._clock()
        with self._session() as session:
            row, name, pk = self._run_row(session, trigger_id)
            row.status, row.detail, row.ended_at = status, detail, now
            row.model_name, row.model_version = model_name, model_version
            return self._one(session, pk, name)

    def record_gate(self, trigger_id: str, gate: PromotionGate) -> RetrainTrigger:
        """The promotion gate's state for the trigger's finished run (waiting or decided)."""
        with self._session() as session:
            row, name, pk = self._run_row(session, trigger_id)
            if row.status != "finished":
                raise ConfigError(
                    f"retrain trigger {trigger_id!r}: its run is {row.status}; the gate "
                    "judges finished runs only"
                )
            row.gate_status, row.gate_alias, row.gate_metric = gate.status, gate.alias, gate.metric
            row.gate_candidate, row.gate_current = gate.candidate_value, gate.current_value
            row.gate_current_version, row.gate_labels = gate.current_version, gate.n_labels
            row.gate_records_until_at = gate.records_until_at
            row.gate_detail, row.gate_decided_at = gate.detail, gate.decided_at
            return self._one(session, pk, name)

    def active_retrain_triggers(self, monitor: str | None = None) -> list[RetrainTrigger]:
        """Triggers whose run is launching, running, or whose gate waits, oldest first."""
        statement = (
            select(RetrainTriggerRow, MonitorRow.name)
            .join(MonitorRow, RetrainTriggerRow.monitor_id == MonitorRow.id)
            .join(RetrainRunRow, RetrainRunRow.trigger_id == RetrainTriggerRow.id)
            .where(self._active_clause())
            .order_by(RetrainTriggerRow.created_at, RetrainTriggerRow.id)
        )
        if monitor is not None:
            statement = statement.where(MonitorRow.name == monitor)
        with self._session(readonly=True) as session:
            return triggers_of(session, [(row, name) for row, name in session.execute(statement)])

    def latest_ended_retrain(self, monitor: str) -> RetrainTrigger | None:
        """The trigger of ``monitor`` whose run ended last and is decided (failed, timed out,
        finished without a gate or with the gate's verdict), or None."""
        statement = (
            select(RetrainTriggerRow, MonitorRow.name)
            .join(MonitorRow, RetrainTriggerRow.monitor_id == MonitorRow.id)
            .join(RetrainRunRow, RetrainRunRow.trigger_id == RetrainTriggerRow.id)
            .where(
                MonitorRow.name == monitor,
                RetrainRunRow.status.in_(_ENDED),
                (RetrainRunRow.gate_status.is_(None)) | (RetrainRunRow.gate_status != "waiting"),
            )
            .order_by(
                func.coalesce(RetrainRunRow.gate_decided_at, RetrainRunRow.ended_at).desc(),
                RetrainTriggerRow.id.desc(),
            )
            .limit(1)
        )
        with self._session(readonly=True) as session:
            found = [(row, name) for row, name in session.execute(statement)]
            return triggers_of(session, found)[0] if found else None
