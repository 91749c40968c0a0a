"""The entry point of the demo's retraining project: train the next credit model version on
the labelled records of the drift, inside the MLflow Project run Driftline launched.

It reads the monitor's records in [since, until) that have a label from Driftline's store
(``Store.labelled_records``), waiting up to ``--wait-s`` seconds for ``--min-rows`` of them
(labels arrive days after their records), then trains on the newest ``--train-rows`` of
them (all with 0) with ``sample_data/train.py``'s pipeline, which fits on three quarters of
them and computes the baseline's performance and CBPE calibration on the held-out quarter;
it logs the model and its Driftline baseline to this run and registers the next version of
the model, without moving the alias: Driftline's promotion gate decides that (on records
after ``until``, which training never reads). Training on the newest records keeps the
earliest ones out when the first drifting window was still part of the change (part old,
part new data), which the next version's baseline must not describe.

    python retrain.py --database-url sqlite:///driftline.db --monitor credit \\
        --since 2026-01-27T00:00:00+00:00 --until 2026-01-29T00:00:00+00:00 ...
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository, for sample_data

from monitor.store import Store  # noqa: E402
from sample_data.train import CATEGORICAL, NUMERIC, TARGET, train_and_register  # noqa: E402

import mlflow  # noqa: E402  isort: skip  (after monitor, which turns MLflow's telemetry off)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--model-name", default="credit")
    parser.add_argument("--min-rows", type=float, default=2000)
    parser.add_argument("--train-rows", type=float, default=0)
    parser.add_argument("--wait-s", type=float, default=600)
    parser.add_argument("--monitor", required=True)
    parser.add_argument("--trigger", required=True)
    parser.add_argument("--reason", default="")
    parser.add_argument("--since", required=True, type=datetime.fromisoformat)
    parser.add_argument("--until", required=True, type=datetime.fromisoformat)
    args = parser.parse_args(argv)
    store = Store(args.database_url)
    deadline = time.monotonic() + args.wait_s
    try:
        while True:
            frame = store.labelled_records(
                args.monitor, args.since, args.until, label_column=TARGET
            )
            if len(frame) >= args.min_rows or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
    finally:
        store.close()
    if frame.empty:
        print(f"no labelled records of {args.monitor} in [{args.since}, {args.until})")
        return 1
    if args.train_rows > 0 and len(frame) > args.train_rows:
        frame = frame.sort_values("event_at").iloc[-int(args.train_rows) :].reset_index(drop=True)
    first, last = frame["event_at"].min(), frame["event_at"].max()
    with mlflow.start_run():  # the project run Driftline launched (MLFLOW_RUN_ID)
        mlflow.set_tags(
            {
                "driftline.reason": args.reason,
                "training.since": str(args.since),
                "training.until": str(args.until),
                "training.first_record": str(first),
                "training.last_record": str(last),
            }
        )
        frame[TARGET] = frame[TARGET].astype("int64")
        version = train_and_register(
            frame[[*NUMERIC, *CATEGORICAL, TARGET]], model_name=args.model_name, alias=None
        )
    print(
        f"registered {version.name} version {version.version} trained on {len(frame)} labelled "
        f"records of {first:%Y-%m-%d %H:%M} .. {last:%Y-%m-%d %H:%M} "
        f"(validation ROC AUC {version.metrics['roc_auc']:.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
