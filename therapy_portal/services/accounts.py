"""Counselor (staff) sign-in: argon2id passwords and server-side sessions.

A session is begun by a successful sign-in, which yields a one-time handoff code. The browser trades
the code at /api/session/adopt for the real token, which lives only in an HttpOnly cookie. The server
only ever keeps the token's SHA-256 digest: in the database, and in the app's own state (the cookie is
digested at the edge, see session_cookie.py), so neither a database copy nor the Redis state store
holds anything that opens a session. Sessions end after 30 idle minutes, 12 hours at most, or on sign-out.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from ..models import Practice, Role, StaffSession, User, utcnow
from . import audit

IDLE_TIMEOUT = timedelta(minutes=30)
ABSOLUTE_TIMEOUT = timedelta(hours=12)
HANDOFF_TIMEOUT = timedelta(seconds=60)
# Writing last_seen on every event would turn every click into a write; a minute's slack is harmless.
TOUCH_INTERVAL = timedelta(seconds=60)
SIGN_IN_FAILED = "The email or password is not correct."
COOKIE_NAME = "tp_staff"

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


@dataclass(frozen=True)
class StaffIdentity:
    user_id: int
    practice_id: int
    role: Role
    full_name: str
    email: str
    is_clinician: bool
    practice_name: str

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def sees_all_counselors(self) -> bool:
        return self.role in (Role.admin, Role.front_desk)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def _verify(stored_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


_digest = token_digest


def normalize_email(email: str) -> str:
    return email.strip().lower()


def authenticate(db: Session, email: str, password: str, ip: str = "") -> User | None:
    """The active user with this email and password, or None. Always does one hash verification."""
    email = normalize_email(email or "")[:254]
    password = (password or "")[:1024]
    user = db.exec(select(User).where(User.email == email)).first() if email else None
    ok = _verify(user.password_hash if user else _DUMMY_HASH, password)
    if user is None or not ok or not user.active:
        audit.record(
            db,
            "staff.sign_in_failed",
            actor_kind="anonymous",
            actor_id=None,
            object_type="user",
            object_id=user.id if user else None,
            ip=ip,
            email=email,
        )
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_sign_in_at = utcnow()
    db.add(user)
    audit.record(
        db, "staff.signed_in", actor_kind="staff", actor_id=user.id, object_type="user", object_id=user.id, ip=ip
    )
    return user


def begin_session(db: Session, user: User, ip: str = "", now: datetime | None = None) -> str:
    """Create a session for a user who just signed in; returns the one-time handoff code."""
    now = now or utcnow()
    code = secrets.token_urlsafe(32)
    db.add(
        StaffSession(
            user_id=user.id,
            handoff_hash=_digest(code),
            handoff_expires_at=now + HANDOFF_TIMEOUT,
            created_at=now,
            last_seen_at=now,
            expires_at=now + ABSOLUTE_TIMEOUT,
            ip=ip[:64],
        )
    )
    return code


def adopt_handoff(db: Session, code: str, now: datetime | None = None) -> str | None:
    """Trade a handoff code, once, for the session token (256 random bits)."""
    now = now or utcnow()
    if not code or len(code) > 128:
        return None
    row = db.exec(select(StaffSession).where(StaffSession.handoff_hash == _digest(code))).first()
    if row is None:
        return None
    row.handoff_hash = None
    if row.revoked_at or row.handoff_expires_at is None or row.handoff_expires_at < now:
        db.add(row)
        return None
    token = secrets.token_urlsafe(32)
    row.token_hash = _digest(token)
    row.handoff_expires_at = None
    row.last_seen_at = now
    db.add(row)
    return token


def _live_session(db: Session, digest: str, now: datetime) -> StaffSession | None:
    if not digest or len(digest) != 64:
        return None
    row = db.exec(select(StaffSession).where(StaffSession.token_hash == digest)).first()
    if row is None or row.revoked_at is not None:
        return None
    if now >= row.expires_at or now - row.last_seen_at >= IDLE_TIMEOUT:
        return None
    # Constant-time compare guards against a collation that matched loosely (it never should).
    if not hmac.compare_digest(row.token_hash or "", digest):
        return None
    return row


def resolve_session(db: Session, digest: str, now: datetime | None = None, touch: bool = True) -> StaffIdentity | None:
    """Who holds the token with this digest, or None when it is unknown, revoked, idle too long or too old.

    `touch=False` for a page's own polling (new messages), which must not keep an idle session alive."""
    now = now or utcnow()
    row = _live_session(db, digest, now)
    if row is None:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.active:
        return None
    if touch and now - row.last_seen_at >= TOUCH_INTERVAL:
        row.last_seen_at = now
        db.add(row)
    practice = db.get(Practice, user.practice_id)
    return StaffIdentity(
        user_id=user.id,
        practice_id=user.practice_id,
        role=Role(user.role),
        full_name=user.full_name,
        email=user.email,
        is_clinician=user.is_clinician,
        practice_name=practice.name if practice else "",
    )


def end_session(db: Session, digest: str, ip: str = "", now: datetime | None = None) -> bool:
    """Revoke the session on the server. Returns whether a live session was ended."""
    now = now or utcnow()
    row = _live_session(db, digest, now)
    if row is None:
        return False
    row.revoked_at = now
    db.add(row)
    audit.record(
        db,
        "staff.signed_out",
        actor_kind="staff",
        actor_id=row.user_id,
        object_type="user",
        object_id=row.user_id,
        ip=ip,
    )
    return True


def revoke_all_for_user(db: Session, user_id: int, now: datetime | None = None) -> int:
    now = now or utcnow()
    rows = db.exec(select(StaffSession).where(StaffSession.user_id == user_id, StaffSession.revoked_at.is_(None))).all()
    for row in rows:
        row.revoked_at = now
        db.add(row)
    return len(rows)


def create_user(
    db: Session,
    practice_id: int,
    email: str,
    full_name: str,
    password: str,
    role: Role = Role.counselor,
    is_clinician: bool = True,
) -> User:
    if len(password) < 10:
        raise ValueError("A password needs at least 10 characters.")
    user = User(
        practice_id=practice_id,
        email=normalize_email(email),
        full_name=full_name.strip(),
        password_hash=hash_password(password),
        role=role,
        is_clinician=is_clinician,
    )
    db.add(user)
    db.flush()
    return user
