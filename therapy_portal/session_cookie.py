"""ASGI edge: the websocket never hands the raw session token to the app's state.

Reflex keeps each connection's request headers in its state store (memory, disk or Redis). The staff
session cookie is therefore replaced, before Reflex sees it, by its SHA-256 digest, which is all the
server needs to look the session up and which cannot be turned back into a cookie that works.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from .services import accounts, client_auth

# Each session cookie and the digest function of its kind (both SHA-256).
SESSION_COOKIES = {accounts.COOKIE_NAME: accounts.token_digest, client_auth.COOKIE_NAME: client_auth.token_digest}

EVENT_PREFIX = "/_event"


def _digest_cookie_header(value: bytes) -> bytes:
    try:
        jar = SimpleCookie()
        jar.load(value.decode("latin-1"))
    except Exception:
        return b""  # a malformed cookie header carries no session
    mentioned = [name for name in SESSION_COOKIES if name.encode() in value]
    if not any(name in jar for name in mentioned):
        # A header that mentions a session cookie but does not parse is dropped rather than passed on raw.
        return b"" if mentioned else value
    parts = [
        f"{name}={SESSION_COOKIES[name](morsel.value) if name in SESSION_COOKIES else morsel.value}"
        for name, morsel in jar.items()
    ]
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
