"""Conversions between stored UTC instants and the practice's wall clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def to_local(instant: datetime, tz: ZoneInfo) -> datetime:
    return instant.astimezone(tz)


def local_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a day in the zone.

    A time skipped by a spring-forward gap is moved forward by the gap (fold=0 semantics of zoneinfo
    give the pre-transition offset); a repeated autumn time takes its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def local_today(tz: ZoneInfo, now: datetime | None = None) -> date:
    return (now or datetime.now(UTC)).astimezone(tz).date()


def week_start(day: date, first_weekday: int) -> date:
    """The first day of the week containing `day`, weeks starting on `first_weekday` (Monday = 0)."""
    return day - timedelta(days=(day.weekday() - first_weekday) % 7)
