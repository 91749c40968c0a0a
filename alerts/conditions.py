"""Whether a rule's condition holds in one check: pure functions of the stored result.

Each rule kind has one function ``(rule, check) -> Outcome`` in ``CONDITIONS``, an explicit
read-only mapping. ``Outcome.holds`` is None when the check cannot tell (it failed, the
window had too little data, or the column the rule needs was not tested): such a window
neither counts towards ``for`` nor breaks a streak. To add a kind: add its config model to
``monitor.config.alerts``, a function here and its entry in ``CONDITIONS``; a test checks
that every configured kind has one.

A kind that needs the window's model performance (``performance_drop``) is in
``PERFORMANCE_CONDITIONS`` instead: ``(rule, check, performance) -> Outcome``, where
``performance`` is the window's stored ``WindowPerformance`` (None when none was stored),
read by the evaluation (``alerts.outbox``); the function stays pure. Likewise a kind about
retraining (``retraining_outcome``) is in ``RETRAINING_CONDITIONS``: ``(rule, check,
retraining) -> Outcome``, where ``retraining`` is the monitor's latest retrain trigger
whose MLflow Project run has ended and been judged (None when there is none).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from monitor.config.alerts import (
    DatasetDriftRule,
    EffectSizeRule,
    KeyFeatureDriftRule,
    MultivariateDriftRule,
    PerformanceDropRule,
    PredictionDriftRule,
    QualityRule,
    RetrainingOutcomeRule,
    TopKDriftRule,
)
from monitor.store import CheckDetail, RetrainTrigger, WindowPerformance

__all__ = ["CONDITIONS", "PERFORMANCE_CONDITIONS", "RETRAINING_CONDITIONS", "Outcome", "evaluate"]


@dataclass(frozen=True, slots=True)
class Outcome:
    """``holds``: True, False, or None when the check cannot tell; ``detail`` says why."""

    holds: bool | None
    detail: str


def _unknown(check: CheckDetail) -> Outcome | None:
    summary = check.summary
    if summary.status in ("ok", "drifting"):
        return None
    return Outcome(None, f"check {summary.status}: {summary.reason}")


def dataset_drift(rule: DatasetDriftRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    share = check.summary.share_drifted or 0.0
    drifted = [c.name for c in check.columns if c.role == "feature" and c.drifted]
    names = f" ({', '.join(drifted)})" if drifted else ""
    if share >= rule.share:
        return Outcome(True, f"share of drifted features {share:.2f} >= {rule.share:.2f}{names}")
    return Outcome(False, f"share of drifted features {share:.2f} < {rule.share:.2f}{names}")


def key_feature_drift(rule: KeyFeatureDriftRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    tested = {c.name: c for c in check.columns if c.status == "tested" and c.name in rule.columns}
    if not tested:
        return Outcome(None, f"none of the key features {list(rule.columns)} was tested")
    drifted = [name for name in rule.columns if name in tested and tested[name].drifted]
    if drifted:
        return Outcome(True, f"key feature(s) drifted: {', '.join(drifted)}")
    return Outcome(False, f"no key feature drifted ({', '.join(sorted(tested))} tested)")


def effect_size(rule: EffectSizeRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    found = [c for c in check.columns if c.name == rule.column]
    if not found or found[0].status != "tested" or found[0].effect_size is None:
        status = found[0].status if found else "absent"
        return Outcome(None, f"column {rule.column!r} has no effect size ({status})")
    size = found[0].effect_size
    method = found[0].effect_method or "effect size"
    if size > rule.above:
        return Outcome(True, f"{rule.column}: {method} {size:.4g} > {rule.above:.4g}")
    return Outcome(False, f"{rule.column}: {method} {size:.4g} <= {rule.above:.4g}")


def quality(rule: QualityRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    found = [
        q
        for q in check.quality
        if q.kind == rule.finding and (rule.column is None or q.column == rule.column)
    ]
    where = f" on {rule.column!r}" if rule.column else ""
    if found:
        return Outcome(True, f"{len(found)} {rule.finding} finding(s){where}: {found[0].message}")
    return Outcome(False, f"no {rule.finding} finding{where}")


def prediction_drift(rule: PredictionDriftRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    found = [c for c in check.columns if c.role == "prediction" and c.status == "tested"]
    if not found:
        return Outcome(None, "the prediction column was not tested")
    column = found[0]
    if column.drifted:
        evidence = column.evidence()
        return Outcome(
            True, f"prediction {column.name!r} drifted" + (f" ({evidence})" if evidence else "")
        )
    return Outcome(False, f"prediction {column.name!r} did not drift")


def multivariate_drift(rule: MultivariateDriftRule, check: CheckDetail) -> Outcome:
    del rule  # the kind has no fields of its own
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    joint = check.report.multivariate if check.report is not None else None
    if joint is None or joint.status != "tested":
        why = "not run" if joint is None else joint.reason or joint.status
        return Outcome(None, f"no multivariate test in the check ({why})")
    statistic = joint.statistic if joint.statistic is not None else math.nan
    shown = f"{joint.title} {joint.statistic_name} {statistic:.3f}, p = {joint.p_value or 0.0:.2g}"
    if joint.verdict == "drift":
        top = f"; top columns {', '.join(joint.top_columns)}" if joint.top_columns else ""
        return Outcome(True, f"joint distribution drifted ({shown}{top})")
    return Outcome(False, f"joint distribution {joint.verdict} ({shown})")


def top_k_drift(rule: TopKDriftRule, check: CheckDetail) -> Outcome:
    unknown = _unknown(check)
    if unknown is not None:
        return unknown
    impact = check.report.impact if check.report is not None else ()
    if not impact:
        return Outcome(None, "the check has no importance ranking (no baseline performance)")
    top = sorted(
        (c for c in impact if c.importance_rank <= rule.k), key=lambda c: c.importance_rank
    )
    if not top:
        return Outcome(None, f"none of the top {rule.k} features was tested")
    drifted = [f"{c.name} (#{c.importance_rank})" for c in top if c.drifted]
    if drifted:
        return Outcome(True, f"top-{rule.k} feature(s) drifted: {', '.join(drifted)}")
    names = ", ".join(c.name for c in top)
    return Outcome(False, f"no top-{rule.k} feature drifted ({names} tested)")


def _pct(value: float) -> str:
    return f"{value:.4g}"


def performance_drop(
    rule: PerformanceDropRule, check: CheckDetail, performance: WindowPerformance | None
) -> Outcome:
    del check  # the window's performance says everything this kind needs
    if performance is None:
        return Outcome(None, "no performance stored for the window")
    if rule.source == "realised":
        realised = performance.realised
        if realised is None:
            why = performance.realised_error or "not computed"
            return Outcome(None, f"no realised performance: {why}")
        if realised.label_coverage < rule.min_label_coverage:
            return Outcome(
                None,
                f"label coverage {realised.label_coverage:.1%} < "
                f"{rule.min_label_coverage:.1%} ({realised.detail})",
            )
        metrics, baseline, band = realised.metrics, realised.baseline_metrics, ""
    else:
        estimated = performance.estimated
        if estimated is None:
            why = performance.estimated_error or "not computed"
            return Outcome(None, f"no estimated performance: {why}")
        metrics, baseline = estimated.metrics, estimated.baseline_metrics
        low = estimated.estimate.lower.get(rule.metric, math.nan)
        high = estimated.estimate.upper.get(rule.metric, math.nan)
        band = "" if math.isnan(low) or math.isnan(high) else f" [{_pct(low)}, {_pct(high)}]"
    value = metrics.get(rule.metric, math.nan)
    name = f"{rule.source} {rule.metric}"
    if math.isnan(value):
        return Outcome(None, f"{name} is not available for the window")
    shown = f"{name} {_pct(value)}{band}"
    if rule.below is not None:
        if value < rule.below:
            return Outcome(True, f"{shown} < {_pct(rule.below)}")
        return Outcome(False, f"{shown} >= {_pct(rule.below)}")
    reference = baseline.get(rule.metric, math.nan)
    if math.isnan(reference):
        return Outcome(None, f"the baseline has no {rule.metric}")
    drop = reference - value
    if rule.drop is not None:
        limit, text = rule.drop, f"dropped {_pct(drop)} from baseline {_pct(reference)}"
    else:
        if reference <= 0.0:
            return Outcome(None, f"baseline {rule.metric} {_pct(reference)} is not positive")
        drop = drop / reference
        limit = rule.drop_relative if rule.drop_relative is not None else math.inf
        text = f"dropped {drop:.2%} from baseline {_pct(reference)}"
    if drop > limit:
        return Outcome(True, f"{shown} {text} (> {_pct(limit)})")
    return Outcome(False, f"{shown} {text} (<= {_pct(limit)})")


def retraining_outcome(
    rule: RetrainingOutcomeRule, check: CheckDetail, retraining: RetrainTrigger | None
) -> Outcome:
    del check  # the latest judged retraining says everything this kind needs
    if retraining is None or retraining.run is None:
        return Outcome(False, "no retraining run has ended")
    outcome = retraining.run.outcome
    text = f"retraining {retraining.trigger_id}: {retraining.run.summary()}"
    return Outcome(outcome in rule.outcomes, text)


CONDITIONS: Final[Mapping[str, Callable[[Any, CheckDetail], Outcome]]] = MappingProxyType(
    {
        "dataset_drift": dataset_drift,
        "key_feature_drift": key_feature_drift,
        "effect_size": effect_size,
        "quality": quality,
        "prediction_drift": prediction_drift,
        "multivariate_drift": multivariate_drift,
        "top_k_drift": top_k_drift,
    }
)

PERFORMANCE_CONDITIONS: Final[
    Mapping[str, Callable[[Any, CheckDetail, WindowPerformance | None], Outcome]]
] = MappingProxyType({"performance_drop": performance_drop})

RETRAINING_CONDITIONS: Final[
    Mapping[str, Callable[[Any, CheckDetail, RetrainTrigger | None], Outcome]]
] = MappingProxyType({"retraining_outcome": retraining_outcome})


def evaluate(
    rule: Any,
    check: CheckDetail,
    performance: WindowPerformance | None = None,
    retraining: RetrainTrigger | None = None,
) -> Outcome:
    """Whether ``rule`` (a ``monitor.config.alerts`` rule) holds in ``check``;
    ``performance`` is the window's stored performance, for the performance kinds;
    ``retraining`` the latest judged retraining, for the retraining kinds."""
    if rule.kind in PERFORMANCE_CONDITIONS:
        return PERFORMANCE_CONDITIONS[rule.kind](rule, check, performance)
    if rule.kind in RETRAINING_CONDITIONS:
        return RETRAINING_CONDITIONS[rule.kind](rule, check, retraining)
    return CONDITIONS[rule.kind](rule, check)
