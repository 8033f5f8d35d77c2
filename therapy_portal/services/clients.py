"""Clients: validation of what a counselor types, and the searchable, sortable, paged client list."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, or_
from sqlmodel import Session, select

from ..models import Client, User, utcnow
from . import audit
from .accounts import StaffIdentity
from .names import clean_text, fold, has_control_characters

NAME_LIMIT = 100
PAGE_SIZE = 25
OLDEST_YEAR = 1900
SORTS = {
    "last_name": (Client.last_name_key, Client.name_key, Client.id),
    "first_name": (Client.name_key, Client.id),
    "date_of_birth": (Client.date_of_birth, Client.id),
    "newest": (Client.created_at.desc(), Client.id.desc()),
}
AUDITED_FIELDS = ("first_name", "last_name", "date_of_birth", "email", "mobile_e164", "address")
_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y", "%m-%d-%Y", "%m/%d/%y")


@dataclass(frozen=True)
class ClientForm:
    first_name: str
    last_name: str
    date_of_birth: date
    email: str
    mobile_e164: str
    address: str


def name_keys(first: str, last: str) -> dict[str, str]:
    return {"last_name_key": fold(last), "name_key": fold(f"{first} {last}")}


def _name_character(ch: str) -> bool:
    # Letters of any script, their combining marks (vowel signs, viramas, accents typed apart), and the
    # punctuation names use.
    return ch.isalpha() or unicodedata.category(ch).startswith("M") or ch in " '’-."


def _clean_name(raw, field: str, label: str, errors: dict) -> str:
    text = " ".join(unicodedata.normalize("NFC", str(raw or "")).split())
    if not text:
        errors[field] = f"Enter the client's {label}."
    elif len(text) > NAME_LIMIT:
        errors[field] = f"Keep the {label} to {NAME_LIMIT} characters."
    elif not all(_name_character(ch) for ch in text) or not any(ch.isalpha() for ch in text):
        errors[field] = f"Use letters, spaces, apostrophes and hyphens in the {label}."
    return text


def parse_date(text: str) -> date | None:
    text = str(text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def normalize_mobile(raw: str, region: str = "US") -> str:
    """E.164, or raises ValueError with the reason."""
    text = str(raw or "").strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValueError("Enter a phone number, e.g. (316) 555-0142 or +44 7911 123456.") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError("That is not a valid phone number.")
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValueError("That number is not a mobile number; text messages need a mobile.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_mobile(e164: str, region: str = "US") -> str:
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == region
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def _age(dob: date, today: date) -> int:
    return today.year - dob.year - ((today.month, today.day) < (dob.month, dob.day))


def validate(raw: dict, today: date) -> tuple[ClientForm | None, dict[str, str]]:
    raw = raw if isinstance(raw, dict) else {}
    errors: dict[str, str] = {}
    first = _clean_name(raw.get("first_name"), "first_name", "first name", errors)
    last = _clean_name(raw.get("last_name"), "last_name", "last name", errors)
    dob_text = str(raw.get("date_of_birth") or "").strip()
    dob = parse_date(dob_text)
    if dob is None:
        looks_like_a_date = re.fullmatch(r"\d{1,2}[/-]\d{1,2}[/-]\d{2,4}|\d{4}-\d{1,2}-\d{1,2}", dob_text)
        errors["date_of_birth"] = (
            "That date does not exist on the calendar."
            if looks_like_a_date
            else "Enter the date of birth as MM/DD/YYYY."
        )
    elif dob >= today:
        errors["date_of_birth"] = "The date of birth must be in the past."
    elif dob.year < OLDEST_YEAR or _age(dob, today) > 120:
        errors["date_of_birth"] = "Check the year: that would make the client over 120."
    email = str(raw.get("email") or "").strip()
    if email:
        try:
            email = validate_email(email, check_deliverability=False).normalized
        except EmailNotValidError as bad:
            errors["email"] = f"That email address is not valid: {bad}"
    mobile = str(raw.get("mobile") or "").strip()
    if mobile:
        try:
            mobile = normalize_mobile(mobile)
        except ValueError as bad:
            errors["mobile"] = str(bad)
    raw_address = str(raw.get("address") or "")
    address = " ".join(unicodedata.normalize("NFC", raw_address).split())
    if has_control_characters(raw_address.replace("\r", "").replace("\n", "")):
        errors["address"] = "The address contains control characters; please retype it."
    elif len(address) > 500:
        errors["address"] = "Keep the address to 500 characters."
    if errors:
        return None, errors
    return ClientForm(first, last, dob, email, mobile, address), {}


def _may_see(me: StaffIdentity, client: Client | None) -> bool:
    if client is None or client.practice_id != me.practice_id:
        return False
    return me.sees_all_counselors or client.counselor_id == me.user_id


def get(db: Session, me: StaffIdentity, client_id: int, ip: str = "") -> Client | None:
    """A client this user may see (their own, or any in the practice for admin and front desk); audited."""
    client = db.get(Client, client_id)
    if not _may_see(me, client):
        return None
    audit.record(
        db, "client.viewed", actor_kind="staff", actor_id=me.user_id, object_type="client", object_id=client.id, ip=ip
    )
    return client


def save(
    db: Session,
    me: StaffIdentity,
    raw: dict,
    client_id: int | None = None,
    counselor_id: int | None = None,
    ip: str = "",
    today: date | None = None,
) -> tuple[Client | None, dict[str, str]]:
    """Create or update a client. Returns the client, or the messages per field."""
    form, errors = validate(raw, today or utcnow().date())
    if errors:
        return None, errors
    if client_id is None:
        owner = counselor_id if counselor_id is not None else me.user_id
        counselor = db.get(User, owner)
        if counselor is None or counselor.practice_id != me.practice_id or not counselor.is_clinician:
            return None, {"counselor": "Choose a counselor of this practice."}
        if not me.sees_all_counselors and owner != me.user_id:
            return None, {"counselor": "You can add clients only to your own caseload."}
        client = Client(
            practice_id=me.practice_id,
            counselor_id=owner,
            first_name="",
            last_name="",
            last_name_key="",
            date_of_birth=form.date_of_birth,
        )
        action = "client.created"
        before = dict.fromkeys(AUDITED_FIELDS, "")
    else:
        client = db.get(Client, client_id)
        if not _may_see(me, client):
            return None, {"form": "That client was not found."}
        action = "client.updated"
        before = {k: str(getattr(client, k)) for k in AUDITED_FIELDS}
    client.first_name, client.last_name = form.first_name, form.last_name
    client.date_of_birth, client.email, client.mobile_e164, client.address = (
        form.date_of_birth,
        form.email,
        form.mobile_e164,
        form.address,
    )
    for key, value in name_keys(form.first_name, form.last_name).items():
        setattr(client, key, value)
    client.updated_at = utcnow()
    db.add(client)
    db.flush()
    changed = sorted(k for k, v in before.items() if v != str(getattr(client, k)))
    # Which fields changed, never their values: the audit log is not a second copy of the record.
    audit.record(
        db,
        action,
        actor_kind="staff",
        actor_id=me.user_id,
        object_type="client",
        object_id=client.id,
        ip=ip,
        fields=changed,
    )
    return client, {}


@dataclass(frozen=True)
class ClientPage:
    rows: list[dict[str, str]]
    total: int
    page: int
    pages: int


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    db: Session, me: StaffIdentity, query: str = "", sort: str = "last_name", page: int = 1, page_size: int = PAGE_SIZE
) -> ClientPage:
    """Clients this user may see matching a name (any case, any accents), a date of birth, an email or a phone."""
    base = select(Client).where(Client.practice_id == me.practice_id, Client.active)
    if not me.sees_all_counselors:
        base = base.where(Client.counselor_id == me.user_id)
    text = " ".join(clean_text(query).split())[:100]
    if text:
        dob = parse_date(text)
        digits = re.sub(r"\D", "", text)
        if dob is not None:
            base = base.where(Client.date_of_birth == dob)
        elif "@" in text:
            base = base.where(func.lower(Client.email).like(f"%{_like_escape(text.lower())}%", escape="\\"))
        elif len(digits) >= 3 and len(digits) >= len(text.replace(" ", "")) - 4:
            base = base.where(Client.mobile_e164.like(f"%{_like_escape(digits)}%", escape="\\"))
        else:
            for word in fold(text).split():
                pattern = _like_escape(word)
                bare = _like_escape(word.replace("'", ""))
                # A word matches at the start of any part of the name: "ngu" finds Nguyễn, "bri" O'Brien.
                base = base.where(
                    or_(
                        Client.name_key.like(f"{pattern}%", escape="\\"),
                        Client.name_key.like(f"% {pattern}%", escape="\\"),
                        Client.name_key.like(f"%'{pattern}%", escape="\\"),
                        Client.name_key.like(f"%-{pattern}%", escape="\\"),
                        # "obrien" finds O'Brien too.
                        func.replace(Client.name_key, "'", "").like(f"{bare}%", escape="\\"),
                        func.replace(Client.name_key, "'", "").like(f"% {bare}%", escape="\\"),
                    )
                )
    total = db.exec(select(func.count()).select_from(base.subquery())).one()
    pages = max(1, -(-total // page_size))
    page = min(max(1, int(page) if str(page).isascii() and str(page).isdigit() else 1), pages)
    order = SORTS.get(sort, SORTS["last_name"])
    found = db.exec(base.order_by(*order).offset((page - 1) * page_size).limit(page_size)).all()
    rows = [
        {
            "id": str(c.id),
            "name": f"{c.last_name}, {c.first_name}",
            "date_of_birth": f"{c.date_of_birth:%m/%d/%Y}",
            "email": c.email,
            "mobile": display_mobile(c.mobile_e164),
        }
        for c in found
    ]
    return ClientPage(rows, total, page, pages)
