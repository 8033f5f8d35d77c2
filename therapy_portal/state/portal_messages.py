"""The client's Messages and Documents pages: thin over services/messaging.py and services/documents.py."""

from __future__ import annotations

import reflex as rx

from ..db import session_scope
from ..services import documents, messaging, portal
from ..services.client_auth import ClientIdentity
from . import live
from .portal import PortalState, client_required, current_client
from .uploads import read_uploads

MESSAGES_PATH = "/portal/messages"


class PortalMessagesState(PortalState):
    messages: list[dict[str, str]] = []
    counselor_name: str = ""
    draft: str = ""
    error: str = ""
    available: bool = False
    loaded: bool = False
    _last_id: int = 0
    _watch_id: int = 0

    def _refresh(self, me: ClientIdentity, force: bool = True) -> None:
        with session_scope() as db:
            ctx = portal.context(db, me)
            self.available = bool(ctx.settings.messages and ctx.counselor)
            if not self.available:
                self.messages, self._last_id = [], 0
                return
            newest = messaging.latest_id(db, ctx.client)
            if not force and newest == self._last_id:
                return
            views = messaging.read_thread(db, ctx.client, "client", ctx.client.id, ip=self._client_ip())
            tz = ctx.tz
            self.counselor_name = ctx.counselor.full_name
            self.messages = messaging.as_rows(views, tz)
            self._last_id = newest

    @rx.event
    @client_required
    def load(self):
        self.error, self.draft = "", ""
        self._refresh(current_client())
        self.loaded = True
        if self.available:
            return PortalMessagesState.watch

    @rx.event(background=True)
    async def watch(self):
        async for event in live.keep_fresh(
            self, MESSAGES_PATH, self._resolve_client, lambda me: self._refresh(me, force=False)
        ):
            yield event

    @rx.event
    @client_required
    def set_draft(self, text: str):
        self.draft = text[: messaging.MAX_CHARS + 1000] if isinstance(text, str) else ""

    @rx.event
    @client_required
    def send(self):
        me = current_client()
        with session_scope() as db:
            ctx = portal.context(db, me)
            if not (ctx.settings.messages and ctx.counselor):
                self.error, self.available, self.messages = portal.NOT_ALLOWED, False, []
                return
            try:
                messaging.post(db, ctx.client, "client", ctx.client.id, self.draft, ip=self._client_ip())
            except messaging.MessageError as refused:
                self.error = str(refused)  # the draft stays as typed
                return
        self.draft, self.error = "", ""
        self._refresh(me)


class PortalDocumentsState(PortalState):
    shared: list[dict[str, str]] = []  # from the counselor
    sent: list[dict[str, str]] = []  # uploaded by the client
    available: bool = False
    loaded: bool = False
    error: str = ""
    notice: str = ""

    def _refresh(self, me: ClientIdentity) -> None:
        with session_scope() as db:
            ctx = portal.context(db, me)
            self.available = bool(ctx.settings.documents and ctx.counselor)
            rows = documents.listing(db, ctx.client) if self.available else []
            tz = ctx.tz
        items = [
            {
                "id": str(d.id),
                "name": d.name,
                "size": d.size,
                "when": messaging.short_time(d.at, tz),
                "href": f"/api/portal/documents/{d.id}",
                "opened": "1" if d.opened else "",
            }
            for d in rows
        ]
        self.shared = [i for i, d in zip(items, rows, strict=True) if d.direction == "to_client"]
        self.sent = [i for i, d in zip(items, rows, strict=True) if d.direction == "from_client"]

    @rx.event
    @client_required
    def load(self):
        self.error, self.notice = "", ""
        self._refresh(current_client())
        self.loaded = True

    @rx.event
    @client_required
    async def upload(self, files: list[rx.UploadFile]):
        me = current_client()
        self.error, self.notice = "", ""
        stored, refused = [], []
        with session_scope() as db:
            ctx = portal.context(db, me)
            if not (ctx.settings.documents and ctx.counselor):
                self.error, self.available = portal.NOT_ALLOWED, False
                return
        for name, data in read_uploads(files):
            try:
                with session_scope() as db:
                    ctx = portal.context(db, me)
                    documents.store(db, ctx.client, "from_client", me.client_id, name, data, ip=self._client_ip())
                stored.append(name)
            except documents.DocumentError as problem:
                refused.append(str(problem))
        if stored:
            self.notice = f"Sent to {self._counselor(me)}: " + ", ".join(stored) + "."
        self.error = " ".join(refused) if refused else ("" if stored else "Choose a file first.")
        self._refresh(me)

    def _counselor(self, me: ClientIdentity) -> str:
        with session_scope() as db:
            return messaging.counselor_name(db, portal.context(db, me).client) or "your counselor"
