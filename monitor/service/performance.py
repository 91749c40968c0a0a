"""Performance as the service computes it: after each check, and when labels arrive later.

``record_performance`` runs after a window's check: it keeps the window's record ids (so
later labels find their window), stores the CBPE estimate and the realised performance
with the labels known so far. ``refresh_realised`` recomputes the realised performance of
every window whose labels changed since (the next scheduler run calls it). Neither raises
for a bad window: a failure is stored with its reason and the check stands.
"""

from __future__ import annotations

import logging
from typing import Final

import pandas as pd

from monitor.engine.performance import estimated_performance, realised_performance
from monitor.engine.performance_report import RealisedPerformance
from monitor.engine.records import RECORD_ID
from monitor.engine.windows import Window
from monitor.errors import BaselineNotFound, DriftlineError
from monitor.service.context import MonitorContext
from monitor.store import Store

__all__ = ["record_performance", "refresh_realised"]

_log = logging.getLogger(__name__)
_FAILURES: Final = (DriftlineError, ValueError, KeyError, TypeError, MemoryError)


def _realised(
    store: Store, monitor: MonitorContext, window: Window, frame: pd.DataFrame
) -> RealisedPerformance | None:
    try:
        labels = (
            store.load_labels(monitor.name, frame[RECORD_ID].astype(str))
            if RECORD_ID in frame.columns
            else {}
        )
        result = realised_performance(
            monitor.current_baseline(), frame, labels, alpha=monitor.alpha, delta=monitor.delta
        )
    except _FAILURES as exc:
        _log.warning("realised performance of %s %s failed: %s", monitor.name, window, exc)
        store.save_failed_performance(
            monitor.name,
            window.start_at,
            window.end_at,
            "realised",
            f"{type(exc).__name__}: {exc}",
            n_records=len(frame),
        )
        return None
    store.save_performance(monitor.name, window.start_at, window.end_at, result)
    return result


def record_performance(
    store: Store, monitor: MonitorContext, window: Window, frame: pd.DataFrame
) -> None:
    """Store the estimated and realised performance of a just-checked window (``frame``:
    its records, with ``record_id``). Does nothing when the baseline has no performance
    part."""
    baseline = monitor.current_baseline()
    if baseline.performance is None:
        return
    if RECORD_ID in frame.columns:
        store.save_window_members(monitor.name, window.start_at, window.end_at, frame[RECORD_ID])
    try:
        estimate = estimated_performance(baseline, frame)
    except _FAILURES as exc:
        _log.warning("estimated performance of %s %s failed: %s", monitor.name, window, exc)
        store.save_failed_performance(
            monitor.name,
            window.start_at,
            window.end_at,
            "estimated",
            f"{type(exc).__name__}: {exc}",
            n_records=len(frame),
        )
    else:
        if estimate is not None:
            store.save_performance(monitor.name, window.start_at, window.end_at, estimate)
    _realised(store, monitor, window, frame)


def refresh_realised(store: Store, monitor: MonitorContext) -> list[Window]:
    """Recompute the realised performance of every window of ``monitor`` whose labels
    changed since it was computed; returns those windows, oldest first."""
    try:
        baseline = monitor.current_baseline()
    except BaselineNotFound:
        return []  # a followed model not resolved yet: the next run recomputes
    if baseline.performance is None:
        return []
    refreshed: list[Window] = []
    for dirty in store.dirty_windows(monitor.name):
        window = Window(dirty.window_start_at, dirty.window_end_at)
        frame = (
            monitor.source.load_window(window.start_at, window.end_at)
            if monitor.source is not None
            else store.load_window(monitor.name, window.start_at, window.end_at)
        )
        _realised(store, monitor, window, frame)
        store.clear_dirty(monitor.name, dirty)
        refreshed.append(window)
    return refreshed
