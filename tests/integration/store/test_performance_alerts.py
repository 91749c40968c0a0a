"""A performance_drop rule fires through the real evaluation: a real check stores the
window's CBPE estimate, and ``evaluate_monitor`` reads it from the store."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from alerts.outbox import evaluate_monitor
from monitor import build_baseline
from monitor import config as cfg
from monitor.engine.windows import Window
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.store import Store
from tests.ingesting import ingest

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"
T0 = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
N = 300


def _config(rules: list[dict[str, object]]) -> cfg.Config:
    return cfg.Config.model_validate(
        {
            "monitors": [
                {"name": "credit", "baseline": "b.json", "schedule": {"interval": "1h"},
                 "alerts": {"rules": rules}}
            ]
        }
    )  # fmt: skip


def test_a_performance_drop_rule_fires_on_the_stored_estimate(store: Store) -> None:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    baseline = build_baseline(reference, target="default", prediction="predicted_proba")
    live = pd.read_csv(SAMPLE / "current_severe_drift.csv").head(N).drop(columns=["default"])
    ingest(store, "credit",
        [
            (str(row["record_id"]), T0 + dt.timedelta(seconds=i),
             {str(k): v for k, v in row.items() if k != "record_id"})
            for i, row in enumerate(live.to_dict("records"))
        ],
    )  # fmt: skip
    context = MonitorContext(name="credit", baseline=baseline, window=HOUR)
    run_check(store, context, Window(T0, T0 + HOUR))
    stored = store.get_performance("credit", T0, T0 + HOUR)
    assert stored is not None and stored.estimated is not None
    accuracy = stored.estimated.metrics["accuracy"]
    rules: list[dict[str, object]] = [
        {"name": "under", "kind": "performance_drop", "below": round(accuracy + 0.01, 4)},
        {"name": "over", "kind": "performance_drop", "below": round(accuracy - 0.01, 4)},
        {"name": "labels", "kind": "performance_drop", "source": "realised", "drop": 0.01},
    ]
    assert evaluate_monitor(store, _config(rules).monitors[0]) == 1
    states = store.alert_states("credit")
    assert (states["under"].state, states["over"].state) == ("firing", "ok")
    # no label arrived yet: the realised rule cannot tell, so it neither fires nor resolves
    assert states["labels"].state == "ok" and states["labels"].streak == 0
    [fired] = [a for a in store.list_alerts("credit") if a.status.rule == "under"]
    assert f"estimated accuracy {accuracy:.4g}" in fired.transitions[0].detail
