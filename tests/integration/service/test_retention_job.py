"""The retention job: driftline.yaml's ages applied by serve's scheduler through the
store's one prune."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa

from monitor import config as cfg
from monitor.engine.records import records_table
from monitor.engine.report import DriftReport
from monitor.service.retention import retention_job
from monitor.service.scheduler import build_scheduler
from monitor.store import Store, upgrade

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _folder(folder: Path, database_url: str, retention: str) -> Path:
    path = folder / "driftline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        f"retention: {retention}\n"
        "monitors:\n"
        "  - {name: credit, baseline: b.driftline, schedule: {interval: 1h}, window: 1h}\n"
    )
    return path


def test_the_job_applies_the_configured_age_and_keeps_unchecked_windows(
    tmp_path: Path, database_url: str
) -> None:
    upgrade(database_url)
    store = Store(database_url)
    store.upsert_monitor("credit", {})
    for days in (100, 95, 91):  # 100 and 95 days old are checked; 91 is not
        at = NOW - timedelta(days=days)
        ids = [f"d{days}-{i}" for i in range(5)]
        store.add_batch("credit", records_table(ids, [at] * 5, {"x": pa.array([1.0] * 5)}))
    empty = DriftReport(0, 0, (), (), 0.05, 0.1, 0.1, 0.5, "bh")
    for days in (100, 95):
        start = NOW - timedelta(days=days)
        store.save_check(
            "credit", start, start + timedelta(hours=1), empty, started_at=NOW, finished_at=NOW
        )
    path = _folder(tmp_path, database_url, "{records: 90d}")
    result = retention_job(str(path), now=lambda: NOW)
    assert result is not None
    assert result.records == 10
    assert result.kept_for_pending == {"credit": NOW - timedelta(days=95) + timedelta(hours=1)}
    assert store.count_records("credit") == 5
    assert len(store.list_checks("credit")) == 2
    store.close()


def test_serve_schedules_the_job_only_when_retention_is_configured(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    with_ages = _folder(tmp_path, url, "{labels: 30d, interval: 15m}")
    scheduler = build_scheduler(cfg.load_config(with_ages), with_ages, url)
    job = scheduler.get_job("retention")
    assert job is not None and job.trigger.interval == timedelta(minutes=15)
    without = _folder(tmp_path, url, "{}")
    assert build_scheduler(cfg.load_config(without), without, url).get_job("retention") is None
