"""Clients of the practice."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Client(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int | None = Field(default=None, foreign_key="user.id", index=True)
    first_name: str = Field(max_length=100)
    last_name: str = Field(max_length=100)
    # Case- and accent-folded last name: the portal login and search match on it.
    last_name_key: str = Field(max_length=100, index=True)
    # Folded "first last": the client list searches names on it.
    name_key: str = Field(default="", max_length=201, index=True, sa_column_kwargs={"server_default": ""})
    date_of_birth: date
    email: str = Field(default="", max_length=254)
    mobile_e164: str = Field(default="", max_length=20)
    address: str = Field(default="", max_length=500)
    pin_hash: str = Field(default="", max_length=255)
    pin_set_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    invitation_sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    failed_pin_attempts: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    locked_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def display_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
