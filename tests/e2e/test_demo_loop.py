"""The whole loop of `make run`, without the browser: train, serve, replay, drift, alert,
the retraining MLflow Project run, the promotion gate, version 2, switch, resolve. One run,
many assertions on its timeline (it takes about two minutes)."""

from __future__ import annotations

import socket
from datetime import datetime
from pathlib import Path

import pytest
from mlflow import MlflowClient

from monitor.mlflow.tracking import embedded_tracking_uri
from monitor.store import AlertTransition
from sample_data.demo import DemoSettings, run_demo
from sample_data.live import generate_live
from sample_data.timeline import Timeline, format_timeline


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Timeline, Path]:
    workdir = tmp_path_factory.mktemp("demo")
    settings = DemoSettings(
        workdir=workdir, port=_free_port(), duration_s=30.0, serve_forever=False, progress=False
    )
    return run_demo(settings), workdir


DRIFT_START = generate_live().drift_start_at


def _start(t: AlertTransition) -> datetime:
    assert t.window_start_at is not None
    return t.window_start_at


def test_no_alert_in_the_stable_weeks(demo: tuple[Timeline, Path]) -> None:
    timeline, _ = demo
    assert timeline.transitions, "the drift raised no alert at all"
    assert all(_start(t) >= DRIFT_START for t in timeline.transitions)
    stable = [c for c in timeline.checks if c.window_end_at <= DRIFT_START]
    assert len(stable) == 21 and {c.status for c in stable} == {"ok"}


def test_alert_goes_pending_then_fires_within_three_windows_of_the_drift(
    demo: tuple[Timeline, Path],
) -> None:
    timeline, _ = demo
    alert = [t for t in timeline.transitions if t.rule == "dataset-drift"]
    states = [(t.from_state, t.to_state) for t in alert]
    assert states[:2] == [("ok", "pending"), ("pending", "firing")]
    firing = alert[1]
    assert (_start(firing) - DRIFT_START).days <= 3
    # the retraining rule fires after four drifting windows, two after the alert
    retrain = [t for t in timeline.transitions if t.rule == "sustained-drift"]
    fired = next(t for t in retrain if t.to_state == "firing")
    assert (_start(fired) - _start(firing)).days == 2


def test_the_drift_launches_one_project_run_and_the_gate_promotes_its_version_2(
    demo: tuple[Timeline, Path],
) -> None:
    timeline, workdir = demo
    assert [t.outcome for t in timeline.triggers] == ["delivered"]  # the cooldown keeps one
    trigger = timeline.triggers[0]
    run = trigger.run
    assert run is not None and run.run_id
    assert (run.status, run.model_name, run.model_version) == ("finished", "credit", "2")
    assert run.labels_since_at is not None and run.labels_since_at >= DRIFT_START
    gate = run.gate
    assert gate is not None and gate.status == "promoted", gate
    assert gate.current_version == "1" and gate.n_labels is not None and gate.n_labels >= 500
    assert gate.candidate_value is not None and gate.current_value is not None
    assert gate.candidate_value >= gate.current_value
    client = MlflowClient(embedded_tracking_uri(f"sqlite:///{workdir / 'driftline.db'}"))
    assert str(client.get_model_version_by_alias("credit", "production").version) == "2"
    mlflow_run = client.get_run(run.run_id)
    assert mlflow_run.info.status == "FINISHED"
    assert mlflow_run.data.tags["driftline.trigger"] == trigger.trigger_id
    assert mlflow_run.data.tags["mlflow.project.entryPoint"] == "main"


def test_the_printed_timeline_shows_the_run_the_gate_numbers_and_the_promotion(
    demo: tuple[Timeline, Path],
) -> None:
    timeline, _ = demo
    run = timeline.triggers[0].run
    assert run is not None and run.gate is not None
    text = format_timeline(timeline, "http://127.0.0.1:8050")
    assert f"retraining run {run.run_id} launched (MLflow Project retrain_project" in text
    assert "run finished: registered credit version 2" in text
    assert (
        f"promotion gate: roc_auc {run.gate.candidate_value:.3f} (version 2) vs "
        f"{run.gate.current_value:.3f} (version 1) on {run.gate.n_labels} labelled records"
    ) in text
    assert "promoted, @production moved to version 2" in text


def test_checks_after_the_switch_use_version_2(demo: tuple[Timeline, Path]) -> None:
    timeline, _ = demo
    events = [(e.new_version, e.at) for e in timeline.version_events]
    assert [version for version, _ in events] == ["1", "2"]
    switched_at = events[1][1]
    after = [c for c in timeline.checks if c.started_at >= switched_at]
    before = [c for c in timeline.checks if c.started_at < switched_at]
    assert after and {c.model_version for c in after} == {"2"}
    assert {c.model_version for c in before} == {"1"}
    # the version-2 baseline was built from the new normal: its windows are not drifting,
    # and hardly a column is flagged in any of them (measured: 0 or 1 of 28 windows; a
    # version-2 baseline of 2 003 rows flagged credit_utilization in 6 of 30)
    assert sum(c.status == "drifting" for c in after[1:]) == 0
    flagged = {c.window_start_at: timeline.drifted_columns.get(c.id) for c in after[1:]}
    assert sum(bool(found) for found in flagged.values()) <= 2, flagged


def test_the_printed_timeline_names_drifted_columns_and_how_to_open_mlflow(
    demo: tuple[Timeline, Path],
) -> None:
    timeline, workdir = demo
    uri = embedded_tracking_uri(f"sqlite:///{workdir / 'driftline.db'}")
    text = format_timeline(timeline, "http://127.0.0.1:8050", uri)
    drifting = [c for c in timeline.checks if c.status == "drifting"]
    assert drifting
    for check in drifting:
        # every drifting window names what drifted: its columns, and the multivariate method
        # when the joint distribution drifted (which alone makes a window drifting)
        names = timeline.drifted_columns.get(check.id, [])
        if check.id in timeline.joint_drift:
            names = [*names, f"multivariate ({timeline.joint_drift[check.id]})"]
        assert names, check
        assert f"window drifting, {check.share_drifted:.0%} of columns" in text
        assert f"(model v{check.model_version}): {', '.join(names)}" in text
    assert f"MLflow UI:   mlflow ui --backend-store-uri {uri} --port 5000" in text
    assert Path(uri.removeprefix("sqlite:///")).is_file()


def test_a_second_run_reuses_the_folder_and_prints_the_same_counts(
    demo: tuple[Timeline, Path],
) -> None:
    first, workdir = demo
    settings = DemoSettings(
        workdir=workdir, port=_free_port(), duration_s=30.0, serve_forever=False, progress=False
    )
    second = run_demo(settings)
    assert second.webhooks_received == first.webhooks_received > 0
    assert second.refused_webhooks == first.refused_webhooks
    base = "http://127.0.0.1:8050"
    assert format_timeline(second, base) == format_timeline(first, base)


def test_alert_resolves_and_every_notification_was_delivered_verified(
    demo: tuple[Timeline, Path],
) -> None:
    timeline, _ = demo
    assert ("firing", "resolved") in [(t.from_state, t.to_state) for t in timeline.transitions]
    assert timeline.refused_webhooks == 0
    kinds = [
        r.payload.get("state")
        for r in timeline.alerts_received
        if (r.payload.get("rule") or {}).get("name") == "dataset-drift"
    ]
    assert kinds[0] == "firing" and kinds[-1] == "resolved"
    assert timeline.deliveries and {d.status for d in timeline.deliveries} == {"delivered"}
