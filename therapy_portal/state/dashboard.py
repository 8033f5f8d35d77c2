"""Dashboard: today's appointments for the signed-in user."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from ..db import session_scope
from ..models import Practice
from ..services import audit, client_auth
from ..services.agenda import day_agenda
from ..services.timekeeping import zone
from .staff import StaffState, current_staff, staff_required


class DashboardState(StaffState):
    day_label: str = ""
    rows: list[dict[str, str]] = []
    loaded: bool = False
    alarms: list[str] = []

    @rx.event
    @staff_required
    def load(self):
        me = current_staff()
        with session_scope() as db:
            self.day_label, rows = day_agenda(db, me)
            audit.record(
                db, "agenda.viewed", actor_kind="staff", actor_id=me.user_id, ip=self._client_ip(), count=len(rows)
            )
            self.alarms = self._alarms(db) if me.is_admin else []
        self.rows = [{k: str(v) for k, v in asdict(r).items()} for r in rows]
        self.loaded = True

    def _alarms(self, db) -> list[str]:
        """Portal sign-in alarms of the last day, in words an office manager can act on."""
        tz = zone(db.get(Practice, current_staff().practice_id).time_zone)
        out = []
        for event in client_auth.recent_alarms(db):
            detail = client_auth.alarm_detail(event)
            local = event.at.astimezone(tz)
            out.append(
                f"{local:%b} {local.day} at {local:%-I:%M %p}: failed portal sign-ins for {detail['clients']} different clients "
                f"within {detail['window_minutes']} minutes (last from {event.ip or 'an unknown address'}). "
                "Someone may be trying one PIN against many people."
            )
        return out
