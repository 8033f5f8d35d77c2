"""The notification outbox: every email and SMS, written in the transaction of the change that causes it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Index, String, Text
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Channel(str, Enum):
    email = "email"
    sms = "sms"


class OutboxStatus(str, Enum):
    pending = "pending"  # waiting for its next attempt
    sending = "sending"  # claimed by a worker
    sent = "sent"
    failed = "failed"  # out of attempts, or interrupted mid-send: an admin decides


class OutboxMessage(SQLModel, table=True):
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    channel: Channel = Field(sa_type=String(8))
    kind: str = Field(max_length=40)  # invitation, message_notice, ...
    recipient: str = Field(max_length=254)
    subject: str = Field(default="", max_length=300)
    body_text: str = Field(default="", sa_type=Text)
    body_html: str = Field(default="", sa_type=Text)
    # A secret the message carries (a new PIN), encrypted, and erased once delivered. The bodies hold
    # a placeholder where it goes, so nothing readable stays behind.
    secret_enc: str = Field(default="", max_length=500)
    client_id: int | None = Field(default=None, foreign_key="client.id", index=True)
    status: OutboxStatus = Field(default=OutboxStatus.pending, sa_type=String(10))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_error: str = Field(default="", max_length=1000)
    transport: str = Field(default="", max_length=20)
    claimed_by: str = Field(default="", max_length=64)
    claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
