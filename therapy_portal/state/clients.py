"""The client list ("View clients") and the add-client form."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..services import clients, permissions
from .staff import StaffState, current_staff, staff_required

FORM_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "mobile", "address", "counselor_id")
EMPTY_FORM = {name: "" for name in FORM_FIELDS}


class ClientsState(StaffState):
    query: str = ""
    sort: str = "last_name"
    page: int = 1
    pages: int = 1
    total: int = 0
    rows: list[dict[str, str]] = []

    adding: bool = False
    form: dict[str, str] = dict(EMPTY_FORM)
    errors: dict[str, str] = {}
    counselor_options: list[dict[str, str]] = []

    def _search(self) -> None:
        me = current_staff()
        with session_scope() as db:
            result = clients.search(db, me, self.query, self.sort, self.page)
        self.rows, self.total, self.page, self.pages = result.rows, result.total, result.page, result.pages

    @rx.event
    @staff_required
    def load(self):
        self.adding = False
        self._search()

    @rx.event
    @staff_required
    def set_query(self, query: str):
        self.query = str(query)[:100]
        self.page = 1
        self._search()

    @rx.event
    @staff_required
    def set_sort(self, sort: str):
        if sort in clients.SORTS:
            self.sort = sort
            self.page = 1
            self._search()

    @rx.event
    @staff_required
    def go_page(self, delta: int):
        if delta in (-1, 1):
            self.page = self.page + delta
            self._search()

    @rx.event
    @staff_required
    def open_add(self):
        me = current_staff()
        with session_scope() as db:
            self.counselor_options = [
                {"id": str(c.id), "name": c.full_name} for c in permissions.visible_counselors(db, me)
            ]
        self.form = {
            **EMPTY_FORM,
            "counselor_id": str(me.user_id)
            if me.is_clinician
            else (self.counselor_options[0]["id"] if self.counselor_options else ""),
        }
        self.errors = {}
        self.adding = True

    @rx.event
    @staff_required
    def close_add(self, open_: bool = False):
        if not open_:
            self.adding = False

    @rx.event
    @staff_required
    def set_field(self, name: str, value: str):
        if name in FORM_FIELDS:
            self.form[name] = str(value)[:500]
            self.errors.pop("mobile" if name == "mobile" else name, None)

    @rx.event
    @staff_required
    def save_new(self):
        me = current_staff()
        counselor = self.form.get("counselor_id", "")
        with session_scope() as db:
            client, errors = clients.save(
                db,
                me,
                dict(self.form),
                counselor_id=int(counselor) if counselor.isdigit() else -1,
                ip=self._client_ip(),
            )
            new_id = client.id if client else None
        if errors:
            self.errors = errors
            return
        self.adding = False
        return rx.redirect(f"/clients/{new_id}")
