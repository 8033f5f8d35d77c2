"""Calendar and Portal Settings handlers called directly, including calls the page would never make."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlmodel import select

from tests.state.conftest import Browser
from therapy_portal.models import Appointment, AuditEvent, Client, PortalSettings, User
from therapy_portal.services import accounts, demo
from therapy_portal.state.calendar import CalendarState
from therapy_portal.state.portal_settings import PortalSettingsState

ELLEN, MARCUS, DESK = (
    "ellen.park@wichita-therapy.example",
    "marcus.oneill@wichita-therapy.example",
    "frontdesk@wichita-therapy.example",
)


@pytest.fixture
def practice(db):
    demo.seed(db)
    db.commit()
    users = {u.email: u for u in db.exec(select(User)).all()}
    return db, users


def browser_for(db, email: str, path: str = "/calendar", query: str = "") -> Browser:
    user = accounts.authenticate(db, email, demo.DEMO_PASSWORD)
    token = accounts.adopt_handoff(db, accounts.begin_session(db, user))
    db.commit()
    return Browser(cookie=Browser.cookie_for(token), path=path, query=query)


def test_every_calendar_handler_does_nothing_for_a_signed_out_browser(practice):
    db, users = practice
    b = Browser(path="/calendar")
    cal = b.state(CalendarState)
    appt = db.exec(select(Appointment)).first()
    calls = [
        (CalendarState.load, ()),
        (CalendarState.choose_counselor, (str(users[ELLEN].id),)),
        (CalendarState.set_view, ("Day",)),
        (CalendarState.step, (1,)),
        (CalendarState.go_today, ()),
        (CalendarState.new_at, ("2026-12-07", "09:00")),
        (CalendarState.open_card, (str(appt.id),)),
        (CalendarState.set_editor, ("date", "2026-12-08")),
        (CalendarState.save_editor, ()),
        (CalendarState.cancel_appointment, ()),
    ]
    for handler, args in calls:
        result = handler.fn(cal, *args)
        assert "/login?next=" in repr(result), handler
    assert cal.cards == [] and cal.counselors == [] and not cal.editor_open and cal.editor == {}


def test_a_counselor_cannot_show_another_counselors_calendar(practice):
    db, users = practice
    b = browser_for(db, MARCUS)
    cal = b.state(CalendarState)
    CalendarState.load.fn(cal)
    assert [c["name"] for c in cal.counselors] == [users[MARCUS].full_name]
    CalendarState.choose_counselor.fn(cal, str(users[ELLEN].id))
    assert cal.counselor_id == str(users[MARCUS].id)
    marcus_appts = {
        str(a.id) for a in db.exec(select(Appointment).where(Appointment.counselor_id == users[MARCUS].id)).all()
    }
    assert {c["id"] for c in cal.cards} <= marcus_appts


def test_a_counselor_cannot_open_or_change_another_counselors_appointment(practice):
    db, users = practice
    ellens = db.exec(select(Appointment).where(Appointment.counselor_id == users[ELLEN].id)).first()
    client = db.get(Client, ellens.client_id)
    b = browser_for(db, MARCUS)
    cal = b.state(CalendarState)
    CalendarState.load.fn(cal)
    CalendarState.open_card.fn(cal, str(ellens.id))
    assert not cal.editor_open and cal.notice == "That appointment was not found."
    assert client.last_name not in b.frontend_view()
    for hostile in ("-1", "0", "99999999", "1 OR 1=1", "../1", None, 3.5):
        CalendarState.open_card.fn(cal, hostile)
        assert not cal.editor_open


def test_admin_and_front_desk_see_every_counselor(practice):
    db, users = practice
    for email in (ELLEN, DESK):
        cal = browser_for(db, email).state(CalendarState)
        CalendarState.load.fn(cal)
        assert len(cal.counselors) == 3


def test_calendar_uses_the_counselors_default_view_and_hours(practice):
    db, users = practice
    cal = browser_for(db, ELLEN).state(CalendarState)
    CalendarState.load.fn(cal)
    CalendarState.choose_counselor.fn(cal, str(users[MARCUS].id))
    assert cal.view == "FullWeek" and len(cal.days) == 7
    assert cal.days[0]["long"].startswith("Sunday")  # Marcus's first day of the week
    assert cal.rows[0]["label"] == "9:00 AM" and cal.session_minutes == 45
    assert cal.odd_even_colors and cal.display_tooltip
    CalendarState.set_view.fn(cal, "Day")
    assert len(cal.days) == 1
    CalendarState.set_view.fn(cal, "Year")  # not a view: ignored
    assert len(cal.days) == 1
    before = cal.anchor
    CalendarState.step.fn(cal, 100)  # only -1 and 1 move
    assert cal.anchor == before


def test_new_appointment_defaults_to_the_session_length_and_conflicts_are_refused(practice):
    db, users = practice
    cal = browser_for(db, MARCUS).state(CalendarState)
    CalendarState.load.fn(cal)
    day = "2027-01-12"  # far from the demo's weeks
    CalendarState.new_at.fn(cal, day, "09:00")
    assert cal.editor_open and cal.editor["minutes"] == "45"
    assert all(
        int(c["id"]) in {x.id for x in db.exec(select(Client).where(Client.counselor_id == users[MARCUS].id)).all()}
        for c in cal.client_options
    )
    CalendarState.save_editor.fn(cal)
    assert not cal.editor_open and "Appointment added" in cal.notice
    CalendarState.new_at.fn(cal, day, "09:30")
    CalendarState.save_editor.fn(cal)
    assert cal.editor_open and cal.editor_error == "This overlaps another appointment on this calendar."


def test_hostile_editor_input_gets_messages_not_tracebacks(practice):
    db, users = practice
    other_practice_client = None
    cal = browser_for(db, MARCUS).state(CalendarState)
    CalendarState.load.fn(cal)
    CalendarState.new_at.fn(cal, "not-a-date", "09:00")
    assert not cal.editor_open
    CalendarState.new_at.fn(cal, "2027-01-13", "09:00")
    for field, value, message in (
        ("date", "2027-02-30", "valid date"),
        ("time", "25:99", "valid start time"),
        ("minutes", "100000", "length"),
        ("kind", "teleport", "in person or online"),
    ):
        CalendarState.new_at.fn(cal, "2027-01-13", "09:00")
        CalendarState.set_editor.fn(cal, field, value)
        CalendarState.save_editor.fn(cal)
        assert message in cal.editor_error, field
    CalendarState.new_at.fn(cal, "2027-01-13", "09:00")
    CalendarState.set_editor.fn(cal, "client_id", "999999")
    CalendarState.save_editor.fn(cal)
    assert cal.editor_error == "Choose a client."
    CalendarState.set_editor.fn(cal, "practice_id", "2")  # not an editor field: ignored
    assert "practice_id" not in cal.editor
    assert other_practice_client is None


def test_moving_keeps_the_audit_trail(practice):
    db, users = practice
    cal = browser_for(db, ELLEN).state(CalendarState)
    CalendarState.load.fn(cal)
    CalendarState.new_at.fn(cal, "2027-01-14", "10:00")
    CalendarState.save_editor.fn(cal)
    appt = db.exec(select(Appointment).order_by(Appointment.id.desc())).first()
    original_start = appt.start_at
    CalendarState.open_card.fn(cal, str(appt.id))
    CalendarState.set_editor.fn(cal, "time", "13:00")
    CalendarState.save_editor.fn(cal)
    db.rollback()  # end this session's read snapshot (SQLite WAL) so the handler's write is visible
    moved = db.get(Appointment, appt.id)
    assert moved.start_at - original_start == timedelta(hours=3)
    event = db.exec(
        select(AuditEvent).where(AuditEvent.action == "appointment.updated", AuditEvent.object_id == appt.id)
    ).one()
    assert "start_at" in json.loads(event.detail)["changes"] and event.actor_id == users[ELLEN].id


def test_portal_settings_form_refuses_another_counselors_settings(practice):
    db, users = practice
    b = browser_for(db, MARCUS, path="/calendar/portal-settings", query=f"counselor={users[ELLEN].id}")
    form = b.state(PortalSettingsState)
    PortalSettingsState.load.fn(form)
    assert form.problem == "You can only change your own Portal Settings." and form.values == {}
    PortalSettingsState.set_value.fn(form, "feedback", True)
    PortalSettingsState.save.fn(form)
    db.rollback()
    ellen = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == users[ELLEN].id)).one()
    assert ellen.feedback is False


def test_portal_settings_form_saves_for_the_owner_and_ignores_unknown_fields(practice):
    db, users = practice
    b = browser_for(db, MARCUS, path="/calendar/portal-settings")
    form = b.state(PortalSettingsState)
    PortalSettingsState.load.fn(form)
    assert form.counselor_id == users[MARCUS].id
    PortalSettingsState.set_value.fn(form, "counselor_id", "1")
    PortalSettingsState.set_value.fn(form, "__class__", "x")
    PortalSettingsState.set_value.fn(form, "feedback", True)
    PortalSettingsState.toggle_weekday.fn(form, "6", True)
    PortalSettingsState.toggle_weekday.fn(form, "9", True)
    PortalSettingsState.save.fn(form)
    assert form.status == "Portal Settings saved." and "counselor_id" not in form.values
    db.rollback()
    row = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == users[MARCUS].id)).one()
    assert row.feedback is True and row.weekday_set == {0, 1, 2, 3, 5, 6}
    PortalSettingsState.set_value.fn(form, "business_end", "06:00")
    PortalSettingsState.save.fn(form)
    assert "Nothing was saved" in form.status and "business_end" in form.errors
    assert form.values["business_end"] == "06:00"  # kept for the counselor to fix
