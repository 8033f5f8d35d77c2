"""The demo practice is realistic and internally consistent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from therapy_portal.models import ACTIVE_STATUSES, Appointment, Client, PortalSettings, Practice, User
from therapy_portal.services import accounts, demo
from therapy_portal.services.names import fold

NOW = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


@pytest.fixture
def seeded(db):
    demo.seed(db, now=NOW)
    db.commit()
    return db


def test_practice_staff_and_logins(seeded):
    practice = seeded.exec(select(Practice)).one()
    assert (practice.name, practice.time_zone) == ("Wichita Therapy Center", "America/Chicago")
    for email, *_ in demo.STAFF:
        assert accounts.authenticate(seeded, email, demo.DEMO_PASSWORD) is not None
    assert len(seeded.exec(select(User).where(User.is_clinician)).all()) == 3


def test_counselors_have_different_portal_settings(seeded):
    rows = seeded.exec(select(PortalSettings)).all()
    assert len(rows) == 3
    shapes = {(r.business_start, r.default_view, r.session_minutes, r.allowed_weekdays) for r in rows}
    assert len(shapes) == 3


def test_clients_have_realistic_unicode_names(seeded):
    clients = seeded.exec(select(Client)).all()
    assert 35 <= len(clients) <= 45
    last = [c.last_name for c in clients]
    for name in ("O'Brien", "Nuñez", "Nguyễn"):
        assert name in last
    assert any(last.count(n) == 2 for n in set(last))
    patels = [c for c in clients if c.last_name == "Patel"]
    assert len(patels) == 2 and patels[0].date_of_birth == patels[1].date_of_birth
    assert all(c.last_name_key == fold(c.last_name) for c in clients)


def test_appointments_span_last_this_and_next_week_without_double_booking(seeded):
    tz = ZoneInfo("America/Chicago")
    appts = seeded.exec(select(Appointment)).all()
    days = {a.start_at.astimezone(tz).date() for a in appts}
    today = NOW.astimezone(tz).date()
    assert min(days) < today - timedelta(days=3) and max(days) > today + timedelta(days=3)
    by_counselor: dict[int, list[Appointment]] = {}
    for a in appts:
        if a.status in ACTIVE_STATUSES:
            by_counselor.setdefault(a.counselor_id, []).append(a)
    for items in by_counselor.values():
        items.sort(key=lambda a: a.start_at)
        for earlier, later in zip(items, items[1:], strict=False):
            assert earlier.end_at <= later.start_at
    settings = {s.counselor_id: s for s in seeded.exec(select(PortalSettings)).all()}
    for a in appts:
        s = settings[a.counselor_id]
        local_start, local_end = a.start_at.astimezone(tz), a.end_at.astimezone(tz)
        assert s.business_start <= local_start.time() and local_end.time() <= s.business_end
        assert local_start.weekday() in s.weekday_set


def test_seeding_twice_is_refused(seeded):
    with pytest.raises(RuntimeError):
        demo.seed(seeded)
