"""The counselor sign-in form. The password passes through the handler and is never kept in state."""

from __future__ import annotations

from urllib.parse import quote

import reflex as rx

from ..db import session_scope
from ..services import accounts
from .navigation import hard_navigate, safe_next


class SignInState(rx.State):
    error: str = ""
    notice: str = ""

    @rx.event
    def on_open(self):
        self.error = ""
        reason = self.router.url.query_parameters.get("reason", "")
        self.notice = {
            "signed_out": "You have signed out.",
            "expired": "Your sign-in link expired. Please sign in again.",
        }.get(reason, "")

    @rx.event
    def submit(self, form: dict):
        form = form if isinstance(form, dict) else {}
        email = str(form.get("email", ""))[:254]
        password = str(form.get("password", ""))[:1024]
        self.notice = ""
        if not email.strip() or not password:
            self.error = "Enter your email and password."
            return
        ip = self.router.session.client_ip or ""
        with session_scope() as db:
            user = accounts.authenticate(db, email, password, ip=ip)
            code = accounts.begin_session(db, user, ip=ip) if user else None
        if code is None:
            self.error = accounts.SIGN_IN_FAILED
            return
        self.error = ""
        next_path = safe_next(self.router.url.query_parameters.get("next", ""))
        return hard_navigate(f"/api/session/adopt?code={quote(code)}&next={quote(next_path, safe='/')}")
