"""Plain HTTP routes beside the Reflex app: moving a staff session into an HttpOnly cookie, and ending it."""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from .db import session_scope
from .services import accounts
from .services.accounts import COOKIE_NAME as STAFF_COOKIE
from .settings import get_settings
from .state.navigation import safe_next


def _secure() -> bool:
    return get_settings().public_url.startswith("https://")


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


async def adopt_session(request: Request) -> RedirectResponse:
    code = request.query_params.get("code", "")
    next_path = safe_next(request.query_params.get("next"))
    with session_scope() as db:
        token = accounts.adopt_handoff(db, code)
    if token is None:
        return _no_store(RedirectResponse("/login?reason=expired&next=" + quote(next_path, safe="/"), status_code=303))
    response = _no_store(RedirectResponse(next_path, status_code=303))
    response.set_cookie(
        STAFF_COOKIE,
        token,
        max_age=int(accounts.ABSOLUTE_TIMEOUT.total_seconds()),
        httponly=True,
        secure=_secure(),
        samesite="lax",
        path="/",
    )
    return response


async def end_session(request: Request) -> RedirectResponse:
    token = request.cookies.get(STAFF_COOKIE, "")
    if token:
        client_ip = request.client.host if request.client else ""
        with session_scope() as db:
            accounts.end_session(db, accounts.token_digest(token), ip=client_ip)
    response = _no_store(RedirectResponse("/login?reason=signed_out", status_code=303))
    response.delete_cookie(STAFF_COOKIE, path="/", httponly=True, secure=_secure(), samesite="lax")
    return response


def build_api() -> Starlette:
    return Starlette(
        routes=[
            Route("/api/session/adopt", adopt_session, methods=["GET"]),
            Route("/api/session/end", end_session, methods=["GET"]),
        ]
    )
