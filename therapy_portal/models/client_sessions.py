"""Client portal sessions, and the failed sign-ins that throttle guessing."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class ClientSession(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    client_id: int = Field(foreign_key="client.id", index=True)
    # Set when the browser adopts the session (see services/client_auth.py); null until then.
    token_hash: str | None = Field(default=None, max_length=64, unique=True, index=True)
    handoff_hash: str | None = Field(default=None, max_length=64, unique=True)
    handoff_expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_seen_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    ip: str = Field(default="", max_length=64)


class LoginFailure(SQLModel, table=True):
    """One failed portal sign-in: counted per address and across clients to throttle guessing."""

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    ip: str = Field(default="", max_length=64, index=True)
    client_id: int | None = Field(default=None, foreign_key="client.id")
