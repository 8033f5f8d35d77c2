"""Who is signed in on the counselor side, checked on the server for every page and every handler."""

from __future__ import annotations

import functools
import inspect
from contextvars import ContextVar

import reflex as rx

from ..db import session_scope
from ..services import accounts
from ..services.accounts import StaffIdentity
from .navigation import hard_navigate, login_url, read_cookie

_current: ContextVar[StaffIdentity | None] = ContextVar("current_staff", default=None)


def current_staff() -> StaffIdentity:
    """The identity checked by @staff_required for the handler now running."""
    me = _current.get()
    if me is None:
        raise RuntimeError("current_staff() used outside a @staff_required handler")
    return me


def staff_required(fn):
    """Run the handler only for a live counselor session; otherwise clear the page and go to sign-in.

    Every counselor event handler carries this, so a handler called directly by a signed-out
    browser changes nothing and reveals nothing.
    """

    def _enter(self):
        me = self._resolve_identity()
        if me is None:
            return None, self._deny()
        return _current.set(me), None

    if inspect.iscoroutinefunction(fn):

        @functools.wraps(fn)
        async def async_wrapper(self, *args, **kwargs):
            token, denial = _enter(self)
            if token is None:
                return denial
            try:
                return await fn(self, *args, **kwargs)
            finally:
                _current.reset(token)

        return async_wrapper

    @functools.wraps(fn)
    def wrapper(self, *args, **kwargs):
        token, denial = _enter(self)
        if token is None:
            return denial
        try:
            return fn(self, *args, **kwargs)
        finally:
            _current.reset(token)

    return wrapper


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

    def _resolve_identity(self) -> StaffIdentity | None:
        digest = self._session_digest()
        if not digest:
            return None
        with session_scope() as db:
            return accounts.resolve_session(db, digest)

    def _deny(self):
        self._forget()
        return hard_navigate(login_url(self.router.url.path or "/dashboard"))

    def _forget(self) -> None:
        """Drop everything the signed-in pages showed, in this state and its substates."""
        self.reset()

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
