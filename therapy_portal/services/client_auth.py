"""Client portal sign-in: last name, date of birth and PIN, resistant to guessing.

- Five failures in a row lock a client for 30 minutes (a counselor can unlock sooner).
- At most 20 failures per network address in 15 minutes.
- Failures spread across many clients in a short time (one PIN tried against many people) raise a
  practice-wide alarm in the audit log, shown to admins.
- Every failure looks the same from outside: the same message, and the same work. Each attempt does
  exactly VERIFICATIONS hash verifications whatever happens (dummy ones make up the number), so the
  time taken tells nothing about whether a client exists, is locked, or shares a birthday with a twin.

Sessions work as on the staff side (see accounts.py): a one-time handoff code moves a new session into
an HttpOnly cookie; the server keeps only the token's digest. They end after 15 idle minutes, 12 hours
at most, on sign-out, or when the client's PIN is reset.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from ..models import AuditEvent, Client, ClientSession, LoginFailure, utcnow
from . import audit, pins
from .names import clean_text, fold

FAILED = "We couldn't sign you in with those details. Check them and try again, or contact the office."
LOCK_AFTER = 5
LOCK_FOR = timedelta(minutes=30)
IP_LIMIT = 20
IP_WINDOW = timedelta(minutes=15)
SPRAY_CLIENTS = 10
SPRAY_WINDOW = timedelta(minutes=15)
# Hash verifications per attempt, whatever happens: also how many clients may share a last name and a
# date of birth (twins, triplets) and each still sign in.
VERIFICATIONS = 3
IDLE_TIMEOUT = timedelta(minutes=15)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
HANDOFF_TIMEOUT = timedelta(seconds=60)
TOUCH_INTERVAL = timedelta(seconds=30)
COOKIE_NAME = "tp_client"
_dummy_hash: str | None = None


def _dummy() -> str:
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = pins.hash_pin(secrets.token_hex(8))
    return _dummy_hash


@dataclass(frozen=True)
class ClientIdentity:
    client_id: int
    practice_id: int
    counselor_id: int | None
    first_name: str
    last_name: str


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# On a phone people type "OBrien", "Smith Jones" or "DeLuca": the sign-in ignores apostrophes, hyphens and
# spaces in the last name as well as case and accents. The date of birth narrows the rows to compare.
_IGNORED = ("'", "-", " ")


def _compact(key: str) -> str:
    for ch in _IGNORED:
        key = key.replace(ch, "")
    return key


def _compact_column(column):
    for ch in _IGNORED:
        column = func.replace(column, ch, "")
    return column


def _is_locked(client: Client, now: datetime) -> bool:
    return client.locked_until is not None and client.locked_until > now


def authenticate(
    db: Session, last_name: str, date_of_birth: date | None, pin: str, ip: str = "", now: datetime | None = None
) -> Client | None:
    """The client these details open, or None (and the failure is counted). Always VERIFICATIONS hashes."""
    now = now or utcnow()
    ip = clean_text(ip)[:64]  # as LoginFailure stores it, so the throttle counts what was stored
    key = _compact(fold(clean_text(last_name))[:100])
    pin = clean_text(pin)[:16]
    candidates: list[Client] = []
    if key and date_of_birth is not None:
        candidates = list(
            db.exec(
                select(Client)
                .where(
                    _compact_column(Client.last_name_key) == key,
                    Client.date_of_birth == date_of_birth,
                    Client.active,
                    Client.pin_hash != "",
                )
                .order_by(Client.id)
                .limit(VERIFICATIONS)
            ).all()
        )
    throttled = (
        db.exec(
            select(func.count())
            .select_from(LoginFailure)
            .where(LoginFailure.ip == ip, LoginFailure.at > now - IP_WINDOW)
        ).one()
        >= IP_LIMIT
    )

    matched: Client | None = None
    for i in range(VERIFICATIONS):
        client = candidates[i] if i < len(candidates) else None
        ok = pins.verify_pin(client.pin_hash if client else _dummy(), pin)
        if client is not None and ok and matched is None:
            matched = client

    if matched is not None and not throttled and not _is_locked(matched, now):
        matched.failed_pin_attempts = 0
        matched.locked_until = None
        db.add(matched)
        audit.record(
            db,
            "portal.signed_in",
            actor_kind="client",
            actor_id=matched.id,
            object_type="client",
            object_id=matched.id,
            ip=ip,
        )
        return matched

    _record_failure(db, candidates, matched, ip, now, throttled)
    return None


def _record_failure(
    db: Session, candidates: list[Client], matched: Client | None, ip: str, now: datetime, throttled: bool
) -> None:
    # The failure counts against each person these details name whose PIN this was not. The right PIN
    # refused only because of a lock or a throttled address is no strike against its owner.
    for client in candidates:
        if _is_locked(client, now):
            continue
        if client.locked_until is not None:  # the lock has run out: a fresh start
            client.locked_until, client.failed_pin_attempts = None, 0
        if client is matched:
            continue
        client.failed_pin_attempts += 1
        if client.failed_pin_attempts >= LOCK_AFTER:
            client.locked_until = now + LOCK_FOR
            audit.record(
                db, "portal.client_locked", actor_kind="system", object_type="client", object_id=client.id, ip=ip
            )
        db.add(client)
    target = candidates[0].id if candidates else None
    db.add(LoginFailure(at=now, ip=ip[:64], client_id=target))
    audit.record(
        db,
        "portal.sign_in_failed",
        actor_kind="anonymous",
        object_type="client",
        object_id=target,
        ip=ip,
        throttled=throttled,
    )
    db.flush()
    _check_spray(db, now, ip)


def _check_spray(db: Session, now: datetime, ip: str) -> None:
    """Many different clients failing at once is one person trying a PIN against many people."""
    distinct = db.exec(
        select(func.count(func.distinct(LoginFailure.client_id))).where(
            LoginFailure.at > now - SPRAY_WINDOW, LoginFailure.client_id.is_not(None)
        )
    ).one()
    if distinct < SPRAY_CLIENTS:
        return
    recent_alarm = db.exec(
        select(AuditEvent.id).where(AuditEvent.action == "portal.spray_alarm", AuditEvent.at > now - SPRAY_WINDOW)
    ).first()
    if recent_alarm is None:
        alarm = audit.record(
            db,
            "portal.spray_alarm",
            actor_kind="system",
            ip=ip,
            clients=distinct,
            window_minutes=int(SPRAY_WINDOW.total_seconds() // 60),
        )
        alarm.at = now  # on the failures' clock: the check above and recent_alarms() compare it with `now`


def unlock(db: Session, client: Client, actor_id: int, ip: str = "") -> None:
    client.locked_until, client.failed_pin_attempts = None, 0
    db.add(client)
    audit.record(
        db,
        "portal.client_unlocked",
        actor_kind="staff",
        actor_id=actor_id,
        object_type="client",
        object_id=client.id,
        ip=ip,
    )


def is_locked(client: Client, now: datetime | None = None) -> bool:
    return _is_locked(client, now or utcnow())


def recent_alarms(db: Session, now: datetime | None = None, within: timedelta = timedelta(days=1)) -> list[AuditEvent]:
    now = now or utcnow()
    return list(
        db.exec(
            select(AuditEvent)
            .where(AuditEvent.action == "portal.spray_alarm", AuditEvent.at > now - within)
            .order_by(AuditEvent.at.desc())
        ).all()
    )


def alarm_detail(event: AuditEvent) -> dict:
    try:
        detail = json.loads(event.detail or "{}")
    except ValueError:
        detail = {}
    return {"clients": int(detail.get("clients", 0)), "window_minutes": int(detail.get("window_minutes", 0))}


# ---- sessions ------------------------------------------------------------------------------------


def begin_session(db: Session, client: Client, ip: str = "", now: datetime | None = None) -> str:
    now = now or utcnow()
    code = secrets.token_urlsafe(32)
    db.add(
        ClientSession(
            client_id=client.id,
            handoff_hash=token_digest(code),
            handoff_expires_at=now + HANDOFF_TIMEOUT,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
            ip=ip[:64],
        )
    )
    return code


def adopt_handoff(db: Session, code: str, now: datetime | None = None) -> str | None:
    now = now or utcnow()
    if not code or len(code) > 128:
        return None
    row = db.exec(select(ClientSession).where(ClientSession.handoff_hash == token_digest(code))).first()
    if row is None:
        return None
    row.handoff_hash = None
    if row.revoked_at or row.handoff_expires_at is None or row.handoff_expires_at < now:
        db.add(row)
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash, row.handoff_expires_at, row.last_seen_at = token_digest(token), None, now
    db.add(row)
    return token


def _live(db: Session, digest: str, now: datetime) -> ClientSession | None:
    if not digest or len(digest) != 64:
        return None
    row = db.exec(select(ClientSession).where(ClientSession.token_hash == digest)).first()
    if row is None or row.revoked_at is not None or now - row.last_seen_at >= IDLE_TIMEOUT:
        return None
    if row.expires_at is not None and now >= row.expires_at:
        return None
    return row


def resolve_session(db: Session, digest: str, now: datetime | None = None, touch: bool = True) -> ClientIdentity | None:
    """The client this session belongs to; `touch=False` (a page polling for news) leaves the idle clock alone."""
    now = now or utcnow()
    row = _live(db, digest, now)
    if row is None:
        return None
    client = db.get(Client, row.client_id)
    if client is None or not client.active:
        return None
    if touch and now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.add(row)
    return ClientIdentity(client.id, client.practice_id, client.counselor_id, client.first_name, client.last_name)


def end_session(db: Session, digest: str, ip: str = "", now: datetime | None = None) -> bool:
    now = now or utcnow()
    row = _live(db, digest, now)
    if row is None:
        return False
    row.revoked_at = now
    db.add(row)
    audit.record(
        db,
        "portal.signed_out",
        actor_kind="client",
        actor_id=row.client_id,
        object_type="client",
        object_id=row.client_id,
        ip=ip,
    )
    return True
