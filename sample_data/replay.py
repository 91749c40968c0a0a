"""Replay simulated live traffic through Driftline's ingest API, at an accelerated pace.

Simulated time advances in steps of ``step`` (1 h by default). At each step the replay posts
the records whose event time falls in the step, in event-time order, then the labels whose
arrival time falls in it, then calls ``on_step`` with the step's end: from then on, everything
that happened before that simulated time has been delivered. ``driftline serve --clock
file:PATH`` can follow the replay this way (``clock_file=`` writes the file), so windows are
checked in simulated time, never before their records are in.

The pace is ``speed`` simulated seconds per real second, or ``duration_s`` for the whole
replay (about 60 s for the demo's eight weeks, a speed of about 80 000); with neither, it goes
as fast as the server answers. A step that takes longer than its share of real time is not
waited for: the replay catches up, and the progress bar shows the simulated time reached.

Example::

    from monitor.client import Client
    from sample_data.live import generate_live
    from sample_data.replay import replay

    with Client("http://127.0.0.1:8050") as client:
        result = replay(generate_live(), client, "credit", duration_s=60)
    print(result.records_inserted, "records,", result.labels_stored, "labels")

Command line::

    python -m sample_data.replay --url http://127.0.0.1:8050 --monitor credit \\
        --duration 60 --clock-file .driftline-demo/clock
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd
from tqdm import tqdm

from monitor.client import Client
from monitor.config.durations import parse_duration
from monitor.service.clock import FileClock
from sample_data.live import ID_COLUMN, TIME_COLUMN, LiveTraffic, generate_live

__all__ = ["ReplayResult", "ReplayStep", "main", "replay"]

_DEFAULT_STEP: Final = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class ReplayStep:
    """Where a replay stands after a step: everything before ``simulated_at`` is delivered."""

    simulated_at: datetime
    number: int  # 1-based
    records_sent: int  # so far
    labels_sent: int  # so far


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What a replay sent and what the server answered."""

    records_sent: int
    records_inserted: int
    record_duplicates: int
    labels_sent: int
    labels_stored: int
    steps: int
    simulated_s: float
    elapsed_s: float


def _boundaries(stamps: pd.Series, edges: pd.DatetimeIndex) -> np.ndarray:
    """For each edge, the number of ``stamps`` (sorted) that come before it."""
    values = stamps.to_numpy(dtype="datetime64[ns]")
    keys = edges.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
    positions: np.ndarray = np.searchsorted(values, keys, side="left")
    return positions


def replay(
    traffic: LiveTraffic,
    client: Client,
    monitor: str,
    *,
    step: timedelta = _DEFAULT_STEP,
    speed: float | None = None,
    duration_s: float | None = None,
    on_step: Callable[[ReplayStep], None] | None = None,
    score: Callable[[pd.DataFrame], pd.DataFrame] | None = None,
    clock_file: str | os.PathLike[str] | None = None,
    progress: bool = True,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> ReplayResult:
    """Post ``traffic`` to ``monitor`` through ``client`` in simulated-time steps.

    Parameters
    ----------
    traffic : from :func:`sample_data.live.generate_live`.
    client : a :class:`monitor.client.Client` for the running server.
    step : simulated time per step (> 0); each step posts its records, then its labels.
    speed, duration_s : the pace, as simulated seconds per real second or as the real
        duration of the whole replay; at most one (neither: as fast as possible).
    on_step : called after each step with a :class:`ReplayStep`.
    score : called with each step's records before they are posted; returns them as they
        should be sent (the demo fills in the serving model's predictions this way).
    clock_file : a ``driftline serve --clock file:PATH`` file to advance: set to the start
        before anything is posted, then to each step's end once its data are posted.
    progress : show a tqdm progress bar (records sent, simulated time reached).
    sleep, monotonic : injectable for tests.
    """
    if step <= timedelta(0):
        raise ValueError(f"step must be positive, got {step}")
    if speed is not None and duration_s is not None:
        raise ValueError("give speed or duration_s, not both")
    total_s = (traffic.end_at - traffic.start_at).total_seconds()
    if duration_s is not None:
        if not duration_s > 0:
            raise ValueError(f"duration_s must be positive, got {duration_s}")
        speed = total_s / duration_s
    if speed is not None and not (speed > 0 and np.isfinite(speed)):
        raise ValueError(f"speed must be a positive number, got {speed}")

    records, labels = traffic.records, traffic.labels
    steps = int(-(-total_s // step.total_seconds()))
    edges = pd.date_range(traffic.start_at, periods=steps + 1, freq=step)
    record_edges = _boundaries(records[TIME_COLUMN], edges)
    label_edges = _boundaries(labels["arrives_at"], edges)
    # records and labels after the last edge (none from generate_live) go in the last step
    record_edges[-1], label_edges[-1] = len(records), len(labels)
    # labels arriving before the start (none from generate_live) go in the first step
    record_edges[0], label_edges[0] = 0, 0

    clock = FileClock(clock_file) if clock_file is not None else None
    if clock is not None:
        clock.set(traffic.start_at)
    inserted = duplicates = stored = 0
    started = monotonic()
    with tqdm(
        total=len(records), unit="rec", desc=f"replay {monitor}", disable=not progress
    ) as bar:
        for number in range(1, steps + 1):
            begin, end = int(record_edges[number - 1]), int(record_edges[number])
            if end > begin:
                batch = records.iloc[begin:end]
                answer = client.log_records(
                    monitor,
                    batch if score is None else score(batch),
                    id_column=ID_COLUMN,
                    time_column=TIME_COLUMN,
                )
                inserted += answer.inserted
                duplicates += answer.duplicates
            label_begin, label_end = int(label_edges[number - 1]), int(label_edges[number])
            if label_end > label_begin:
                stored += client.log_labels(
                    monitor, labels.iloc[label_begin:label_end], id_column=ID_COLUMN
                ).stored
            reached = min(edges[number].to_pydatetime(), traffic.end_at)
            if clock is not None:
                clock.set(reached)
            if on_step is not None:
                on_step(ReplayStep(reached, number, end, label_end))
            bar.update(end - begin)
            bar.set_postfix_str(f"{reached:%Y-%m-%d %H:%M}Z, {label_end} labels", refresh=False)
            if speed is not None:
                due = started + (reached - traffic.start_at).total_seconds() / speed
                wait = due - monotonic()
                if wait > 0:
                    sleep(wait)
    return ReplayResult(
        records_sent=len(records),
        records_inserted=inserted,
        record_duplicates=duplicates,
        labels_sent=len(labels),
        labels_stored=stored,
        steps=steps,
        simulated_s=total_s,
        elapsed_s=monotonic() - started,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Replay the demo's live traffic.")
    parser.add_argument("--url", default="http://127.0.0.1:8050", help="the Driftline server")
    parser.add_argument("--monitor", default="credit")
    parser.add_argument("--token", default=os.environ.get("DRIFTLINE_API_TOKEN"))
    pace = parser.add_mutually_exclusive_group()
    pace.add_argument("--duration", type=float, default=None, help="real seconds in all")
    pace.add_argument("--speed", type=float, default=None, help="simulated s per real s")
    parser.add_argument("--step", default="1h", help="simulated time per step, e.g. 1h")
    parser.add_argument("--clock-file", type=Path, default=None, help="serve --clock file")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args(argv)
    traffic = generate_live() if args.seed is None else generate_live(args.seed)
    with Client(args.url, token=args.token) as client:
        result = replay(
            traffic,
            client,
            args.monitor,
            step=parse_duration(args.step),
            speed=args.speed,
            duration_s=args.duration,
            clock_file=args.clock_file,
        )
    print(
        f"{result.records_inserted} records stored ({result.record_duplicates} already there), "
        f"{result.labels_stored} labels, {result.simulated_s / 86_400:.0f} simulated days "
        f"in {result.elapsed_s:.1f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
