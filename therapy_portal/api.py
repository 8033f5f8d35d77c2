"""Plain HTTP routes beside the Reflex app: moving a session into an HttpOnly cookie and ending it, and the
authorized document downloads."""

from __future__ import annotations

from urllib.parse import quote

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .db import session_scope
from .services import accounts, client_auth, documents
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


def _attachment(doc, data: bytes) -> Response:
    name = documents.download_name(doc)
    fallback = "".join(c if c.isascii() and (c.isalnum() or c in " ._-") else "_" for c in name) or "document"
    return Response(
        data,
        media_type=doc.content_type,
        headers={
            "Content-Disposition": f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _document_id(request: Request) -> int | None:
    raw = request.path_params.get("document_id", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 10 else None


def _download(request: Request, who) -> Response:
    """Anyone but the document's client or their counselor gets the same 404 as for no document at all."""
    document_id = _document_id(request)
    if document_id is None:
        return PlainTextResponse("That document was not found.", status_code=404)
    with session_scope() as db:
        try:
            doc, data = documents.open_for(db, document_id, ip=_ip(request), **who(db))
        except documents.DocumentError as refused:
            return PlainTextResponse(str(refused), status_code=404)
    return _attachment(doc, data)


def _ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def client_document(request: Request) -> Response:
    """A document for the signed-in client: only their own, only while Documents is on."""
    token = request.cookies.get(client_auth.COOKIE_NAME, "")

    def who(db) -> dict:
        me = client_auth.resolve_session(db, client_auth.token_digest(token)) if token else None
        return {"client_id": me.client_id} if me else {}

    return await run_in_threadpool(_download, request, who)


async def staff_document(request: Request) -> Response:
    """A document for the client's counselor of record."""
    token = request.cookies.get(accounts.COOKIE_NAME, "")

    def who(db) -> dict:
        me = accounts.resolve_session(db, accounts.token_digest(token)) if token else None
        return {"staff": me} if me else {}

    return await run_in_threadpool(_download, request, who)


def build_api() -> Starlette:
    return Starlette(
        routes=[
            Route("/api/session/adopt", STAFF.adopt, methods=["GET"]),
            Route("/api/session/end", STAFF.end, methods=["GET"]),
            Route("/api/portal/session/adopt", CLIENT.adopt, methods=["GET"]),
            Route("/api/portal/session/end", CLIENT.end, methods=["GET"]),
            Route("/api/portal/documents/{document_id}", client_document, methods=["GET"]),
            Route("/api/documents/{document_id}", staff_document, methods=["GET"]),
        ]
    )
