"""Read-only alert queries for the dashboard: open alerts per monitor, alert transitions
in a time range, one retrain trigger by id (``list_retrain_triggers`` takes a range too).

``Store`` inherits these methods; each is one read-only transaction that filters and
aggregates in the database (``GROUP BY`` for the counts, the time range in ``WHERE``),
using the indexes of migration 0004: ``alert_transitions (alert_id, at)`` and
``retrain_triggers (monitor_id, created_at)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from monitor.store._alert_rows import transition_of
from monitor.store._base import StoreBase
from monitor.store._rows import aware
from monitor.store.alert_domain import AlertTransition, OpenAlerts, RetrainTrigger
from monitor.store.alert_store import AlertStoreMixin
from monitor.store.models import AlertRow, AlertTransitionRow, MonitorRow, RetrainTriggerRow

__all__ = ["AlertReads"]

_OPEN_STATES = ("pending", "firing")


def _bounded(
    statement: Any, column: Any, since: dt.datetime | None, until: dt.datetime | None
) -> Any:
    if since is not None:
        statement = statement.where(column >= aware("since", since))
    if until is not None:
        statement = statement.where(column < aware("until", until))
    return statement


class AlertReads(StoreBase):
    """The dashboard's alert reads of ``Store``."""

    def count_open_alerts(self) -> dict[str, OpenAlerts]:
        """Open (pending or firing) alerts per monitor name, counted in the database;
        monitors without an open alert are absent."""
        statement = (
            select(MonitorRow.name, AlertRow.state, func.count(AlertRow.id))
            .join(MonitorRow, AlertRow.monitor_id == MonitorRow.id)
            .where(AlertRow.state.in_(_OPEN_STATES))
            .group_by(MonitorRow.name, AlertRow.state)
        )
        counts: dict[str, dict[str, int]] = {}
        with self._session(readonly=True) as session:
            for name, state, count in session.execute(statement):
                counts.setdefault(name, {})[state] = int(count)
        return {
            name: OpenAlerts(firing=found.get("firing", 0), pending=found.get("pending", 0))
            for name, found in counts.items()
        }

    def list_alert_transitions(
        self,
        monitor: str,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 1000,
    ) -> list[AlertTransition]:
        """Transitions of every alert of ``monitor`` whose window starts in [since, until)
        (a transition without a window counts at its time), oldest first; at most the
        newest ``limit``."""
        placed = func.coalesce(AlertTransitionRow.window_start_at, AlertTransitionRow.at)
        statement = _bounded(
            select(AlertTransitionRow, AlertRow.rule)
            .join(AlertRow, AlertTransitionRow.alert_id == AlertRow.id)
            .join(MonitorRow, AlertRow.monitor_id == MonitorRow.id)
            .where(MonitorRow.name == monitor)
            .order_by(placed.desc(), AlertTransitionRow.id.desc())
            .limit(limit),
            placed,
            since,
            until,
        )
        with self._session(readonly=True) as session:
            found = [transition_of(row, monitor, rule) for row, rule in session.execute(statement)]
        return found[::-1]

    def get_retrain_trigger(self, trigger_id: str) -> RetrainTrigger | None:
        """The retrain trigger ``trigger_id`` (``rt_...``) with its outcome, or None."""
        statement = (
            select(RetrainTriggerRow, MonitorRow.name)
            .join(MonitorRow, RetrainTriggerRow.monitor_id == MonitorRow.id)
            .where(RetrainTriggerRow.trigger_id == trigger_id)
        )
        with self._session(readonly=True) as session:
            rows = [(row, name) for row, name in session.execute(statement).all()]
            found = AlertStoreMixin._triggers(session, rows)
        return found[0] if found else None
