"""Today's appointments for the dashboard, in the practice's time zone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from ..models import Appointment, Client, Practice, User
from .accounts import StaffIdentity
from .timekeeping import local_to_utc, local_today, zone

STATUS_LABELS = {
    "requested": "Requested",
    "scheduled": "Scheduled",
    "confirmed": "Confirmed",
    "declined": "Declined",
    "rescheduled": "Rescheduled",
    "cancelled": "Cancelled",
    "checked_in": "Checked in",
    "completed": "Completed",
    "no_show": "No-show",
}
KIND_LABELS = {"in_person": "In person", "online": "Online video"}


@dataclass(frozen=True)
class AgendaRow:
    appointment_id: int
    time: str
    client: str
    counselor: str
    kind: str
    status: str
    status_key: str


def day_agenda(
    db: Session, me: StaffIdentity, day: date | None = None, now: datetime | None = None
) -> tuple[str, list[AgendaRow]]:
    """The day's heading and its appointments that this user may see: their own, or all for admin and front desk."""
    practice = db.get(Practice, me.practice_id)
    tz = zone(practice.time_zone)
    day = day or local_today(tz, now)
    start, end = local_to_utc(day, time(0), tz), local_to_utc(day + timedelta(days=1), time(0), tz)
    query = (
        select(Appointment, Client, User)
        .join(Client, Client.id == Appointment.client_id)
        .join(User, User.id == Appointment.counselor_id)
        .where(Appointment.practice_id == me.practice_id, Appointment.start_at >= start, Appointment.start_at < end)
        .order_by(Appointment.start_at)
    )
    if not me.sees_all_counselors:
        query = query.where(Appointment.counselor_id == me.user_id)
    rows = [
        AgendaRow(
            appointment_id=a.id,
            time=f"{a.start_at.astimezone(tz):%-I:%M %p} – {a.end_at.astimezone(tz):%-I:%M %p}",
            client=c.display_name,
            counselor=u.full_name,
            kind=KIND_LABELS.get(a.kind, a.kind),
            status=STATUS_LABELS.get(a.status, a.status),
            status_key=str(a.status),
        )
        for a, c, u in db.exec(query).all()
    ]
    return f"{day:%A, %B} {day.day}, {day.year}", rows
