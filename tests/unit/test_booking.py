"""Appointments in the database: booking by staff and clients, changes, free slots, and no double booking
even when many requests race for one slot. Runs on SQLite, and on PostgreSQL when PORTAL_TEST_POSTGRES_URL
is set (see tests/conftest.py).

The services open their own connections, so test data is committed before they run, and every check of
the outcome reads through a fresh session.
"""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from tests import factories
from therapy_portal import db as dbmod
from therapy_portal.models import (
    ACTIVE_STATUSES,
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    Client,
    PortalSettings,
)
from therapy_portal.services import accounts, booking, scheduling
from therapy_portal.services.scheduling import SchedulingError

CHI = ZoneInfo("America/Chicago")
UTC = UTC
OVERLAP = "This overlaps another appointment on this calendar."
NOT_FOUND = "That appointment was not found."

# Monday 2 March 2026, 09:00 CST. Default Portal Settings: Mon–Fri 08:00–17:00, 60-minute sessions,
# 30 days ahead, not today.
NOW = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
TUE = date(2026, 3, 3)
SAT = date(2026, 3, 7)


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A practice wall-clock time as a UTC instant (what the database hands back)."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHI).astimezone(UTC)


@dataclass
class World:
    practice_id: int
    counselor_id: int
    other_counselor_id: int
    client_ids: list[int]


def _client(db: Session, practice_id: int, counselor_id: int, n: int) -> Client:
    c = Client(
        practice_id=practice_id,
        counselor_id=counselor_id,
        first_name=f"Client{n}",
        last_name=f"Test{n}",
        last_name_key=f"test{n}",
        date_of_birth=date(1990, 1, 1) + timedelta(days=n),
    )
    db.add(c)
    return c


_PASSWORD_HASH: list[str] = []


def _cached_hash(password: str) -> str:
    # Sign-in is not under test here; one argon2 hash for the whole run keeps set-up fast.
    if not _PASSWORD_HASH:
        _PASSWORD_HASH.append(accounts.hash_password(password))
    return _PASSWORD_HASH[0]


@pytest.fixture
def world(db, monkeypatch) -> World:
    _cached_hash(factories.PASSWORD)
    monkeypatch.setattr(accounts, "hash_password", _cached_hash)
    p = factories.practice(db)
    counselor = factories.staff(db, p, email="c@example.com")
    other = factories.staff(db, p, email="d@example.com")
    clients = [_client(db, p.id, counselor.id, n) for n in range(50)]
    db.flush()
    w = World(p.id, counselor.id, other.id, [c.id for c in clients])
    db.commit()  # the services use their own connections
    return w


def fresh() -> Session:
    return Session(dbmod.get_engine(), expire_on_commit=False)


def staff_book(
    w: World, start: datetime, end: datetime, *, counselor_id: int | None = None, client: int = 0, **kw
) -> Appointment:
    return booking.create_appointment(
        practice_id=w.practice_id,
        counselor_id=counselor_id or w.counselor_id,
        client_id=w.client_ids[client],
        start=start,
        end=end,
        actor_kind=ActorKind.staff,
        actor_id=w.counselor_id,
        now=NOW,
        **kw,
    )


def client_book(w: World, start: datetime, *, client: int = 0, now: datetime = NOW, **kw) -> Appointment:
    return booking.create_appointment(
        practice_id=w.practice_id,
        counselor_id=w.counselor_id,
        client_id=w.client_ids[client],
        start=start,
        actor_kind=ActorKind.client,
        actor_id=w.client_ids[client],
        now=now,
        **kw,
    )


def stored(appointment_id: int) -> Appointment:
    with fresh() as s:
        return s.get(Appointment, appointment_id)


def all_appointments() -> list[Appointment]:
    with fresh() as s:
        return list(s.exec(select(Appointment).order_by(Appointment.id)).all())


def audit_events(action: str) -> list[AuditEvent]:
    with fresh() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def active_in(counselor_id: int, start: datetime, end: datetime) -> list[Appointment]:
    statuses = [s.value for s in ACTIVE_STATUSES]
    with fresh() as s:
        query = select(Appointment).where(
            Appointment.counselor_id == counselor_id,
            Appointment.status.in_(statuses),
            Appointment.start_at < end,
            Appointment.end_at > start,
        )
        return list(s.exec(query).all())


# --- create_appointment ----------------------------------------------------------------------


def test_staff_books_outside_business_hours_and_it_is_audited(world):
    a = staff_book(world, at(SAT, 19), at(SAT, 20, 30), kind=AppointmentKind.online, ip="203.0.113.7")
    row = stored(a.id)
    assert (row.start_at, row.end_at) == (at(SAT, 19), at(SAT, 20, 30))
    assert row.start_at.tzinfo is not None and row.start_at.utcoffset() == timedelta(0)
    assert (row.counselor_id, row.client_id) == (world.counselor_id, world.client_ids[0])
    assert AppointmentStatus(row.status) == AppointmentStatus.scheduled
    assert AppointmentKind(row.kind) == AppointmentKind.online
    assert row.created_by_kind == ActorKind.staff
    [event] = audit_events("appointment.created")
    assert (event.actor_kind, event.actor_id, event.object_type, event.object_id, event.ip) == (
        "staff",
        world.counselor_id,
        "appointment",
        a.id,
        "203.0.113.7",
    )
    assert json.loads(event.detail) == {"start": at(SAT, 19).isoformat(), "end": at(SAT, 20, 30).isoformat()}


def test_staff_booking_needs_an_end(world):
    with pytest.raises(SchedulingError, match="^The end time is missing.$"):
        staff_book(world, at(TUE, 10), None)
    assert all_appointments() == []


def test_staff_booking_over_another_appointment_is_refused(world):
    staff_book(world, at(TUE, 10), at(TUE, 11))
    with pytest.raises(SchedulingError) as refused:
        staff_book(world, at(TUE, 10, 30), at(TUE, 11, 30), client=1)
    assert str(refused.value) == OVERLAP
    assert len(all_appointments()) == 1 and len(audit_events("appointment.created")) == 1


def test_staff_booking_touching_another_appointment_is_allowed(world):
    staff_book(world, at(TUE, 10), at(TUE, 11))
    staff_book(world, at(TUE, 11), at(TUE, 12), client=1)
    staff_book(world, at(TUE, 9), at(TUE, 10), client=2)
    assert len(all_appointments()) == 3


def test_another_counselor_may_be_booked_at_the_same_time(world):
    staff_book(world, at(TUE, 10), at(TUE, 11))
    staff_book(world, at(TUE, 10), at(TUE, 11), counselor_id=world.other_counselor_id, client=1)
    assert len(all_appointments()) == 2


def test_client_books_an_offered_slot_and_it_is_audited(world):
    a = client_book(world, at(TUE, 10), client=3, ip="198.51.100.4")
    row = stored(a.id)
    assert (row.start_at, row.end_at) == (at(TUE, 10), at(TUE, 11))  # the counselor's session length
    assert row.created_by_kind == ActorKind.client and row.created_by_id == world.client_ids[3]
    [event] = audit_events("appointment.created")
    assert (event.actor_kind, event.actor_id, event.object_id, event.ip) == (
        "client",
        world.client_ids[3],
        a.id,
        "198.51.100.4",
    )


def test_client_booking_ignores_a_requested_end_and_uses_the_session_length(world):
    a = client_book(world, at(TUE, 10), end=at(TUE, 15))
    assert stored(a.id).end_at == at(TUE, 11)


@pytest.mark.parametrize(
    "start,message",
    [
        (at(SAT, 10), "Appointments can't be booked on Saturdays."),
        (at(TUE, 10, 30), "That time is outside the counselor's bookable hours."),
        (at(TUE, 17), "That time is outside the counselor's bookable hours."),
        (at(date(2026, 3, 2), 11), "Appointments for today can't be booked online. Please choose a later day."),
        (at(date(2026, 4, 2), 10), "Appointments can be booked at most 30 days ahead."),
        (at(date(2026, 3, 2), 8), "That time has already passed."),
    ],
    ids=["weekday", "off-grid", "after-hours", "today", "beyond-horizon", "past"],
)
def test_client_request_outside_the_rules_is_refused_and_nothing_is_stored(world, start, message):
    with pytest.raises(SchedulingError) as refused:
        client_book(world, start)
    assert str(refused.value) == message
    assert all_appointments() == [] and audit_events("appointment.created") == []


def test_client_cannot_book_a_taken_slot(world):
    staff_book(world, at(TUE, 9, 30), at(TUE, 10, 15))
    with pytest.raises(SchedulingError) as refused:
        client_book(world, at(TUE, 10), client=1)
    assert str(refused.value) == scheduling.SLOT_TAKEN


def test_client_booking_follows_the_counselors_settings(world, db):
    settings = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == world.counselor_id)).one()
    settings.session_minutes, settings.allowed_weekdays, settings.allow_current_day = 45, "0,5", True
    db.add(settings)
    db.commit()
    a = client_book(world, at(SAT, 8, 45))
    assert stored(a.id).end_at == at(SAT, 9, 30)
    b = client_book(world, at(date(2026, 3, 2), 11), client=1)  # today, Monday
    assert stored(b.id).start_at == at(date(2026, 3, 2), 11)
    with pytest.raises(SchedulingError, match="Tuesdays"):
        client_book(world, at(TUE, 8), client=2)


# --- update_appointment ----------------------------------------------------------------------


def test_move_to_a_free_time_works_and_is_audited(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    staff_book(world, at(TUE, 13), at(TUE, 14), client=1)
    moved = booking.update_appointment(
        a.id, start=at(TUE, 14), end=at(TUE, 15), actor_kind=ActorKind.staff, actor_id=world.counselor_id, now=NOW
    )
    assert (moved.start_at, moved.end_at) == (at(TUE, 14), at(TUE, 15))
    row = stored(a.id)
    assert (row.start_at, row.end_at, row.updated_at) == (at(TUE, 14), at(TUE, 15), NOW)
    [event] = audit_events("appointment.updated")
    assert event.object_id == a.id and set(json.loads(event.detail)["changes"]) == {"start_at", "end_at"}


def test_move_onto_another_appointment_is_refused_and_nothing_changes(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    b = staff_book(world, at(TUE, 13), at(TUE, 14), client=1)
    before = [(x.id, x.start_at, x.end_at, x.status, x.updated_at) for x in all_appointments()]
    with pytest.raises(SchedulingError) as refused:
        booking.update_appointment(
            a.id,
            start=at(TUE, 13, 30),
            end=at(TUE, 14, 30),
            actor_kind=ActorKind.staff,
            actor_id=world.counselor_id,
            now=NOW + timedelta(hours=1),
        )
    assert str(refused.value) == OVERLAP
    assert [(x.id, x.start_at, x.end_at, x.status, x.updated_at) for x in all_appointments()] == before
    assert audit_events("appointment.updated") == []
    assert stored(b.id).start_at == at(TUE, 13)


def test_move_onto_its_own_time_slightly_shifted_is_not_an_overlap_with_itself(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    moved = booking.update_appointment(
        a.id, start=at(TUE, 10, 30), end=at(TUE, 11, 30), actor_kind=ActorKind.staff, actor_id=None, now=NOW
    )
    assert moved.start_at == at(TUE, 10, 30)


def test_move_with_end_before_start_is_refused(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    with pytest.raises(SchedulingError, match="end must be after the start"):
        booking.update_appointment(
            a.id, start=at(TUE, 12), end=at(TUE, 11), actor_kind=ActorKind.staff, actor_id=None, now=NOW
        )
    assert stored(a.id).start_at == at(TUE, 10)


def test_cancelling_frees_the_slot_for_another_booking(world):
    a = client_book(world, at(TUE, 10))
    with pytest.raises(SchedulingError, match="no longer available"):
        client_book(world, at(TUE, 10), client=1)
    booking.update_appointment(
        a.id, status=AppointmentStatus.cancelled, actor_kind=ActorKind.staff, actor_id=world.counselor_id, now=NOW
    )
    assert AppointmentStatus(stored(a.id).status) == AppointmentStatus.cancelled
    b = client_book(world, at(TUE, 10), client=1)
    assert [x.id for x in active_in(world.counselor_id, at(TUE, 10), at(TUE, 11))] == [b.id]


def test_restoring_a_cancelled_appointment_over_a_new_one_is_refused(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    booking.update_appointment(
        a.id, status=AppointmentStatus.cancelled, actor_kind=ActorKind.staff, actor_id=None, now=NOW
    )
    staff_book(world, at(TUE, 10, 30), at(TUE, 11, 30), client=1)
    with pytest.raises(SchedulingError) as refused:
        booking.update_appointment(
            a.id, status=AppointmentStatus.scheduled, actor_kind=ActorKind.staff, actor_id=None, now=NOW
        )
    assert str(refused.value) == OVERLAP
    assert AppointmentStatus(stored(a.id).status) == AppointmentStatus.cancelled


def test_status_change_not_allowed_is_refused(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11), status=AppointmentStatus.completed)
    with pytest.raises(SchedulingError, match="completed can't be marked cancelled"):
        booking.update_appointment(
            a.id, status=AppointmentStatus.cancelled, actor_kind=ActorKind.staff, actor_id=None, now=NOW
        )
    assert AppointmentStatus(stored(a.id).status) == AppointmentStatus.completed


def test_update_refused_by_may_touch_says_not_found_and_changes_nothing(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    seen = []

    def may_touch(appointment):
        seen.append(appointment.id)
        return False

    with pytest.raises(SchedulingError) as refused:
        booking.update_appointment(
            a.id,
            start=at(TUE, 14),
            end=at(TUE, 15),
            status=AppointmentStatus.cancelled,
            actor_kind=ActorKind.client,
            actor_id=world.client_ids[5],
            may_touch=may_touch,
            now=NOW,
        )
    assert str(refused.value) == NOT_FOUND
    assert seen == [a.id]
    row = stored(a.id)
    assert (row.start_at, AppointmentStatus(row.status)) == (at(TUE, 10), AppointmentStatus.scheduled)
    assert audit_events("appointment.updated") == []


def test_update_of_a_missing_appointment_says_not_found(world):
    with pytest.raises(SchedulingError, match=f"^{NOT_FOUND}$"):
        booking.update_appointment(
            999_999, status=AppointmentStatus.cancelled, actor_kind=ActorKind.staff, actor_id=None, now=NOW
        )


def test_update_without_changes_writes_no_audit(world):
    a = staff_book(world, at(TUE, 10), at(TUE, 11))
    booking.update_appointment(
        a.id,
        start=at(TUE, 10),
        end=at(TUE, 11),
        actor_kind=ActorKind.staff,
        actor_id=None,
        now=NOW + timedelta(hours=1),
    )
    assert audit_events("appointment.updated") == []
    assert stored(a.id).updated_at == NOW


# --- the race --------------------------------------------------------------------------------


def test_fifty_parallel_bookings_of_one_slot_exactly_one_wins(world):
    start, workers = at(TUE, 10), 10
    dbmod.get_engine()  # created once, before the threads
    barrier = threading.Barrier(workers)  # 50 attempts = 5 rounds of 10 that start together

    def attempt(n: int):
        barrier.wait(timeout=60)
        try:
            return client_book(world, start, client=n).id
        except SchedulingError as error:
            return error

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(attempt, range(50)))

    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if not isinstance(r, int)]
    assert len(winners) == 1, results
    assert len(losers) == 49 and {str(e) for e in losers} == {scheduling.SLOT_TAKEN}
    [row] = active_in(world.counselor_id, start, start + timedelta(hours=1))
    assert row.id == winners[0] and (row.start_at, row.end_at) == (start, start + timedelta(hours=1))
    assert len(all_appointments()) == 1
    assert [e.object_id for e in audit_events("appointment.created")] == winners


def test_parallel_staff_bookings_of_overlapping_times_never_double_book(world):
    # Different, overlapping spans: 10:00–11:00, 10:15–11:15, ... all race together.
    workers = 12
    dbmod.get_engine()
    barrier = threading.Barrier(workers)

    def attempt(n: int):
        barrier.wait(timeout=60)
        try:
            return staff_book(
                world, at(TUE, 10) + timedelta(minutes=5 * n), at(TUE, 11) + timedelta(minutes=5 * n), client=n
            ).id
        except SchedulingError as error:
            return error

    with ThreadPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(attempt, range(workers)))
    winners = [r for r in results if isinstance(r, int)]
    assert len(winners) == 1, results
    assert {str(e) for e in results if not isinstance(e, int)} <= {OVERLAP, scheduling.SLOT_TAKEN}
    assert len(active_in(world.counselor_id, at(TUE, 9), at(TUE, 13))) == 1


# --- the database's own guard ----------------------------------------------------------------


def _raw(
    w: World, start: datetime, end: datetime, status: str = "scheduled", counselor_id: int | None = None
) -> Appointment:
    return Appointment(
        practice_id=w.practice_id,
        counselor_id=counselor_id or w.counselor_id,
        client_id=w.client_ids[1],
        start_at=start,
        end_at=end,
        status=status,
    )


@pytest.mark.parametrize("status", ["requested", "scheduled", "confirmed", "checked_in", "completed", "no_show"])
def test_database_refuses_an_overlapping_row_inserted_directly(world, db, status):
    db.add(_raw(world, at(TUE, 10), at(TUE, 11)))
    db.commit()
    db.add(_raw(world, at(TUE, 10, 30), at(TUE, 11, 30), status=status))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert len(all_appointments()) == 1


@pytest.mark.parametrize("status", ["cancelled", "declined", "rescheduled"])
def test_database_allows_an_overlapping_row_that_holds_no_time(world, db, status):
    db.add(_raw(world, at(TUE, 10), at(TUE, 11)))
    db.commit()
    db.add(_raw(world, at(TUE, 10), at(TUE, 11), status=status))
    db.commit()
    assert len(all_appointments()) == 2


def test_database_allows_touching_rows_and_other_counselors(world, db):
    db.add(_raw(world, at(TUE, 10), at(TUE, 11)))
    db.add(_raw(world, at(TUE, 11), at(TUE, 12)))
    db.add(_raw(world, at(TUE, 10), at(TUE, 11), counselor_id=world.other_counselor_id))
    db.commit()
    assert len(all_appointments()) == 3


def test_database_refuses_an_update_that_creates_an_overlap(world, db):
    db.add(_raw(world, at(TUE, 10), at(TUE, 11)))
    cancelled = _raw(world, at(TUE, 10, 30), at(TUE, 11, 30), status="cancelled")
    later = _raw(world, at(TUE, 13), at(TUE, 14))
    db.add(cancelled)
    db.add(later)
    db.commit()
    cancelled.status = "scheduled"
    db.add(cancelled)
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    later = db.get(Appointment, later.id)
    later.start_at = at(TUE, 10, 45)
    db.add(later)
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert [x.start_at for x in all_appointments()] == [at(TUE, 10), at(TUE, 10, 30), at(TUE, 13)]


# --- available_slots -------------------------------------------------------------------------


def test_available_slots_exclude_booked_times_and_return_after_cancellation(world):
    all_tuesday = [at(TUE, h) for h in range(8, 17)]
    with fresh() as s:
        assert [x.start for x in booking.available_slots(s, world.counselor_id, TUE, TUE, now=NOW)] == all_tuesday
    a = client_book(world, at(TUE, 10))
    staff_book(world, at(TUE, 13, 30), at(TUE, 14, 30), client=1)
    staff_book(world, at(TUE, 10), at(TUE, 11), counselor_id=world.other_counselor_id, client=2)  # someone else's
    with fresh() as s:
        starts = [x.start for x in booking.available_slots(s, world.counselor_id, TUE, TUE, now=NOW)]
    assert starts == [t for t in all_tuesday if t not in (at(TUE, 10), at(TUE, 13), at(TUE, 14))]
    booking.update_appointment(
        a.id, status=AppointmentStatus.cancelled, actor_kind=ActorKind.client, actor_id=world.client_ids[0], now=NOW
    )
    with fresh() as s:
        starts = [x.start for x in booking.available_slots(s, world.counselor_id, TUE, TUE, now=NOW)]
    assert at(TUE, 10) in starts and at(TUE, 13) not in starts


def test_available_slots_see_appointments_that_start_the_day_before(world):
    staff_book(world, at(date(2026, 3, 2), 20), at(TUE, 3, 30))  # 7.5 hours overnight
    staff_book(world, at(TUE, 4), at(TUE, 9, 30), client=1)
    with fresh() as s:
        starts = [x.start for x in booking.available_slots(s, world.counselor_id, TUE, TUE, now=NOW)]
    assert starts == [at(TUE, h) for h in range(10, 17)]


def test_available_slots_for_a_counselor_without_settings(world, db):
    db.delete(db.exec(select(PortalSettings).where(PortalSettings.counselor_id == world.other_counselor_id)).one())
    db.commit()
    with fresh() as s, pytest.raises(SchedulingError, match="no calendar"):
        booking.available_slots(s, world.other_counselor_id, TUE, TUE, now=NOW)


@pytest.mark.parametrize("hours", [-1, 0, 8.5, 30])
def test_database_refuses_an_appointment_that_ends_before_it_starts_or_lasts_over_8_hours(world, db, hours):
    db.add(_raw(world, at(TUE, 9), at(TUE, 9) + timedelta(hours=hours)))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert all_appointments() == []


def test_database_finds_an_overlap_with_an_8_hour_appointment_that_started_long_before(world, db):
    db.add(_raw(world, at(TUE, 8), at(TUE, 16)))
    db.commit()
    db.add(_raw(world, at(TUE, 15), at(TUE, 15, 30)))
    with pytest.raises(IntegrityError):
        db.commit()
    db.rollback()
    assert len(all_appointments()) == 1
