"""The dashboard section of driftline.yaml and DRIFTLINE_DASHBOARD_PASSWORD."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from monitor.config import load_config
from monitor.errors import ConfigError


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "driftline.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_dashboard_defaults_have_no_password_and_refresh_every_minute(tmp_path: Path) -> None:
    config = load_config(_write(tmp_path, ""), env={})
    assert config.dashboard.password is None
    assert config.dashboard.refresh == timedelta(seconds=60)
    assert config.dashboard.sparkline_windows == 48


def test_dashboard_password_env_overrides_the_file_and_stays_secret(tmp_path: Path) -> None:
    path = _write(tmp_path, "dashboard: {password: from-file, refresh: 5s}\n")
    config = load_config(path, env={"DRIFTLINE_DASHBOARD_PASSWORD": "from-env"})
    assert config.dashboard.password is not None
    assert config.dashboard.password.get_secret_value() == "from-env"
    assert config.dashboard.refresh == timedelta(seconds=5)
    assert "from-env" not in repr(config)


def test_a_bad_dashboard_value_hides_the_password_in_the_error(tmp_path: Path) -> None:
    path = _write(tmp_path, "dashboard: {password: [hunter2], sparkline_windows: 1}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path, env={})
    message = str(caught.value)
    assert "dashboard.sparkline_windows" in message and "dashboard.password" in message
    assert "hunter2" not in message
