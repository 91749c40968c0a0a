"""alerts: rules and their state machine, notification channels, signed webhook delivery
with retries, and the retraining trigger. It reads stored checks and never runs one.

The pieces, in the order an alert flows through them: ``conditions`` (does a rule hold in a
check?), ``rules`` (the pure state machine), ``outbox`` (evaluate and queue deliveries in the
transaction of the state change), ``delivery`` (send, retry, record), ``channels`` (webhook,
Slack, e-mail, retrain targets, the MLflow Project launcher), ``trigger`` (retraining by
hand), ``retraining`` (following MLflow Project runs and their promotion gate),
``jobs``/``extension`` (wiring into ``driftline serve``).
"""

from __future__ import annotations

import importlib as _importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alerts.conditions import CONDITIONS, Outcome, evaluate
    from alerts.outbox import evaluate_monitor
    from alerts.rules import Notify, Reason, RuleState, Transition, next_state

__all__ = [
    "CONDITIONS",
    "Notify",
    "Outcome",
    "Reason",
    "RuleState",
    "Transition",
    "evaluate",
    "evaluate_monitor",
    "next_state",
]

_HOMES = {
    "CONDITIONS": "alerts.conditions",
    "Outcome": "alerts.conditions",
    "evaluate": "alerts.conditions",
    "evaluate_monitor": "alerts.outbox",
    "Notify": "alerts.rules",
    "Reason": "alerts.rules",
    "RuleState": "alerts.rules",
    "Transition": "alerts.rules",
    "next_state": "alerts.rules",
}


def __getattr__(name: str) -> Any:
    """The names above, imported on first use (``import alerts.extension`` stays cheap)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'alerts' has no attribute {name!r}")
    return getattr(_importlib.import_module(home), name)
