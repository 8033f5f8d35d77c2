"""Writes to the audit log, inside the caller's transaction so the record and the change commit together."""

from __future__ import annotations

import json

from sqlmodel import Session

from ..models import AuditEvent


def record(
    db: Session,
    action: str,
    *,
    actor_kind: str,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: int | None = None,
    ip: str = "",
    **detail,
) -> AuditEvent:
    event = AuditEvent(
        actor_kind=actor_kind,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=ip[:64],
        detail=json.dumps(detail, default=str, ensure_ascii=False)[:4000] if detail else "",
    )
    db.add(event)
    return event
