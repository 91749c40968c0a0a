"""Profiles: their file, its version, the statistics above k rows and their bounds."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from monitor.engine.baseline import build_baseline
from monitor.engine.compare import binned_wasserstein, compare
from monitor.engine.profile import (
    MAX_UNSEEN,
    load_profile,
    merge_all,
    profile_of,
    save_profile,
)
from monitor.errors import ConfigError, InputError
from monitor.stats.wasserstein import wasserstein


def _data(seed: int, n: int, shift: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(shift, 1 + shift, n),
            "late": rng.poisson(1.0 + shift, n),
            "region": rng.choice(["n", "s", "e"], n, p=[0.5 - shift / 4, 0.3, 0.2 + shift / 4]),
            "owner": rng.random(n) < 0.3,
        }
    )


def test_a_profile_file_round_trips_and_checks_the_same(tmp_path: Path) -> None:
    baseline = build_baseline(_data(0, 5_000))
    current = _data(1, 3_000, shift=0.3)
    profile = profile_of(current, baseline, k=1_000)
    loaded = load_profile(save_profile(profile, tmp_path / "w.profile"))
    assert loaded.n_rows == 3_000 and len(loaded.sample) == 1_000
    pd.testing.assert_frame_equal(loaded.sample, profile.sample)
    before, after = compare(baseline, profile), compare(baseline, loaded)
    assert after.to_dict()["columns"] == before.to_dict()["columns"]


def test_a_complete_window_checks_the_same_from_its_kept_sort_as_from_its_sample(
    tmp_path: Path,
) -> None:
    """profile_of keeps a complete window's sorted values for the check; the profile after
    a file round trip (which keeps no sort) gives the same report, to the bit."""
    baseline = build_baseline(_data(0, 5_000))
    current = _data(1, 3_000, shift=0.3)
    current.loc[::7, "x"] = np.nan
    profile = profile_of(current, baseline)
    assert profile.complete and profile.columns["x"].ordered is not None
    loaded = load_profile(save_profile(profile, tmp_path / "w.profile"))
    assert loaded.columns["x"].ordered is None
    before, after = compare(baseline, profile), compare(baseline, loaded)
    assert after.to_dict()["columns"] == before.to_dict()["columns"]
    assert before.column("x").n_sample == int(current["x"].notna().sum())


def test_a_profile_of_another_format_version_is_refused_with_the_fix(tmp_path: Path) -> None:
    baseline = build_baseline(_data(0, 500))
    path = save_profile(profile_of(_data(1, 100), baseline), tmp_path / "w.profile")
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(members["profile.json"])
    manifest["format_version"] = 99
    members["profile.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    refused = r"format_version 99.*reads format_version 1.*profile the data again"
    with pytest.raises(InputError, match=refused):
        load_profile(path)
    (tmp_path / "junk.profile").write_bytes(b"not a zip")
    with pytest.raises(InputError, match="corrupt"):
        load_profile(tmp_path / "junk.profile")


def test_above_k_rows_tests_see_the_sample_and_effects_the_full_counts() -> None:
    baseline = build_baseline(_data(0, 20_000))
    current = _data(1, 30_000, shift=0.4)
    report = compare(baseline, current, sample_rows=5_000)
    exact = compare(baseline, current, sample_rows=30_000)
    for column in report.columns:
        assert column.n_sample == 5_000
        assert column.n_current == 30_000
        assert exact.column(column.name).n_sample == 30_000
        # histograms and PSI come from every value, so they equal the exact path's
        assert column.histogram == exact.column(column.name).histogram
        assert column.psi == exact.column(column.name).psi
    assert report.to_dict()["columns"]["x"]["n_sample"] == 5_000
    # the numeric effect size from the fine histogram is close to the exact one
    assert report.column("x").effect_size == pytest.approx(exact.column("x").effect_size, abs=0.01)
    assert report.drifted_columns == exact.drifted_columns


def test_binned_wasserstein_is_close_to_the_exact_distance() -> None:
    rng = np.random.default_rng(4)
    reference = np.sort(rng.normal(size=50_000))
    current = rng.gamma(2.0, 1.0, size=80_000)
    baseline = build_baseline(pd.DataFrame({"x": reference}))
    column = profile_of(pd.DataFrame({"x": current}), baseline).columns["x"]
    assert column.edges is not None and column.counts is not None
    assert column.minimum is not None and column.maximum is not None
    approx = binned_wasserstein(
        baseline.columns["x"].sample, column.edges, column.counts, column.minimum, column.maximum
    )
    exact = wasserstein(baseline.columns["x"].sample, current).statistic
    assert approx == pytest.approx(exact, rel=0.02)


def test_unseen_categories_beyond_the_bound_are_pooled_as_other() -> None:
    baseline = build_baseline(_data(0, 1_000))
    labels = [f"new{i}" for i in range(MAX_UNSEEN + 500)]
    current = pd.DataFrame({"region": labels + ["n"] * 10})
    profile = profile_of(current, baseline)
    counts = profile.columns["region"].categories
    assert counts is not None
    assert len(counts) == MAX_UNSEEN + 2  # the kept unseen, "n" and "__other__"
    assert counts["__other__"] == 500 and counts["n"] == 10
    assert sum(counts.values()) == len(current)


def test_profiles_of_different_baselines_do_not_merge() -> None:
    one = profile_of(_data(1, 100), build_baseline(_data(0, 1_000)))
    other = profile_of(_data(1, 100), build_baseline(_data(5, 1_000, shift=2.0)))
    with pytest.raises(ConfigError, match="different histogram edges"):
        merge_all([one, other])
