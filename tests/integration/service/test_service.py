"""Checks as the service runs them, and the service CLI commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from monitor import build_baseline, save_baseline
from monitor.cli.main import main
from monitor.engine.windows import Window
from monitor.service.checks import CheckJob, run_check
from monitor.service.context import MonitorContext
from monitor.service.sources import FileSource
from monitor.store import Store, upgrade
from tests.ingesting import ingest

T0 = datetime(2026, 2, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


def _check_due(store: Store, context: MonitorContext, now: Callable[[], datetime]) -> list[Any]:
    """The check job's run of one monitor, as the scheduler calls it."""
    job = CheckJob(store, contexts={context.name: context}, now=now)
    return list(job.run(context.name).checks)


def _reference() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    return pd.DataFrame({"income": rng.normal(50, 10, 2_000), "age": rng.normal(40, 5, 2_000)})


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    upgrade(url)
    opened = Store(url)
    opened.upsert_monitor("credit", {})
    yield opened
    opened.close()


def _ingest(store: Store, start: datetime, n: int, shift: float = 0.0) -> None:
    rng = np.random.default_rng(int(start.timestamp()))
    ingest(
        store,
        "credit",
        [
            (
                f"{start.isoformat()}-{i}",
                start + timedelta(seconds=i),
                {"income": float(rng.normal(50 + shift, 10)), "age": float(rng.normal(40, 5))},
            )
            for i in range(n)
        ],
    )


def test_window_with_too_few_records_is_insufficient_data(store: Store) -> None:
    _ingest(store, T0, 10)
    context = MonitorContext("credit", build_baseline(_reference()), window=HOUR, min_rows=30)
    summary = run_check(store, context, Window(T0, T0 + HOUR))
    assert summary.status == "insufficient_data"
    assert "10 record(s)" in summary.reason


def test_failing_source_records_a_failed_check_with_its_reason(
    store: Store, tmp_path: Path
) -> None:
    pd.DataFrame({"income": [1.0]}).to_csv(tmp_path / "live.csv", index=False)
    source = FileSource("live.csv", "event_time", base_dir=tmp_path)
    context = MonitorContext("credit", build_baseline(_reference()), window=HOUR, source=source)
    summary = run_check(store, context, Window(T0, T0 + HOUR))
    assert summary.status == "failed"
    assert "no event-time column 'event_time'" in summary.reason


def test_rerunning_a_window_replaces_its_check(store: Store) -> None:
    _ingest(store, T0, 200)
    context = MonitorContext("credit", build_baseline(_reference()), window=HOUR)
    first = run_check(store, context, Window(T0, T0 + HOUR))
    _ingest(store, T0 + timedelta(minutes=30), 100)
    second = run_check(store, context, Window(T0, T0 + HOUR))
    checks = store.list_checks("credit")
    assert len(checks) == 1 and checks[0].id == second.id != first.id
    assert checks[0].n_current == 300


def test_catch_up_checks_each_missed_window_once_in_order(store: Store) -> None:
    for hour in range(4):
        _ingest(store, T0 + hour * HOUR, 100, shift=8.0 if hour >= 2 else 0.0)
    context = MonitorContext("credit", build_baseline(_reference()), window=HOUR)
    first = _check_due(store, context, now=lambda: T0 + 2 * HOUR)
    later = _check_due(store, context, now=lambda: T0 + 4 * HOUR)
    again = _check_due(store, context, now=lambda: T0 + 4 * HOUR)
    assert [c.window_start_at for c in first + later] == [T0 + h * HOUR for h in range(4)]
    assert again == []
    # income moves by 0.8 sd from hour 2: one of two features, share 0.5 >= drift share 0.5
    assert [c.status for c in store.list_checks("credit")] == ["ok", "ok", "drifting", "drifting"]


def test_checks_run_and_monitors_list_from_the_shell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    save_baseline(build_baseline(_reference()), tmp_path / "credit.driftline")
    config = tmp_path / "driftline.yaml"
    config.write_text(
        f"database_url: sqlite:///{tmp_path / 'service.db'}\n"
        "monitors:\n"
        "  - {name: credit, baseline: credit.driftline, schedule: {interval: 1h}}\n"
    )
    monkeypatch.delenv("DRIFTLINE_DATABASE_URL", raising=False)
    assert main(["db", "upgrade", "--config", str(config)]) == 0
    store = Store(f"sqlite:///{tmp_path / 'service.db'}")
    store.upsert_monitor("credit", {})
    _ingest(store, T0, 100)
    store.close()
    code = main(
        [
            "checks",
            "run",
            "credit",
            "--config",
            str(config),
            "--start",
            T0.isoformat(),
            "--end",
            (T0 + HOUR).isoformat(),
        ]
    )
    assert code == 0
    assert main(["monitors", "list", "--config", str(config)]) == 0
    out = capsys.readouterr().out
    assert "credit" in out and "100" in out and "ok" in out
