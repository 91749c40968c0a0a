"""The demo's live traffic (sample_data/live.py): deterministic, timed as its manifest says,
and drifted exactly where its manifest says (checked with Driftline's own compare)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from monitor import Baseline, build_baseline, compare
from sample_data.live import MANIFEST_FILE, LiveTraffic, generate_live

SAMPLE = Path(__file__).resolve().parents[3] / "sample_data"


@pytest.fixture(scope="module")
def traffic() -> LiveTraffic:
    return generate_live()


@pytest.fixture(scope="module")
def reference_baseline() -> Baseline:
    reference = pd.read_csv(SAMPLE / "reference.csv")
    return build_baseline(reference, target="default", prediction="predicted_proba")


def _windows(
    traffic: LiveTraffic, start_at: datetime, end_at: datetime
) -> Iterator[tuple[datetime, pd.DataFrame]]:
    """The complete suggested windows in [start_at, end_at), features and prediction only."""
    start = start_at
    while start + traffic.window <= end_at:
        window = traffic.between(start, start + traffic.window)
        yield start, window.drop(columns=["id", "timestamp"])
        start += traffic.window


def test_same_seed_gives_identical_traffic_and_another_seed_does_not(
    traffic: LiveTraffic,
) -> None:
    again = generate_live()
    pd.testing.assert_frame_equal(traffic.records, again.records)
    pd.testing.assert_frame_equal(traffic.labels, again.labels)
    assert traffic.manifest == again.manifest
    other = generate_live(traffic.manifest["seed"] + 1)
    assert len(other.records) != len(traffic.records) or not other.records.equals(traffic.records)


def test_committed_manifest_is_what_the_generator_writes(traffic: LiveTraffic) -> None:
    committed = json.loads((SAMPLE / MANIFEST_FILE).read_text())
    assert committed == traffic.manifest, "run `python -m sample_data.live` and commit"


def test_generation_takes_well_under_two_seconds() -> None:
    started = time.perf_counter()
    generate_live()
    assert time.perf_counter() - started < 2.0


def test_records_are_in_event_time_order_with_unique_ids_and_aware_utc_times(
    traffic: LiveTraffic,
) -> None:
    records = traffic.records
    assert list(records.columns[:2]) == ["id", "timestamp"]
    assert "default" not in records.columns, "the label arrives separately"
    assert records["id"].is_unique
    assert str(records["timestamp"].dt.tz) == "UTC"
    assert records["timestamp"].is_monotonic_increasing
    assert records["timestamp"].iloc[0] >= traffic.start_at
    assert records["timestamp"].iloc[-1] < traffic.end_at


def test_traffic_is_about_sixty_records_per_hour_over_eight_weeks(traffic: LiveTraffic) -> None:
    assert traffic.end_at - traffic.start_at == timedelta(days=56)
    expected = 56 * 24 * 60
    assert abs(len(traffic.records) - expected) < 0.02 * expected
    per_day = traffic.records.groupby(traffic.records["timestamp"].dt.floor("1D")).size()
    assert len(per_day) == 56
    assert per_day.min() > 1_300 and per_day.max() < 1_580  # Poisson(1440): within ~4 sd


def test_labels_arrive_one_to_three_days_after_their_records(traffic: LiveTraffic) -> None:
    joined = traffic.labels.merge(traffic.records[["id", "timestamp"]], on="id", how="left")
    assert joined["timestamp"].notna().all(), "every label belongs to a record"
    delay = joined["arrives_at"] - joined["timestamp"]
    assert delay.min() >= timedelta(days=1)
    assert delay.max() <= timedelta(days=3)
    assert traffic.labels["id"].is_unique
    assert traffic.labels["arrives_at"].is_monotonic_increasing
    assert set(traffic.labels["label"].unique()) == {0, 1}


def test_only_labels_arriving_after_the_end_are_left_out(traffic: LiveTraffic) -> None:
    assert traffic.labels["arrives_at"].max() <= traffic.end_at
    early = traffic.records["timestamp"] < traffic.end_at - timedelta(days=3)
    assert set(traffic.records.loc[early, "id"]) <= set(traffic.labels["id"])
    missing = set(traffic.records["id"]) - set(traffic.labels["id"])
    last = traffic.records.set_index("id").loc[sorted(missing), "timestamp"]
    assert (last >= traffic.end_at - timedelta(days=3)).all()


def test_labelled_joins_only_labels_arrived_by_then(traffic: LiveTraffic) -> None:
    start = traffic.new_normal_from_at
    known_at = start + timedelta(days=2)
    frame = traffic.labelled(start, known_at, known_at)
    arrived = traffic.labels.set_index("id").loc[frame["id"], "arrives_at"]
    assert len(frame) > 0 and (arrived <= known_at).all()
    assert frame["default"].isin([0, 1]).all()
    window = traffic.between(start, known_at)
    assert len(frame) < len(window), "the last day's labels have not arrived yet"


def test_manifest_states_the_timeline(traffic: LiveTraffic) -> None:
    manifest = traffic.manifest
    assert manifest["start_at"] == "2026-01-05T00:00:00Z"
    assert manifest["drift"]["start_at"] == "2026-01-26T00:00:00Z"
    assert manifest["drift"]["new_normal_from_at"] == "2026-01-27T00:00:00Z"
    assert manifest["drift"]["drifted_columns"] == ["income", "employment_type", "predicted_proba"]
    assert manifest["window_suggested"] == "1d"
    assert (manifest["label"]["delay_min_s"], manifest["label"]["delay_max_s"]) == (
        86_400,
        259_200,
    )
    assert [p["name"] for p in manifest["phases"]] == ["stable", "ramp", "new_normal"]
    assert sum(p["records"] for p in manifest["phases"]) == len(traffic.records)


def test_stable_weeks_flag_no_column(traffic: LiveTraffic, reference_baseline: Baseline) -> None:
    flagged = {
        start.date().isoformat(): compare(reference_baseline, window, workers=1).drifted_columns
        for start, window in _windows(traffic, traffic.start_at, traffic.drift_start_at)
    }
    assert len(flagged) == 21
    assert {day: columns for day, columns in flagged.items() if columns} == {}


def test_new_normal_flags_exactly_the_drifted_columns(
    traffic: LiveTraffic, reference_baseline: Baseline
) -> None:
    expected = set(traffic.drifted_columns)
    wrong = {}
    for start, window in _windows(traffic, traffic.new_normal_from_at, traffic.end_at):
        flagged = set(compare(reference_baseline, window, workers=1).drifted_columns)
        if flagged != expected:
            wrong[start.date().isoformat()] = sorted(flagged)
    assert wrong == {}


def test_the_ramp_day_already_shows_income_drift(
    traffic: LiveTraffic, reference_baseline: Baseline
) -> None:
    [(_, ramp)] = _windows(traffic, traffic.drift_start_at, traffic.new_normal_from_at)
    assert "income" in compare(reference_baseline, ramp, workers=1).drifted_columns


def test_a_baseline_of_the_new_normal_sees_no_drift_later(traffic: LiveTraffic) -> None:
    """What a model retrained on the first week of the new normal would see afterwards."""
    first_week_end = traffic.new_normal_from_at + timedelta(days=7)
    recent = traffic.between(traffic.new_normal_from_at, first_week_end)
    baseline = build_baseline(
        recent.drop(columns=["id", "timestamp"]), prediction="predicted_proba"
    )
    flagged = {
        start.date().isoformat(): compare(baseline, window, workers=1).drifted_columns
        for start, window in _windows(traffic, first_week_end, traffic.end_at)
    }
    assert len(flagged) == 27
    assert {day: columns for day, columns in flagged.items() if columns} == {}


def test_drift_start_beyond_the_end_gives_traffic_without_drift() -> None:
    calm = generate_live(days=3, drift_start=timedelta(days=10))
    assert calm.manifest["stats"]["drifted_records"] == 0
    assert [p["name"] for p in calm.manifest["phases"]] == ["stable"]


def test_start_at_moves_the_whole_timeline() -> None:
    start = datetime(2026, 6, 1, 12, tzinfo=UTC)
    moved = generate_live(days=2, start_at=start)
    assert moved.records["timestamp"].min() >= start
    assert moved.manifest["start_at"] == "2026-06-01T12:00:00Z"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"start_at": datetime(2026, 1, 1)}, "start_at", id="naive-start"),
        pytest.param({"days": 0}, "days", id="no-days"),
        pytest.param({"rate_per_hour": 0.0}, "rate_per_hour", id="zero-rate"),
        pytest.param({"ramp": timedelta(hours=-1)}, "ramp", id="negative-ramp"),
        pytest.param(
            {"label_delay": (timedelta(days=2), timedelta(days=1))},
            "label_delay",
            id="delay-min-above-max",
        ),
        pytest.param({"window": timedelta(0)}, "window", id="empty-window"),
    ],
)
def test_bad_arguments_are_refused_naming_the_parameter(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        generate_live(**kwargs)  # type: ignore[arg-type]
