"""Hostile and broken input against the whole serve app on SQLite and PostgreSQL (issue 14):
every client mistake is a 4xx naming the field, never a 5xx; nothing a client sends can
exhaust memory or poison a monitor. Each test names the defect of issue 14 it guards."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from databases import KINDS, database
from inprocess import NOW, Served, records, serving, write_folder

HOUR = timedelta(hours=1)
T0 = NOW - 5 * HOUR  # five complete hours before the simulated now
RETRAIN = (
    "    alerts:\n"
    "      retrain: {kind: webhook, url: 'http://127.0.0.1:9/retrain',"
    " secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n"
)


@pytest.fixture(scope="module", params=KINDS)
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    folder = tmp_path_factory.mktemp(f"hostile-{request.param}")
    for url in database(request.param, folder):
        write_folder(folder, url)
        with (folder / "driftline.yaml").open("a") as config:
            config.write(RETRAIN)
        with serving(folder, url) as app:
            yield app


def _error_names(response: httpx.Response, *words: str) -> None:
    """A 4xx JSON error whose message names each of ``words``."""
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    message = response.json()["error"]["message"]
    for word in words:
        assert word in message, (word, message)


# -- defect 1: one request can exhaust memory ------------------------------------------


def test_d1_a_batch_of_2000_records_with_20_new_keys_each_is_refused_in_under_a_second(
    served: Served,
) -> None:
    batch = records(2_000, T0)
    for i, record in enumerate(batch):
        record.update({f"junk_{i}_{k}": 1.0 for k in range(20)})
    with served.client() as client:
        started = time.perf_counter()
        response = client.post("/api/v1/monitors/credit/records", json=batch)
        elapsed = time.perf_counter() - started
    _error_names(response, "junk_", "max_unknown_fields")
    assert response.json()["error"]["column"].startswith("junk_")
    assert elapsed < 1.0


def test_d1_a_check_of_a_window_with_junk_fields_reads_only_the_baseline_columns(
    served: Served,
) -> None:
    start = T0 - 20 * HOUR
    with served.client() as client:
        for part in range(4):
            batch = records(50, start, prefix=f"j{part}-")
            for record in batch:
                record.update({f"extra_{part}_{k}": "x" for k in range(10)})
            assert client.post("/api/v1/monitors/credit/records", json=batch).status_code == 200
    frame = served.service.store.load_window(
        "credit", start, start + HOUR, columns=("income", "region")
    )
    assert list(frame.columns) == ["record_id", "event_at", "income", "region"]
    assert len(frame.attrs["unexpected_columns"]) == 40
    with served.client() as client:
        check = client.post(
            "/api/v1/monitors/credit/checks",
            json={"start": start.isoformat(), "end": (start + HOUR).isoformat()},
        )
        assert check.status_code == 200, check.text
        detail = client.get(f"/api/v1/checks/{check.json()['id']}").json()
    unexpected = [q for q in detail["quality"] if q["kind"] == "unexpected_column"]
    assert 1 <= len(unexpected) <= 21  # named up to 20, the rest counted in one finding
    assert any("40" in q["message"] for q in unexpected)


# -- defect 2: a NUL byte poisons a monitor ---------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"bad\u0000name": 1.0}, id="NUL-in-field-name"),
        pytest.param({"bad\nname": 1.0}, id="LF-in-field-name"),
        pytest.param({"bad\u007fname": 1.0}, id="DEL-in-field-name"),
        pytest.param({"id": "r\u0000x"}, id="NUL-in-id"),
        pytest.param({"id": "r\u001bx"}, id="ESC-in-id"),
        pytest.param({"x" * 300: 1.0}, id="300-character-field-name"),
    ],
)
def test_d2_control_characters_in_names_and_ids_are_refused_naming_the_field(
    served: Served, change: dict[str, Any]
) -> None:
    batch = records(3, T0, prefix="nul-")
    batch[1].update(change)
    with served.client() as client:
        response = client.post("/api/v1/monitors/credit/records", json=batch)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["index"] == 1


def test_d2_a_nul_in_a_label_id_or_a_csv_header_is_refused(served: Served) -> None:
    with served.client() as client:
        label = client.post("/api/v1/monitors/credit/labels", json=[{"id": "a\u0000", "label": 1}])
        csv = client.post(
            "/api/v1/monitors/credit/records",
            content="id,timestamp,inc\x00ome\nc1,2026-03-10T08:00:00Z,1.5\n",
            headers={"Content-Type": "text/csv"},
        )
    _error_names(label, "id")
    _error_names(csv, "inc")


# -- defect 4: one ad-hoc check can stop the scheduler -----------------------------------


@pytest.mark.parametrize(
    ("start", "end"),
    [
        pytest.param("0001-01-01T00:00:00Z", "9999-12-31T00:00:00Z", id="year-1-to-9999"),
        pytest.param((NOW + 12 * HOUR).isoformat(), (NOW + 13 * HOUR).isoformat(), id="tomorrow"),
    ],
)
def test_d4_a_window_that_has_not_ended_is_refused(served: Served, start: str, end: str) -> None:
    with served.client() as client:
        response = client.post("/api/v1/monitors/credit/checks", json={"start": start, "end": end})
    _error_names(response, "has not ended")


def test_d4_an_ad_hoc_check_does_not_move_the_schedule(served: Served) -> None:
    """Records in four hours; an ad-hoc check of the third; the scheduled run still checks
    the other three (nothing after the ad-hoc window is skipped, nothing before it either)."""
    start = T0 - 60 * HOUR
    with served.client() as client:
        for hour in range(4):
            batch = records(10, start + hour * HOUR, prefix=f"adhoc{hour}-")
            assert client.post("/api/v1/monitors/credit/records", json=batch).status_code == 200
        adhoc = client.post(
            "/api/v1/monitors/credit/checks",
            json={
                "start": (start + 2 * HOUR).isoformat(),
                "end": (start + 3 * HOUR).isoformat(),
            },
        )
        assert adhoc.status_code == 200, adhoc.text
    run = served.service.checks.run("credit", since=start, until=start + 4 * HOUR)
    assert [c.window_start_at for c in run.checks] == [start, start + HOUR, start + 3 * HOUR]


# -- defect 5: one record with "timestamp": 0 delays monitoring for weeks -----------------


@pytest.mark.parametrize(
    "timestamp",
    [
        pytest.param(0, id="epoch-0"),
        pytest.param(1e18, id="epoch-1e18"),
        pytest.param(10**400, id="400-digit-epoch"),
        pytest.param("0001-01-01T00:00:00+01:00", id="year-1-with-offset"),
        pytest.param("9999-12-31T23:59:59-01:00", id="year-9999-with-offset"),
        pytest.param((NOW + 3 * 24 * HOUR).isoformat(), id="three-days-ahead"),
        pytest.param("1990-01-01T00:00:00Z", id="decades-before-the-baseline"),
    ],
)
def test_d5_implausible_event_times_are_refused_naming_the_timestamp(
    served: Served, timestamp: Any
) -> None:
    batch = records(2, T0, prefix="time-")
    batch[1]["timestamp"] = timestamp
    with served.client() as client:
        response = client.post(
            "/api/v1/monitors/credit/records",
            content=json.dumps(batch),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["column"] == "timestamp"
    assert response.json()["error"]["index"] == 1


# -- defect 7: client mistakes answered with 5xx ------------------------------------------

_BAD_REQUESTS: list[tuple[str, str, str, Any]] = [
    ("deep-json-nesting", "POST", "/api/v1/monitors/credit/records", "[" * 100_000 + "]" * 100_000),
    (
        "400-digit-integer",
        "POST",
        "/api/v1/monitors/credit/records",
        '[{"id": "a", "timestamp": "2026-03-10T08:00:00Z", "income": ' + "9" * 400 + "}]",
    ),
    (
        "lone-surrogate-value",
        "POST",
        "/api/v1/monitors/credit/records",
        '[{"id": "a", "timestamp": "2026-03-10T08:00:00Z", "region": "\\ud800"}]',
    ),
    (
        "lone-surrogate-id",
        "POST",
        "/api/v1/monitors/credit/records",
        '[{"id": "\\udfff", "timestamp": "2026-03-10T08:00:00Z"}]',
    ),
    (
        "lone-surrogate-field",
        "POST",
        "/api/v1/monitors/credit/records",
        '[{"id": "a", "timestamp": "2026-03-10T08:00:00Z", "\\ud800": 1}]',
    ),
    ("list-body-checks", "POST", "/api/v1/monitors/credit/checks", "[]"),
    ("string-body-checks", "POST", "/api/v1/monitors/credit/checks", '"x"'),
    (
        "year-1-offset-checks",
        "POST",
        "/api/v1/monitors/credit/checks",
        '{"start": "0001-01-01T00:00:00+01:00", "end": "0001-01-01T05:00:00+01:00"}',
    ),
    ("list-body-retrain", "POST", "/api/v1/monitors/credit/retrain", "[1]"),
    ("string-body-retrain", "POST", "/api/v1/monitors/credit/retrain", '"x"'),
    ("list-body-silences", "POST", "/api/v1/monitors/credit/silences", "[]"),
    ("string-body-silences", "POST", "/api/v1/monitors/credit/silences", '"x"'),
    (
        "huge-duration-silence",
        "POST",
        "/api/v1/monitors/credit/silences",
        '{"duration": "99999999w"}',
    ),
    (
        "year-9999-silence",
        "POST",
        "/api/v1/monitors/credit/silences",
        '{"starts_at": "9999-12-31T23:00:00-05:00", "duration": "1w"}',
    ),
    ("list-body-labels-item", "POST", "/api/v1/monitors/credit/labels", "[[1, 2]]"),
    ("huge-limit-checks", "GET", "/api/v1/monitors/credit/checks?limit=" + "1" + "0" * 20, None),
    ("negative-limit-checks", "GET", "/api/v1/monitors/credit/checks?limit=-1", None),
    ("huge-limit-deliveries", "GET", "/api/v1/monitors/credit/deliveries?limit=" + "9" * 20, None),
    ("negative-limit-deliveries", "GET", "/api/v1/monitors/credit/deliveries?limit=-1", None),
    ("huge-limit-retrain", "GET", "/api/v1/monitors/credit/retrain?limit=" + "9" * 20, None),
    ("negative-transitions", "GET", "/api/v1/monitors/credit/alerts?transitions=-5", None),
    ("huge-transitions", "GET", "/api/v1/monitors/credit/alerts?transitions=" + "9" * 20, None),
    (
        "huge-limit-performance",
        "GET",
        "/api/v1/monitors/credit/performance?limit=" + "9" * 20,
        None,
    ),
    ("check-id-2-31", "GET", f"/api/v1/checks/{2**31}", None),
    ("delivery-id-2-63", "GET", f"/api/v1/deliveries/{2**63}", None),
    ("silence-id-2-63", "DELETE", f"/api/v1/silences/{2**64}", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [pytest.param(m, p, b, id=name) for name, m, p, b in _BAD_REQUESTS],
)
def test_d7_client_mistakes_get_a_4xx_json_error(
    served: Served, method: str, path: str, body: Any
) -> None:
    with served.client() as client:
        response = client.request(
            method,
            path,
            content=body,
            headers={"Content-Type": "application/json"} if body is not None else {},
        )
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert response.json()["error"]["message"]


def _csv_body(rows: int) -> bytes:
    lines = ["id,timestamp,income,region"]
    start = T0 - 200 * HOUR
    for i in range(rows):
        at = (start + timedelta(seconds=i % 3000)).isoformat()
        lines.append(f"chunk-{i},{at},{i % 97},{'n' * 1_300}")
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize("kind", ["application/json", "text/csv"])
def test_d7_a_chunked_upload_over_the_body_limit_is_refused_not_truncated(
    served: Served, kind: str
) -> None:
    """11 MiB sent chunked (no Content-Length) against the 10 MiB limit: 413, nothing stored."""
    before = served.service.store.count_records("credit")
    if kind == "text/csv":
        body = _csv_body(9_000)
    else:
        batch = records(9_000, T0 - 200 * HOUR, prefix="chunk-")
        for record in batch:
            record["region"] = "n" * 1_300
        body = json.dumps(batch).encode()
    assert len(body) > 10 * 1024 * 1024

    def chunks() -> Iterator[bytes]:
        for at in range(0, len(body), 65_536):
            yield body[at : at + 65_536]

    with served.client() as client:
        response = client.post(
            "/api/v1/monitors/credit/records",
            content=chunks(),
            headers={"Content-Type": kind},
        )
    assert response.status_code == 413, response.text[:300]
    assert served.service.store.count_records("credit") == before


# -- defect 9: validation gaps ------------------------------------------------------------


def test_d9_labels_need_known_ids_and_a_request_cap(served: Served) -> None:
    with served.client() as client:
        batch = records(2, T0 - 30 * HOUR, prefix="lab-")
        assert client.post("/api/v1/monitors/credit/records", json=batch).status_code == 200
        null_id = client.post("/api/v1/monitors/credit/labels", json=[{"id": None, "label": 1}])
        unknown = client.post(
            "/api/v1/monitors/credit/labels",
            json=[{"id": "lab-0", "label": 1}, {"id": "nobody", "label": 0}],
        )
        too_many = client.post(
            "/api/v1/monitors/credit/labels",
            json=[{"id": f"lab-{i}", "label": 1} for i in range(10_001)],
        )
        good = client.post("/api/v1/monitors/credit/labels", json=[{"id": "lab-0", "label": 1}])
    _error_names(null_id, "id")
    _error_names(unknown, "nobody")
    assert too_many.status_code == 413, too_many.text[:300]
    assert good.status_code == 200 and good.json()["stored"] == 1


def test_d9_a_retrain_reason_is_capped(served: Served) -> None:
    with served.client() as client:
        response = client.post(
            "/api/v1/monitors/credit/retrain", json={"reason": "r" * 5_000, "requested_by": "t"}
        )
    _error_names(response, "reason", "1000")


def test_d9_non_utf8_csv_is_refused_naming_the_byte(served: Served) -> None:
    body = b"id,timestamp,region\nc1,2026-03-10T08:00:00Z,nor\xffth\n"
    with served.client() as client:
        response = client.post(
            "/api/v1/monitors/credit/records",
            content=body,
            headers={"Content-Type": "text/csv"},
        )
    _error_names(response, "UTF-8", "byte 47")


def test_d9_every_operation_documents_its_request_body_and_responses(served: Served) -> None:
    document = httpx.get(f"{served.url}/api/openapi.json").json()
    operations = [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) >= 15
    for path, method, op in operations:
        if method in ("post", "put", "patch"):
            assert "requestBody" in op, (method, path)
        for status, response in op["responses"].items():
            assert "content" in response, (method, path, status)
