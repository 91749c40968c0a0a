"""Pull sources: a SQL query and a glob of files, checked through the service."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from monitor import build_baseline
from monitor.service.checks import CheckJob
from monitor.service.context import MonitorContext
from monitor.service.sources import FileSource, SqlSource
from monitor.store import Store, upgrade

T0 = datetime(2026, 2, 1, tzinfo=UTC)


def _check_due(store: Store, context: MonitorContext, now: Callable[[], datetime]) -> list[Any]:
    """The check job's run of one monitor, as the scheduler calls it."""
    job = CheckJob(store, contexts={context.name: context}, now=now)
    return list(job.run(context.name).checks)


def _live(hours: int, per_hour: int, shift_from: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = hours * per_hour
    hour = np.repeat(np.arange(hours), per_hour)
    return pd.DataFrame(
        {
            "event_time": [
                T0 + timedelta(hours=int(h), seconds=int(i % 3600)) for i, h in enumerate(hour)
            ],
            "income": rng.normal(50, 10, n) + np.where(hour >= shift_from, 10.0, 0.0),
            "region": rng.choice(["north", "south"], n),
        }
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    upgrade(url)
    opened = Store(url)
    opened.upsert_monitor("credit", {})
    yield opened
    opened.close()


def _context(source: SqlSource | FileSource) -> MonitorContext:
    rng = np.random.default_rng(1)
    reference = pd.DataFrame(
        {"income": rng.normal(50, 10, 5_000), "region": rng.choice(["north", "south"], 5_000)}
    )
    return MonitorContext(
        "credit", build_baseline(reference), window=timedelta(hours=1), source=source
    )


def _assert_drift_from_hour_two(store: Store, source: SqlSource | FileSource) -> None:
    checks = list(
        CheckJob(store, contexts={"credit": _context(source)}, now=lambda: T0 + timedelta(hours=3))
        .run("credit")
        .checks
    )
    assert [c.window_start_at for c in checks] == [T0 + timedelta(hours=h) for h in range(3)]
    assert [c.n_current for c in checks] == [400, 400, 400]
    drifted = [store.get_check(c.id).columns for c in checks]  # type: ignore[union-attr]
    income = [next(col for col in columns if col.name == "income").drifted for columns in drifted]
    assert income == [False, False, True]


def test_sql_source_on_sqlite(store: Store, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    engine = sa.create_engine(url)
    _live(3, 400, shift_from=2).assign(
        event_time=lambda f: f.event_time.dt.tz_localize(None)
    ).to_sql("predictions", engine, index=False)
    engine.dispose()
    source = SqlSource(url, "SELECT * FROM predictions", "event_time")
    try:
        assert source.event_range()[0] == T0  # type: ignore[index]
        _assert_drift_from_hour_two(store, source)
    finally:
        source.close()


@pytest.mark.skipif(
    not os.environ.get("DRIFTLINE_TEST_POSTGRES_URL"),
    reason="DRIFTLINE_TEST_POSTGRES_URL is not set",
)
def test_sql_source_on_postgresql(store: Store) -> None:
    url = os.environ["DRIFTLINE_TEST_POSTGRES_URL"]
    engine = sa.create_engine(url)
    table = f"live_{os.getpid()}"
    _live(3, 400, shift_from=2).to_sql(table, engine, index=False, if_exists="replace")
    try:
        source = SqlSource(url, f"SELECT * FROM {table}", "event_time")
        try:
            assert source.event_range()[0] == T0  # type: ignore[index]
            _assert_drift_from_hour_two(store, source)
        finally:
            source.close()
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()


def test_file_source_reads_every_matching_file(store: Store, tmp_path: Path) -> None:
    live = _live(3, 400, shift_from=2)
    live.iloc[:600].to_csv(tmp_path / "part-1.csv", index=False)
    live.iloc[600:].to_parquet(tmp_path / "part-2.parquet")
    source = FileSource("part-*", "event_time", "auto", base_dir=tmp_path)
    assert source.event_range()[0] == T0  # type: ignore[index]
    _assert_drift_from_hour_two(store, source)
