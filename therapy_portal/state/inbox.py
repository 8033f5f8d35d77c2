"""The counselor's Messages page: the inbox across their clients, one thread, and the documents of that client."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..models import Practice
from ..services import documents, messaging
from ..services.accounts import StaffIdentity
from ..services.timekeeping import zone
from . import live
from .portal import parse_id
from .staff import StaffState, current_staff, staff_required
from .uploads import read_uploads

INBOX_PATH = "/messages"


class InboxState(StaffState):
    threads: list[dict[str, str]] = []
    unread_total: int = 0
    client_id: str = ""
    client_name: str = ""
    missing: bool = False
    messages_on: bool = False
    documents_on: bool = False
    messages: list[dict[str, str]] = []
    draft: str = ""
    error: str = ""
    files: list[dict[str, str]] = []
    file_error: str = ""
    file_notice: str = ""
    _last_id: int = 0
    _watch_id: int = 0

    def _tz(self, db, me: StaffIdentity):
        return zone(db.get(Practice, me.practice_id).time_zone)

    def _refresh(self, me: StaffIdentity, force: bool = True) -> None:
        with session_scope() as db:
            tz = self._tz(db, me)
            chosen = parse_id(self.client_id)
            client = messaging.staff_client(db, me, chosen) if chosen else None
            if client is not None:
                # The open thread is read first, so the inbox below already counts it as read.
                self.messages_on = messaging.enabled(db, client)
                self.documents_on = documents.enabled(db, client)
                newest = messaging.latest_id(db, client) if self.messages_on else 0
                if self.messages_on and (force or newest != self._last_id):
                    views = messaging.read_thread(db, client, "staff", me.user_id, ip=self._client_ip())
                    self.messages, self._last_id = messaging.as_rows(views, tz), newest
                elif not self.messages_on:
                    self.messages, self._last_id = [], 0
                db.flush()
            threads = messaging.inbox(db, me)
            self.threads = [
                {
                    "client_id": str(t.client_id),
                    "name": t.name,
                    "unread": str(t.unread) if t.unread else "",
                    "when": messaging.short_time(t.last_at, tz),
                    "href": f"{INBOX_PATH}?client={t.client_id}",
                }
                for t in threads
            ]
            self.unread_total = sum(t.unread for t in threads)
            if client is None:
                return
            if force:
                self.files = [
                    {
                        "id": str(d.id),
                        "name": d.name,
                        "size": d.size,
                        "when": messaging.short_time(d.at, tz),
                        "from": "You shared" if d.direction == "to_client" else "From the client",
                        "href": f"/api/documents/{d.id}",
                    }
                    for d in (documents.listing(db, client) if self.documents_on else [])
                ]

    @rx.event
    @staff_required
    def load(self):
        me = current_staff()
        self.client_id, self.client_name, self.missing = "", "", False
        self.messages, self.files, self._last_id = [], [], 0
        self.draft, self.error, self.file_error, self.file_notice = "", "", "", ""
        raw = self.router.url.query_parameters.get("client", "")
        if raw:
            chosen = parse_id(raw)
            with session_scope() as db:
                client = messaging.staff_client(db, me, chosen) if chosen else None
                if client is None:
                    self.missing = True
                else:
                    self.client_id, self.client_name = str(client.id), f"{client.first_name} {client.last_name}"
        self._refresh(me)
        return InboxState.watch

    @rx.event(background=True)
    async def watch(self):
        async for event in live.keep_fresh(
            self, INBOX_PATH, self._resolve_identity, lambda me: self._refresh(me, force=False)
        ):
            yield event

    @rx.event
    @staff_required
    def set_draft(self, text: str):
        self.draft = text[: messaging.MAX_CHARS + 1000] if isinstance(text, str) else ""

    @rx.event
    @staff_required
    def send(self):
        me = current_staff()
        with session_scope() as db:
            client = messaging.staff_client(db, me, parse_id(self.client_id))
            if client is None:
                self.error = "Choose one of your clients first."
                return
            try:
                messaging.post(db, client, "staff", me.user_id, self.draft, ip=self._client_ip())
            except messaging.MessageError as refused:
                self.error = str(refused)
                return
        self.draft, self.error = "", ""
        self._refresh(me)

    @rx.event
    @staff_required
    async def share(self, files: list[rx.UploadFile]):
        me = current_staff()
        self.file_error, self.file_notice = "", ""
        stored, refused = [], []
        for name, data in read_uploads(files):
            try:
                with session_scope() as db:
                    client = messaging.staff_client(db, me, parse_id(self.client_id))
                    if client is None:
                        raise documents.DocumentError("Choose one of your clients first.")
                    documents.store(db, client, "to_client", me.user_id, name, data, ip=self._client_ip())
                stored.append(name)
            except documents.DocumentError as problem:
                refused.append(str(problem))
        if stored:
            self.file_notice = f"Shared with {self.client_name}: " + ", ".join(stored) + "."
        self.file_error = " ".join(refused) if refused else ("" if stored else "Choose a file first.")
        self._refresh(me)
