"""Appointments in the database: available slots, and creating or changing appointments without ever
double-booking a counselor, even when many requests race for one slot."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from ..db import write_transaction
from ..models import (
    ACTIVE_STATUSES,
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    PortalSettings,
    Practice,
    User,
    utcnow,
)
from . import audit
from .scheduling import (
    MAX_APPOINTMENT,
    OVERLAP,
    SLOT_TAKEN,
    BusyTimes,
    Interval,
    Rules,
    SchedulingError,
    check_client_booking,
    check_client_reschedule,
    check_staff_times,
    check_status_change,
    client_slots,
)

_ACTIVE = [s.value for s in ACTIVE_STATUSES]


def counselor_rules(db: Session, counselor_id: int) -> Rules:
    settings = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).first()
    if settings is None:
        raise SchedulingError("This counselor has no calendar.")
    counselor = db.get(User, counselor_id)
    practice = db.get(Practice, counselor.practice_id)
    return Rules.from_settings(settings, practice.time_zone)


def busy_times(
    db: Session, counselor_id: int, start: datetime, end: datetime, exclude_id: int | None = None
) -> BusyTimes:
    """Active appointments of a counselor that overlap [start, end)."""
    query = select(Appointment.start_at, Appointment.end_at).where(
        Appointment.counselor_id == counselor_id,
        Appointment.status.in_(_ACTIVE),
        Appointment.start_at < end,
        # No appointment lasts longer than MAX_APPOINTMENT (the database refuses one), so this lower
        # bound lets the (counselor, start) index stop instead of walking the counselor's whole history.
        Appointment.start_at > start - MAX_APPOINTMENT,
        Appointment.end_at > start,
    )
    if exclude_id is not None:
        query = query.where(Appointment.id != exclude_id)
    return BusyTimes(Interval(s, e) for s, e in db.exec(query).all())


def _range(rules: Rules, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    # A day's appointments can reach past midnight and start before it; pad by a day on each side.
    start = datetime.combine(first_day - timedelta(days=1), time(0), tzinfo=rules.tz)
    end = datetime.combine(last_day + timedelta(days=2), time(0), tzinfo=rules.tz)
    return start, end


def available_slots(
    db: Session, counselor_id: int, first_day: date, last_day: date, now: datetime | None = None
) -> list[Interval]:
    now = now or utcnow()
    rules = counselor_rules(db, counselor_id)
    return client_slots(
        rules, busy_times(db, counselor_id, *_range(rules, first_day, last_day)), now, first_day, last_day
    )


def _is_overlap(error: IntegrityError) -> bool:
    text = str(error.orig)
    return (
        "appointment_overlap" in text
        or "appointment_no_overlap" in text
        or getattr(error.orig, "sqlstate", "") == "23P01"
    )


def create_appointment(
    *,
    practice_id: int,
    counselor_id: int,
    client_id: int,
    start: datetime,
    end: datetime | None = None,
    kind: AppointmentKind = AppointmentKind.in_person,
    status: AppointmentStatus = AppointmentStatus.scheduled,
    actor_kind: ActorKind,
    actor_id: int | None,
    ip: str = "",
    now: datetime | None = None,
    then=None,
) -> Appointment:
    """Check and insert in one write transaction. A client's request must be a slot the rules offer;
    a counselor's may fall outside business hours but never over another appointment."""
    now = now or utcnow()
    try:
        with write_transaction() as db:
            if actor_kind == ActorKind.client:
                rules = counselor_rules(db, counselor_id)
                span = check_client_booking(
                    rules, busy_times(db, counselor_id, start, start + rules.session), now, start
                )
            else:
                if end is None:
                    raise SchedulingError("The end time is missing.")
                span = check_staff_times(busy_times(db, counselor_id, start, end), start, end)
            appointment = Appointment(
                practice_id=practice_id,
                counselor_id=counselor_id,
                client_id=client_id,
                start_at=span.start,
                end_at=span.end,
                kind=kind,
                status=status,
                created_by_kind=actor_kind,
                created_by_id=actor_id,
                created_at=now,
                updated_at=now,
            )
            db.add(appointment)
            db.flush()
            audit.record(
                db,
                "appointment.created",
                actor_kind=actor_kind.value,
                actor_id=actor_id,
                object_type="appointment",
                object_id=appointment.id,
                ip=ip,
                start=span.start.isoformat(),
                end=span.end.isoformat(),
            )
            if then is not None:  # e.g. the confirmation email: written with the booking, or not at all
                then(db, appointment)
            return appointment
    except IntegrityError as error:
        if _is_overlap(error):
            # Lost a race the check above could not see: the database's constraint refused the row.
            raise SchedulingError(SLOT_TAKEN if actor_kind == ActorKind.client else OVERLAP) from None
        raise


def update_appointment(
    appointment_id: int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    status: AppointmentStatus | None = None,
    kind: AppointmentKind | None = None,
    actor_kind: ActorKind,
    actor_id: int | None,
    ip: str = "",
    may_touch=lambda appointment: True,
    now: datetime | None = None,
) -> Appointment:
    """Move, re-type or change the status of an appointment, under the same no-overlap rule.

    `may_touch` is the caller's authorization check, run inside the transaction on the fresh row.
    """
    now = now or utcnow()
    try:
        with write_transaction() as db:
            appointment = db.get(Appointment, appointment_id)
            if appointment is None or not may_touch(appointment):
                raise SchedulingError("That appointment was not found.")
            changes: dict[str, tuple[str, str]] = {}
            # A move given only a start keeps the appointment's length; all arithmetic in UTC.
            new_start = (start or appointment.start_at).astimezone(UTC)
            new_end = (end or new_start + (appointment.end_at - appointment.start_at)).astimezone(UTC)
            new_status = AppointmentStatus(status) if status else AppointmentStatus(appointment.status)
            if new_status != appointment.status:
                check_status_change(
                    str(appointment.status.value if hasattr(appointment.status, "value") else appointment.status),
                    new_status.value,
                )
            holds_time = new_status in ACTIVE_STATUSES
            if (new_start, new_end) != (appointment.start_at, appointment.end_at) or (
                holds_time and appointment.status not in _ACTIVE
            ):
                if holds_time:
                    check_staff_times(
                        busy_times(db, appointment.counselor_id, new_start, new_end, exclude_id=appointment.id),
                        new_start,
                        new_end,
                    )
                elif new_end <= new_start:
                    raise SchedulingError("The end must be after the start.")
            for field, value in (
                ("start_at", new_start),
                ("end_at", new_end),
                ("status", new_status),
                ("kind", kind or appointment.kind),
            ):
                old = getattr(appointment, field)
                if str(getattr(old, "value", old)) != str(getattr(value, "value", value)):
                    changes[field] = (str(getattr(old, "value", old)), str(getattr(value, "value", value)))
                    setattr(appointment, field, value)
            if not changes:
                return appointment
            appointment.updated_at = now
            db.add(appointment)
            db.flush()
            audit.record(
                db,
                "appointment.updated",
                actor_kind=actor_kind.value,
                actor_id=actor_id,
                object_type="appointment",
                object_id=appointment.id,
                ip=ip,
                changes=changes,
            )
            return appointment
    except IntegrityError as error:
        if _is_overlap(error):
            raise SchedulingError(OVERLAP) from None
        raise


# What a client may still move: not an appointment they are checked in for, or one already over.
CLIENT_MOVABLE = (AppointmentStatus.requested, AppointmentStatus.scheduled, AppointmentStatus.confirmed)


def client_reschedule(
    appointment_id: int, client_id: int, new_start: datetime, *, ip: str = "", now: datetime | None = None, then=None
) -> Appointment:
    """A client moves their appointment to another offered slot: the old one is marked rescheduled and a
    new one booked, in one write transaction, so neither a double booking nor a lost appointment can result."""
    now = now or utcnow()
    try:
        with write_transaction() as db:
            old = db.get(Appointment, appointment_id)
            if old is None or old.client_id != client_id or old.status not in CLIENT_MOVABLE or old.start_at <= now:
                raise SchedulingError("That appointment can't be rescheduled.")
            rules = counselor_rules(db, old.counselor_id)
            check_client_reschedule(rules, old.start_at, now)
            start = new_start.astimezone(UTC)
            span = check_client_booking(
                rules, busy_times(db, old.counselor_id, start, start + rules.session, exclude_id=old.id), now, start
            )
            old.status, old.updated_at = AppointmentStatus.rescheduled, now
            db.add(old)
            db.flush()
            new = Appointment(
                practice_id=old.practice_id,
                counselor_id=old.counselor_id,
                client_id=client_id,
                start_at=span.start,
                end_at=span.end,
                kind=old.kind,
                status=AppointmentStatus.scheduled,
                created_by_kind=ActorKind.client,
                created_by_id=client_id,
                created_at=now,
                updated_at=now,
            )
            db.add(new)
            db.flush()
            audit.record(
                db,
                "appointment.rescheduled",
                actor_kind="client",
                actor_id=client_id,
                object_type="appointment",
                object_id=new.id,
                ip=ip,
                previous=old.id,
                start=span.start.isoformat(),
            )
            if then is not None:
                then(db, new)
            return new
    except IntegrityError as error:
        if _is_overlap(error):
            raise SchedulingError(SLOT_TAKEN) from None
        raise
