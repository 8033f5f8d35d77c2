"""The practice, its staff, and each counselor's Portal Settings."""

from __future__ import annotations

from datetime import datetime, time
from enum import Enum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from .types import UTCDateTime, utcnow


class Practice(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    time_zone: str = Field(default="America/Chicago", max_length=64)
    address: str = Field(default="", max_length=500)
    phone: str = Field(default="", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Role(str, Enum):
    counselor = "counselor"
    admin = "admin"
    front_desk = "front_desk"


class User(SQLModel, table=True):
    """A member of staff who signs in to the dashboard."""

    id: int | None = Field(default=None, primary_key=True)
    practice_id: int = Field(foreign_key="practice.id", index=True)
    email: str = Field(max_length=254, unique=True, index=True)
    full_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: Role = Field(default=Role.counselor, sa_type=String(20))
    is_clinician: bool = Field(default=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    last_sign_in_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SchedulerView(str, Enum):
    day = "Day"
    week_days = "WeekDays"
    full_week = "FullWeek"


class PortalSettings(SQLModel, table=True):
    """SPEC 1.2, one row per counselor, fields in the seed's order."""

    id: int | None = Field(default=None, primary_key=True)
    counselor_id: int = Field(foreign_key="user.id", unique=True, index=True)
    business_start: time = Field(default=time(8, 0))
    business_end: time = Field(default=time(17, 0))
    default_view: SchedulerView = Field(default=SchedulerView.week_days, sa_type=String(10))
    # Python weekday numbers: Monday is 0, Sunday is 6.
    first_day_of_week: int = Field(default=0, ge=0, le=6)
    display_tooltip: bool = Field(default=True)
    session_minutes: int = Field(default=60)
    odd_even_colors: bool = Field(default=False)
    days_prior: int = Field(default=30)
    allow_current_day: bool = Field(default=False)
    # Comma-separated Python weekday numbers on which clients may book.
    allowed_weekdays: str = Field(default="0,1,2,3,4", max_length=20)
    client_notification_message: str = Field(default="", max_length=1000)
    reschedule_restriction_hours: int = Field(default=24)
    reschedule_message: str = Field(default="", max_length=1000)
    make_appointment: bool = Field(default=True)
    online_appointment: bool = Field(default=False)
    confirm_appointment: bool = Field(default=True)
    disable_decline: bool = Field(default=False)
    messages: bool = Field(default=True)
    documents: bool = Field(default=True)
    assessments: bool = Field(default=True)
    intake_paperwork: bool = Field(default=True)
    feedback: bool = Field(default=False)
    notify_email: bool = Field(default=True)
    notify_sms: bool = Field(default=False)
    make_payment: bool = Field(default=False)
    payment_message: str = Field(default="", max_length=1000)
    checkin_notification: bool = Field(default=True)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)

    @property
    def weekday_set(self) -> frozenset[int]:
        return frozenset(int(d) for d in self.allowed_weekdays.split(",") if d.strip())
