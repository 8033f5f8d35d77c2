"""The client portal invitation (SPEC 1.3): the seed's email, with the practice's name, the client's first
name, the new PIN, the portal address and the login instructions."""

from __future__ import annotations

from sqlmodel import Session

from ..models import Channel, Client, Practice, utcnow
from ..settings import get_settings
from . import audit, notify
from .clients import display_mobile
from .templates import render

SUBJECT = "Your invitation to the {practice} client portal"


def portal_url() -> str:
    return get_settings().public_url.rstrip("/") + "/portal"


def compose(practice: Practice, client: Client, pin: str) -> tuple[str, str, str]:
    """Subject, plain text and HTML of the invitation."""
    context = {
        "subject": SUBJECT.format(practice=practice.name),
        "practice_name": practice.name,
        "practice_phone": display_mobile(practice.phone) if practice.phone.startswith("+") else practice.phone,
        "first_name": client.first_name,
        "pin": pin,
        "portal_url": portal_url(),
    }
    return (
        context["subject"],
        render("email/invitation.txt.j2", **context),
        render("email/invitation.html.j2", **context),
    )


def send(db: Session, client: Client, pin: str, actor_id: int, ip: str = "") -> str | None:
    """Queue the invitation with the PIN just set. Returns a message for the counselor when it cannot go."""
    if not client.email:
        return "This client has no email address on file. Add one on the Details tab, then send the invitation."
    practice = db.get(Practice, client.practice_id)
    # The PIN travels sealed beside the message, never inside the stored bodies (see services/notify.py).
    subject, text, html = compose(practice, client, notify.SECRET_PLACEHOLDER)
    message = notify.enqueue(
        db,
        practice_id=practice.id,
        channel=Channel.email,
        kind="invitation",
        recipient=client.email,
        subject=subject,
        body_text=text,
        body_html=html,
        client_id=client.id,
        secret=pin,
    )
    client.invitation_sent_at = utcnow()
    db.add(client)
    audit.record(
        db,
        "client.invitation_sent",
        actor_kind="staff",
        actor_id=actor_id,
        object_type="client",
        object_id=client.id,
        ip=ip,
        outbox_id=message.id,
    )
    return None
