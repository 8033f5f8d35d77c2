"""One client's page: details, editing, and the "Client Portal / My Therapist" tab (PIN and invitation)."""

from __future__ import annotations

import reflex as rx
from sqlmodel import select

from ..db import session_scope
from ..models import OutboxMessage, Practice, User, utcnow
from ..services import client_auth, clients, invitations, pins
from ..services.timekeeping import zone
from .clients import FORM_FIELDS
from .staff import StaffState, current_staff, staff_required

PIN_FRESH_SECONDS = 15 * 60
OUTBOX_STATUS_WORDS = {
    "pending": "waiting to be delivered",
    "sending": "being delivered",
    "sent": "delivered",
    "failed": "failed: see the Outbox",
}


def _client_id_from_path(path: str) -> int | None:
    last = path.rstrip("/").rsplit("/", 1)[-1]
    return int(last) if last.isascii() and last.isdigit() and len(last) < 10 else None


class ClientRecordState(StaffState):
    client_id: int = 0
    missing: bool = False
    tab: str = "details"
    name: str = ""
    counselor: str = ""
    details: dict[str, str] = {}
    editing: bool = False
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    notice: str = ""

    has_email: bool = False
    has_mobile: bool = False
    pin_status: str = ""
    invitation_status: str = ""
    pin_input: str = ""
    pin_error: str = ""
    pin_notice: str = ""
    portal_error: str = ""
    locked_status: str = ""
    # Messages and documents are for the client's own counselor only (services/messaging.py).
    is_own: bool = False
    # The PIN set during this visit: kept server-side only, so Send can email it, then dropped.
    _fresh_pin: str = ""
    _fresh_pin_at: float = 0.0

    def _fmt(self, db, instant) -> str:
        tz = zone(db.get(Practice, current_staff().practice_id).time_zone)
        local = instant.astimezone(tz)
        return f"{local:%b} {local.day}, {local.year} at {local:%-I:%M %p}"

    def _show(self, client, db) -> None:
        counselor = db.get(User, client.counselor_id) if client.counselor_id else None
        self.client_id = client.id
        self.name = f"{client.first_name} {client.last_name}"
        self.counselor = counselor.full_name if counselor else ""
        self.is_own = client.counselor_id == current_staff().user_id
        self.details = {
            "first_name": client.first_name,
            "last_name": client.last_name,
            "date_of_birth": f"{client.date_of_birth:%m/%d/%Y}",
            "email": client.email,
            "mobile": clients.display_mobile(client.mobile_e164),
            "address": client.address,
        }
        self.has_email, self.has_mobile = bool(client.email), bool(client.mobile_e164)
        self.pin_status = f"PIN set {self._fmt(db, client.pin_set_at)}." if client.pin_set_at else "No PIN set yet."
        self.locked_status = (
            f"Portal sign-in is locked until {self._fmt(db, client.locked_until)} after {client_auth.LOCK_AFTER} wrong PINs in a row."
            if client_auth.is_locked(client)
            else ""
        )
        last = db.exec(
            select(OutboxMessage)
            .where(OutboxMessage.client_id == client.id, OutboxMessage.kind == "invitation")
            .order_by(OutboxMessage.id.desc())
        ).first()
        if client.invitation_sent_at:
            state = OUTBOX_STATUS_WORDS.get(str(getattr(last.status, "value", last.status)), "") if last else ""
            self.invitation_status = f"Invitation last sent {self._fmt(db, client.invitation_sent_at)}" + (
                f" ({state})." if state else "."
            )
        else:
            self.invitation_status = "The invitation has not been sent."

    def _load_client(self, db):
        client = clients.get(db, current_staff(), self.client_id, ip=self._client_ip()) if self.client_id else None
        if client is None:
            self.missing = True
        return client

    @rx.event
    @staff_required
    def load(self):
        self.reset()
        self._fresh_pin, self._fresh_pin_at = "", 0.0
        self.client_id = _client_id_from_path(self.router.url.path) or 0
        tab = self.router.url.query_parameters.get("tab", "")
        self.tab = "portal" if tab == "portal" else "details"
        with session_scope() as db:
            client = self._load_client(db)
            if client is not None:
                self._show(client, db)

    @rx.event
    @staff_required
    def set_tab(self, tab: str):
        if tab in ("details", "portal"):
            self.tab = tab

    # ---- details -------------------------------------------------------------------------------

    @rx.event
    @staff_required
    def start_edit(self):
        if self.missing or not self.client_id:
            return
        self.form = {**self.details, "counselor_id": ""}
        self.errors, self.editing, self.notice = {}, True, ""

    @rx.event
    @staff_required
    def cancel_edit(self):
        self.editing, self.errors = False, {}

    @rx.event
    @staff_required
    def set_field(self, name: str, value: str):
        if self.editing and name in FORM_FIELDS:
            self.form[name] = str(value)[:500]
            self.errors.pop(name, None)

    @rx.event
    @staff_required
    def save_edit(self):
        if not self.editing or not self.client_id:
            return
        with session_scope() as db:
            client, errors = clients.save(
                db, current_staff(), dict(self.form), client_id=self.client_id, ip=self._client_ip()
            )
            if client is not None:
                self._show(client, db)
        if errors:
            self.errors = errors
            return
        self.editing, self.notice = False, "Client saved."

    # ---- Client Portal / My Therapist -----------------------------------------------------------

    @rx.event
    @staff_required
    def set_pin_input(self, value: str):
        self.pin_input = "".join(str(value).split())[:12]
        self.pin_error = ""

    @rx.event
    @staff_required
    def generate_pin(self):
        with session_scope() as db:
            client = self._load_client(db)
            if client is None:
                return
            self.pin_input = pins.generate(client.date_of_birth)
        self.pin_error = ""
        self._store_pin()

    def _store_pin(self) -> bool:
        me = current_staff()
        pin = self.pin_input
        with session_scope() as db:
            client = self._load_client(db)
            if client is None:
                return False
            reason = pins.weakness(pin, client.date_of_birth) or pins.namesake_clash(db, client, pin)
            if reason:
                self.pin_error = reason
                return False
            ended = pins.set_pin(db, client, pin, actor_id=me.user_id, ip=self._client_ip())
            self._show(client, db)
        self._fresh_pin, self._fresh_pin_at = pin, utcnow().timestamp()
        self.pin_notice = f"PIN {pin} saved. It will not be shown again once you leave this page." + (
            f" {ended} open portal session{'s' if ended != 1 else ''} ended." if ended else ""
        )
        self.pin_input, self.portal_error = "", ""
        return True

    @rx.event
    @staff_required
    def save_pin(self):
        if not self.pin_input:
            self.pin_error = "Enter a PIN of 4 to 8 digits, or generate one."
            return
        self._store_pin()

    @rx.event
    @staff_required
    def unlock(self):
        with session_scope() as db:
            client = self._load_client(db)
            if client is None:
                return
            client_auth.unlock(db, client, actor_id=current_staff().user_id, ip=self._client_ip())
            self._show(client, db)
        self.pin_notice = "Portal sign-in unlocked. The client can sign in again."

    @rx.event
    @staff_required
    def send_invitation(self):
        me = current_staff()
        self.portal_error = ""
        if self.pin_input and not self._store_pin():
            return
        if not self._fresh_pin or utcnow().timestamp() - self._fresh_pin_at > PIN_FRESH_SECONDS:
            self.portal_error = "Set or generate a PIN first. PINs are stored in a form no one can read, so an earlier PIN can't be emailed."
            return
        with session_scope() as db:
            client = self._load_client(db)
            if client is None:
                return
            if not pins.verify_pin(client.pin_hash, self._fresh_pin):
                # Someone set another PIN since (another tab, a colleague): this one no longer works.
                self._fresh_pin, self._fresh_pin_at = "", 0.0
                self.portal_error = "The PIN was changed since you set it here. Set or generate a new PIN, then send."
                self._show(client, db)
                return
            problem = invitations.send(db, client, self._fresh_pin, actor_id=me.user_id, ip=self._client_ip())
            if problem is None:
                db.flush()
                self._show(client, db)
        if problem:
            self.portal_error = problem
            return
        self._fresh_pin, self._fresh_pin_at = "", 0.0
        self.pin_notice = "Invitation queued. The PIN is no longer kept anywhere readable."
        return rx.toast.success("Invitation queued for delivery.")
