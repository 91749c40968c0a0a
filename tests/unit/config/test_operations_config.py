"""The ``metrics`` and ``retention`` sections of driftline.yaml."""

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
