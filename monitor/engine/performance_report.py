"""The typed performance of one window: realised (from labels) and estimated (CBPE)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from monitor.engine.baseline_performance import OPTIMISTIC_NOTE
from monitor.engine.report import ColumnResult, ColumnStatus, Histogram
from monitor.stats import CbpeEstimate

__all__ = ["PERFORMANCE_FORMAT_VERSION", "EstimatedPerformance", "RealisedPerformance"]

PERFORMANCE_FORMAT_VERSION: Final = 1


def _note(source: str) -> dict[str, str]:
    """``{"performance_note": ...}`` when the baseline's performance is from training data."""
    return {"performance_note": OPTIMISTIC_NOTE} if source == "training" else {}


def _floats_out(values: Mapping[str, float]) -> dict[str, float | None]:
    return {k: None if math.isnan(v) else float(v) for k, v in values.items()}


def _floats_in(values: Mapping[str, Any]) -> dict[str, float]:
    return {str(k): math.nan if v is None else float(v) for k, v in values.items()}


def _require(data: Mapping[str, Any], keys: tuple[str, ...], owner: str) -> None:
    missing = [key for key in keys if key not in data]
    if missing:
        raise ValueError(f"{owner}.from_dict: missing keys {missing}; expected {list(keys)}")
    version = data.get("format_version", PERFORMANCE_FORMAT_VERSION)
    if version != PERFORMANCE_FORMAT_VERSION:
        raise ValueError(
            f"{owner}.from_dict: format_version {version!r} is not supported; "
            f"expected {PERFORMANCE_FORMAT_VERSION}"
        )


def _column_from_dict(name: str, data: Mapping[str, Any]) -> ColumnResult:
    def number(key: str) -> float | None:
        value = data.get(key)
        return None if value is None else float(value)

    status: ColumnStatus = data["status"]
    return ColumnResult(
        name=name,
        kind=str(data["kind"]),
        role=str(data["role"]),
        status=status,
        method=data.get("method"),
        statistic=number("statistic"),
        p_value=number("p_value"),
        p_value_adjusted=number("p_value_adjusted"),
        effect_method=data.get("effect_method"),
        effect_size=number("effect_size"),
        psi=number("psi"),
        alpha=float(data["alpha"]),
        delta=float(data["delta"]),
        drifted=bool(data["drifted"]),
        n_reference=int(data["n_reference"]),
        n_current=int(data["n_current"]),
        detail=str(data.get("detail", "")),
        histogram=None if data.get("histogram") is None else Histogram.from_dict(data["histogram"]),
        n_sample=None if data.get("n_sample") is None else int(data["n_sample"]),
    )


@dataclass(frozen=True, slots=True)
class RealisedPerformance:
    """A window's metrics on its labelled records.

    ``n_labelled`` of the window's ``n_records`` have a usable label
    (``label_coverage`` is their share); ``n_unusable_labels`` had a label that is not
    a class of the baseline (or not a number, for regression) and are left out.
    ``metrics`` is empty when no record is labelled. ``target_drift`` compares the
    labels' distribution with the baseline's target, like a feature.
    """

    task: str
    n_records: int
    n_labelled: int
    n_unusable_labels: int
    metrics: Mapping[str, float]
    baseline_metrics: Mapping[str, float]
    target_drift: ColumnResult | None = None
    performance_source: str = "training"
    """Where ``baseline_metrics`` came from: ``training`` (optimistic) or ``validation``."""

    @property
    def label_coverage(self) -> float:
        return self.n_labelled / self.n_records if self.n_records else 0.0

    @property
    def detail(self) -> str:
        """E.g. ``"151 of 5000 records labelled (3.0%)"``."""
        text = (
            f"{self.n_labelled} of {self.n_records} records labelled "
            f"({100.0 * self.label_coverage:.1f}%)"
        )
        if self.n_unusable_labels:
            text += f"; {self.n_unusable_labels} label(s) not a baseline class, left out"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": PERFORMANCE_FORMAT_VERSION,
            "kind": "realised",
            "task": self.task,
            "n_records": self.n_records,
            "n_labelled": self.n_labelled,
            "n_unusable_labels": self.n_unusable_labels,
            "label_coverage": self.label_coverage,
            "detail": self.detail,
            "metrics": _floats_out(self.metrics),
            "baseline_metrics": _floats_out(self.baseline_metrics),
            "performance_source": self.performance_source,
            **_note(self.performance_source),
            "target_drift": (
                None
                if self.target_drift is None
                else {"name": self.target_drift.name, **self.target_drift.to_dict()}
            ),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RealisedPerformance:
        keys = ("task", "n_records", "n_labelled", "n_unusable_labels", "metrics")
        _require(data, (*keys, "baseline_metrics"), "RealisedPerformance")
        drift = data.get("target_drift")
        return cls(
            task=str(data["task"]),
            n_records=int(data["n_records"]),
            n_labelled=int(data["n_labelled"]),
            n_unusable_labels=int(data["n_unusable_labels"]),
            metrics=_floats_in(data["metrics"]),
            baseline_metrics=_floats_in(data["baseline_metrics"]),
            target_drift=None if drift is None else _column_from_dict(drift["name"], drift),
            performance_source=str(data.get("performance_source", "training")),
        )


@dataclass(frozen=True, slots=True)
class EstimatedPerformance:
    """A window's performance estimated without labels (CBPE, binary classification).

    ``estimate`` holds the estimated metrics, their sampling-error band and the
    expected confusion matrix; ``baseline_metrics`` what the model achieved on the
    baseline data.
    """

    n_records: int
    estimate: CbpeEstimate
    baseline_metrics: Mapping[str, float]
    method: str = "cbpe"
    performance_source: str = "training"
    """Where the calibration and ``baseline_metrics`` came from: ``training`` (optimistic:
    the band is too narrow and the estimate too high when the model overfits) or
    ``validation``."""

    @property
    def metrics(self) -> Mapping[str, float]:
        return self.estimate.estimates

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": PERFORMANCE_FORMAT_VERSION,
            "kind": "estimated",
            "method": self.method,
            "n_records": self.n_records,
            "metrics": _floats_out(self.estimate.estimates),
            "lower": _floats_out(self.estimate.lower),
            "upper": _floats_out(self.estimate.upper),
            "estimate": self.estimate.to_dict(),
            "baseline_metrics": _floats_out(self.baseline_metrics),
            "performance_source": self.performance_source,
            **_note(self.performance_source),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EstimatedPerformance:
        _require(data, ("n_records", "estimate", "baseline_metrics"), "EstimatedPerformance")
        return cls(
            n_records=int(data["n_records"]),
            estimate=CbpeEstimate.from_dict(data["estimate"]),
            baseline_metrics=_floats_in(data["baseline_metrics"]),
            method=str(data.get("method", "cbpe")),
            performance_source=str(data.get("performance_source", "training")),
        )
