"""Impact ranking: which drifted features matter to the model.

A feature's impact is its importance times the size of its shift:
``impact = importance * effect_size``, with importances normalised to sum to 1 over the
baseline's features. The importance is the model's own (``feature_importances`` of the
baseline's performance part, e.g. logged with the model through MLflow) when known, else
the feature's mutual information with the target on the baseline data. Effect sizes are
the check's: normalised Wasserstein distance (numeric) or Jensen–Shannon distance
(categorical), so a ranking mixes two scales, each with its own tolerance ``delta``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal

from monitor.engine.baseline import Baseline
from monitor.engine.report import ColumnImpact, ColumnResult

__all__ = ["feature_importance", "rank_impact"]


def feature_importance(
    baseline: Baseline,
) -> tuple[dict[str, float], Literal["model", "mutual_information"]] | None:
    """Normalised importances of the baseline's features and where they come from,
    or None when the baseline has neither model importances nor mutual information."""
    performance = baseline.performance
    if performance is None:
        return None
    features = set(baseline.features)
    source: Literal["model", "mutual_information"] = "model"
    raw: Mapping[str, float] | None = performance.feature_importances
    if not raw:
        raw, source = performance.mutual_information, "mutual_information"
    kept = {name: max(float(value), 0.0) for name, value in raw.items() if name in features}
    total = sum(kept.values())
    if not kept or total <= 0.0:
        return None
    return {name: value / total for name, value in kept.items()}, source


def rank_impact(baseline: Baseline, columns: Iterable[ColumnResult]) -> tuple[ColumnImpact, ...]:
    """The tested features of a check by impact, highest first (ties by name).

    >>> from monitor.engine.baseline_performance import BaselinePerformance
    >>> from monitor.engine.baseline import ColumnBaseline
    >>> performance = BaselinePerformance(
    ...     "binary", "y", "p", "probability", ("0", "1"), 0.5, {}, 10,
    ...     mutual_information={"a": 0.3, "b": 0.1})
    >>> cols = {n: ColumnBaseline(n, "numeric", "feature", "float64", 10, 0) for n in "ab"}
    >>> baseline = Baseline(cols, 10, performance=performance)
    >>> results = [ColumnResult("a", "numeric", "feature", "tested", effect_size=0.2),
    ...            ColumnResult("b", "numeric", "feature", "tested", effect_size=1.0)]
    >>> [(c.name, round(c.impact, 3)) for c in rank_impact(baseline, results)]
    [('b', 0.25), ('a', 0.15)]
    """
    found = feature_importance(baseline)
    if found is None:
        return ()
    importances, source = found
    order = sorted(importances, key=lambda name: (-importances[name], name))
    rank = {name: index + 1 for index, name in enumerate(order)}
    impacts = [
        ColumnImpact(
            name=result.name,
            importance=importances.get(result.name, 0.0),
            importance_rank=rank.get(result.name, len(rank) + 1),
            source=source,
            effect_method=result.effect_method,
            effect_size=result.effect_size,
            impact=importances.get(result.name, 0.0) * result.effect_size,
            drifted=result.drifted,
        )
        for result in columns
        if result.role == "feature" and result.status == "tested" and result.effect_size is not None
    ]
    return tuple(sorted(impacts, key=lambda c: (-c.impact, c.name)))
