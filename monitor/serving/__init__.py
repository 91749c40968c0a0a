"""``driftline serve-model``: the scoring server that follows a registered model's alias,
swaps versions atomically and logs its predictions to a monitor in the background.

Imports the engine, the MLflow link and the Python client; never ``service``.
"""

from __future__ import annotations

__all__: list[str] = []
