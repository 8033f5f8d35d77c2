"""The audit log: who did what to which object, when, and from where."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class AuditEvent(SQLModel, table=True):
    __table_args__ = (Index("ix_auditevent_object", "object_type", "object_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    actor_kind: str = Field(max_length=12)  # staff, client, system, anonymous
    actor_id: int | None = Field(default=None)
    action: str = Field(max_length=64, index=True)
    object_type: str = Field(default="", max_length=32)
    object_id: int | None = Field(default=None)
    ip: str = Field(default="", max_length=64)
    detail: str = Field(default="", max_length=4000)
