"""The ``multivariate_drift`` rule kind: holds on the check's multivariate ``drift``
verdict only; ``watch`` and ``ok`` are clear; no multivariate test is "cannot tell"."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import pytest

import monitor.config.alerts as ca
from alerts.conditions import evaluate
from alerts.rules import RuleState, next_state
from monitor.config import load_config
from monitor.engine.report import DriftReport, MultivariateResult
from monitor.store import CheckDetail, CheckStatus, CheckSummary

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
RULE = ca.MultivariateDriftRule(name="joint", kind="multivariate_drift")


def _check(joint: MultivariateResult | None, status: CheckStatus = "ok") -> CheckDetail:
    summary = CheckSummary(
        7, "credit", AT, AT + dt.timedelta(hours=1), status, "why", 0.0, None, 4_000,
        None, None, None, AT, AT,
    )  # fmt: skip
    report = DriftReport(
        n_reference=2_000, n_current=2_000, columns=(), quality=(), alpha=0.05,
        delta_numeric=0.1, delta_categorical=0.1, drift_share=0.5, correction="holm",
        multivariate=joint,
    )  # fmt: skip
    return CheckDetail(summary, (), (), report)


def _tested(p_value: float, effect: float, *, threshold: float = 0.05) -> MultivariateResult:
    drifted = p_value < 0.05 and effect >= threshold
    return MultivariateResult(
        "tested", statistic=0.5 + effect, p_value=p_value, effect_size=effect,
        threshold=threshold, drifted=drifted, top_columns=("income", "age") if drifted else (),
        n_reference=2_000, n_current=2_000, columns=("income", "age", "debt"),
    )  # fmt: skip


CASES = [
    pytest.param(_tested(1e-9, 0.17), True, "drifted", id="drift-holds"),
    pytest.param(_tested(0.049, 0.05), True, "drifted", id="drift-at-threshold-holds"),
    pytest.param(_tested(1e-6, 0.049), False, "watch", id="watch-never-fires"),
    pytest.param(_tested(0.051, 0.2), False, "ok", id="large-but-not-significant-ok"),
    pytest.param(_tested(0.6, -0.01), False, "ok", id="null-ok"),
    pytest.param(
        MultivariateResult("insufficient_data", reason="fewer than 50 rows on a side"),
        None, "fewer than 50 rows", id="insufficient-data-unknown",
    ),
    pytest.param(MultivariateResult("off"), None, "off", id="off-unknown"),
    pytest.param(None, None, "not run", id="no-multivariate-result-unknown"),
]  # fmt: skip


@pytest.mark.parametrize(("joint", "holds", "detail"), CASES)
def test_multivariate_drift_condition(
    joint: MultivariateResult | None, holds: bool | None, detail: str
) -> None:
    outcome = evaluate(RULE, _check(joint))
    assert outcome.holds is holds
    assert detail in outcome.detail


def test_the_reason_names_the_top_columns_and_the_auc() -> None:
    outcome = evaluate(RULE, _check(_tested(1e-9, 0.17)))
    assert "income, age" in outcome.detail and "AUC 0.670" in outcome.detail


def test_the_reason_names_the_pca_method_and_its_statistic() -> None:
    joint = replace(_tested(1e-9, 0.4, threshold=0.1), method="pca")
    outcome = evaluate(RULE, _check(joint))
    assert outcome.holds is True
    assert "PCA reconstruction error AUC 0.900" in outcome.detail
    assert "domain classifier" not in outcome.detail


@pytest.mark.parametrize("status", ["failed", "insufficient_data"])
def test_a_check_that_could_not_tell_is_unknown(status: CheckStatus) -> None:
    assert evaluate(RULE, _check(_tested(1e-9, 0.17), status=status)).holds is None


def test_a_stored_report_without_a_report_is_unknown() -> None:
    detail = _check(None)
    detail = CheckDetail(detail.summary, (), (), None)
    assert evaluate(RULE, detail).holds is None


def test_watch_windows_never_raise_the_alert() -> None:
    """Ten windows on watch in a row leave a for-2 rule ok; two drift windows fire it."""
    rule = ca.MultivariateDriftRule(name="joint", kind="multivariate_drift", **{"for": 2})
    state = RuleState()
    for _ in range(10):
        moved = next_state(state, evaluate(rule, _check(_tested(1e-6, 0.03))), rule, now=AT)
        state = RuleState(moved.state, moved.streak)
    assert state.state == "ok"
    for _ in range(2):
        moved = next_state(state, evaluate(rule, _check(_tested(1e-9, 0.2))), rule, now=AT)
        state = RuleState(moved.state, moved.streak)
    assert state.state == "firing"


def test_the_kind_is_accepted_in_driftline_yaml(tmp_path: Path) -> None:
    path = tmp_path / "driftline.yaml"
    path.write_text(
        "monitors:\n  - name: m\n    baseline: b.json\n    schedule: {interval: 1h}\n"
        "    alerts:\n      rules:\n        - {name: joint, kind: multivariate_drift, for: 2}\n"
    )
    (rule,) = load_config(path).monitors[0].alerts.rules
    assert isinstance(rule, ca.MultivariateDriftRule) and rule.for_ == 2
