"""Validation of live record batches against the baseline schema."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from monitor import SchemaMismatch, build_baseline
from monitor.engine.baseline import Baseline
from monitor.engine.ingest import RecordError, parse_event_time, validate_batch


@pytest.fixture(scope="module")
def baseline() -> Baseline:
    rng = np.random.default_rng(0)
    return build_baseline(
        pd.DataFrame(
            {
                "income": rng.normal(50, 10, 100),
                "region": rng.choice(["north", "south"], 100),
                "owner": rng.random(100) < 0.5,
            }
        )
    )


def _record(i: int, **values: object) -> dict[str, object]:
    return {"id": f"r{i}", "timestamp": "2026-03-01T10:00:00Z", **values}


def test_good_batch_is_accepted_whole(baseline: Baseline) -> None:
    batch = [_record(i, income=40.0 + i, region="north", owner=True) for i in range(3)]
    accepted = validate_batch(baseline, batch).to_pylist()
    assert [r["record_id"] for r in accepted] == ["r0", "r1", "r2"]
    assert accepted[0]["event_at"] == datetime(2026, 3, 1, 10, tzinfo=UTC)
    assert accepted[2] == {
        "record_id": "r2",
        "event_at": datetime(2026, 3, 1, 10, tzinfo=UTC),
        "income": 42.0,
        "region": "north",
        "owner": True,
    }


def test_bad_value_names_record_index_and_column(baseline: Baseline) -> None:
    batch = [_record(0, income=1.0), _record(1, income="lots")]
    with pytest.raises(RecordError, match="record 1, column 'income': expected a number") as err:
        validate_batch(baseline, batch)
    assert (err.value.index, err.value.column) == (1, "income")


def test_boolean_is_not_a_number(baseline: Baseline) -> None:
    with pytest.raises(RecordError, match="column 'income'"):
        validate_batch(baseline, [_record(0, income=True)])


def test_missing_id_and_time_are_named(baseline: Baseline) -> None:
    with pytest.raises(RecordError, match="record 0, column 'id'"):
        validate_batch(baseline, [{"timestamp": "2026-03-01T10:00:00Z"}])
    with pytest.raises(RecordError, match="record 0, column 'timestamp'"):
        validate_batch(baseline, [{"id": "a"}])


def test_time_without_offset_is_refused_with_the_fix(baseline: Baseline) -> None:
    with pytest.raises(RecordError, match="no UTC offset"):
        validate_batch(baseline, [{"id": "a", "timestamp": "2026-03-01T10:00:00"}])


def test_nulls_and_unknown_fields_are_kept(baseline: Baseline) -> None:
    [record] = validate_batch(baseline, [_record(0, income=None, extra="x")]).to_pylist()
    assert (record["income"], record["extra"]) == (None, "x")


def test_repeated_id_in_a_batch_keeps_the_first(baseline: Baseline) -> None:
    accepted = validate_batch(baseline, [_record(0, income=1.0), _record(0, income=2.0)])
    assert accepted.column("income").to_pylist() == [1.0]


def test_batch_over_the_limit_states_the_limit(baseline: Baseline) -> None:
    with pytest.raises(SchemaMismatch, match="exceeds the limit of 2"):
        validate_batch(baseline, [_record(i) for i in range(3)], max_records=2)


def test_epoch_seconds_are_utc() -> None:
    assert parse_event_time(0) == datetime(1970, 1, 1, tzinfo=UTC)


def test_values_are_typed_by_column_kind(baseline: Baseline) -> None:
    batch = [
        {"id": 7, "timestamp": 0, "income": 3, "region": 5, "owner": None},
        {"id": "x", "timestamp": 0, "income": float("nan"), "region": None, "owner": False},
    ]
    table = validate_batch(baseline, batch)
    assert table.column("record_id").to_pylist() == ["7", "x"]
    assert table.column("income").type == pa.float64()
    assert table.column("income").to_pylist() == [3.0, None]
    assert table.column("region").to_pylist() == ["5", None]
    assert table.column("owner").to_pylist() == [None, False]


def test_first_bad_record_is_named_whatever_the_column_order(baseline: Baseline) -> None:
    batch = [_record(0, income=1.0, region=2.5), _record(1, income="lots")]
    with pytest.raises(RecordError) as err:
        validate_batch(baseline, batch)
    assert (err.value.index, err.value.column) == (0, "region")


def test_numbers_of_other_python_types_are_accepted(baseline: Baseline) -> None:
    table = validate_batch(baseline, [_record(0, income=np.float64(2.5), region="north")])
    assert table.column("income").to_pylist() == [2.5]


def test_a_record_that_is_not_an_object_is_named(baseline: Baseline) -> None:
    with pytest.raises(RecordError, match="record 1: expected an object, got list"):
        validate_batch(baseline, [_record(0), [1, 2]])
