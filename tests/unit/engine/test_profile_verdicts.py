"""Below k rows, checking a window's profile decides exactly as the pre-profile compare did.

``_legacy_compare.py`` is a verbatim copy of ``monitor/engine/compare.py`` as it was before
the profile path existed (it tested the window's rows directly). Each case runs both on
the same baseline and window and asserts the same flagged columns, the same per-column
results (p-values, effect sizes, PSI, histograms) and the same quality findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor.engine.baseline import Baseline, build_baseline
from monitor.engine.compare import compare
from monitor.engine.profile import merge, profile_of
from tests.unit.engine._legacy_compare import compare as legacy_compare

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"


def _without_n_sample(report: Any) -> dict[str, Any]:
    data: dict[str, Any] = report.to_dict()
    for column in data["columns"].values():
        column.pop("n_sample", None)
    data.pop("created_at", None)
    # the multivariate classifier sees the window's rows in the sample's (key) order, which
    # changes its folds; it is calibrated on its own (tests/calibration)
    data.pop("multivariate", None)
    return data


def _assert_same(baseline: Baseline, current: pd.DataFrame, **options: Any) -> list[str]:
    old = legacy_compare(baseline, current, workers=1, **options)
    new = compare(baseline, current, workers=1, **options)
    assert new.drifted_columns == old.drifted_columns
    assert _without_n_sample(new) == _without_n_sample(old)
    # the profile path given explicitly, as two merged halves, decides the same
    half = len(current) // 2
    merged = merge(
        profile_of(current.iloc[:half], baseline, stream="a"),
        profile_of(current.iloc[half:], baseline, stream="b"),
    )
    again = compare(baseline, merged, workers=1, **options)
    assert again.drifted_columns == old.drifted_columns
    assert [c.p_value for c in again.columns] == [c.p_value for c in old.columns]
    return list(old.drifted_columns)


@pytest.fixture(scope="module")
def sample_baseline() -> Baseline:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    return build_baseline(
        reference, target="default", prediction="predicted_proba", ignore=["record_id"]
    )


@pytest.mark.parametrize(
    "name", ["current_no_drift.csv", "current_income_drift.csv", "current_severe_drift.csv"]
)
def test_sample_data_verdicts_are_unchanged(sample_baseline: Baseline, name: str) -> None:
    current = pd.read_csv(SAMPLE / name).drop(columns=["record_id"])
    flagged = _assert_same(sample_baseline, current)
    if name == "current_no_drift.csv":
        assert flagged == []
    else:
        assert flagged  # the drifted files are flagged, and identically


def _frame(rng: np.random.Generator, n: int, columns: int, shift: float) -> pd.DataFrame:
    data = rng.normal(size=(n, columns)) + shift
    return pd.DataFrame(data, columns=[f"x{i:02d}" for i in range(columns)])


def test_calibration_cases_are_unchanged() -> None:
    """The calibration's no-drift and moderate-shift checks (fewer of them), old and new."""
    rng = np.random.default_rng(20261127)
    flagged = 0
    for shift in [0.0] * 8 + [0.2] * 8:
        reference = build_baseline(_frame(rng, 1_000, 20, 0.0))
        flagged += len(_assert_same(reference, _frame(rng, 1_000, 20, shift)))
    assert flagged > 0


def test_mixed_kinds_and_dirty_values_are_unchanged() -> None:
    rng = np.random.default_rng(5)
    n = 4_000
    reference = pd.DataFrame(
        {
            "income": rng.normal(50, 10, n),
            "late": rng.poisson(1.0, n),
            "region": rng.choice(["north", "south", "east"], n, p=[0.5, 0.3, 0.2]),
            "owner": rng.random(n) < 0.3,
            "proba": rng.beta(2, 5, n),
        }
    )
    baseline = build_baseline(reference)
    current = pd.DataFrame(
        {
            "income": np.where(rng.random(n) < 0.1, np.nan, rng.normal(56, 14, n)),
            "late": rng.poisson(1.6, n),
            "region": rng.choice(["north", "south", "west"], n, p=[0.3, 0.3, 0.4]),
            "owner": rng.random(n) < 0.5,
            "extra": 1.0,
        }
    ).astype({"income": object})
    current.loc[:9, "income"] = "n/a"
    current.loc[10:14, "income"] = np.inf
    flagged = _assert_same(baseline, current)
    assert "income" in flagged and "region" in flagged
    _assert_same(baseline, current, methods={"late": "ks"}, alpha=1.0)
