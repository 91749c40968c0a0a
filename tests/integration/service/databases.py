"""Databases for the service tests: a SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "DRIFTLINE_TEST_POSTGRES_URL"
KINDS = ("sqlite", "postgresql")


def postgres_schema_url(schema: str) -> Iterator[str]:
    """A URL whose ``search_path`` is a new schema of the test PostgreSQL database, dropped
    afterwards; skips when ``DRIFTLINE_TEST_POSTGRES_URL`` is not set."""
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


def database(kind: str, folder: Path) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (sqlite: a file in ``folder``)."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'driftline.db'}"
    else:
        yield from postgres_schema_url(f"driftline_h_{uuid.uuid4().hex[:12]}")
