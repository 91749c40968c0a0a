"""A folder with a configured service and a store holding three days of real checks.

Monitors: ``credit`` (72 hourly checks of samples of the sample data: no drift, then income
drift from hour 30, severe drift from hour 60; model version 1 then 2 from hour 36; hour 20
failed), ``churn`` and ``staging`` (no checks). Schedules run once a year, so the running
service adds no check of its own during a test.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from monitor import build_baseline, compare, save_baseline
from monitor.store import Store, upgrade

SAMPLE: Final = Path(__file__).resolve().parents[2] / "sample_data"
START: Final = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR: Final = dt.timedelta(hours=1)
HOURS: Final = 72
FAILED_HOUR: Final = 20
VERSION_CHANGE_HOUR: Final = 36


def write_config(folder: Path, *, dashboard: str = "{refresh: 2s}") -> None:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(
        reference.drop(columns=["record_id"]), target="default", prediction="predicted_proba"
    )
    save_baseline(baseline, folder / "credit.driftline")
    monitors = "".join(
        f"  - name: {name}\n"
        "    baseline: credit.driftline\n"
        "    schedule: {cron: '0 0 1 1 *'}\n"
        "    window: 1h\n"
        for name in ("credit", "churn", "staging")
    )
    (folder / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        "api: {host: 127.0.0.1}\n"
        f"dashboard: {dashboard}\n"
        f"monitors:\n{monitors}"
    )


def seed(folder: Path) -> Store:
    """Migrate the folder's database and store the ``credit`` checks; returns the store."""
    url = f"sqlite:///{folder / 'driftline.db'}"
    upgrade(url)
    store = Store(url)
    for name in ("credit", "churn", "staging"):
        store.upsert_monitor(name, {"baseline": "credit.driftline"})
    reference = pd.read_csv(SAMPLE / "reference.csv").drop(columns=["record_id"])
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    files = {
        name: pd.read_csv(SAMPLE / f"current_{name}.csv").drop(columns=["record_id"])
        for name in ("no_drift", "income_drift", "severe_drift")
    }
    rng = np.random.default_rng(7)
    for hour in range(HOURS):
        start = START + hour * HOUR
        done = start + HOUR + dt.timedelta(minutes=1)
        if hour == FAILED_HOUR:
            store.save_failed_check(
                "credit",
                start,
                start + HOUR,
                "ValueError: source unreachable (seeded)",
                started_at=done,
                finished_at=done,
            )
            continue
        kind = "no_drift" if hour < 30 else "income_drift" if hour < 60 else "severe_drift"
        frame = files[kind]
        current = frame.iloc[rng.choice(len(frame), 400, replace=False)]
        report = compare(baseline, current, workers=1)
        store.save_check(
            "credit",
            start,
            start + HOUR,
            report,
            started_at=done,
            finished_at=done,
            model_name="credit-default",
            model_version="1" if hour < VERSION_CHANGE_HOUR else "2",
        )
    return store
