"""The edge middleware digests the staff cookie on the websocket, so the state store never holds the token."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

from therapy_portal.services.accounts import token_digest
from therapy_portal.session_cookie import digest_session_cookie


def _seen_headers(path: str, cookie: bytes, kind: str = "websocket") -> dict:
    seen = {}

    async def app(scope, receive, send):
        seen.update(dict(scope["headers"]))

    scope = {"type": kind, "path": path, "headers": [(b"cookie", cookie), (b"host", b"x")]}
    # A thread of its own: the browser tests' Playwright may already run an event loop in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, digest_session_cookie(app)(scope, None, None)).result()
    return seen


def test_event_socket_gets_the_digest_not_the_token():
    got = _seen_headers("/_event/", b"theme=dark; tp_staff=secret-token")
    assert b"secret-token" not in got[b"cookie"]
    assert f"tp_staff={token_digest('secret-token')}".encode() in got[b"cookie"]
    assert b"theme=dark" in got[b"cookie"] and got[b"host"] == b"x"


def test_other_paths_are_untouched():
    assert (
        _seen_headers("/api/session/end", b"tp_staff=secret-token", kind="http")[b"cookie"] == b"tp_staff=secret-token"
    )


def test_malformed_cookie_header_carries_no_session():
    got = _seen_headers("/_event/", b'tp_staff="unterminated; \x00')
    assert b"unterminated" not in got[b"cookie"]
