"""`driftline serve` with a monitor on `models:/credit@production` (embedded MLflow): the
scheduler checks against the registered version and writes the results back to MLflow."""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pandas as pd
from mlflow_helpers import ROOT, train

sys.path.insert(0, str(ROOT / "tests" / "integration" / "service"))

from mlflow import MlflowClient  # noqa: E402
from serving import driftline, start_serve, stop_serve  # noqa: E402


def test_serve_checks_a_registered_model_and_writes_back(
    reference: pd.DataFrame, tmp_path: Path
) -> None:
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"  # the embedded store beside driftline.db
    version = train(reference, uri, "credit")
    (tmp_path / "driftline.yaml").write_text(
        "database_url: sqlite:///./driftline.db\n"
        "mlflow: {writeback_interval: 1s}\n"
        "monitors:\n"
        "  - name: credit\n"
        "    baseline: models:/credit@production\n"
        "    schedule: {interval: 1s}\n"
        "    window: 1h\n"
    )
    assert driftline(tmp_path, "db", "upgrade").returncode == 0
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    process, base = start_serve(tmp_path, log)
    try:
        frame = pd.read_csv(ROOT / "sample_data" / "current_no_drift.csv").head(300)
        rows = json.loads(frame.drop(columns=["default"]).to_json(orient="records"))
        hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        for i, row in enumerate(rows):  # the last complete hour: one window is due
            row["id"] = row.pop("record_id")
            row["timestamp"] = (hour + timedelta(seconds=10 * i)).isoformat()
        response = httpx.post(f"{base}/api/v1/monitors/credit/records", json=rows, timeout=30)
        assert response.status_code == 200, response.text
        deadline = time.monotonic() + 60
        checks: list[dict[str, object]] = []
        while time.monotonic() < deadline and not checks:
            checks = httpx.get(f"{base}/api/v1/monitors/credit/checks").json()["checks"]
            time.sleep(0.5)
        assert checks, (tmp_path / "serve.log").read_text()[-3000:]
        assert (checks[0]["model_version"], checks[0]["run_id"]) == ("1", version.run_id)
        client = MlflowClient(uri, uri)
        while time.monotonic() < deadline:
            tags = client.get_model_version("credit", "1").tags
            if "drift_status" in tags:
                break
            time.sleep(0.5)
        assert tags.get("drift_status") == checks[0]["status"]
    finally:
        stop_serve(process)
        log.close()
