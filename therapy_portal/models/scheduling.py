"""Appointments."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Index, String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class AppointmentKind(str, Enum):
    in_person = "in_person"
    online = "online"


class AppointmentStatus(str, Enum):
    requested = "requested"
    scheduled = "scheduled"
    confirmed = "confirmed"
    declined = "declined"
    rescheduled = "rescheduled"
    cancelled = "cancelled"
    checked_in = "checked_in"
    completed = "completed"
    no_show = "no_show"


# Statuses that hold the counselor's time; the others free the slot.
ACTIVE_STATUSES = frozenset(
    {
        AppointmentStatus.requested,
        AppointmentStatus.scheduled,
        AppointmentStatus.confirmed,
        AppointmentStatus.checked_in,
        AppointmentStatus.completed,
        AppointmentStatus.no_show,
    }
)


class ActorKind(str, Enum):
    staff = "staff"
    client = "client"
    system = "system"


class Appointment(SQLModel, table=True):
    __table_args__ = (Index("ix_appointment_counselor_start", "counselor_id", "start_at"),)

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    counselor_id: int = Field(foreign_key="user.id")
    client_id: int = Field(foreign_key="client.id", index=True)
    start_at: datetime = Field(sa_type=UTCDateTime)
    end_at: datetime = Field(sa_type=UTCDateTime)
    kind: AppointmentKind = Field(default=AppointmentKind.in_person, sa_type=String(12))
    status: AppointmentStatus = Field(default=AppointmentStatus.scheduled, sa_type=String(12))
    created_by_kind: ActorKind = Field(default=ActorKind.staff, sa_type=String(8))
    created_by_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
