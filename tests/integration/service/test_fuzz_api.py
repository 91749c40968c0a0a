"""Schemathesis against the OpenAPI document of a real `driftline serve` (token set, one
monitor) on SQLite and PostgreSQL: every operation, every phase, no 5xx and no response
that breaks its documented schema (issue 14).

Bounded: ``DRIFTLINE_FUZZ_SECONDS`` (default 30) per database and
``DRIFTLINE_FUZZ_EXAMPLES`` (default 10) per operation; ``make fuzz`` runs it longer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from databases import KINDS, database
from servelive import live_serve
from serving import prepare_folder

TOKEN = "fuzz-token"


@pytest.mark.parametrize("kind", KINDS)
def test_schemathesis_finds_no_5xx_and_no_schema_violation(tmp_path: Path, kind: str) -> None:
    seconds = int(os.environ.get("DRIFTLINE_FUZZ_SECONDS", "30"))
    examples = int(os.environ.get("DRIFTLINE_FUZZ_EXAMPLES", "10"))
    for url in database(kind, tmp_path):
        prepare_folder(tmp_path, f"{{token: {TOKEN}}}")
        config = tmp_path / "driftline.yaml"
        config.write_text(
            config.read_text().replace("sqlite:///./driftline.db", f"'{url}'") + "    alerts:\n"
            "      retrain: {kind: webhook, url: 'http://127.0.0.1:9/retrain',"
            " secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw}\n"
        )
        report = tmp_path / "schemathesis.json"
        with live_serve(tmp_path) as (base, log):
            run = subprocess.run(
                [
                    str(Path(sys.executable).parent / "st"),
                    "run",
                    f"{base}/api/openapi.json",
                    "--header",
                    f"Authorization: Bearer {TOKEN}",
                    "--checks",
                    "not_a_server_error,response_schema_conformance",
                    "--max-examples",
                    str(examples),
                    "--max-time",
                    str(seconds),
                    "--seed",
                    "14",
                    "--request-timeout",
                    "30",
                    "--report",
                    "json",
                    "--report-json-path",
                    str(report),
                ],
                capture_output=True,
                text=True,
                timeout=seconds + 300,
                cwd=tmp_path,  # schemathesis keeps its crash cache in .schemathesis/ here
            )
            served = log.read_text()
        result = json.loads(report.read_text())
        print(  # the numbers for the note: `pytest -s` shows them
            f"schemathesis on {kind}: {result['operations']['tested']} operations, "
            f"{result['test_cases']['generated']} cases, "
            f"{result['test_cases']['with_failures']} with failures, "
            f"{len(result['errors'])} errors in {result['running_time']:.0f} s"
        )
        assert result["operations"]["tested"] == result["operations"]["total"] >= 16
        assert result["test_cases"]["generated"] > 0
        assert result["failures"] == [], run.stdout[-6000:]
        assert result["errors"] == [], run.stdout[-6000:]
        assert run.returncode == 0, run.stdout[-6000:]
        assert "Exception on /" not in served, served[-6000:]  # Flask's line for a 500
