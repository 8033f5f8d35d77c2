"""The Outbox page (admins): every email and SMS, its delivery state, and a retry for failures."""

from __future__ import annotations

import reflex as rx
from sqlalchemy import func
from sqlmodel import select

from ..db import session_scope
from ..models import OutboxMessage, Practice
from ..services import audit, notify
from ..services.timekeeping import zone
from .staff import StaffState, current_staff, staff_required

PAGE = 50
FILTERS = ("all", "pending", "sending", "sent", "failed")


class OutboxState(StaffState):
    allowed: bool = True
    status_filter: str = "all"
    rows: list[dict[str, str]] = []
    total: int = 0
    viewing: bool = False
    view: dict[str, str] = {}

    def _refresh(self) -> None:
        me = current_staff()
        if not me.is_admin:
            self.allowed, self.rows, self.total = False, [], 0
            return
        self.allowed = True
        with session_scope() as db:
            tz = zone(db.get(Practice, me.practice_id).time_zone)
            query = select(OutboxMessage).where(OutboxMessage.practice_id == me.practice_id)
            if self.status_filter != "all":
                query = query.where(OutboxMessage.status == self.status_filter)
            self.total = db.exec(select(func.count()).select_from(query.subquery())).one()
            found = db.exec(query.order_by(OutboxMessage.id.desc()).limit(PAGE)).all()
        self.rows = [
            {
                "id": str(m.id),
                "created": f"{m.created_at.astimezone(tz):%b %-d, %-I:%M %p}",
                "channel": "Email" if m.channel == "email" else "SMS",
                "kind": m.kind.replace("_", " "),
                "recipient": m.recipient,
                "subject": m.subject,
                "status": str(getattr(m.status, "value", m.status)),
                "attempts": str(m.attempts),
                "error": m.last_error,
                "transport": m.transport,
            }
            for m in found
        ]

    @rx.event
    @staff_required
    def load(self):
        self.viewing = False
        self._refresh()

    @rx.event
    @staff_required
    def set_filter(self, value: str):
        if value in FILTERS:
            self.status_filter = value
            self._refresh()

    @rx.event
    @staff_required
    def retry(self, message_id: str):
        me = current_staff()
        if not me.is_admin or not str(message_id).isdigit():
            return
        with session_scope() as db:
            ok = notify.retry(db, int(message_id), me.practice_id, me.user_id, ip=self._client_ip())
        self._refresh()
        return rx.toast.success("Queued again.") if ok else rx.toast.error("Only a failed message can be retried.")

    @rx.event
    @staff_required
    def open_message(self, message_id: str):
        me = current_staff()
        if not me.is_admin or not str(message_id).isdigit():
            return
        with session_scope() as db:
            m = db.get(OutboxMessage, int(message_id))
            if m is None or m.practice_id != me.practice_id:
                return
            audit.record(
                db,
                "outbox.viewed",
                actor_kind="staff",
                actor_id=me.user_id,
                object_type="outbox",
                object_id=m.id,
                ip=self._client_ip(),
            )
            # Any secret the message carried (a PIN) shows as dots: admins see what was sent, not the PIN.
            self.view = {"subject": m.subject, "recipient": m.recipient, "body": notify.redacted(m.body_text)}
        self.viewing = True

    @rx.event
    @staff_required
    def close_message(self, open_: bool = False):
        if not open_:
            self.viewing = False
