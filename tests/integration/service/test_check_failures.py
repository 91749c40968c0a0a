"""A check that fails for any reason, saving included, is stored as ``failed`` with its
reason, on SQLite and PostgreSQL (issue 14, defect 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from monitor import build_baseline
from monitor.engine.records import records_table
from monitor.engine.windows import Window
from monitor.service.checks import run_check
from monitor.service.context import MonitorContext
from monitor.store import Store, upgrade

START = datetime(2026, 3, 2, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _setup(
    database_url: str, extra: dict[str, pa.Array] | None = None
) -> tuple[Store, MonitorContext]:
    upgrade(database_url)
    store = Store(database_url)
    store.upsert_monitor("credit", {})
    rng = np.random.default_rng(3)
    baseline = build_baseline(pd.DataFrame({"income": rng.normal(50, 10, 300)}))
    n = 50
    columns = {"income": pa.array(rng.normal(50, 10, n)), **(extra or {})}
    table = records_table(
        [f"r{i}" for i in range(n)], [START + i * timedelta(seconds=30) for i in range(n)], columns
    )
    store.add_batch("credit", table)  # straight to the store: a batch from before validation
    monitor = MonitorContext("credit", baseline, window=HOUR, min_rows=5)
    return store, monitor


def test_d2_a_stored_field_name_with_nul_still_gives_a_stored_check(database_url: str) -> None:
    """A batch stored before names were validated (a NUL in a field name) no longer stops
    the checks of its window: the check is stored, the name shown with U+FFFD."""
    store, monitor = _setup(database_url, {"bad\x00name": pa.array([1.0] * 50)})
    try:
        summary = run_check(store, monitor, Window(START, START + HOUR))
        checks = store.list_checks("credit")
        detail = store.get_check(checks[0].id)
    finally:
        store.close()
    assert summary.status in ("ok", "drifting")
    assert len(checks) == 1
    assert detail is not None
    assert any(q.column == "bad\ufffdname" for q in detail.quality)


def test_d2_a_check_whose_save_fails_is_stored_as_failed_with_the_reason(
    database_url: str,
) -> None:
    """The database refuses the column results (a trigger raises): the check is stored as
    failed, its reason naming the database's error."""
    store, monitor = _setup(database_url)
    engine = sa.create_engine(database_url)
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON column_results "
                    "BEGIN SELECT RAISE(ABORT, 'column results refused by a trigger'); END"
                )
            )
        else:
            connection.execute(
                sa.text(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN "
                    "RAISE EXCEPTION 'column results refused by a trigger'; END $$ "
                    "LANGUAGE plpgsql"
                )
            )
            connection.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON column_results "
                    "FOR EACH ROW EXECUTE FUNCTION refuse()"
                )
            )
    engine.dispose()
    try:
        summary = run_check(store, monitor, Window(START, START + HOUR))
        stored = store.list_checks("credit")
    finally:
        store.close()
    assert summary.status == "failed"
    assert "refused by a trigger" in summary.reason
    assert [(c.status, c.window_start_at) for c in stored] == [("failed", START)]
