"""Portal Settings (SPEC 1.2): the form's fields in the seed's order, validation, and audited saving.

The form works on plain strings and booleans, as a browser sends them; `validate` turns them into
typed values or a message per field, and nothing is saved while any message stands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlmodel import Session, select

from ..models import PortalSettings, SchedulerView, utcnow
from . import audit
from .accounts import StaffIdentity
from .permissions import may_edit_settings
from .scheduling import WEEKDAY_NAMES

MESSAGE_LIMIT = 1000
DAYS_PRIOR_MAX = 365
SESSION_CHOICES = ("60", "45", "30", "15")
RESTRICTION_CHOICES = (
    ("0", "No restriction"),
    ("1", "1 hour"),
    ("2", "2 hours"),
    ("4", "4 hours"),
    ("12", "12 hours"),
    ("24", "24 hours"),
    ("48", "48 hours"),
    ("72", "72 hours"),
    ("168", "1 week"),
)
VIEW_CHOICES = tuple((v.value, v.value) for v in SchedulerView)
TRUE_FALSE = (("true", "True"), ("false", "False"))


def _time_label(t: time) -> str:
    return f"{t:%-I:%M %p}"


TIME_CHOICES = tuple((f"{h:02d}:{m:02d}", _time_label(time(h, m))) for h in range(24) for m in (0, 30))
# Python weekday numbers as strings; the form lists them in calendar order starting on Sunday.
WEEKDAY_CHOICES = tuple((str(d), WEEKDAY_NAMES[d]) for d in (6, 0, 1, 2, 3, 4, 5))


@dataclass(frozen=True)
class FieldSpec:
    name: str
    label: str
    kind: str  # select, truefalse, number, checkbox, weekdays, text, notify
    help: str = ""
    choices: tuple[tuple[str, str], ...] = ()


GROUPS: tuple[tuple[str, tuple[FieldSpec, ...]], ...] = (
    (
        "Calendar",
        (
            FieldSpec(
                "business_start",
                "Business hour start time",
                "select",
                "The earliest time clients can schedule an appointment to start.",
                TIME_CHOICES,
            ),
            FieldSpec(
                "business_end",
                "Business hour end time",
                "select",
                "The latest time clients can schedule an appointment to end.",
                TIME_CHOICES,
            ),
            FieldSpec(
                "default_view",
                "Default scheduler view",
                "select",
                "Day shows only the current day, WeekDays Monday through Friday, FullWeek all 7 days.",
                VIEW_CHOICES,
            ),
            FieldSpec(
                "first_day_of_week",
                "First day of the week",
                "select",
                "The first day shown on your calendar in WeekDays or FullWeek.",
                WEEKDAY_CHOICES,
            ),
            FieldSpec(
                "display_tooltip",
                "Display Appointment Tooltip",
                "truefalse",
                "Pops out a larger version of the appointment.",
                TRUE_FALSE,
            ),
            FieldSpec(
                "session_minutes",
                "Default Time per session",
                "select",
                "",
                tuple((v, f"{v} Minutes") for v in SESSION_CHOICES),
            ),
            FieldSpec(
                "odd_even_colors",
                "Separate odd and even days by color",
                "truefalse",
                "True: odd days are a different color than even days.",
                TRUE_FALSE,
            ),
        ),
    ),
    (
        "Online booking",
        (
            FieldSpec(
                "days_prior",
                "Number of days prior to the appointment a session can be scheduled by the client",
                "number",
                "How far ahead clients may book, in days.",
            ),
            FieldSpec(
                "allow_current_day",
                "Allow current day appointment scheduling",
                "checkbox",
                "Otherwise the earliest day a client can book is tomorrow.",
            ),
            FieldSpec(
                "allowed_weekdays", "Days of the week appointments can be scheduled", "weekdays", "", WEEKDAY_CHOICES
            ),
            FieldSpec(
                "client_notification_message",
                "Client Notification Message",
                "text",
                "The client sees this message when making an appointment on the portal.",
            ),
            FieldSpec(
                "reschedule_restriction_hours",
                "Restriction to reschedule",
                "select",
                "How close to the appointment a client can still reschedule.",
                RESTRICTION_CHOICES,
            ),
            FieldSpec(
                "reschedule_message",
                "Message to reschedule",
                "text",
                "The client sees this when attempting to reschedule through the portal.",
            ),
        ),
    ),
    (
        "What clients can do in the portal",
        (
            FieldSpec("make_appointment", "Make Appointment", "checkbox", "Clients can schedule through the portal."),
            FieldSpec(
                "online_appointment",
                "Online Appointment",
                "checkbox",
                "Clients can schedule an online video therapy appointment.",
            ),
            FieldSpec(
                "confirm_appointment",
                "Confirm Appointment",
                "checkbox",
                "Clients can confirm an appointment through the portal.",
            ),
            FieldSpec(
                "disable_decline",
                "Disable Decline Appointment",
                "checkbox",
                "Clients cannot decline an appointment through the portal or app.",
            ),
            FieldSpec("messages", "Messages", "checkbox", "Clients can send and receive secure messages."),
            FieldSpec("documents", "Documents", "checkbox", "Clients can send and receive documents."),
            FieldSpec("assessments", "Assessments", "checkbox", "Clients can fill out assessments."),
            FieldSpec(
                "intake_paperwork",
                "Intake paperwork",
                "checkbox",
                "Clients can read, sign and fill out intake paperwork.",
            ),
            FieldSpec("feedback", "Feedback", "checkbox", "You get feedback from the client through the portal."),
        ),
    ),
    (
        "Notifications and payments",
        (
            FieldSpec(
                "tsecure_notification",
                "TSecure Client Message Notification",
                "notify",
                "How clients are told a secure message awaits them.",
            ),
            FieldSpec(
                "make_payment",
                "Make a Payment",
                "checkbox",
                "Clients can pay online (needs the practice's payment account).",
            ),
            FieldSpec(
                "payment_message",
                "Message to Payment Information",
                "text",
                "Clients see this message when paying online.",
            ),
            FieldSpec(
                "checkin_notification",
                "Client Checkin Notification",
                "truefalse",
                "Notify you when the client checks in with the check-in app.",
                TRUE_FALSE,
            ),
        ),
    ),
)
FIELDS = tuple(f for _, group in GROUPS for f in group)
BOOL_FIELDS = tuple(f.name for f in FIELDS if f.kind in ("checkbox", "truefalse")) + ("notify_email", "notify_sms")
TEXT_FIELDS = tuple(f.name for f in FIELDS if f.kind == "text")
FORM_KEYS = frozenset(f.name for f in FIELDS if f.kind != "notify") | {"notify_email", "notify_sms"}


def to_form(s: PortalSettings) -> dict[str, str]:
    """A settings row as the form's strings."""
    values = {
        "business_start": f"{s.business_start:%H:%M}",
        "business_end": f"{s.business_end:%H:%M}",
        "default_view": str(getattr(s.default_view, "value", s.default_view)),
        "first_day_of_week": str(s.first_day_of_week),
        "session_minutes": str(s.session_minutes),
        "days_prior": str(s.days_prior),
        "allowed_weekdays": s.allowed_weekdays,
        "reschedule_restriction_hours": str(s.reschedule_restriction_hours),
    }
    for name in TEXT_FIELDS:
        values[name] = getattr(s, name) or ""
    for name in BOOL_FIELDS:
        values[name] = "true" if getattr(s, name) else "false"
    return values


def _choice(raw: dict, name: str, choices, errors: dict, message: str) -> str | None:
    value = str(raw.get(name, ""))
    if value not in {v for v, _ in choices}:
        errors[name] = message
        return None
    return value


def validate(raw: dict, payments_configured: bool) -> tuple[dict, dict[str, str]]:
    """Typed values and a message per invalid field. Unknown keys are ignored."""
    raw = raw if isinstance(raw, dict) else {}
    errors: dict[str, str] = {}
    clean: dict = {}

    start = _choice(raw, "business_start", TIME_CHOICES, errors, "Choose a start time from the list.")
    end = _choice(raw, "business_end", TIME_CHOICES, errors, "Choose an end time from the list.")
    view = _choice(raw, "default_view", VIEW_CHOICES, errors, "Choose Day, WeekDays or FullWeek.")
    first = _choice(raw, "first_day_of_week", WEEKDAY_CHOICES, errors, "Choose a day of the week.")
    session = _choice(
        raw, "session_minutes", tuple((v, v) for v in SESSION_CHOICES), errors, "Choose 60, 45, 30 or 15 minutes."
    )
    restriction = _choice(
        raw, "reschedule_restriction_hours", RESTRICTION_CHOICES, errors, "Choose a restriction from the list."
    )
    if start:
        clean["business_start"] = time.fromisoformat(start)
    if end:
        clean["business_end"] = time.fromisoformat(end)
    if start and end:
        if clean["business_end"] <= clean["business_start"]:
            errors["business_end"] = "Business hour end time must be after the start time."
        elif session and (clean["business_end"].hour * 60 + clean["business_end"].minute) - (
            clean["business_start"].hour * 60 + clean["business_start"].minute
        ) < int(session):
            errors["business_end"] = f"Business hours must fit at least one {session}-minute session."
    if view:
        clean["default_view"] = SchedulerView(view)
    if first:
        clean["first_day_of_week"] = int(first)
    if session:
        clean["session_minutes"] = int(session)
    if restriction:
        clean["reschedule_restriction_hours"] = int(restriction)

    for name in BOOL_FIELDS:
        value = raw.get(name, "false")
        clean[name] = value is True or str(value).lower() in ("true", "on", "1")

    days_text = str(raw.get("days_prior", "")).strip()
    if not days_text.isdigit() or not (0 <= int(days_text) <= DAYS_PRIOR_MAX):
        errors["days_prior"] = f"Enter a whole number of days from 0 to {DAYS_PRIOR_MAX}."
    else:
        clean["days_prior"] = int(days_text)
        if clean["days_prior"] == 0 and not clean["allow_current_day"]:
            errors["days_prior"] = (
                "With 0 days, clients could never book: allow current day scheduling or enter more days."
            )

    weekdays = sorted(
        {d for d in str(raw.get("allowed_weekdays", "")).split(",") if d.strip() in {v for v, _ in WEEKDAY_CHOICES}},
        key=int,
    )
    if not weekdays:
        errors["allowed_weekdays"] = "Choose at least one day of the week."
    else:
        clean["allowed_weekdays"] = ",".join(weekdays)

    for name in TEXT_FIELDS:
        text = str(raw.get(name, "") or "").replace("\r\n", "\n").strip()
        if len(text) > MESSAGE_LIMIT:
            errors[name] = f"Keep this message to {MESSAGE_LIMIT} characters (it has {len(text)})."
        elif any(ord(ch) < 32 and ch not in "\n\t" for ch in text):
            errors[name] = "This message contains control characters; please retype it."
        else:
            clean[name] = text

    if clean["make_payment"] and not payments_configured:
        errors["make_payment"] = "Make a Payment needs the practice's payment account (Stripe) to be configured first."
    if clean["messages"] and not (clean["notify_email"] or clean["notify_sms"]):
        errors["tsecure_notification"] = "Choose Email, SMS or both, so clients learn a message is waiting."
    return clean, errors


class NotAllowed(PermissionError):
    pass


def load(db: Session, me: StaffIdentity, counselor_id: int) -> PortalSettings:
    if not may_edit_settings(db, me, counselor_id):
        raise NotAllowed("You can only change your own Portal Settings.")
    row = db.exec(select(PortalSettings).where(PortalSettings.counselor_id == counselor_id)).first()
    if row is None:
        row = PortalSettings(counselor_id=counselor_id)
        db.add(row)
        db.flush()
    return row


def save(
    db: Session, me: StaffIdentity, counselor_id: int, raw: dict, payments_configured: bool, ip: str = ""
) -> dict[str, str]:
    """Validate and save. Returns the messages per field; empty when saved. Audits the changed fields."""
    row = load(db, me, counselor_id)
    clean, errors = validate(raw, payments_configured)
    if errors:
        return errors
    before = to_form(row)
    for name, value in clean.items():
        setattr(row, name, value)
    after = to_form(row)
    changes = {k: [before[k], after[k]] for k in after if before.get(k) != after[k]}
    if changes:
        row.updated_at = utcnow()
        db.add(row)
        audit.record(
            db,
            "portal_settings.updated",
            actor_kind="staff",
            actor_id=me.user_id,
            object_type="portal_settings",
            object_id=counselor_id,
            ip=ip,
            changes=changes,
        )
    return {}
