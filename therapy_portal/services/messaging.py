"""Secure messages (TSecure) between a client and their counselor.

- One thread per client and counselor. Only the client and their counselor of record read or write it:
  not other counselors, not admins or the front desk (clinical content has the narrowest audience).
- The Messages Portal Setting of the client's counselor switches the whole feature: off, neither side
  can post and the client's page is gone.
- Bodies are encrypted at rest (services/vault.py), bound to their thread. Every read is audited.
- When the counselor writes, the client is told through the outbox by Email and/or SMS as "TSecure Client
  Message Notification" says. The notice never carries the message, and while an earlier notice's
  message is still unread no second one is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, update
from sqlmodel import Session, select

from ..models import Channel, Client, PortalSettings, Practice, SecureMessage, User, utcnow
from . import audit, notify, vault
from .accounts import StaffIdentity
from .invitations import portal_url
from .names import clean_text, has_control_characters
from .templates import render

MAX_CHARS = 5000
PAGE = 200  # the newest messages shown of a thread
MESSAGES_OFF = "Secure messages are turned off in this client's Portal Settings."
UNREADABLE = "[This message could not be decrypted. Please contact the practice's administrator.]"


class MessageError(Exception):
    pass


@dataclass(frozen=True)
class MessageView:
    id: int
    mine: bool
    body: str
    at: datetime
    read: bool


def short_time(at: datetime, tz) -> str:
    """How a message or file time reads in the practice's zone: "Dec 3, 4:05 PM"."""
    local = at.astimezone(tz)
    return f"{local:%b} {local.day}, {local:%-I:%M %p}"


def as_rows(views: list[MessageView], tz) -> list[dict[str, str]]:
    """A thread as a page shows it."""
    return [
        {"id": str(v.id), "mine": "1" if v.mine else "", "body": v.body, "when": short_time(v.at, tz)} for v in views
    ]


def clean_body(raw) -> str:
    """The text to store, or MessageError with what to fix."""
    if not isinstance(raw, str):
        raise MessageError("Write a message first.")
    if has_control_characters(raw.replace("\r", "")):
        raise MessageError("The message contains characters that can't be sent; please retype it.")
    text = clean_text(raw.replace("\r\n", "\n"), keep_newlines=True).strip()
    if not text:
        raise MessageError("Write a message first.")
    if len(text) > MAX_CHARS:
        raise MessageError(f"Keep a message to {MAX_CHARS:,} characters (this one has {len(text):,}).")
    return text


def _thread(client_id: int, counselor_id: int) -> str:
    return f"message:{client_id}:{counselor_id}"


def settings_of(db: Session, counselor_id: int | None) -> PortalSettings | None:
    if not counselor_id:
        return None
    return db.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).first()


def enabled(db: Session, client: Client) -> bool:
    settings = settings_of(db, client.counselor_id)
    return bool(settings and settings.messages)


def staff_client(db: Session, me: StaffIdentity, client_id) -> Client | None:
    """The client whose thread this staff member may open: only their own client, in their practice."""
    if not isinstance(client_id, int) or isinstance(client_id, bool) or not 0 < client_id < 2**31:
        return None
    client = db.get(Client, client_id)
    if client is None or client.practice_id != me.practice_id or client.counselor_id != me.user_id:
        return None
    return client


def post(db: Session, client: Client, sender_kind: str, sender_id: int, raw_body, ip: str = "") -> SecureMessage:
    """Add a message to the thread of this client and their counselor (the caller has checked who is asking)."""
    if not enabled(db, client):
        raise MessageError(MESSAGES_OFF)
    body = clean_body(raw_body)
    counselor_id = client.counselor_id
    message = SecureMessage(
        practice_id=client.practice_id,
        client_id=client.id,
        counselor_id=counselor_id,
        sender_kind=sender_kind,
        sender_id=sender_id,
        body_enc=vault.seal_text(body, _thread(client.id, counselor_id)),
    )
    db.add(message)
    db.flush()
    audit.record(
        db,
        "message.sent",
        actor_kind=sender_kind,
        actor_id=sender_id,
        object_type="client",
        object_id=client.id,
        ip=ip,
        message=message.id,
        chars=len(body),
    )
    if sender_kind == "staff":
        _notify_client(db, client, message)
    return message


def _notify_client(db: Session, client: Client, message: SecureMessage) -> None:
    earlier_unread = db.exec(
        select(SecureMessage.id).where(
            SecureMessage.client_id == client.id,
            SecureMessage.counselor_id == message.counselor_id,
            SecureMessage.sender_kind == "staff",
            SecureMessage.read_at.is_(None),
            SecureMessage.id != message.id,
        )
    ).first()
    if earlier_unread is not None:
        return  # the client has been told already and has not been back yet
    settings = settings_of(db, client.counselor_id)
    practice = db.get(Practice, client.practice_id)
    context = {
        "subject": f"New secure message from {practice.name}",
        "practice_name": practice.name,
        "practice_phone": "",
        "first_name": client.first_name,
        "portal_url": portal_url(),
    }
    if settings.notify_email and client.email:
        notify.enqueue(
            db,
            practice_id=practice.id,
            channel=Channel.email,
            kind="message_notice",
            recipient=client.email,
            subject=context["subject"],
            body_text=render("email/message_notice.txt.j2", **context),
            body_html=render("email/message_notice.html.j2", **context),
            client_id=client.id,
        )
    if settings.notify_sms and client.mobile_e164:
        notify.enqueue(
            db,
            practice_id=practice.id,
            channel=Channel.sms,
            kind="message_notice",
            recipient=client.mobile_e164,
            body_text=render("sms/message_notice.txt.j2", **context).strip(),
            client_id=client.id,
        )


def read_thread(
    db: Session, client: Client, reader_kind: str, reader_id: int, ip: str = "", now: datetime | None = None
) -> list[MessageView]:
    """The newest messages of the thread, oldest first, decrypted; what the reader had not seen is marked read.
    The read is audited."""
    now = now or utcnow()
    counselor_id = client.counselor_id
    rows = list(
        db.exec(
            select(SecureMessage)
            .where(SecureMessage.client_id == client.id, SecureMessage.counselor_id == counselor_id)
            .order_by(SecureMessage.id.desc())
            .limit(PAGE)
        ).all()
    )
    rows.reverse()
    context = _thread(client.id, counselor_id)
    views = []
    for row in rows:
        try:
            body = vault.open_text(row.body_enc, context)
        except vault.Undecryptable:
            body = UNREADABLE
        incoming = row.sender_kind != reader_kind
        if incoming and row.read_at is None:
            row.read_at = now
            db.add(row)
        views.append(MessageView(row.id, not incoming, body, row.created_at, row.read_at is not None))
    if rows:
        # Older messages than the page shows count as seen too, or the unread count would never reach 0.
        db.exec(
            update(SecureMessage)
            .where(
                SecureMessage.client_id == client.id,
                SecureMessage.counselor_id == counselor_id,
                SecureMessage.sender_kind != reader_kind,
                SecureMessage.read_at.is_(None),
                SecureMessage.id < rows[0].id,
            )
            .values(read_at=now)
        )
        audit.record(
            db,
            "messages.read",
            actor_kind=reader_kind,
            actor_id=reader_id,
            object_type="client",
            object_id=client.id,
            ip=ip,
            count=len(rows),
            last=rows[-1].id,
        )
    return views


def latest_id(db: Session, client: Client) -> int:
    """The newest message id of the thread (0 for none): cheap, so a page can poll it."""
    return (
        db.exec(
            select(func.max(SecureMessage.id)).where(
                SecureMessage.client_id == client.id, SecureMessage.counselor_id == client.counselor_id
            )
        ).one()
        or 0
    )


def unread_for_client(db: Session, client: Client) -> int:
    return db.exec(
        select(func.count()).where(
            SecureMessage.client_id == client.id,
            SecureMessage.counselor_id == client.counselor_id,
            SecureMessage.sender_kind == "staff",
            SecureMessage.read_at.is_(None),
        )
    ).one()


@dataclass(frozen=True)
class ThreadSummary:
    client_id: int
    name: str
    unread: int
    last_at: datetime


def inbox(db: Session, me: StaffIdentity, limit: int = 100) -> list[ThreadSummary]:
    """The counselor's threads with their own current clients, newest first, with unread counts. No text:
    listing who wrote is not reading what they wrote."""
    unread = func.sum(case((and_(SecureMessage.sender_kind == "client", SecureMessage.read_at.is_(None)), 1), else_=0))
    rows = db.exec(
        select(Client.id, Client.first_name, Client.last_name, unread, func.max(SecureMessage.created_at))
        .join(Client, Client.id == SecureMessage.client_id)
        .where(
            SecureMessage.counselor_id == me.user_id,
            Client.counselor_id == me.user_id,
            Client.practice_id == me.practice_id,
        )
        .group_by(Client.id, Client.first_name, Client.last_name)
        .order_by(func.max(SecureMessage.created_at).desc())
        .limit(limit)
    ).all()
    return [ThreadSummary(cid, f"{first} {last}", int(n or 0), at) for cid, first, last, n, at in rows]


def unread_total(db: Session, me: StaffIdentity) -> int:
    return db.exec(
        select(func.count())
        .select_from(SecureMessage)
        .join(Client, Client.id == SecureMessage.client_id)
        .where(
            SecureMessage.counselor_id == me.user_id,
            Client.counselor_id == me.user_id,
            SecureMessage.sender_kind == "client",
            SecureMessage.read_at.is_(None),
        )
    ).one()


def counselor_name(db: Session, client: Client) -> str:
    counselor = db.get(User, client.counselor_id) if client.counselor_id else None
    return counselor.full_name if counselor else ""
