"""Checks as the service runs them: load a window from the store, compare, save.

``run_check`` never raises for a bad window or a failing comparison: the check is
recorded as failed with its reason, so one broken monitor never stops the others.
"""

from __future__ import annotations

import logging

from monitor.engine.compare import compare
from monitor.engine.windows import Window, due_windows
from monitor.errors import BaselineNotFound, DriftlineError
from monitor.mlflow.follow import ResolvedModel
from monitor.service.context import Clock, MonitorContext, utc_now
from monitor.service.performance import record_performance, refresh_realised
from monitor.store import CheckSummary, Store

__all__ = ["check_due_windows", "run_check"]

_log = logging.getLogger(__name__)


def run_check(
    store: Store, monitor: MonitorContext, window: Window, *, now: Clock = utc_now
) -> CheckSummary:
    """Check one window of ``monitor`` and store the result (replacing an earlier one)."""
    started_at = now()
    link: ResolvedModel | None = None
    try:
        baseline = monitor.baseline
        if monitor.model is not None:
            link = monitor.model.resolve(store, at=started_at)
            baseline = link.baseline
        if baseline is None:
            raise BaselineNotFound(f"monitor {monitor.name!r} has no baseline")
        if monitor.source is not None:
            frame = monitor.source.load_window(window.start_at, window.end_at)
        else:
            frame = store.load_window(monitor.name, window.start_at, window.end_at)
        current = frame.drop(columns=["record_id", "event_at"], errors="ignore")
        if len(current) < monitor.min_rows:
            return store.save_skipped_check(
                monitor.name,
                window.start_at,
                window.end_at,
                status="no_data" if len(current) == 0 else "insufficient_data",
                reason=f"{len(current)} record(s) in the window; at least {monitor.min_rows} "
                "are needed (min_rows)",
                started_at=started_at,
                finished_at=now(),
            )
        report = compare(
            baseline,
            current,
            alpha=monitor.alpha,
            delta=monitor.delta,
            delta_categorical=monitor.delta_categorical,
            drift_share=monitor.drift_share,
            columns=monitor.columns,
        )
    except (DriftlineError, ValueError, KeyError, TypeError, MemoryError) as exc:
        _log.warning("check of %s %s failed: %s", monitor.name, window, exc)
        return store.save_failed_check(
            monitor.name,
            window.start_at,
            window.end_at,
            f"{type(exc).__name__}: {exc}",
            started_at=started_at,
            finished_at=now(),
        )
    summary = store.save_check(
        monitor.name,
        window.start_at,
        window.end_at,
        report,
        started_at=started_at,
        finished_at=now(),
        model_name=None if link is None else link.info.name,
        model_version=None if link is None else link.info.version,
        run_id=None if link is None else link.info.run_id,
        write_back=link is not None,
    )
    record_performance(store, monitor, window, frame)
    return summary


def check_due_windows(
    store: Store, monitor: MonitorContext, *, now: Clock = utc_now, limit: int | None = None
) -> list[CheckSummary]:
    """Check every complete window since the last checked one, oldest first."""
    windows = due_windows(
        length=monitor.window,
        now=now(),
        grace=monitor.grace,
        last_end_at=store.last_checked_window_end(monitor.name),
        first_event_at=(
            monitor.source.first_event_at()
            if monitor.source is not None
            else store.first_event_at(monitor.name)
        ),
        limit=limit,
    )
    checks = [run_check(store, monitor, window, now=now) for window in windows]
    refresh_realised(store, monitor)  # windows whose labels arrived since their check
    return checks
