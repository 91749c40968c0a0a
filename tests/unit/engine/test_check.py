"""compare(): the decision rule, method selection, quality findings and bad data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from monitor import ColumnOptions, ConfigError, build_baseline, compare


def _data(seed: int, n: int = 3_000, shift: float = 0.0, mix: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p_south = 0.3 + mix
    return pd.DataFrame(
        {
            "income": rng.normal(50 + shift * 10, 10, n),
            "age": rng.normal(40, 8, n),
            "late": rng.poisson(1.0, n),
            "region": rng.choice(["north", "south"], n, p=[1 - p_south, p_south]),
            "owner": rng.random(n) < 0.3 + mix,
            "proba": rng.beta(2, 5 - 3 * mix, n),
        }
    )


def test_identical_data_has_no_drift() -> None:
    data = _data(0)
    report = compare(data, data)
    assert report.drifted_columns == []
    assert all(c.status == "tested" for c in report.columns)


def test_mean_shift_in_one_column_is_flagged_there_only() -> None:
    report = compare(_data(0), _data(1, shift=0.5))
    assert report.drifted_columns == ["income"]
    assert report.column("income").method == "cvm"
    assert report.column("income").effect_method == "wasserstein"


def test_methods_are_chosen_by_kind() -> None:
    report = compare(_data(0), _data(1), prediction="proba")
    methods = {c.name: (c.method, c.effect_method) for c in report.columns}
    assert methods == {
        "income": ("cvm", "wasserstein"),
        "age": ("cvm", "wasserstein"),
        "late": ("chi2", "jsd"),
        "region": ("chi2", "jsd"),
        "owner": ("ztest", "jsd"),
        "proba": ("cvm", "wasserstein"),
    }


def test_category_mix_change_is_flagged() -> None:
    report = compare(_data(0), _data(1, mix=0.3))
    assert {"region", "owner"} <= set(report.drifted_columns)


def test_prediction_drift_is_reported_separately() -> None:
    report = compare(_data(0), _data(1, mix=0.3), prediction="proba")
    assert report.prediction_drift is True
    assert report.column("proba").role == "prediction"
    features = [c for c in report.columns if c.role == "feature"]
    assert report.share_drifted == sum(c.drifted for c in features) / len(features)


def test_significant_but_small_shift_needs_delta_zero_to_flag() -> None:
    reference, current = _data(0, n=200_000), _data(1, n=200_000, shift=0.05)
    assert "income" not in compare(reference, current).drifted_columns
    assert "income" in compare(reference, current, delta=0.0).drifted_columns


def test_large_but_insignificant_shift_needs_alpha_one_to_flag() -> None:
    reference, current = _data(0, n=8), _data(1, n=8, shift=0.3)
    report = compare(reference, current, delta=0.25)
    assert all(not c.drifted for c in report.columns if c.effect_method == "wasserstein")
    loud = compare(reference, current, alpha=1.0, delta=0.25)
    assert "income" in loud.drifted_columns


def test_bh_adjusted_p_values_are_at_least_the_raw_ones() -> None:
    report = compare(_data(0), _data(1, shift=0.2))
    for column in report.columns:
        assert column.p_value is not None and column.p_value_adjusted is not None
        assert column.p_value_adjusted >= column.p_value


def test_per_column_override_changes_method_and_delta() -> None:
    report = compare(
        _data(0),
        _data(1, shift=0.5),
        columns={"income": ColumnOptions(method="ks", delta=5.0)},
    )
    income = report.column("income")
    assert income.method == "ks" and income.delta == 5.0 and not income.drifted


def test_unknown_method_is_a_config_error_naming_the_column() -> None:
    with pytest.raises(ConfigError, match="column 'region' is categorical: test 'ks'"):
        compare(_data(0), _data(1), methods={"region": "ks"})


def test_dataset_drift_follows_drift_share() -> None:
    reference, current = _data(0), _data(1, shift=0.5, mix=0.3)
    report = compare(reference, current, drift_share=0.5)
    assert report.dataset_drift is (report.share_drifted >= 0.5)
    assert compare(reference, current, drift_share=0.01).dataset_drift


def test_report_dict_has_the_documented_shape() -> None:
    out = compare(_data(0), _data(1, shift=0.5)).to_dict()
    for key in (
        "format_version",
        "n_reference",
        "n_current",
        "drifted_columns",
        "share_drifted",
        "dataset_drift",
        "columns",
        "quality",
    ):
        assert key in out
    income = out["columns"]["income"]
    for key in (
        "kind",
        "method",
        "statistic",
        "p_value",
        "p_value_adjusted",
        "effect_size",
        "effect_method",
        "alpha",
        "delta",
        "drifted",
    ):
        assert key in income


def test_missing_and_unexpected_columns_are_findings() -> None:
    current = _data(1).drop(columns=["age"]).assign(extra=1.0)
    report = compare(_data(0), current)
    assert report.column("age").status == "missing_column"
    kinds = {(q.kind, q.column) for q in report.quality}
    assert ("missing_column", "age") in kinds and ("unexpected_column", "extra") in kinds


def test_all_nan_column_gets_no_data_status() -> None:
    current = _data(1).assign(income=np.nan)
    report = compare(_data(0), current)
    assert report.column("income").status == "no_data"
    assert any(q.kind == "missing_rate_change" and q.column == "income" for q in report.quality)


def test_empty_window_is_reported_not_raised() -> None:
    report = compare(_data(0), _data(1).iloc[:0])
    assert report.n_current == 0 and report.drifted_columns == []
    assert {c.status for c in report.columns} == {"no_data"}
    assert any(q.kind == "empty_window" for q in report.quality)


def test_constant_column_does_not_crash() -> None:
    reference = _data(0).assign(age=5.0)
    same = compare(reference, _data(1).assign(age=5.0))
    assert same.column("age").status == "tested" and not same.column("age").drifted
    moved = compare(reference, _data(1).assign(age=6.0))
    assert moved.column("age").drifted


def test_infinite_values_are_excluded_and_reported() -> None:
    current = _data(1)
    current.loc[:9, "income"] = np.inf
    report = compare(_data(0), current)
    assert report.column("income").n_current == len(current) - 10
    assert any(q.kind == "infinite_values" for q in report.quality)


def test_text_in_numeric_column_is_a_dtype_finding() -> None:
    current = _data(1).astype({"age": object})
    current.loc[:4, "age"] = "unknown"
    report = compare(_data(0), current)
    assert any(q.kind == "dtype_mismatch" and q.column == "age" for q in report.quality)
    assert report.column("age").status == "tested"


def test_unseen_categories_and_out_of_range_are_findings() -> None:
    current = _data(1)
    current.loc[:99, "region"] = "mars"
    current.loc[:49, "income"] = 10_000.0
    report = compare(_data(0), current)
    by_kind = {(q.kind, q.column): q for q in report.quality}
    assert by_kind["unseen_categories", "region"].value == pytest.approx(100 / len(current))
    # 50 injected values, plus the few a fresh normal sample puts beyond the reference range
    out_of_range = by_kind["out_of_range", "income"].value
    assert out_of_range is not None and 50 / len(current) <= out_of_range < 60 / len(current)


def test_baseline_and_reference_frame_give_the_same_report() -> None:
    reference, current = _data(0), _data(1, shift=0.3)
    via_frame = compare(reference, current).to_dict()
    via_baseline = compare(build_baseline(reference), current).to_dict()
    assert via_frame == via_baseline


@pytest.mark.parametrize("alpha", [0.0, 1.5, -1.0], ids=["zero", "above-one", "negative"])
def test_alpha_out_of_range_is_refused(alpha: float) -> None:
    with pytest.raises(ConfigError, match="alpha must be in"):
        compare(_data(0), _data(1), alpha=alpha)


def test_a_stored_report_reads_back_equal_to_the_report() -> None:
    """DriftReport.from_dict(report.to_dict()) == report: the store hands readers a typed
    report, not a dict."""
    from monitor.engine.report import DriftReport

    rng = np.random.default_rng(3)
    reference = pd.DataFrame(
        {"income": rng.normal(50, 10, 2_000), "region": rng.choice(["n", "s"], 2_000)}
    )
    current = reference.assign(income=reference["income"] + 8.0)
    report = compare(build_baseline(reference), current)
    again = DriftReport.from_dict(report.to_dict())
    assert again == report
    assert again.verdict() == report.verdict() and again.verdict()[0] == "drifting"
