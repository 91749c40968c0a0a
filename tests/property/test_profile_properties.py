"""Profiles: merge is associative and commutative, the profile of a concatenation is the
merge of its parts' profiles (counts exactly, sample exactly given the rows' keys), and the
bottom-k sample of merged parts is uniform over the rows."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from monitor.engine.baseline import build_baseline
from monitor.engine.profile import (
    Profile,
    ProfileSpec,
    merge,
    profile_of,
    profile_spec,
    row_keys,
)

_rng = np.random.default_rng(3)
_REFERENCE = pd.DataFrame(
    {
        "x": _rng.normal(0, 1, 2_000),
        "n": _rng.integers(0, 6, 2_000),
        "c": _rng.choice(["a", "b", "c"], 2_000),
        "f": _rng.random(2_000) < 0.4,
    }
)
_BASELINE = build_baseline(_REFERENCE)


def _spec(k: int) -> ProfileSpec:
    # few kept unseen labels, so the pooling rule is exercised too
    return replace(profile_spec(_BASELINE, k=k), max_unseen=2)


_floats = st.one_of(
    st.floats(-5, 5, allow_nan=False, width=32),
    st.sampled_from([np.nan, np.inf, -np.inf, 0.0]),
)


@st.composite
def _frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 30))
    x = draw(st.lists(_floats, min_size=n, max_size=n))
    m = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    c = draw(
        st.lists(st.sampled_from(["a", "b", "c", "d", "e", "z", None]), min_size=n, max_size=n)
    )
    f = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    frame = pd.DataFrame(
        {
            "x": np.array(x, dtype=np.float64),
            "n": np.array(m, dtype=np.int64),
            "c": pd.Series(c, dtype=object),
            "f": np.array(f, dtype=bool),
        }
    )
    drop = draw(st.sampled_from([None, "x", "c"]))  # a part may lack a column
    return frame if drop is None else frame.drop(columns=[drop])


def _state(profile: Profile) -> dict[str, Any]:
    columns = {}
    for name, column in profile.columns.items():
        data = column.to_dict()
        data["values"] = None if column.values is None else dict(column.values)
        columns[name] = data
    sample = profile.sample
    return {
        "n_rows": profile.n_rows,
        "names": profile.names,
        "columns": columns,
        "sample_columns": list(sample.columns),
        "keys": sample["__key__"].tolist(),
        "rows": [
            tuple("nan" if isinstance(v, float) and np.isnan(v) else v for v in row)
            for row in sample.astype(object).itertuples(index=False)
        ],
    }


def _profile(frame: pd.DataFrame, spec: ProfileSpec, stream: str) -> Profile:
    return profile_of(frame, spec, stream=stream)


@settings(max_examples=60, deadline=None)
@given(_frames(), _frames(), _frames(), st.integers(2, 12))
def test_merge_is_associative_and_commutative(
    a: pd.DataFrame, b: pd.DataFrame, c: pd.DataFrame, k: int
) -> None:
    spec = _spec(k)
    pa, pb, pc = _profile(a, spec, "a"), _profile(b, spec, "b"), _profile(c, spec, "c")
    left = merge(merge(pa, pb, known=spec.known), pc, known=spec.known)
    right = merge(pa, merge(pb, pc, known=spec.known), known=spec.known)
    assert _state(left) == _state(right)
    assert _state(merge(pa, pb, known=spec.known)) == _state(merge(pb, pa, known=spec.known))


@settings(max_examples=60, deadline=None)
@given(_frames(), _frames(), st.integers(2, 12))
def test_profile_of_a_concatenation_is_the_merge_of_the_parts(
    a: pd.DataFrame, b: pd.DataFrame, k: int
) -> None:
    spec = _spec(k)
    keys = row_keys(len(a) + len(b), stream="window")
    whole = profile_of(pd.concat([a, b], ignore_index=True), spec, keys=keys)
    parts = merge(
        profile_of(a, spec, keys=keys[: len(a)]),
        profile_of(b, spec, keys=keys[len(a) :]),
        known=spec.known,
    )
    assert _state(whole)["columns"] == _state(parts)["columns"]
    assert whole.n_rows == parts.n_rows and whole.names == parts.names
    assert _state(whole)["keys"] == _state(parts)["keys"]
    assert _state(whole)["rows"] == _state(parts)["rows"]


def test_the_merged_bottom_k_sample_is_uniform_over_rows() -> None:
    """24 rows in three unequal parts, k = 6, 1 000 seeds: each row is kept in about
    1 000 × 6 / 24 = 250 samples; a chi-square test does not reject uniformity."""
    spec = profile_spec(_BASELINE, k=6)
    frame = pd.DataFrame({"x": np.arange(24, dtype=np.float64)})
    parts = [(frame.iloc[:3], "p0"), (frame.iloc[3:17], "p1"), (frame.iloc[17:], "p2")]
    kept = np.zeros(24, dtype=np.int64)
    seeds = 1_000
    for seed in range(seeds):
        seeded = replace(spec, seed=seed)
        merged = None
        for part, stream in parts:
            profile = profile_of(part, seeded, stream=stream)
            merged = profile if merged is None else merge(merged, profile)
        assert merged is not None and len(merged.sample) == 6
        kept[merged.sample["x"].to_numpy(dtype=np.int64)] += 1
    expected = np.full(24, seeds * 6 / 24)
    assert stats.chisquare(kept, expected).pvalue > 0.001
    assert kept.min() > 0.75 * expected[0] and kept.max() < 1.25 * expected[0]
