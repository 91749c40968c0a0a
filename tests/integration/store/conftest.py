"""A fresh, empty database per test: a SQLite file, and PostgreSQL when configured.

PostgreSQL runs when ``DRIFTLINE_TEST_POSTGRES_URL`` names a database, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``; each test gets its own schema
(through ``search_path``), dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor import DriftReport, compare
from monitor.store import Store, upgrade

POSTGRES_ENV = "DRIFTLINE_TEST_POSTGRES_URL"


def _postgres_url(schema: str) -> Iterator[str]:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set; set it to a PostgreSQL URL to run these")
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = sa.make_url(base).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'driftline.db'}"
    else:
        yield from _postgres_url(f"driftline_test_{uuid.uuid4().hex[:12]}")


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """A Store on a migrated database with one monitor, ``credit``."""
    upgrade(database_url)
    opened = Store(database_url)
    opened.upsert_monitor("credit", {"window": "1h"})
    yield opened
    opened.close()


def _make_report(shift: float = 0.0, seed: int = 0) -> DriftReport:
    rng = np.random.default_rng(seed)

    def frame(offset: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "income": rng.normal(50 + offset * 10, 10, 400),
                "age": rng.normal(40, 8, 400),
                "region": rng.choice(["north", "south"], 400),
            }
        )

    return compare(frame(0.0), frame(shift), categorical=["region"], drift_share=0.3)


@pytest.fixture
def make_report() -> Callable[..., DriftReport]:
    """Build a small DriftReport: two numeric features, one categorical, drift share 0.3;
    ``shift`` moves ``income`` by that many standard deviations."""
    return _make_report
