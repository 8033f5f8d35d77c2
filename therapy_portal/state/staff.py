"""Who is signed in on the counselor side, checked on the server for every page and every handler."""

from __future__ import annotations

from contextvars import ContextVar
from urllib.parse import urlencode

import reflex as rx

from ..db import session_scope
from ..services import accounts
from ..services.accounts import StaffIdentity
from .guard import current, guarded
from .navigation import hard_navigate, login_url, read_cookie

_current: ContextVar[StaffIdentity | None] = ContextVar("current_staff", default=None)

# Every counselor event handler carries this (see guard.py).
staff_required = guarded(_current, "_resolve_identity")


def current_staff() -> StaffIdentity:
    """The identity checked by @staff_required for the handler now running."""
    return current(_current, "current_staff()")


class StaffState(rx.State):
    """Base of every counselor page's state. Holds only display facts about the signed-in user."""

    signed_in: bool = False
    user_name: str = ""
    user_role: str = ""
    practice_name: str = ""

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _session_digest(self) -> str:
        """The session cookie as the edge middleware left it: the token's digest, never the token."""
        return read_cookie(self.router.headers.cookie, accounts.COOKIE_NAME)

    def _resolve_identity(self, touch: bool = True) -> StaffIdentity | None:
        digest = self._session_digest()
        if not digest:
            return None
        with session_scope() as db:
            return accounts.resolve_session(db, digest, touch=touch)

    def _deny(self):
        self._forget()
        query = urlencode(self.router.url.query_parameters)
        return hard_navigate(login_url((self.router.url.path or "/dashboard") + (f"?{query}" if query else "")))

    def _forget(self) -> None:
        """Drop everything the signed-in pages showed: the shared facts and every page's state below them."""
        state = self
        while type(state) is not StaffState and state.parent_state is not None:
            state = state.parent_state
        state.reset()

    @rx.event
    def guard_page(self):
        """on_load of every counselor page."""
        me = self._resolve_identity()
        if me is None:
            return self._deny()
        self.signed_in = True
        self.user_name = me.full_name
        self.user_role = me.role.value.replace("_", " ")
        self.practice_name = me.practice_name

    @rx.event
    def sign_out(self):
        digest = self._session_digest()
        if digest:
            with session_scope() as db:
                accounts.end_session(db, digest, ip=self._client_ip())
        self._forget()
        return hard_navigate("/api/session/end")
