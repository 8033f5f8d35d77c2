"""What a signed-in client may see and do, each only when their counselor's Portal Settings allow it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from icalendar import Calendar, Event
from sqlmodel import Session, select

from ..models import (
    ACTIVE_STATUSES,
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Channel,
    Client,
    PortalSettings,
    Practice,
    User,
    utcnow,
)
from . import audit, booking, notify
from .agenda import KIND_LABELS, STATUS_LABELS
from .client_auth import ClientIdentity
from .clients import display_mobile
from .invitations import portal_url
from .scheduling import (
    DEFAULT_RESCHEDULE_MESSAGE,
    Rules,
    SchedulingError,
    booking_window,
    describe_window,
    reschedule_allowed,
)
from .templates import render
from .timekeeping import zone

NOT_ALLOWED = "This isn't available in your portal. Please contact the office."
# What a client may do with an appointment in each status (a "requested" one waits for the counselor).
MOVABLE = ("requested", "scheduled", "confirmed")
CONFIRMABLE = ("scheduled",)
DECLINABLE = ("requested", "scheduled", "confirmed")
ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Arizona Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
}
FEATURES = (
    "make_appointment",
    "online_appointment",
    "confirm_appointment",
    "messages",
    "documents",
    "assessments",
    "intake_paperwork",
    "feedback",
    "make_payment",
)


@dataclass(frozen=True)
class PortalContext:
    client: Client
    practice: Practice
    counselor: User | None
    settings: PortalSettings

    @property
    def tz(self):
        return zone(self.practice.time_zone)

    @property
    def rules(self) -> Rules:
        return Rules.from_settings(self.settings, self.practice.time_zone)

    def features(self) -> dict[str, bool]:
        flags = {name: bool(getattr(self.settings, name)) for name in FEATURES}
        flags["decline"] = not self.settings.disable_decline
        return flags


def context(db: Session, me: ClientIdentity) -> PortalContext:
    client = db.get(Client, me.client_id)
    practice = db.get(Practice, client.practice_id)
    counselor = db.get(User, client.counselor_id) if client.counselor_id else None
    settings = (
        db.exec(select(PortalSettings).where(PortalSettings.counselor_id == client.counselor_id)).first()
        if counselor
        else None
    )
    # A client without a counselor gets the defaults with every booking feature off.
    settings = settings or PortalSettings(
        counselor_id=0, make_appointment=False, confirm_appointment=False, disable_decline=True
    )
    return PortalContext(client, practice, counselor, settings)


def _yes(flag: bool) -> str:
    return "1" if flag else ""


def _when(ctx: PortalContext, appt: Appointment) -> tuple[str, str]:
    start, end = appt.start_at.astimezone(ctx.tz), appt.end_at.astimezone(ctx.tz)
    return f"{start:%A, %B} {start.day}, {start.year}", f"{start:%-I:%M %p} – {end:%-I:%M %p}"


def appointments(db: Session, ctx: PortalContext, now: datetime | None = None) -> tuple[list[dict], list[dict]]:
    """Upcoming and past appointments of this client, with the actions their counselor allows on each."""
    now = now or utcnow()
    rows = db.exec(
        select(Appointment).where(Appointment.client_id == ctx.client.id).order_by(Appointment.start_at)
    ).all()
    upcoming, past = [], []
    flags = ctx.features()
    for appt in rows:
        status = str(getattr(appt.status, "value", appt.status))
        if status == "rescheduled":
            continue  # the appointment it became is listed instead
        day, time_range = _when(ctx, appt)
        future = appt.start_at > now
        holds = appt.status in ACTIVE_STATUSES
        item = {
            "id": str(appt.id),
            "day": day,
            "time": time_range,
            "kind": KIND_LABELS.get(str(getattr(appt.kind, "value", appt.kind)), ""),
            "status": STATUS_LABELS.get(status, status),
            "status_key": status,
            "can_reschedule": _yes(future and flags["make_appointment"] and status in MOVABLE),
            "can_confirm": _yes(future and flags["confirm_appointment"] and status in CONFIRMABLE),
            "can_decline": _yes(future and flags["decline"] and status in DECLINABLE),
            "can_add_to_calendar": _yes(future and holds),
        }
        (upcoming if future else past).append(item)
    past.reverse()
    return upcoming, past


def bookable_days(db: Session, ctx: PortalContext, now: datetime | None = None) -> list[dict[str, str]]:
    """The days in the booking window with at least one free slot."""
    now = now or utcnow()
    if not ctx.settings.make_appointment or ctx.counselor is None:
        return []
    window = booking_window(ctx.rules, now)
    if window is None:
        return []
    slots = booking.available_slots(db, ctx.counselor.id, window[0], window[1], now)
    days: dict[date, int] = {}
    for slot in slots:
        d = slot.start.astimezone(ctx.tz).date()
        days[d] = days.get(d, 0) + 1
    return [
        {"date": d.isoformat(), "label": f"{d:%a, %b} {d.day}", "long": f"{d:%A, %B} {d.day}", "count": str(n)}
        for d, n in sorted(days.items())
    ]


def slots_on(db: Session, ctx: PortalContext, day: date, now: datetime | None = None) -> list[dict[str, str]]:
    if not ctx.settings.make_appointment or ctx.counselor is None:
        return []
    slots = booking.available_slots(db, ctx.counselor.id, day, day, now or utcnow())
    return [{"start": s.start.isoformat(), "label": f"{s.start.astimezone(ctx.tz):%-I:%M %p}"} for s in slots]


def zone_label(ctx: PortalContext) -> str:
    """The practice's time zone as a client would say it ("Central Time"), from its IANA name."""
    name = ctx.practice.time_zone
    return ZONE_NAMES.get(name, name.replace("_", " "))


def rules_in_words(ctx: PortalContext) -> str:
    return describe_window(ctx.rules)


def _require(ctx: PortalContext, flag: str) -> None:
    if not ctx.features().get(flag):
        raise SchedulingError(NOT_ALLOWED)


_MAX_ID = 2**31 - 1  # ids are INTEGER: a larger number makes the database raise instead of finding nothing


def _id_in_range(appointment_id: int) -> bool:
    return isinstance(appointment_id, int) and 0 < appointment_id <= _MAX_ID


def _own(db: Session, ctx: PortalContext, appointment_id: int) -> Appointment:
    appt = db.get(Appointment, appointment_id) if _id_in_range(appointment_id) else None
    if appt is None or appt.client_id != ctx.client.id:
        raise SchedulingError("That appointment was not found.")
    return appt


def _notify_booked(db: Session, ctx: PortalContext, appt: Appointment, headline: str) -> None:
    if not ctx.client.email:
        return
    day, time_range = _when(ctx, appt)
    context = {
        "subject": f"{headline}: {day}",
        "practice_name": ctx.practice.name,
        "practice_phone": display_mobile(ctx.practice.phone)
        if ctx.practice.phone.startswith("+")
        else ctx.practice.phone,
        "first_name": ctx.client.first_name,
        "headline": headline,
        "day": day,
        "time": time_range,
        "kind": KIND_LABELS.get(str(getattr(appt.kind, "value", appt.kind)), ""),
        "counselor": ctx.counselor.full_name if ctx.counselor else "",
        "portal_url": portal_url(),
    }
    notify.enqueue(
        db,
        practice_id=ctx.practice.id,
        channel=Channel.email,
        kind="appointment",
        recipient=ctx.client.email,
        subject=context["subject"],
        body_text=render("email/appointment.txt.j2", **context),
        body_html=render("email/appointment.html.j2", **context),
        client_id=ctx.client.id,
    )


def _zoned(start: datetime) -> None:
    # A time without a zone is refused here: booking would fail on the database, rescheduling would read it
    # in the server's zone.
    if start.tzinfo is None or start.utcoffset() is None:
        raise SchedulingError("That time is not valid.")


def book(ctx: PortalContext, start: datetime, kind: str, ip: str = "", now: datetime | None = None) -> Appointment:
    _require(ctx, "make_appointment")
    _zoned(start)
    if ctx.counselor is None:
        raise SchedulingError(NOT_ALLOWED)
    if kind not in KIND_LABELS:
        raise SchedulingError("Choose in person or online video.")
    if kind == AppointmentKind.online.value:
        _require(ctx, "online_appointment")
    appt = booking.create_appointment(
        practice_id=ctx.practice.id,
        counselor_id=ctx.counselor.id,
        client_id=ctx.client.id,
        start=start,
        kind=AppointmentKind(kind),
        status=AppointmentStatus.scheduled,
        actor_kind=ActorKind.client,
        actor_id=ctx.client.id,
        ip=ip,
        now=now,
        then=lambda db, appt: _notify_booked(db, ctx, appt, "Your appointment is booked"),
    )
    return appt


def reschedule_check(db: Session, ctx: PortalContext, appointment_id: int, now: datetime | None = None) -> str | None:
    """None when the client may move this appointment now; otherwise the Message to reschedule."""
    _require(ctx, "make_appointment")
    appt = _own(db, ctx, appointment_id)
    now = now or utcnow()
    if str(getattr(appt.status, "value", appt.status)) not in MOVABLE or appt.start_at <= now:
        raise SchedulingError("That appointment can't be rescheduled.")
    if not reschedule_allowed(ctx.rules, appt.start_at, now):
        return ctx.settings.reschedule_message.strip() or DEFAULT_RESCHEDULE_MESSAGE
    return None


def reschedule(
    ctx: PortalContext, appointment_id: int, start: datetime, ip: str = "", now: datetime | None = None
) -> Appointment:
    _require(ctx, "make_appointment")
    _zoned(start)
    if not _id_in_range(appointment_id):
        raise SchedulingError("That appointment can't be rescheduled.")
    return booking.client_reschedule(
        appointment_id,
        ctx.client.id,
        start,
        ip=ip,
        now=now,
        then=lambda db, appt: _notify_booked(db, ctx, appt, "Your appointment has moved"),
    )


def set_response(
    ctx: PortalContext, appointment_id: int, answer: str, ip: str = "", now: datetime | None = None
) -> None:
    """Confirm or decline, when the counselor's settings allow it."""
    now = now or utcnow()
    if answer == "confirm":
        _require(ctx, "confirm_appointment")
        allowed, new_status = CONFIRMABLE, AppointmentStatus.confirmed
    elif answer == "decline":
        _require(ctx, "decline")
        allowed, new_status = DECLINABLE, AppointmentStatus.declined
    else:
        raise SchedulingError(NOT_ALLOWED)

    def mine_and_open(appt: Appointment) -> bool:
        return (
            appt.client_id == ctx.client.id
            and appt.start_at > now
            and str(getattr(appt.status, "value", appt.status)) in allowed
        )

    try:
        if not _id_in_range(appointment_id):
            raise SchedulingError(NOT_ALLOWED)
        booking.update_appointment(
            appointment_id,
            status=new_status,
            actor_kind=ActorKind.client,
            actor_id=ctx.client.id,
            ip=ip,
            may_touch=mine_and_open,
            now=now,
        )
    except SchedulingError:
        raise SchedulingError("That appointment can't be changed any more.") from None


def ics(db: Session, ctx: PortalContext, appointment_id: int) -> bytes:
    """An .ics for one appointment: the practice and the time, nothing clinical in it."""
    appt = _own(db, ctx, appointment_id)
    cal = Calendar()
    cal.add("prodid", "-//Therapy Portal//EN")
    cal.add("version", "2.0")
    event = Event()
    event.add("uid", f"appointment-{appt.id}@therapy-portal")
    event.add("summary", f"Appointment at {ctx.practice.name}")
    event.add("dtstart", appt.start_at)
    event.add("dtend", appt.end_at)
    event.add("dtstamp", utcnow())
    if ctx.practice.address and appt.kind != AppointmentKind.online:
        event.add("location", ctx.practice.address)
    cal.add_component(event)
    audit.record(
        db,
        "appointment.ics_downloaded",
        actor_kind="client",
        actor_id=ctx.client.id,
        object_type="appointment",
        object_id=appt.id,
    )
    return cal.to_ical()
