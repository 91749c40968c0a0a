"""A check's verdicts as stored and served: ``watch`` and ``not_compared`` per column and
the multivariate result survive the store (SQLite and PostgreSQL) and come back from
``GET /api/v1/checks/<id>``."""

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
    assert body["multivariate"]["status"] == "tested"
    assert body["multivariate"] == report.multivariate.to_dict()  # type: ignore[union-attr]


def test_multivariate_drift_is_stored_and_served(store: Store) -> None:
    rng = np.random.default_rng(9)

    def pairs(rho: float) -> pd.DataFrame:
        a, c = rng.normal(size=2_000), rng.normal(size=2_000)
        b = rho * a + np.sqrt(1 - rho**2) * rng.normal(size=2_000)
        d = rho * c + np.sqrt(1 - rho**2) * rng.normal(size=2_000)
        return pd.DataFrame({"a": a, "b": b, "c": c, "d": d})

    report = compare(pairs(0.9), pairs(0.0))
    summary = store.save_check("credit", T0, T0 + dt.timedelta(hours=1), report,
                               started_at=T0, finished_at=T0)  # fmt: skip
    assert summary.status == "drifting" and "joint distribution drifted" in summary.reason
    detail = store.get_check(summary.id)
    assert detail is not None and detail.report is not None
    assert detail.report.multivariate == report.multivariate
    body = create_app(store, {}).test_client().get(f"/api/v1/checks/{summary.id}").get_json()
    joint = body["multivariate"]
    assert joint["drifted"] is True and joint["method"] == "classifier"
    assert set(joint["top_columns"]) <= {"a", "b", "c", "d"} and joint["top_columns"]
    assert joint["effect_size"] >= joint["threshold"] == 0.05


def test_history_reads_give_watch_and_the_multivariate_result_by_window(store: Store) -> None:
    """The dashboard's reads: the heatmap's watch count (SQL) and each column point's
    verdict agree with the engine's verdicts; the multivariate result comes back per
    window, extracted by the database from the stored report."""
    reference, current = _frames()
    report = compare(reference, current, prediction="score", delta_prediction=0.2)
    hour = dt.timedelta(hours=1)
    store.save_check("credit", T0, T0 + hour, report, started_at=T0, finished_at=T0)
    store.save_failed_check("credit", T0 + hour, T0 + 2 * hour, "boom",
                            started_at=T0, finished_at=T0)  # fmt: skip
    expected = {c.name: c.verdict for c in report.columns}
    cells = store.column_heatmap("credit", since=T0, until=T0 + 2 * hour, bucket=hour)
    watched = {c.column: c.n_watch for c in cells}
    assert watched == {name: int(v == "watch") for name, v in expected.items()}
    points = store.column_history("credit")
    assert {p.column: p.verdict for p in points} == expected
    joint = store.multivariate_history("credit", since=T0)
    assert [p.window_start_at for p in joint] == [T0, T0 + hour]
    assert joint[0].result == report.multivariate and joint[1].result is None
