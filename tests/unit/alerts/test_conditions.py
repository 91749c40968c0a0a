"""Each rule kind's condition against a stored check, with boundaries in pairs."""

from __future__ import annotations

import datetime as dt
import typing

import pytest

import monitor.config.alerts as ca
from alerts.conditions import CONDITIONS, PERFORMANCE_CONDITIONS, RETRAINING_CONDITIONS, evaluate
from monitor.engine.report import ColumnResult, QualityFinding
from monitor.store import (
    CheckDetail,
    CheckStatus,
    CheckSummary,
    PromotionGate,
    RetrainRun,
    RetrainTrigger,
)

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)


def check(
    *columns: ColumnResult,
    quality: tuple[QualityFinding, ...] = (),
    share: float = 0.0,
    status: CheckStatus = "ok",
) -> CheckDetail:
    summary = CheckSummary(
        7, "credit", AT, AT + dt.timedelta(hours=1), status, "why", share, None, 100,
        None, None, None, AT, AT,
    )  # fmt: skip
    return CheckDetail(summary, columns, quality, None)


def column(name: str, *, drifted: bool = False, effect: float | None = 0.0,
           role: str = "feature", status: str = "tested") -> ColumnResult:  # fmt: skip
    return ColumnResult(
        name, "numeric", role, status,  # type: ignore[arg-type]
        effect_method="wasserstein_norm", effect_size=effect, drifted=drifted,
    )  # fmt: skip


def test_every_configured_rule_kind_has_a_condition() -> None:
    groups = (set(CONDITIONS), set(PERFORMANCE_CONDITIONS), set(RETRAINING_CONDITIONS))
    assert set().union(*groups) == set(ca.RULE_KINDS)
    assert sum(len(group) for group in groups) == len(ca.RULE_KINDS)  # no kind in two
    kinds = {
        typing.get_args(model.model_fields["kind"].annotation)[0]
        for model in typing.get_args(typing.get_args(ca.Rule)[0])
    }
    assert kinds == set(ca.RULE_KINDS)


@pytest.mark.parametrize(
    ("share", "holds"),
    [pytest.param(0.5, True, id="share-equal-holds"), pytest.param(0.49, False, id="below")],
)
def test_dataset_drift_holds_at_share_or_more(share: float, holds: bool) -> None:
    rule = ca.DatasetDriftRule(name="ds", kind="dataset_drift", share=0.5)
    assert evaluate(rule, check(share=share)).holds is holds


@pytest.mark.parametrize(
    ("effect", "holds"),
    [pytest.param(0.3, False, id="equal-does-not-hold"), pytest.param(0.3001, True, id="above")],
)
def test_effect_size_holds_strictly_above(effect: float, holds: bool) -> None:
    rule = ca.EffectSizeRule(name="inc", kind="effect_size", column="income", above=0.3)
    assert evaluate(rule, check(column("income", effect=effect))).holds is holds


def test_effect_size_is_unknown_when_the_column_was_not_tested() -> None:
    rule = ca.EffectSizeRule(name="inc", kind="effect_size", column="income", above=0.3)
    outcome = evaluate(rule, check(column("income", status="missing_column", effect=None)))
    assert outcome.holds is None
    assert "missing_column" in outcome.detail


@pytest.mark.parametrize(
    ("drifted", "holds"),
    [pytest.param("age", True, id="key-feature-drifted"), pytest.param("other", False, id="not")],
)
def test_key_feature_drift(drifted: str, holds: bool) -> None:
    rule = ca.KeyFeatureDriftRule(name="k", kind="key_feature_drift", columns=("age", "income"))
    found = check(column("age", drifted=drifted == "age"), column("other", drifted=True))
    assert evaluate(rule, found).holds is holds


@pytest.mark.parametrize(
    ("kind", "holds"),
    [pytest.param("missing_column", True, id="same-kind"), pytest.param("other", False, id="x")],
)
def test_quality_finding_kind(kind: str, holds: bool) -> None:
    rule = ca.QualityRule(name="q", kind="quality", finding="missing_column")
    finding = QualityFinding(kind, "income", "gone")
    assert evaluate(rule, check(quality=(finding,))).holds is holds


@pytest.mark.parametrize(
    ("drifted", "holds"),
    [pytest.param(True, True, id="prediction-drifted"), pytest.param(False, False, id="stable")],
)
def test_prediction_drift(drifted: bool, holds: bool) -> None:
    rule = ca.PredictionDriftRule(name="p", kind="prediction_drift")
    found = check(column("predicted_proba", drifted=drifted, role="prediction"))
    assert evaluate(rule, found).holds is holds


def test_prediction_drift_reason_gives_the_evidence_not_empty_parentheses() -> None:
    rule = ca.PredictionDriftRule(name="p", kind="prediction_drift")
    drifted = ColumnResult(
        "predicted_proba", "numeric", "prediction", "tested", method="cvm",
        p_value_adjusted=2e-9, effect_method="wasserstein", effect_size=0.42, drifted=True,
    )  # fmt: skip
    outcome = evaluate(rule, check(drifted))
    assert outcome.detail == (
        "prediction 'predicted_proba' drifted "
        "(cvm p (adj.) 2e-09 < alpha 0.05, wasserstein 0.42 >= delta 0.1)"
    )


def test_prediction_drift_reason_without_evidence_has_no_parentheses() -> None:
    rule = ca.PredictionDriftRule(name="p", kind="prediction_drift")
    bare = ColumnResult("predicted_proba", "numeric", "prediction", "tested", drifted=True)
    assert evaluate(rule, check(bare)).detail == "prediction 'predicted_proba' drifted"


@pytest.mark.parametrize("status", ["failed", "insufficient_data", "no_data"])
def test_a_check_without_a_verdict_is_unknown_for_every_kind(status: CheckStatus) -> None:
    rules = [
        ca.DatasetDriftRule(name="a", kind="dataset_drift"),
        ca.KeyFeatureDriftRule(name="b", kind="key_feature_drift", columns=("age",)),
        ca.EffectSizeRule(name="c", kind="effect_size", column="age", above=0.1),
        ca.QualityRule(name="d", kind="quality", finding="missing_column"),
        ca.PredictionDriftRule(name="e", kind="prediction_drift"),
        ca.TopKDriftRule(name="f", kind="top_k_drift", k=1),
    ]
    found = check(column("age", drifted=True, effect=1.0), status=status)
    assert [evaluate(rule, found).holds for rule in rules] == [None] * 6


def _retraining(status: str, gate: str | None = None) -> RetrainTrigger:
    verdict = None
    if gate is not None:
        verdict = PromotionGate(
            gate, "production", "roc_auc", 0.71, 0.78, "1", 900, AT, "roc_auc 0.7100 < 0.7800",
            AT,
        )  # fmt: skip
    run = RetrainRun(
        status, "exit 3" if status == "failed" else None, "abc", "1", None, None, AT, AT, AT,  # type: ignore[arg-type]
        AT, AT, "credit", "2" if status == "finished" else None, verdict,
    )  # fmt: skip
    return RetrainTrigger(1, "rt_1", "credit", "rule", "ds", "r", None, AT, "delivered", 1, run=run)


@pytest.mark.parametrize(
    ("retraining", "outcomes", "holds"),
    [
        pytest.param(None, ca.RETRAINING_OUTCOMES, False, id="none-ended"),
        pytest.param(_retraining("finished", "not_promoted"), ("not_promoted",), True,
                     id="not-promoted"),
        pytest.param(_retraining("finished", "promoted"), ca.RETRAINING_OUTCOMES, False,
                     id="promoted"),
        pytest.param(_retraining("failed"), ("not_promoted",), False, id="failed-not-listed"),
        pytest.param(_retraining("failed"), ("failed",), True, id="failed-listed"),
        pytest.param(_retraining("timed_out"), ca.RETRAINING_OUTCOMES, True, id="timed-out"),
        pytest.param(_retraining("finished"), ca.RETRAINING_OUTCOMES, False, id="no-gate"),
    ],
)  # fmt: skip
def test_retraining_outcome_holds_when_the_latest_retraining_ended_so(
    retraining: RetrainTrigger | None, outcomes: tuple[str, ...], holds: bool
) -> None:
    rule = ca.RetrainingOutcomeRule(name="rt", kind="retraining_outcome", outcomes=outcomes)  # type: ignore[arg-type]
    outcome = evaluate(rule, check(), retraining=retraining)
    assert outcome.holds is holds
    if retraining is not None and retraining.run is not None and retraining.run.gate:
        assert "roc_auc 0.7100 for version 2 vs 0.7800 for version 1" in outcome.detail
