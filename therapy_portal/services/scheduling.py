"""Scheduling rules as pure functions: what a client may book, and whether a change is allowed.

Nothing here touches the database or the clock: callers pass the counselor's rules, the busy times
(active appointments) and `now`. That is what lets the tests explore every rule, every time zone
transition and every edge of the booking window.

Wall-clock rules (business hours, weekdays, "today") are read in the practice's zone; instants are
UTC. A slot whose wall-clock start does not exist (the spring-forward gap) is not offered; in the
repeated autumn hour each wall-clock start is offered once, at its first occurrence.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MAX_APPOINTMENT = timedelta(hours=8)
SLOT_TAKEN = "This time is no longer available. Please choose another."
OVERLAP = "This overlaps another appointment on this calendar."
DEFAULT_RESCHEDULE_MESSAGE = "This appointment can no longer be rescheduled online. Please contact the office."


class SchedulingError(ValueError):
    """A change the rules do not allow; the message is for the person who asked."""


@dataclass(frozen=True)
class Rules:
    """The parts of a counselor's Portal Settings that govern booking."""

    tz: ZoneInfo
    business_start: time
    business_end: time
    session_minutes: int
    days_prior: int
    allow_current_day: bool
    weekdays: frozenset[int]
    reschedule_restriction_hours: int = 24
    reschedule_message: str = ""

    @property
    def session(self) -> timedelta:
        return timedelta(minutes=self.session_minutes)

    @classmethod
    def from_settings(cls, settings, time_zone: str) -> Rules:
        return cls(
            tz=ZoneInfo(time_zone),
            business_start=settings.business_start,
            business_end=settings.business_end,
            session_minutes=settings.session_minutes,
            days_prior=settings.days_prior,
            allow_current_day=settings.allow_current_day,
            weekdays=settings.weekday_set,
            reschedule_restriction_hours=settings.reschedule_restriction_hours,
            reschedule_message=settings.reschedule_message,
        )


@dataclass(frozen=True, order=True)
class Interval:
    start: datetime
    end: datetime


class BusyTimes:
    """Sorted busy intervals with a logarithmic overlap test."""

    def __init__(self, intervals: Iterable[Interval]):
        self._items = sorted(intervals)
        self._starts = [i.start for i in self._items]
        # Running maximum of end times: an early long appointment can still cover a late slot.
        self._max_end: list[datetime] = []
        running = None
        for item in self._items:
            running = item.end if running is None or item.end > running else running
            self._max_end.append(running)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        i = bisect_left(self._starts, end)  # intervals starting before `end`
        return i > 0 and self._max_end[i - 1] > start

    def __len__(self) -> int:
        return len(self._items)


def _utc(day: date, at: time, tz: ZoneInfo) -> datetime | None:
    """The instant of a wall-clock time, or None when the zone skips that time on that day."""
    local = datetime.combine(day, at, tzinfo=tz)
    instant = local.astimezone(UTC)
    back = instant.astimezone(tz)
    if (back.date(), back.time()) != (day, at):
        return None
    return instant


def exists_on_the_clock(moment: datetime) -> bool:
    """False for a wall time the zone skips (2:30 on a spring-forward night)."""
    back = moment.astimezone(UTC).astimezone(moment.tzinfo)
    return back.replace(tzinfo=None, fold=0) == moment.replace(tzinfo=None, fold=0)


def local_today(rules: Rules, now: datetime) -> date:
    return now.astimezone(rules.tz).date()


def booking_window(rules: Rules, now: datetime) -> tuple[date, date] | None:
    """First and last day a client may book, or None when the rules leave no day at all."""
    today = local_today(rules, now)
    first = today if rules.allow_current_day else today + timedelta(days=1)
    last = today + timedelta(days=max(rules.days_prior, 0))
    return (first, last) if first <= last and rules.weekdays else None


def _day_slot_starts(rules: Rules, day: date) -> list[datetime]:
    """Every grid start on a day inside business hours, whatever is booked."""
    starts: list[datetime] = []
    step = rules.session
    cursor = datetime.combine(day, rules.business_start)
    last_start = datetime.combine(day, rules.business_end) - step
    while cursor <= last_start:
        instant = _utc(day, cursor.time(), rules.tz)
        # The grid walks the wall clock, but a session lasts real time: across the spring-forward gap a
        # session can end after the next grid start, so a start inside the previous session is dropped.
        if instant is not None and (not starts or instant >= starts[-1] + step):
            # The session must also end inside business hours on the wall clock (a DST jump can push it out).
            end_local = (instant + step).astimezone(rules.tz)
            if end_local.date() == day and end_local.time() <= rules.business_end:
                starts.append(instant)
        cursor += step
    return starts


def client_slots(rules: Rules, busy: BusyTimes, now: datetime, first_day: date, last_day: date) -> list[Interval]:
    """The slots a client may book between two days (inclusive), in time order."""
    window = booking_window(rules, now)
    if window is None:
        return []
    day, last = max(first_day, window[0]), min(last_day, window[1])
    slots = []
    while day <= last:
        if day.weekday() in rules.weekdays:
            for start in _day_slot_starts(rules, day):
                end = start + rules.session
                if start > now and not busy.overlaps(start, end):
                    slots.append(Interval(start, end))
        day += timedelta(days=1)
    return slots


def describe_window(rules: Rules) -> str:
    """The booking rule in plain words, for the client."""
    days = [WEEKDAY_NAMES[d] for d in sorted(rules.weekdays)]
    names = ", ".join(days[:-1]) + (" and " if len(days) > 1 else "") + days[-1] if days else "no days"
    earliest = "today" if rules.allow_current_day else "tomorrow"
    return (
        f"You can book {rules.session_minutes}-minute sessions on {names}, "
        f"{rules.business_start:%-I:%M %p} to {rules.business_end:%-I:%M %p}, from {earliest} "
        f"up to {rules.days_prior} days ahead."
    )


def check_client_booking(rules: Rules, busy: BusyTimes, now: datetime, start: datetime) -> Interval:
    """The slot a client asked for, if the rules offer it; otherwise SchedulingError with the reason."""
    if start.tzinfo is None:
        raise SchedulingError("That time is not valid.")
    if not exists_on_the_clock(start):
        raise SchedulingError("That time does not exist on the clock that day (the clocks change).")
    # In UTC from here on: comparing zoned datetimes in the repeated autumn hour ignores `fold`.
    start = start.astimezone(UTC)
    local = start.astimezone(rules.tz)
    window = booking_window(rules, now)
    if window is None:
        raise SchedulingError("Online booking is not open for this counselor.")
    if start <= now:
        raise SchedulingError("That time has already passed.")
    if local.date() < window[0]:
        raise SchedulingError("Appointments for today can't be booked online. Please choose a later day.")
    if local.date() > window[1]:
        raise SchedulingError(f"Appointments can be booked at most {rules.days_prior} days ahead.")
    if local.weekday() not in rules.weekdays:
        raise SchedulingError(f"Appointments can't be booked on {WEEKDAY_NAMES[local.weekday()]}s.")
    if start not in _day_slot_starts(rules, local.date()):
        raise SchedulingError("That time is outside the counselor's bookable hours.")
    end = start + rules.session
    if busy.overlaps(start, end):
        raise SchedulingError(SLOT_TAKEN)
    return Interval(start, end)


def check_staff_times(busy: BusyTimes, start: datetime, end: datetime) -> Interval:
    """A counselor may book outside business hours, but never over another appointment."""
    if start.tzinfo is None or end.tzinfo is None:
        raise SchedulingError("That time is not valid.")
    # Real durations: subtracting two datetimes of one zone measures the wall clock, not elapsed time.
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    if end <= start:
        raise SchedulingError("The end must be after the start.")
    if end - start > MAX_APPOINTMENT:
        raise SchedulingError("An appointment can last at most 8 hours.")
    if busy.overlaps(start, end):
        raise SchedulingError(OVERLAP)
    return Interval(start, end)


def reschedule_allowed(rules: Rules, appointment_start: datetime, now: datetime) -> bool:
    """A client may move an appointment until the restriction window before it begins."""
    cutoff = appointment_start.astimezone(UTC) - timedelta(hours=max(rules.reschedule_restriction_hours, 0))
    return now.astimezone(UTC) <= cutoff


def check_client_reschedule(rules: Rules, appointment_start: datetime, now: datetime) -> None:
    if not reschedule_allowed(rules, appointment_start, now):
        raise SchedulingError(rules.reschedule_message.strip() or DEFAULT_RESCHEDULE_MESSAGE)


# Which status a counselor may set from which; the rest would rewrite history.
STAFF_TRANSITIONS: dict[str, frozenset[str]] = {
    "requested": frozenset({"scheduled", "confirmed", "declined", "cancelled"}),
    "scheduled": frozenset({"confirmed", "declined", "cancelled", "checked_in", "completed", "no_show"}),
    "confirmed": frozenset({"scheduled", "declined", "cancelled", "checked_in", "completed", "no_show"}),
    "rescheduled": frozenset({"scheduled", "confirmed", "cancelled"}),
    "checked_in": frozenset({"completed", "no_show", "confirmed"}),
    "completed": frozenset({"checked_in"}),
    "no_show": frozenset({"scheduled", "confirmed", "completed"}),
    "declined": frozenset({"scheduled"}),
    "cancelled": frozenset({"scheduled"}),
}


def check_status_change(current: str, new: str) -> None:
    if new == current:
        return
    if new not in STAFF_TRANSITIONS.get(current, frozenset()):
        raise SchedulingError(
            f"An appointment that is {current.replace('_', ' ')} can't be marked {new.replace('_', ' ')}."
        )


def week_days(anchor: date, view: str, first_weekday: int) -> Sequence[date]:
    """The days a calendar view shows around a day: Day, WeekDays (Mon–Fri) or FullWeek (7 days)."""
    if view == "Day":
        return [anchor]
    start = anchor - timedelta(days=(anchor.weekday() - first_weekday) % 7)
    days = [start + timedelta(days=i) for i in range(7)]
    if view == "WeekDays":
        return [d for d in days if d.weekday() < 5]
    return days
