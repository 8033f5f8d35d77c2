"""Client portal handlers called directly, as a hostile browser could (SPEC 2: a client sees and changes only
their own appointments, also when event handlers are called with other ids or after the settings turned a
feature off).

The demo practice is seeded with the real clock, so appointments here are placed relative to the real now
(days ahead, evening hours the seed leaves free) and Dr. Park's settings are widened (every weekday,
6 AM to 10 PM) so that there is always something to book whatever day the tests run.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from tests.state.conftest import Browser
from therapy_portal.models import (
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    AuditEvent,
    Client,
    ClientSession,
    OutboxMessage,
    PortalSettings,
    User,
    utcnow,
)
from therapy_portal.services import accounts, client_auth, demo, pins
from therapy_portal.services import portal as portal_service
from therapy_portal.services.timekeeping import local_to_utc
from therapy_portal.state.portal import BookState, PortalHomeState, PortalLoginState, PortalState

pytestmark = pytest.mark.usefixtures("fast_hashes")

TZ = ZoneInfo(demo.TIME_ZONE)
ELLEN, MARCUS, SOFIA = (
    "ellen.park@wichita-therapy.example",  # confirm on, decline on, online on
    "marcus.oneill@wichita-therapy.example",  # Disable Decline Appointment
    "sofia.ramirez@wichita-therapy.example",  # Confirm Appointment off
)
PIN_A, PIN_B, PIN_C, PIN_D = "482915", "630174", "517392", "904268"
NOT_FOUND = "That appointment was not found."
CANT_CHANGE = "That appointment can't be changed any more."

# Arguments no page would send. None of them names an appointment of the signed-in client.
HOSTILE = [
    "",
    "abc",
    "-1",
    "-0",
    "0",
    "00",
    "1.5",
    "1e3",
    " 7",
    "7 ",
    "0x1F",
    "١٢",  # Arabic-Indic digits: str.isdigit() says yes, int() would accept them
    "١",
    "²",
    "𝟙",
    "7\x00",
    "' OR 1=1 --",
    "../../etc/passwd",
    None,
    {},
    {"id": 7},
    [],
    [7],
    -1,
    0,
    1.5,
    float("nan"),
    True,
    "x" * 100_000,
]
# Digit strings too large for the id column (int4 on PostgreSQL, int64 on SQLite) or for int() itself.
HUGE_IDS = ["2147483648", "9" * 19, "9" * 30, "9" * 5000, "9" * 100_000]


# ---- the practice -------------------------------------------------------------------------------


@dataclass
class Practice:
    db: Session
    a: Client  # Siobhan O'Brien, Dr. Park's client: the one signed in
    b: Client  # Maria Johnson, Dr. Park's client too: the victim
    c: Client  # Mateo Nuñez, Marcus O'Neill's client (decline disabled)
    d: Client  # Thảo Nguyễn, Sofía Ramírez's client (confirm off)
    ellen: User
    marcus: User
    sofia: User


@pytest.fixture
def practice(db) -> Practice:
    demo.seed(db)
    db.commit()
    users = {u.email: u for u in db.exec(select(User)).all()}
    by_name = {(c.first_name, c.last_name): c for c in db.exec(select(Client)).all()}
    p = Practice(
        db,
        a=by_name["Siobhan", "O'Brien"],
        b=by_name["Maria", "Johnson"],
        c=by_name["Mateo", "Nuñez"],
        d=by_name["Thảo", "Nguyễn"],
        ellen=users[ELLEN],
        marcus=users[MARCUS],
        sofia=users[SOFIA],
    )
    assert p.a.counselor_id == p.b.counselor_id == p.ellen.id and p.a.email and p.b.email
    assert (p.c.counselor_id, p.d.counselor_id) == (p.marcus.id, p.sofia.id)
    set_settings(
        db,
        p.ellen,
        allowed_weekdays="0,1,2,3,4,5,6",
        business_start=time(6),
        business_end=time(22),
        session_minutes=60,
        days_prior=30,
        allow_current_day=False,
        online_appointment=True,
        make_appointment=True,
        confirm_appointment=True,
        disable_decline=False,
        reschedule_restriction_hours=24,
    )
    for client, pin in ((p.a, PIN_A), (p.b, PIN_B), (p.c, PIN_C), (p.d, PIN_D)):
        pins.set_pin(db, client, pin, actor_id=p.ellen.id)
    db.commit()
    return p


def set_settings(db: Session, counselor: User, **changes) -> None:
    """What the counselor's Portal Settings page would save (between a page load and a handler, say)."""
    db.rollback()
    row = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor.id)).one()
    for name, value in changes.items():
        setattr(row, name, value)
    db.add(row)
    db.commit()


def local_day(days_ahead: int) -> date:
    return datetime.now(TZ).date() + timedelta(days=days_ahead)


def at(days_ahead: int, hour: int, minute: int = 0) -> datetime:
    """The instant of a wall-clock time in the practice's zone, `days_ahead` days from today."""
    return local_to_utc(local_day(days_ahead), time(hour, minute), TZ)


def add_appointment(
    db: Session,
    client: Client,
    start: datetime,
    *,
    status: AppointmentStatus = AppointmentStatus.scheduled,
    kind: AppointmentKind = AppointmentKind.in_person,
    minutes: int = 60,
) -> int:
    """An appointment the counselor made; any seeded one in its way is removed first."""
    end = start + timedelta(minutes=minutes)
    db.rollback()
    in_the_way = db.exec(
        select(Appointment).where(
            Appointment.counselor_id == client.counselor_id,
            Appointment.start_at < end,
            Appointment.end_at > start,
            Appointment.created_by_id.is_not(None),  # the seed's, never one a test made
        )
    ).all()
    for row in in_the_way:
        db.delete(row)
    appt = Appointment(
        practice_id=client.practice_id,
        counselor_id=client.counselor_id,
        client_id=client.id,
        start_at=start,
        end_at=end,
        kind=kind,
        status=status,
        created_by_kind=ActorKind.staff,
        created_by_id=None,
    )
    db.add(appt)
    db.commit()
    return appt.id


def value(x) -> str:
    return str(getattr(x, "value", x))


def appointment(db: Session, appointment_id: int) -> Appointment:
    db.rollback()  # end this session's read snapshot so the handlers' writes are visible
    db.expire_all()
    return db.get(Appointment, appointment_id)


def appointments_of(db: Session, client: Client) -> list[Appointment]:
    db.rollback()
    db.expire_all()
    return list(db.exec(select(Appointment).where(Appointment.client_id == client.id).order_by(Appointment.id)).all())


def snapshot(db: Session):
    """Everything a handler could change: appointments, the outbox and the audit log."""
    db.rollback()
    db.expire_all()
    appts = [
        (a.id, a.client_id, value(a.status), value(a.kind), a.start_at, a.end_at)
        for a in db.exec(select(Appointment).order_by(Appointment.id)).all()
    ]
    outbox = [(m.id, m.recipient, m.subject) for m in db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()]
    audit = [(e.action, e.object_id) for e in db.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    return appts, outbox, audit


def outbox(db: Session) -> list[OutboxMessage]:
    db.rollback()
    return list(db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def audits(db: Session, action: str) -> list[AuditEvent]:
    db.rollback()
    return list(db.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all())


# ---- browsers -----------------------------------------------------------------------------------


def signed_in(db: Session, client: Client, path: str = "/portal", query: str = "") -> Browser:
    """A tab whose `tp_client` cookie holds a live session of this client."""
    token = client_auth.adopt_handoff(db, client_auth.begin_session(db, client))
    db.commit()
    b = Browser(cookie=Browser.client_cookie_for(token), path=path, query=query)
    b.token = token
    return b


def goto(b: Browser, path: str, query: str = "") -> None:
    b.set_request(cookie=b.cookie, ip=b.ip, path=path, query=query)


def open_home(b: Browser) -> PortalHomeState:
    """The /portal page load: guard_page, then load."""
    goto(b, "/portal")
    home = b.state(PortalHomeState)
    assert PortalState.guard_page.fn(b.state(PortalState)) is None
    assert PortalHomeState.load.fn(home) is None
    return home


def open_book(b: Browser, query: str = "") -> BookState:
    """The /portal/book page load: guard_page, then load."""
    goto(b, "/portal/book", query)
    book = b.state(BookState)
    assert PortalState.guard_page.fn(b.state(PortalState)) is None
    assert BookState.load.fn(book) is None
    return book


def pick(book: BookState, day_index: int = 1, slot_index: int = 0) -> str:
    """Choose an offered day and time. Not the first day: a test running across midnight keeps its day."""
    assert book.ready and len(book.days) > day_index, (book.error, book.days)
    BookState.choose_day.fn(book, book.days[day_index]["date"])
    assert book.slots, book.days[day_index]
    start = book.slots[slot_index]["start"]
    BookState.choose_slot.fn(book, start)
    assert book.slot == start
    return start


def is_sign_in(result) -> bool:
    return 'window.location.replace("/portal/login")' in repr(result)


def item(home: PortalHomeState, appointment_id: int) -> dict | None:
    return next((dict(i) for i in [*home.upcoming, *home.past] if i["id"] == str(appointment_id)), None)


def names_in(view: str, client: Client) -> list[str]:
    return [n for n in (client.first_name, client.last_name) if re.search(rf"(?<!\w){re.escape(n)}(?!\w)", view)]


# ---- signed out ---------------------------------------------------------------------------------

DEAD_SESSIONS = [
    "no cookie",
    "garbage cookie",
    "malformed header",
    "unknown digest",
    "raw token, not digested",
    "handoff code never adopted",
    "signed out",
    "idle too long",
    "older than 12 hours",
    "PIN reset since",
    "client deactivated",
    "a staff session",
]


def dead_cookie(p: Practice, kind: str) -> str:
    db, a = p.db, p.a
    if kind == "no cookie":
        return ""
    if kind == "garbage cookie":
        return "tp_client=garbage"
    if kind == "malformed header":
        return 'tp_client="; x=\x00'
    if kind == "unknown digest":
        return "tp_client=" + "0" * 64
    if kind == "raw token, not digested":
        return f"tp_client={signed_in(db, a).token}"
    if kind == "handoff code never adopted":
        code = client_auth.begin_session(db, a)
        db.commit()
        return f"tp_client={client_auth.token_digest(code)}"
    if kind == "signed out":
        b = signed_in(db, a)
        assert "/api/portal/session/end" in repr(PortalState.sign_out.fn(b.state(PortalState)))
        return b.cookie
    if kind == "idle too long":
        then = utcnow() - client_auth.IDLE_TIMEOUT - timedelta(minutes=1)
        token = client_auth.adopt_handoff(db, client_auth.begin_session(db, a, now=then), now=then)
        db.commit()
        return Browser.client_cookie_for(token)
    if kind == "older than 12 hours":
        then = utcnow() - client_auth.ABSOLUTE_TIMEOUT - timedelta(minutes=1)
        token = client_auth.adopt_handoff(db, client_auth.begin_session(db, a, now=then), now=then)
        row = db.exec(select(ClientSession).where(ClientSession.token_hash == client_auth.token_digest(token))).one()
        row.last_seen_at = utcnow()  # busy all along: only the 12-hour limit ends it
        db.add(row)
        db.commit()
        return Browser.client_cookie_for(token)
    if kind == "PIN reset since":
        b = signed_in(db, a)
        pins.set_pin(db, db.get(Client, a.id), "739201", actor_id=p.ellen.id)
        db.commit()
        return b.cookie
    if kind == "client deactivated":
        b = signed_in(db, a)
        row = db.get(Client, a.id)
        row.active = False
        db.add(row)
        db.commit()
        return b.cookie
    if kind == "a staff session":
        user = accounts.authenticate(db, ELLEN, demo.DEMO_PASSWORD)
        token = accounts.adopt_handoff(db, accounts.begin_session(db, user))
        db.commit()
        # The staff cookie, and the staff session's digest put where the client's would be.
        return f"{Browser.cookie_for(token)}; tp_client={accounts.token_digest(token)}"
    raise AssertionError(kind)


GUARDED = {
    PortalState: {"guard_page"},
    PortalHomeState: {
        "load",
        "confirm",
        "decline",
        "ask_decline",
        "cancel_decline",
        "decline_pending",
        "start_reschedule",
        "close_blocked",
        "download_ics",
    },
    BookState: {"load", "choose_day", "choose_slot", "set_kind", "submit"},
}
UNGUARDED = {"setvar", "sign_out"}  # setvar: see test_the_browser_cannot_set_state_vars_itself


def test_the_list_of_guarded_handlers_is_complete():
    for cls, names in GUARDED.items():
        assert set(cls.event_handlers) - UNGUARDED == names, cls


@pytest.mark.parametrize("kind", DEAD_SESSIONS)
def test_every_guarded_handler_does_nothing_without_a_live_session(practice, kind):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    # What a working bypass would act on: a day and a time really offered to this client right now.
    live = signed_in(db, p.a)
    book = open_book(live)
    slot = pick(book)
    day = book.day
    cookie = dead_cookie(p, kind)
    before = snapshot(db)

    def forged_home(home: PortalHomeState) -> None:  # as if the page had shown the client's appointment
        home.upcoming = [{"id": str(own), "day": "Someday", "time": "9 PM", "can_decline": "1"}]
        home.pending_decline, home.decline_label = str(own), "Someday, 9 PM"

    def forged_book(bs: BookState) -> None:
        bs.days = [{"date": day, "label": day, "long": day, "count": "1"}]
        bs.slots, bs.slot, bs.day, bs.ready = [{"start": slot, "label": "x"}], slot, day, True

    calls = [
        (PortalState, "guard_page", (), None),
        (PortalHomeState, "load", (), forged_home),
        (PortalHomeState, "confirm", (str(own),), forged_home),
        (PortalHomeState, "decline", (str(own),), forged_home),
        (PortalHomeState, "ask_decline", (str(own),), forged_home),
        (PortalHomeState, "cancel_decline", (), forged_home),
        (PortalHomeState, "decline_pending", (), forged_home),
        (PortalHomeState, "start_reschedule", (str(own),), forged_home),
        (PortalHomeState, "close_blocked", (), forged_home),
        (PortalHomeState, "download_ics", (str(own),), forged_home),
        (BookState, "load", (), forged_book),
        (BookState, "choose_day", (day,), forged_book),
        (BookState, "choose_slot", (slot,), forged_book),
        (BookState, "set_kind", ("online",), forged_book),
        (BookState, "submit", (), forged_book),
    ]
    assert {(cls, name) for cls, name, _, _ in calls} == {(c, n) for c, ns in GUARDED.items() for n in ns}
    for cls, name, args, forge in calls:
        b = Browser(cookie=cookie, path="/portal/book" if cls is BookState else "/portal", query=f"reschedule={own}")
        state = b.state(cls)
        if forge:
            forge(state)
        result = getattr(cls, name).fn(state, *args)
        assert is_sign_in(result), (name, result)
        portal = b.state(PortalState)
        assert not portal.signed_in and portal.first_name == "" and portal.features == {}, name
        if cls is PortalHomeState:
            assert (state.upcoming, state.past, state.pending_decline, state.decline_label) == ([], [], "", ""), name
        if cls is BookState:
            assert (state.days, state.slots, state.slot, state.day, state.ready) == ([], [], "", "", False), name
            assert state.kind == "in_person" and state.reschedule_id == 0, name
        view = b.frontend_view()
        assert names_in(view, p.a) == [] and demo.PRACTICE_NAME not in view, name
        assert "Someday" not in view and slot not in view, name
    assert snapshot(db) == before
    assert appointment(db, own).status == AppointmentStatus.scheduled
    # sign_out is not guarded (it must work on a dead session); it changes no appointment either way.
    result = PortalState.sign_out.fn(Browser(cookie=cookie, path="/portal").state(PortalState))
    assert "/api/portal/session/end" in repr(result)
    assert snapshot(db)[:2] == before[:2]


def test_the_page_load_after_a_session_ended_clears_what_the_tab_showed(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, own) is not None and b.state(PortalState).first_name == p.a.first_name
    client_auth.end_session(db, client_auth.token_digest(b.token))  # signed out in another tab
    db.commit()
    goto(b, "/portal")
    assert is_sign_in(PortalState.guard_page.fn(b.state(PortalState)))
    assert is_sign_in(PortalHomeState.load.fn(home))
    view = b.frontend_view()
    assert names_in(view, p.a) == [] and home.upcoming == [] and home.past == []
    assert demo.PRACTICE_NAME not in view and str(own) not in [i["id"] for i in home.upcoming]


def test_a_handler_denied_after_the_session_ended_clears_everything_the_tab_showed(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    b = signed_in(db, p.a)
    home = open_home(b)
    shown = item(home, own)
    book = open_book(b)
    day = book.days[1]["date"]
    client_auth.end_session(db, client_auth.token_digest(b.token))  # signed out in another tab, or idle
    db.commit()
    assert is_sign_in(BookState.choose_day.fn(book, day))  # the next click on the open page
    view = b.frontend_view()
    assert names_in(view, p.a) == []
    assert shown["day"] not in view and home.upcoming == []
    assert not b.state(PortalState).signed_in and b.state(PortalState).features == {}


def test_sign_out_ends_the_session_and_clears_every_portal_page(practice):
    p = practice
    db = p.db
    b = signed_in(db, p.a)
    home = open_home(b)
    assert home.upcoming or home.past
    book = open_book(b)
    assert book.days
    result = PortalState.sign_out.fn(b.state(PortalState))
    assert "/api/portal/session/end" in repr(result)
    assert (home.upcoming, home.past, book.days, book.slots) == ([], [], [], [])
    assert names_in(b.frontend_view(), p.a) == [] and demo.PRACTICE_NAME not in b.frontend_view()
    db.expire_all()
    assert client_auth.resolve_session(db, client_auth.token_digest(b.token)) is None
    (event,) = audits(db, "portal.signed_out")
    assert event.actor_id == p.a.id
    assert is_sign_in(PortalHomeState.load.fn(home))


# ---- another client's appointments --------------------------------------------------------------


def test_a_client_cannot_touch_another_clients_appointment(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    theirs = add_appointment(db, p.b, at(6, 21))  # same counselor, scheduled, far enough ahead to move
    elsewhere = add_appointment(db, p.c, at(6, 20), status=AppointmentStatus.requested)  # another counselor's
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, own) is not None and item(home, theirs) is None
    before = snapshot(db)

    for victim in (theirs, elsewhere):
        for handler in (PortalHomeState.confirm, PortalHomeState.decline):
            assert handler.fn(home, str(victim)) is None
            assert home.notice == CANT_CHANGE  # the same words as for an id that does not exist
        assert PortalHomeState.start_reschedule.fn(home, str(victim)) is None  # no redirect to the book page
        assert home.notice == NOT_FOUND and home.blocked_message == ""
        assert PortalHomeState.download_ics.fn(home, str(victim)) is None  # no file
        assert home.notice == NOT_FOUND
        PortalHomeState.ask_decline.fn(home, str(victim))
        assert home.pending_decline == ""
        home.pending_decline = str(victim)  # forged into the state
        PortalHomeState.decline_pending.fn(home)
        assert home.notice == CANT_CHANGE and home.pending_decline == ""

    # The answers for another client's id and for an id nobody has are the same: no way to probe for ids.
    PortalHomeState.confirm.fn(home, "999999")
    assert home.notice == CANT_CHANGE
    PortalHomeState.start_reschedule.fn(home, "999999")
    assert home.notice == NOT_FOUND

    assert snapshot(db) == before
    assert audits(db, "appointment.ics_downloaded") == []
    ids = {i["id"] for i in [*home.upcoming, *home.past]}
    assert ids == {str(a.id) for a in appointments_of(db, p.a)}
    view = b.frontend_view()
    assert names_in(view, p.b) == [] and names_in(view, p.c) == []


def test_booking_cannot_reschedule_another_clients_appointment(practice):
    p = practice
    db = p.db
    theirs = add_appointment(db, p.b, at(6, 21))
    b = signed_in(db, p.a)
    before = snapshot(db)

    # Through the page's own query parameter.
    book = open_book(b, query=f"reschedule={theirs}")
    assert book.error == NOT_FOUND and book.reschedule_id == 0 and not book.ready and book.days == []
    BookState.choose_day.fn(book, local_day(2).isoformat())
    assert book.day == "" and book.slots == []

    # Set in the state directly, after a normal load, with an offered time chosen.
    book = open_book(b)
    pick(book)
    book.reschedule_id = theirs
    assert BookState.submit.fn(book) is None
    assert book.error and book.done == "" and book.slot == ""
    assert snapshot(db)[0] == before[0]  # no appointment moved, none created
    assert outbox(db) == [] and audits(db, "appointment.rescheduled") == []
    assert names_in(b.frontend_view(), p.b) == []


def test_the_browser_cannot_set_state_vars_itself(practice):
    """Reflex's built-in `setvar` reaches only vars with a setter; here that is `kind`, through set_kind's checks."""
    p = practice
    db = p.db
    set_settings(db, p.ellen, online_appointment=False)
    theirs = add_appointment(db, p.b, at(6, 21))
    b = signed_in(db, p.a)
    book = open_book(b)
    home = open_home(b)
    portal = b.state(PortalState)
    for state, name, forged in (
        (book, "slot", at(3, 10).isoformat()),
        (book, "reschedule_id", theirs),
        (book, "ready", True),
        (home, "pending_decline", str(theirs)),
        (portal, "features", {"online_appointment": True}),
        (portal, "signed_in", True),
    ):
        with pytest.raises(AttributeError):
            type(state).setvar.fn(state, name, forged)
    BookState.setvar.fn(book, "kind", "online")  # goes through set_kind: online video is off
    assert (book.slot, book.reschedule_id, book.kind, home.pending_decline) == ("", 0, "in_person", "")


# ---- booking: only what is offered ---------------------------------------------------------------


def test_days_times_and_kinds_that_are_not_offered_are_ignored(practice):
    p = practice
    db = p.db
    set_settings(db, p.ellen, allowed_weekdays="0,1,2,3,4", online_appointment=False, days_prior=21)
    b = signed_in(db, p.a)
    book = open_book(b)
    offered = {d["date"] for d in book.days}
    assert offered and all(date.fromisoformat(d).weekday() < 5 for d in offered)
    saturday = next(local_day(n) for n in range(1, 8) if local_day(n).weekday() == 5)
    for day in (
        local_day(0).isoformat(),  # today: current-day booking is off
        local_day(-1).isoformat(),
        saturday.isoformat(),  # not an allowed weekday
        local_day(22).isoformat(),  # past the booking horizon
        local_day(365).isoformat(),
        "2026-13-45",
        f"{local_day(2):%m/%d/%Y}",
        "",
        "x" * 100_000,
    ):
        assert day not in offered
        BookState.choose_day.fn(book, day)
        assert (book.day, book.slots, book.slot) == ("", [], ""), day

    first = sorted(offered)[1]
    BookState.choose_day.fn(book, first)
    assert book.day == first and book.slots
    real = book.slots[0]["start"]
    other_day = sorted(offered)[2]
    for start in (
        (datetime.fromisoformat(real) + timedelta(minutes=1)).isoformat(),
        (datetime.fromisoformat(real) - timedelta(days=1)).isoformat(),
        f"{other_day}T12:00:00+00:00",
        datetime.fromisoformat(real).astimezone(TZ).isoformat(),  # the same instant, written another way
        real.replace("+00:00", "Z"),
        at(1, 3).isoformat(),  # 3 AM: outside business hours
        "",
        "now",
    ):
        BookState.choose_slot.fn(book, start)
        assert (book.slot, book.slot_label) == ("", ""), start

    for kind in ("online", "ONLINE", "video", "in_person ", None, {}):
        BookState.set_kind.fn(book, kind)
        assert book.kind == "in_person", kind
    assert BookState.submit.fn(book) is None
    assert book.error == "Choose a day and a time first."
    assert audits(db, "appointment.created") == []


def test_a_forged_slot_is_refused_by_the_server_and_nothing_is_booked(practice):
    p = practice
    db = p.db
    set_settings(db, p.ellen, allowed_weekdays="0,1,2,3,4,5")  # Sundays off
    sunday = next(n for n in range(2, 9) if local_day(n).weekday() == 6)
    weekday = next(n for n in range(2, 9) if local_day(n).weekday() != 6)
    taken = at(weekday + 1 if local_day(weekday + 1).weekday() != 6 else weekday + 2, 21)
    add_appointment(db, p.b, taken)
    forged_slots = [  # times a client may not book, as a forged state would hold them; with the reason
        (at(weekday, 3), "outside the counselor's bookable hours"),  # 3 AM
        (at(weekday, 22), "outside the counselor's bookable hours"),  # would end after closing
        (at(weekday, 10, 30), "outside the counselor's bookable hours"),  # off the 60-minute grid
        (at(-1, 10), "already passed"),
        (utcnow() - timedelta(minutes=5), "already passed"),
        (at(31, 10), "at most 30 days ahead"),
        (at(400, 10), "at most 30 days ahead"),
        (at(sunday, 10), "Sundays"),
        (taken, "no longer available"),  # Maria Johnson's appointment: who holds it is not said
    ]
    if at(0, 21) > utcnow() + timedelta(minutes=10):
        forged_slots.append((at(0, 21), "for today can't be booked online"))
    b = signed_in(db, p.a)
    book = open_book(b)
    before = snapshot(db)
    for forged, reason in [(t.isoformat(), r) for t, r in forged_slots]:
        pick(book)
        book.slot = forged
        assert BookState.submit.fn(book) is None
        assert book.error and reason in book.error and book.done == "", (forged, book.error)
        assert book.slot == "" and book.day and book.slots  # the times of the chosen day are shown again
    for garbage in ("not a time", "2026-02-30T10:00:00+00:00", "9" * 10_000):
        book.slot = garbage
        assert BookState.submit.fn(book) is None
        assert book.done == ""
    assert snapshot(db) == before


def test_a_forged_slot_without_a_zone_is_refused_with_a_message(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    b = signed_in(db, p.a)
    before = snapshot(db)
    for query in ("", f"reschedule={own}"):  # a booking, and a move
        book = open_book(b, query=query)
        pick(book)
        # An offered time with its zone dropped (read in the server's zone it could still be a bookable time).
        book.slot = datetime.fromisoformat(book.slot).replace(tzinfo=None).isoformat()
        assert BookState.submit.fn(book) is None
        assert book.error == "That time is not valid." and book.done == "", query
    assert snapshot(db) == before


# ---- Portal Settings switches -------------------------------------------------------------------


def test_with_make_appointment_off_nothing_can_be_booked_or_moved(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    b = signed_in(db, p.a)
    book = open_book(b)
    free = pick(book)
    set_settings(db, p.ellen, make_appointment=False)
    before = snapshot(db)

    book = open_book(b)
    assert book.error == portal_service.NOT_ALLOWED and book.days == [] and not book.ready
    assert b.state(PortalState).features["make_appointment"] is False
    book.slot = free  # forged: a time that was free a moment ago
    BookState.submit.fn(book)
    assert book.error == portal_service.NOT_ALLOWED and book.done == ""
    book.slot, book.reschedule_id = free, own  # and as a reschedule of an own appointment
    BookState.submit.fn(book)
    assert book.error == portal_service.NOT_ALLOWED and book.done == ""

    book = open_book(b, query=f"reschedule={own}")
    assert book.error == portal_service.NOT_ALLOWED and not book.ready
    home = open_home(b)
    assert all(i["can_reschedule"] == "" for i in home.upcoming)
    assert PortalHomeState.start_reschedule.fn(home, str(own)) is None
    assert home.notice == portal_service.NOT_ALLOWED
    assert snapshot(db) == before


def test_with_confirm_appointment_off_nothing_is_confirmed(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.d, at(4, 20), status=AppointmentStatus.requested)  # Sofía: confirm is off
    b = signed_in(db, p.d)
    home = open_home(b)
    assert item(home, own)["can_confirm"] == "" and item(home, own)["can_decline"] == "1"
    assert all(i["can_confirm"] == "" for i in home.upcoming)
    before = snapshot(db)
    PortalHomeState.confirm.fn(home, str(own))
    assert home.notice == portal_service.NOT_ALLOWED
    assert snapshot(db) == before and appointment(db, own).status == AppointmentStatus.requested


def test_with_decline_disabled_nothing_is_declined(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.c, at(4, 20))  # Marcus: Disable Decline Appointment
    b = signed_in(db, p.c)
    home = open_home(b)
    assert home.upcoming and all(i["can_decline"] == "" for i in home.upcoming)
    assert b.state(PortalState).features["decline"] is False
    before = snapshot(db)
    PortalHomeState.decline.fn(home, str(own))
    assert home.notice == portal_service.NOT_ALLOWED
    PortalHomeState.ask_decline.fn(home, str(own))
    assert home.pending_decline == ""
    home.pending_decline = str(own)  # forged
    PortalHomeState.decline_pending.fn(home)
    assert home.notice == portal_service.NOT_ALLOWED and home.pending_decline == ""
    assert snapshot(db) == before and appointment(db, own).status == AppointmentStatus.scheduled


def test_a_feature_turned_off_after_the_page_loaded_is_honoured(practice):
    p = practice
    db = p.db
    to_confirm = add_appointment(db, p.a, at(5, 21))
    to_decline = add_appointment(db, p.a, at(6, 21))
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, to_confirm)["can_confirm"] == "1" and item(home, to_decline)["can_decline"] == "1"
    PortalHomeState.ask_decline.fn(home, str(to_decline))  # the "are you sure?" dialog is open...
    assert home.pending_decline == str(to_decline)
    book = open_book(b)
    BookState.set_kind.fn(book, "online")
    assert book.kind == "online"
    pick(book)

    set_settings(db, p.ellen, confirm_appointment=False, disable_decline=True, online_appointment=False)
    before = snapshot(db)
    PortalHomeState.confirm.fn(home, str(to_confirm))
    assert home.notice == portal_service.NOT_ALLOWED
    PortalHomeState.decline_pending.fn(home)  # ...and is answered after the counselor turned decline off
    assert home.notice == portal_service.NOT_ALLOWED
    PortalHomeState.decline.fn(home, str(to_decline))
    BookState.submit.fn(book)  # online video, turned off since the page loaded
    assert book.error == portal_service.NOT_ALLOWED and book.done == ""
    assert snapshot(db) == before

    set_settings(db, p.ellen, online_appointment=True)
    book = open_book(b)
    pick(book)
    set_settings(db, p.ellen, make_appointment=False)  # turned off between choosing and booking
    BookState.submit.fn(book)
    assert book.error == portal_service.NOT_ALLOWED and book.done == ""
    assert snapshot(db) == before


# ---- happy paths --------------------------------------------------------------------------------


def login(form: dict, ip: str = "192.0.2.10") -> tuple[Browser, PortalLoginState, object]:
    b = Browser(path="/portal/login", ip=ip)
    state = b.state(PortalLoginState)
    return b, state, PortalLoginState.submit.fn(state, form)


def adopt(db: Session, result) -> tuple[str, str]:
    """What /api/portal/session/adopt does with the code a sign-in navigates to: the code, and the session token."""
    found = re.search(r"/api/portal/session/adopt\?code=([A-Za-z0-9_-]+)&next=/portal\b", repr(result))
    assert found, result
    db.rollback()  # a fresh read: the sign-in wrote the session in a transaction of its own
    token = client_auth.adopt_handoff(db, found.group(1))
    db.commit()
    assert token
    return found.group(1), token


def test_sign_in_with_the_right_details_hands_off_a_session(practice):
    p = practice
    db = p.db
    form = {"last_name": "  o’brien ", "date_of_birth": f"{p.a.date_of_birth:%m/%d/%Y}", "pin": PIN_A}
    b, state, result = login(form)
    assert state.error == ""
    code, token = adopt(db, result)
    view = b.frontend_view()
    assert code not in view and PIN_A not in view
    assert client_auth.resolve_session(db, client_auth.token_digest(token)).client_id == p.a.id
    (event,) = audits(db, "portal.signed_in")
    assert event.actor_id == p.a.id


def test_twins_each_sign_in_as_themselves(practice):
    p = practice
    db = p.db
    ava, mia = (
        db.exec(select(Client).where(Client.first_name == n, Client.last_name == "Patel")).one() for n in ("Ava", "Mia")
    )
    assert ava.date_of_birth == mia.date_of_birth
    pins.set_pin(db, ava, "318274", actor_id=p.ellen.id)
    pins.set_pin(db, mia, "729315", actor_id=p.ellen.id)
    db.commit()
    for twin, pin in ((ava, "318274"), (mia, "729315")):
        _, state, result = login({"last_name": "patel", "date_of_birth": f"{twin.date_of_birth}", "pin": pin})
        _, token = adopt(db, result)
        assert client_auth.resolve_session(db, client_auth.token_digest(token)).client_id == twin.id


def test_every_failed_sign_in_gets_the_same_message(practice):
    p = practice
    db = p.db
    dob = f"{p.a.date_of_birth:%m/%d/%Y}"
    wrong = [
        {"last_name": "Nobody", "date_of_birth": dob, "pin": PIN_A},  # no such client
        {"last_name": "O'Brien", "date_of_birth": dob, "pin": "999999"},  # wrong PIN
        {"last_name": "O'Brien", "date_of_birth": "01/01/1901", "pin": PIN_A},  # wrong date of birth
        {"last_name": "Johnson", "date_of_birth": dob, "pin": PIN_A},  # someone else's name
        {"last_name": "O'Brien", "date_of_birth": "13/45/1990", "pin": PIN_A},  # not a date
    ]
    for i, form in enumerate(wrong):
        _, state, result = login(form, ip=f"198.51.100.{i}")
        assert "/api/portal/session/adopt" not in repr(result) and state.error == client_auth.FAILED, form

    row = db.get(Client, p.a.id)
    row.locked_until = utcnow() + timedelta(minutes=10)  # locked: even the right details fail the same way
    db.add(row)
    db.commit()
    _, state, result = login({"last_name": "O'Brien", "date_of_birth": dob, "pin": PIN_A}, ip="198.51.100.99")
    assert "/api/portal/session/adopt" not in repr(result) and state.error == client_auth.FAILED
    db.rollback()
    assert db.exec(select(ClientSession).where(ClientSession.client_id == p.a.id)).all() == []


def test_hostile_sign_in_payloads_get_a_message_not_a_traceback(practice):
    db = practice.db
    for form in (
        None,
        [],
        "string",
        {},
        {"last_name": None, "date_of_birth": None, "pin": None},
        {"last_name": "a" * 100_000, "date_of_birth": "9" * 100_000, "pin": "1" * 100_000},
        {"last_name": {"$ne": 1}, "date_of_birth": ["x"], "pin": {"a": 1}},
        {"last_name": "O'Brien\x00", "date_of_birth": "١٩٩٠-٠١-٠١", "pin": "١٢٣٤٥٦"},
        {"last_name": "\ud800", "date_of_birth": "02/28/1994", "pin": "\udfff"},
    ):
        b, state, result = login(form)
        assert "/api/portal/session/adopt" not in repr(result) and state.error, form
        assert "Traceback" not in b.frontend_view()
    db.rollback()
    assert db.exec(select(ClientSession)).all() == []


def test_home_lists_only_the_clients_own_appointments(practice):
    p = practice
    db = p.db
    add_appointment(db, p.a, at(5, 21))
    add_appointment(db, p.b, at(6, 21))
    b = signed_in(db, p.a)
    earliest = utcnow()
    home = open_home(b)
    latest = utcnow()
    mine = sorted(appointments_of(db, p.a), key=lambda a: a.start_at)
    assert {i["id"] for i in [*home.upcoming, *home.past]} == {str(a.id) for a in mine}
    assert [i["id"] for i in home.upcoming if i["id"]] == [str(a.id) for a in mine if a.start_at > earliest][
        -len(home.upcoming) :
    ] or not home.upcoming
    assert {i["id"] for i in home.past} >= {str(a.id) for a in mine if a.start_at <= earliest}
    assert {i["id"] for i in home.upcoming} >= {str(a.id) for a in mine if a.start_at > latest}
    assert home.zone_label == "Central Time"
    state = b.state(PortalState)
    assert state.signed_in and state.first_name == p.a.first_name and state.practice_name == demo.PRACTICE_NAME
    assert all(i["can_reschedule"] == "" and i["can_confirm"] == "" for i in home.past)


def test_booking_a_free_slot_books_exactly_one_appointment_and_queues_an_email(practice):
    p = practice
    db = p.db
    b = signed_in(db, p.a)
    book = open_book(b)
    assert book.notification_message == "Please arrive ten minutes early for your first visit."
    assert "60-minute sessions" in book.rules_text
    BookState.set_kind.fn(book, "online")
    start = pick(book)
    before = {a.id for a in appointments_of(db, p.a)}
    assert BookState.submit.fn(book) is None
    assert book.error == "" and book.done.startswith("Your appointment is booked for ")
    assert BookState.submit.fn(book) is None  # a second click books nothing more
    assert book.error == "Choose a day and a time first."
    (made,) = [a for a in appointments_of(db, p.a) if a.id not in before]
    assert made.start_at == datetime.fromisoformat(start).astimezone(UTC)
    assert made.end_at - made.start_at == timedelta(minutes=60)
    assert (value(made.status), value(made.kind), made.counselor_id) == ("scheduled", "online", p.ellen.id)
    assert (value(made.created_by_kind), made.created_by_id) == ("client", p.a.id)
    (message,) = outbox(db)
    assert (message.recipient, message.client_id, message.kind) == (p.a.email, p.a.id, "appointment")
    assert "booked" in message.subject
    (event,) = audits(db, "appointment.created")
    assert (event.actor_kind, event.actor_id, event.object_id) == ("client", p.a.id, made.id)
    home = open_home(b)
    assert item(home, made.id)["kind"] == "Online video"


def test_rescheduling_outside_the_window_moves_the_appointment(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21), status=AppointmentStatus.confirmed, kind=AppointmentKind.online)
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, own)["can_reschedule"] == "1"
    result = PortalHomeState.start_reschedule.fn(home, str(own))
    assert f"/portal/book?reschedule={own}" in repr(result) and home.blocked_message == ""
    book = open_book(b, query=f"reschedule={own}")
    assert book.reschedule_id == own and book.ready and book.error == ""
    start = pick(book, day_index=2)
    assert BookState.submit.fn(book) is None
    assert book.error == "" and book.done.startswith("Your appointment is moved to ")
    old = appointment(db, own)
    assert value(old.status) == "rescheduled" and old.start_at == at(5, 21)
    (new,) = [a for a in appointments_of(db, p.a) if a.start_at == datetime.fromisoformat(start).astimezone(UTC)]
    assert (value(new.status), value(new.kind), new.client_id) == ("scheduled", "online", p.a.id)
    (event,) = audits(db, "appointment.rescheduled")
    assert (event.actor_kind, event.actor_id, event.object_id) == ("client", p.a.id, new.id)
    assert json.loads(event.detail)["previous"] == own
    (message,) = outbox(db)
    assert message.recipient == p.a.email and "moved" in message.subject


def test_inside_the_restriction_window_the_message_to_reschedule_is_shown_and_nothing_moves(practice):
    p = practice
    db = p.db
    soon = add_appointment(db, p.a, utcnow().replace(second=0, microsecond=0) + timedelta(hours=3))
    message = "Appointments can't be moved online within 24 hours. Please call the office."
    b = signed_in(db, p.a)
    home = open_home(b)
    before = snapshot(db)
    assert PortalHomeState.start_reschedule.fn(home, str(soon)) is None  # no redirect
    assert home.blocked_message == message
    PortalHomeState.close_blocked.fn(home)
    assert home.blocked_message == ""

    book = open_book(b, query=f"reschedule={soon}")  # the book page opened by address
    assert book.error == message and not book.ready and book.days == []
    book = open_book(b)
    pick(book)
    book.reschedule_id = soon  # forged
    BookState.submit.fn(book)
    assert book.error == message and book.done == ""
    assert snapshot(db) == before


def test_a_checked_in_appointment_cannot_be_moved_by_the_client(practice):
    p = practice
    db = p.db
    set_settings(db, p.ellen, reschedule_restriction_hours=0)  # moves allowed until the start
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=40)
    here = add_appointment(db, p.a, start, status=AppointmentStatus.checked_in)  # at the front desk already
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, here)["can_reschedule"] == ""  # the page offers no Reschedule for it...
    before = snapshot(db)
    book = open_book(b, query=f"reschedule={here}")  # ...but the book page opened by address
    if book.ready:
        pick(book)
        BookState.submit.fn(book)
    assert book.done == ""
    assert value(appointment(db, here).status) == "checked_in" and snapshot(db)[0] == before[0]


def test_confirm_and_decline_change_the_status_and_are_audited(practice):
    p = practice
    db = p.db
    to_confirm = add_appointment(db, p.a, at(5, 21), status=AppointmentStatus.scheduled)
    to_decline = add_appointment(db, p.a, at(6, 21), status=AppointmentStatus.confirmed)
    b = signed_in(db, p.a)
    home = open_home(b)
    assert item(home, to_decline)["can_confirm"] == ""
    PortalHomeState.confirm.fn(home, str(to_decline))  # already confirmed: refused
    assert home.notice == CANT_CHANGE

    PortalHomeState.confirm.fn(home, str(to_confirm))
    assert home.notice == "Thank you: your appointment is confirmed."
    assert value(appointment(db, to_confirm).status) == "confirmed"
    assert item(home, to_confirm)["status"] == "Confirmed" and item(home, to_confirm)["can_confirm"] == ""

    PortalHomeState.ask_decline.fn(home, str(to_decline))
    assert home.pending_decline == str(to_decline) and home.decline_label
    PortalHomeState.cancel_decline.fn(home)
    assert home.pending_decline == "" and value(appointment(db, to_decline).status) == "confirmed"
    PortalHomeState.ask_decline.fn(home, str(to_decline))
    PortalHomeState.decline_pending.fn(home)
    assert home.notice.startswith("Your appointment is declined")
    assert value(appointment(db, to_decline).status) == "declined"
    assert item(home, to_decline)["can_decline"] == ""

    events = {e.object_id: e for e in audits(db, "appointment.updated")}
    for appt_id, new in ((to_confirm, "confirmed"), (to_decline, "declined")):
        e = events[appt_id]
        assert (e.actor_kind, e.actor_id) == ("client", p.a.id)
        assert json.loads(e.detail)["changes"]["status"][1] == new


def test_add_to_calendar_downloads_the_clients_own_appointment(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    b = signed_in(db, p.a)
    home = open_home(b)
    result = PortalHomeState.download_ics.fn(home, str(own))
    assert "appointment.ics" in repr(result)
    (event,) = audits(db, "appointment.ics_downloaded")
    assert (event.actor_id, event.object_id) == (p.a.id, own)


# ---- hostile arguments --------------------------------------------------------------------------


def test_hostile_arguments_to_every_handler_change_nothing(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    add_appointment(db, p.b, at(6, 21))
    b = signed_in(db, p.a)
    home = open_home(b)
    book = open_book(b)
    shown = (list(home.upcoming), list(home.past))
    before = snapshot(db)
    for arg in HOSTILE:
        for handler in (
            PortalHomeState.confirm,
            PortalHomeState.decline,
            PortalHomeState.ask_decline,
            PortalHomeState.start_reschedule,
            PortalHomeState.download_ics,
        ):
            assert handler.fn(home, arg) is None, (handler, arg)
            assert home.pending_decline == "" and home.blocked_message == ""
        PortalHomeState.decline_pending.fn(home)
        for handler in (BookState.choose_day, BookState.choose_slot, BookState.set_kind):
            assert handler.fn(book, arg) is None
        assert (book.day, book.slot, book.kind) == ("", "", "in_person"), arg
        BookState.submit.fn(book)
        assert book.done == ""
    for query in ("reschedule=-1", "reschedule=١٢", "reschedule=" + "9" * 100_000, "reschedule=%00", "reschedule="):
        book = open_book(b, query=query)
        assert book.reschedule_id == 0 and book.ready, query
    assert snapshot(db) == before
    assert (list(home.upcoming), list(home.past)) == shown and item(home, own) is not None


@pytest.mark.parametrize(
    "handler",
    [PortalHomeState.confirm, PortalHomeState.decline, PortalHomeState.start_reschedule, PortalHomeState.download_ics],
    ids=lambda h: h.fn.__name__,
)
def test_huge_ids_are_refused_without_an_exception(practice, handler):
    p = practice
    db = p.db
    b = signed_in(db, p.a)
    home = open_home(b)
    before = snapshot(db)
    for arg in HUGE_IDS:
        assert handler.fn(home, arg) is None, arg[:20]
    assert snapshot(db) == before


# ---- what the browser is sent -------------------------------------------------------------------


def test_the_state_never_carries_secrets_or_other_clients(practice):
    p = practice
    db = p.db
    own = add_appointment(db, p.a, at(5, 21))
    add_appointment(db, p.b, at(6, 21))
    dob = p.a.date_of_birth
    form = {"last_name": "O'Brien", "date_of_birth": f"{dob:%m/%d/%Y}", "pin": PIN_A}
    lb, _, result = login(form)
    code, token = adopt(db, result)
    b = Browser(cookie=Browser.client_cookie_for(token), path="/portal")
    home = open_home(b)
    PortalHomeState.download_ics.fn(home, str(own))
    PortalHomeState.ask_decline.fn(home, str(own))
    book = open_book(b, query=f"reschedule={own}")
    pick(book)
    db.rollback()
    pin_hash = db.get(Client, p.a.id).pin_hash
    others = [c for c in db.exec(select(Client)).all() if c.id != p.a.id]
    for view in (lb.frontend_view(), b.frontend_view()):
        for secret in (PIN_A, pin_hash, "$argon2", token, code, p.a.email):
            assert secret not in view
        for shown in (dob.isoformat(), f"{dob:%m/%d/%Y}", f"{dob:%B} {dob.day}, {dob.year}", f"{dob:%m/%d/%y}"):
            assert shown not in view
        for other in others:
            assert names_in(view, other) == [], other.display_name
