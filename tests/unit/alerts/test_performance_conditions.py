"""The performance_drop and top_k_drift conditions, with boundaries in pairs."""

from __future__ import annotations

import datetime as dt
import math
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

import monitor.config.alerts as ca
from alerts.conditions import evaluate
from monitor.engine.performance_report import EstimatedPerformance, RealisedPerformance
from monitor.engine.report import ColumnImpact, DriftReport
from monitor.stats import CbpeEstimate
from monitor.store import CheckDetail, CheckStatus, CheckSummary, WindowPerformance

AT = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
BASELINE = {"accuracy": 0.75, "f1": 0.5, "roc_auc": 0.5}


def check(impact: list[dict[str, Any]] | None = None, status: CheckStatus = "ok") -> CheckDetail:
    summary = CheckSummary(
        7, "credit", AT, AT + dt.timedelta(hours=1), status, "why", 0.0, None, 100,
        None, None, None, AT, AT,
    )  # fmt: skip
    report = None if impact is None else _report(impact)
    return CheckDetail(summary, (), (), report)


def _report(impact: list[dict[str, Any]]) -> DriftReport:
    return DriftReport(
        100, 100, (), (), 0.05, 0.1, 0.1, 0.5, "bh",
        impact=tuple(
            ColumnImpact(i["name"], 0.5, i["importance_rank"], "model", "wasserstein", 0.2, 0.1,
                         i["drifted"])
            for i in impact
        ),
    )  # fmt: skip


def estimated(value: float, *, baseline: dict[str, float] = BASELINE) -> WindowPerformance:
    estimate = CbpeEstimate(
        n=100, expected_tp=1.0, expected_fp=1.0, expected_fn=1.0, expected_tn=1.0,
        estimates={"accuracy": value}, lower={"accuracy": value - 0.0625},
        upper={"accuracy": value + 0.0625}, confidence=0.95, n_draws=10, seed=0,
    )  # fmt: skip
    return WindowPerformance(
        "credit", AT, AT + dt.timedelta(hours=1),
        estimated=EstimatedPerformance(100, estimate, baseline),
    )  # fmt: skip


def realised(value: float, n_labelled: int = 50) -> WindowPerformance:
    result = RealisedPerformance(
        task="binary", n_records=100, n_labelled=n_labelled, n_unusable_labels=0,
        metrics={"accuracy": value} if n_labelled else {}, baseline_metrics=BASELINE,
    )  # fmt: skip
    return WindowPerformance("credit", AT, AT + dt.timedelta(hours=1), realised=result)


def rule(**fields: Any) -> ca.PerformanceDropRule:
    return ca.PerformanceDropRule.model_validate(
        {"name": "perf", "kind": "performance_drop", **fields}
    )


@pytest.mark.parametrize(
    ("fields", "value", "holds"),
    [
        pytest.param({"below": 0.5}, 0.5, False, id="below-equal-does-not-hold"),
        pytest.param({"below": 0.5}, 0.4999, True, id="below-under-holds"),
        pytest.param({"drop": 0.25}, 0.5, False, id="drop-equal-does-not-hold"),
        pytest.param({"drop": 0.25}, 0.4999, True, id="drop-more-holds"),
        pytest.param({"drop_relative": 0.5}, 0.375, False, id="relative-equal-does-not-hold"),
        pytest.param({"drop_relative": 0.5}, 0.3749, True, id="relative-more-holds"),
    ],
)
def test_estimated_performance_drop(fields: dict[str, Any], value: float, holds: bool) -> None:
    outcome = evaluate(rule(**fields), check(), estimated(value))
    assert outcome.holds is holds
    assert "estimated accuracy" in outcome.detail
    assert f"[{value - 0.0625:.4g}, {value + 0.0625:.4g}]" in outcome.detail  # the band


@pytest.mark.parametrize(
    ("n_labelled", "holds"),
    [
        pytest.param(10, True, id="coverage-equal-min-is-evaluated"),
        pytest.param(9, None, id="coverage-under-min-is-unknown"),
    ],
)
def test_realised_performance_needs_label_coverage(n_labelled: int, holds: bool | None) -> None:
    drop = rule(source="realised", drop=0.25, min_label_coverage=0.1)
    outcome = evaluate(drop, check(), realised(0.25, n_labelled=n_labelled))
    assert outcome.holds is holds
    if holds is None:
        assert "label coverage 9.0% < 10.0%" in outcome.detail


@pytest.mark.parametrize(
    ("value", "holds"),
    [pytest.param(0.5, False, id="realised-drop-equal"), pytest.param(0.4999, True, id="more")],
)
def test_realised_performance_drop(value: float, holds: bool) -> None:
    outcome = evaluate(rule(source="realised", drop=0.25), check(), realised(value))
    assert outcome.holds is holds
    assert "realised accuracy" in outcome.detail


@pytest.mark.parametrize(
    ("performance", "source", "why"),
    [
        pytest.param(None, "estimated", "no performance stored", id="none-stored"),
        pytest.param(realised(0.9), "estimated", "no estimated performance", id="no-estimate"),
        pytest.param(estimated(0.9), "realised", "no realised performance", id="no-realised"),
        pytest.param(realised(0.9, 0), "realised", "label coverage 0.0%", id="no-labels"),
        pytest.param(estimated(math.nan), "estimated", "not available", id="nan-metric"),
        pytest.param(
            estimated(0.5, baseline={}), "estimated", "baseline has no accuracy", id="no-base"
        ),
    ],
)
def test_performance_drop_is_unknown_without_a_usable_value(
    performance: WindowPerformance | None, source: str, why: str
) -> None:
    outcome = evaluate(rule(source=source, drop=0.1), check(), performance)
    assert outcome.holds is None
    assert why in outcome.detail


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({}, "exactly one of below, drop or drop_relative", id="no-threshold"),
        pytest.param({"below": 0.5, "drop": 0.1}, "exactly one", id="two-thresholds"),
        pytest.param({"metric": "rmse", "below": 0.5}, "unknown metric 'rmse'", id="metric"),
        pytest.param(
            {"below": 0.5, "min_label_coverage": 0.2}, "source: realised only", id="coverage"
        ),
    ],
)
def test_performance_drop_config_errors_say_what_to_fix(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        rule(**fields)


def _impact(name: str, rank: int, drifted: bool) -> dict[str, Any]:
    return {"name": name, "importance_rank": rank, "drifted": drifted}


@pytest.mark.parametrize(
    ("drifted_rank", "holds"),
    [pytest.param(2, True, id="rank-equal-k-holds"), pytest.param(3, False, id="rank-above-k")],
)
def test_top_k_drift(drifted_rank: int, holds: bool) -> None:
    impact = [_impact(f"f{r}", r, r == drifted_rank) for r in (1, 2, 3)]
    outcome = evaluate(ca.TopKDriftRule(name="t", kind="top_k_drift", k=2), check(impact))
    assert outcome.holds is holds
    assert ("f2 (#2)" in outcome.detail) is holds


def test_top_k_drift_is_unknown_without_an_importance_ranking() -> None:
    outcome = evaluate(ca.TopKDriftRule(name="t", kind="top_k_drift"), check([]))
    assert outcome.holds is None and "no importance ranking" in outcome.detail


def test_the_documented_performance_rules_validate() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "configuration.md").read_text()
    block = re.search(r"`performance_drop` fields.*?```yaml\n(.*?)```", text, re.S)
    assert block is not None
    section = ca.AlertsConfig.model_validate(yaml.safe_load(block.group(1)))
    assert [rule.kind for rule in section.rules] == [
        "performance_drop", "performance_drop", "top_k_drift",
    ]  # fmt: skip


def test_the_performance_page_rules_validate() -> None:
    text = (Path(__file__).resolve().parents[3] / "docs" / "performance.md").read_text()
    block = re.search(r"<!-- performance-rules -->\n```yaml\n(.*?)```", text, re.S)
    assert block is not None
    section = ca.AlertsConfig.model_validate(yaml.safe_load(block.group(1)))
    assert [rule.kind for rule in section.rules] == ["performance_drop"] * 3 + ["top_k_drift"]
