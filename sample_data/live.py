"""Simulated live traffic for the demo: about two months of scored credit applications.

The records come from the same generating process as ``reference.csv`` (``generate.py``'s
``generate_frame``), arriving as a Poisson stream of ``rate_per_hour`` records per simulated
hour. The timeline has three phases (written to ``live_manifest.json``):

* **stable** (``start_at`` to ``drift_start_at``, 21 days): the reference process, no drift;
* **ramp** (``drift_start_at`` to ``new_normal_from_at``, 1 day): each record comes from the
  drifted process with a probability that rises linearly from 0 to 1;
* **new normal** (``new_normal_from_at`` to ``end_at``): every record comes from the drifted
  process of ``current_income_drift.csv`` (income × 0.75, employment mix shifted toward
  self-employed and unemployed). It is stationary, so a model retrained on it, whose baseline
  is built from it, sees no drift. The concept changes with it (``LIVE_CONCEPT``): the
  self-employed and the unemployed now default more often than the reference process says,
  salaried applicants a little less. Only the labels show it, so a model retrained on the
  labelled records of the new normal ranks applicants better than the reference model
  (which the demo's promotion gate measures).

The ground-truth label ``default`` is not part of a record: it arrives later, as an
``(id, label)`` pair with a delay drawn uniformly from ``label_delay`` (1 to 3 days). Labels that
would arrive after ``end_at`` are left out (they never arrive within the simulation).

Everything is vectorised and seeded: ``generate_live()`` returns the same frames for the same
arguments (for a given numpy version) in well under a second.

Example::

    from sample_data.live import generate_live

    traffic = generate_live()
    traffic.records     # id, timestamp (aware UTC), the features, predicted_proba
    traffic.labels      # id, label, arrives_at (aware UTC), ordered by arrives_at
    traffic.manifest    # the ground truth, as written to live_manifest.json

Command line: ``python -m sample_data.live`` rewrites ``sample_data/live_manifest.json``;
``--out-dir DIR [--format csv|parquet]`` also writes ``live_records`` and ``live_labels`` there.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from sample_data.generate import (
    CURRENT_FILES,
    EMPLOYMENT_EFFECT,
    PREDICTION,
    TARGET,
    Drift,
    generate_frame,
)

__all__ = [
    "DEFAULT_START_AT",
    "ID_COLUMN",
    "INCOME_DRIFT",
    "LIVE_CONCEPT",
    "LIVE_DRIFT",
    "LIVE_SEED",
    "MANIFEST_FILE",
    "TIME_COLUMN",
    "LiveTraffic",
    "generate_live",
    "main",
]

LIVE_SEED: Final = 20240601  # see README: every seed tried passes the ground-truth tests
MANIFEST_FILE: Final = "live_manifest.json"
FORMAT_VERSION: Final = 1
DEFAULT_START_AT: Final = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday
ID_COLUMN: Final = "id"
TIME_COLUMN: Final = "timestamp"
_SOURCE_FILE: Final = "current_income_drift.csv"

_income = next(spec for spec in CURRENT_FILES if spec.name == _SOURCE_FILE)
assert _income.drift is not None
INCOME_DRIFT: Final[Drift] = _income.drift
"""The drift of the features: ``current_income_drift.csv``'s spec, unchanged."""
LIVE_CONCEPT: Final[Mapping[str, float]] = {
    "salaried": -0.5,
    "self_employed": 1.8,
    "unemployed": 2.4,
    "retired": 0.1,
}
"""Each employment type's effect on the log-odds of default in the new normal (the
reference process has ``generate.EMPLOYMENT_EFFECT``)."""
LIVE_DRIFT: Final[Drift] = replace(INCOME_DRIFT, employment_effect=LIVE_CONCEPT)
"""The new normal: the features of ``INCOME_DRIFT`` and the concept of ``LIVE_CONCEPT``."""
_DRIFTED_COLUMNS: Final = (
    *(str(injection["column"]) for injection in INCOME_DRIFT.injections()),
    PREDICTION,
)


@dataclass(frozen=True)
class LiveTraffic:
    """Simulated live traffic: ``records`` in event-time order, ``labels`` in arrival order.

    ``records`` has ``id``, ``timestamp`` (aware UTC) and the feature and prediction columns;
    ``labels`` has ``id``, ``label`` (0/1) and ``arrives_at`` (aware UTC, after the record's
    timestamp). ``manifest`` is the ground truth (see ``live_manifest.json``).
    """

    records: pd.DataFrame
    labels: pd.DataFrame
    manifest: dict[str, Any]
    start_at: datetime
    end_at: datetime
    drift_start_at: datetime
    new_normal_from_at: datetime
    window: timedelta

    @property
    def drifted_columns(self) -> list[str]:
        """Columns that drift from ``drift_start_at`` on (injected ones, then the prediction)."""
        return list(self.manifest["drift"]["drifted_columns"])

    def between(self, start_at: datetime, end_at: datetime) -> pd.DataFrame:
        """The records whose event time falls in [start_at, end_at)."""
        stamps = self.records[TIME_COLUMN]
        return self.records[(stamps >= start_at) & (stamps < end_at)]

    def labelled(self, start_at: datetime, end_at: datetime, known_at: datetime) -> pd.DataFrame:
        """Records of [start_at, end_at) whose label has arrived by ``known_at``, with the label
        as a ``default`` column: the data a retrainer could use at ``known_at``."""
        arrived = self.labels[self.labels["arrives_at"] <= known_at]
        window = self.between(start_at, end_at)
        joined = window.merge(arrived[[ID_COLUMN, "label"]], on=ID_COLUMN, how="inner")
        return joined.rename(columns={"label": TARGET})


def _drift_share(offsets_s: np.ndarray, drift_start_s: float, ramp_s: float) -> np.ndarray:
    """The probability that a record at ``offsets_s`` comes from the drifted process."""
    if ramp_s <= 0:
        return (offsets_s >= drift_start_s).astype(np.float64)
    share: np.ndarray = np.clip((offsets_s - drift_start_s) / ramp_s, 0.0, 1.0)
    return share


def generate_live(
    seed: int = LIVE_SEED,
    *,
    start_at: datetime = DEFAULT_START_AT,
    days: int = 56,
    rate_per_hour: float = 60.0,
    drift_start: timedelta = timedelta(days=21),
    ramp: timedelta = timedelta(days=1),
    label_delay: tuple[timedelta, timedelta] = (timedelta(days=1), timedelta(days=3)),
    window: timedelta = timedelta(days=1),
) -> LiveTraffic:
    """Generate ``days`` days of live traffic from ``start_at`` (see the module docstring).

    Parameters
    ----------
    seed : the root of a ``numpy.random.SeedSequence``; one child stream per random part.
    start_at : aware datetime, the first instant of the simulation (rounded to whole seconds).
    days : length of the simulation, at least 1.
    rate_per_hour : mean records per simulated hour (Poisson counts per hour), > 0.
    drift_start : offset of the drift's start from ``start_at``; a value beyond ``days`` gives
        traffic without drift.
    ramp : how long the change from the reference to the drifted process takes (0 = abrupt).
    label_delay : (min, max) of the uniform delay between a record and its label.
    window : the window length suggested to monitors (written to the manifest only).
    """
    if start_at.tzinfo is None or start_at.utcoffset() is None:
        raise ValueError(f"start_at must be timezone-aware, got {start_at!r}")
    if days < 1:
        raise ValueError(f"days must be at least 1, got {days}")
    if not (rate_per_hour > 0 and np.isfinite(rate_per_hour)):
        raise ValueError(f"rate_per_hour must be a positive number, got {rate_per_hour}")
    if drift_start < timedelta(0) or ramp < timedelta(0):
        raise ValueError(f"drift_start and ramp must be >= 0, got {drift_start} and {ramp}")
    low, high = label_delay
    if not timedelta(0) < low <= high:
        raise ValueError(f"label_delay must be (min, max) with 0 < min <= max, got {label_delay}")
    if window <= timedelta(0):
        raise ValueError(f"window must be positive, got {window}")

    start_at = start_at.astimezone(UTC).replace(microsecond=0)
    end_at = start_at + timedelta(days=days)
    times_ss, mix_ss, stable_ss, drifted_ss, delay_ss = np.random.SeedSequence(seed).spawn(5)

    # event times: Poisson counts per hour, uniform whole seconds within the hour
    times_rng = np.random.default_rng(times_ss)
    hours = days * 24
    counts = times_rng.poisson(rate_per_hour, hours)
    hour_of = np.repeat(np.arange(hours, dtype=np.int64), counts)
    offsets_s = np.sort(hour_of * 3600 + times_rng.integers(0, 3600, hour_of.size))
    n = int(offsets_s.size)

    # which process each record comes from
    share = _drift_share(
        offsets_s.astype(np.float64), drift_start.total_seconds(), ramp.total_seconds()
    )
    is_drifted = np.random.default_rng(mix_ss).random(n) < share
    n_drifted = int(is_drifted.sum())
    stable = generate_frame(np.random.default_rng(stable_ss), n - n_drifted)
    drifted = generate_frame(np.random.default_rng(drifted_ss), n_drifted, LIVE_DRIFT)
    frame = pd.concat([stable, drifted], ignore_index=True)
    # rows of `frame` in event-time order: stable rows fill the undrifted slots in turn
    order = np.empty(n, dtype=np.int64)
    order[~is_drifted] = np.arange(n - n_drifted)
    order[is_drifted] = np.arange(n - n_drifted, n)
    frame = frame.iloc[order].reset_index(drop=True)

    ids = pd.Series(np.arange(1, n + 1)).map("live-{:06d}".format)
    timestamps = pd.Series(pd.Timestamp(start_at) + pd.to_timedelta(offsets_s, unit="s"))
    features = frame.drop(columns=["record_id", TARGET])
    records = pd.concat([pd.DataFrame({ID_COLUMN: ids, TIME_COLUMN: timestamps}), features], axis=1)

    delays_s = np.random.default_rng(delay_ss).uniform(low.total_seconds(), high.total_seconds(), n)
    arrives = timestamps + pd.to_timedelta(np.round(delays_s), unit="s")
    labels = pd.DataFrame({ID_COLUMN: ids, "label": frame[TARGET], "arrives_at": arrives})
    labels = labels[labels["arrives_at"] <= pd.Timestamp(end_at)]
    labels = labels.sort_values("arrives_at", kind="stable").reset_index(drop=True)

    drift_start_at = start_at + drift_start
    new_normal_from_at = drift_start_at + ramp
    manifest = _manifest(
        seed=seed,
        start_at=start_at,
        end_at=end_at,
        drift_start_at=drift_start_at,
        new_normal_from_at=new_normal_from_at,
        rate_per_hour=rate_per_hour,
        label_delay=label_delay,
        window=window,
        records=records,
        labels=labels,
        is_drifted=is_drifted,
    )
    return LiveTraffic(
        records=records,
        labels=labels,
        manifest=manifest,
        start_at=start_at,
        end_at=end_at,
        drift_start_at=drift_start_at,
        new_normal_from_at=new_normal_from_at,
        window=window,
    )


def _duration_text(value: timedelta) -> str:
    """``value`` as one of Driftline's duration strings ("1d", "12h", "90s")."""
    seconds = int(value.total_seconds())
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _manifest(
    *,
    seed: int,
    start_at: datetime,
    end_at: datetime,
    drift_start_at: datetime,
    new_normal_from_at: datetime,
    rate_per_hour: float,
    label_delay: tuple[timedelta, timedelta],
    window: timedelta,
    records: pd.DataFrame,
    labels: pd.DataFrame,
    is_drifted: np.ndarray,
) -> dict[str, Any]:
    injections = INCOME_DRIFT.injections()
    injections.append(
        {
            "column": PREDICTION,
            "kind": "derived",
            "via": [str(i["column"]) for i in injections],
            "note": "not injected directly: the prediction is a function of the drifted features",
        }
    )
    stamps = records[TIME_COLUMN]
    phases = [
        ("stable", start_at, drift_start_at, "the reference process; no drift"),
        (
            "ramp",
            drift_start_at,
            new_normal_from_at,
            "each record is drifted with a probability rising linearly from 0 to 1",
        ),
        ("new_normal", new_normal_from_at, end_at, "the drifted process, stationary"),
    ]
    return {
        "format_version": FORMAT_VERSION,
        "seed": seed,
        "generator": "sample_data/live.py generate_live()",
        "start_at": _iso(start_at),
        "end_at": _iso(end_at),
        "rate_per_hour": rate_per_hour,
        "window_suggested": _duration_text(window),
        "id_column": ID_COLUMN,
        "time_column": TIME_COLUMN,
        "prediction": PREDICTION,
        "label": {
            "target": TARGET,
            "delay_min_s": int(label_delay[0].total_seconds()),
            "delay_max_s": int(label_delay[1].total_seconds()),
            "note": "labels arriving after end_at are left out",
        },
        "drift": {
            "start_at": _iso(drift_start_at),
            "new_normal_from_at": _iso(new_normal_from_at),
            "same_as": _SOURCE_FILE,
            "drifted_columns": list(_DRIFTED_COLUMNS),
            "injections": injections,
            "concept": {
                "target": TARGET,
                "kind": "employment_effect",
                "reference": dict(EMPLOYMENT_EFFECT),
                "current": dict(LIVE_CONCEPT),
                "note": "log-odds effect of employment_type on the label; the labels show it, "
                "the features do not",
            },
        },
        "phases": [
            {
                "name": name,
                "start_at": _iso(begin),
                "end_at": _iso(finish),
                "description": text,
                "records": int(((stamps >= begin) & (stamps < finish)).sum()),
            }
            for name, begin, finish, text in phases
            if finish > begin and begin < end_at
        ],
        "stats": {
            "records": len(records),
            "labels": len(labels),
            "drifted_records": int(is_drifted.sum()),
            "mean_predicted_proba": round(float(records[PREDICTION].mean()), 4),
        },
    }


def _write(frame: pd.DataFrame, path: Path, fmt: str) -> None:
    out = frame.copy()
    for column in (TIME_COLUMN, "arrives_at"):
        if column in out:
            out[column] = out[column].dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    if fmt == "parquet":
        out.to_parquet(path.with_suffix(".parquet"), index=False)
    else:
        out.to_csv(path.with_suffix(".csv"), index=False, lineterminator="\n")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the demo's simulated live traffic.")
    parser.add_argument(
        "--out-dir",
        type=Path,
        default=None,
        help="also write live_records and live_labels (and a manifest copy) into this folder",
    )
    parser.add_argument("--format", choices=("csv", "parquet"), default="csv")
    args = parser.parse_args(argv)
    traffic = generate_live()
    text = json.dumps(traffic.manifest, indent=2) + "\n"
    (Path(__file__).resolve().parent / MANIFEST_FILE).write_text(text)
    if args.out_dir is not None:
        args.out_dir.mkdir(parents=True, exist_ok=True)
        _write(traffic.records, args.out_dir / "live_records", args.format)
        _write(traffic.labels, args.out_dir / "live_labels", args.format)
        (args.out_dir / MANIFEST_FILE).write_text(text)
    print(json.dumps(traffic.manifest["stats"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
