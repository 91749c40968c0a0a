"""One ingest record per scored row: inputs in the baseline's kinds, the prediction under
the baseline's prediction column, the model version, a fresh id and the scoring time."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest

from monitor import build_baseline
from monitor.serving.prediction_records import input_rows, output_rows, prediction_records

AT = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture(scope="module")
def baseline():  # type: ignore[no-untyped-def]
    frame = pd.DataFrame(
        {"income": [1.0, 2.0, 3.0], "owner": [True, False, True], "p": [0.1, 0.5, 0.9]}
    )
    return build_baseline(frame, prediction="p")


def test_each_row_becomes_a_record_with_version_id_time_and_prediction(baseline) -> None:  # type: ignore[no-untyped-def]
    data = pd.DataFrame({"income": [1.5, 2.5], "owner": ["True", "false"]})
    records = prediction_records(
        data, np.array([0.2, 0.7]), version="3", scored_at=AT, baseline=baseline
    )
    assert [{k: v for k, v in r.items() if k != "id"} for r in records] == [
        {"income": 1.5, "owner": True, "p": 0.2, "model_version": "3", "timestamp": AT.isoformat()},
        {
            "income": 2.5,
            "owner": False,
            "p": 0.7,
            "model_version": "3",
            "timestamp": AT.isoformat(),
        },
    ]
    assert len({r["id"] for r in records}) == 2


def test_without_a_baseline_the_prediction_is_called_prediction_and_values_are_kept() -> None:
    data = pd.DataFrame({"owner": ["True"]})
    (record,) = prediction_records(data, [1], version="1", scored_at=AT, baseline=None)
    assert record["prediction"] == 1 and record["owner"] == "True"


def test_an_unnamed_array_input_takes_the_signature_names() -> None:
    assert input_rows(np.array([[1, 2], [3, 4]]), ["a", "b"]) == [
        {"a": 1, "b": 2},
        {"a": 3, "b": 4},
    ]
    assert input_rows({"a": [1, 2]}) == [{"a": 1}, {"a": 2}]
    assert input_rows(np.array([5, 6])) == [{"x0": 5}, {"x0": 6}]


def test_frame_outputs_keep_their_column_names() -> None:
    out = pd.DataFrame({"label": [1], "score": [0.9]})
    assert output_rows(out, "prediction") == [{"label": 1, "score": 0.9}]


def test_row_count_mismatch_is_an_error() -> None:
    with pytest.raises(ValueError, match="2 input rows but 1 predictions"):
        prediction_records(
            pd.DataFrame({"a": [1, 2]}), [0], version="1", scored_at=AT, baseline=None
        )


def test_class_probabilities_log_the_positive_class_under_a_probability_column(baseline) -> None:  # type: ignore[no-untyped-def]
    data = pd.DataFrame({"age": [30, 40], "owner": ["True", "False"]})
    records = prediction_records(
        data, np.array([[0.8, 0.2], [0.3, 0.7]]), version="2", scored_at=AT, baseline=baseline
    )
    assert [r["p"] for r in records] == [0.2, 0.7]


def test_two_output_columns_stay_apart_when_the_prediction_is_not_a_probability() -> None:
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "score": [-3.0, 5.0, 12.0]})
    scores = build_baseline(frame, prediction="score")
    records = prediction_records(
        pd.DataFrame({"x": [1.0]}),
        np.array([[0.8, 0.2]]),
        version="1",
        scored_at=AT,
        baseline=scores,
    )
    assert (records[0]["score_0"], records[0]["score_1"]) == (0.8, 0.2)
