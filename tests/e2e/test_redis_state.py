"""The scale-out switch: the same app with Redis as its state manager (runs when Redis answers)."""

from __future__ import annotations

import os
import re

import pytest
from playwright.sync_api import expect

from .conftest import VIEWPORTS, shot, sign_in
from .server import AppServer

REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def _redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        client.ping()
    except Exception:
        return None
    return client


@pytest.fixture(scope="module")
def redis_app(tmp_path_factory):
    client = _redis()
    if client is None:
        pytest.skip(f"Redis does not answer at {REDIS_URL}")
    server = AppServer("redis", tmp_path_factory.mktemp("redis-app"), extra_env={"REFLEX_REDIS_URL": REDIS_URL})
    server.start()
    yield server, client
    server.stop()


def test_sign_in_works_with_state_kept_in_redis(browser, redis_app):
    server, client = redis_app
    context = browser.new_context(viewport=VIEWPORTS["desktop"], base_url=server.url)
    page = context.new_page()
    page.viewport_name = "desktop-redis"
    try:
        sign_in(page)
        expect(page).to_have_url(re.compile(r"/dashboard/?$"))
        expect(page.get_by_role("heading", name="Today at Wichita Therapy Center")).to_be_visible()
        token = page.evaluate("() => window.sessionStorage.getItem('token')")
        assert token, "the tab has a Reflex client token"
        keys = [k.decode() for k in client.scan_iter(match=f"{token}*", count=1000)]
        assert keys, "the tab's state lives in Redis"
        # What Redis holds is the page's state: never the session token or a password hash.
        cookie = next(c["value"] for c in context.cookies() if c["name"] == "tp_staff")
        for key in keys:
            blob = client.get(key) if client.type(key) == b"string" else b""
            assert cookie.encode() not in (blob or b"") and b"argon2" not in (blob or b"")
        shot(page, "counselor-dashboard-redis")
    finally:
        context.close()
