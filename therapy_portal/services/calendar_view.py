"""What the counselor calendar shows for a counselor and a range of days: columns, rows and cards.

Computed here, in plain Python, so the page only lays out what it is given and the tests can check
positions across daylight-saving days without a browser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session, select

from ..models import ACTIVE_STATUSES, Appointment, Client, PortalSettings, Practice, User
from .agenda import KIND_LABELS, STATUS_LABELS
from .scheduling import MAX_APPOINTMENT, week_days
from .timekeeping import local_to_utc, local_today, zone

ROW_PX = 48
VIEWS = ("Day", "WeekDays", "FullWeek")


@dataclass(frozen=True)
class CalendarModel:
    title: str
    days: list[dict]
    rows: list[dict]
    cards: list[dict]
    column_px: int
    display_tooltip: bool
    odd_even_colors: bool
    session_minutes: int


def _minutes(t: time) -> int:
    return t.hour * 60 + t.minute


def time_range(start: datetime, end: datetime) -> str:
    """'9:00 – 9:45 AM', or '11:00 AM – 12:00 PM' when the range crosses noon."""
    first = f"{start:%-I:%M}" if f"{start:%p}" == f"{end:%p}" else f"{start:%-I:%M %p}"
    return f"{first} – {end:%-I:%M %p}"


def _title(days: list[date]) -> str:
    first, last = days[0], days[-1]
    if first == last:
        return f"{first:%A, %B} {first.day}, {first.year}"
    if first.month == last.month:
        return f"{first:%B} {first.day} – {last.day}, {last.year}"
    if first.year == last.year:
        return f"{first:%b} {first.day} – {last:%b} {last.day}, {last.year}"
    return f"{first:%b} {first.day}, {first.year} – {last:%b} {last.day}, {last.year}"


def build(
    db: Session, practice: Practice, settings: PortalSettings, counselor: User, anchor: date, view: str, now: datetime
) -> CalendarModel:
    tz = zone(practice.time_zone)
    view = view if view in VIEWS else str(getattr(settings.default_view, "value", settings.default_view))
    days = list(week_days(anchor, view, settings.first_day_of_week))
    today = local_today(tz, now)
    start_min, end_min = _minutes(settings.business_start), _minutes(settings.business_end)
    step = settings.session_minutes
    rows = []
    # One row per session that fits inside business hours.
    for m in range(start_min, end_min - step + 1, step):
        t = time(m // 60, m % 60)
        rows.append({"time": f"{t:%H:%M}", "label": f"{t:%-I:%M %p}"})
    column_px = len(rows) * ROW_PX
    px_per_min = ROW_PX / step

    range_start = local_to_utc(days[0], time(0), tz)
    range_end = local_to_utc(days[-1] + timedelta(days=1), time(0), tz)
    query = (
        select(Appointment, Client)
        .join(Client, Client.id == Appointment.client_id)
        .where(
            Appointment.counselor_id == counselor.id,
            Appointment.start_at < range_end,
            Appointment.start_at > range_start - MAX_APPOINTMENT,  # lets the index stop; see booking.busy_times
            Appointment.end_at > range_start,
        )
        .order_by(Appointment.start_at)
    )
    cards = []
    for appt, client in db.exec(query).all():
        start, end = appt.start_at.astimezone(tz), appt.end_at.astimezone(tz)
        # Minutes from business start on the day's wall clock; real duration for the height.
        top_min = _minutes(start.time()) - start_min
        height_min = (appt.end_at - appt.start_at).total_seconds() / 60
        top = max(0.0, top_min * px_per_min)
        bottom = min(float(column_px), (top_min + height_min) * px_per_min)
        outside = bottom <= 0 or top >= column_px
        status = str(getattr(appt.status, "value", appt.status))
        active = appt.status in ACTIVE_STATUSES
        cards.append(
            {
                "id": str(appt.id),
                "day": start.date().isoformat(),
                "date": f"{start:%A, %B} {start.day}",
                "top": f"{0 if outside else top:.0f}px",
                "height": f"{max(ROW_PX * 0.5, (ROW_PX * 0.5 if outside else bottom - top)):.0f}px",
                "client": client.display_name,
                "time": time_range(start, end),
                "kind": KIND_LABELS.get(str(getattr(appt.kind, "value", appt.kind)), ""),
                "status": STATUS_LABELS.get(status, status),
                "status_key": status,
                "active": "1" if active else "",
                "outside": "Outside business hours · " if outside else "",
            }
        )
    day_cells = [
        {
            "key": d.isoformat(),
            "label": f"{d:%a} {d.day}",
            "long": f"{d:%A, %B} {d.day}",
            "odd": "1" if d.day % 2 else "",
            "today": "1" if d == today else "",
        }
        for d in days
    ]
    return CalendarModel(
        title=_title(days),
        days=day_cells,
        rows=rows,
        cards=cards,
        column_px=column_px,
        display_tooltip=settings.display_tooltip,
        odd_even_colors=settings.odd_even_colors,
        session_minutes=settings.session_minutes,
    )
