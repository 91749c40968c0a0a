"""Driver errors become StoreUnavailable without secrets; bad URLs are refused up front."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.errors import ConfigError, StoreUnavailable
from monitor.store import Store, upgrade


def test_unreachable_database_raises_store_unavailable_without_password() -> None:
    store = Store("postgresql+psycopg://driftline:s3cret-pw@127.0.0.1:1/driftline")
    with pytest.raises(StoreUnavailable) as caught:
        store.count_records("credit")
    message = str(caught.value)
    assert "s3cret-pw" not in message
    assert "driftline:***@127.0.0.1:1" in message
    store.close()


def test_missing_sqlite_directory_raises_store_unavailable(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'missing' / 'driftline.db'}")
    with pytest.raises(StoreUnavailable, match="is unavailable"):
        store.list_monitors()
    store.close()


def test_upgrade_of_an_unreachable_database_raises_store_unavailable() -> None:
    with pytest.raises(StoreUnavailable, match=r"driftline:\*\*\*@127\.0\.0\.1:1"):
        upgrade("postgresql+psycopg://driftline:s3cret-pw@127.0.0.1:1/driftline")


def test_unsupported_dialect_is_refused() -> None:
    with pytest.raises(ConfigError, match="dialect 'mysql' is not supported"):
        Store("mysql://driftline:s3cret-pw@db/driftline")


def test_default_url_comes_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DRIFTLINE_DATABASE_URL", f"sqlite:///{tmp_path / 'env.db'}")
    store = Store()
    assert store.url.endswith("env.db")
    store.close()
