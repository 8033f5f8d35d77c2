"""Who may see and change which counselor's calendar and settings."""

from __future__ import annotations

from sqlmodel import Session, select

from ..models import User
from .accounts import StaffIdentity


def visible_counselors(db: Session, me: StaffIdentity) -> list[User]:
    """Counselors whose calendar this user may see: everyone's for admin and front desk, else their own."""
    query = (
        select(User).where(User.practice_id == me.practice_id, User.is_clinician, User.active).order_by(User.full_name)
    )
    if not me.sees_all_counselors:
        query = query.where(User.id == me.user_id)
    return list(db.exec(query).all())


def may_view_calendar(db: Session, me: StaffIdentity, counselor_id: int) -> bool:
    return any(c.id == counselor_id for c in visible_counselors(db, me))


def may_edit_settings(db: Session, me: StaffIdentity, counselor_id: int) -> bool:
    """An admin may edit any counselor's Portal Settings in the practice; a counselor only their own."""
    counselor = db.get(User, counselor_id)
    if counselor is None or counselor.practice_id != me.practice_id or not counselor.is_clinician:
        return False
    return me.is_admin or me.user_id == counselor_id
