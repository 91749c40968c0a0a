"""The demo's replay into a real `driftline serve` that follows its simulated clock: every record
and label arrives once, and each daily window is checked once, complete, with the drift where
the manifest puts it.

The traffic is two weeks of the demo's eight: the last stable week, the ramp day and six days
of the new normal, the same records (and their labels that arrive within the two weeks). Every
phase and every behaviour asserted here is in them, at a quarter of the replay;
tests/unit/sample/test_live.py checks the drift placement of all eight weeks with ``compare``
itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace as replaced
from typing import Any

import httpx
import pytest
from serving import driftline, prepare_folder, start_serve, stop_serve

from monitor.client import Client
from sample_data.live import ID_COLUMN, LiveTraffic, generate_live
from sample_data.replay import ReplayResult, replay

STABLE_DAYS = 7
NEW_NORMAL_DAYS = 6


@pytest.fixture(scope="module")
def traffic() -> LiveTraffic:
    """The demo's traffic from ``STABLE_DAYS`` before its drift to ``NEW_NORMAL_DAYS`` into
    its new normal."""
    demo = generate_live()
    start_at = demo.drift_start_at - STABLE_DAYS * demo.window
    end_at = demo.new_normal_from_at + NEW_NORMAL_DAYS * demo.window
    records = demo.between(start_at, end_at).reset_index(drop=True)
    labels = demo.labels[
        demo.labels[ID_COLUMN].isin(records[ID_COLUMN]) & (demo.labels["arrives_at"] <= end_at)
    ].reset_index(drop=True)
    return replaced(demo, records=records, labels=labels, start_at=start_at, end_at=end_at)


@pytest.fixture(scope="module")
def replayed(
    tmp_path_factory: pytest.TempPathFactory, traffic: LiveTraffic
) -> Iterator[tuple[str, ReplayResult, list[dict[str, Any]]]]:
    """Replay the whole traffic as fast as the server answers; wait for the last check."""
    folder = tmp_path_factory.mktemp("replay")
    prepare_folder(folder, "{}", window=traffic.manifest["window_suggested"])
    assert driftline(folder, "db", "upgrade").returncode == 0
    clock = folder / "clock"
    clock.write_text(traffic.start_at.isoformat())
    process, base = start_serve(folder, None, "--clock", f"file:{clock}")
    try:
        with Client(base) as client:
            result = replay(traffic, client, "credit", clock_file=clock, progress=False)
        windows = int((traffic.end_at - traffic.start_at) / traffic.window)
        deadline = time.monotonic() + 60
        checks: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            answer = httpx.get(f"{base}/api/v1/monitors/credit/checks", timeout=10).json()
            checks = sorted(answer["checks"], key=lambda c: c["window_start_at"])
            if len(checks) >= windows:
                break
            time.sleep(0.5)
        yield base, result, checks
    finally:
        stop_serve(process)


def test_every_record_and_label_is_stored_once(
    replayed: tuple[str, ReplayResult, list[dict[str, Any]]], traffic: LiveTraffic
) -> None:
    base, result, _ = replayed
    assert (result.records_inserted, result.record_duplicates) == (len(traffic.records), 0)
    assert result.labels_stored == len(traffic.labels)
    [monitor] = httpx.get(f"{base}/api/v1/monitors", timeout=10).json()["monitors"]
    assert monitor["records"] == len(traffic.records)


def test_each_window_is_checked_once_complete_after_its_end_in_simulated_time(
    replayed: tuple[str, ReplayResult, list[dict[str, Any]]], traffic: LiveTraffic
) -> None:
    _, _, checks = replayed
    days = STABLE_DAYS + 1 + NEW_NORMAL_DAYS
    starts = [traffic.start_at + k * traffic.window for k in range(days)]
    assert [c["window_start_at"] for c in checks] == [s.isoformat() for s in starts]
    for check, start in zip(checks, starts, strict=True):
        end = start + traffic.window
        assert check["n_current"] == len(traffic.between(start, end)), check
        assert end.isoformat() <= check["started_at"] <= traffic.end_at.isoformat()


def test_checks_find_drift_exactly_where_the_manifest_puts_it(
    replayed: tuple[str, ReplayResult, list[dict[str, Any]]], traffic: LiveTraffic
) -> None:
    base, _, checks = replayed
    expected = set(traffic.drifted_columns)
    found: dict[str, set[str]] = {}
    target_drift: set[str] = set()
    for check in checks:
        detail = httpx.get(f"{base}/api/v1/checks/{check['id']}", timeout=10).json()
        day = check["window_start_at"][:10]
        drifted = {name for name, column in detail["columns"].items() if column["drifted"]}
        # the target (labels joined by record id as they arrive) is not a feature: the
        # manifest lists the features and the prediction; it drifts only after the change
        targets = {n for n in drifted if detail["columns"][n]["role"] == "target"}
        if targets:
            target_drift.add(day)
        found[day] = drifted - targets
    drift_day = traffic.drift_start_at.date().isoformat()
    new_normal_day = traffic.new_normal_from_at.date().isoformat()
    assert {day: cols for day, cols in found.items() if day < drift_day and cols} == {}
    assert all(day >= drift_day for day in target_drift), sorted(target_drift)
    assert "income" in found[drift_day], "the ramp day"
    new_normal = {day: cols for day, cols in found.items() if day >= new_normal_day}
    assert len(new_normal) == NEW_NORMAL_DAYS
    assert {day: cols for day, cols in new_normal.items() if cols != expected} == {}
