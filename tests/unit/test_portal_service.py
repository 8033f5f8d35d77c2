"""What a signed-in client sees and does in the portal (SPEC 2.2), each only when their counselor's Portal
Settings allow it: appointments, free days and slots, booking, rescheduling, confirm and decline, .ics.

The practice is in America/Chicago. "Now" is Monday 26 October 2026, 09:00 CDT; the clocks go back on
Sunday 1 November. Default Portal Settings: Mon–Fri 08:00–17:00, 60-minute sessions, 30 days ahead, not
today, reschedule until 24 hours before. The services open their own connections, so test data is
committed first and every check reads through a fresh session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from argon2 import PasswordHasher
from icalendar import Calendar
from sqlmodel import select

from tests import factories
from therapy_portal.db import session_scope
from therapy_portal.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    Channel,
    Client,
    OutboxMessage,
    PortalSettings,
)
from therapy_portal.services import accounts, portal, scheduling
from therapy_portal.services import secrets as portal_secrets
from therapy_portal.services.client_auth import ClientIdentity
from therapy_portal.services.clients import name_keys
from therapy_portal.services.scheduling import SchedulingError
from therapy_portal.settings import get_settings

CHI = ZoneInfo("America/Chicago")
NOW = datetime(2026, 10, 26, 14, 0, tzinfo=UTC)  # Monday, 09:00 CDT
MON, TUE, WED, THU, FRI, SAT = (date(2026, 10, 26) + timedelta(days=n) for n in range(6))
NEXT_MON = date(2026, 11, 2)  # the first weekday after the change to CST
PRACTICE = "Prairie Wind Counseling"
ADDRESS = "100 N Main St, Wichita, KS 67202"
NOT_FOUND = "That appointment was not found."
CANT_CHANGE = "That appointment can't be changed any more."


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A practice wall-clock time as a UTC instant."""
    return datetime.combine(day, time(hour, minute), tzinfo=CHI).astimezone(UTC)


@pytest.fixture(autouse=True)
def fast_hashes_and_own_secret(monkeypatch, tmp_path):
    """Staff passwords hashed cheaply (sign-in is not under test), and a key of this module's own."""
    monkeypatch.setattr(accounts, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setenv("PORTAL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PORTAL_SECRET_KEY", "portal-service-test-key")
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()
    yield
    get_settings.cache_clear()
    portal_secrets._master_key.cache_clear()


@dataclass
class World:
    practice_id: int
    counselor_id: int
    other_counselor_id: int
    ana: int  # the counselor's client, with an email
    ben: int  # the counselor's client, without an email
    cara: int  # the other counselor's client


def _client(db, practice_id: int, counselor_id: int | None, first: str, last: str, email: str = "") -> Client:
    c = Client(
        practice_id=practice_id,
        counselor_id=counselor_id,
        first_name=first,
        last_name=last,
        **name_keys(first, last),
        date_of_birth=date(1988, 4, 9),
        email=email,
    )
    db.add(c)
    db.flush()
    return c


@pytest.fixture
def world(db) -> World:
    p = factories.practice(db, name=PRACTICE)
    p.address, p.phone = ADDRESS, "+13165550100"
    db.add(p)
    counselor = factories.staff(db, p, email="c@example.com")
    other = factories.staff(db, p, email="d@example.com")
    ana = _client(db, p.id, counselor.id, "Anastasia", "Quintero-Velásquez", "ana.qv@example.com")
    ben = _client(db, p.id, counselor.id, "Benedikt", "Oyelaran")
    cara = _client(db, p.id, other.id, "Carolina", "Whitfield", "cara.w@example.com")
    db.commit()
    return World(p.id, counselor.id, other.id, ana.id, ben.id, cara.id)


def ctx_of(client_id: int) -> portal.PortalContext:
    with session_scope() as s:
        c = s.get(Client, client_id)
        me = ClientIdentity(c.id, c.practice_id, c.counselor_id, c.first_name, c.last_name)
        return portal.context(s, me)


def configure(counselor_id: int, **fields) -> None:
    with session_scope() as s:
        settings = s.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).one()
        for name, value in fields.items():
            setattr(settings, name, value)
        s.add(settings)


def add_appointment(
    w: World,
    client_id: int,
    start: datetime,
    minutes: int = 60,
    status: str = "scheduled",
    kind: str = "in_person",
    counselor_id: int | None = None,
) -> int:
    """An appointment as the counselor would put it on the calendar (any time, any status)."""
    with session_scope() as s:
        row = Appointment(
            practice_id=w.practice_id,
            counselor_id=counselor_id or w.counselor_id,
            client_id=client_id,
            start_at=start,
            end_at=start + timedelta(minutes=minutes),
            status=status,
            kind=kind,
        )
        s.add(row)
        s.flush()
        return row.id


def stored(appointment_id: int) -> Appointment:
    with session_scope() as s:
        return s.get(Appointment, appointment_id)


def all_appointments() -> list[Appointment]:
    with session_scope() as s:
        return list(s.exec(select(Appointment).order_by(Appointment.id)).all())


def outbox() -> list[OutboxMessage]:
    with session_scope() as s:
        return list(s.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def audits(action: str) -> list[AuditEvent]:
    with session_scope() as s:
        return list(s.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


def listed(client_id: int, now: datetime = NOW) -> tuple[list[dict], list[dict]]:
    ctx = ctx_of(client_id)
    with session_scope() as s:
        return portal.appointments(s, ctx, now=now)


def days(client_id: int, now: datetime = NOW) -> list[dict[str, str]]:
    ctx = ctx_of(client_id)
    with session_scope() as s:
        return portal.bookable_days(s, ctx, now=now)


def slots(client_id: int, day: date, now: datetime = NOW) -> list[dict[str, str]]:
    ctx = ctx_of(client_id)
    with session_scope() as s:
        return portal.slots_on(s, ctx, day, now=now)


def reschedule_check(client_id: int, appointment_id: int, now: datetime = NOW) -> str | None:
    ctx = ctx_of(client_id)
    with session_scope() as s:
        return portal.reschedule_check(s, ctx, appointment_id, now=now)


def status_of(appointment_id: int) -> str:
    return str(AppointmentStatus(stored(appointment_id).status).value)


FLAGS = ("can_reschedule", "can_confirm", "can_decline", "can_add_to_calendar")


def flags(item: dict) -> tuple[bool, ...]:
    return tuple(bool(item[f]) for f in FLAGS)


# ---- appointments --------------------------------------------------------------------------------


def test_appointments_split_at_now_and_are_labelled_in_the_practice_time_zone(world):
    sunday_night = add_appointment(world, world.ana, at(date(2026, 10, 25), 21))  # Monday 02:00 UTC
    this_morning = add_appointment(world, world.ana, at(MON, 8), status="completed")
    later_today = add_appointment(world, world.ana, at(MON, 11), minutes=45)
    thursday_evening = add_appointment(world, world.ana, at(THU, 19, 30))  # Friday 00:30 UTC
    after_the_change = add_appointment(world, world.ana, at(NEXT_MON, 10), status="confirmed", kind="online")

    upcoming, past = listed(world.ana)

    assert [i["id"] for i in upcoming] == [str(later_today), str(thursday_evening), str(after_the_change)]
    assert [i["id"] for i in past] == [str(this_morning), str(sunday_night)]  # most recent first
    by_id = {i["id"]: i for i in upcoming + past}
    expected = {
        sunday_night: ("Sunday, October 25, 2026", "9:00 PM – 10:00 PM", "In person", "Scheduled", "scheduled"),
        this_morning: ("Monday, October 26, 2026", "8:00 AM – 9:00 AM", "In person", "Completed", "completed"),
        later_today: ("Monday, October 26, 2026", "11:00 AM – 11:45 AM", "In person", "Scheduled", "scheduled"),
        thursday_evening: ("Thursday, October 29, 2026", "7:30 PM – 8:30 PM", "In person", "Scheduled", "scheduled"),
        after_the_change: ("Monday, November 2, 2026", "10:00 AM – 11:00 AM", "Online video", "Confirmed", "confirmed"),
    }
    for appointment_id, (day, time_range, kind, status, key) in expected.items():
        item = by_id[str(appointment_id)]
        assert (item["day"], item["time"], item["kind"], item["status"], item["status_key"]) == (
            day,
            time_range,
            kind,
            status,
            key,
        )


def test_an_appointment_moves_to_past_once_it_has_started(world):
    a = add_appointment(world, world.ana, at(TUE, 10))
    upcoming, past = listed(world.ana, now=at(TUE, 10) - timedelta(seconds=1))
    assert [i["id"] for i in upcoming] == [str(a)] and past == []
    upcoming, past = listed(world.ana, now=at(TUE, 10))
    assert upcoming == [] and [i["id"] for i in past] == [str(a)]
    assert flags(past[0]) == (False, False, False, False)


@pytest.mark.parametrize(
    "status,expected",
    [
        ("scheduled", (True, True, True, True)),
        ("requested", (True, False, True, True)),  # waits for the counselor: nothing to confirm yet
        ("confirmed", (True, False, True, True)),
        ("checked_in", (False, False, False, True)),
        ("cancelled", (False, False, False, False)),
        ("declined", (False, False, False, False)),
    ],
)
def test_actions_offered_follow_the_status(world, status, expected):
    add_appointment(world, world.ana, at(WED, 10), status=status)
    [item] = listed(world.ana)[0]
    assert flags(item) == expected


def test_a_rescheduled_appointment_is_not_listed_the_one_it_became_is(world):
    add_appointment(world, world.ana, at(WED, 10), status="rescheduled")
    new = add_appointment(world, world.ana, at(WED, 14))
    upcoming, past = listed(world.ana)
    assert [i["id"] for i in upcoming] == [str(new)] and past == []


@pytest.mark.parametrize(
    "settings,expected",
    [
        ({}, (True, True, True, True)),
        ({"make_appointment": False}, (False, True, True, True)),
        ({"confirm_appointment": False}, (True, False, True, True)),
        ({"disable_decline": True}, (True, True, False, True)),
        (
            {"make_appointment": False, "confirm_appointment": False, "disable_decline": True},
            (False, False, False, True),
        ),
    ],
    ids=["defaults", "no-make-appointment", "no-confirm", "disable-decline", "all-off"],
)
def test_actions_offered_follow_the_counselors_portal_settings(world, settings, expected):
    configure(world.counselor_id, **settings)
    add_appointment(world, world.ana, at(WED, 10))
    add_appointment(world, world.ana, at(MON, 8))  # past: never any action
    upcoming, past = listed(world.ana)
    assert flags(upcoming[0]) == expected
    assert flags(past[0]) == (False, False, False, False)
    features = ctx_of(world.ana).features()
    assert (features["make_appointment"], features["confirm_appointment"], features["decline"]) == expected[:3]


def test_a_client_sees_only_their_own_appointments(world):
    mine = add_appointment(world, world.ana, at(TUE, 10))
    add_appointment(world, world.ben, at(TUE, 11))
    add_appointment(world, world.cara, at(TUE, 10), counselor_id=world.other_counselor_id)
    add_appointment(world, world.ben, at(MON, 8))
    upcoming, past = listed(world.ana)
    assert [i["id"] for i in upcoming] == [str(mine)] and past == []
    upcoming, past = listed(world.ben)
    assert len(upcoming) == 1 and len(past) == 1 and str(mine) not in {i["id"] for i in upcoming + past}


def test_a_client_without_a_counselor_can_book_nothing(world, db):
    loner = _client(db, world.practice_id, None, "Lone", "Client", "lone@example.com")
    db.commit()
    ctx = ctx_of(loner.id)
    assert ctx.counselor is None and not ctx.features()["make_appointment"]
    assert days(loner.id) == [] and slots(loner.id, TUE) == []
    with pytest.raises(SchedulingError, match=portal.NOT_ALLOWED):
        portal.book(ctx, at(TUE, 10), "in_person", now=NOW)


# ---- bookable days and slots ---------------------------------------------------------------------


def weekdays_between(first: date, last: date, allowed=(0, 1, 2, 3, 4)) -> list[str]:
    out, d = [], first
    while d <= last:
        if d.weekday() in allowed:
            out.append(d.isoformat())
        d += timedelta(days=1)
    return out


def test_bookable_days_are_allowed_weekdays_from_tomorrow_up_to_the_horizon(world):
    offered = days(world.ana)
    assert offered[0] == {"date": "2026-10-27", "label": "Tue, Oct 27", "long": "Tuesday, October 27", "count": "9"}
    assert offered[-1]["date"] == "2026-11-25"  # 30 days ahead
    assert [d["date"] for d in offered] == weekdays_between(TUE, date(2026, 11, 25))
    assert {d["count"] for d in offered} == {"9"}  # 08:00 to 16:00 starts, on both sides of the clock change
    assert MON.isoformat() not in {d["date"] for d in offered}  # no same-day booking by default


def test_booked_times_are_taken_out_and_a_full_day_disappears(world):
    add_appointment(world, world.ben, at(TUE, 10))
    add_appointment(world, world.ben, at(WED, 8), minutes=8 * 60)
    add_appointment(world, world.ben, at(WED, 16))
    add_appointment(world, world.cara, at(THU, 10), counselor_id=world.other_counselor_id)  # someone else's
    offered = {d["date"]: d["count"] for d in days(world.ana)}
    assert offered[TUE.isoformat()] == "8"
    assert WED.isoformat() not in offered
    assert offered[THU.isoformat()] == "9"
    assert at(TUE, 10).isoformat() not in {s["start"] for s in slots(world.ana, TUE)}


@pytest.mark.parametrize(
    "settings,expected",
    [
        ({"allowed_weekdays": "1,3", "days_prior": 9}, ["2026-10-27", "2026-10-29", "2026-11-03"]),
        ({"allowed_weekdays": "0", "days_prior": 7, "allow_current_day": True}, ["2026-10-26", "2026-11-02"]),
        ({"allowed_weekdays": "5,6", "days_prior": 6}, ["2026-10-31", "2026-11-01"]),
        ({"days_prior": 1}, ["2026-10-27"]),
        ({"days_prior": 0}, []),
        ({"days_prior": 0, "allow_current_day": True}, ["2026-10-26"]),
    ],
    ids=["tue-thu-9-days", "mondays-with-today", "weekends", "one-day", "no-day", "today-only"],
)
def test_bookable_days_follow_weekdays_horizon_and_current_day(world, settings, expected):
    configure(world.counselor_id, **settings)
    assert [d["date"] for d in days(world.ana)] == expected


def test_today_offers_only_the_slots_still_ahead(world):
    configure(world.counselor_id, allow_current_day=True)
    today = slots(world.ana, MON)  # now is 09:00: the 09:00 slot has begun
    assert [s["label"] for s in today] == [
        "10:00 AM",
        "11:00 AM",
        "12:00 PM",
        "1:00 PM",
        "2:00 PM",
        "3:00 PM",
        "4:00 PM",
    ]
    assert days(world.ana)[0] == {
        "date": "2026-10-26",
        "label": "Mon, Oct 26",
        "long": "Monday, October 26",
        "count": "7",
    }


def test_slots_are_inside_business_hours_on_the_session_grid(world):
    configure(world.counselor_id, business_start=time(9, 30), business_end=time(14, 0), session_minutes=45)
    offered = slots(world.ana, TUE)
    assert [s["label"] for s in offered] == ["9:30 AM", "10:15 AM", "11:00 AM", "11:45 AM", "12:30 PM", "1:15 PM"]
    assert datetime.fromisoformat(offered[0]["start"]) == at(TUE, 9, 30)
    after_change = slots(world.ana, NEXT_MON)
    assert after_change[0]["label"] == "9:30 AM"
    assert datetime.fromisoformat(after_change[0]["start"]) == datetime(2026, 11, 2, 15, 30, tzinfo=UTC)
    ctx = ctx_of(world.ana)
    for start in (at(TUE, 8), at(TUE, 9), at(TUE, 13, 30), at(TUE, 14), at(TUE, 16)):  # not offered: refused
        with pytest.raises(SchedulingError, match="outside the counselor's bookable hours"):
            portal.book(ctx, start, "in_person", now=NOW)
    assert all_appointments() == []


@pytest.mark.parametrize("day", [SAT, date(2026, 11, 1), date(2026, 10, 23), MON, date(2026, 11, 26)])
def test_no_slots_on_days_outside_the_rules(world, day):
    assert slots(world.ana, day) == []


def test_nothing_is_offered_when_make_appointment_is_off(world):
    add_appointment(world, world.ana, at(FRI, 10))
    configure(world.counselor_id, make_appointment=False)
    assert days(world.ana) == []
    assert slots(world.ana, TUE) == []
    assert slots(world.cara, TUE) != []  # another counselor's setting is their own


# ---- booking -------------------------------------------------------------------------------------


def test_book_creates_the_appointment_and_queues_one_email_to_the_client(world):
    appointment = portal.book(ctx_of(world.ana), at(TUE, 10), "in_person", ip="198.51.100.4", now=NOW)
    row = stored(appointment.id)
    assert (row.start_at, row.end_at, row.client_id, row.counselor_id) == (
        at(TUE, 10),
        at(TUE, 11),
        world.ana,
        world.counselor_id,
    )
    assert AppointmentKind(row.kind) == AppointmentKind.in_person
    assert AppointmentStatus(row.status) == AppointmentStatus.scheduled
    assert str(getattr(row.created_by_kind, "value", row.created_by_kind)) == "client"
    [event] = audits("appointment.created")
    assert (event.actor_kind, event.actor_id, event.object_id, event.ip) == (
        "client",
        world.ana,
        row.id,
        "198.51.100.4",
    )

    [message] = outbox()
    assert Channel(message.channel) == Channel.email
    assert (message.kind, message.recipient, message.client_id, message.practice_id) == (
        "appointment",
        "ana.qv@example.com",
        world.ana,
        world.practice_id,
    )
    assert message.subject == "Your appointment is booked: Tuesday, October 27, 2026"
    assert "10:00 AM – 11:00 AM" in message.body_text and PRACTICE in message.body_text
    assert "Anastasia" in message.body_text and "10:00 AM" in message.body_html
    assert at(TUE, 10).isoformat() not in {s["start"] for s in slots(world.ana, TUE)}


def test_book_for_a_client_without_email_queues_nothing(world):
    appointment = portal.book(ctx_of(world.ben), at(TUE, 10), "in_person", now=NOW)
    assert stored(appointment.id).client_id == world.ben
    assert outbox() == []


def test_the_email_is_written_in_the_bookings_transaction(world, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(portal.notify, "enqueue", broken)
    with pytest.raises(RuntimeError):
        portal.book(ctx_of(world.ana), at(TUE, 10), "in_person", now=NOW)
    assert all_appointments() == [] and audits("appointment.created") == [] and outbox() == []


def test_online_booking_needs_online_appointment(world):
    with pytest.raises(SchedulingError) as refused:
        portal.book(ctx_of(world.ana), at(TUE, 10), "online", now=NOW)
    assert str(refused.value) == portal.NOT_ALLOWED
    assert all_appointments() == [] and outbox() == []
    configure(world.counselor_id, online_appointment=True)
    appointment = portal.book(ctx_of(world.ana), at(TUE, 10), "online", now=NOW)
    assert AppointmentKind(stored(appointment.id).kind) == AppointmentKind.online
    assert "Online video" in outbox()[0].body_text


@pytest.mark.parametrize("kind", ["", "video", "ONLINE", "in person", "in_person ", None])
def test_an_unknown_kind_is_refused(world, kind):
    with pytest.raises(SchedulingError, match="^Choose in person or online video.$"):
        portal.book(ctx_of(world.ana), at(TUE, 10), kind, now=NOW)
    assert all_appointments() == []


@pytest.mark.parametrize(
    "start,message",
    [
        (at(TUE, 18), "That time is outside the counselor's bookable hours."),
        (at(TUE, 7), "That time is outside the counselor's bookable hours."),
        (at(TUE, 10, 30), "That time is outside the counselor's bookable hours."),
        (at(MON, 8), "That time has already passed."),
        (at(date(2026, 10, 23), 10), "That time has already passed."),
        (at(MON, 14), "Appointments for today can't be booked online. Please choose a later day."),
        (at(SAT, 10), "Appointments can't be booked on Saturdays."),
        (at(date(2026, 11, 26), 10), "Appointments can be booked at most 30 days ahead."),
        (at(WED, 10), scheduling.SLOT_TAKEN),  # over another client's appointment
        (at(WED, 13), scheduling.SLOT_TAKEN),  # overlapping its end
        (datetime(2026, 10, 27, 10, 0), "That time is not valid."),  # no zone
    ],
    ids=[
        "after-hours",
        "before-hours",
        "off-grid",
        "earlier-today",
        "last-week",
        "today",
        "saturday",
        "beyond-horizon",
        "taken",
        "overlapping",
        "naive",
    ],
)
def test_a_time_not_offered_is_refused_and_nothing_is_stored_or_sent(world, start, message):
    add_appointment(world, world.ben, at(WED, 10))
    add_appointment(world, world.ben, at(WED, 12, 30))  # 12:30–13:30
    before = [a.id for a in all_appointments()]
    with pytest.raises(SchedulingError) as refused:
        portal.book(ctx_of(world.ana), start, "in_person", now=NOW)
    assert str(refused.value) == message
    assert [a.id for a in all_appointments()] == before
    assert outbox() == [] and audits("appointment.created") == []


def test_book_is_refused_when_make_appointment_is_off(world):
    configure(world.counselor_id, make_appointment=False)
    with pytest.raises(SchedulingError) as refused:
        portal.book(ctx_of(world.ana), at(TUE, 10), "in_person", now=NOW)
    assert str(refused.value) == portal.NOT_ALLOWED
    assert all_appointments() == [] and outbox() == []


def test_book_follows_settings_changed_after_the_page_was_opened(world):
    ctx = ctx_of(world.ana)  # the booking page loaded with Tuesdays allowed
    configure(world.counselor_id, allowed_weekdays="0,2,3,4")
    with pytest.raises(SchedulingError, match="Tuesdays"):
        portal.book(ctx, at(TUE, 10), "in_person", now=NOW)
    assert all_appointments() == []


# ---- rescheduling --------------------------------------------------------------------------------


@pytest.fixture
def friday(world) -> int:
    """Ana's appointment on Friday 30 October, 10:00 CDT, booked through the portal."""
    return portal.book(ctx_of(world.ana), at(FRI, 10), "in_person", now=NOW).id


def test_reschedule_outside_the_window_moves_the_appointment(world, friday):
    assert reschedule_check(world.ana, friday) is None
    moved = portal.reschedule(ctx_of(world.ana), friday, at(TUE, 14), ip="198.51.100.4", now=NOW)
    new = stored(moved.id)
    assert (new.start_at, new.end_at, new.client_id) == (at(TUE, 14), at(TUE, 15), world.ana)
    assert AppointmentStatus(new.status) == AppointmentStatus.scheduled
    assert AppointmentStatus(stored(friday).status) == AppointmentStatus.rescheduled
    [event] = audits("appointment.rescheduled")
    assert (event.actor_id, event.object_id, json.loads(event.detail)["previous"]) == (world.ana, moved.id, friday)
    assert [m.subject for m in outbox()] == [
        "Your appointment is booked: Friday, October 30, 2026",
        "Your appointment has moved: Tuesday, October 27, 2026",
    ]
    assert at(FRI, 10).isoformat() in {s["start"] for s in slots(world.ana, FRI)}  # Friday's slot is free again


def test_reschedule_is_allowed_until_exactly_the_restriction(world, friday):
    assert reschedule_check(world.ana, friday, now=at(THU, 10)) is None  # 24 hours before
    assert reschedule_check(world.ana, friday, now=at(THU, 10) + timedelta(seconds=1)) is not None


def test_inside_the_window_the_counselors_message_is_shown_and_nothing_moves(world, friday):
    message = "Please call the office to move an appointment less than a day ahead."
    configure(world.counselor_id, reschedule_message=message)
    inside = at(THU, 11)  # 23 hours before
    assert reschedule_check(world.ana, friday, now=inside) == message
    with pytest.raises(SchedulingError) as refused:
        portal.reschedule(ctx_of(world.ana), friday, at(NEXT_MON, 10), now=inside)
    assert str(refused.value) == message
    assert [a.id for a in all_appointments()] == [friday]
    assert AppointmentStatus(stored(friday).status) == AppointmentStatus.scheduled
    assert stored(friday).start_at == at(FRI, 10)
    assert len(outbox()) == 1 and audits("appointment.rescheduled") == []


@pytest.mark.parametrize("blank", ["", "   \n "])
def test_a_blank_message_to_reschedule_gives_the_default(world, friday, blank):
    configure(world.counselor_id, reschedule_message=blank)
    assert reschedule_check(world.ana, friday, now=at(THU, 11)) == scheduling.DEFAULT_RESCHEDULE_MESSAGE
    with pytest.raises(SchedulingError, match=f"^{scheduling.DEFAULT_RESCHEDULE_MESSAGE}$"):
        portal.reschedule(ctx_of(world.ana), friday, at(NEXT_MON, 10), now=at(THU, 11))


def test_the_restriction_window_is_the_counselors(world, friday):
    configure(world.counselor_id, reschedule_restriction_hours=72)
    assert reschedule_check(world.ana, friday, now=NOW) is None  # 97 hours before
    assert reschedule_check(world.ana, friday, now=at(TUE, 11)) is not None  # 71 hours before


def test_another_clients_appointment_cannot_be_rescheduled(world, friday):
    bens = add_appointment(world, world.ben, at(THU, 10))
    caras = add_appointment(world, world.cara, at(THU, 10), counselor_id=world.other_counselor_id)
    for other in (bens, caras, 987_654, -1, 2**31, 10**20):
        with pytest.raises(SchedulingError, match=f"^{NOT_FOUND}$"):
            reschedule_check(world.ana, other)
        with pytest.raises(SchedulingError):
            portal.reschedule(ctx_of(world.ana), other, at(TUE, 14), now=NOW)
    assert stored(bens).start_at == at(THU, 10) and AppointmentStatus(stored(bens).status) == "scheduled"
    assert stored(caras).start_at == at(THU, 10) and AppointmentStatus(stored(caras).status) == "scheduled"
    assert len(all_appointments()) == 3 and audits("appointment.rescheduled") == []


def test_reschedule_to_a_time_not_offered_is_refused_and_the_appointment_stays(world, friday):
    add_appointment(world, world.ben, at(TUE, 14))
    for start, message in (
        (at(TUE, 14), scheduling.SLOT_TAKEN),
        (at(SAT, 10), "Appointments can't be booked on Saturdays."),
        (at(TUE, 17), "That time is outside the counselor's bookable hours."),
        (at(MON, 8), "That time has already passed."),
        (datetime(2026, 10, 27, 14, 0), "That time is not valid."),  # no zone: not read as the server's
    ):
        with pytest.raises(SchedulingError, match=f"^{message}$"):
            portal.reschedule(ctx_of(world.ana), friday, start, now=NOW)
    assert AppointmentStatus(stored(friday).status) == AppointmentStatus.scheduled
    assert len(all_appointments()) == 2


def test_reschedule_is_refused_when_make_appointment_is_off(world, friday):
    configure(world.counselor_id, make_appointment=False)
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        reschedule_check(world.ana, friday)
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        portal.reschedule(ctx_of(world.ana), friday, at(TUE, 14), now=NOW)
    assert AppointmentStatus(stored(friday).status) == AppointmentStatus.scheduled


# ---- confirm and decline ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before,answer,after",
    [
        ("scheduled", "confirm", "confirmed"),
        ("scheduled", "decline", "declined"),
        ("confirmed", "decline", "declined"),
        ("requested", "decline", "declined"),
    ],
)
def test_confirm_and_decline_change_the_status_and_are_audited(world, before, answer, after):
    a = add_appointment(world, world.ana, at(WED, 10), status=before)
    portal.set_response(ctx_of(world.ana), a, answer, ip="198.51.100.4", now=NOW)
    assert status_of(a) == after
    [event] = audits("appointment.updated")
    assert (event.actor_kind, event.actor_id, event.object_id, event.ip) == ("client", world.ana, a, "198.51.100.4")
    assert json.loads(event.detail)["changes"] == {"status": [before, after]}


@pytest.mark.parametrize("status", ["requested", "confirmed", "checked_in", "cancelled"])
def test_only_a_scheduled_appointment_can_be_confirmed(world, status):
    a = add_appointment(world, world.ana, at(WED, 10), status=status)
    with pytest.raises(SchedulingError, match="can't be changed"):
        portal.set_response(ctx_of(world.ana), a, "confirm", now=NOW)
    assert status_of(a) == status


def test_confirm_is_refused_when_confirm_appointment_is_off(world):
    a = add_appointment(world, world.ana, at(WED, 10))
    configure(world.counselor_id, confirm_appointment=False)
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        portal.set_response(ctx_of(world.ana), a, "confirm", now=NOW)
    assert status_of(a) == "scheduled"
    portal.set_response(ctx_of(world.ana), a, "decline", now=NOW)  # declining is another setting
    assert status_of(a) == "declined"


def test_decline_is_refused_when_disable_decline_is_set(world):
    a = add_appointment(world, world.ana, at(WED, 10))
    configure(world.counselor_id, disable_decline=True)
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        portal.set_response(ctx_of(world.ana), a, "decline", now=NOW)
    assert status_of(a) == "scheduled"
    portal.set_response(ctx_of(world.ana), a, "confirm", now=NOW)
    assert status_of(a) == "confirmed"
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        portal.set_response(ctx_of(world.ana), a, "decline", now=NOW)
    assert status_of(a) == "confirmed" and len(audits("appointment.updated")) == 1


@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_another_clients_appointment_cannot_be_answered(world, answer):
    bens = add_appointment(world, world.ben, at(WED, 10))
    caras = add_appointment(world, world.cara, at(WED, 10), counselor_id=world.other_counselor_id)
    for other in (bens, caras, 987_654, -1, 2**31, 10**20):
        with pytest.raises(SchedulingError, match=f"^{CANT_CHANGE}$"):
            portal.set_response(ctx_of(world.ana), other, answer, now=NOW)
    assert status_of(bens) == "scheduled" and status_of(caras) == "scheduled"
    assert audits("appointment.updated") == []


@pytest.mark.parametrize("answer", ["confirm", "decline"])
def test_a_past_appointment_cannot_be_answered(world, answer):
    earlier_today = add_appointment(world, world.ana, at(MON, 8))
    starting_now = add_appointment(world, world.ana, at(MON, 9))
    for a in (earlier_today, starting_now):
        with pytest.raises(SchedulingError, match=f"^{CANT_CHANGE}$"):
            portal.set_response(ctx_of(world.ana), a, answer, now=NOW)
        assert status_of(a) == "scheduled"


@pytest.mark.parametrize(
    "before,answer",
    [("confirmed", "confirm"), ("cancelled", "confirm"), ("cancelled", "decline"), ("declined", "decline")],
)
def test_an_answer_the_status_does_not_allow_is_refused(world, before, answer):
    a = add_appointment(world, world.ana, at(WED, 10), status=before)
    with pytest.raises(SchedulingError, match=f"^{CANT_CHANGE}$"):
        portal.set_response(ctx_of(world.ana), a, answer, now=NOW)
    assert status_of(a) == before


@pytest.mark.parametrize("answer", ["cancel", "", "CONFIRM", "confirm ", "completed", "checked_in", None])
def test_an_unknown_answer_is_refused(world, answer):
    a = add_appointment(world, world.ana, at(WED, 10))
    with pytest.raises(SchedulingError, match=f"^{portal.NOT_ALLOWED}$"):
        portal.set_response(ctx_of(world.ana), a, answer, now=NOW)
    assert status_of(a) == "scheduled" and audits("appointment.updated") == []


# ---- .ics ------------------------------------------------------------------------------------------


def ics_event(client_id: int, appointment_id: int):
    ctx = ctx_of(client_id)
    with session_scope() as s:
        data = portal.ics(s, ctx, appointment_id)
    [event] = Calendar.from_ical(data).walk("VEVENT")
    return data, event


@pytest.mark.parametrize(
    "day,utc_hour",
    [(FRI, 15), (NEXT_MON, 16), (date(2026, 11, 1), 16), (date(2026, 10, 31), 15)],
    ids=["before-the-change-CDT", "after-the-change-CST", "the-day-of-the-change", "the-day-before"],
)
def test_ics_start_is_the_right_utc_instant_across_the_clock_change(world, day, utc_hour):
    a = add_appointment(world, world.ana, at(day, 10))
    data, event = ics_event(world.ana, a)
    start = datetime(day.year, day.month, day.day, utc_hour, tzinfo=UTC)
    assert event.decoded("dtstart") == start
    assert event.decoded("dtend") == start + timedelta(hours=1)
    assert f"DTSTART:{start:%Y%m%dT%H%M%S}Z".encode() in data


def test_ics_names_the_practice_and_nothing_about_the_client_or_the_therapy(world):
    a = add_appointment(world, world.ana, at(NEXT_MON, 10))
    data, event = ics_event(world.ana, a)
    assert str(event["summary"]) == f"Appointment at {PRACTICE}"
    assert str(event["location"]) == ADDRESS
    assert set(event.keys()) <= {"UID", "SUMMARY", "DTSTART", "DTEND", "DTSTAMP", "LOCATION"}
    text = data.decode()
    for private in ("Anastasia", "Quintero", "Velásquez", "ana.qv@example.com", "c@example.com", "In person"):
        assert private.lower() not in text.lower()
    [event_row] = audits("appointment.ics_downloaded")
    assert (event_row.actor_kind, event_row.actor_id, event_row.object_id) == ("client", world.ana, a)


def test_ics_for_an_online_appointment_has_no_address(world):
    a = add_appointment(world, world.ana, at(NEXT_MON, 10), kind="online")
    _, event = ics_event(world.ana, a)
    assert "LOCATION" not in event and "Online" not in str(event["summary"])


def test_ics_of_another_clients_appointment_is_refused(world):
    bens = add_appointment(world, world.ben, at(NEXT_MON, 10))
    caras = add_appointment(world, world.cara, at(NEXT_MON, 10), counselor_id=world.other_counselor_id)
    for other in (bens, caras, 987_654, 0, -1, 2**31, 10**20):
        with pytest.raises(SchedulingError, match=f"^{NOT_FOUND}$"):
            ics_event(world.ana, other)
    assert audits("appointment.ics_downloaded") == []


# ---- words shown to the client ---------------------------------------------------------------------


def test_zone_and_rules_in_plain_words(world):
    ctx = ctx_of(world.ana)
    assert portal.zone_label(ctx) == "Central Time"
    assert portal.rules_in_words(ctx) == (
        "You can book 60-minute sessions on Monday, Tuesday, Wednesday, Thursday and Friday, "
        "8:00 AM to 5:00 PM, from tomorrow up to 30 days ahead."
    )
