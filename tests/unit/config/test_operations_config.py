"""The ``metrics``, ``retention`` and ``scheduler`` sections of driftline.yaml."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor import config as cfg
from monitor.errors import ConfigError
from monitor.service.retention import retention_cuts


def _load(tmp_path: Path, text: str) -> cfg.Config:
    path = tmp_path / "driftline.yaml"
    path.write_text(text)
    return cfg.load_config(path, {})


def test_ages_are_durations_and_prediction_logs_default_to_records(tmp_path: Path) -> None:
    config = _load(tmp_path, "retention: {records: 90d, labels: 2w}\n")
    now = datetime(2026, 6, 1, tzinfo=UTC)
    cuts = retention_cuts(config.retention, now)
    assert cuts.records == cuts.prediction_logs == now - timedelta(days=90)
    assert cuts.labels == now - timedelta(weeks=2)
    assert cuts.delivery_attempts is None


def test_a_bad_age_names_the_field_and_the_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "retention: {records: 90 days}\n")
    assert "retention.records" in str(info.value)
    assert "'90s', '15m'" in str(info.value)


def test_a_zero_age_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"retention.labels.*longer than 0s"):
        _load(tmp_path, "retention: {labels: 0s}\n")


def test_the_scrape_token_is_a_secret(tmp_path: Path) -> None:
    config = _load(tmp_path, "metrics: {token: scrape-secret, top_k_columns: 3}\n")
    assert config.metrics.top_k_columns == 3
    assert "scrape-secret" not in repr(config)
    assert "scrape-secret" in cfg.secret_values(config)


def test_an_unknown_key_lists_the_allowed_ones(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="top_k_columns"):
        _load(tmp_path, "metrics: {top_k: 3}\n")


def test_the_scheduler_lease_lasts_60s_unless_configured(tmp_path: Path) -> None:
    assert _load(tmp_path, "{}\n").scheduler.lease_ttl == timedelta(seconds=60)
    config = _load(tmp_path, "scheduler: {lease_ttl: 10s}\n")
    assert config.scheduler.lease_ttl == timedelta(seconds=10)


@pytest.mark.parametrize(
    ("given", "shown"),
    [("4s", "got 4s"), ("1h1s", "got 1h1s"), ("0s", "got 0s")],
    ids=["just-below-5s", "just-above-1h", "zero"],
)
def test_a_lease_ttl_outside_5s_to_1h_is_refused_with_the_range(
    tmp_path: Path, given: str, shown: str
) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, f"scheduler: {{lease_ttl: {given}}}\n")
    message = str(info.value)
    assert "scheduler.lease_ttl" in message
    assert "between 5s and 1h" in message and shown in message


@pytest.mark.parametrize("given", ["5s", "1h"], ids=["5s", "1h"])
def test_the_lease_ttl_bounds_themselves_are_accepted(tmp_path: Path, given: str) -> None:
    config = _load(tmp_path, f"scheduler: {{lease_ttl: {given}}}\n")
    assert config.scheduler.lease_ttl == cfg.parse_duration(given)


def test_a_lease_ttl_without_a_unit_names_the_duration_format(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        _load(tmp_path, "scheduler: {lease_ttl: 60}\n")
    assert "scheduler.lease_ttl" in str(info.value)
    assert "'90s', '15m'" in str(info.value)


def test_an_unknown_scheduler_key_lists_lease_ttl(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="lease_ttl"):
        _load(tmp_path, "scheduler: {ttl: 10s}\n")
