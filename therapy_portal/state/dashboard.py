"""Dashboard: today's appointments for the signed-in user."""

from __future__ import annotations

from dataclasses import asdict

import reflex as rx

from ..db import session_scope
from ..services import audit
from ..services.agenda import day_agenda
from .staff import StaffState, current_staff, staff_required


class DashboardState(StaffState):
    day_label: str = ""
    rows: list[dict[str, str]] = []
    loaded: bool = False

    @rx.event
    @staff_required
    def load(self):
        me = current_staff()
        with session_scope() as db:
            self.day_label, rows = day_agenda(db, me)
            audit.record(
                db, "agenda.viewed", actor_kind="staff", actor_id=me.user_id, ip=self._client_ip(), count=len(rows)
            )
        self.rows = [{k: str(v) for k, v in asdict(r).items()} for r in rows]
        self.loaded = True
