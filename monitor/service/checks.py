"""THE check job: every path that checks windows calls :class:`CheckJob`.

The scheduler's job, ``driftline checks run``, ``driftline checks backfill`` and the API's
run-now route all go through :meth:`CheckJob.run`, with the same clock. One run of a
monitor:

1. resolves its baseline (a baseline file, or the version holding a registry alias, before
   each window);
2. finds the due windows from the monitor's *source* (ingested records, files or SQL): the
   complete windows from its first record to its last that have no check yet
   (:func:`monitor.engine.windows.due_windows`), or the one window asked for;
3. checks each window and stores it (:func:`run_check`, which never raises: a failure is
   stored as a ``failed`` check with its reason), with its estimated and realised
   performance;
4. recomputes the realised performance of windows whose labels arrived since;
5. runs the extensions' after-check hook (``alerts`` evaluates its rules);
6. sends the queued MLflow write-back at once (the scheduled retry catches up failures).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

import pandas as pd

from monitor.engine.compare import compare
from monitor.engine.profile import keys_of_ids, profile_of, profile_spec
from monitor.engine.windows import Window, due_windows
from monitor.errors import BaselineNotFound, ConfigError, DriftlineError
from monitor.mlflow.follow import ResolvedModel
from monitor.mlflow.writeback import WritebackResult, WritebackTarget, flush_writebacks
from monitor.service.context import Clock, MonitorContext, monitor_context, utc_now
from monitor.service.extensions import Extension, ServiceContext
from monitor.service.performance import record_performance, refresh_realised
from monitor.store import CheckSummary, Store

__all__ = ["CATCH_UP_LIMIT", "CheckJob", "CheckRun", "run_check"]

_log = logging.getLogger(__name__)

CATCH_UP_LIMIT: Final = 1_000
"""At most this many windows per scheduled run; the next run goes on where it stopped."""

_STALE_AFTER: Final = 3
"""A source whose newest record is more than this many windows (plus grace) old is stale."""

Progress = Callable[[Window, CheckSummary], None]


def _span(window: Window) -> str:
    return f"{window.start_at.isoformat()} .. {window.end_at.isoformat()}"


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
        spec = profile_spec(baseline)
        frame: pd.DataFrame | None = None
        unexpected: Sequence[str] = ()
        # performance, and labels sent later for the target, need the window's records
        if baseline.performance is not None or baseline.target is not None:
            if monitor.source is not None:
                frame = monitor.source.load_window(window.start_at, window.end_at)
            else:  # only the baseline's columns: fields a client added cost no memory
                frame = store.load_window(
                    monitor.name, window.start_at, window.end_at, columns=baseline.columns
                )
            unexpected = frame.attrs.get("unexpected_columns", ())
            current = frame.drop(columns=["record_id", "event_at"], errors="ignore")
            keys = (
                keys_of_ids(frame["record_id"].astype(str).to_numpy(), seed=spec.seed)
                if "record_id" in frame.columns
                else None
            )
            current = _with_labels(store, monitor.name, baseline.target, frame, current)
            profile = profile_of(current, spec, keys=keys)
        elif monitor.source is not None:  # folded batch by batch, in bounded memory
            profile = monitor.source.profile_window(window.start_at, window.end_at, spec)
        else:
            profile = store.profile_window(monitor.name, window.start_at, window.end_at, spec)
        if profile.n_rows < monitor.min_rows:
            return store.save_skipped_check(
                monitor.name,
                window.start_at,
                window.end_at,
                status="no_data" if profile.n_rows == 0 else "insufficient_data",
                reason=f"{profile.n_rows} record(s) in the window; at least {monitor.min_rows} "
                "are needed (min_rows)",
                started_at=started_at,
                finished_at=now(),
            )
        report = compare(
            baseline,
            profile,
            alpha=monitor.alpha,
            delta=monitor.delta,
            delta_categorical=monitor.delta_categorical,
            delta_prediction=monitor.delta_prediction,
            multivariate=monitor.multivariate,
            drift_share=monitor.drift_share,
            columns=monitor.columns,
            unexpected=unexpected,
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
    except Exception as exc:  # the job's boundary: any failure, saving too, is stored
        reason = f"{type(exc).__name__}: {exc}"
        _log.warning("%s %s: check failed: %s", monitor.name, _span(window), reason)
        return store.save_failed_check(
            monitor.name,
            window.start_at,
            window.end_at,
            reason,
            started_at=started_at,
            finished_at=now(),
        )
    if frame is not None:
        record_performance(store, monitor, window, frame)
    return summary


def _with_labels(
    store: Store, monitor: str, target: str | None, frame: pd.DataFrame, current: pd.DataFrame
) -> pd.DataFrame:
    """``current`` with the baseline's target joined from the labels sent later (POST
    /labels) by record id, when the records themselves carry no label; unchanged when no
    label has arrived (the target is then silently not compared)."""
    if target is None or "record_id" not in frame.columns:
        return current
    if target in current.columns and current[target].notna().any():
        return current
    labels = store.load_labels(monitor, frame["record_id"].astype(str))
    if not labels:
        return current
    joined = current.copy()
    joined[target] = frame["record_id"].astype(str).map(labels).to_numpy()
    return joined


@dataclass(frozen=True, slots=True)
class CheckRun:
    """What one run of the check job did for one monitor."""

    monitor: str
    checks: tuple[CheckSummary, ...]
    refreshed: tuple[Window, ...]
    """Windows whose realised performance was recomputed because labels arrived."""
    writeback: WritebackResult | None
    """MLflow write-back sent after the checks; None when the monitor follows no model."""
    note: str | None
    """One line for a person when nothing was due for a reason worth knowing (stale data)."""

    @property
    def failed(self) -> int:
        return sum(check.status == "failed" for check in self.checks)


class CheckJob:
    """Checks monitors of one configuration against one store, on one clock.

    ``contexts`` are the monitors' contexts when the caller keeps them (``serve`` does, and
    refreshes them when driftline.yaml changes); otherwise each is built from ``service``'s
    configuration on first use and its source closed by :meth:`close`. One of the two is
    needed; the extensions' after-check hook runs only with ``service``.
    """

    def __init__(
        self,
        store: Store,
        service: ServiceContext | None = None,
        *,
        now: Clock = utc_now,
        extensions: Sequence[Extension] = (),
        contexts: Mapping[str, MonitorContext] | None = None,
    ) -> None:
        self.store = store
        self.service = service
        self.now = now
        self.extensions = tuple(extensions)
        self._contexts = contexts
        self._built: dict[str, MonitorContext] = {}

    def context(self, name: str) -> MonitorContext:
        """The context of monitor ``name``; ConfigError naming the known ones otherwise."""
        if self._contexts is not None:
            found = self._contexts.get(name)
            if found is None:
                where = "" if self.service is None else f" in {self.service.config_path}"
                raise ConfigError(
                    f"no monitor named {name!r}{where}; known: {sorted(self._contexts)}"
                )
            return found
        if self.service is None:
            raise ConfigError("CheckJob needs a configuration (service) or monitor contexts")
        if name not in self._built:
            from monitor.mlflow.configured import follower_for

            monitor = self.service.config.monitor(name)
            config_dir = self.service.config_path.resolve().parent
            follower = follower_for(self.service.config, monitor, config_dir)
            self._built[name] = monitor_context(monitor, config_dir, follower=follower)
        return self._built[name]

    def due(
        self,
        monitor: MonitorContext,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = None,
        recheck: bool = False,
    ) -> tuple[list[Window], str | None]:
        """The windows a run checks now, and a note when the source's data is stale."""
        events = (
            monitor.source.event_range()
            if monitor.source is not None
            else self.store.event_range(monitor.name)
        )
        now = self.now()
        if events is None:
            return [], f"{monitor.name}: no records yet; nothing to check"
        first, last = events
        windows = due_windows(
            length=monitor.window,
            now=now,
            grace=monitor.grace,
            first_event_at=first,
            last_event_at=last,
            checked=() if recheck else self.store.checked_window_starts(monitor.name),
            since=since,
            until=until,
            limit=limit,
        )
        note = None
        if not windows and now - last > _STALE_AFTER * monitor.window + monitor.grace:
            note = (
                f"{monitor.name}: the newest record is from {last.isoformat()} "
                f"({_age(now - last)} ago) and every window up to it is checked; new windows "
                "are checked when newer records arrive"
            )
        return windows, note

    def run(
        self,
        name: str,
        *,
        window: Window | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int | None = CATCH_UP_LIMIT,
        recheck: bool = False,
        progress: Progress | None = None,
    ) -> CheckRun:
        """Check monitor ``name``: the one ``window`` asked for (it must have ended), or
        the due windows (``since``/``until`` narrow them; with ``recheck``, windows that
        already have a check are checked again, as a backfill does)."""
        monitor = self.context(name)
        if self.store.get_monitor(name) is None:  # a CLI run before any serve
            self.store.upsert_monitor(name, {"baseline": self._baseline_of(monitor)})
        if window is not None:
            if window.end_at > self.now():
                raise ConfigError(
                    f"window {_span(window)} has not ended yet (now {self.now().isoformat()}); "
                    "check a window that has ended"
                )
            windows, note = [window], None
        else:
            windows, note = self.due(
                monitor, since=since, until=until, limit=limit, recheck=recheck
            )
        checks: list[CheckSummary] = []
        for due in windows:
            summary = run_check(self.store, monitor, due, now=self.now)
            checks.append(summary)
            _log.info("%s %s: %s %s", name, _span(due), summary.status, summary.reason or "")
            if progress is not None:
                progress(due, summary)
        refreshed = tuple(refresh_realised(self.store, monitor))
        if (checks or refreshed) and self.service is not None:
            for extension in self.extensions:
                extension.after_checks(self.store, self.service, name)
        return CheckRun(name, tuple(checks), refreshed, self._write_back(monitor, checks), note)

    def _baseline_of(self, monitor: MonitorContext) -> str:
        if self.service is not None:
            for configured in self.service.config.monitors:
                if configured.name == monitor.name:
                    return configured.baseline
        return monitor.model.ref.uri if monitor.model is not None else ""

    def _write_back(
        self, monitor: MonitorContext, checks: Sequence[CheckSummary]
    ) -> WritebackResult | None:
        follower = monitor.model
        if follower is None:
            return None
        if not checks or not isinstance(follower.registry, WritebackTarget):
            return WritebackResult(0, 0)
        try:
            return flush_writebacks(self.store, follower.registry)
        except DriftlineError as exc:
            _log.warning("%s: MLflow write-back postponed: %s", monitor.name, exc)
            return WritebackResult(0, len(checks))

    def close(self) -> None:
        """Close the sources of the contexts this job built."""
        for context in self._built.values():
            if context.source is not None:
                context.source.close()
        self._built.clear()


def _age(age: timedelta) -> str:
    days = age.days
    return f"{days} days" if days >= 2 else f"{int(age.total_seconds() // 3600)} hours"
