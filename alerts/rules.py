"""An alert's state machine: ``ok → pending → firing → resolved → ok``, as a pure function.

``next_state(previous, outcome, rule, now=..., silenced=...)`` returns a :class:`Transition`:
the new state and streak, the :class:`Reason` when the state changes (or a firing alert
is re-notified), and which notification to send. Nothing here reads a clock, a store or
a channel (Alertmanager's ``needsUpdate`` returning a ``NotifyReason``).

The rules, with ``for`` = the number of consecutive windows the condition must hold:

============  =================  ==========================================================
state         condition holds    condition clear
============  =================  ==========================================================
ok, resolved  streak 1; firing   ok (resolved → ok: ``stayed_clear``)
              if for = 1, else
              pending
pending       streak + 1; firing ok (``cleared_while_pending``): one noisy window never
              when it reaches    pages anyone when for > 1
              ``for``
firing        firing; re-notify  resolved, notified (``resolved``)
              once
              ``repeat_interval``
              has passed since
              the last one
============  =================  ==========================================================

A window whose check cannot tell (``Outcome.holds`` None) changes nothing. A silence does
not stop the state machine; it mutes the notification (``Transition.muted``), and since
nothing was sent, a still-firing alert is re-notified at the first window after it ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from alerts.conditions import Outcome
from monitor.store import AlertState

__all__ = ["Notify", "Reason", "RuleState", "RuleTiming", "Transition", "next_state"]


class Reason(StrEnum):
    """Why an alert changed state (or was re-notified)."""

    CONDITION_MET = "condition_met"  # ok/resolved -> pending
    FOR_REACHED = "for_reached"  # pending (or ok when for = 1) -> firing
    REPEAT_INTERVAL = "repeat_interval"  # firing -> firing, notified again
    CLEARED_WHILE_PENDING = "cleared_while_pending"  # pending -> ok
    RESOLVED = "resolved"  # firing -> resolved
    STAYED_CLEAR = "stayed_clear"  # resolved -> ok


class Notify(StrEnum):
    """Which notification a transition sends."""

    FIRING = "firing"
    REPEAT = "repeat"
    RESOLVED = "resolved"


class RuleTiming(Protocol):
    """What the state machine needs of a rule (every ``monitor.config.alerts`` rule)."""

    @property
    def for_(self) -> int: ...

    @property
    def repeat_interval(self) -> dt.timedelta: ...


@dataclass(frozen=True, slots=True)
class RuleState:
    """An alert's state before a window is evaluated."""

    state: AlertState = "ok"
    streak: int = 0
    last_notified_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Transition:
    """The state after one window. ``reason`` is None when nothing is recorded (the state
    stayed, and no notification was due); ``notify`` is what to send, None when nothing
    is; ``muted`` says a notification was due but a silence muted it."""

    state: AlertState
    streak: int
    reason: Reason | None
    notify: Notify | None = None
    muted: bool = False


def _raise(streak: int, rule: RuleTiming) -> Transition:
    if streak >= rule.for_:
        return Transition("firing", streak, Reason.FOR_REACHED, Notify.FIRING)
    return Transition("pending", streak, Reason.CONDITION_MET)


def _decide(
    previous: RuleState, holds: bool | None, rule: RuleTiming, now: dt.datetime
) -> Transition:
    state, streak = previous.state, previous.streak
    if holds is None:
        return Transition(state, streak, None)
    if state in ("ok", "resolved"):
        if holds:
            return _raise(1, rule)
        if state == "resolved":
            return Transition("ok", 0, Reason.STAYED_CLEAR)
        return Transition("ok", 0, None)
    if state == "pending":
        if not holds:
            return Transition("ok", 0, Reason.CLEARED_WHILE_PENDING)
        raised = _raise(streak + 1, rule)
        return raised if raised.state == "firing" else Transition("pending", streak + 1, None)
    # firing
    if not holds:
        return Transition("resolved", 0, Reason.RESOLVED, Notify.RESOLVED)
    last = previous.last_notified_at
    if last is None or now - last >= rule.repeat_interval:
        return Transition("firing", streak + 1, Reason.REPEAT_INTERVAL, Notify.REPEAT)
    return Transition("firing", streak + 1, None)


def next_state(
    previous: RuleState,
    outcome: Outcome,
    rule: RuleTiming,
    *,
    now: dt.datetime,
    silenced: bool = False,
) -> Transition:
    """The alert's state after one window with ``outcome``; ``silenced`` mutes notifying."""
    decided = _decide(previous, outcome.holds, rule, now)
    if silenced and decided.notify is not None:
        if decided.reason is Reason.REPEAT_INTERVAL:
            return Transition(decided.state, decided.streak, None, None, muted=True)
        return Transition(decided.state, decided.streak, decided.reason, None, muted=True)
    return decided
