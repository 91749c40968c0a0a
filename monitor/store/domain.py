"""What the store returns: small frozen values, never ORM rows. A check's status is decided
in the engine (:meth:`~monitor.engine.report.DriftReport.verdict`); the store records it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from monitor.engine.report import CheckStatus, ColumnResult, DriftReport, QualityFinding

__all__ = ["CheckDetail", "CheckStatus", "CheckSummary", "Monitor"]


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
    report: DriftReport | None
