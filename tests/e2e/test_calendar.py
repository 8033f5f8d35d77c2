"""The calendar follows every calendar setting, and appointments are created and moved under the no-overlap rule."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from .conftest import shot, sign_in

TZ = ZoneInfo("America/Chicago")
ELLEN, MARCUS = "Dr. Ellen Park", "Marcus O'Neill, LPC"


def today():
    return datetime.now(TZ).date()


def open_calendar(page: Page, counselor: str = ELLEN) -> None:
    page.goto("/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    page.get_by_label("Counselor").select_option(label=counselor)
    expect(page.get_by_label("Counselor")).to_have_value(re.compile(r"\d+"))
    # The calendar remembers the week last shown; start each check from this week.
    page.get_by_role("button", name="Today", exact=True).click()


def set_box(box, checked: bool) -> None:
    """Tick or untick a checkbox whose state the server owns: click, then wait for the round trip."""
    if box.is_checked() != checked:
        box.click()
    (expect(box).to_be_checked if checked else expect(box).not_to_be_checked)()


def set_portal_settings(page: Page, counselor: str = ELLEN, **fields) -> None:
    """Change fields through the form (selects by visible label text, checkboxes by True/False) and save."""
    open_calendar(page, counselor)
    page.get_by_role("link", name="Portal Settings").click()
    expect(page.get_by_text("Settings for")).to_contain_text(counselor)
    for label, value in fields.items():
        control = page.get_by_label(label, exact=True)
        if isinstance(value, bool):
            set_box(control, value)
        elif control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(label=value)
        else:
            control.fill(value)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_have_text("Portal Settings saved.")


def step(page: Page, name: str = "Next", times: int = 1) -> None:
    """Press Next or Previous and wait until the calendar shows the new range each time."""
    title = page.locator("#calendar-title")
    for _ in range(times):
        before = title.inner_text()
        page.get_by_role("button", name=name, exact=True).click()
        expect(title).not_to_have_text(before)


def day_columns(page: Page):
    return page.get_by_role("region", name="Calendar").get_by_role("group")


@pytest.fixture
def signed_in(page):
    sign_in(page, start="/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    return page


def test_default_view_first_day_and_switching_views(signed_in):
    page = signed_in
    set_portal_settings(page, **{"Default scheduler view": "FullWeek", "First day of the week": "Sunday"})
    open_calendar(page)
    expect(day_columns(page)).to_have_count(7)
    expect(day_columns(page).first).to_have_attribute("aria-label", re.compile(r"^Sunday, "))
    expect(page.get_by_role("button", name="FullWeek", exact=True)).to_have_attribute("aria-pressed", "true")
    shot(page, "calendar-fullweek")

    page.get_by_role("button", name="WeekDays", exact=True).click()
    expect(day_columns(page)).to_have_count(5)
    expect(day_columns(page).first).to_have_attribute("aria-label", re.compile(r"^Monday, "))
    shot(page, "calendar-weekdays")

    page.get_by_role("button", name="Day", exact=True).click()
    expect(day_columns(page)).to_have_count(1)
    d = today()
    expect(day_columns(page).first).to_have_attribute("aria-label", f"{d:%A, %B} {d.day}")
    shot(page, "calendar-day")

    set_portal_settings(page, **{"Default scheduler view": "WeekDays", "First day of the week": "Wednesday"})
    open_calendar(page)
    expect(day_columns(page)).to_have_count(5)
    page.get_by_role("button", name="FullWeek", exact=True).click()
    expect(day_columns(page).first).to_have_attribute("aria-label", re.compile(r"^Wednesday, "))
    set_portal_settings(page, **{"Default scheduler view": "WeekDays", "First day of the week": "Monday"})


def test_previous_next_and_today_move_without_reloading_the_page(signed_in):
    page = signed_in
    open_calendar(page)
    page.get_by_role("button", name="WeekDays", exact=True).click()
    page.evaluate("() => { window.__stillHere = true; }")
    title = page.locator("#calendar-title")
    this_week = title.inner_text()
    page.get_by_role("button", name="Next", exact=True).click()
    expect(title).not_to_have_text(this_week)
    monday = today() - timedelta(days=today().weekday()) + timedelta(days=7)
    expect(day_columns(page).first).to_have_attribute("aria-label", f"{monday:%A, %B} {monday.day}")
    page.get_by_role("button", name="Previous", exact=True).click()
    page.get_by_role("button", name="Previous", exact=True).click()
    monday -= timedelta(days=14)
    expect(day_columns(page).first).to_have_attribute("aria-label", f"{monday:%A, %B} {monday.day}")
    page.get_by_role("button", name="Today", exact=True).click()
    expect(title).to_have_text(this_week)
    assert page.evaluate("() => window.__stillHere === true"), "switching weeks reloaded the page"


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_business_hours_set_the_rows_and_session_length_sets_a_new_appointment(signed_in):
    page = signed_in
    set_portal_settings(
        page,
        MARCUS,
        **{
            "Business hour start time": "10:00 AM",
            "Business hour end time": "2:00 PM",
            "Default Time per session": "45 Minutes",
        },
    )
    open_calendar(page, MARCUS)
    times = page.locator("[data-row]")
    expect(times).to_have_count(5)  # 10:00, 10:45, 11:30, 12:15, 1:00 (ends 1:45, inside 2:00)
    expect(times.first).to_have_text("10:00 AM")
    expect(times.last).to_have_text("1:00 PM")
    step(page, times=3)  # a week the demo left empty
    first_day = day_columns(page).first.get_attribute("aria-label")
    page.get_by_role("button", name=f"New appointment {first_day} at 10:45 AM").click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_label("Length")).to_have_value("45")
    dialog.get_by_role("button", name="Save", exact=True).click()
    card = page.get_by_role("button", name=re.compile(r"^Appointment: .*, 10:45 – 11:30 AM, In person, Scheduled"))
    expect(card).to_be_visible()
    set_portal_settings(
        page,
        MARCUS,
        **{
            "Business hour start time": "9:00 AM",
            "Business hour end time": "6:00 PM",
            "Default Time per session": "45 Minutes",
        },
    )


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_tooltip_setting_pops_out_a_larger_card(signed_in):
    page = signed_in
    set_portal_settings(page, **{"Display Appointment Tooltip": "True", "Default scheduler view": "WeekDays"})
    open_calendar(page)
    step(page, "Previous")  # last week: the demo filled it
    card = page.get_by_role("button", name=re.compile(r"^Appointment: ")).first
    client = card.get_attribute("aria-label").split(": ", 1)[1].split(",")[0]
    card.hover()
    tooltip = page.get_by_role("tooltip")
    expect(tooltip).to_be_visible()
    expect(tooltip).to_contain_text(client)
    shot(page, "calendar-tooltip")
    page.mouse.move(5, 5)
    set_portal_settings(page, **{"Display Appointment Tooltip": "False"})
    open_calendar(page)
    step(page, "Previous")
    page.get_by_role("button", name=re.compile(r"^Appointment: ")).first.hover()
    page.wait_for_timeout(600)
    expect(page.get_by_role("tooltip")).to_have_count(0)
    set_portal_settings(page, **{"Display Appointment Tooltip": "True"})


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_odd_and_even_days_are_colored_apart_only_when_set(signed_in):
    page = signed_in

    def backgrounds():
        odd = page.locator('[data-odd="1"]').first.evaluate("e => getComputedStyle(e).backgroundColor")
        even = page.locator('[data-odd=""]').first.evaluate("e => getComputedStyle(e).backgroundColor")
        return odd, even

    set_portal_settings(page, **{"Separate odd and even days by color": "True", "Default scheduler view": "FullWeek"})
    open_calendar(page)
    odd, even = backgrounds()
    assert odd != even
    shot(page, "calendar-odd-even")
    set_portal_settings(page, **{"Separate odd and even days by color": "False", "Default scheduler view": "WeekDays"})
    open_calendar(page)
    odd, even = backgrounds()
    assert odd == even


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_invalid_settings_show_messages_at_their_fields_and_save_nothing(signed_in):
    page = signed_in
    open_calendar(page)
    page.get_by_role("link", name="Portal Settings").click()
    form = page.get_by_role("region", name="Portal Settings")
    expect(page.get_by_label("Business hour start time")).to_have_value("08:00")
    page.get_by_label("Business hour start time").select_option(label="5:00 PM")
    page.get_by_label("Business hour end time").select_option(label="9:00 AM")
    for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday"):
        set_box(page.get_by_label(day, exact=True), False)
    page.get_by_label("Number of days prior to the appointment a session can be scheduled by the client").fill("-3")
    page.get_by_label("Client Notification Message").fill("x" * 1001)
    set_box(page.get_by_label("Make a Payment"), True)
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Nothing was saved")
    expect(page.locator("#business_end-error")).to_have_text("Business hour end time must be after the start time.")
    expect(page.locator("#allowed_weekdays-error")).to_have_text("Choose at least one day of the week.")
    expect(page.locator("#days_prior-error")).to_contain_text("whole number of days")
    expect(page.locator("#client_notification_message-error")).to_contain_text("1000 characters")
    expect(page.locator("#make_payment-error")).to_contain_text("payment account")
    # What the counselor typed is still there to fix.
    expect(page.get_by_label("Business hour start time")).to_have_value("17:00")
    shot(page, "portal-settings-errors")
    page.reload()
    expect(page.get_by_label("Business hour start time")).to_have_value("08:00")
    expect(page.get_by_label("Monday", exact=True)).to_be_checked()
    expect(page.get_by_label("Make a Payment")).not_to_be_checked()
    assert form is not None


def test_portal_settings_form_screenshot(signed_in):
    page = signed_in
    open_calendar(page)
    page.get_by_role("link", name="Portal Settings").click()
    expect(page.get_by_role("heading", name="Calendar", level=2)).to_be_visible()
    for heading in ("Online booking", "What clients can do in the portal", "Notifications and payments"):
        expect(page.get_by_role("heading", name=heading, level=2)).to_be_visible()
    shot(page, "portal-settings")


def test_create_move_and_refuse_a_conflicting_move(signed_in):
    page = signed_in
    open_calendar(page)
    page.get_by_role("button", name="WeekDays", exact=True).click()
    weeks = 5 if page.viewport_name == "desktop" else 6  # each viewport uses its own empty week
    step(page, times=weeks)
    expect(page.get_by_role("button", name=re.compile(r"^Appointment: "))).to_have_count(0)
    monday = day_columns(page).first.get_attribute("aria-label")

    def create(at: str) -> None:
        page.get_by_role("button", name=f"New appointment {monday} at {at}").click()
        page.get_by_role("dialog").get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("dialog")).to_have_count(0)

    create("9:00 AM")
    create("11:00 AM")
    cards = page.get_by_role("button", name=re.compile(r"^Appointment: "))
    expect(cards).to_have_count(2)
    # Move the 9:00 appointment to 2:00 PM.
    page.get_by_role("button", name=re.compile(r"^Appointment: .*, 9:00 – 10:00 AM")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name="Edit appointment")).to_be_visible()
    dialog.get_by_label("Start time").fill("14:00")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("button", name=re.compile(r"^Appointment: .*, 2:00 – 3:00 PM"))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Appointment: .*, 9:00 – 10:00 AM"))).to_have_count(0)
    # Moving it onto the 11:00 appointment is refused, with the reason, and nothing moves.
    page.get_by_role("button", name=re.compile(r"^Appointment: .*, 2:00 – 3:00 PM")).click()
    dialog.get_by_label("Start time").fill("11:30")
    dialog.get_by_role("button", name="Save", exact=True).click()
    expect(dialog.get_by_role("alert")).to_have_text("This overlaps another appointment on this calendar.")
    shot(page, "calendar-conflict")
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("button", name=re.compile(r"^Appointment: .*, 2:00 – 3:00 PM"))).to_be_visible()
    # Cancelling frees the time: a new appointment fits at 11:00 again.
    page.get_by_role("button", name=re.compile(r"^Appointment: .*, 11:00 AM – 12:00 PM")).click()
    dialog.get_by_role("button", name="Cancel appointment").click()
    expect(page.get_by_role("button", name=re.compile(r"Cancelled$"))).to_have_count(1)
    create("11:00 AM")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_a_counselor_sees_and_edits_only_their_own(page):
    sign_in(page, email="marcus.oneill@wichita-therapy.example", start="/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    options = page.get_by_label("Counselor").locator("option")
    expect(options).to_have_count(1)
    expect(options).to_have_text(MARCUS)
    page.goto("/calendar/portal-settings?counselor=1")
    expect(page.get_by_text("You can only change your own Portal Settings.")).to_be_visible()
    page.goto("/calendar?counselor=1")
    expect(page.get_by_label("Counselor")).to_have_value(re.compile(r"\d+"))
    expect(page.get_by_label("Counselor").locator("option")).to_have_text(MARCUS)
