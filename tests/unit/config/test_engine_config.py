"""engine: {dask: ADDRESS}: accepted for a files source, refused with the fix otherwise."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from monitor.config.model import Monitor


def _monitor(source: dict[str, str]) -> Monitor:
    return Monitor.model_validate(
        {
            "name": "credit",
            "baseline": "b.baseline",
            "source": source,
            "schedule": {"interval": "1h"},
            "engine": {"dask": "tcp://127.0.0.1:8786"},
        }
    )


def test_engine_dask_is_kept_for_a_files_source() -> None:
    files = {"kind": "files", "glob": "*.parquet", "event_time_column": "t"}
    assert _monitor(files).engine.dask == "tcp://127.0.0.1:8786"


def test_engine_dask_is_refused_for_another_source() -> None:
    with pytest.raises(ValidationError, match="engine.dask profiles files.*'ingest'"):
        _monitor({"kind": "ingest"})
