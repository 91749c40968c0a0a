"""``scheduler.lease_ttl``: serve's scheduler renews its lease for the configured TTL every
third of it, so a dead holder's lease is free that long after its last renewal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from monitor import config as cfg
from monitor.service.scheduler import LEASE_NAME, build_scheduler, renew_lease_job
from monitor.store import Store, upgrade


def _folder(folder: Path, database_url: str, scheduler: str) -> Path:
    path = folder / "driftline.yaml"
    path.write_text(
        f"database_url: '{database_url}'\n"
        f"scheduler: {scheduler}\n"
        "monitors:\n"
        "  - {name: credit, baseline: b.driftline, schedule: {interval: 1h}, window: 1h}\n"
    )
    return path


def test_the_renewal_job_runs_every_third_of_the_configured_ttl(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'driftline.db'}"
    for given, ttl in (("{lease_ttl: 9s}", timedelta(seconds=9)), ("{}", timedelta(minutes=1))):
        path = _folder(tmp_path, url, given)
        job = build_scheduler(cfg.load_config(path), path, url).get_job("lease:renew")
        assert job is not None
        assert job.trigger.interval == ttl / 3, given
        assert job.args[3] == ttl.total_seconds(), given
        assert job.misfire_grace_time == int(ttl.total_seconds()), given


def test_a_renewed_lease_expires_after_the_configured_ttl(
    tmp_path: Path, database_url: str
) -> None:
    upgrade(database_url)
    path = _folder(tmp_path, database_url, "{lease_ttl: 10s}")
    before = datetime.now(UTC)
    renew_lease_job("", "first", str(path), 10.0)
    after = datetime.now(UTC)
    almost = Store(database_url, clock=lambda: before + timedelta(seconds=9))
    expired = Store(database_url, clock=lambda: after + timedelta(seconds=10, milliseconds=1))
    try:
        assert not almost.acquire_lease(LEASE_NAME, "second", timedelta(seconds=10))
        assert expired.acquire_lease(LEASE_NAME, "second", timedelta(seconds=10))
    finally:
        almost.close()
        expired.close()
