"""A Python client for a running ``driftline serve``: log live records and labels.

:class:`Client` converts a DataFrame (or a list of dicts) into the API's JSON records,
sends it in batches and sums the answers. Transient failures (connection errors,
timeouts, HTTP 429 and 5xx) are retried with exponential backoff and full jitter;
other 4xx answers raise :class:`ApiError` naming the batch and the absolute row.
Ingest is idempotent by record id, so a retried batch never stores a record twice
(records stored by an attempt whose answer was lost are then reported as duplicates).

Example::

    import pandas as pd
    from monitor.client import Client

    frame = pd.read_csv("scored.csv", parse_dates=["scored_at"])
    frame["scored_at"] = frame["scored_at"].dt.tz_localize("UTC")
    with Client("http://127.0.0.1:8080", token="s3cret") as client:
        result = client.log_records("credit", frame, id_column="record_id",
                                    time_column="scored_at")
        print(result.inserted, "new,", result.duplicates, "already stored")
        client.log_labels("credit", {"rec-1": 0, "rec-2": 1})
"""

from __future__ import annotations

import logging
import math
import random
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Final, NamedTuple, Self
from urllib.parse import quote

import httpx
import numpy as np
import pandas as pd

from monitor.errors import ConfigError, DriftlineError, InputError

__all__ = ["ApiError", "Client", "IngestResult", "LabelResult"]

_log = logging.getLogger(__name__)

_ID: Final = "id"
_TIME: Final = "timestamp"
_MAX_BACKOFF_S: Final = 30.0
_RETRY_STATUSES: Final = frozenset({429}) | frozenset(range(500, 600))
# Failures worth another attempt; e.g. UnsupportedProtocol (a bad URL) is not.
_TRANSIENT: Final = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


class IngestResult(NamedTuple):
    """What the server did with the records sent: ``received`` in all, ``inserted`` new,
    ``duplicates`` whose id it already had."""

    received: int
    inserted: int
    duplicates: int


class LabelResult(NamedTuple):
    """Labels sent (``received``) and written (``stored``, new or replaced)."""

    received: int
    stored: int


class ApiError(DriftlineError):
    """The API refused a batch, or could not be reached after every retry.

    ``status`` is the HTTP status (None when no answer arrived), ``code`` the API's error
    code, ``message`` its message; ``offset`` is the row of the data where the failing
    batch starts, ``row`` the absolute row of the bad record when the API named one.
    Batches before the failing one were stored.
    """

    def __init__(
        self,
        text: str,
        *,
        status: int | None,
        code: str,
        message: str,
        batch: int,
        offset: int,
        size: int,
        row: int | None = None,
        column: str | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message
        self.batch = batch
        self.offset = offset
        self.size = size
        self.row = row
        self.column = column
        self.attempts = attempts


@dataclass(frozen=True, slots=True)
class _Batch:
    number: int  # 1-based
    offset: int  # row of the data where the batch starts
    items: list[dict[str, Any]]

    def describe(self) -> str:
        last = self.offset + len(self.items) - 1
        return f"batch {self.number} (rows {self.offset}-{last})"


class Client:
    """A client for one Driftline server.

    ``batch_size`` records (or labels) go in each request; up to ``max_retries`` retries
    follow a transient failure, waiting a random time in ``[0, backoff_s * 2**attempt]``
    (capped at 30 s). ``rng`` and ``sleep`` are injectable for tests, like ``transport``.

    Example::

        with Client("http://127.0.0.1:8080", token="s3cret", batch_size=500) as client:
            client.log_records("credit", [{"id": "r1", "timestamp": "2026-03-01T10:00Z",
                                           "income": 52000.0}])
    """

    def __init__(
        self,
        base_url: str,
        *,
        token: str | None = None,
        batch_size: int = 1000,
        max_retries: int = 5,
        backoff_s: float = 0.2,
        timeout_s: float = 30,
        transport: httpx.BaseTransport | None = None,
        rng: random.Random | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if batch_size < 1:
            raise ConfigError(f"batch_size must be at least 1, got {batch_size}")
        if max_retries < 0:
            raise ConfigError(f"max_retries must be 0 or more, got {max_retries}")
        if backoff_s < 0 or timeout_s <= 0:
            raise ConfigError(
                f"backoff_s must be >= 0 and timeout_s > 0, got {backoff_s} and {timeout_s}"
            )
        self.base_url = base_url.rstrip("/")
        self.batch_size = batch_size
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._rng = rng or random.Random()
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout_s),
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"Client({self.base_url!r}, batch_size={self.batch_size})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    # -- public API ------------------------------------------------------------------------

    def log_records(
        self,
        monitor: str,
        data: pd.DataFrame | Sequence[Mapping[str, Any]],
        *,
        id_column: str = _ID,
        time_column: str = _TIME,
    ) -> IngestResult:
        """Send records to ``monitor``; returns the summed answers of every batch.

        ``data`` has one row per record: an id (string or integer), an event time (an
        aware datetime, an ISO 8601 string with offset, or epoch seconds) and the feature
        and prediction values. NaN, NaT and infinities are sent as null; naive datetimes
        are refused (localize them, e.g. ``df[c].dt.tz_localize("UTC")``).
        """
        records = _records(data, id_column=id_column, time_column=time_column)
        path = f"/api/v1/monitors/{quote(monitor, safe='')}/records"
        total = IngestResult(0, 0, 0)
        for batch in self._batches(records):
            answer = self._post(monitor, path, batch)
            total = IngestResult(
                total.received + int(answer["received"]),
                total.inserted + int(answer["inserted"]),
                total.duplicates + int(answer["duplicates"]),
            )
        return total

    def log_labels(
        self,
        monitor: str,
        labels: Mapping[str, Any] | Sequence[tuple[str, Any]] | pd.DataFrame,
        *,
        id_column: str = _ID,
        label_column: str = "label",
    ) -> LabelResult:
        """Send ground-truth labels: a mapping of record id to label, ``(id, label)`` pairs,
        or a DataFrame with ``id_column`` and ``label_column``. A later label of the same
        id replaces an earlier one. NaN labels are sent as null."""
        if isinstance(labels, pd.DataFrame):
            missing = [c for c in (id_column, label_column) if c not in labels.columns]
            if missing:
                raise InputError(
                    f"labels frame lacks column(s) {missing}; it has {list(labels.columns)}; "
                    "pass id_column= and label_column= to name them"
                )
            pairs: list[tuple[Any, Any]] = list(
                zip(labels[id_column].tolist(), labels[label_column].tolist(), strict=True)
            )
        elif isinstance(labels, Mapping):
            pairs = list(labels.items())
        else:
            pairs = [tuple(pair) for pair in labels]
        items: list[dict[str, Any]] = []
        for row, pair in enumerate(pairs):
            if len(pair) != 2:
                raise InputError(f"label {row}: expected an (id, label) pair, got {pair!r}")
            record_id, label = pair
            items.append(
                {"id": _scalar(record_id, row, id_column), "label": _scalar(label, row, "label")}
            )
        path = f"/api/v1/monitors/{quote(monitor, safe='')}/labels"
        total = LabelResult(0, 0)
        for batch in self._batches(items):
            answer = self._post(monitor, path, batch)
            total = LabelResult(
                total.received + int(answer["received"]), total.stored + int(answer["stored"])
            )
        return total

    # -- transport -------------------------------------------------------------------------

    def _batches(self, items: list[dict[str, Any]]) -> Iterator[_Batch]:
        for number, offset in enumerate(range(0, len(items), self.batch_size), start=1):
            yield _Batch(number, offset, items[offset : offset + self.batch_size])

    def _delay(self, retry: int, response: httpx.Response | None) -> float:
        """Full jitter: uniform in [0, backoff_s * 2**retry], capped; at least Retry-After."""
        delay = self._rng.uniform(0.0, min(_MAX_BACKOFF_S, self.backoff_s * 2**retry))
        if response is not None:
            try:
                after = float(response.headers.get("Retry-After", ""))
            except ValueError:
                after = 0.0
            if math.isfinite(after):
                delay = max(delay, min(after, _MAX_BACKOFF_S))
        return delay

    def _post(self, monitor: str, path: str, batch: _Batch) -> dict[str, Any]:
        attempts = self.max_retries + 1
        where = f"monitor {monitor!r}, {batch.describe()}"
        for attempt in range(attempts):
            response: httpx.Response | None = None
            try:
                response = self._http.post(path, json=batch.items)
            except _TRANSIENT as exc:
                failure = f"{type(exc).__name__}: {exc or 'no details'}"
            else:
                if response.status_code < 400:
                    answer = _json(response)
                    if not isinstance(answer, dict):
                        raise ApiError(
                            f"{where}: the server answered {response.status_code} with "
                            f"{response.text[:200]!r} instead of a JSON object; is "
                            f"{self.base_url} a Driftline server?",
                            status=response.status_code,
                            code="unexpected_response",
                            message=response.text[:200],
                            batch=batch.number,
                            offset=batch.offset,
                            size=len(batch.items),
                        )
                    return answer
                if response.status_code not in _RETRY_STATUSES:
                    raise self._refused(where, batch, response)
                code, message, _ = _error_fields(response)
                failure = f"HTTP {response.status_code} {code}: {message}"
            if attempt + 1 < attempts:
                delay = self._delay(attempt, response)
                _log.warning(
                    "%s: attempt %d of %d failed (%s); retrying in %.2f s",
                    where,
                    attempt + 1,
                    attempts,
                    failure,
                    delay,
                )
                self._sleep(delay)
        status = response.status_code if response is not None else None
        raise ApiError(
            f"{where}: giving up after {attempts} attempt(s); last: {failure}. Check that "
            f"the Driftline server at {self.base_url} is running and reachable; rows before "
            f"{batch.offset} were stored, and re-sending is safe (ingest is idempotent by id)",
            status=status,
            code=_error_fields(response)[0] if response is not None else "unreachable",
            message=failure,
            batch=batch.number,
            offset=batch.offset,
            size=len(batch.items),
            attempts=attempts,
        )

    def _refused(self, where: str, batch: _Batch, response: httpx.Response) -> ApiError:
        code, message, body = _error_fields(response)
        index = body.get("index")
        column = body.get("column")
        row: int | None = None
        detail = message
        if isinstance(index, int) and not isinstance(index, bool):
            row = batch.offset + index
            prefix = f"record {index}" + (f", column {column!r}" if column else "")
            detail = message.removeprefix(prefix).removeprefix(": ")
            detail = f"record {row}" + (f", column {column!r}" if column else "") + f": {detail}"
        hint = ""
        if response.status_code == 401:
            hint = "; pass the server's api token as Client(token=...)"
        elif response.status_code == 413:
            hint = f"; lower Client(batch_size=...) (now {self.batch_size})"
        return ApiError(
            f"{where}: {detail} (HTTP {response.status_code} {code}); rows before "
            f"{batch.offset} were stored{hint}",
            status=response.status_code,
            code=code,
            message=message,
            batch=batch.number,
            offset=batch.offset,
            size=len(batch.items),
            row=row,
            column=column if isinstance(column, str) else None,
        )


# -- conversion ---------------------------------------------------------------------------


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _error_fields(response: httpx.Response) -> tuple[str, str, dict[str, Any]]:
    """The API error's code, message and whole object (fallbacks for non-API answers)."""
    body = _json(response)
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        code = str(error.get("code") or f"http_{response.status_code}")
        return code, str(error.get("message") or response.reason_phrase), error
    text = response.text.strip()[:200] or response.reason_phrase
    return f"http_{response.status_code}", text, {}


def _records(
    data: pd.DataFrame | Sequence[Mapping[str, Any]], *, id_column: str, time_column: str
) -> list[dict[str, Any]]:
    """JSON-ready records with the API's ``id`` and ``timestamp`` field names."""
    if isinstance(data, pd.DataFrame):
        _check_frame(data, id_column=id_column, time_column=time_column)
        raw: Sequence[Mapping[Any, Any]] = data.to_dict("records")
    else:
        raw = data
    renames = {id_column: _ID, time_column: _TIME}
    out: list[dict[str, Any]] = []
    for row, record in enumerate(raw):
        if not isinstance(record, Mapping):
            raise InputError(f"row {row}: expected a mapping, got {type(record).__name__}")
        converted: dict[str, Any] = {}
        for key, value in record.items():
            name = renames.get(str(key), str(key))
            if name in converted:
                raise InputError(
                    f"row {row}: both {key!r} and another field map to {name!r}; drop or "
                    f"rename one (id_column={id_column!r}, time_column={time_column!r})"
                )
            converted[name] = _scalar(value, row, str(key))
        out.append(converted)
    return out


def _check_frame(frame: pd.DataFrame, *, id_column: str, time_column: str) -> None:
    missing = [c for c in (id_column, time_column) if c not in frame.columns]
    if missing:
        raise InputError(
            f"the frame lacks column(s) {missing}; it has {list(frame.columns)}; pass "
            "id_column= and time_column= to name the record id and event time columns"
        )
    if not frame.columns.is_unique:
        duplicated = sorted({str(c) for c in frame.columns[frame.columns.duplicated()]})
        raise InputError(f"the frame has duplicate column names {duplicated}; rename them")
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_datetime64_dtype(dtype) and not isinstance(dtype, pd.DatetimeTZDtype):
            raise InputError(
                f"column {name!r} holds naive datetimes (no time zone), which are ambiguous; "
                f'localize it first, e.g. df[{name!r}] = df[{name!r}].dt.tz_localize("UTC")'
            )


def _scalar(value: Any, row: int, column: str) -> Any:
    """``value`` as a JSON-ready Python value (NaN/NaT/inf -> None, datetimes -> ISO)."""
    if value is None or isinstance(value, str | bool):
        return value
    if isinstance(value, np.datetime64):
        raise InputError(
            f"row {row}, column {column!r}: numpy datetime64 {value} has no time zone; "
            'send aware datetimes, e.g. pd.Timestamp(value).tz_localize("UTC")'
        )
    if isinstance(value, np.generic):
        value = value.item()  # numpy bool/int/float/datetime64 -> Python
        if value is None or isinstance(value, bool):
            return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise InputError(
                f"row {row}, column {column!r}: datetime {value} has no time zone; localize "
                'it, e.g. df[col] = df[col].dt.tz_localize("UTC"), or pass aware datetimes'
            )
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    return value
