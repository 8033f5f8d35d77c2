"""The counselor calendar: whose calendar, which days, and the appointment editor."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime, time, timedelta

import reflex as rx
from sqlmodel import select

from ..db import session_scope
from ..models import (
    ActorKind,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Client,
    PortalSettings,
    Practice,
    User,
    utcnow,
)
from ..services import booking, calendar_view, permissions
from ..services.agenda import KIND_LABELS, STATUS_LABELS
from ..services.scheduling import STAFF_TRANSITIONS, SchedulingError
from ..services.timekeeping import local_to_utc, local_today, zone
from .staff import StaffState, current_staff, staff_required

LENGTHS = [str(m) for m in (15, 30, 45, 50, 60, 75, 90, 120, 180)]
EDITOR_FIELDS = frozenset({"client_id", "date", "time", "minutes", "kind", "status"})
CLIENT_PICKER_LIMIT = 500


def _parse_date(text: str) -> date | None:
    try:
        d = date.fromisoformat(str(text)[:10])
    except ValueError:
        return None
    return d if 2000 <= d.year <= 2100 else None


def _parse_time(text: str) -> time | None:
    try:
        return time.fromisoformat(str(text)[:5])
    except ValueError:
        return None


class CalendarState(StaffState):
    counselors: list[dict[str, str]] = []
    counselor_id: str = ""
    view: str = ""
    anchor: str = ""
    title: str = ""
    days: list[dict[str, str]] = []
    rows: list[dict[str, str]] = []
    cards: list[dict[str, str]] = []
    column_px: int = 0
    display_tooltip: bool = False
    odd_even_colors: bool = False
    session_minutes: int = 60
    can_edit_settings: bool = False
    notice: str = ""

    editor_open: bool = False
    editor_id: int = 0
    editor_client_name: str = ""
    editor: dict[str, str] = {}
    editor_error: str = ""
    client_options: list[dict[str, str]] = []
    status_options: list[dict[str, str]] = []

    # ---- loading -------------------------------------------------------------------------------

    def _refresh(self) -> None:
        me = current_staff()
        with session_scope() as db:
            visible = permissions.visible_counselors(db, me)
            self.counselors = [{"id": str(c.id), "name": c.full_name} for c in visible]
            ids = {c.id for c in visible}
            wanted = int(self.counselor_id) if self.counselor_id.isdigit() else 0
            if wanted not in ids:
                wanted = me.user_id if me.user_id in ids else (visible[0].id if visible else 0)
                self.view = ""
            if not wanted:
                self.counselor_id, self.days, self.rows, self.cards, self.title = "", [], [], [], ""
                self.notice = "There is no counselor calendar to show."
                return
            counselor = db.get(User, wanted)
            practice = db.get(Practice, me.practice_id)
            settings = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == wanted)).one()
            anchor = _parse_date(self.anchor) or local_today(zone(practice.time_zone))
            model = calendar_view.build(db, practice, settings, counselor, anchor, self.view, utcnow())
            self.can_edit_settings = permissions.may_edit_settings(db, me, wanted)
        self.counselor_id = str(wanted)
        self.anchor = anchor.isoformat()
        self.view = (
            self.view
            if self.view in calendar_view.VIEWS
            else str(getattr(settings.default_view, "value", settings.default_view))
        )
        for key, value in asdict(model).items():
            setattr(self, key, value)

    @rx.event
    @staff_required
    def load(self):
        self.notice = ""
        self.editor_open = False
        requested = self.router.url.query_parameters.get("counselor", "")
        if requested.isascii() and requested.isdigit():
            self.counselor_id = requested
            self.view = ""
        wanted = _parse_date(self.router.url.query_parameters.get("date", "")[:10])
        if wanted is not None:
            self.anchor = wanted.isoformat()
        self._refresh()

    @rx.event
    @staff_required
    def choose_counselor(self, counselor_id: str):
        self.counselor_id = str(counselor_id)[:12]
        self.view = ""  # each counselor's own default view
        self.notice = ""
        self._refresh()

    @rx.event
    @staff_required
    def set_view(self, view: str):
        if view in calendar_view.VIEWS:
            self.view = view
            self._refresh()

    @rx.event
    @staff_required
    def step(self, direction: int):
        anchor = _parse_date(self.anchor)
        if anchor is None or direction not in (-1, 1):
            return
        self.anchor = (anchor + timedelta(days=direction * (1 if self.view == "Day" else 7))).isoformat()
        self._refresh()

    @rx.event
    @staff_required
    def go_today(self):
        self.anchor = ""
        self._refresh()

    # ---- the editor ----------------------------------------------------------------------------

    def _load_client_options(self, counselor_id: int) -> None:
        me = current_staff()
        with session_scope() as db:
            clients = db.exec(
                select(Client)
                .where(Client.practice_id == me.practice_id, Client.active, Client.counselor_id == counselor_id)
                .order_by(Client.last_name_key, Client.first_name)
                .limit(CLIENT_PICKER_LIMIT)
            ).all()
        self.client_options = [{"id": str(c.id), "name": f"{c.last_name}, {c.first_name}"} for c in clients]

    @rx.event
    @staff_required
    def new_at(self, day: str, at: str):
        if _parse_date(day) is None or _parse_time(at) is None or not self.counselor_id.isdigit():
            return
        self._load_client_options(int(self.counselor_id))
        self.editor_id, self.editor_client_name, self.editor_error = 0, "", ""
        self.status_options = []
        self.editor = {
            "client_id": self.client_options[0]["id"] if self.client_options else "",
            "date": day,
            "time": at,
            "minutes": str(self.session_minutes),
            "kind": AppointmentKind.in_person.value,
            "status": AppointmentStatus.scheduled.value,
        }
        self.editor_open = True

    def _visible_appointment(self, db, appointment_id: int) -> Appointment | None:
        me = current_staff()
        appt = db.get(Appointment, appointment_id)
        if (
            appt is None
            or appt.practice_id != me.practice_id
            or not permissions.may_view_calendar(db, me, appt.counselor_id)
        ):
            return None
        return appt

    @rx.event
    @staff_required
    def open_card(self, appointment_id: str):
        if not str(appointment_id).isdigit():
            return
        me = current_staff()
        with session_scope() as db:
            appt = self._visible_appointment(db, int(appointment_id))
            if appt is None:
                self.notice = "That appointment was not found."
                return
            client = db.get(Client, appt.client_id)
            tz = zone(db.get(Practice, me.practice_id).time_zone)
        start = appt.start_at.astimezone(tz)
        status = str(getattr(appt.status, "value", appt.status))
        self.editor_id = appt.id
        self.editor_client_name = client.display_name
        self.editor_error = ""
        self.editor = {
            "client_id": str(appt.client_id),
            "date": start.date().isoformat(),
            "time": f"{start:%H:%M}",
            "minutes": str(int((appt.end_at - appt.start_at).total_seconds() // 60)),
            "kind": str(getattr(appt.kind, "value", appt.kind)),
            "status": status,
        }
        self.status_options = [
            {"value": s, "label": STATUS_LABELS[s]} for s in [status, *sorted(STAFF_TRANSITIONS.get(status, ()))]
        ]
        self.editor_open = True

    @rx.event
    @staff_required
    def set_editor(self, name: str, value: str):
        if name in EDITOR_FIELDS:
            self.editor[name] = str(value)[:40]
            self.editor_error = ""

    @rx.event
    @staff_required
    def close_editor(self, open_: bool = False):
        if not open_:
            self.editor_open = False
            self.editor_error = ""

    def _editor_times(self, tz) -> tuple[datetime, datetime] | None:
        day, at = _parse_date(self.editor.get("date", "")), _parse_time(self.editor.get("time", ""))
        minutes = self.editor.get("minutes", "")
        if day is None:
            self.editor_error = "Enter a valid date."
            return None
        if at is None:
            self.editor_error = "Enter a valid start time."
            return None
        if minutes not in LENGTHS:
            self.editor_error = "Choose a length from the list."
            return None
        start = local_to_utc(day, at, tz)
        return start, start + timedelta(minutes=int(minutes))

    @rx.event
    @staff_required
    def save_editor(self):
        me = current_staff()
        kind = self.editor.get("kind", "")
        if kind not in KIND_LABELS:
            self.editor_error = "Choose in person or online video."
            return
        with session_scope() as db:
            tz = zone(db.get(Practice, me.practice_id).time_zone)
            counselor_ok = self.counselor_id.isdigit() and permissions.may_view_calendar(db, me, int(self.counselor_id))
            client = (
                db.get(Client, int(self.editor["client_id"])) if self.editor.get("client_id", "").isdigit() else None
            )
        times = self._editor_times(tz)
        if times is None:
            return
        try:
            if self.editor_id == 0:
                if not counselor_ok:
                    self.editor_error = "You can't add appointments to this calendar."
                    return
                if client is None or client.practice_id != me.practice_id:
                    self.editor_error = "Choose a client."
                    return
                booking.create_appointment(
                    practice_id=me.practice_id,
                    counselor_id=int(self.counselor_id),
                    client_id=client.id,
                    start=times[0],
                    end=times[1],
                    kind=AppointmentKind(kind),
                    actor_kind=ActorKind.staff,
                    actor_id=me.user_id,
                    ip=self._client_ip(),
                )
                self.notice = f"Appointment added for {client.display_name}."
            else:
                status = self.editor.get("status", "")
                if status not in STATUS_LABELS:
                    self.editor_error = "Choose a status from the list."
                    return
                self._update(
                    me, start=times[0], end=times[1], kind=AppointmentKind(kind), status=AppointmentStatus(status)
                )
                self.notice = "Appointment updated."
        except SchedulingError as refused:
            self.editor_error = str(refused)
            return
        self.editor_open = False
        self._refresh()

    def _update(self, me, **changes) -> None:
        with session_scope() as db:
            visible = {c.id for c in permissions.visible_counselors(db, me)}

        def may_touch(appt: Appointment) -> bool:
            return appt.practice_id == me.practice_id and appt.counselor_id in visible

        booking.update_appointment(
            self.editor_id,
            actor_kind=ActorKind.staff,
            actor_id=me.user_id,
            ip=self._client_ip(),
            may_touch=may_touch,
            **changes,
        )

    @rx.event
    @staff_required
    def cancel_appointment(self):
        me = current_staff()
        if not self.editor_id:
            return
        try:
            self._update(me, status=AppointmentStatus.cancelled)
        except SchedulingError as refused:
            self.editor_error = str(refused)
            return
        self.notice = "Appointment cancelled."
        self.editor_open = False
        self._refresh()
