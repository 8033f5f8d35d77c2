"""Secure messages (TSecure): one thread per client and counselor. Bodies are stored encrypted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class SecureMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_securemessage_thread", "client_id", "counselor_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    client_id: int = Field(foreign_key="client.id")
    counselor_id: int = Field(foreign_key="user.id", index=True)
    # "client" or "staff": who wrote it. The other side is the one who reads it.
    sender_kind: str = Field(sa_type=String(8))
    sender_id: int
    # AES-GCM ciphertext (see services/vault.py), bound to this thread: never the text itself.
    body_enc: str = Field(sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    # When the recipient first saw it; unread while null.
    read_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
