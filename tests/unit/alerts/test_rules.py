"""The alert state machine, table-driven: one commented row per rule, boundaries in pairs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest

from alerts.conditions import Outcome
from alerts.rules import Notify, Reason, RuleState, Transition, next_state

NOW = dt.datetime(2026, 3, 1, 12, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
HOLDS, CLEAR, UNKNOWN = Outcome(True, "x"), Outcome(False, "x"), Outcome(None, "x")


@dataclass(frozen=True)
class Timing:
    for_: int = 1
    repeat_interval: dt.timedelta = 4 * HOUR


def case(
    id: str,
    previous: RuleState,
    outcome: Outcome,
    timing: Timing,
    expected: Transition,
    silenced: bool = False,
) -> object:
    return pytest.param(previous, outcome, timing, silenced, expected, id=id)


CASES = [
    # ok: the condition holds once; for = 1 fires at once, for = 2 only pends (pair)
    case("ok-holds-for1-fires", RuleState("ok"), HOLDS, Timing(1),
         Transition("firing", 1, Reason.FOR_REACHED, Notify.FIRING)),
    case("ok-holds-for2-pends", RuleState("ok"), HOLDS, Timing(2),
         Transition("pending", 1, Reason.CONDITION_MET)),
    # ok: clear or unknown changes nothing and records nothing
    case("ok-clear-stays", RuleState("ok"), CLEAR, Timing(2), Transition("ok", 0, None)),
    case("ok-unknown-stays", RuleState("ok"), UNKNOWN, Timing(2), Transition("ok", 0, None)),
    # pending with streak 1: a second window fires at for = 2 but not at for = 3 (pair)
    case("pending1-holds-for2-fires", RuleState("pending", 1), HOLDS, Timing(2),
         Transition("firing", 2, Reason.FOR_REACHED, Notify.FIRING)),
    case("pending1-holds-for3-stays-pending", RuleState("pending", 1), HOLDS, Timing(3),
         Transition("pending", 2, None)),
    # pending with streak 2 at for = 3: the third window fires
    case("pending2-holds-for3-fires", RuleState("pending", 2), HOLDS, Timing(3),
         Transition("firing", 3, Reason.FOR_REACHED, Notify.FIRING)),
    # pending: one clear window resets (one noisy window never pages anyone)
    case("pending-clear-back-to-ok", RuleState("pending", 2), CLEAR, Timing(3),
         Transition("ok", 0, Reason.CLEARED_WHILE_PENDING)),
    # pending: an unknown window neither counts nor breaks the streak
    case("pending-unknown-keeps-streak", RuleState("pending", 2), UNKNOWN, Timing(3),
         Transition("pending", 2, None)),
    # firing: repeat exactly at repeat_interval, not one second before (pair)
    case("firing-holds-at-repeat-interval-renotifies",
         RuleState("firing", 2, NOW - 4 * HOUR), HOLDS, Timing(2),
         Transition("firing", 3, Reason.REPEAT_INTERVAL, Notify.REPEAT)),
    case("firing-holds-just-before-repeat-interval-quiet",
         RuleState("firing", 2, NOW - 4 * HOUR + dt.timedelta(seconds=1)), HOLDS, Timing(2),
         Transition("firing", 3, None)),
    # firing never notified (a silence muted it): notify at the next window
    case("firing-never-notified-renotifies", RuleState("firing", 2, None), HOLDS, Timing(2),
         Transition("firing", 3, Reason.REPEAT_INTERVAL, Notify.REPEAT)),
    # firing: clear resolves and notifies; unknown keeps firing quietly
    case("firing-clear-resolves", RuleState("firing", 3, NOW), CLEAR, Timing(2),
         Transition("resolved", 0, Reason.RESOLVED, Notify.RESOLVED)),
    case("firing-unknown-stays", RuleState("firing", 3, NOW - 5 * HOUR), UNKNOWN, Timing(2),
         Transition("firing", 3, None)),
    # resolved: clear again returns to ok; holding again starts over like ok (pair by for)
    case("resolved-clear-to-ok", RuleState("resolved"), CLEAR, Timing(2),
         Transition("ok", 0, Reason.STAYED_CLEAR)),
    case("resolved-holds-for1-fires-again", RuleState("resolved"), HOLDS, Timing(1),
         Transition("firing", 1, Reason.FOR_REACHED, Notify.FIRING)),
    case("resolved-holds-for2-pends", RuleState("resolved"), HOLDS, Timing(2),
         Transition("pending", 1, Reason.CONDITION_MET)),
    case("resolved-unknown-stays", RuleState("resolved"), UNKNOWN, Timing(2),
         Transition("resolved", 0, None)),
    # silenced: the state still moves, the notification is muted (pair with unsilenced above)
    case("silenced-ok-holds-for1-fires-muted", RuleState("ok"), HOLDS, Timing(1),
         Transition("firing", 1, Reason.FOR_REACHED, None, muted=True), silenced=True),
    case("silenced-firing-clear-resolves-muted", RuleState("firing", 3, NOW), CLEAR, Timing(2),
         Transition("resolved", 0, Reason.RESOLVED, None, muted=True), silenced=True),
    # silenced repeat: nothing recorded, nothing sent
    case("silenced-repeat-is-dropped", RuleState("firing", 3, NOW - 5 * HOUR), HOLDS, Timing(2),
         Transition("firing", 4, None, None, muted=True), silenced=True),
    # silenced but nothing to notify: no 'muted' flag
    case("silenced-pending-nothing-muted", RuleState("ok"), HOLDS, Timing(2),
         Transition("pending", 1, Reason.CONDITION_MET), silenced=True),
]  # fmt: skip


@pytest.mark.parametrize(("previous", "outcome", "timing", "silenced", "expected"), CASES)
def test_next_state(
    previous: RuleState, outcome: Outcome, timing: Timing, silenced: bool, expected: Transition
) -> None:
    assert next_state(previous, outcome, timing, now=NOW, silenced=silenced) == expected


def test_one_noisy_window_never_fires_with_for_above_one() -> None:
    """Alternating windows never reach firing when for = 2."""
    state = RuleState()
    for outcome in [HOLDS, CLEAR] * 5:
        step = next_state(state, outcome, Timing(2), now=NOW)
        assert step.state != "firing"
        state = RuleState(step.state, step.streak)


def test_full_cycle_ok_pending_firing_resolved_ok() -> None:
    """The lifecycle of the issue: ok → pending → firing → resolved → ok."""
    state, seen = RuleState(), []
    for outcome in (HOLDS, HOLDS, CLEAR, CLEAR):
        step = next_state(state, outcome, Timing(2), now=NOW)
        seen.append((step.state, step.reason))
        state = RuleState(step.state, step.streak, NOW if step.notify else state.last_notified_at)
    assert seen == [
        ("pending", Reason.CONDITION_MET),
        ("firing", Reason.FOR_REACHED),
        ("resolved", Reason.RESOLVED),
        ("ok", Reason.STAYED_CLEAR),
    ]
