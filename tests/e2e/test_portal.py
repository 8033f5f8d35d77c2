"""The client portal in a real browser: sign-in, booking within the rules, reschedule, confirm, decline, lockout.

Every test runs at desktop size and at 375 px. The demo practice's clients and PINs come from
`services/demo.py`; appointments a test needs are written straight into the app's database.
"""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from therapy_portal.models import ActorKind, Appointment, AppointmentKind, AppointmentStatus, Client, PortalSettings
from therapy_portal.services import client_auth, demo
from therapy_portal.services.timekeeping import zone

from .conftest import SCREENSHOTS, VIEWPORTS, assert_accessible, find_client, portal_sign_in, shot, sign_in

CHICAGO = zone("America/Chicago")
FAILED = client_auth.FAILED


def _settings(engine, counselor_id: int) -> PortalSettings:
    with Session(engine) as db:
        return db.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).one()


def _free_start(db: Session, counselor_id: int, earliest: datetime, latest: datetime, length: timedelta) -> datetime:
    """The first whole hour in [earliest, latest] where this counselor has nothing booked."""
    start = earliest.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    while start + length <= latest:
        clash = db.exec(
            select(Appointment.id).where(
                Appointment.counselor_id == counselor_id,
                Appointment.start_at < start + length,
                Appointment.end_at > start,
                Appointment.status.in_(["requested", "scheduled", "confirmed", "checked_in"]),
            )
        ).first()
        if clash is None:
            return start
        start += timedelta(hours=1)
    raise AssertionError("no free hour for the test appointment")


def _add_appointment(engine, client: Client, earliest: timedelta, latest: timedelta) -> Appointment:
    now = datetime.now(UTC)
    with Session(engine) as db:
        length = timedelta(minutes=_settings(engine, client.counselor_id).session_minutes)
        start = _free_start(db, client.counselor_id, now + earliest, now + latest, length)
        appt = Appointment(
            practice_id=client.practice_id,
            counselor_id=client.counselor_id,
            client_id=client.id,
            start_at=start,
            end_at=start + length,
            kind=AppointmentKind.in_person,
            status=AppointmentStatus.scheduled,
            created_by_kind=ActorKind.staff,
            created_by_id=client.counselor_id,
        )
        db.add(appt)
        db.commit()
        db.refresh(appt)
        return appt


def _reload(engine, appt_id: int) -> Appointment:
    with Session(engine) as db:
        return db.get(Appointment, appt_id)


def _card(page: Page, appt: Appointment):
    local = appt.start_at.astimezone(CHICAGO)
    card = page.locator(f".appointment[data-appointment-id='{appt.id}']")
    expect(card).to_contain_text(f"{local:%A, %B} {local.day}, {local.year}")
    expect(card).to_contain_text(f"{local:%-I:%M %p} –")
    return card


def _wait_for_mail(mailbox, address: str, subject: str, timeout: float = 45):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = [m for m in mailbox.to(address) if subject in m["Subject"]]
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no email '{subject}' to {address}")


def test_client_signs_in_books_a_slot_the_rules_allow_and_signs_out(page, app_db, mailbox):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    rules = _settings(app_db, siobhan.counselor_id)  # Dr. Park: Mon–Fri, 8–5, 60 minutes, 30 days, not today
    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/login"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, "portal-login")
    shot(page, "portal-login")

    portal_sign_in(page, "o'brien", siobhan.date_of_birth, demo.DEMO_PORTAL_PINS[("Siobhan", "O'Brien")])
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.get_by_text("Hello, Siobhan.")).to_be_visible()
    expect(page.get_by_role("heading", name="Upcoming appointments")).to_be_visible()
    expect(page.get_by_text("Times are in Central Time.")).to_be_visible()
    assert_accessible(page, "portal-home")
    shot(page, "portal-home")

    page.get_by_role("link", name="Make Appointment").click()
    expect(page).to_have_url(re.compile(r"/portal/book"))
    expect(page.locator("#client-notification-message")).to_contain_text(rules.client_notification_message)
    days = page.locator(".day-option")
    expect(days.first).to_be_visible()
    today = datetime.now(CHICAGO).date()
    offered = [date.fromisoformat(d) for d in days.evaluate_all("els => els.map(e => e.dataset.date)")]
    assert offered, "no day offered"
    assert all(d.weekday() < 5 for d in offered), "a weekend day was offered"
    assert all(today < d <= today + timedelta(days=rules.days_prior) for d in offered), offered
    days.first.click()
    slots = page.locator(".slot-option")
    expect(slots.first).to_be_visible()
    for label in slots.all_inner_texts():
        t = datetime.strptime(label, "%I:%M %p").time()
        assert (
            rules.business_start <= t
            and (datetime.combine(today, t) + timedelta(minutes=60)).time() <= rules.business_end
        ), label
    assert_accessible(page, "portal-book")
    chosen = slots.first.inner_text()
    slots.first.click()
    page.get_by_role("radio", name="Online video").click()
    shot(page, "portal-book")
    page.locator("#book-submit").click()
    expect(page.locator("#book-done")).to_contain_text(re.compile(rf"booked for \w+, .* at {re.escape(chosen)}\."))
    shot(page, "portal-booked")

    with Session(app_db) as db:
        booked = db.exec(
            select(Appointment)
            .where(Appointment.client_id == siobhan.id, Appointment.created_by_kind == ActorKind.client)
            .order_by(Appointment.id.desc())
        ).first()
    assert booked is not None
    assert booked.kind == AppointmentKind.online and booked.status == AppointmentStatus.scheduled
    local = booked.start_at.astimezone(CHICAGO)
    assert local.date() == offered[0] and f"{local:%-I:%M %p}" == datetime.strptime(chosen, "%I:%M %p").strftime(
        "%-I:%M %p"
    )
    when = f"{local:%A, %B} {local.day}, {local.year}, {local:%-I:%M %p}"
    mail = _wait_for_mail(mailbox, siobhan.email, f"Your appointment is booked: {local:%A, %B} {local.day}")
    assert when in mail[-1].get_body(("plain",)).get_content()
    html = mail[-1].get_body(("html",)).get_content()
    assert f"{local:%A, %B} {local.day}, {local.year}" in html and f"{local:%-I:%M %p}" in html

    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/portal/login"))
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/login"))


def test_counselor_calendar_shows_a_portal_booking_at_once(browser, app_server, app_db):
    """The booking is in the counselor's calendar without anyone reloading anything on the staff side."""
    mateo = find_client(app_db, "Mateo", "Nuñez")  # Marcus O'Neill: today allowed, 45 minutes, 14 days
    staff = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=app_server.url)
    client = browser.new_context(viewport=VIEWPORTS["phone"], base_url=app_server.url)
    try:
        counselor_page, client_page = staff.new_page(), client.new_page()
        counselor_page.viewport_name, client_page.viewport_name = "desktop", "phone"
        sign_in(counselor_page, "marcus.oneill@wichita-therapy.example", start="/calendar")
        expect(counselor_page.get_by_role("button", name="Portal Settings")).to_be_visible()

        client_page.goto("/portal/login")
        portal_sign_in(client_page, "Nunez", mateo.date_of_birth, demo.DEMO_PORTAL_PINS[("Mateo", "Nuñez")])
        client_page.get_by_role("link", name="Book").click()
        day = client_page.locator(".day-option").first
        day.click()
        client_page.locator(".slot-option").first.click()
        client_page.locator("#book-submit").click()
        expect(client_page.locator("#book-done")).to_be_visible()

        with Session(app_db) as db:
            booked = db.exec(
                select(Appointment)
                .where(Appointment.client_id == mateo.id, Appointment.created_by_kind == ActorKind.client)
                .order_by(Appointment.id.desc())
            ).first()
        local = booked.start_at.astimezone(CHICAGO)
        counselor_page.goto(f"/calendar?counselor={mateo.counselor_id}&date={local.date().isoformat()}")
        counselor_page.get_by_role("button", name="Day", exact=True).click()
        expect(counselor_page.locator(f"[aria-label='{local:%A, %B} {local.day}']")).to_be_visible()
        card = (
            counselor_page.locator("[aria-label^='Appointment: ']")
            .filter(has_text="Nuñez")
            .filter(has_text=f"{local:%-I:%M}")
        )
        expect(card).to_be_visible()
    finally:
        staff.close()
        client.close()


def test_reschedule_outside_the_window_refused_inside_it_confirm_and_decline(page, app_db):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")  # Dr. Park: 24-hour window, confirm on, decline allowed
    rules = _settings(app_db, siobhan.counselor_id)
    far = _add_appointment(app_db, siobhan, timedelta(days=3), timedelta(days=6))
    near = _add_appointment(app_db, siobhan, timedelta(hours=2), timedelta(hours=20))

    page.goto("/portal/login")
    portal_sign_in(page, "O'Brien", siobhan.date_of_birth, demo.DEMO_PORTAL_PINS[("Siobhan", "O'Brien")])
    expect(_card(page, near)).to_be_visible()

    _card(page, near).get_by_role("button", name="Reschedule").click()
    expect(page.locator("#reschedule-blocked")).to_have_text(rules.reschedule_message)
    shot(page, "portal-reschedule-refused")
    assert _reload(app_db, near.id).start_at == near.start_at

    _card(page, far).get_by_role("button", name="Confirm").click()
    expect(page.get_by_text("your appointment is confirmed")).to_be_visible()
    expect(_card(page, far).get_by_text("Confirmed")).to_be_visible()
    assert _reload(app_db, far.id).status == AppointmentStatus.confirmed
    expect(_card(page, far).get_by_role("button", name="Confirm")).to_have_count(0)

    _card(page, near).get_by_role("button", name="Decline").click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Decline this appointment?")
    shot(page, "portal-decline-dialog")
    dialog.get_by_role("button", name="Yes, decline").click()
    expect(page.get_by_text("Your appointment is declined")).to_be_visible()
    assert _reload(app_db, near.id).status == AppointmentStatus.declined

    _card(page, far).get_by_role("button", name="Reschedule").click()
    expect(page).to_have_url(re.compile(r"/portal/book\?reschedule=\d+"))
    expect(page.get_by_text("Choose a new time for your appointment.")).to_be_visible()
    page.locator(".day-option").last.click()
    page.locator(".slot-option").last.click()
    page.locator("#book-submit").click()
    expect(page.locator("#book-done")).to_contain_text("moved to")
    assert (
        _reload(app_db, far.id).status == AppointmentStatus.rescheduled
    )  # kept for the record; its time is free again
    with Session(app_db) as db:
        replacement = db.exec(
            select(Appointment).where(
                Appointment.client_id == siobhan.id,
                Appointment.start_at > far.start_at,
                Appointment.status == AppointmentStatus.scheduled,
                Appointment.created_by_kind == ActorKind.client,
            )
        ).all()
    assert replacement, "no appointment at the new time"


def test_actions_follow_each_counselors_settings(page, app_db):
    """Marcus disables decline; Sofía turns confirm off: the buttons are not there."""
    mateo = find_client(app_db, "Mateo", "Nuñez")
    appt = _add_appointment(app_db, mateo, timedelta(days=3), timedelta(days=10))
    page.goto("/portal/login")
    portal_sign_in(page, "NUÑEZ", mateo.date_of_birth, demo.DEMO_PORTAL_PINS[("Mateo", "Nuñez")])
    card = _card(page, appt)
    expect(card.get_by_role("button", name="Confirm")).to_be_visible()
    expect(card.get_by_role("button", name="Reschedule")).to_be_visible()
    expect(card.get_by_role("button", name="Decline")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/portal/login"))

    thao = find_client(app_db, "Thảo", "Nguyễn")
    appt = _add_appointment(app_db, thao, timedelta(days=3), timedelta(days=10))
    portal_sign_in(page, "nguyen", thao.date_of_birth, demo.DEMO_PORTAL_PINS[("Thảo", "Nguyễn")])
    card = _card(page, appt)
    expect(card.get_by_role("button", name="Decline")).to_be_visible()
    expect(card.get_by_role("button", name="Confirm")).to_have_count(0)
    expect(page.get_by_role("navigation", name="Portal").get_by_role("link", name="Messages")).to_have_count(0)


LOCKOUT_CLIENTS = {"desktop": ("Emma", "Thompson"), "phone": ("Mia", "Patel")}


def test_six_wrong_pins_lock_the_client_until_the_counselor_unlocks(page, browser, app_server, app_db):
    first, last = LOCKOUT_CLIENTS[page.viewport_name]
    client = find_client(app_db, first, last)
    pin = demo.DEMO_PORTAL_PINS[(first, last)]
    page.goto("/portal/login")
    for wrong in ("111111", "246810", "13579", "999999", "5555", "20202020"):
        portal_sign_in(page, last, client.date_of_birth, wrong)
        expect(page.get_by_label("PIN")).to_have_value("")  # each attempt is answered: the PIN is cleared
        expect(page.locator("#login-error")).to_have_text(FAILED)
    portal_sign_in(page, last, client.date_of_birth, pin)
    expect(page.get_by_label("PIN")).to_have_value("")
    expect(page.locator("#login-error")).to_have_text(FAILED)
    expect(page).to_have_url(re.compile(r"/portal/login"))
    shot(page, "portal-locked-out")

    staff = browser.new_context(viewport=VIEWPORTS[page.viewport_name], base_url=app_server.url)
    try:
        office = staff.new_page()
        office.viewport_name = page.viewport_name
        sign_in(office, start=f"/clients/{client.id}?tab=portal")
        expect(office.locator("#portal-locked")).to_contain_text("locked until")
        shot(office, "client-portal-locked")
        office.locator("#portal-unlock").click()
        expect(office.get_by_text("Portal sign-in unlocked")).to_be_visible()
        expect(office.locator("#portal-locked")).to_have_count(0)
    finally:
        staff.close()

    portal_sign_in(page, last, client.date_of_birth, pin)
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.get_by_text(f"Hello, {first}.")).to_be_visible()


def test_booking_works_by_keyboard_alone(page, app_db):
    if page.viewport_name != "desktop":
        pytest.skip("keyboard use is tested once, at desktop size")
    thao = find_client(app_db, "Thảo", "Nguyễn")  # Sofía Ramírez: Tue–Fri, 7:30–3:30, 30 minutes
    page.goto("/portal/login")
    # Sign in is enabled once the page is connected; a keypress before then would be lost.
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()
    page.get_by_label("Last name").focus()
    page.keyboard.type("Nguyễn")
    page.keyboard.press("Tab")
    page.keyboard.type(f"{thao.date_of_birth:%m/%d/%Y}")
    page.keyboard.press("Tab")
    page.keyboard.type(demo.DEMO_PORTAL_PINS[("Thảo", "Nguyễn")])
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/?$"))
    expect(page.get_by_text("Hello, Thảo.")).to_be_visible()
    page.goto("/portal/book")
    expect(page.locator(".day-option").first).to_be_visible()

    def tab_to(selector: str) -> None:
        for _ in range(80):
            page.keyboard.press("Tab")
            if page.evaluate(f"document.activeElement && document.activeElement.matches({json.dumps(selector)})"):
                return
        raise AssertionError(f"Tab never reached {selector}")

    tab_to(".day-option")
    page.keyboard.press("Enter")
    expect(page.locator(".slot-option").first).to_be_visible()
    tab_to(".slot-option")
    label = page.evaluate("document.activeElement.innerText")
    page.keyboard.press("Enter")
    tab_to("#book-submit")
    page.keyboard.press("Enter")
    expect(page.locator("#book-done")).to_contain_text(f"at {label}")


@pytest.fixture(scope="module", autouse=True)
def _screenshot_folder():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
