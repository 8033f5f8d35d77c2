"""The demo practice: Wichita Therapy Center, three counselors, a front desk, ~40 clients, three weeks of appointments."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import Session, func, select

from ..models import (
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Client,
    PortalSettings,
    Practice,
    Role,
    SchedulerView,
    User,
)
from . import accounts, pins
from .clients import name_keys
from .names import fold
from .timekeeping import local_to_utc, local_today, week_start, zone

DEMO_PASSWORD = "Wichita-demo-2026"  # noqa: S105 (the published demo sign-in)
PRACTICE_NAME = "Wichita Therapy Center"
TIME_ZONE = "America/Chicago"

STAFF = [
    # email, name, role, clinician, portal settings
    (
        "ellen.park@wichita-therapy.example",
        "Dr. Ellen Park",
        Role.admin,
        True,
        dict(
            business_start=time(8),
            business_end=time(17),
            default_view=SchedulerView.week_days,
            first_day_of_week=0,
            session_minutes=60,
            days_prior=30,
            allow_current_day=False,
            allowed_weekdays="0,1,2,3,4",
            online_appointment=True,
            client_notification_message="Please arrive ten minutes early for your first visit.",
            reschedule_restriction_hours=24,
            reschedule_message="Appointments can't be moved online within 24 hours. Please call the office.",
        ),
    ),
    (
        "marcus.oneill@wichita-therapy.example",
        "Marcus O'Neill, LPC",
        Role.counselor,
        True,
        dict(
            business_start=time(9),
            business_end=time(18),
            default_view=SchedulerView.full_week,
            first_day_of_week=6,
            session_minutes=45,
            odd_even_colors=True,
            days_prior=14,
            allow_current_day=True,
            allowed_weekdays="0,1,2,3,5",
            disable_decline=True,
            notify_sms=True,
            display_tooltip=True,
            reschedule_restriction_hours=48,
            reschedule_message="Please call us to change an appointment less than two days away.",
        ),
    ),
    (
        "sofia.ramirez@wichita-therapy.example",
        "Sofía Ramírez, LCSW",
        Role.counselor,
        True,
        dict(
            business_start=time(7, 30),
            business_end=time(15, 30),
            default_view=SchedulerView.day,
            first_day_of_week=0,
            session_minutes=30,
            display_tooltip=False,
            days_prior=60,
            allowed_weekdays="1,2,3,4",
            confirm_appointment=False,
            messages=False,
            feedback=True,
            reschedule_restriction_hours=12,
        ),
    ),
    ("frontdesk@wichita-therapy.example", "Jamie Lee", Role.front_desk, False, None),
]

# Clients who can try the portal in the demo (the README lists them): each counselor's settings differ.
DEMO_PORTAL = {
    # (first, last): (date of birth, PIN)
    ("Siobhan", "O'Brien"): (date(1987, 3, 17), "482916"),  # Dr. Park: online visits, 24-hour reschedule window
    ("Mateo", "Nuñez"): (date(1979, 11, 5), "730258"),  # Marcus O'Neill: no decline, 48-hour window
    ("Thảo", "Nguyễn"): (date(1990, 6, 12), "591347"),  # Sofía Ramírez: no confirm, no messages
    ("Ava", "Patel"): (date(1994, 2, 28), "264803"),  # twins: same last name and date of birth
    ("Mia", "Patel"): (date(1994, 2, 28), "817345"),
    ("Emma", "Thompson"): (date(1992, 2, 29), "936172"),  # born on a leap day
}
DEMO_PORTAL_PINS = {name: pin for name, (_dob, pin) in DEMO_PORTAL.items()}

CLIENT_NAMES = [
    ("Siobhan", "O'Brien"),
    ("Mateo", "Nuñez"),
    ("Thảo", "Nguyễn"),
    ("Maria", "Johnson"),
    ("David", "Johnson"),
    ("Ava", "Patel"),
    ("Mia", "Patel"),
    ("Liam", "Anderson"),
    ("Noah", "Schmidt"),
    ("Olivia", "García"),
    ("Emma", "Thompson"),
    ("Ethan", "Müller"),
    ("Sophia", "Kowalski"),
    ("Lucas", "Martínez"),
    ("Isabella", "Rossi"),
    ("Aiden", "Walker"),
    ("Chloé", "Dubois"),
    ("Jackson", "Lee"),
    ("Harper", "Young"),
    ("Grace", "Okafor"),
    ("Zoe", "Smith-Jones"),
    ("Benjamin", "Cohen"),
    ("Amelia", "Hughes"),
    ("Elijah", "Brooks"),
    ("Hannah", "Kim"),
    ("Samuel", "Øberg"),
    ("Layla", "Haddad"),
    ("Wyatt", "Reyes"),
    ("Nora", "Fitzgerald"),
    ("Caleb", "Turner"),
    ("Leah", "Bergström"),
    ("Owen", "McAllister"),
    ("Aaliyah", "Washington"),
    ("Gabriel", "Silva"),
    ("Ruby", "Chen"),
    ("Henry", "Yamamoto"),
    ("Stella", "Papadopoulos"),
    ("Julian", "Novak"),
    ("Aurora", "Begay"),
    ("Isaac", "Ivanov"),
]


def is_seeded(db: Session) -> bool:
    return (db.exec(select(func.count()).select_from(Practice)).one() or 0) > 0


def seed(db: Session, now: datetime | None = None, rng_seed: int = 2026) -> Practice:
    """Create the demo practice. Refuses to run on a database that already has a practice."""
    if is_seeded(db):
        raise RuntimeError("The database already has a practice; the demo is only seeded into an empty one.")
    now = now or datetime.now(UTC)
    rng = random.Random(rng_seed)
    practice = Practice(
        name=PRACTICE_NAME, time_zone=TIME_ZONE, address="1200 E Douglas Ave, Wichita, KS 67211", phone="+13165550100"
    )
    db.add(practice)
    db.flush()

    counselors: list[tuple[User, PortalSettings]] = []
    for email, name, role, clinician, prefs in STAFF:
        user = accounts.create_user(db, practice.id, email, name, DEMO_PASSWORD, role=role, is_clinician=clinician)
        if clinician:
            settings = PortalSettings(counselor_id=user.id, **(prefs or {}))
            db.add(settings)
            counselors.append((user, settings))
    db.flush()

    clients = _seed_clients(db, practice, counselors, rng)
    _seed_appointments(db, practice, counselors, clients, rng, now)
    return practice


def _seed_clients(db, practice, counselors, rng) -> list[Client]:
    clients = []
    for i, (first, last) in enumerate(CLIENT_NAMES):
        counselor = counselors[i % len(counselors)][0]
        # Ava and Mia Patel are twins: same last name and date of birth, each with a PIN of her own.
        dob = date(rng.randint(1950, 2008), rng.randint(1, 12), rng.randint(1, 28))
        dob, pin = DEMO_PORTAL.get((first, last), (dob, None))
        local = fold(first).replace(" ", "").replace("'", "")
        client = Client(
            practice_id=practice.id,
            counselor_id=counselor.id,
            first_name=first,
            last_name=last,
            **name_keys(first, last),
            date_of_birth=dob,
            email="" if i % 9 == 8 else f"{local}.{fold(last).replace(' ', '').replace(chr(39), '')}@example.com",
            mobile_e164="" if i % 7 == 6 else f"+1316555{1000 + i:04d}",
            address=f"{100 + i * 7} N Main St, Wichita, KS 672{i % 30:02d}",
        )
        if pin:
            assert pins.weakness(pin, dob) is None, (first, last)
            client.pin_hash, client.pin_set_at = pins.hash_pin(pin), datetime.now(UTC)
        db.add(client)
        clients.append(client)
    db.flush()
    return clients


def _seed_appointments(db, practice, counselors, clients, rng, now) -> None:
    tz = zone(practice.time_zone)
    today = local_today(tz, now)
    first = week_start(today, 0) - timedelta(days=7)
    for user, settings in counselors:
        own = [c for c in clients if c.counselor_id == user.id]
        length = timedelta(minutes=settings.session_minutes)
        for offset in range(21):
            day = first + timedelta(days=offset)
            if day.weekday() not in settings.weekday_set:
                continue
            start = datetime.combine(day, settings.business_start)
            end_of_day = datetime.combine(day, settings.business_end)
            while start + length <= end_of_day:
                if rng.random() < 0.45:
                    client = rng.choice(own)
                    start_utc = local_to_utc(day, start.time(), tz)
                    db.add(
                        Appointment(
                            practice_id=practice.id,
                            counselor_id=user.id,
                            client_id=client.id,
                            start_at=start_utc,
                            end_at=start_utc + length,
                            kind=AppointmentKind.online if rng.random() < 0.3 else AppointmentKind.in_person,
                            status=_status(start_utc, now, rng),
                            created_by_kind=ActorKind.staff,
                            created_by_id=user.id,
                        )
                    )
                start += length + (timedelta(minutes=15) if rng.random() < 0.3 else timedelta(0))


def _status(start: datetime, now: datetime, rng: random.Random) -> AppointmentStatus:
    r = rng.random()
    if start < now:
        return (
            AppointmentStatus.completed
            if r < 0.8
            else (AppointmentStatus.no_show if r < 0.9 else AppointmentStatus.cancelled)
        )
    return (
        AppointmentStatus.scheduled
        if r < 0.5
        else (AppointmentStatus.confirmed if r < 0.85 else AppointmentStatus.requested)
    )
