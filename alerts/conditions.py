"""Whether a rule's condition holds in one check: pure functions of the stored result.

Each rule kind has one function ``(rule, check) -> Outcome`` in ``CONDITIONS``, an explicit
read-only mapping. ``Outcome.holds`` is None when the check cannot tell (it failed, the
window had too little data, or the column the rule needs was not tested): such a window
neither counts towards ``for`` nor breaks a streak. To add a kind (a performance drop,
once performance is stored): add its config model to ``monitor.config_alerts``, a function
here and its entry in ``CONDITIONS``; a test checks that every configured kind has one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

from monitor.config_alerts import (
    DatasetDriftRule,
    EffectSizeRule,
    KeyFeatureDriftRule,
    PredictionDriftRule,
    QualityRule,
)
from monitor.store import CheckDetail

__all__ = ["CONDITIONS", "Outcome", "evaluate"]


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
        return Outcome(True, f"prediction {column.name!r} drifted ({column.detail})".strip())
    return Outcome(False, f"prediction {column.name!r} did not drift")


CONDITIONS: Final[Mapping[str, Callable[[Any, CheckDetail], Outcome]]] = MappingProxyType(
    {
        "dataset_drift": dataset_drift,
        "key_feature_drift": key_feature_drift,
        "effect_size": effect_size,
        "quality": quality,
        "prediction_drift": prediction_drift,
    }
)


def evaluate(rule: Any, check: CheckDetail) -> Outcome:
    """Whether ``rule`` (a ``monitor.config_alerts`` rule) holds in ``check``."""
    return CONDITIONS[rule.kind](rule, check)
