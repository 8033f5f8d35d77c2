"""The Portal Settings form for one counselor (opened from the calendar)."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..models import User
from ..services import portal_settings as ps
from ..settings import get_settings
from .staff import StaffState, current_staff, staff_required

MAX_INPUT = 5000


class PortalSettingsState(StaffState):
    counselor_id: int = 0
    counselor_name: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    status: str = ""
    problem: str = ""

    def _counselor_from_query(self) -> int:
        raw = self.router.url.query_parameters.get("counselor", "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else current_staff().user_id

    @rx.event
    @staff_required
    def load(self):
        me = current_staff()
        self.errors, self.status, self.problem, self.values = {}, "", "", {}
        counselor_id = self._counselor_from_query()
        with session_scope() as db:
            try:
                row = ps.load(db, me, counselor_id)
            except ps.NotAllowed as denied:
                self.counselor_id, self.counselor_name, self.problem = 0, "", str(denied)
                return
            self.values = ps.to_form(row)
            self.counselor_id = counselor_id
            self.counselor_name = db.get(User, counselor_id).full_name

    @rx.event
    @staff_required
    def set_value(self, name: str, value):
        if not isinstance(name, str) or name not in ps.FORM_KEYS or not self.counselor_id:
            return
        if isinstance(value, bool):
            value = "true" if value else "false"
        self.values[name] = str(value)[:MAX_INPUT]
        self.status = ""
        field = "tsecure_notification" if name in ("notify_email", "notify_sms") else name
        self.errors.pop(field, None)

    @rx.event
    @staff_required
    def toggle_weekday(self, day: str, checked: bool):
        if not self.counselor_id or str(day) not in {v for v, _ in ps.WEEKDAY_CHOICES}:
            return
        days = {d for d in self.values.get("allowed_weekdays", "").split(",") if d}
        days = days | {str(day)} if checked is True else days - {str(day)}
        self.values["allowed_weekdays"] = ",".join(sorted(days, key=int))
        self.status = ""
        self.errors.pop("allowed_weekdays", None)

    @rx.event
    @staff_required
    def save(self):
        me = current_staff()
        if not self.counselor_id:
            return
        with session_scope() as db:
            try:
                errors = ps.save(
                    db,
                    me,
                    self.counselor_id,
                    dict(self.values),
                    get_settings().payments_configured,
                    ip=self._client_ip(),
                )
            except ps.NotAllowed as denied:
                self.problem = str(denied)
                return
        self.errors = errors
        if errors:
            count = len(errors)
            self.status = (
                f"Nothing was saved: {count} field{'s' if count > 1 else ''} need{'s' if count == 1 else ''} attention."
            )
        else:
            self.status = "Portal Settings saved."
            return rx.toast.success("Portal Settings saved.")
