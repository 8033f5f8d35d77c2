"""A counselor adds a client, sets a PIN, sends the invitation, and finds it on the Outbox page; bad input is refused."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from .conftest import shot, sign_in


def _add_client(page, first: str, last: str, dob: str, email: str, mobile: str) -> None:
    page.get_by_role("button", name="Add client").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("First name").fill(first)
    dialog.get_by_label("Last name").fill(last)
    dialog.get_by_label("Date of birth").fill(dob)
    dialog.get_by_label("Email").fill(email)
    dialog.get_by_label("Mobile number").fill(mobile)
    dialog.get_by_role("button", name="Save client").click()


def test_bad_client_input_gets_messages_and_keeps_what_was_typed(page):
    sign_in(page, start="/clients")
    expect(page.get_by_role("status")).to_contain_text("40 clients")
    _add_client(page, "Zoë", "Smith3", "02/29/2023", "zoe@", "12")
    dialog = page.get_by_role("dialog")
    expect(dialog.locator("#field-last_name-error")).to_contain_text("letters")
    expect(dialog.locator("#field-date_of_birth-error")).to_contain_text("does not exist")
    expect(dialog.locator("#field-email-error")).to_contain_text("not valid")
    expect(dialog.locator("#field-mobile-error")).to_contain_text("not a valid phone number")
    expect(dialog.get_by_label("First name")).to_have_value("Zoë")
    expect(dialog.get_by_label("Email")).to_have_value("zoe@")
    shot(page, "client-add-errors")
    dialog.get_by_role("button", name="Close").click()
    expect(page.get_by_role("status")).to_contain_text("40 clients")


def test_search_ignores_case_and_accents(page):
    sign_in(page, start="/clients")
    search = page.get_by_label("Search clients")
    search.fill("NUNEZ")
    expect(page.get_by_role("status")).to_have_text("1 client")
    expect(page.get_by_role("link", name="Nuñez, Mateo")).to_be_visible()
    search.fill("nguyễn")
    expect(page.get_by_role("link", name="Nguyễn, Thảo")).to_be_visible()
    search.fill("johnson")
    expect(page.get_by_role("status")).to_have_text("2 clients")
    shot(page, "clients-search")


def test_add_client_set_pin_send_invitation_and_find_it_in_the_outbox(page, mailbox):
    unique = f"{page.viewport_name}{int(time.time() * 1000) % 100000}"
    email = f"ana.{unique}@example.com"
    sign_in(page, start="/clients")
    expect(page.get_by_role("status")).to_contain_text("clients")
    _add_client(page, "Ana", "Ñandú-O'Neil", "07/14/1990", email, "(316) 555-0142")
    expect(page).to_have_url(re.compile(r"/clients/\d+/?$"))
    expect(page.get_by_role("heading", name="Ana Ñandú-O'Neil")).to_be_visible()
    expect(page.get_by_text("(316) 555-0142")).to_be_visible()

    page.get_by_role("tab", name="Client Portal / My Therapist").click()
    expect(page.get_by_text("Email: on file")).to_be_visible()
    expect(page.get_by_text("Mobile number: on file")).to_be_visible()
    pin = page.get_by_label("New PIN (4 to 8 digits)")
    for weak, reason in (
        ("1234", "run of digits"),
        ("0714", "date of birth"),
        ("0000", "repeated digit"),
        ("12a4", "digits only"),
    ):
        pin.fill(weak)
        page.get_by_role("button", name="Save PIN").click()
        expect(page.locator("#client-pin-error")).to_contain_text(reason)
    # Each viewport's Ana shares her last name and birthday with the other's, so each needs her own PIN.
    chosen = {"desktop": "4829", "phone": "5938"}[page.viewport_name]
    pin.fill(chosen)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_text("Invitation queued. The PIN is no longer kept")).to_be_visible()
    expect(page.get_by_text(re.compile(r"Invitation last sent"))).to_be_visible()
    shot(page, "client-portal-tab")

    # The app's own outbox worker delivers it to the real SMTP server.
    deadline = time.monotonic() + 20
    while not mailbox.to(email) and time.monotonic() < deadline:
        time.sleep(0.25)
    [message] = mailbox.to(email)
    assert message["Subject"] == "Your invitation to the Wichita Therapy Center client portal"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    for part in (text, html):
        assert "Dear Ana," in part and chosen in part and "Wichita Therapy Center" in part and "/portal" in part

    # Coming back to the page, the PIN is gone: Send needs a new one.
    page.reload()
    expect(page.get_by_role("heading", name="Ana Ñandú-O'Neil")).to_be_visible()  # loaded: the tabs respond
    page.get_by_role("tab", name="Client Portal / My Therapist").click()
    expect(page.get_by_text(chosen)).to_have_count(0)
    page.get_by_role("button", name="Send", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Set or generate a PIN first")

    page.goto("/outbox")
    row = page.get_by_role("row").filter(has_text=email)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("sent")
    row.get_by_role("button").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("Dear Ana,")
    expect(dialog).not_to_contain_text(chosen)  # admins see the message, not the PIN
    shot(page, "outbox")


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_a_counselor_cannot_open_another_counselors_client_or_the_outbox(page):
    sign_in(page, email="marcus.oneill@wichita-therapy.example", start="/clients")
    expect(page.get_by_role("status")).to_contain_text("clients")
    count = int(page.get_by_role("status").inner_text().split()[0])
    assert count < 40
    page.goto("/clients/1")  # the demo's first client belongs to Dr. Park
    expect(page.get_by_text("That client was not found.")).to_be_visible()
    page.goto("/outbox")
    expect(page.get_by_text("The Outbox is for practice admins.")).to_be_visible()
