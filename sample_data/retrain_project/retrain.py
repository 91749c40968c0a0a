"""The entry point of the demo's retraining project: train the next credit model version on
the labelled records of the drift, inside the MLflow Project run Driftline launched.

It reads the monitor's records in [since, until) that have a label from Driftline's store
(``Store.labelled_records``), waiting up to ``--wait-s`` seconds for ``--min-rows`` of them
(labels arrive days after their records), then trains with ``sample_data/train.py``'s
pipeline on three quarters of them, logs the model and its Driftline baseline to this run
(its performance and CBPE calibration computed on the held-out quarter) and registers the
next version of the model, without moving the alias: Driftline's promotion gate decides that.

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
    with mlflow.start_run():  # the project run Driftline launched (MLFLOW_RUN_ID)
        mlflow.set_tags({"driftline.reason": args.reason, "training.since": str(args.since)})
        frame[TARGET] = frame[TARGET].astype("int64")
        version = train_and_register(
            frame[[*NUMERIC, *CATEGORICAL, TARGET]], model_name=args.model_name, alias=None
        )
    print(
        f"registered {version.name} version {version.version} trained on {len(frame)} labelled "
        f"records of {args.since:%Y-%m-%d} .. {args.until:%Y-%m-%d} "
        f"(validation ROC AUC {version.metrics['roc_auc']:.3f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
