"""Wiring APScheduler: one job per monitor, the jobs of extensions (``alerts``: send
due deliveries) and the retention job (``retention`` in driftline.yaml), in the same
database as everything else.

Jobs are top-level functions taking strings (they are stored in the job store). Each
run loads the configuration and checks every complete window since the last checked
one, so a missed run loses nothing: the next one catches up. One scheduler per
database: ``serve`` holds a lease row and renews it every third of its TTL
(``scheduler.lease_ttl`` in driftline.yaml, default :data:`LEASE_TTL`); a second ``serve``
that cannot take the lease runs the API only.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, timedelta
from pathlib import Path
from typing import Final

from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from monitor import config as cfg
from monitor.config.operations import DEFAULT_LEASE_TTL
from monitor.errors import ConfigError, DriftlineError
from monitor.mlflow.configured import writeback_job
from monitor.service.checks import CheckJob
from monitor.service.clock import clock_from_spec
from monitor.service.extensions import ServiceContext, load_extensions
from monitor.service.retention import retention_job
from monitor.store import Store

__all__ = [
    "LEASE_NAME",
    "LEASE_TTL",
    "build_scheduler",
    "check_monitor_job",
    "holder_id",
    "renew_lease_job",
    "sync_check_jobs",
]

_log = logging.getLogger(__name__)

LEASE_NAME: Final = "scheduler"
LEASE_TTL: Final = DEFAULT_LEASE_TTL
"""The lease's default TTL; ``scheduler.lease_ttl`` in driftline.yaml sets it."""
_JOB_TABLE: Final = "apscheduler_jobs"
_NO_URL: Final = ""
"""The database URL in a stored job's arguments: none. Arguments are pickled into the job
store, and a URL may hold a password; each job reads the URL from driftline.yaml."""


def holder_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def check_monitor_job(
    config_path: str, monitor_name: str, database_url: str = "", clock: str = "system"
) -> None:
    """The scheduled job: check every due window of one monitor with :class:`CheckJob`;
    ``clock`` is a ``--clock`` value (``monitor.service.clock``) saying what time it is;
    ``database_url`` '' means driftline.yaml's. Logs one line per check (in the job) or
    error, nothing when nothing is due."""
    try:
        now = clock_from_spec(clock)
        config = cfg.load_config(config_path)
        config.monitor(monitor_name)
    except ConfigError as exc:
        _log.error("%s: no window checked: %s", monitor_name, exc)
        return
    database_url = database_url or config.database_url
    store = Store(database_url)
    job = CheckJob(
        store,
        ServiceContext(config, Path(config_path), database_url),
        now=now,
        extensions=load_extensions(),
    )
    try:
        job.run(monitor_name)
    except DriftlineError as exc:
        _log.error("%s: no window checked: %s", monitor_name, exc)
    finally:
        job.close()
        store.close()


def renew_lease_job(
    database_url: str, holder: str, config_path: str = "", ttl_s: float = 0.0
) -> None:
    """Keep this process's scheduler lease alive for ``ttl_s`` more seconds (0: the
    :data:`LEASE_TTL` default, the arguments of a job stored before the TTL was
    configurable); ``database_url`` '' means the one ``config_path`` names."""
    store = Store(database_url or cfg.load_config(config_path).database_url)
    ttl = timedelta(seconds=ttl_s) if ttl_s > 0 else LEASE_TTL
    try:
        if not store.acquire_lease(LEASE_NAME, holder, ttl):
            _log.error("scheduler lease lost to another process; checks may run twice")
    finally:
        store.close()


def _trigger(schedule: cfg.Schedule) -> BaseTrigger:
    if schedule.cron is not None:
        return CronTrigger.from_crontab(schedule.cron, timezone=UTC)
    assert schedule.interval is not None
    return IntervalTrigger(seconds=schedule.interval.total_seconds(), timezone=UTC)


def sync_check_jobs(
    scheduler: BackgroundScheduler,
    config: cfg.Config,
    config_path: Path,
    database_url: str,
    clock: str = "system",
) -> None:
    """One check job per monitor of ``config``: added or replaced (a changed schedule), and
    the jobs of monitors no longer configured removed."""
    path = str(config_path.resolve())
    wanted = {f"check:{monitor.name}" for monitor in config.monitors}
    for job in scheduler.get_jobs():
        if job.id.startswith("check:") and job.id not in wanted:
            scheduler.remove_job(job.id)
    for monitor in config.monitors:
        scheduler.add_job(
            check_monitor_job,
            trigger=_trigger(monitor.schedule),
            args=[path, monitor.name, _NO_URL, clock],
            id=f"check:{monitor.name}",
            name=f"check {monitor.name}",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )


def build_scheduler(
    config: cfg.Config, config_path: Path, database_url: str, *, clock: str = "system"
) -> BackgroundScheduler:
    """A scheduler with one check job per monitor and the lease renewal job (not started);
    ``clock`` (a ``--clock`` value) is the time the check jobs decide due windows by."""
    scheduler = BackgroundScheduler(
        jobstores={"default": SQLAlchemyJobStore(url=database_url, tablename=_JOB_TABLE)},
        timezone=UTC,
    )
    sync_check_jobs(scheduler, config, config_path, database_url, clock)
    path = str(config_path.resolve())
    service = ServiceContext(config, config_path, database_url)
    for extension in load_extensions():
        for job in extension.jobs(service):
            scheduler.add_job(
                job.func,
                trigger=IntervalTrigger(seconds=job.seconds, timezone=UTC),
                args=list(job.args),
                id=job.id,
                replace_existing=True,
                coalesce=True,
                max_instances=1,
                misfire_grace_time=job.misfire_grace_time,
            )
    if any(m.baseline.startswith("models:/") for m in config.monitors):
        scheduler.add_job(
            writeback_job,
            trigger=IntervalTrigger(
                seconds=config.mlflow.writeback_interval.total_seconds(), timezone=UTC
            ),
            args=[path, _NO_URL],
            id="mlflow:writeback",
            name="MLflow write-back",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    if not config.retention.is_empty:
        scheduler.add_job(
            retention_job,
            trigger=IntervalTrigger(
                seconds=config.retention.interval.total_seconds(), timezone=UTC
            ),
            args=[path, _NO_URL],
            id="retention",
            name="retention",
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )
    ttl_s = config.scheduler.lease_ttl.total_seconds()
    scheduler.add_job(
        renew_lease_job,
        trigger=IntervalTrigger(seconds=ttl_s / 3, timezone=UTC),
        args=[_NO_URL, holder_id(), path, ttl_s],
        id="lease:renew",
        replace_existing=True,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=int(ttl_s),
    )
    return scheduler
