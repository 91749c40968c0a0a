"""DriftReport: the typed outcome of one check, and its parts."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final, Literal

__all__ = [
    "CheckStatus",
    "ColumnImpact",
    "ColumnResult",
    "ColumnStatus",
    "DriftReport",
    "Histogram",
    "MultivariateResult",
    "MultivariateStatus",
    "QualityFinding",
    "REPORT_FORMAT_VERSION",
    "Verdict",
]

REPORT_FORMAT_VERSION: Final = 1

ColumnStatus = Literal[
    "tested",  # the drift decision was made
    "no_data",  # no usable value in the window (empty, all missing or all infinite)
    "insufficient_data",  # fewer values than the method needs
    "missing_column",  # the column is absent from the current data
    "dtype_mismatch",  # no value could be read as the baseline's kind
    "not_compared",  # kind without a drift method (datetime, identifier)
]


def _num(value: float | None) -> float | str | None:
    if value is None:
        return None
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return float(value)


def _float(value: Any) -> float | None:
    """The inverse of ``_num`` (NaN was stored as None and comes back as None)."""
    if value is None:
        return None
    if value in ("inf", "-inf"):
        return math.inf if value == "inf" else -math.inf
    return float(value)


Verdict = Literal["drift", "watch", "ok"]
"""A tested column's verdict: ``drift`` (significant and at least δ), ``watch`` (significant,
effect below δ: real but small; never counted as drift, never alerting), ``ok``."""


CheckStatus = Literal["ok", "drifting", "failed", "insufficient_data", "no_data"]
"""What a stored check says, in one word: decided here for a report (:meth:`DriftReport.verdict`)
and by the check job for a window it could not compare (failed, no or too few records)."""


@dataclass(frozen=True, slots=True)
class QualityFinding:
    """A data-quality observation about the current window against the schema."""

    kind: str  # e.g. "missing_column", "unseen_categories", "out_of_range"
    column: str | None
    message: str
    value: float | None = None
    severity: Literal["info", "warning", "error"] = "warning"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "column": self.column,
            "message": self.message,
            "value": _num(self.value),
            "severity": self.severity,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> QualityFinding:
        return cls(
            kind=data["kind"],
            column=data.get("column"),
            message=data.get("message", ""),
            value=_float(data.get("value")),
            severity=data.get("severity", "warning"),
        )


@dataclass(frozen=True, slots=True)
class Histogram:
    """Reference and current counts of one column in one window, bin by bin.

    ``labels`` name the bins: the baseline's quantile bins for a numeric column (``edges``
    are their interior edges, so there are ``len(edges) + 1`` bins, the outer two open),
    or the categories for a categorical one (``edges`` None). Built by
    ``monitor.engine.histogram``; stored with the check so past windows can be drawn.
    """

    labels: tuple[str, ...]
    reference: tuple[int, ...]
    current: tuple[int, ...]
    edges: tuple[float, ...] | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "labels": list(self.labels),
            "reference": list(self.reference),
            "current": list(self.current),
            "edges": None if self.edges is None else list(self.edges),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Histogram:
        """The histogram stored as ``data``; ValueError names missing keys or bad lengths."""
        missing = [k for k in ("labels", "reference", "current") if k not in data]
        if missing:
            raise ValueError(f"histogram is missing {missing}; expected labels, reference, current")
        labels = tuple(str(label) for label in data["labels"])
        reference = tuple(int(c) for c in data["reference"])
        current = tuple(int(c) for c in data["current"])
        if not len(labels) == len(reference) == len(current):
            raise ValueError(
                f"histogram has {len(labels)} labels, {len(reference)} reference and "
                f"{len(current)} current counts; expected one count of each per label"
            )
        edges = data.get("edges")
        return cls(labels, reference, current, None if edges is None else tuple(map(float, edges)))


@dataclass(frozen=True, slots=True)
class ColumnResult:
    """The drift decision for one column."""

    name: str
    kind: str
    role: str
    status: ColumnStatus
    method: str | None = None
    statistic: float | None = None
    p_value: float | None = None
    p_value_adjusted: float | None = None
    effect_method: str | None = None
    effect_size: float | None = None
    psi: float | None = None
    alpha: float = 0.05
    delta: float = 0.1
    drifted: bool = False
    n_reference: int = 0
    n_current: int = 0
    detail: str = ""
    histogram: Histogram | None = None
    n_sample: int | None = None
    """Current values the test saw: all of them up to the sample's k rows, a uniform
    sample of the window above (effect size, PSI and histogram use every value)."""

    @property
    def verdict(self) -> Verdict | None:
        """``drift``, ``watch`` or ``ok`` for a tested column, None for one not tested.

        ``watch``: the adjusted p-value is below a significance level that is on
        (``alpha < 1``) but the effect is below ``delta``.

        >>> ColumnResult("a", "numeric", "feature", "tested", p_value_adjusted=1e-6,
        ...              effect_size=0.02).verdict
        'watch'
        """
        if self.status != "tested":
            return None
        if self.drifted:
            return "drift"
        significant = (
            self.alpha < 1.0
            and self.p_value_adjusted is not None
            and self.p_value_adjusted < self.alpha
        )
        return "watch" if significant else "ok"

    @property
    def not_compared(self) -> str | None:
        """Why the column is not tested (``"identifier"`` or ``"datetime"``: not a feature),
        or None for a column that is."""
        return self.kind if self.status == "not_compared" else None

    def evidence(self) -> str:
        """Why the drift decision came out as it did, in a few words: the test's adjusted
        p-value against alpha and the effect size against delta (an untested column: its
        ``detail``; "" when there is nothing to say).

        >>> ColumnResult("p", "numeric", "prediction", "tested", method="cvm",
        ...     p_value_adjusted=1e-6, effect_method="wasserstein", effect_size=0.25,
        ...     delta=0.1, drifted=True).evidence()
        'cvm p (adj.) 1e-06 < alpha 0.05, wasserstein 0.25 >= delta 0.1'
        """
        if self.status != "tested":
            return self.detail
        parts: list[str] = []
        if self.p_value_adjusted is not None:
            below = self.p_value_adjusted < self.alpha
            parts.append(
                f"{self.method or 'test'} p (adj.) {self.p_value_adjusted:.3g} "
                f"{'<' if below else '>='} alpha {self.alpha:g}"
            )
        if self.effect_size is not None:
            large = self.effect_size >= self.delta
            parts.append(
                f"{self.effect_method or 'effect size'} {self.effect_size:.3g} "
                f"{'>=' if large else '<'} delta {self.delta:g}"
            )
        if self.detail:
            parts.append(self.detail)
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "role": self.role,
            "status": self.status,
            "verdict": self.verdict,
            "not_compared": self.not_compared,
            "method": self.method,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "p_value_adjusted": _num(self.p_value_adjusted),
            "effect_method": self.effect_method,
            "effect_size": _num(self.effect_size),
            "psi": _num(self.psi),
            "alpha": self.alpha,
            "delta": self.delta,
            "drifted": self.drifted,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "detail": self.detail,
            "histogram": None if self.histogram is None else self.histogram.to_dict(),
            "n_sample": self.n_sample,
        }

    @classmethod
    def from_dict(cls, name: str, data: Mapping[str, Any]) -> ColumnResult:
        """The column ``name`` from its ``to_dict`` form (a report keys columns by name)."""
        histogram = data.get("histogram")
        return cls(
            name=name,
            kind=data["kind"],
            role=data["role"],
            status=data["status"],
            method=data.get("method"),
            statistic=_float(data.get("statistic")),
            p_value=_float(data.get("p_value")),
            p_value_adjusted=_float(data.get("p_value_adjusted")),
            effect_method=data.get("effect_method"),
            effect_size=_float(data.get("effect_size")),
            psi=_float(data.get("psi")),
            alpha=float(data.get("alpha", 0.05)),
            delta=float(data.get("delta", 0.1)),
            drifted=bool(data.get("drifted", False)),
            n_reference=int(data.get("n_reference", 0)),
            n_current=int(data.get("n_current", 0)),
            detail=data.get("detail", ""),
            histogram=None if histogram is None else Histogram.from_dict(histogram),
            n_sample=None if data.get("n_sample") is None else int(data["n_sample"]),
        )


@dataclass(frozen=True, slots=True)
class ColumnImpact:
    """How much one tested feature's shift may matter to the model.

    ``importance`` is the feature's share of the model's importances (``source``
    ``"model"``) or of the features' mutual information with the target
    (``"mutual_information"``), normalised to sum to 1 over the features;
    ``importance_rank`` is 1 for the most important feature of the baseline.
    ``impact = importance * effect_size``.
    """

    name: str
    importance: float
    importance_rank: int
    source: Literal["model", "mutual_information"]
    effect_method: str | None
    effect_size: float
    impact: float
    drifted: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "importance": _num(self.importance),
            "importance_rank": self.importance_rank,
            "source": self.source,
            "effect_method": self.effect_method,
            "effect_size": _num(self.effect_size),
            "impact": _num(self.impact),
            "drifted": self.drifted,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnImpact:
        return cls(
            name=data["name"],
            importance=_float(data.get("importance")) or 0.0,
            importance_rank=int(data["importance_rank"]),
            source=data["source"],
            effect_method=data.get("effect_method"),
            effect_size=_float(data.get("effect_size")) or 0.0,
            impact=_float(data.get("impact")) or 0.0,
            drifted=bool(data.get("drifted", False)),
        )


MultivariateStatus = Literal["tested", "insufficient_data", "off"]

_MULTIVARIATE_NAMES: Final[Mapping[str, tuple[str, str, str]]] = MappingProxyType(
    {
        "classifier": ("domain classifier", "AUC", "AUC − 0.5"),
        "pca": ("PCA reconstruction", "error AUC", "W1/sd of the errors"),
    }
)
"""Each method's name, and what its statistic and effect size are, for display."""


@dataclass(frozen=True, slots=True)
class MultivariateResult:
    """Drift of the features' joint distribution (:mod:`monitor.engine.multivariate`).

    ``method`` is the method's key: ``"classifier"`` — ``statistic`` the domain
    classifier's cross-validated ROC AUC, ``effect_size`` AUC − 0.5, ``top_columns`` by
    permutation importance; ``"pca"`` — ``statistic`` the AUC of the window's per-row PCA
    reconstruction errors against held-out baseline rows', ``effect_size`` their
    Wasserstein distance over the reference errors' sd, ``top_columns`` the columns whose
    squared residual grew most. ``threshold`` is the effect's tolerance; ``drifted`` when
    ``p_value < alpha`` and ``effect_size >= threshold`` (the column rule, on one test);
    ``importances`` go with ``top_columns``. ``status`` is ``insufficient_data`` (with
    ``reason``) when there were too few rows or columns, ``off`` when it was not asked for;
    a tested result's ``reason`` names the columns a method left out, if any.
    """

    status: MultivariateStatus
    method: str = "classifier"
    statistic: float | None = None
    p_value: float | None = None
    effect_size: float | None = None
    alpha: float = 0.05
    threshold: float = 0.05
    drifted: bool = False
    top_columns: tuple[str, ...] = ()
    importances: tuple[float, ...] = ()
    n_reference: int = 0
    n_current: int = 0
    columns: tuple[str, ...] = ()
    reason: str = ""

    @property
    def title(self) -> str:
        """The method's name for people: ``"domain classifier"``, ``"PCA reconstruction"``
        (the key itself for a method this version does not know)."""
        return _MULTIVARIATE_NAMES.get(self.method, (self.method, "", ""))[0]

    @property
    def statistic_name(self) -> str:
        """What ``statistic`` is: ``"AUC"`` (classifier), ``"error AUC"`` (pca)."""
        return _MULTIVARIATE_NAMES.get(self.method, ("", "statistic", ""))[1]

    @property
    def effect_name(self) -> str:
        """What ``effect_size`` is: ``"AUC − 0.5"`` (classifier), ``"W1/sd of the
        errors"`` (pca)."""
        return _MULTIVARIATE_NAMES.get(self.method, ("", "", "effect size"))[2]

    @property
    def verdict(self) -> Verdict | None:
        """``drift``, ``watch`` (significant, effect below the threshold) or ``ok``; None
        when not tested."""
        if self.status != "tested":
            return None
        if self.drifted:
            return "drift"
        significant = self.alpha < 1.0 and self.p_value is not None and self.p_value < self.alpha
        return "watch" if significant else "ok"

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "drifted": self.drifted,
            "verdict": self.verdict,
            "method": self.method,
            "statistic": _num(self.statistic),
            "p_value": _num(self.p_value),
            "effect_size": _num(self.effect_size),
            "alpha": self.alpha,
            "threshold": self.threshold,
            "top_columns": list(self.top_columns),
            "importances": [_num(v) for v in self.importances],
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "columns": list(self.columns),
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MultivariateResult:
        if "status" not in data:
            raise ValueError("multivariate result is missing ['status']")
        return cls(
            status=data["status"],
            method=str(data.get("method", "classifier")),
            statistic=_float(data.get("statistic")),
            p_value=_float(data.get("p_value")),
            effect_size=_float(data.get("effect_size")),
            alpha=float(data.get("alpha", 0.05)),
            threshold=float(data.get("threshold", 0.05)),
            drifted=bool(data.get("drifted", False)),
            top_columns=tuple(str(c) for c in data.get("top_columns") or ()),
            importances=tuple(_float(v) or 0.0 for v in data.get("importances") or ()),
            n_reference=int(data.get("n_reference", 0)),
            n_current=int(data.get("n_current", 0)),
            columns=tuple(str(c) for c in data.get("columns") or ()),
            reason=str(data.get("reason", "")),
        )


@dataclass(frozen=True, slots=True)
class DriftReport:
    """Per-column decisions, quality findings and the dataset-level verdict.

    ``share_drifted`` is over the tested feature columns (target and prediction are
    reported as ``target_drift`` and ``prediction_drift``); ``dataset_drift`` is
    ``share_drifted >= drift_share``.
    """

    n_reference: int
    n_current: int
    columns: tuple[ColumnResult, ...]
    quality: tuple[QualityFinding, ...]
    alpha: float
    delta_numeric: float
    delta_categorical: float
    drift_share: float
    correction: str
    impact: tuple[ColumnImpact, ...] = ()
    """Tested features by impact, highest first (empty without a baseline performance)."""
    delta_prediction: float = 0.1
    """The prediction column's effect-size tolerance."""
    multivariate: MultivariateResult | None = None
    """Drift of the joint distribution of the features; None when not computed."""

    @property
    def drifted_by_impact(self) -> list[str]:
        """The drifted features, highest impact first."""
        return [c.name for c in self.impact if c.drifted]

    @property
    def drifted_columns(self) -> list[str]:
        """Every drifted column, features, target and prediction alike."""
        return [c.name for c in self.columns if c.drifted]

    @property
    def watch_columns(self) -> list[str]:
        """Columns with a significant shift below their tolerance (never counted as drift)."""
        return [c.name for c in self.columns if c.verdict == "watch"]

    @property
    def drifted_features(self) -> list[str]:
        """The drifted feature columns: the numerator of :attr:`share_drifted`."""
        return [c.name for c in self.columns if c.role == "feature" and c.drifted]

    @property
    def share_drifted(self) -> float:
        tested = [c for c in self.columns if c.role == "feature" and c.status == "tested"]
        if not tested:
            return 0.0
        return sum(c.drifted for c in tested) / len(tested)

    @property
    def dataset_drift(self) -> bool:
        return self.n_tested_features > 0 and self.share_drifted >= self.drift_share

    @property
    def n_tested_features(self) -> int:
        return sum(1 for c in self.columns if c.role == "feature" and c.status == "tested")

    def _role_drift(self, role: str) -> bool | None:
        found = [c for c in self.columns if c.role == role and c.status == "tested"]
        return found[0].drifted if found else None

    @property
    def prediction_drift(self) -> bool | None:
        return self._role_drift("prediction")

    @property
    def target_drift(self) -> bool | None:
        return self._role_drift("target")

    @property
    def prediction_verdict(self) -> Verdict | None:
        """The prediction column's verdict (None without a tested prediction)."""
        found = [c for c in self.columns if c.role == "prediction" and c.status == "tested"]
        return found[0].verdict if found else None

    def column(self, name: str) -> ColumnResult:
        for result in self.columns:
            if result.name == name:
                return result
        raise KeyError(f"no column {name!r} in this report")

    def verdict(self) -> tuple[CheckStatus, str]:
        """The check's status for this report, and why, in one line.

        >>> column = ColumnResult("income", "numeric", "feature", "tested", drifted=True)
        >>> DriftReport(10, 10, (column,), (), 0.05, 0.1, 0.1, 0.5, "bh").verdict()
        ('drifting', '1 of 1 tested features drifted (share 1.00 >= drift share 0.50): income')
        """
        if self.n_current == 0:
            return "no_data", "the window has no records"
        features = [c for c in self.columns if c.role == "feature"]
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
        share, needed = self.share_drifted, self.drift_share
        summary = f"{len(drifted)} of {len(tested)} tested features drifted"
        if self.dataset_drift:
            return "drifting", f"{summary} (share {share:.2f} >= drift share {needed:.2f}): " + (
                ", ".join(drifted)
            )
        joint = self.multivariate
        if joint is not None and joint.drifted:
            return "drifting", (
                f"{summary} (share {share:.2f} < drift share {needed:.2f}); the joint "
                f"distribution drifted ({joint.title} {joint.statistic_name} "
                f"{joint.statistic:.3f}, p "
                f"{joint.p_value:.1e}): " + ", ".join(joint.top_columns)
            )
        return "ok", f"{summary} (share {share:.2f} < drift share {needed:.2f})"

    def _repr_html_(self) -> str:
        """Jupyter's rich display: the HTML report (charts drawn by Plotly, loaded once
        per notebook from the bundled copy)."""
        from monitor.engine.html_report import render_html

        return render_html(self, standalone=False)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DriftReport:
        """A report from its ``to_dict`` form; another ``format_version`` is refused."""
        version = data.get("format_version")
        if version != REPORT_FORMAT_VERSION:
            raise ValueError(
                f"report format_version {version!r}; this Driftline reads {REPORT_FORMAT_VERSION}"
            )
        delta = data.get("delta") or {}
        return cls(
            n_reference=int(data["n_reference"]),
            n_current=int(data["n_current"]),
            columns=tuple(
                ColumnResult.from_dict(name, column)
                for name, column in (data.get("columns") or {}).items()
            ),
            quality=tuple(QualityFinding.from_dict(q) for q in data.get("quality") or ()),
            alpha=float(data["alpha"]),
            delta_numeric=float(delta.get("numeric", 0.1)),
            delta_categorical=float(delta.get("categorical", 0.1)),
            delta_prediction=float(delta.get("prediction", 0.1)),
            drift_share=float(data["drift_share"]),
            correction=str(data["correction"]),
            impact=tuple(ColumnImpact.from_dict(i) for i in data.get("impact") or ()),
            multivariate=(
                None
                if data.get("multivariate") is None
                else MultivariateResult.from_dict(data["multivariate"])
            ),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": REPORT_FORMAT_VERSION,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "drifted_columns": self.drifted_columns,
            "watch_columns": self.watch_columns,
            "share_drifted": self.share_drifted,
            "dataset_drift": self.dataset_drift,
            "drift_share": self.drift_share,
            "prediction_drift": self.prediction_drift,
            "prediction_verdict": self.prediction_verdict,
            "target_drift": self.target_drift,
            "alpha": self.alpha,
            "delta": {
                "numeric": self.delta_numeric,
                "categorical": self.delta_categorical,
                "prediction": self.delta_prediction,
            },
            "correction": self.correction,
            "columns": {c.name: c.to_dict() for c in self.columns},
            "quality": [q.to_dict() for q in self.quality],
            "impact": [c.to_dict() for c in self.impact],
            "multivariate": None if self.multivariate is None else self.multivariate.to_dict(),
        }
