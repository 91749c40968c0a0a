"""One module per schema revision (loaded by Alembic by path, not imported)."""

from __future__ import annotations

__all__: list[str] = []
