"""Documents exchanged between a client and their counselor. The bytes live encrypted outside every public
path (see services/documents.py); the table keeps what is needed to list and serve them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Document(SQLModel, table=True):
    __table_args__ = (Index("ix_document_client", "client_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    client_id: int = Field(foreign_key="client.id")
    counselor_id: int = Field(foreign_key="user.id", index=True)
    # "to_client" (shared by the counselor) or "from_client" (uploaded by the client).
    direction: str = Field(sa_type=String(12))
    uploaded_by_id: int
    # The file name as the uploader gave it, cleaned: display text only, never a path.
    display_name: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size_bytes: int
    # A random name in the documents folder; nothing about the file or the client in it.
    storage_name: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)
    # When the recipient first downloaded it.
    opened_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
