"""The replay (sample_data/replay.py): order, steps, labels after their arrival, pacing.

The server is an ``httpx.MockTransport`` that records what it is sent (the Client's injectable
transport); tests/integration/service/test_replay_serve.py replays into a real serve.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest

from monitor.client import Client
from monitor.service.clock import FileClock
from sample_data.live import LiveTraffic, generate_live
from sample_data.replay import ReplayStep, replay


class _Server:
    """Answers the ingest API like Driftline and keeps every request in order."""

    def __init__(self, clock: FileClock | None = None) -> None:
        self.requests: list[tuple[str, list[dict[str, Any]], datetime | None]] = []
        self.clock = clock

    def __call__(self, request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        kind = request.url.path.rsplit("/", 1)[-1]
        self.requests.append((kind, items, self.clock() if self.clock else None))
        if kind == "records":
            return httpx.Response(
                200, json={"received": len(items), "inserted": len(items), "duplicates": 0}
            )
        return httpx.Response(200, json={"received": len(items), "stored": len(items)})

    def sent(self, kind: str) -> list[dict[str, Any]]:
        return [item for k, items, _ in self.requests if k == kind for item in items]


@pytest.fixture(scope="module")
def traffic() -> LiveTraffic:
    return generate_live(days=5)


def _client(server: _Server) -> Client:
    return Client("http://driftline.test", transport=httpx.MockTransport(server))


def test_every_record_and_label_is_sent_once_records_in_event_time_order(
    traffic: LiveTraffic,
) -> None:
    server = _Server()
    with _client(server) as client:
        result = replay(traffic, client, "credit", progress=False)
    records = server.sent("records")
    assert [r["id"] for r in records] == traffic.records["id"].tolist()
    assert [r["timestamp"] for r in records] == sorted(r["timestamp"] for r in records)
    labels = server.sent("labels")
    assert sorted(item["id"] for item in labels) == sorted(traffic.labels["id"])
    assert (result.records_sent, result.records_inserted, result.record_duplicates) == (
        len(traffic.records),
        len(traffic.records),
        0,
    )
    assert (result.labels_sent, result.labels_stored) == (len(traffic.labels),) * 2
    assert result.steps == 5 * 24


def test_each_step_delivers_exactly_what_happened_before_its_end(traffic: LiveTraffic) -> None:
    server = _Server()
    steps: list[tuple[ReplayStep, int, int]] = []

    def on_step(step: ReplayStep) -> None:
        steps.append((step, len(server.sent("records")), len(server.sent("labels"))))

    with _client(server) as client:
        replay(traffic, client, "credit", step=timedelta(hours=6), on_step=on_step, progress=False)
    assert [s.simulated_at for s, _, _ in steps] == [
        traffic.start_at + timedelta(hours=6) * k for k in range(1, 21)
    ]
    for step, records_sent, labels_sent in steps:
        before = traffic.records["timestamp"] < step.simulated_at
        arrived = traffic.labels["arrives_at"] < step.simulated_at
        assert records_sent == step.records_sent == int(before.sum())
        assert labels_sent == step.labels_sent == int(arrived.sum())


def test_a_label_is_sent_after_its_record_and_not_before_it_arrives(
    traffic: LiveTraffic, tmp_path: Path
) -> None:
    clock = FileClock(tmp_path / "clock")
    server = _Server(clock)
    with _client(server) as client:
        replay(traffic, client, "credit", clock_file=clock.path, progress=False)
    arrival = traffic.labels.set_index("id")["arrives_at"]
    posted: dict[str, int] = {}
    for number, (kind, items, clock_at) in enumerate(server.requests):
        assert clock_at is not None
        for item in items:
            if kind == "records":
                posted[item["id"]] = number
                # the service's clock has not yet passed a record being posted
                assert pd.Timestamp(item["timestamp"]) >= clock_at
            else:
                assert posted[item["id"]] < number, "label before its record"
                # sent in the step in which it arrives: the clock is at that step's start
                assert clock_at <= arrival[item["id"]] < clock_at + timedelta(hours=1)
    assert clock() == traffic.end_at


@pytest.mark.parametrize(
    ("pace", "expected_s"),
    [
        pytest.param({"duration_s": 60.0}, 60.0, id="duration"),
        pytest.param({"speed": 5 * 86_400 / 30}, 30.0, id="speed"),
    ],
)
def test_pace_spreads_the_steps_over_the_real_duration(
    traffic: LiveTraffic, pace: dict[str, float], expected_s: float
) -> None:
    now = [0.0]
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        now[0] += seconds

    with _client(_Server()) as client:
        result = replay(
            traffic,
            client,
            "credit",
            progress=False,
            sleep=sleep,
            monotonic=lambda: now[0],
            **pace,  # type: ignore[arg-type]
        )
    assert len(waits) == result.steps
    assert waits[0] == pytest.approx(expected_s / result.steps)
    assert result.elapsed_s == pytest.approx(expected_s)


def test_a_slow_server_is_not_waited_for(traffic: LiveTraffic) -> None:
    now = [0.0]
    waits: list[float] = []

    def slow(request: httpx.Request) -> httpx.Response:
        now[0] += 1.0  # each request takes a real second: far behind a 10 s schedule
        return server(request)

    server = _Server()
    with Client("http://driftline.test", transport=httpx.MockTransport(slow)) as client:
        replay(
            traffic,
            client,
            "credit",
            duration_s=10.0,
            progress=False,
            sleep=waits.append,
            monotonic=lambda: now[0],
        )
    assert waits == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"speed": 10.0, "duration_s": 5.0}, "not both", id="speed-and-duration"),
        pytest.param({"duration_s": 0.0}, "duration_s", id="zero-duration"),
        pytest.param({"speed": -1.0}, "speed", id="negative-speed"),
        pytest.param({"step": timedelta(0)}, "step", id="empty-step"),
    ],
)
def test_bad_pace_is_refused_naming_the_parameter(
    traffic: LiveTraffic, kwargs: dict[str, Any], message: str
) -> None:
    with _client(_Server()) as client, pytest.raises(ValueError, match=message):
        replay(traffic, client, "credit", progress=False, **kwargs)
