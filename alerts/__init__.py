"""alerts: rules and their state machine, notification channels, signed webhook delivery
with retries, and the retraining trigger. It reads stored checks and never runs one.

The pieces, in the order an alert flows through them: ``conditions`` (does a rule hold in a
check?), ``rules`` (the pure state machine), ``outbox`` (evaluate and queue deliveries in the
transaction of the state change), ``delivery`` (send, retry, record), ``channels`` (webhook,
Slack, e-mail, retrain targets), ``trigger`` (retraining by hand), ``jobs``/``extension``
(wiring into ``driftline serve``).
"""

from __future__ import annotations

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
