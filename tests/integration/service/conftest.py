"""A fresh database per test for the service tests that run on SQLite and PostgreSQL
(PostgreSQL when ``DRIFTLINE_TEST_POSTGRES_URL`` names a database)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from databases import KINDS, database


@pytest.fixture(params=KINDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database."""
    yield from database(request.param, tmp_path)
