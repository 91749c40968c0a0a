"""monitor.client.Client against httpx.MockTransport: batching, retries, errors, conversion."""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pytest

from monitor.client import ApiError, Client, IngestResult, LabelResult
from monitor.errors import DriftlineError, InputError

BASE = "http://driftline.test"
START = datetime(2026, 3, 1, 10, tzinfo=UTC)
Handler = Callable[[httpx.Request], httpx.Response]


class Recorder:
    """A MockTransport handler that stores every request body and answers via ``answer``."""

    def __init__(self, answer: Callable[[int, list[Any]], httpx.Response] | None = None) -> None:
        self.bodies: list[list[Any]] = []
        self.requests: list[httpx.Request] = []
        self._answer = answer or _accept_all

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.requests.append(request)
        self.bodies.append(body)
        return self._answer(len(self.bodies), body)


def _accept_all(_attempt: int, body: list[Any]) -> httpx.Response:
    return httpx.Response(200, json={"received": len(body), "inserted": len(body), "duplicates": 0})


def _client(handler: Handler, sleeps: list[float] | None = None, **kwargs: Any) -> Client:
    delays = sleeps if sleeps is not None else []
    return Client(
        BASE,
        token="t0k",
        transport=httpx.MockTransport(handler),
        rng=random.Random(0),
        sleep=delays.append,
        **kwargs,
    )


def _records(n: int) -> list[dict[str, Any]]:
    return [
        {"id": f"r{i}", "timestamp": (START + timedelta(seconds=i)).isoformat(), "income": 1.0 * i}
        for i in range(n)
    ]


def test_records_are_split_into_batches_and_the_answers_summed() -> None:
    def answer(attempt: int, body: list[Any]) -> httpx.Response:
        duplicates = 2 if attempt == 2 else 0
        return httpx.Response(
            200,
            json={
                "received": len(body),
                "inserted": len(body) - duplicates,
                "duplicates": duplicates,
            },
        )

    recorder = Recorder(answer)
    with _client(recorder, batch_size=10) as client:
        result = client.log_records("credit", _records(25))
    assert result == IngestResult(received=25, inserted=23, duplicates=2)
    assert [len(body) for body in recorder.bodies] == [10, 10, 5]
    assert [r["id"] for body in recorder.bodies for r in body] == [f"r{i}" for i in range(25)]
    request = recorder.requests[0]
    assert request.url == f"{BASE}/api/v1/monitors/credit/records"
    assert request.headers["Authorization"] == "Bearer t0k"


def test_empty_data_sends_nothing() -> None:
    recorder = Recorder()
    with _client(recorder) as client:
        assert client.log_records("credit", []) == IngestResult(0, 0, 0)
    assert recorder.bodies == []


def test_a_503_is_retried_with_jittered_backoff_then_succeeds(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def answer(attempt: int, body: list[Any]) -> httpx.Response:
        if attempt <= 2:
            return httpx.Response(503, json={"error": {"code": "StoreUnavailable", "message": "x"}})
        return _accept_all(attempt, body)

    recorder = Recorder(answer)
    sleeps: list[float] = []
    with _client(recorder, sleeps, backoff_s=1.0) as client:
        assert client.log_records("credit", _records(3)) == IngestResult(3, 3, 0)
    assert len(recorder.bodies) == 3
    assert recorder.bodies[0] == recorder.bodies[2], "a retry re-sends the same batch"
    assert len(sleeps) == 2
    expected = random.Random(0)
    assert sleeps == [expected.uniform(0, 1.0), expected.uniform(0, 2.0)]
    warnings = [r.getMessage() for r in caplog.records if r.name == "monitor.client"]
    assert len(warnings) == 2 and "attempt 1 of 6 failed (HTTP 503 StoreUnavailable" in warnings[0]


def test_a_429_is_retried_waiting_at_least_retry_after() -> None:
    def answer(attempt: int, body: list[Any]) -> httpx.Response:
        if attempt == 1:
            return httpx.Response(429, headers={"Retry-After": "3"}, text="slow down")
        return _accept_all(attempt, body)

    sleeps: list[float] = []
    with _client(Recorder(answer), sleeps, backoff_s=0.01) as client:
        assert client.log_records("credit", _records(1)).inserted == 1
    assert sleeps == [3.0]


def test_a_422_is_not_retried_and_names_the_absolute_row_and_column() -> None:
    def answer(attempt: int, body: list[Any]) -> httpx.Response:
        if attempt == 3:
            return httpx.Response(
                422,
                json={
                    "error": {
                        "code": "invalid_record",
                        "message": "record 17, column 'income': expected a number or null, "
                        "got 'lots'",
                        "index": 17,
                        "column": "income",
                    }
                },
            )
        return _accept_all(attempt, body)

    recorder = Recorder(answer)
    sleeps: list[float] = []
    with _client(recorder, sleeps, batch_size=1000) as client, pytest.raises(ApiError) as caught:
        client.log_records("credit", _records(3500))
    assert len(recorder.bodies) == 3, "no retry of a 422, and no batch after it"
    assert sleeps == []
    error = caught.value
    assert isinstance(error, DriftlineError)
    assert (error.status, error.code, error.batch, error.offset, error.size) == (
        422,
        "invalid_record",
        3,
        2000,
        1000,
    )
    assert (error.row, error.column) == (2017, "income")
    text = str(error)
    assert "batch 3 (rows 2000-2999): record 2017, column 'income': expected a number" in text
    assert "record 17," not in text
    assert "rows before 2000 were stored" in text


def test_a_401_is_not_retried_and_suggests_the_token() -> None:
    recorder = Recorder(
        lambda _a, _b: httpx.Response(
            401, json={"error": {"code": "unauthorised", "message": "send a token"}}
        )
    )
    with _client(recorder) as client, pytest.raises(ApiError, match="token=") as caught:
        client.log_records("credit", _records(2))
    assert len(recorder.bodies) == 1
    assert caught.value.status == 401 and caught.value.row is None


def test_connection_errors_are_retried_then_given_up_with_a_clear_message() -> None:
    attempts: list[httpx.Request] = []

    def refuse(request: httpx.Request) -> httpx.Response:
        attempts.append(request)
        raise httpx.ConnectError("[Errno 111] Connection refused", request=request)

    sleeps: list[float] = []
    with _client(refuse, sleeps, max_retries=3, batch_size=2) as client:
        with pytest.raises(ApiError) as caught:
            client.log_records("credit", _records(2))
    assert len(attempts) == 4, "one attempt plus max_retries retries"
    assert len(sleeps) == 3
    assert all(0 <= s <= 0.2 * 2**i for i, s in enumerate(sleeps))
    error = caught.value
    assert error.status is None and error.code == "unreachable" and error.attempts == 4
    text = str(error)
    assert "batch 1 (rows 0-1)" in text
    assert "giving up after 4 attempt(s)" in text
    assert "ConnectError" in text and "Connection refused" in text
    assert f"server at {BASE} is running" in text


def test_timeouts_are_retried() -> None:
    calls: list[int] = []

    def slow_then_ok(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) == 1:
            raise httpx.ReadTimeout("timed out", request=request)
        return _accept_all(0, json.loads(request.content))

    with _client(slow_then_ok) as client:
        assert client.log_records("credit", _records(4)).received == 4
    assert len(calls) == 2


def test_persistent_500_gives_up_after_max_retries() -> None:
    recorder = Recorder(lambda _a, _b: httpx.Response(500, text="Internal Server Error"))
    with _client(recorder, max_retries=2) as client, pytest.raises(ApiError) as caught:
        client.log_records("credit", _records(1))
    assert len(recorder.bodies) == 3
    assert caught.value.status == 500 and caught.value.code == "http_500"


def test_dataframe_conversion_nan_numpy_bools_and_aware_times() -> None:
    frame = pd.DataFrame(
        {
            "record_id": np.array([1, 2, 3], dtype=np.int64),
            "at": pd.date_range("2026-03-01 10:00", periods=3, freq="min", tz="UTC"),
            "income": [1.5, np.nan, np.inf],
            "lines": np.array([4, 5, 6], dtype=np.int32),
            "has_mortgage": np.array([True, False, True]),
            "region": ["north", None, "south"],
            "opt_flag": pd.array([True, pd.NA, False], dtype="boolean"),
        }
    )
    recorder = Recorder()
    with _client(recorder) as client:
        client.log_records("credit", frame, id_column="record_id", time_column="at")
    (body,) = recorder.bodies
    assert body[0] == {
        "id": 1,
        "timestamp": "2026-03-01T10:00:00+00:00",
        "income": 1.5,
        "lines": 4,
        "has_mortgage": True,
        "region": "north",
        "opt_flag": True,
    }
    assert body[1]["income"] is None and body[1]["region"] is None
    assert body[1]["opt_flag"] is None and body[1]["has_mortgage"] is False
    assert body[2]["income"] is None, "infinities are null, as the server treats them"
    for record in body:
        assert type(record["id"]) is int and type(record["has_mortgage"]) is bool


def test_a_non_utc_offset_is_kept() -> None:
    recorder = Recorder()
    tz = timezone(timedelta(hours=2))
    with _client(recorder) as client:
        client.log_records(
            "credit", [{"id": "a", "timestamp": datetime(2026, 3, 1, 12, tzinfo=tz)}]
        )
    assert recorder.bodies[0][0]["timestamp"] == "2026-03-01T12:00:00+02:00"


def test_naive_datetime_column_is_refused_before_sending() -> None:
    frame = pd.DataFrame(
        {"id": ["a"], "timestamp": pd.to_datetime(["2026-03-01 10:00"]), "income": [1.0]}
    )
    recorder = Recorder()
    with _client(recorder) as client, pytest.raises(InputError) as caught:
        client.log_records("credit", frame)
    assert "naive" in str(caught.value) and "tz_localize" in str(caught.value)
    assert "'timestamp'" in str(caught.value)
    assert recorder.bodies == []


def test_naive_datetime_value_in_records_is_refused_naming_the_row() -> None:
    records = _records(3)
    records[2]["timestamp"] = datetime(2026, 3, 1, 10)
    with (
        _client(Recorder()) as client,
        pytest.raises(InputError, match="row 2, column 'timestamp'"),
    ):
        client.log_records("credit", records)


def test_missing_id_column_is_refused_naming_the_columns() -> None:
    frame = pd.DataFrame({"timestamp": [START], "income": [1.0]})
    with _client(Recorder()) as client, pytest.raises(InputError, match="id_column="):
        client.log_records("credit", frame)


def test_labels_from_a_mapping_pairs_or_frame_are_batched() -> None:
    def answer(_attempt: int, body: list[Any]) -> httpx.Response:
        return httpx.Response(200, json={"received": len(body), "stored": len(body)})

    recorder = Recorder(answer)
    with _client(recorder, batch_size=2) as client:
        assert client.log_labels("credit", {"a": 1, "b": 0, "c": np.int64(1)}) == LabelResult(3, 3)
        assert client.log_labels("credit", [("d", True)]) == LabelResult(1, 1)
        frame = pd.DataFrame({"id": ["e", "f"], "label": [1.0, np.nan]})
        assert client.log_labels("credit", frame) == LabelResult(2, 2)
    assert recorder.bodies == [
        [{"id": "a", "label": 1}, {"id": "b", "label": 0}],
        [{"id": "c", "label": 1}],
        [{"id": "d", "label": True}],
        [{"id": "e", "label": 1.0}, {"id": "f", "label": None}],
    ]
    assert recorder.requests[0].url.path == "/api/v1/monitors/credit/labels"


def test_monitor_names_are_url_quoted() -> None:
    recorder = Recorder()
    with _client(recorder) as client:
        client.log_records("a b/c", _records(1))
    assert recorder.requests[0].url.raw_path == b"/api/v1/monitors/a%20b%2Fc/records"
