"""What the store returns: small frozen values, never ORM rows.

``outcome`` turns a DriftReport into the check's status and a one-line reason:

>>> from monitor.engine.report import ColumnResult, DriftReport
>>> column = ColumnResult("income", "numeric", "feature", "tested", drifted=True)
>>> report = DriftReport(10, 10, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh")
>>> outcome(report)
('drifting', '1 of 1 tested features drifted (share 1.00 >= drift share 0.50): income')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from monitor.engine.report import ColumnResult, DriftReport, QualityFinding

__all__ = ["CheckDetail", "CheckStatus", "CheckSummary", "Monitor", "outcome"]

CheckStatus = Literal["ok", "drifting", "failed", "insufficient_data", "no_data"]


@dataclass(frozen=True, slots=True)
class Monitor:
    """A configured watch, as stored."""

    id: int
    name: str
    config: Mapping[str, Any]
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CheckSummary:
    """One check of one window: its verdict without the per-column detail."""

    id: int
    monitor: str
    window_start_at: dt.datetime
    window_end_at: dt.datetime
    status: CheckStatus
    reason: str
    share_drifted: float | None
    dataset_drift: bool | None
    n_current: int | None
    model_name: str | None
    model_version: str | None
    run_id: str | None
    started_at: dt.datetime
    finished_at: dt.datetime


@dataclass(frozen=True, slots=True)
class CheckDetail:
    """A check with its column results, quality findings and the full report (None if failed)."""

    summary: CheckSummary
    columns: tuple[ColumnResult, ...]
    quality: tuple[QualityFinding, ...]
    report: Mapping[str, Any] | None


def outcome(report: DriftReport) -> tuple[CheckStatus, str]:
    """The status of a check that produced ``report``, and why."""
    if report.n_current == 0:
        return "no_data", "the window has no records"
    features = [c for c in report.columns if c.role == "feature"]
    tested = [c for c in features if c.status == "tested"]
    if not tested:
        if features and all(c.status == "no_data" for c in features):
            return "no_data", "no feature column has a usable value in the window"
        counts: dict[str, int] = {}
        for column in features:
            counts[column.status] = counts.get(column.status, 0) + 1
        detail = ", ".join(f"{n} {status}" for status, n in sorted(counts.items()))
        return "insufficient_data", f"no feature column could be tested ({detail or 'none'})"
    drifted = [c.name for c in tested if c.drifted]
    share, needed = report.share_drifted, report.drift_share
    summary = f"{len(drifted)} of {len(tested)} tested features drifted"
    if report.dataset_drift:
        return "drifting", f"{summary} (share {share:.2f} >= drift share {needed:.2f}): " + (
            ", ".join(drifted)
        )
    return "ok", f"{summary} (share {share:.2f} < drift share {needed:.2f})"
