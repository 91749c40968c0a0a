"""The audit half of ``Store``: every state change a person or a client makes (a retrain
request, a silence added or expired, a check run now, a backfill, a monitor added) is one
``audit_events`` row. ``Store`` inherits these methods; each is one transaction.

The actor is a name, never a secret: an API token's configured name, ``dashboard:<user>``
or ``cli:<os user>``. The detail is a small JSON object the caller builds from what it
did (ids, a rule, a window); :meth:`AuditStore.add_audit` refuses one larger than
:data:`MAX_DETAIL_CHARS` rather than store a request body.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import select

from monitor.store._base import StoreBase
from monitor.store.models import AuditRow

__all__ = ["MAX_DETAIL_CHARS", "AuditEntry", "AuditStore"]

MAX_DETAIL_CHARS: Final = 4_000
"""The longest detail JSON stored; an entry's detail is a few ids, never a payload."""


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded state change."""

    id: int
    at: dt.datetime
    actor: str
    action: str
    monitor: str | None
    request_id: str | None
    detail: Mapping[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "monitor": self.monitor,
            "request_id": self.request_id,
            "detail": dict(self.detail),
        }


def _entry(row: AuditRow) -> AuditEntry:
    detail = json.loads(row.detail_json)
    return AuditEntry(
        id=row.id,
        at=row.at,
        actor=row.actor,
        action=row.action,
        monitor=row.monitor,
        request_id=row.request_id,
        detail=detail if isinstance(detail, dict) else {},
    )


class AuditStore(StoreBase):
    """Audit-trail methods of ``Store``."""

    def add_audit(
        self,
        actor: str,
        action: str,
        *,
        monitor: str | None = None,
        request_id: str | None = None,
        detail: Mapping[str, Any] | None = None,
    ) -> AuditEntry:
        """Record that ``actor`` did ``action`` (on ``monitor``); returns the entry."""
        text = json.dumps(dict(detail or {}), default=str, sort_keys=True)
        if len(text) > MAX_DETAIL_CHARS:
            raise ValueError(
                f"audit detail of {action!r} is {len(text)} characters; at most "
                f"{MAX_DETAIL_CHARS} (record ids, not payloads)"
            )
        with self._session() as session:
            row = AuditRow(
                at=self._clock(),
                actor=actor[:200],
                action=action[:64],
                monitor=monitor,
                request_id=request_id,
                detail_json=text,
            )
            session.add(row)
            session.flush()
            return _entry(row)

    def list_audit(self, monitor: str | None = None, *, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries (of ``monitor`` only, when given), newest first."""
        statement = select(AuditRow).order_by(AuditRow.at.desc(), AuditRow.id.desc()).limit(limit)
        if monitor is not None:
            statement = statement.where(AuditRow.monitor == monitor)
        with self._session(readonly=True) as session:
            return [_entry(row) for row in session.scalars(statement)]
