"""ASGI edge: the websocket never hands the raw session token to the app's state.

Reflex keeps each connection's request headers in its state store (memory, disk or Redis). The staff
session cookie is therefore replaced, before Reflex sees it, by its SHA-256 digest, which is all the
server needs to look the session up and which cannot be turned back into a cookie that works.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from .services.accounts import COOKIE_NAME, token_digest

EVENT_PREFIX = "/_event"


def _digest_cookie_header(value: bytes) -> bytes:
    try:
        jar = SimpleCookie()
        jar.load(value.decode("latin-1"))
    except Exception:
        return b""  # a malformed cookie header carries no session
    if COOKIE_NAME not in jar:
        # A header that mentions the cookie but does not parse is dropped rather than passed on raw.
        return b"" if COOKIE_NAME.encode() in value else value
    parts = [f"{name}={morsel.value}" for name, morsel in jar.items() if name != COOKIE_NAME]
    parts.append(f"{COOKIE_NAME}={token_digest(jar[COOKIE_NAME].value)}")
    return "; ".join(parts).encode("latin-1")


def digest_session_cookie(app):
    async def wrapped(scope, receive, send):
        if scope["type"] in ("websocket", "http") and scope.get("path", "").startswith(EVENT_PREFIX):
            headers = [
                (k, _digest_cookie_header(v) if k.lower() == b"cookie" else v) for k, v in scope.get("headers", [])
            ]
            scope = {**scope, "headers": headers}
        return await app(scope, receive, send)

    return wrapped
