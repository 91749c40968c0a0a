"""The operations sections of driftline.yaml: ``metrics`` (the Prometheus endpoint),
``retention`` (how long stored rows are kept) and ``scheduler`` (the lease that lets one
``driftline serve`` per database run the checks).

```yaml
metrics:
  token: ${DRIFTLINE_SCRAPE_TOKEN}   # a scrape-only token; api.token is accepted too
  top_k_columns: 10                  # per monitor, the columns with the largest effect size
retention:
  records: 90d            # ingested records, by event time
  prediction_logs: 30d    # records logged by serve-model (default: the records age)
  labels: 180d            # labels, by the time they were received
  delivery_attempts: 30d  # attempts of finished deliveries, by the time they started
  interval: 1h            # how often serve's scheduler applies these
scheduler:
  lease_ttl: 60s          # a dead holder's lease is taken over after this (5s to 1h)
```
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Final

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, SecretStr

from monitor.config.durations import DURATION_HINT, format_duration, parse_duration

__all__ = [
    "DEFAULT_LEASE_TTL",
    "DEFAULT_TOP_K_COLUMNS",
    "MAX_LEASE_TTL",
    "MIN_LEASE_TTL",
    "MetricsConfig",
    "RetentionConfig",
    "SchedulerConfig",
]

DEFAULT_TOP_K_COLUMNS: Final = 10
DEFAULT_LEASE_TTL: Final = timedelta(seconds=60)
MIN_LEASE_TTL: Final = timedelta(seconds=5)
"""The holder renews every third of the TTL: below 5 s a renewal every 1.6 s or less, and
a pause of a couple of seconds (a slow database, a busy machine) would hand the lease to
another process while the holder still runs checks."""
MAX_LEASE_TTL: Final = timedelta(hours=1)
"""A longer lease leaves the checks, deliveries and retention stopped for that long after
the holder dies: almost certainly a unit mistake."""


def _to_duration(value: object) -> object:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"expected {DURATION_HINT} (a string with a unit); got {value!r}")


def _positive(value: timedelta) -> timedelta:
    if value <= timedelta(0):
        raise ValueError(f"must be longer than 0s; give {DURATION_HINT}")
    return value


def _lease_ttl(value: timedelta) -> timedelta:
    if not MIN_LEASE_TTL <= value <= MAX_LEASE_TTL:
        raise ValueError(
            f"must be between {format_duration(MIN_LEASE_TTL)} and "
            f"{format_duration(MAX_LEASE_TTL)}, got {format_duration(value)}; the default is "
            f"{DEFAULT_LEASE_TTL.total_seconds():.0f}s (a dead holder's lease is taken over "
            "this long after its last renewal; the holder renews it every third of it)"
        )
    return value


_Age = Annotated[timedelta, BeforeValidator(_to_duration), AfterValidator(_positive)]
_LeaseTtl = Annotated[timedelta, BeforeValidator(_to_duration), AfterValidator(_lease_ttl)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MetricsConfig(_Section):
    """``/metrics`` for Prometheus. It answers ``api.token``, and ``token`` when set (a
    token that can only scrape); with neither, it is open like the rest of the API."""

    token: SecretStr | None = None
    top_k_columns: int = Field(default=DEFAULT_TOP_K_COLUMNS, ge=0, le=100)
    """Per monitor, how many columns of its last check export their effect size (the
    largest first): the bound on ``driftline_column_effect_size`` series."""


class RetentionConfig(_Section):
    """How long rows are kept; a kind without an age is kept for ever. Check results are
    always kept. Records that a window not yet checked needs are never removed."""

    records: _Age | None = None
    prediction_logs: _Age | None = None
    labels: _Age | None = None
    delivery_attempts: _Age | None = None
    interval: _Age = timedelta(hours=1)
    """How often ``driftline serve``'s scheduler applies the ages."""

    @property
    def is_empty(self) -> bool:
        return all(
            age is None
            for age in (self.records, self.prediction_logs, self.labels, self.delivery_attempts)
        )


class SchedulerConfig(_Section):
    """The scheduler of ``driftline serve``: one process per database holds a lease row and
    runs the checks, deliveries and retention; it renews the lease every third of
    ``lease_ttl``. When the holder dies, another ``serve`` on the same database takes the
    lease over once ``lease_ttl`` has passed since the last renewal (it tries every third of
    its own ``lease_ttl``). Give every ``serve`` of one database the same value."""

    lease_ttl: _LeaseTtl = DEFAULT_LEASE_TTL
