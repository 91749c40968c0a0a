"""Records into a store the way the ingest API puts them there: ``validate_batch`` against a
baseline's schema, then ``Store.add_batch``. Tests use it instead of a test-only door."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pandas as pd

from monitor import Baseline, build_baseline
from monitor.engine.ingest import validate_batch
from monitor.store import Store

Record = tuple[str, datetime, dict[str, Any]]


def ingest(
    store: Store, monitor: str, records: Sequence[Record], baseline: Baseline | None = None
) -> int:
    """Store ``(record_id, event_at, payload)`` records through the production ingest path;
    returns how many were new. Without ``baseline``, the schema is the payloads' own."""
    if not records:
        return 0
    if baseline is None:
        baseline = build_baseline(pd.DataFrame([payload for _, _, payload in records]))
    batch = [
        {**payload, "id": record_id, "timestamp": event_at.isoformat()}
        for record_id, event_at, payload in records
    ]
    return store.add_batch(monitor, validate_batch(baseline, batch, max_records=len(batch)))
