"""Store methods for model performance, mixed into :class:`~monitor.store.Store`.

A window's realised and estimated performance are stored by window (``performance_results``).
When a window is checked, the ids of its records are kept (``window_members``), so a label
that arrives later finds its window in the same transaction that stores it: the window is
marked dirty (``performance_dirty``) with a generation that grows with each change. A
recompute clears the mark only at the generation it saw, so a label arriving meanwhile is
never lost, and a label that is re-sent unchanged marks nothing: each label changes a
window's realised performance exactly once.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from monitor.store._base import StoreBase
from monitor.store._rows import aware, json_text
from monitor.store._writes import upsert
from monitor.store.models import (
    LabelRow,
    MonitorRow,
    PerformanceDirtyRow,
    PerformanceRow,
    WindowMemberRow,
)

if TYPE_CHECKING:  # imported where used, as in store.py: the performance types load scipy
    from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance

__all__ = ["DirtyWindow", "PerformanceStore", "WindowPerformance", "changed_labels", "mark_dirty"]

_CHUNK: Final = 5_000

PerformanceKind = Literal["realised", "estimated"]


@dataclass(frozen=True, slots=True)
class WindowPerformance:
    """A window's stored performance: realised (with label coverage) and estimated, each
    None until computed; ``*_error`` says why computing one failed."""

    monitor: str
    window_start_at: dt.datetime
    window_end_at: dt.datetime
    realised: RealisedPerformance | None = None
    estimated: EstimatedPerformance | None = None
    realised_at: dt.datetime | None = None
    estimated_at: dt.datetime | None = None
    realised_error: str | None = None
    estimated_error: str | None = None


@dataclass(frozen=True, slots=True)
class DirtyWindow:
    """A window whose labels changed after its realised performance was computed."""

    window_start_at: dt.datetime
    window_end_at: dt.datetime
    generation: int


def _chunks(items: Sequence[str]) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def changed_labels(session: Session, monitor_id: int, labels: dict[str, str]) -> list[str]:
    """The record ids among ``labels`` (id -> label JSON) that are new or differ."""
    ids = list(labels)
    stored: dict[str, str] = {}
    for chunk in _chunks(ids):
        rows = session.execute(
            select(LabelRow.record_id, LabelRow.label_json).where(
                LabelRow.monitor_id == monitor_id, LabelRow.record_id.in_(chunk)
            )
        )
        stored.update({record_id: text for record_id, text in rows})
    return [record_id for record_id in ids if stored.get(record_id) != labels[record_id]]


def mark_dirty(
    session: Session, monitor_id: int, record_ids: Sequence[str], *, now: dt.datetime
) -> int:
    """Mark the checked windows holding ``record_ids`` dirty; returns how many windows."""
    windows: set[tuple[dt.datetime, dt.datetime]] = set()
    for chunk in _chunks(record_ids):
        rows = session.execute(
            select(WindowMemberRow.window_start_at, WindowMemberRow.window_end_at)
            .where(WindowMemberRow.monitor_id == monitor_id, WindowMemberRow.record_id.in_(chunk))
            .distinct()
        )
        windows.update((start, end) for start, end in rows)
    if not windows:
        return 0
    table = PerformanceDirtyRow.__table__
    statement = upsert(session, table)
    statement = statement.on_conflict_do_update(
        index_elements=["monitor_id", "window_start_at", "window_end_at"],
        set_={"generation": table.c.generation + 1, "marked_at": statement.excluded.marked_at},
    )
    session.execute(
        statement,
        [
            {
                "monitor_id": monitor_id,
                "window_start_at": start,
                "window_end_at": end,
                "generation": 1,
                "marked_at": now,
            }
            for start, end in sorted(windows)
        ],
    )
    return len(windows)


class PerformanceStore(StoreBase):
    """The performance methods of ``Store`` (each one transaction)."""

    def save_performance(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        result: RealisedPerformance | EstimatedPerformance,
    ) -> None:
        """Store a window's realised or estimated performance, replacing the earlier one."""
        from monitor.engine.performance_report import RealisedPerformance

        kind: PerformanceKind = (
            "realised" if isinstance(result, RealisedPerformance) else ("estimated")
        )
        n_labelled = result.n_labelled if isinstance(result, RealisedPerformance) else None
        self._put(
            monitor,
            window_start_at,
            window_end_at,
            kind,
            result.n_records,
            n_labelled,
            json_text(result.to_dict()),
            None,
        )

    def save_failed_performance(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        kind: PerformanceKind,
        reason: str,
        *,
        n_records: int = 0,
    ) -> None:
        """Record that computing a window's performance failed, and why."""
        self._put(monitor, window_start_at, window_end_at, kind, n_records, None, None, reason)

    def _put(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        kind: PerformanceKind,
        n_records: int,
        n_labelled: int | None,
        result_json: str | None,
        reason: str | None,
    ) -> None:
        values = {
            "window_start_at": aware("window_start_at", window_start_at),
            "window_end_at": aware("window_end_at", window_end_at),
            "kind": kind,
            "n_records": n_records,
            "n_labelled": n_labelled,
            "result_json": result_json,
            "reason": reason,
            "computed_at": self._clock(),
        }
        with self._session() as session:
            values["monitor_id"] = self._monitor_id(session, monitor)
            statement = upsert(session, PerformanceRow.__table__).values(**values)
            statement = statement.on_conflict_do_update(
                index_elements=["monitor_id", "window_start_at", "window_end_at", "kind"],
                set_={
                    key: statement.excluded[key]
                    for key in ("n_records", "n_labelled", "result_json", "reason", "computed_at")
                },
            )
            session.execute(statement)

    def save_window_members(
        self,
        monitor: str,
        window_start_at: dt.datetime,
        window_end_at: dt.datetime,
        record_ids: Iterable[str],
    ) -> int:
        """Remember which records a checked window holds (replacing what it held before);
        returns how many."""
        start, end = (
            aware("window_start_at", window_start_at),
            aware("window_end_at", window_end_at),
        )
        ids = list(dict.fromkeys(str(record_id) for record_id in record_ids))
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor)
            session.execute(
                delete(WindowMemberRow).where(
                    WindowMemberRow.monitor_id == monitor_id,
                    WindowMemberRow.window_start_at == start,
                    WindowMemberRow.window_end_at == end,
                )
            )
            table = WindowMemberRow.__table__
            for chunk in _chunks(ids):
                statement = upsert(session, table)
                statement = statement.on_conflict_do_update(
                    index_elements=["monitor_id", "record_id"],
                    set_={
                        "window_start_at": statement.excluded.window_start_at,
                        "window_end_at": statement.excluded.window_end_at,
                    },
                )
                session.execute(
                    statement,
                    [
                        {
                            "monitor_id": monitor_id,
                            "record_id": record_id,
                            "window_start_at": start,
                            "window_end_at": end,
                        }
                        for record_id in chunk
                    ],
                )
        return len(ids)

    def load_labels(self, monitor: str, record_ids: Iterable[str]) -> dict[str, Any]:
        """The stored label of each of ``record_ids`` that has one."""
        ids = list(dict.fromkeys(str(record_id) for record_id in record_ids))
        found: dict[str, Any] = {}
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            for chunk in _chunks(ids):
                rows = session.execute(
                    select(LabelRow.record_id, LabelRow.label_json).where(
                        LabelRow.monitor_id == monitor_id, LabelRow.record_id.in_(chunk)
                    )
                )
                found.update({record_id: json.loads(text) for record_id, text in rows})
        return found

    def dirty_windows(self, monitor: str) -> list[DirtyWindow]:
        """Windows of ``monitor`` whose labels changed since their last computation, oldest
        first."""
        with self._session(readonly=True) as session:
            monitor_id = self._monitor_id(session, monitor)
            rows = session.scalars(
                select(PerformanceDirtyRow)
                .where(PerformanceDirtyRow.monitor_id == monitor_id)
                .order_by(PerformanceDirtyRow.window_start_at, PerformanceDirtyRow.window_end_at)
            )
            return [DirtyWindow(r.window_start_at, r.window_end_at, r.generation) for r in rows]

    def clear_dirty(self, monitor: str, window: DirtyWindow) -> bool:
        """Clear a dirty mark if no label changed since ``window`` was read; True if cleared."""
        with self._session() as session:
            monitor_id = self._monitor_id(session, monitor)
            result = session.execute(
                delete(PerformanceDirtyRow).where(
                    PerformanceDirtyRow.monitor_id == monitor_id,
                    PerformanceDirtyRow.window_start_at == window.window_start_at,
                    PerformanceDirtyRow.window_end_at == window.window_end_at,
                    PerformanceDirtyRow.generation == window.generation,
                )
            )
            return bool(getattr(result, "rowcount", 0))

    def get_performance(
        self, monitor: str, window_start_at: dt.datetime, window_end_at: dt.datetime
    ) -> WindowPerformance | None:
        """The stored performance of one window, or None when nothing was stored."""
        start, end = (
            aware("window_start_at", window_start_at),
            aware("window_end_at", window_end_at),
        )
        found = self._history(monitor, start, end, None, exact=True)
        return found[0] if found else None

    def performance_history(
        self, monitor: str, *, since: dt.datetime | None = None, limit: int | None = None
    ) -> list[WindowPerformance]:
        """Every window of ``monitor`` with stored performance, oldest first; ``since`` keeps
        windows starting at or after it, ``limit`` the latest ``limit`` windows."""
        start = None if since is None else aware("since", since)
        return self._history(monitor, start, None, limit, exact=False)

    def _history(
        self,
        monitor: str,
        start: dt.datetime | None,
        end: dt.datetime | None,
        limit: int | None,
        *,
        exact: bool,
    ) -> list[WindowPerformance]:
        statement = (
            select(PerformanceRow)
            .join(MonitorRow, PerformanceRow.monitor_id == MonitorRow.id)
            .where(MonitorRow.name == monitor)
        )
        if exact:
            statement = statement.where(
                PerformanceRow.window_start_at == start, PerformanceRow.window_end_at == end
            )
        elif start is not None:
            statement = statement.where(PerformanceRow.window_start_at >= start)
        windows: dict[tuple[dt.datetime, dt.datetime], dict[str, Any]] = {}
        with self._session(readonly=True) as session:
            self._monitor_id(session, monitor)
            rows = session.scalars(statement.order_by(PerformanceRow.window_start_at)).all()
            found = [
                (r.window_start_at, r.window_end_at, r.kind, r.result_json, r.computed_at, r.reason)
                for r in rows
            ]
        from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance

        for start_at, end_at, kind, result_json, computed_at, reason in found:
            slot = windows.setdefault((start_at, end_at), {})
            data = None if result_json is None else json.loads(result_json)
            if kind == "realised":
                slot["realised"] = None if data is None else RealisedPerformance.from_dict(data)
                slot["realised_at"], slot["realised_error"] = computed_at, reason
            else:
                slot["estimated"] = None if data is None else EstimatedPerformance.from_dict(data)
                slot["estimated_at"], slot["estimated_error"] = computed_at, reason
        out = [
            WindowPerformance(monitor, key[0], key[1], **slot)
            for key, slot in sorted(windows.items())
        ]
        return out[-limit:] if limit is not None and limit > 0 else out[: 0 if limit == 0 else None]
