"""Portal Settings validation and saving: every invalid combination gets its message, nothing half-saved, changes audited."""

from __future__ import annotations

import json
from datetime import time

import pytest
from sqlmodel import select

from tests import factories
from therapy_portal.models import AuditEvent, PortalSettings, Role
from therapy_portal.services import portal_settings as ps
from therapy_portal.services.accounts import StaffIdentity


def defaults() -> dict[str, str]:
    return ps.to_form(PortalSettings(counselor_id=1))


def identity(user, practice, role=None) -> StaffIdentity:
    return StaffIdentity(
        user.id, practice.id, role or Role(user.role), user.full_name, user.email, user.is_clinician, practice.name
    )


def test_fields_follow_the_seed_order():
    labels = [f.label for f in ps.FIELDS]
    assert labels[:7] == [
        "Business hour start time",
        "Business hour end time",
        "Default scheduler view",
        "First day of the week",
        "Display Appointment Tooltip",
        "Default Time per session",
        "Separate odd and even days by color",
    ]
    assert labels[7].startswith("Number of days prior")
    assert labels[8:] == [
        "Allow current day appointment scheduling",
        "Days of the week appointments can be scheduled",
        "Client Notification Message",
        "Restriction to reschedule",
        "Message to reschedule",
        "Make Appointment",
        "Online Appointment",
        "Confirm Appointment",
        "Disable Decline Appointment",
        "Messages",
        "Documents",
        "Assessments",
        "Intake paperwork",
        "Feedback",
        "TSecure Client Message Notification",
        "Make a Payment",
        "Message to Payment Information",
        "Client Checkin Notification",
    ]
    assert [label for _, label in next(f for f in ps.FIELDS if f.name == "session_minutes").choices] == [
        "60 Minutes",
        "45 Minutes",
        "30 Minutes",
        "15 Minutes",
    ]
    assert [v for v, _ in next(f for f in ps.FIELDS if f.name == "default_view").choices] == [
        "Day",
        "WeekDays",
        "FullWeek",
    ]


def test_defaults_are_valid_and_round_trip():
    clean, errors = ps.validate(defaults(), payments_configured=False)
    assert errors == {}
    assert clean["business_start"] == time(8) and clean["allowed_weekdays"] == "0,1,2,3,4"


@pytest.mark.parametrize(
    "changes,field,message",
    [
        ({"business_start": "17:00", "business_end": "09:00"}, "business_end", "after the start time"),
        ({"business_start": "09:00", "business_end": "09:00"}, "business_end", "after the start time"),
        (
            {"business_start": "09:00", "business_end": "09:30", "session_minutes": "60"},
            "business_end",
            "at least one 60-minute session",
        ),
        ({"business_start": "25:00"}, "business_start", "from the list"),
        ({"business_start": "08:15"}, "business_start", "from the list"),
        ({"allowed_weekdays": ""}, "allowed_weekdays", "at least one day"),
        ({"allowed_weekdays": "7,8,x"}, "allowed_weekdays", "at least one day"),
        ({"days_prior": "-1"}, "days_prior", "whole number"),
        ({"days_prior": "366"}, "days_prior", "whole number"),
        ({"days_prior": "2.5"}, "days_prior", "whole number"),
        ({"days_prior": "ten"}, "days_prior", "whole number"),
        ({"days_prior": "0", "allow_current_day": "false"}, "days_prior", "never book"),
        ({"client_notification_message": "x" * 1001}, "client_notification_message", "1000 characters"),
        ({"reschedule_message": "y" * 5000}, "reschedule_message", "1000 characters"),
        ({"payment_message": "bell\x07"}, "payment_message", "control characters"),
        ({"make_payment": "true"}, "make_payment", "payment account"),
        (
            {"messages": "true", "notify_email": "false", "notify_sms": "false"},
            "tsecure_notification",
            "Email, SMS or both",
        ),
        ({"default_view": "Month"}, "default_view", "Day, WeekDays or FullWeek"),
        ({"session_minutes": "20"}, "session_minutes", "60, 45, 30 or 15"),
        ({"first_day_of_week": "7"}, "first_day_of_week", "day of the week"),
        ({"reschedule_restriction_hours": "-5"}, "reschedule_restriction_hours", "from the list"),
    ],
)
def test_each_invalid_value_gets_a_message_at_its_field(changes, field, message):
    _, errors = ps.validate({**defaults(), **changes}, payments_configured=False)
    assert field in errors and message in errors[field]


def test_valid_edge_values():
    ok = {
        **defaults(),
        "days_prior": "0",
        "allow_current_day": "true",
        "business_start": "00:00",
        "business_end": "23:30",
        "client_notification_message": "Nguyễn – O'Brien 🙂\nsecond line",
        "make_payment": "true",
    }
    clean, errors = ps.validate(ok, payments_configured=True)
    assert errors == {}
    assert clean["client_notification_message"].startswith("Nguyễn")


def test_hostile_payloads_never_raise():
    for raw in (
        None,
        [],
        "x",
        {"business_start": None, "days_prior": {"$gt": 1}, "allowed_weekdays": ["1"], "messages": object()},
    ):
        _, errors = ps.validate(raw, payments_configured=False)
        assert errors


def test_save_writes_only_valid_forms_and_audits_old_and_new_values(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    me = identity(user, p)
    bad = {**defaults(), "business_end": "07:00", "feedback": "true"}
    assert ps.save(db, me, user.id, bad, payments_configured=False)
    db.flush()
    row = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == user.id)).one()
    assert row.feedback is False and row.business_end == time(17)  # nothing half-saved
    good = {**defaults(), "business_end": "18:00", "feedback": "true"}
    assert ps.save(db, me, user.id, good, payments_configured=False, ip="198.51.100.2") == {}
    db.flush()
    assert row.business_end == time(18) and row.feedback is True
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "portal_settings.updated")).one()
    assert event.actor_id == user.id and event.object_id == user.id and event.ip == "198.51.100.2"
    assert json.loads(event.detail)["changes"] == {"business_end": ["17:00", "18:00"], "feedback": ["false", "true"]}


def test_unchanged_save_writes_no_audit(db):
    p = factories.practice(db)
    user = factories.staff(db, p)
    assert ps.save(db, identity(user, p), user.id, defaults(), payments_configured=False) == {}
    db.flush()
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "portal_settings.updated")).all() == []


def test_only_an_admin_edits_another_counselors_settings(db):
    p = factories.practice(db)
    admin = factories.staff(db, p, email="admin@example.com", role=Role.admin)
    one = factories.staff(db, p, email="one@example.com")
    two = factories.staff(db, p, email="two@example.com")
    desk = factories.staff(db, p, email="desk@example.com", role=Role.front_desk)
    other_practice = factories.practice(db, name="Elsewhere")
    stranger = factories.staff(db, other_practice, email="stranger@example.com", role=Role.admin)
    changed = {**defaults(), "feedback": "true"}
    assert ps.save(db, identity(admin, p), two.id, changed, False) == {}
    with pytest.raises(ps.NotAllowed):
        ps.save(db, identity(one, p), two.id, changed, False)
    with pytest.raises(ps.NotAllowed):
        ps.save(db, identity(desk, p), two.id, changed, False)
    with pytest.raises(ps.NotAllowed):
        ps.save(db, identity(stranger, other_practice), two.id, changed, False)
    with pytest.raises(ps.NotAllowed):
        ps.load(db, identity(admin, p), desk.id)  # front desk has no calendar
