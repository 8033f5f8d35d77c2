"""Client portal PINs: the weak ones refused with the reason, the rest kept only as a peppered argon2id hash."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from ..models import Client, ClientSession, utcnow
from . import audit
from .secrets import pin_pepper

MIN_LENGTH, MAX_LENGTH = 4, 8
GENERATED_LENGTH = 6
_hasher = PasswordHasher()

COMMON = frozenset(
    {
        "1234",
        "12345",
        "123456",
        "1234567",
        "12345678",
        "4321",
        "654321",
        "1212",
        "6969",
        "2580",
        "1122",
        "112233",
        "121212",
        "123123",
        "1004",
        "2000",
        "0852",
        "147258",
        "159753",
    }
)


def weakness(pin: str, date_of_birth: date | None = None) -> str | None:
    """Why a PIN is refused, or None when it is acceptable."""
    if not pin.isdigit() or not pin.isascii():
        return "A PIN is digits only."
    if not MIN_LENGTH <= len(pin) <= MAX_LENGTH:
        return f"A PIN has {MIN_LENGTH} to {MAX_LENGTH} digits."
    if len(set(pin)) == 1:
        return "A PIN of one repeated digit is too easy to guess."
    steps = {(int(b) - int(a)) % 10 for a, b in zip(pin, pin[1:], strict=False)}
    if steps in ({1}, {9}):
        return "A run of digits (like 1234 or 9876) is too easy to guess."
    if pin in COMMON:
        return "That PIN is one of the most commonly used; choose another."
    half = len(pin) // 2
    if len(pin) % 2 == 0 and pin[:half] == pin[half:]:
        return "A PIN that repeats itself (like 1212) is too easy to guess."
    if date_of_birth is not None:
        d = date_of_birth
        derived = {
            f"{d:%m%d}",
            f"{d:%d%m}",
            f"{d.year}",
            f"{d:%m%d%y}",
            f"{d:%d%m%y}",
            f"{d:%m%d%Y}",
            f"{d:%d%m%Y}",
            f"{d:%Y%m%d}",
            f"{d:%y%m%d}",
            f"{d:%m%y}",
            f"{d:%y%m}",
        }
        if pin in derived:
            return "A PIN made from the date of birth is too easy to guess."
    return None


def generate(date_of_birth: date | None = None) -> str:
    while True:
        pin = "".join(secrets.choice("0123456789") for _ in range(GENERATED_LENGTH))
        if weakness(pin, date_of_birth) is None:
            return pin


def _peppered(pin: str) -> str:
    return hmac.new(pin_pepper(), pin.encode(), hashlib.sha256).hexdigest()


def hash_pin(pin: str) -> str:
    return _hasher.hash(_peppered(pin))


def verify_pin(stored_hash: str, pin: str) -> bool:
    try:
        return bool(stored_hash) and _hasher.verify(stored_hash, _peppered(pin))
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


NAMESAKE_CLASH = (
    "Another client with the same last name and date of birth uses this PIN, so sign-in could not tell them "
    "apart. Choose another PIN."
)


def namesake_clash(db: Session, client: Client, pin: str) -> str | None:
    """Clients who share a last name and a date of birth (twins) are told apart at sign-in by their PINs."""
    namesakes = db.exec(
        select(Client.pin_hash).where(
            Client.last_name_key == client.last_name_key,
            Client.date_of_birth == client.date_of_birth,
            Client.id != client.id,
            Client.active,
            Client.pin_hash != "",
        )
    ).all()
    return NAMESAKE_CLASH if any(verify_pin(h, pin) for h in namesakes) else None


def set_pin(db: Session, client: Client, pin: str, actor_id: int, ip: str = "") -> int:
    """Store a new PIN for a client and end their open portal sessions. Returns how many were ended.

    The caller has checked `weakness` and that the actor may change this client.
    """
    now = utcnow()
    client.pin_hash = hash_pin(pin)
    client.pin_set_at = now
    client.updated_at = now
    db.add(client)
    open_sessions = db.exec(
        select(ClientSession).where(ClientSession.client_id == client.id, ClientSession.revoked_at.is_(None))
    ).all()
    for row in open_sessions:
        row.revoked_at = now
        db.add(row)
    audit.record(
        db,
        "client.pin_set",
        actor_kind="staff",
        actor_id=actor_id,
        object_type="client",
        object_id=client.id,
        ip=ip,
        sessions_ended=len(open_sessions),
    )
    return len(open_sessions)
