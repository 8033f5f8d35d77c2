"""A counselor signs in, sees the dashboard, signs out; the back button does not bring the dashboard back."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from therapy_portal.services import demo
from therapy_portal.services.accounts import SIGN_IN_FAILED

from .conftest import find_client, portal_sign_in, shot, sign_in

DASHBOARD = re.compile(r"/dashboard/?$")
LOGIN = re.compile(r"/login/?\?")


def _open_user_menu(page):
    page.get_by_role("button", name="User menu").click()


def test_sign_in_shows_the_dashboard_with_the_practice_name(page):
    sign_in(page)
    expect(page).to_have_url(DASHBOARD)
    expect(page.get_by_role("heading", name="Today at Wichita Therapy Center")).to_be_visible()
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    if page.viewport_name == "desktop":
        expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Calendar")).to_be_visible()
    else:
        page.get_by_role("button", name="Sections").click()
        expect(page.get_by_role("menuitem", name="Calendar")).to_be_visible()
        page.keyboard.press("Escape")
    shot(page, "counselor-dashboard")
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["tp_staff"]["httpOnly"] and cookies["tp_staff"]["sameSite"] == "Lax"


def test_sign_out_then_back_does_not_bring_the_dashboard_back(page):
    sign_in(page)
    expect(page.get_by_role("heading", name="Today at Wichita Therapy Center")).to_be_visible()
    # Move inside the app first so the dashboard is a history entry of its own.
    page.goto("/calendar")
    expect(page.get_by_role("heading", name="Calendar", level=1)).to_be_visible()
    _open_user_menu(page)
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(LOGIN)
    expect(page.get_by_text("You have signed out.")).to_be_visible()
    page.go_back()
    expect(page).to_have_url(LOGIN)
    expect(page.get_by_role("heading", name="Today at Wichita Therapy Center")).to_have_count(0)
    # Typing the address again is refused too.
    page.goto("/dashboard")
    expect(page).to_have_url(LOGIN)
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_shows_the_generic_message(page):
    sign_in(page, password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text(SIGN_IN_FAILED)
    expect(page).to_have_url(LOGIN)
    shot(page, "counselor-sign-in-error")
    sign_in(page, email="nobody@wichita-therapy.example", password="not-the-password")
    expect(page.get_by_role("alert")).to_have_text(SIGN_IN_FAILED)


def test_every_counselor_section_is_guarded_and_says_what_is_planned(page):
    sign_in(page, start="/assessments")
    expect(page).to_have_url(re.compile(r"/assessments/?$"))
    expect(page.get_by_text("is not built yet")).to_be_visible()
    shot(page, "counselor-assessments-planned")


def test_client_portal_shell(page, app_db):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    page.goto("/portal")
    expect(page).to_have_url(re.compile(r"/portal/login"))
    portal_sign_in(page, "O'Brien", siobhan.date_of_birth, demo.DEMO_PORTAL_PINS[("Siobhan", "O'Brien")])
    expect(page.get_by_role("heading", name="Welcome", level=1)).to_be_visible()
    expect(page.get_by_text("Wichita Therapy Center")).to_be_visible()
    nav = page.get_by_role("navigation", name="Portal")
    for label in ("Home", "Book", "Messages", "Documents", "More"):
        expect(nav.get_by_role("link", name=label)).to_be_visible()
    nav.get_by_role("link", name="More").click()
    expect(page.get_by_text("not built yet")).to_be_visible()
    shot(page, "client-portal-shell")
