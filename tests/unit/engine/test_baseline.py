"""Baseline building, saving and loading."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor import BaselineError, BaselineNotFound, ConfigError, build_baseline
from monitor.engine.baseline_file import load_baseline, save_baseline


@pytest.fixture
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 2_000
    income = rng.lognormal(10, 0.5, n)
    income[:20] = np.nan
    return pd.DataFrame(
        {
            "record_id": [f"r{i}" for i in range(n)],
            "income": income,
            "age": rng.integers(18, 80, n),
            "late": rng.poisson(0.5, n),
            "region": rng.choice(["north", "south", "east"], n),
            "owner": rng.random(n) < 0.3,
            "when": pd.date_range("2026-01-01", periods=n, freq="h"),
            "default": rng.integers(0, 2, n),
            "proba": rng.random(n),
        }
    )


def test_schema_kinds_are_inferred(frame: pd.DataFrame) -> None:
    baseline = build_baseline(frame, target="default", prediction="proba")
    kinds = {name: col.kind for name, col in baseline.columns.items()}
    assert kinds == {
        "record_id": "identifier",
        "income": "numeric",
        "age": "numeric",
        "late": "numeric",
        "region": "categorical",
        "owner": "boolean",
        "when": "datetime",
        "default": "numeric",
        "proba": "numeric",
    }
    assert baseline.columns["default"].role == "target"
    assert baseline.columns["proba"].role == "prediction"


def test_numeric_summary_holds_range_missing_rate_and_sorted_sample(frame: pd.DataFrame) -> None:
    income = build_baseline(frame).columns["income"]
    clean = frame["income"].dropna()
    assert income.missing_rate == pytest.approx(20 / 2_000)
    assert income.nullable
    assert income.minimum == clean.min() and income.maximum == clean.max()
    assert income.sample is not None and np.all(np.diff(income.sample) >= 0)
    assert income.sample.size == clean.size


def test_quantile_bins_count_every_value(frame: pd.DataFrame) -> None:
    income = build_baseline(frame).columns["income"]
    assert income.bin_counts is not None and income.bin_edges is not None
    assert int(income.bin_counts.sum()) == frame["income"].notna().sum()
    assert income.bin_counts.size == income.bin_edges.size + 1


def test_sample_is_capped_and_seeded(frame: pd.DataFrame) -> None:
    first = build_baseline(frame, sample_size=100, seed=3).columns["age"].sample
    second = build_baseline(frame, sample_size=100, seed=3).columns["age"].sample
    other = build_baseline(frame, sample_size=100, seed=4).columns["age"].sample
    assert first is not None and second is not None and other is not None
    assert first.size == 100
    assert np.array_equal(first, second)
    assert not np.array_equal(first, other)


def test_low_cardinality_integers_are_kept_as_discrete(frame: pd.DataFrame) -> None:
    late = build_baseline(frame).columns["late"]
    assert late.is_discrete and late.categories is not None
    assert late.category_counts is not None and int(late.category_counts.sum()) == 2_000


def test_category_frequencies(frame: pd.DataFrame) -> None:
    region = build_baseline(frame).columns["region"]
    assert region.categories == ("east", "north", "south")
    assert region.category_counts is not None
    expected = frame["region"].value_counts()
    assert [int(expected[c]) for c in region.categories] == region.category_counts.tolist()


def test_unknown_named_column_is_a_config_error(frame: pd.DataFrame) -> None:
    with pytest.raises(ConfigError, match="target: column\\(s\\) \\['label'\\] not in the data"):
        build_baseline(frame, target="label")


def test_round_trip_through_file_keeps_everything(frame: pd.DataFrame, tmp_path: Path) -> None:
    baseline = build_baseline(frame, target="default", prediction="proba")
    loaded = load_baseline(save_baseline(baseline, tmp_path / "b.driftline"))
    assert loaded.target == "default" and loaded.prediction == "proba"
    assert list(loaded.columns) == list(baseline.columns)
    for name, column in baseline.columns.items():
        other = loaded.columns[name]
        assert (column.kind, column.role, column.n_missing) == (
            other.kind,
            other.role,
            other.n_missing,
        )
        if column.sample is not None:
            assert other.sample is not None and np.array_equal(column.sample, other.sample)
        assert column.categories == other.categories


def test_missing_file_says_how_to_build_one(tmp_path: Path) -> None:
    with pytest.raises(BaselineNotFound, match="driftline baseline build"):
        load_baseline(tmp_path / "absent.driftline")


def test_corrupt_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "corrupt.driftline"
    path.write_bytes(b"not a zip at all")
    with pytest.raises(BaselineError, match="corrupt or not a Driftline baseline"):
        load_baseline(path)


def test_other_format_version_is_refused(frame: pd.DataFrame, tmp_path: Path) -> None:
    path = save_baseline(build_baseline(frame), tmp_path / "b.driftline")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["baseline.json"])
    manifest["format_version"] = 99
    members["baseline.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(BaselineError, match="format_version 99"):
        load_baseline(path)


def test_million_row_twenty_column_file_is_under_twenty_megabytes(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    n = 1_000_000
    data = {f"x{i}": rng.normal(size=n) for i in range(16)}
    for i in range(4):
        data[f"c{i}"] = rng.choice(np.array(["a", "b", "c", "d", "e"]), n)
    path = save_baseline(build_baseline(pd.DataFrame(data)), tmp_path / "big.driftline")
    assert path.stat().st_size < 20 * 1024 * 1024
