"""A check's verdicts as stored and served: ``watch`` and ``not_compared`` per column
survive the store (SQLite and PostgreSQL) and come back from ``GET /api/v1/checks/<id>``."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from monitor import compare
from monitor.service.api import create_app
from monitor.store import Store

T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
N = 20_000


def _frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(5)

    def frame(offset: float, prediction_offset: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "record_no": rng.permutation(N),
                "small": rng.normal(offset, 1.0, N),
                "stable": rng.normal(0.0, 1.0, N),
                "score": rng.normal(prediction_offset, 1.0, N),
            }
        )

    return frame(0.0, 0.0), frame(0.07, 0.15)


def test_watch_and_not_compared_are_stored_and_served(store: Store) -> None:
    reference, current = _frames()
    report = compare(reference, current, prediction="score", delta_prediction=0.2)
    summary = store.save_check("credit", T0, T0 + dt.timedelta(hours=1), report,
                               started_at=T0, finished_at=T0)  # fmt: skip
    assert summary.status == "ok"
    detail = store.get_check(summary.id)
    assert detail is not None and detail.report is not None
    verdicts = {c.name: c.verdict for c in detail.columns}
    assert verdicts == {"small": "watch", "score": "watch", "stable": "ok", "record_no": None}
    assert detail.report.watch_columns == report.watch_columns
    body = create_app(store, {}).test_client().get(f"/api/v1/checks/{summary.id}").get_json()
    assert body["columns"]["small"]["verdict"] == "watch"
    assert body["columns"]["record_no"]["not_compared"] == "identifier"
    assert sorted(body["watch_columns"]) == ["score", "small"]
    assert body["prediction_verdict"] == "watch"
    assert body["status"] == "ok"
