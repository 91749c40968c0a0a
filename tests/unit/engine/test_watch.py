"""The third verdict, ``watch``: significant (adjusted p below alpha) but below the
tolerance δ; reported in the report, its JSON and the table, never counted as drift. The
prediction column has its own tolerance."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import monitor.config.alerts as ca
from alerts.conditions import evaluate
from monitor.cli.main import main
from monitor.engine.compare import compare
from monitor.engine.defaults import DEFAULT_DELTA_PREDICTION
from monitor.engine.report import DriftReport
from monitor.store import CheckDetail, CheckSummary

N = 20_000


def _frames(shift: float, prediction_shift: float = 0.0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)

    def frame(offset: float, prediction_offset: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "small": rng.normal(offset, 1.0, N),
                "stable": rng.normal(0.0, 1.0, N),
                "score": rng.normal(prediction_offset, 1.0, N),
            }
        )

    return frame(0.0, 0.0), frame(shift, prediction_shift)


def test_a_significant_shift_below_delta_is_watch_not_drift() -> None:
    """A 0.07-sd shift at n = 20 000 is significant but below δ = 0.1."""
    reference, current = _frames(0.07)
    report = compare(reference, current, prediction="score")
    small = report.column("small")
    assert small.p_value_adjusted is not None and small.p_value_adjusted < 0.05
    assert small.effect_size is not None and small.effect_size < 0.1
    assert (small.verdict, small.drifted) == ("watch", False)
    assert report.column("stable").verdict == "ok"
    assert report.watch_columns == ["small"]
    assert report.drifted_columns == [] and report.verdict()[0] == "ok"
    data = report.to_dict()
    assert data["columns"]["small"]["verdict"] == "watch"
    assert data["watch_columns"] == ["small"]
    assert DriftReport.from_dict(data).column("small").verdict == "watch"


def test_no_watch_when_p_values_are_switched_off() -> None:
    """With alpha = 1 there is no significance to speak of: below δ is ``ok``."""
    reference, current = _frames(0.07)
    assert compare(reference, current, alpha=1.0).column("small").verdict == "ok"


def test_cli_table_and_json_show_watch_and_exit_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    reference, current = _frames(0.07)
    reference.to_parquet(tmp_path / "reference.parquet")
    current.to_parquet(tmp_path / "current.parquet")
    args = ["check", "--reference", str(tmp_path / "reference.parquet")]
    args += ["--current", str(tmp_path / "current.parquet")]
    assert main(args) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("small"))
    assert row.rstrip().endswith("watch (small)")
    assert "1 on watch" in out
    assert main([*args, "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["columns"]["small"]["verdict"] == "watch"


@pytest.mark.parametrize(
    ("delta_prediction", "verdict"),
    [
        pytest.param(0.2, "watch", id="own-tolerance-0.2-watch"),
        pytest.param(0.1, "drift", id="default"),
    ],
)
def test_prediction_has_its_own_tolerance(delta_prediction: float, verdict: str) -> None:
    """A 0.15-sd prediction shift: drift at the default 0.1, watch at 0.2; features keep δ."""
    assert DEFAULT_DELTA_PREDICTION == 0.1
    reference, current = _frames(0.0, prediction_shift=0.15)
    report = compare(reference, current, prediction="score", delta_prediction=delta_prediction)
    score = report.column("score")
    assert (score.verdict, score.delta) == (verdict, delta_prediction)
    assert report.prediction_verdict == verdict
    assert report.column("stable").delta == 0.1
    assert report.to_dict()["delta"]["prediction"] == delta_prediction


def test_a_watch_prediction_never_fires_a_prediction_drift_rule() -> None:
    reference, current = _frames(0.0, prediction_shift=0.15)
    report = compare(reference, current, prediction="score", delta_prediction=0.2)
    status, reason = report.verdict()
    summary = CheckSummary(
        1, "m", *[pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()] * 2, status, reason,
        report.share_drifted, False, N, None, None, None,
        *[pd.Timestamp("2026-01-01", tz="UTC").to_pydatetime()] * 2,
    )  # fmt: skip
    detail = CheckDetail(summary, report.columns, report.quality, report)
    rule = ca.PredictionDriftRule(name="p", kind="prediction_drift")
    assert report.prediction_verdict == "watch"
    assert evaluate(rule, detail).holds is False
