"""End-to-end fixtures: the real app once per run, and Chromium through Playwright at desktop and phone sizes."""

from __future__ import annotations

import json
import os
import re
import shutil
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect, sync_playwright
from sqlmodel import Session, select

from therapy_portal.db import make_engine
from therapy_portal.models import Client
from therapy_portal.services import demo

from .server import ARTIFACTS, AppServer, free_port

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 375, "height": 812}}
SCREENSHOTS = ARTIFACTS / "screenshots"
ADMIN = "ellen.park@wichita-therapy.example"


def chromium_path() -> str | None:
    for candidate in (os.environ.get("PORTAL_CHROMIUM", ""), "/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if candidate and Path(candidate).exists():
            return candidate
    return None  # Playwright's own build (a developer's laptop)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


class Mailbox:
    """A real SMTP server (aiosmtpd) on a free port; the app under test delivers its email here."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        mailbox = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                mailbox.messages.append(
                    message_from_bytes(envelope.original_content or envelope.content, policy=default_policy)
                )
                return "250 OK"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


@pytest.fixture(scope="session")
def mailbox():
    box = Mailbox()
    box.controller.start()
    yield box
    box.controller.stop()


@pytest.fixture(scope="session")
def app_server(tmp_path_factory, mailbox):
    server = AppServer(
        "e2e",
        tmp_path_factory.mktemp("app"),
        extra_env={
            "PORTAL_SMTP_HOST": "127.0.0.1",
            "PORTAL_SMTP_PORT": str(mailbox.port),
            "PORTAL_SMTP_TLS": "none",
            "PORTAL_MAIL_FROM": "office@wichita-therapy.example",
        },
    )
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def playwright_instance():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    b = playwright_instance.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield b
    b.close()


@pytest.fixture(params=list(VIEWPORTS))
def viewport(request) -> str:
    return request.param


@pytest.fixture
def page(browser, viewport, app_server) -> Page:
    context = browser.new_context(viewport=VIEWPORTS[viewport], base_url=app_server.url)
    context.set_default_timeout(20_000)
    p = context.new_page()
    p.viewport_name = viewport
    yield p
    context.close()


def shot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def sign_in(page: Page, email: str = ADMIN, password: str = demo.DEMO_PASSWORD, start: str = "/dashboard") -> None:
    page.goto(start)
    expect(page).to_have_url(re.compile(r"/login/?\?next="))
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


@pytest.fixture(scope="session", autouse=True)
def _clean_screenshots():
    if SCREENSHOTS.exists():
        shutil.rmtree(SCREENSHOTS)
    yield


@pytest.fixture(scope="session")
def app_db(app_server):
    """The running app's own database, for arranging and checking what the browser cannot see."""
    engine = make_engine(app_server.db_url)
    yield engine
    engine.dispose()


def find_client(engine, first: str, last: str) -> Client:
    with Session(engine) as db:
        return db.exec(select(Client).where(Client.first_name == first, Client.last_name == last)).one()


def portal_sign_in(page: Page, last_name: str, dob, pin: str) -> None:
    expect(page.get_by_role("button", name="Sign in")).to_be_enabled()  # connected: the submit goes to the server
    page.get_by_label("Last name").fill(last_name)
    page.get_by_label("Date of birth").fill(f"{dob:%m/%d/%Y}")
    page.get_by_label("PIN").fill(pin)
    page.get_by_role("button", name="Sign in").click()


def assert_accessible(page: Page, name: str) -> None:
    """No serious or critical axe-core violations; the full report is kept as a test artifact."""
    results = Axe().run(page)
    violations = results.response["violations"]
    report = ARTIFACTS / "axe" / f"{name}-{page.viewport_name}.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=2))
    serious = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], serious
