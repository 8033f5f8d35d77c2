"""Client portal state: who is signed in (checked on the server for every page and handler), and the pages."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import date, datetime

import reflex as rx

from ..db import session_scope
from ..services import client_auth, portal
from ..services.client_auth import ClientIdentity
from ..services.clients import parse_date
from ..services.scheduling import SchedulingError
from .guard import current, guarded
from .navigation import hard_navigate, read_cookie

_current: ContextVar[ClientIdentity | None] = ContextVar("current_client", default=None)
client_required = guarded(_current, "_resolve_client")


def current_client() -> ClientIdentity:
    return current(_current, "current_client()")


def parse_id(raw) -> int | None:
    """A row id from the browser (an appointment, a document), or None: ASCII digits only, and short enough to be a real row."""
    text = str(raw) if isinstance(raw, (str, int)) and not isinstance(raw, bool) else ""
    return int(text) if text.isascii() and text.isdigit() and 0 < len(text) < 10 else None


class PortalState(rx.State):
    """Base of every signed-in portal page: display facts only, and which features the counselor allows."""

    signed_in: bool = False
    first_name: str = ""
    practice_name: str = ""
    features: dict[str, bool] = {}

    def _client_ip(self) -> str:
        return self.router.session.client_ip or ""

    def _resolve_client(self, touch: bool = True) -> ClientIdentity | None:
        digest = read_cookie(self.router.headers.cookie, client_auth.COOKIE_NAME)
        if not digest:
            return None
        with session_scope() as db:
            return client_auth.resolve_session(db, digest, touch=touch)

    def _portal_root(self) -> PortalState:
        state = self
        while type(state) is not PortalState and state.parent_state is not None:
            state = state.parent_state
        return state

    def _forget(self) -> None:
        """Drop what every portal page showed: the shared facts and each page's state below them."""
        self._portal_root().reset()

    def _deny(self):
        self._forget()
        return hard_navigate("/portal/login")

    def _context(self, db) -> portal.PortalContext:
        return portal.context(db, current_client())

    @rx.event
    @client_required
    def guard_page(self):
        with session_scope() as db:
            ctx = self._context(db)
            self.signed_in = True
            self.first_name = ctx.client.first_name
            self.practice_name = ctx.practice.name
            self.features = ctx.features()

    @rx.event
    def sign_out(self):
        digest = read_cookie(self.router.headers.cookie, client_auth.COOKIE_NAME)
        if digest:
            with session_scope() as db:
                client_auth.end_session(db, digest, ip=self._client_ip())
        self._forget()
        return hard_navigate("/api/portal/session/end")


class PortalLoginState(rx.State):
    error: str = ""
    notice: str = ""

    @rx.event
    def on_open(self):
        self.error = ""
        reason = self.router.url.query_parameters.get("reason", "")
        self.notice = {"signed_out": "You have signed out.", "expired": "Please sign in again."}.get(reason, "")

    @rx.event
    def submit(self, form: dict):
        form = form if isinstance(form, dict) else {}
        last_name = str(form.get("last_name", ""))[:100]
        dob = parse_date(str(form.get("date_of_birth", ""))[:20])
        pin = str(form.get("pin", ""))[:16]
        self.notice = ""
        if not last_name.strip() or not str(form.get("date_of_birth", "")).strip() or not pin:
            self.error = "Enter your last name, date of birth and PIN."
            return
        ip = self.router.session.client_ip or ""
        with session_scope() as db:
            client = client_auth.authenticate(db, last_name, dob, pin, ip=ip)
            code = client_auth.begin_session(db, client, ip=ip) if client else None
        if code is None:
            self.error = client_auth.FAILED
            return rx.set_value("pin", "")  # the emptied PIN shows that this attempt was made, and failed
        self.error = ""
        return hard_navigate(f"/api/portal/session/adopt?code={code}&next=/portal")


class PortalHomeState(PortalState):
    upcoming: list[dict[str, str]] = []
    past: list[dict[str, str]] = []
    notice: str = ""
    blocked_message: str = ""
    pending_decline: str = ""
    decline_label: str = ""
    zone_label: str = ""

    def _refresh(self) -> None:
        with session_scope() as db:
            ctx = self._context(db)
            self.upcoming, self.past = portal.appointments(db, ctx)
            self.zone_label = portal.zone_label(ctx)

    @rx.event
    @client_required
    def load(self):
        self.notice, self.blocked_message, self.pending_decline = "", "", ""
        self._refresh()

    def _respond(self, raw_id, answer: str, done: str):
        chosen = parse_id(raw_id)
        if chosen is None:
            return
        with session_scope() as db:
            ctx = self._context(db)
        try:
            portal.set_response(ctx, chosen, answer, ip=self._client_ip())
        except SchedulingError as refused:
            self.notice = str(refused)
        else:
            self.notice = done
        self._refresh()

    @rx.event
    @client_required
    def confirm(self, appointment_id: str):
        self._respond(appointment_id, "confirm", "Thank you: your appointment is confirmed.")

    @rx.event
    @client_required
    def decline(self, appointment_id: str):
        self._respond(appointment_id, "decline", "Your appointment is declined. The office has been told.")

    @rx.event
    @client_required
    def ask_decline(self, appointment_id: str):
        item = next((i for i in self.upcoming if i["id"] == str(appointment_id) and i["can_decline"]), None)
        if item is not None:
            self.pending_decline, self.decline_label = item["id"], f"{item['day']}, {item['time']}"

    @rx.event
    @client_required
    def cancel_decline(self):
        self.pending_decline = ""

    @rx.event
    @client_required
    def decline_pending(self):
        chosen, self.pending_decline = self.pending_decline, ""
        if chosen:
            self._respond(chosen, "decline", "Your appointment is declined. The office has been told.")

    @rx.event
    @client_required
    def start_reschedule(self, raw_id: str):
        chosen = parse_id(raw_id)
        if chosen is None:
            return
        with session_scope() as db:
            ctx = self._context(db)
            try:
                message = portal.reschedule_check(db, ctx, chosen)
            except SchedulingError as refused:
                self.notice = str(refused)
                return
        if message:
            self.blocked_message = message  # the Message to reschedule; nothing moves
            return
        return rx.redirect(f"/portal/book?reschedule={chosen}")

    @rx.event
    @client_required
    def close_blocked(self):
        self.blocked_message = ""

    @rx.event
    @client_required
    def download_ics(self, raw_id: str):
        chosen = parse_id(raw_id)
        if chosen is None:
            return
        with session_scope() as db:
            try:
                data = portal.ics(db, self._context(db), chosen)
            except SchedulingError as refused:
                self.notice = str(refused)
                return
        return rx.download(data=data, filename="appointment.ics", mime_type="text/calendar")


class BookState(PortalState):
    days: list[dict[str, str]] = []
    day: str = ""
    day_label: str = ""
    ready: bool = False
    slots: list[dict[str, str]] = []
    slot: str = ""
    slot_label: str = ""
    kind: str = "in_person"
    notification_message: str = ""
    rules_text: str = ""
    reschedule_id: int = 0
    error: str = ""
    done: str = ""

    @rx.event
    @client_required
    def load(self):
        self.day, self.day_label, self.slots, self.slot, self.slot_label = "", "", [], "", ""
        self.error, self.done, self.kind, self.ready = "", "", "in_person", False
        raw = self.router.url.query_parameters.get("reschedule", "")
        self.reschedule_id = parse_id(raw) or 0
        with session_scope() as db:
            ctx = self._context(db)
            if not ctx.settings.make_appointment:
                self.error, self.days = portal.NOT_ALLOWED, []
                return
            if self.reschedule_id:
                try:
                    blocked = portal.reschedule_check(db, ctx, self.reschedule_id)
                except SchedulingError as refused:
                    self.error, self.reschedule_id = str(refused), 0
                    return
                if blocked:
                    self.error, self.days = blocked, []
                    return
            self.days = portal.bookable_days(db, ctx)
            self.notification_message = ctx.settings.client_notification_message
            self.rules_text = portal.rules_in_words(ctx)
            self.ready = True

    @rx.event
    @client_required
    def choose_day(self, day: str):
        offered = next((d for d in self.days if d["date"] == str(day)), None)
        if offered is None:
            return
        with session_scope() as db:
            self.slots = portal.slots_on(db, self._context(db), date.fromisoformat(offered["date"]))
        self.day, self.day_label, self.slot, self.slot_label, self.error = offered["date"], offered["long"], "", "", ""

    @rx.event
    @client_required
    def choose_slot(self, start: str):
        match = next((s for s in self.slots if s["start"] == start), None)
        if match is None:
            return
        self.slot, self.slot_label, self.error = match["start"], match["label"], ""

    @rx.event
    @client_required
    def set_kind(self, kind: str):
        if kind in ("in_person", "online") and (kind == "in_person" or self.features.get("online_appointment")):
            self.kind = kind

    @rx.event
    @client_required
    def submit(self):
        if not self.slot:
            self.error = "Choose a day and a time first."
            return
        try:
            start = datetime.fromisoformat(self.slot)
        except ValueError:
            return
        with session_scope() as db:
            ctx = self._context(db)
        try:
            if self.reschedule_id:
                appt = portal.reschedule(ctx, self.reschedule_id, start, ip=self._client_ip())
            else:
                appt = portal.book(ctx, start, self.kind, ip=self._client_ip())
        except SchedulingError as refused:
            self.error = str(refused)
            if self.day:
                with session_scope() as db:
                    self.slots = portal.slots_on(db, ctx, date.fromisoformat(self.day))
            self.slot, self.slot_label = "", ""
            return
        local = appt.start_at.astimezone(ctx.tz)
        what = "moved to" if self.reschedule_id else "booked for"
        self.done = f"Your appointment is {what} {local:%A, %B} {local.day} at {local:%-I:%M %p}."
        self.days, self.slots, self.slot, self.ready = [], [], "", False
