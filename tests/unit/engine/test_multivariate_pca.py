"""Multivariate drift by PCA reconstruction error (method "pca"): a hand-derived case, the
decorrelated pair on top, categorical structure, the column rule on one test, the
insufficient-data reasons, and its wiring through compare, the report and the command line."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.cli.main import main
from monitor.engine.baseline import build_baseline
from monitor.engine.compare import compare
from monitor.engine.multivariate import (
    MultivariateOptions,
    multivariate_drift,
    pca_reconstruction,
)
from monitor.engine.render import render_text
from monitor.engine.report import DriftReport
from tests.unit.engine._correlated import pairs as _pairs

PCA = MultivariateOptions("pca")


def test_an_exact_pair_turned_against_itself_has_every_error_above_the_baselines() -> None:
    """Baseline b = a (so z_a = z_b) and an independent c: the standardised covariance has
    eigenvalues 2, 1, 0, so PCA keeps two components (cumulative 1.0 >= 0.9) and the
    dropped direction is (1, -1, 0)/sqrt(2), where every baseline row has residual 0. A
    window with b = -a leaves it: a row's residual is (z_a - z_b)/2 = a/s in column a and
    -a/s in column b (s the fit half's sd of a; its mean is about 0), so each of the two
    columns' squared residual grows by mean(a^2)/s^2, about 1, and c's by 0."""
    rng = np.random.default_rng(10)
    a = rng.normal(size=2_000)
    baseline = build_baseline(pd.DataFrame({"a": a, "b": a, "c": rng.normal(size=2_000)}))
    a = rng.normal(size=1_000)
    window = pd.DataFrame({"a": a, "b": -a, "c": rng.normal(size=1_000)})
    result = pca_reconstruction(baseline, window)
    assert (result.status, result.method, result.verdict) == ("tested", "pca", "drift")
    assert result.statistic == 1.0  # every window error above every baseline error
    assert result.p_value is not None and result.p_value < 1e-100
    assert set(result.top_columns) == {"a", "b"}
    first, second = result.importances
    assert first == pytest.approx(second, rel=1e-9)  # the residual splits evenly
    assert first == pytest.approx(1.0, abs=0.1)
    assert (result.n_reference, result.n_current) == (1_000, 1_000)  # the held-out half


def test_lost_correlation_in_one_pair_puts_that_pair_on_top_and_no_column_drifts() -> None:
    rng = np.random.default_rng(0)
    report = compare(_pairs(rng, 3_000, 0.9), _pairs(rng, 3_000, 0.9, 0.0), multivariate="pca")
    joint = report.multivariate
    assert joint is not None and joint.method == "pca" and joint.drifted
    assert set(joint.top_columns[:2]) == {"c", "d"}
    assert joint.effect_size is not None and joint.effect_size > 1.0
    assert report.drifted_columns == []
    status, reason = report.verdict()
    assert status == "drifting" and "drifted (PCA reconstruction error AUC 0." in reason


def test_no_change_is_not_multivariate_drift() -> None:
    rng = np.random.default_rng(1)
    joint = pca_reconstruction(build_baseline(_pairs(rng, 3_000, 0.9)), _pairs(rng, 3_000, 0.9))
    assert joint.status == "tested" and not joint.drifted
    assert joint.statistic is not None and abs(joint.statistic - 0.5) < 0.05
    assert joint.effect_size is not None and joint.effect_size < 0.1


def test_a_categorical_columns_link_to_a_numeric_one_is_seen() -> None:
    """x is 2 in the north and -2 elsewhere in the baseline; in the window the regions are
    shuffled against x (both margins unchanged): only the one-hot encoding of the region
    lets PCA see the link break."""
    rng = np.random.default_rng(4)

    def frame(n: int, linked: bool) -> pd.DataFrame:
        region = rng.choice(["north", "south"], n)
        x = np.where(region == "north", 2.0, -2.0) + rng.normal(size=n)
        return pd.DataFrame(
            {"region": region if linked else rng.permutation(region), "x": x,
             "y": rng.normal(size=n)}
        )  # fmt: skip

    baseline = build_baseline(frame(4_000, True))
    result = pca_reconstruction(baseline, frame(2_000, False))
    assert result.drifted and set(result.top_columns[:2]) == {"region", "x"}
    assert not pca_reconstruction(baseline, frame(2_000, True)).drifted


def test_a_significant_small_change_is_watch_and_threshold_zero_makes_it_drift() -> None:
    """Correlation 0.9 -> 0.89 in one pair at n = 20 000: the errors' AUC about 0.52, p
    about 1e-9, effect about 0.07 < 0.1."""
    rng = np.random.default_rng(2)
    baseline = build_baseline(_pairs(rng, 20_000, 0.9))
    window = _pairs(rng, 20_000, 0.9, 0.89)
    joint = pca_reconstruction(baseline, window)
    assert joint.p_value is not None and joint.p_value < 0.05
    assert joint.effect_size is not None and joint.effect_size < joint.threshold == 0.1
    assert (joint.verdict, joint.drifted) == ("watch", False)
    assert pca_reconstruction(baseline, window, options=replace(PCA, threshold=0.0)).drifted


def test_smaller_errors_in_the_window_are_not_drift() -> None:
    """The test is one-sided: a window whose pair is *more* correlated (0.99) reconstructs
    better than the baseline; the errors moved (large effect) but not upward."""
    rng = np.random.default_rng(3)
    joint = pca_reconstruction(build_baseline(_pairs(rng, 3_000, 0.9)), _pairs(rng, 3_000, 0.99))
    assert joint.effect_size is not None and joint.effect_size > 0.1
    assert joint.p_value is not None and joint.p_value > 0.5
    assert (joint.verdict, joint.drifted) == ("ok", False)


def test_a_shared_rescaling_of_a_column_changes_nothing() -> None:
    """Numeric columns are standardised on the baseline: income in cents or in euros gives
    the same result."""
    rng = np.random.default_rng(5)
    reference, current = _pairs(rng, 1_000, 0.9), _pairs(rng, 1_000, 0.5)
    plain = pca_reconstruction(build_baseline(reference), current)
    scaled = pca_reconstruction(
        build_baseline(reference.assign(a=100 * reference["a"] + 7)),
        current.assign(a=100 * current["a"] + 7),
    )
    assert scaled.statistic == pytest.approx(plain.statistic, abs=1e-9)
    assert scaled.effect_size == pytest.approx(plain.effect_size, rel=1e-6)
    assert scaled.top_columns == plain.top_columns


def test_the_seed_fixes_the_result_and_another_seed_splits_differently() -> None:
    rng = np.random.default_rng(6)
    baseline, window = build_baseline(_pairs(rng, 1_000, 0.9)), _pairs(rng, 1_000, 0.9)
    once = pca_reconstruction(baseline, window, options=replace(PCA, seed=1))
    assert pca_reconstruction(baseline, window, options=replace(PCA, seed=1)) == once
    assert pca_reconstruction(baseline, window, options=replace(PCA, seed=2)) != once


def test_missing_values_new_labels_and_a_constant_column_are_handled() -> None:
    """Missing values become the fit half's mean, a label the baseline never had is
    "other", and a constant column is left out, named in the reason."""
    rng = np.random.default_rng(7)
    reference = _pairs(rng, 1_000, 0.9).assign(constant=1.0)
    current = _pairs(rng, 1_000, 0.9).assign(constant=1.0)
    reference.loc[::7, "a"] = np.nan
    current.loc[::5, "b"] = np.inf
    current.loc[::3, "region"] = "atlantis"
    current.loc[::11, "region"] = None
    joint = pca_reconstruction(build_baseline(reference), current)
    assert joint.status == "tested" and joint.statistic is not None
    assert "constant" not in joint.columns and "constant" in joint.reason
    assert joint.columns == ("a", "b", "c", "d", "noise", "region")


@pytest.mark.parametrize(
    ("frame", "rows", "needle"),
    [
        pytest.param(lambda f: f[["a"]], 300, "needs at least 2", id="one-column"),
        pytest.param(lambda f: f[["a", "b"]], 30, "and 50 window rows", id="thirty-rows"),
        pytest.param(
            lambda f: f[["a"]].assign(k=1.0), 300, "1 usable feature column", id="constant"
        ),
        pytest.param(lambda f: f[["a"]].assign(k=np.nan), 300, "all missing", id="all-missing"),
    ],
)
def test_too_few_columns_or_rows_is_insufficient_data(
    frame: Callable[[pd.DataFrame], pd.DataFrame], rows: int, needle: str
) -> None:
    """``frame`` picks the columns, the same on both sides."""
    rng = np.random.default_rng(8)
    baseline = build_baseline(frame(_pairs(rng, 300, 0.9)))
    joint = compare(baseline, frame(_pairs(rng, rows, 0.9)), multivariate="pca").multivariate
    assert joint is not None and joint.status == "insufficient_data" and needle in joint.reason
    assert joint.method == "pca" and joint.verdict is None and not joint.drifted


def test_a_baseline_sample_too_small_to_split_is_insufficient_data() -> None:
    """80 baseline rows: 40 would fit the PCA and 40 be the reference, under 50 each."""
    rng = np.random.default_rng(9)
    joint = pca_reconstruction(build_baseline(_pairs(rng, 80, 0.9)), _pairs(rng, 500, 0.9))
    assert joint.status == "insufficient_data"
    assert "at least 100 baseline rows" in joint.reason and "80 baseline" in joint.reason


def test_the_dispatch_runs_the_method_the_options_name() -> None:
    rng = np.random.default_rng(11)
    baseline, window = build_baseline(_pairs(rng, 500, 0.9)), _pairs(rng, 500, 0.9)
    assert multivariate_drift(baseline, window, options=PCA).method == "pca"
    assert multivariate_drift(baseline, window).method == "classifier"
    off = multivariate_drift(baseline, window, options=MultivariateOptions("off"))
    assert (off.status, off.method) == ("off", "off")


def test_the_report_round_trips_and_prints_the_pca_line() -> None:
    rng = np.random.default_rng(12)
    report = compare(_pairs(rng, 1_000, 0.9), _pairs(rng, 1_000, 0.0), multivariate=PCA)
    again = DriftReport.from_dict(json.loads(json.dumps(report.to_dict())))
    assert again.multivariate == report.multivariate
    assert "multivariate (pca): DRIFT: error AUC" in render_text(report)


def test_cli_runs_pca_and_takes_a_threshold_above_half(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = np.random.default_rng(13)
    _pairs(rng, 2_000, 0.9).to_csv(tmp_path / "reference.csv", index=False)
    _pairs(rng, 2_000, 0.0).to_csv(tmp_path / "current.csv", index=False)
    args = ["check", "--reference", str(tmp_path / "reference.csv")]
    args += ["--current", str(tmp_path / "current.csv"), "--multivariate", "pca"]
    assert main([*args, "--format", "json"]) == 1
    joint = json.loads(capsys.readouterr().out)["multivariate"]
    assert (joint["method"], joint["drifted"], joint["threshold"]) == ("pca", True, 0.1)
    # a tolerance of W1/sd may exceed the classifier's 0.5: here it hides a large shift
    assert main([*args, "--multivariate-threshold", "1000"]) == 0
    assert "multivariate (pca): watch (small)" in capsys.readouterr().out
