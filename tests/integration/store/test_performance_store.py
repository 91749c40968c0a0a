"""Performance in the store: estimated and realised per window, and labels that arrive
after the check updating a past window's realised metrics exactly once per label."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import accuracy_score

from monitor import build_baseline
from monitor.engine.windows import Window
from monitor.service.checks import CheckJob, run_check
from monitor.service.context import MonitorContext
from monitor.service.performance import refresh_realised
from monitor.store import Store
from tests.ingesting import ingest

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
N = 300


@pytest.fixture(scope="module")
def context() -> MonitorContext:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    return MonitorContext(name="credit", baseline=baseline, window=HOUR)


@pytest.fixture(scope="module")
def live() -> pd.DataFrame:
    return pd.read_csv(SAMPLE / "current_severe_drift.csv").head(2 * N)


def _check_due(store: Store, context: MonitorContext, now: Callable[[], dt.datetime]) -> list[Any]:
    """The check job's run of one monitor, as the scheduler calls it."""
    job = CheckJob(store, contexts={context.name: context}, now=now)
    return list(job.run(context.name).checks)


def _ingest(store: Store, live: pd.DataFrame) -> None:
    """The first N rows in the window [T0, T0+1h), the next N in the following hour; the
    target column is left out (labels arrive later)."""
    records = []
    for index, row in enumerate(live.drop(columns=["default"]).to_dict("records")):
        at = T0 + (index // N) * HOUR + dt.timedelta(seconds=index % N)
        payload = {k: v for k, v in row.items() if k != "record_id"}
        records.append((str(row["record_id"]), at, payload))
    ingest(store, "credit", records)


def test_a_check_stores_the_estimate_and_zero_label_coverage(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    stored = store.get_performance("credit", T0, T0 + HOUR)
    assert stored is not None and stored.estimated is not None and stored.realised is not None
    assert stored.estimated.n_records == N
    assert 0.5 < stored.estimated.metrics["accuracy"] < 1.0
    assert (stored.realised.n_labelled, stored.realised.label_coverage) == (0, 0.0)
    assert stored.realised.detail == f"0 of {N} records labelled (0.0%)"
    assert stored.realised.metrics == {}


def test_label_backfill_updates_a_past_window_exactly_once_per_label(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    first = live.head(N)
    labelled = first.iloc[:9]  # 9 of 300: 3 %
    store.add_labels(
        "credit", list(zip(labelled["record_id"], labelled["default"].tolist(), strict=True))
    )
    assert [(d.window_start_at, d.generation) for d in store.dirty_windows("credit")] == [(T0, 1)]

    assert refresh_realised(store, context) == [Window(T0, T0 + HOUR)]
    stored = store.get_performance("credit", T0, T0 + HOUR)
    assert stored is not None and stored.realised is not None
    assert stored.realised.n_labelled == 9
    assert stored.realised.detail == f"9 of {N} records labelled (3.0%)"
    predicted = (labelled["predicted_proba"] >= 0.5).astype(int)
    expected = accuracy_score(labelled["default"], predicted)
    assert stored.realised.metrics["accuracy"] == pytest.approx(expected)
    computed_at = stored.realised_at

    # Nothing changed: no recompute; the same labels re-sent change nothing either.
    assert refresh_realised(store, context) == []
    store.add_labels(
        "credit", list(zip(labelled["record_id"], labelled["default"].tolist(), strict=True))
    )
    assert store.dirty_windows("credit") == []
    assert refresh_realised(store, context) == []
    again = store.get_performance("credit", T0, T0 + HOUR)
    assert again is not None and again.realised_at == computed_at

    # One changed label: one recompute, still 9 labels, the accuracy moves by 1/9.
    flipped_id = str(labelled["record_id"].iloc[0])
    flipped = 1 - int(labelled["default"].iloc[0])
    store.add_labels("credit", [(flipped_id, flipped)])
    assert refresh_realised(store, context) == [Window(T0, T0 + HOUR)]
    changed = store.get_performance("credit", T0, T0 + HOUR)
    assert changed is not None and changed.realised is not None
    assert changed.realised.n_labelled == 9
    assert abs(changed.realised.metrics["accuracy"] - expected) == pytest.approx(1 / 9)


def test_a_label_for_an_unchecked_window_marks_nothing(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    later = live.iloc[N]  # in the second hour, not checked yet
    store.add_labels("credit", [(str(later["record_id"]), int(later["default"]))])
    assert store.dirty_windows("credit") == []


def test_labels_known_before_the_check_are_used_by_it(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    first = live.head(N)
    store.add_labels(
        "credit", list(zip(first["record_id"], first["default"].tolist(), strict=True))
    )
    run_check(store, context, Window(T0, T0 + HOUR))
    stored = store.get_performance("credit", T0, T0 + HOUR)
    assert stored is not None and stored.realised is not None
    assert stored.realised.label_coverage == 1.0
    assert stored.realised.target_drift is not None
    assert stored.realised.target_drift.name == "default"


def test_a_label_arriving_during_a_recompute_keeps_the_window_dirty(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    ids = live["record_id"].astype(str).tolist()
    store.add_labels("credit", [(ids[0], 0)])
    seen = store.dirty_windows("credit")[0]
    store.add_labels("credit", [(ids[1], 1)])  # while the recompute of `seen` would run
    assert not store.clear_dirty("credit", seen)
    assert [d.generation for d in store.dirty_windows("credit")] == [2]


def test_the_scheduled_run_checks_new_windows_and_refreshes_labelled_ones(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    first = live.head(N)
    store.add_labels(
        "credit", list(zip(first["record_id"], first["default"].tolist(), strict=True))
    )
    checks = _check_due(store, context, now=lambda: T0 + 3 * HOUR)
    # the records end in the second hour: no window after it is checked (nor stored)
    assert [c.window_start_at for c in checks] == [T0 + HOUR]
    history = store.performance_history("credit")
    assert [p.window_start_at for p in history] == [T0, T0 + HOUR]
    assert history[0].realised is not None and history[0].realised.label_coverage == 1.0
    assert history[1].estimated is not None and history[1].realised is not None
    assert history[1].realised.n_labelled == 0
    assert store.dirty_windows("credit") == []
    assert np.isfinite(history[0].realised.metrics["roc_auc"])


def test_performance_history_keeps_the_latest_windows(
    store: Store, context: MonitorContext, live: pd.DataFrame
) -> None:
    _ingest(store, live)
    run_check(store, context, Window(T0, T0 + HOUR))
    run_check(store, context, Window(T0 + HOUR, T0 + 2 * HOUR))
    assert [p.window_start_at for p in store.performance_history("credit", limit=1)] == [T0 + HOUR]
    assert store.performance_history("credit", since=T0 + HOUR)[0].window_start_at == T0 + HOUR
