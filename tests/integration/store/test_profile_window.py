"""A window is folded into a profile batch by batch: the same profile as its rows in one
frame, and peak memory that does not grow with the window's size."""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from monitor.engine.baseline import build_baseline
from monitor.engine.compare import compare
from monitor.engine.profile import keys_of_ids, profile_of, profile_spec
from monitor.engine.records import EVENT_AT, EVENT_AT_TYPE, RECORD_ID
from monitor.store import Store
from monitor.store.migrate import upgrade

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
BATCH = 20_000


def _batch(start: int, rng: np.random.Generator) -> pa.Table:
    index = np.arange(start, start + BATCH)
    return pa.table(
        {
            RECORD_ID: pa.array([f"r{i}" for i in index], type=pa.string()),
            EVENT_AT: pa.array(
                [T0 + dt.timedelta(seconds=int(i)) for i in index], type=EVENT_AT_TYPE
            ),
            "x": rng.normal(0.2, 1.0, BATCH),
            "region": rng.choice(["north", "south", "east"], BATCH),
            "junk": np.zeros(BATCH),
        }
    )


def _reference() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {"x": rng.normal(0, 1, 5_000), "region": rng.choice(["north", "south"], 5_000)}
    )


def test_a_folded_window_checks_like_its_frame(store: Store) -> None:
    rng = np.random.default_rng(1)
    for start in range(0, 3 * BATCH, BATCH):
        store.add_batch("credit", _batch(start, rng))
    baseline = build_baseline(_reference())
    spec = profile_spec(baseline, k=25_000)
    end = T0 + dt.timedelta(seconds=50_000)
    folded = store.profile_window("credit", T0, end, spec)
    frame = store.load_window("credit", T0, end)
    whole = profile_of(
        frame.drop(columns=[RECORD_ID, EVENT_AT]),
        spec,
        keys=keys_of_ids(frame[RECORD_ID].to_numpy(), seed=0),
    )
    assert folded.n_rows == whole.n_rows == 50_000
    assert "junk" in folded.names  # reported as unexpected, never read into the profile
    assert folded.sample[["x", "region", "__key__"]].equals(
        whole.sample[["x", "region", "__key__"]]
    )
    a, b = compare(baseline, folded), compare(baseline, whole)
    assert a.to_dict()["columns"] == b.to_dict()["columns"]
    assert a.drifted_columns == b.drifted_columns
    assert "x" in a.drifted_columns  # shifted by 0.2 sd


def _peak(store: Store, end: dt.datetime, spec: object) -> tuple[int, int]:
    tracemalloc.start()
    try:
        profile = store.profile_window("credit", T0, end, spec)  # type: ignore[arg-type]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return profile.n_rows, peak


def test_peak_memory_of_a_window_does_not_grow_with_its_size(tmp_path: Path) -> None:
    """100 000 and 400 000 records (20 stored batches): both fill the 50 000-row sample;
    the larger window's peak stays within 1.5 times the smaller one's. (SQLite only: the
    reading code is the same on PostgreSQL, the ingest of 800 000 records slower.)"""
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    upgrade(url)
    store = Store(url)
    store.upsert_monitor("credit", {"window": "1h"})
    rng = np.random.default_rng(2)
    for start in range(0, 20 * BATCH, BATCH):
        store.add_batch("credit", _batch(start, rng))
    spec = profile_spec(build_baseline(_reference()), k=50_000)
    small_n, small = _peak(store, T0 + dt.timedelta(seconds=100_000), spec)
    large_n, large = _peak(store, T0 + dt.timedelta(seconds=400_000), spec)
    store.close()
    assert (small_n, large_n) == (100_000, 400_000)
    assert large < 1.5 * small, (small, large)
