"""The running service: the one check job, the scheduler wiring, the REST API, pull
sources, the clock and the extension points.

``checks`` holds the check job that the scheduler, ``driftline checks run``, ``checks
backfill`` and the API's run-now route all call. Imports everything below it (engine,
config, store, mlflow), never ``serving`` and never ``cli``.
"""

from __future__ import annotations

__all__: list[str] = []
