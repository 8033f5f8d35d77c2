"""Small builders for test data."""

from __future__ import annotations

from sqlmodel import Session

from therapy_portal.models import PortalSettings, Practice, Role, User
from therapy_portal.services import accounts

PASSWORD = "correct horse battery"


def practice(db: Session, name: str = "Test Practice", tz: str = "America/Chicago") -> Practice:
    p = Practice(name=name, time_zone=tz)
    db.add(p)
    db.flush()
    return p


def staff(
    db: Session, p: Practice, email: str = "c@example.com", role: Role = Role.counselor, password: str = PASSWORD
) -> User:
    user = accounts.create_user(
        db, p.id, email, email.split("@")[0].title(), password, role=role, is_clinician=role != Role.front_desk
    )
    if user.is_clinician:
        db.add(PortalSettings(counselor_id=user.id))
    db.flush()
    return user
