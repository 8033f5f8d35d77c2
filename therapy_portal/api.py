"""Plain HTTP routes beside the Reflex app: moving a staff session into an HttpOnly cookie, and ending it."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

from .db import session_scope
from .services import accounts, client_auth
from .settings import get_settings
from .state.navigation import safe_next


def _secure() -> bool:
    return get_settings().public_url.startswith("https://")


def _no_store(response: RedirectResponse) -> RedirectResponse:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


class SessionRoutes:
    """The two plain-HTTP ends of a sign-in: adopt a handoff code into an HttpOnly cookie, and end it."""

    def __init__(self, cookie: str, service, signed_in_home: str, sign_in_page: str, max_age: int):
        self.cookie, self.service = cookie, service
        self.home, self.sign_in_page, self.max_age = signed_in_home, sign_in_page, max_age

    async def adopt(self, request: Request) -> RedirectResponse:
        code = request.query_params.get("code", "")
        next_path = safe_next(request.query_params.get("next"), default=self.home)
        with session_scope() as db:
            token = self.service.adopt_handoff(db, code)
        if token is None:
            return _no_store(RedirectResponse(f"{self.sign_in_page}?reason=expired", status_code=303))
        response = _no_store(RedirectResponse(next_path, status_code=303))
        response.set_cookie(
            self.cookie, token, max_age=self.max_age, httponly=True, secure=_secure(), samesite="lax", path="/"
        )
        return response

    async def end(self, request: Request) -> RedirectResponse:
        token = request.cookies.get(self.cookie, "")
        if token:
            client_ip = request.client.host if request.client else ""
            with session_scope() as db:
                self.service.end_session(db, self.service.token_digest(token), ip=client_ip)
        response = _no_store(RedirectResponse(f"{self.sign_in_page}?reason=signed_out", status_code=303))
        response.delete_cookie(self.cookie, path="/", httponly=True, secure=_secure(), samesite="lax")
        return response


STAFF = SessionRoutes(
    accounts.COOKIE_NAME, accounts, "/dashboard", "/login", int(accounts.ABSOLUTE_TIMEOUT.total_seconds())
)
CLIENT = SessionRoutes(
    client_auth.COOKIE_NAME, client_auth, "/portal", "/portal/login", int(client_auth.ABSOLUTE_TIMEOUT.total_seconds())
)


def build_api() -> Starlette:
    return Starlette(
        routes=[
            Route("/api/session/adopt", STAFF.adopt, methods=["GET"]),
            Route("/api/session/end", STAFF.end, methods=["GET"]),
            Route("/api/portal/session/adopt", CLIENT.adopt, methods=["GET"]),
            Route("/api/portal/session/end", CLIENT.end, methods=["GET"]),
        ]
    )
