"""Conversions between ORM rows and domain objects; pure, no session."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from typing import Any, cast

from monitor.engine.report import ColumnResult, ColumnStatus, DriftReport, Histogram, QualityFinding
from monitor.errors import ConfigError
from monitor.store.domain import CheckStatus, CheckSummary, Monitor
from monitor.store.models import CheckRow, ColumnResultRow, MonitorRow, QualityFindingRow

__all__ = [
    "aware",
    "check_row",
    "column_result",
    "column_result_row",
    "json_text",
    "monitor_of",
    "quality_finding",
    "quality_finding_row",
    "summary_of",
    "utc_now",
    "with_histogram",
]


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def aware(name: str, value: dt.datetime) -> dt.datetime:
    """``value`` in UTC; a naive datetime is refused with a ConfigError naming ``name``."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ConfigError(
            f"{name} {value.isoformat()} is naive; pass an aware UTC datetime, "
            "e.g. datetime(2026, 1, 1, tzinfo=datetime.UTC)"
        )
    return value.astimezone(dt.UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} {value!r} cannot be stored as JSON")


def json_text(value: Any) -> str:
    """``value`` as compact JSON; datetimes as ISO strings, numpy scalars as numbers."""
    return json.dumps(value, separators=(",", ":"), default=_json_default)


def monitor_of(row: MonitorRow) -> Monitor:
    return Monitor(
        id=row.id,
        name=row.name,
        config=json.loads(row.config_json),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def check_row(
    *,
    window_start_at: dt.datetime,
    window_end_at: dt.datetime,
    status: CheckStatus,
    reason: str,
    started_at: dt.datetime,
    finished_at: dt.datetime,
    model_name: str | None = None,
    model_version: str | None = None,
    run_id: str | None = None,
    report: DriftReport | None = None,
) -> CheckRow:
    """A new check row (without its monitor id); report fields are None for a failed check."""
    return CheckRow(
        window_start_at=window_start_at,
        window_end_at=window_end_at,
        status=status,
        reason=reason,
        started_at=started_at,
        finished_at=finished_at,
        model_name=model_name,
        model_version=model_version,
        run_id=run_id,
        n_reference=None if report is None else report.n_reference,
        n_current=None if report is None else report.n_current,
        share_drifted=None if report is None else report.share_drifted,
        dataset_drift=None if report is None else report.dataset_drift,
        report_json=None if report is None else json_text(report.to_dict()),
    )


def summary_of(row: CheckRow, monitor: str) -> CheckSummary:
    return CheckSummary(
        id=row.id,
        monitor=monitor,
        window_start_at=row.window_start_at,
        window_end_at=row.window_end_at,
        status=cast(CheckStatus, row.status),
        reason=row.reason,
        share_drifted=row.share_drifted,
        dataset_drift=row.dataset_drift,
        n_current=row.n_current,
        model_name=row.model_name,
        model_version=row.model_version,
        run_id=row.run_id,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def column_result_row(check_id: int, result: ColumnResult) -> ColumnResultRow:
    return ColumnResultRow(
        check_id=check_id,
        column=result.name,
        kind=result.kind,
        role=result.role,
        status=result.status,
        method=result.method,
        statistic=result.statistic,
        p_value=result.p_value,
        p_value_adjusted=result.p_value_adjusted,
        effect_method=result.effect_method,
        effect_size=result.effect_size,
        psi=result.psi,
        alpha=result.alpha,
        delta=result.delta,
        drifted=result.drifted,
        n_reference=result.n_reference,
        n_current=result.n_current,
        detail=result.detail,
    )


def column_result(row: ColumnResultRow) -> ColumnResult:
    return ColumnResult(
        name=row.column,
        kind=row.kind,
        role=row.role,
        status=cast(ColumnStatus, row.status),
        method=row.method,
        statistic=row.statistic,
        p_value=row.p_value,
        p_value_adjusted=row.p_value_adjusted,
        effect_method=row.effect_method,
        effect_size=row.effect_size,
        psi=row.psi,
        alpha=row.alpha,
        delta=row.delta,
        drifted=row.drifted,
        n_reference=row.n_reference,
        n_current=row.n_current,
        detail=row.detail,
    )


def with_histogram(result: ColumnResult, stored_columns: Any) -> ColumnResult:
    """``result`` with the histogram and ``n_sample`` its check stored in the report
    (``report["columns"]``)."""
    found = stored_columns.get(result.name) if isinstance(stored_columns, dict) else None
    if not isinstance(found, dict):
        return result
    data = found.get("histogram")
    n_sample = found.get("n_sample")
    if isinstance(n_sample, int):  # how many values the test saw (the report's JSON keeps it)
        result = replace(result, n_sample=n_sample)
    return result if data is None else replace(result, histogram=Histogram.from_dict(data))


def quality_finding_row(check_id: int, finding: QualityFinding) -> QualityFindingRow:
    return QualityFindingRow(
        check_id=check_id,
        kind=finding.kind,
        column=finding.column,
        message=finding.message,
        value=finding.value,
        severity=finding.severity,
    )


def quality_finding(row: QualityFindingRow) -> QualityFinding:
    severity = cast(Any, row.severity)
    return QualityFinding(
        kind=row.kind, column=row.column, message=row.message, value=row.value, severity=severity
    )
