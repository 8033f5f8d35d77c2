"""The notification outbox: messages written with the change that causes them, delivered by a worker.

Delivery is at most once. A worker claims one message atomically (SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL; a single UPDATE … RETURNING under SQLite's write lock), marks it `sending`, and commits the
claim before it talks to the mail or SMS server. On success the message is `sent`; on a failure the
server reported, it waits for its next attempt with exponential back-off; after MAX_ATTEMPTS it is
`failed`. A message left `sending` by a worker that died mid-delivery may or may not have gone out, so
it is never retried by itself: it becomes `failed` for an admin to look at and retry on the Outbox page.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol

import httpx
from sqlalchemy import text
from sqlmodel import Session, select

from ..db import write_transaction
from ..models import Channel, OutboxMessage, OutboxStatus, utcnow
from ..settings import Settings, get_settings
from . import audit
from .secrets import seal, unseal

MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
STALE_CLAIM = timedelta(minutes=10)
SECRET_PLACEHOLDER = "\u2063PIN\u2063"  # noqa: S105 (a placeholder: invisible separators cannot collide with text)
REDACTED = "••••••"


class DeliveryError(Exception):
    """The server refused or could not be reached; worth another attempt later."""


class Transport(Protocol):
    name: str

    def send(self, message: OutboxMessage, text_body: str, html_body: str) -> None: ...


def enqueue(
    db: Session,
    *,
    practice_id: int,
    channel: Channel,
    kind: str,
    recipient: str,
    subject: str = "",
    body_text: str,
    body_html: str = "",
    client_id: int | None = None,
    secret: str = "",
) -> OutboxMessage:
    """Add a message to the outbox in the caller's transaction: it exists exactly when the change does.

    A `secret` (a new PIN) is kept sealed and goes where SECRET_PLACEHOLDER stands in the bodies.
    """
    message = OutboxMessage(
        practice_id=practice_id,
        channel=channel,
        kind=kind,
        recipient=recipient,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        client_id=client_id,
        secret_enc=seal(secret),
    )
    db.add(message)
    db.flush()
    return message


def backoff(attempts: int) -> timedelta:
    return min(BASE_DELAY * (2 ** min(max(attempts - 1, 0), 20)), MAX_DELAY)


def claim_next(worker_id: str, now: datetime | None = None) -> int | None:
    """Atomically take the oldest due message for this worker; None when there is none."""
    now = now or utcnow()
    with write_transaction() as db:
        if db.get_bind().dialect.name == "postgresql":
            row = db.execute(
                text(
                    "SELECT id FROM outboxmessage WHERE status = 'pending' AND next_attempt_at <= :now "
                    "ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED"
                ),
                {"now": now},
            ).first()
            if row is None:
                return None
            db.execute(
                text("UPDATE outboxmessage SET status = 'sending', claimed_by = :w, claimed_at = :now WHERE id = :id"),
                {"w": worker_id, "now": now, "id": row[0]},
            )
            return row[0]
        # SQLite keeps naive UTC text with microseconds (see models/types.py); compare in the same form.
        stamp = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        row = db.execute(
            text(
                "UPDATE outboxmessage SET status = 'sending', claimed_by = :w, claimed_at = :now WHERE id = ("
                "SELECT id FROM outboxmessage WHERE status = 'pending' AND next_attempt_at <= :now "
                "ORDER BY next_attempt_at, id LIMIT 1) AND status = 'pending' RETURNING id"
            ),
            {"w": worker_id, "now": stamp},
        ).first()
        return row[0] if row else None


def _fill(body: str, secret: str) -> str:
    return body.replace(SECRET_PLACEHOLDER, secret) if secret else body


def redacted(body: str) -> str:
    """A body as an admin may see it: any secret it carried shown as dots."""
    return body.replace(SECRET_PLACEHOLDER, REDACTED)


def deliver(message_id: int, transport_for, now: datetime | None = None) -> OutboxStatus:
    """Send one claimed message and record the outcome."""
    with write_transaction() as db:
        message = db.get(OutboxMessage, message_id)
        if message is None or message.status != OutboxStatus.sending:
            return OutboxStatus(message.status) if message else OutboxStatus.failed
        db.expunge(message)
    transport = transport_for(Channel(message.channel))
    secret = unseal(message.secret_enc)
    error, final = "", False
    if message.secret_enc and not secret:
        # Sent without its PIN the message would be useless and misleading: stop here for good.
        error, final = (
            "The PIN in this message can no longer be unsealed (the secret key changed). Set a new PIN and send again.",
            True,
        )
    else:
        try:
            transport.send(message, _fill(message.body_text, secret), _fill(message.body_html, secret))
        except DeliveryError as failure:
            error = str(failure)[:1000] or failure.__class__.__name__
        except Exception as failure:  # a bug in a transport must not stop the worker; keep the message
            error = f"{failure.__class__.__name__}: {failure}"[:1000]
    now = now or utcnow()
    with write_transaction() as db:
        row = db.get(OutboxMessage, message_id)
        row.attempts += 1
        row.transport = transport.name
        row.claimed_by = ""
        if not error:
            row.status = OutboxStatus.sent
            row.sent_at = now
            row.last_error = ""
            row.secret_enc = ""  # delivered: the secret has no reason to stay
        elif row.status != OutboxStatus.sending:
            # Declared stale while this worker was still trying: it stays with the admin's decision.
            row.last_error = error
        elif final or row.attempts >= MAX_ATTEMPTS:
            row.status = OutboxStatus.failed
            row.last_error = error
        else:
            row.status = OutboxStatus.pending
            row.last_error = error
            row.next_attempt_at = now + backoff(row.attempts)
        db.add(row)
        return OutboxStatus(row.status)


def fail_stale_claims(now: datetime | None = None) -> int:
    """Messages a dead worker left mid-delivery: maybe sent, maybe not; an admin decides."""
    now = now or utcnow()
    with write_transaction() as db:
        stale = db.exec(
            select(OutboxMessage).where(
                OutboxMessage.status == OutboxStatus.sending, OutboxMessage.claimed_at < now - STALE_CLAIM
            )
        ).all()
        for row in stale:
            row.status = OutboxStatus.failed
            row.last_error = "Delivery was interrupted; it may or may not have arrived. Retry to send it again."
            db.add(row)
        return len(stale)


def run_once(worker_id: str, transport_for, limit: int = 50, now: datetime | None = None) -> int:
    """Deliver up to `limit` due messages; returns how many were attempted."""
    done = 0
    while done < limit:
        message_id = claim_next(worker_id, now)
        if message_id is None:
            break
        deliver(message_id, transport_for, now)
        done += 1
    return done


def retry(db: Session, message_id: int, practice_id: int, actor_id: int, ip: str = "") -> bool:
    """An admin sends a failed message again."""
    row = db.get(OutboxMessage, message_id)
    if row is None or row.practice_id != practice_id or row.status != OutboxStatus.failed:
        return False
    row.status = OutboxStatus.pending
    row.attempts = 0
    row.next_attempt_at = utcnow()
    db.add(row)
    audit.record(
        db, "outbox.retried", actor_kind="staff", actor_id=actor_id, object_type="outbox", object_id=row.id, ip=ip
    )
    return True


def new_worker_id() -> str:
    return f"{socket.gethostname()[:30]}-{uuid.uuid4().hex[:8]}"


# ---- transports ---------------------------------------------------------------------------------


@dataclass
class SmtpTransport:
    host: str
    port: int
    tls: str  # starttls, ssl or none
    user: str
    password: str
    sender: str
    sender_name: str = ""
    timeout: float = 20.0
    name: str = "smtp"

    def send(self, message: OutboxMessage, text_body: str, html_body: str) -> None:
        email = EmailMessage()
        email["From"] = formataddr((self.sender_name, self.sender)) if self.sender_name else self.sender
        email["To"] = message.recipient
        email["Subject"] = message.subject
        email["Message-ID"] = make_msgid(idstring=f"outbox{message.id}")
        email.set_content(text_body)
        if html_body:
            email.add_alternative(html_body, subtype="html")
        try:
            if self.tls == "ssl":
                client = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.tls == "starttls":
                    client.starttls(context=ssl.create_default_context())
                if self.user:
                    client.login(self.user, self.password)
                client.send_message(email)
        except (OSError, smtplib.SMTPException) as failure:
            raise DeliveryError(f"SMTP: {failure}") from None


@dataclass
class HttpSmsTransport:
    """An SMS provider with Twilio's REST shape: POST form fields To, From, Body with basic auth."""

    account: str
    token: str
    sender: str
    base_url: str
    timeout: float = 15.0
    name: str = "sms-http"

    def send(self, message: OutboxMessage, text_body: str, html_body: str) -> None:
        url = f"{self.base_url.rstrip('/')}/2010-04-01/Accounts/{self.account}/Messages.json"
        try:
            response = httpx.post(
                url,
                data={"To": message.recipient, "From": self.sender, "Body": text_body},
                auth=(self.account, self.token),
                timeout=self.timeout,
            )
        except httpx.HTTPError as failure:
            raise DeliveryError(f"SMS provider unreachable: {failure}") from None
        if response.status_code >= 300:
            raise DeliveryError(f"SMS provider answered {response.status_code}: {response.text[:300]}")


@dataclass
class RecordingTransport:
    """Delivers nowhere: the message stays in the outbox as sent, for the demo's Outbox page."""

    name: str = "record"

    def send(self, message: OutboxMessage, text_body: str, html_body: str) -> None:
        return None


def transports_from_settings(settings: Settings | None = None, practice_name: str = ""):
    settings = settings or get_settings()
    email: Transport = (
        SmtpTransport(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_tls,
            settings.smtp_user,
            settings.smtp_password,
            settings.mail_from,
            practice_name,
        )
        if settings.email_transport == "smtp"
        else RecordingTransport()
    )
    sms: Transport = (
        HttpSmsTransport(settings.sms_account, settings.sms_token, settings.sms_from, settings.sms_base_url)
        if settings.sms_transport == "http"
        else RecordingTransport()
    )
    return lambda channel: email if channel == Channel.email else sms
