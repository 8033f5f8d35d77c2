"""Secure messages and documents in a real browser, both directions, at desktop size and at 375 px.

The counselor (Dr. Park) and the client (Siobhan O'Brien, her client) each have a browser of their own;
what one sends appears on the other's open page without a reload.
"""

from __future__ import annotations

import io
import time
import zipfile

from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from therapy_portal.models import Document
from therapy_portal.services import demo

from .conftest import VIEWPORTS, assert_accessible, find_client, portal_sign_in, shot, sign_in

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", "<w:document/>")
    return out.getvalue()


def app_db_document_id(engine, name: str) -> int:
    with Session(engine) as db:
        return db.exec(select(Document.id).where(Document.display_name == name)).one()


def _pair(browser, app_server, viewport: str):
    staff = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=app_server.url, accept_downloads=True)
    client = browser.new_context(viewport=VIEWPORTS[viewport], base_url=app_server.url, accept_downloads=True)
    counselor_page, client_page = staff.new_page(), client.new_page()
    counselor_page.viewport_name, client_page.viewport_name = "desktop", viewport
    return staff, client, counselor_page, client_page


def _client_signs_in(page: Page, app_db) -> None:
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    page.goto("/portal/login")
    portal_sign_in(page, "O'Brien", siobhan.date_of_birth, demo.DEMO_PORTAL_PINS[("Siobhan", "O'Brien")])
    expect(page.get_by_text("Hello, Siobhan.")).to_be_visible()


def _upload(page: Page, name: str, data: bytes, mime: str) -> None:
    page.locator("input[type=file]").set_input_files({"name": name, "mimeType": mime, "buffer": data})


def test_messages_both_ways_appear_without_reloading(browser, app_server, app_db, mailbox, viewport):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    staff, client, counselor_page, client_page = _pair(browser, app_server, viewport)
    stamp = f"{viewport}-{int(time.time() * 1000) % 10**7}"
    try:
        sign_in(counselor_page, start=f"/messages?client={siobhan.id}")
        expect(counselor_page.get_by_role("heading", name="Siobhan O'Brien")).to_be_visible()
        _client_signs_in(client_page, app_db)
        client_page.get_by_role("link", name="Messages").click()
        expect(client_page.get_by_text("Your private conversation with Dr. Ellen Park.")).to_be_visible()

        # The counselor writes; the client's open page shows it without a reload.
        counselor_text = f"Hi Siobhan, how did the breathing exercise go? Nguyễn says hello 🌿 {stamp}"
        counselor_page.get_by_label("Write a message").fill(counselor_text)
        counselor_page.get_by_role("button", name="Send message").click()
        expect(counselor_page.locator(".message[data-mine='true']").filter(has_text=stamp)).to_be_visible()
        expect(client_page.locator(".message[data-mine='false']").filter(has_text=counselor_text)).to_be_visible(
            timeout=15_000
        )

        # The client replies; the counselor's open page shows it too.
        reply = f"It helped a lot, thank you.\nSee you Tuesday. {stamp}"
        client_page.get_by_label("Write a message").fill(reply)
        client_page.get_by_role("button", name="Send message").click()
        expect(client_page.locator(".message[data-mine='true']").filter(has_text="It helped a lot")).to_be_visible()
        expect(counselor_page.locator(".message[data-mine='false']").filter(has_text="See you Tuesday")).to_be_visible(
            timeout=15_000
        )

        # An empty message is refused at the field; nothing is sent.
        client_page.get_by_role("button", name="Send message").click()
        expect(client_page.locator("#message-body-error")).to_have_text("Write a message first.")
        shot(client_page, "portal-messages")
        assert_accessible(client_page, "portal-messages")
        shot(counselor_page, f"counselor-messages-{viewport}")

        # The email notice reached the client's inbox, and says nothing of what was written.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not [
            m for m in mailbox.to(siobhan.email) if m["Subject"].startswith("New secure message")
        ]:
            time.sleep(0.5)
        notices = [m for m in mailbox.to(siobhan.email) if m["Subject"].startswith("New secure message")]
        assert notices, "no message notice was emailed"
        for notice in notices:
            for part in ("plain", "html"):
                body = notice.get_body(preferencelist=(part,)).get_content()
                assert "breathing" not in body and stamp not in body and "/portal" in body
    finally:
        staff.close()
        client.close()


def test_documents_both_ways_with_bad_files_refused(browser, app_server, app_db, viewport):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    staff, client, counselor_page, client_page = _pair(browser, app_server, viewport)
    stamp = f"{viewport}{int(time.time() * 1000) % 10**7}"
    try:
        sign_in(counselor_page, start=f"/messages?client={siobhan.id}")
        expect(counselor_page.get_by_role("heading", name="Documents")).to_be_visible()
        _upload(counselor_page, f"Safety plan {stamp}.pdf", PDF, "application/pdf")
        expect(counselor_page.get_by_role("status").filter(has_text="Shared with Siobhan O'Brien")).to_be_visible()
        # A program dressed up as a PDF is refused with its reason.
        _upload(counselor_page, f"invoice {stamp}.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf")
        expect(counselor_page.get_by_role("alert")).to_contain_text("its contents are not")

        _client_signs_in(client_page, app_db)
        client_page.get_by_role("link", name="Documents").click()
        link = client_page.get_by_role("button", name=f"Download Safety plan {stamp}.pdf")
        expect(link).to_be_visible()
        expect(client_page.get_by_text(f"invoice {stamp}.pdf")).to_have_count(0)
        with client_page.expect_download() as download:
            link.click()
        assert download.value.suggested_filename == f"Safety plan {stamp}.pdf"
        assert open(download.value.path(), "rb").read() == PDF

        # The client sends a photo and a Word document; a name that is a path is refused.
        _upload(client_page, f"insurance card {stamp}.png", PNG, "image/png")
        expect(client_page.get_by_role("status")).to_contain_text(f"insurance card {stamp}.png")
        _upload(client_page, f"intake {stamp}.docx", _docx(), "application/octet-stream")
        expect(client_page.get_by_role("button", name=f"Download intake {stamp}.docx")).to_be_visible()
        _upload(client_page, "notes.exe", b"MZ" + b"\x00" * 100, "application/octet-stream")
        expect(client_page.get_by_role("alert")).to_contain_text("only PDF, Word")
        shot(client_page, "portal-documents")
        assert_accessible(client_page, "portal-documents")

        counselor_page.reload()
        fetch = counselor_page.get_by_role("button", name=f"Download insurance card {stamp}.png")
        expect(fetch).to_be_visible()
        with counselor_page.expect_download() as download:
            fetch.click()
        assert open(download.value.path(), "rb").read() == PNG
        shot(counselor_page, f"counselor-documents-{viewport}")

        # Another browser with no session gets nothing at the download address.
        anonymous = browser.new_context(base_url=app_server.url)
        try:
            document_id = app_db_document_id(app_db, f"Safety plan {stamp}.pdf")
            response = anonymous.request.get(f"/api/portal/documents/{document_id}")
            assert response.status == 404 and PDF not in response.body()
            response = anonymous.request.get(f"/api/documents/{document_id}")
            assert response.status == 404 and PDF not in response.body()
        finally:
            anonymous.close()
    finally:
        staff.close()
        client.close()


def test_with_messages_off_the_tab_and_the_page_are_gone(page, app_db):
    thao = find_client(app_db, "Thảo", "Nguyễn")  # Sofía Ramírez: Messages off
    page.goto("/portal/login")
    portal_sign_in(page, "Nguyen", thao.date_of_birth, demo.DEMO_PORTAL_PINS[("Thảo", "Nguyễn")])
    expect(page.get_by_text("Hello, Thảo.")).to_be_visible()
    expect(page.get_by_role("link", name="Messages")).to_have_count(0)
    expect(page.get_by_role("link", name="Documents")).to_be_visible()
    page.goto("/portal/messages")
    expect(page.get_by_text("This isn't available in your portal.")).to_be_visible()
    expect(page.get_by_label("Write a message")).to_have_count(0)


def test_counselor_messages_page_at_each_size(page, app_db):
    siobhan = find_client(app_db, "Siobhan", "O'Brien")
    sign_in(page, start=f"/clients/{siobhan.id}")
    page.get_by_role("link", name="Messages & documents").click()
    expect(page.get_by_role("heading", name="Siobhan O'Brien", exact=True).last).to_be_visible()
    expect(page.get_by_label("Write a message")).to_be_visible()
    expect(page.get_by_role("heading", name="Documents")).to_be_visible()
    shot(page, "counselor-messages-page")
    assert_accessible(page, "counselor-messages-page")
