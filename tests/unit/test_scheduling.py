"""The booking rules as pure functions (SPEC 1.2 and 2.2): no database, no clock.

Every test passes `now` explicitly. The practice's wall clock is America/Chicago: CST is UTC−6 and
CDT is UTC−5; in 2026 the clocks spring forward on Sunday 8 March (02:00 → 03:00) and fall back on
Sunday 1 November (02:00 CDT → 01:00 CST).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from therapy_portal.models import AppointmentStatus, PortalSettings
from therapy_portal.services.scheduling import (
    DEFAULT_RESCHEDULE_MESSAGE,
    MAX_APPOINTMENT,
    SLOT_TAKEN,
    STAFF_TRANSITIONS,
    BusyTimes,
    Interval,
    Rules,
    SchedulingError,
    booking_window,
    check_client_booking,
    check_client_reschedule,
    check_staff_times,
    check_status_change,
    client_slots,
    describe_window,
    reschedule_allowed,
    week_days,
)

CHI = ZoneInfo("America/Chicago")
UTC = UTC
ALL_DAYS = frozenset(range(7))
MON_FRI = frozenset(range(5))
NO_BUSY = BusyTimes([])

# Week of Monday 2 March 2026 (CST, UTC−6), well away from any clock change.
MON = date(2026, 3, 2)
TUE, WED, THU, FRI, SAT, SUN = (MON + timedelta(days=i) for i in range(1, 7))
SPRING_FORWARD = date(2026, 3, 8)
FALL_BACK = date(2026, 11, 1)


def rules(**overrides) -> Rules:
    values = dict(
        tz=CHI,
        business_start=time(8, 0),
        business_end=time(17, 0),
        session_minutes=60,
        days_prior=30,
        allow_current_day=False,
        weekdays=MON_FRI,
        reschedule_restriction_hours=24,
        reschedule_message="",
    )
    values.update(overrides)
    return Rules(**values)


def local(day: date, hour: int, minute: int = 0, fold: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=CHI).replace(fold=fold)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def wall(slot_start: datetime) -> str:
    return slot_start.astimezone(CHI).strftime("%H:%M")


def walls(slots) -> list[str]:
    return [wall(s.start) for s in slots]


def slots_on(r: Rules, day: date, now: datetime, busy: BusyTimes = NO_BUSY) -> list[Interval]:
    return client_slots(r, busy, now, day, day)


def busy(*spans: tuple[datetime, datetime]) -> BusyTimes:
    return BusyTimes(Interval(s.astimezone(UTC), e.astimezone(UTC)) for s, e in spans)


# Monday 2 March, 06:00 CST: nothing of "tomorrow" has started yet.
EARLY_MONDAY = local(MON, 6)


# --- business hours and session length -------------------------------------------------------


def test_slots_start_at_business_start_and_end_by_business_end():
    r = rules(business_start=time(9, 0), business_end=time(12, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY)) == ["09:00", "10:00", "11:00"]


def test_grid_starts_at_business_start_even_off_the_hour():
    r = rules(business_start=time(8, 30), business_end=time(11, 30))
    assert walls(slots_on(r, TUE, EARLY_MONDAY)) == ["08:30", "09:30", "10:30"]


def test_no_slot_ends_after_business_end():
    # 45-minute sessions 09:00–11:00: a 10:30 start would end at 11:15, outside business hours.
    r = rules(business_start=time(9, 0), business_end=time(11, 0), session_minutes=45)
    assert walls(slots_on(r, TUE, EARLY_MONDAY)) == ["09:00", "09:45"]


def test_no_slot_starts_before_business_start():
    r = rules(business_start=time(10, 0), business_end=time(12, 0))
    slots = slots_on(r, TUE, EARLY_MONDAY)
    assert min(s.start for s in slots) == local(TUE, 10)


@pytest.mark.parametrize(
    "minutes,expected",
    [
        (60, ["09:00", "10:00", "11:00"]),
        (45, ["09:00", "09:45", "10:30", "11:15"]),
        (30, ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30"]),
        (15, [f"{h:02d}:{m:02d}" for h in (9, 10, 11) for m in (0, 15, 30, 45)]),
    ],
)
def test_slots_are_the_session_length_on_the_session_grid(minutes, expected):
    r = rules(business_start=time(9, 0), business_end=time(12, 0), session_minutes=minutes)
    slots = slots_on(r, TUE, EARLY_MONDAY)
    assert walls(slots) == expected
    assert all(s.end - s.start == timedelta(minutes=minutes) for s in slots)


def test_slot_instants_are_utc_from_the_practice_wall_clock():
    r = rules(business_start=time(9, 0), business_end=time(10, 0))
    [slot] = slots_on(r, TUE, EARLY_MONDAY)
    assert slot == Interval(utc(2026, 3, 3, 15, 0), utc(2026, 3, 3, 16, 0))  # 09:00 CST = 15:00 UTC


def test_business_end_before_start_offers_nothing():
    r = rules(business_start=time(17, 0), business_end=time(8, 0))
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, TUE, FRI) == []


# --- weekdays --------------------------------------------------------------------------------


def test_only_allowed_weekdays_are_offered_monday_is_0():
    r = rules(weekdays=frozenset({0, 2, 4}), days_prior=14)
    slots = client_slots(r, NO_BUSY, local(SUN - timedelta(days=7), 12), MON, SUN)  # now: Sunday 1 March
    assert sorted({s.start.astimezone(CHI).date() for s in slots}) == [MON, WED, FRI]


def test_sunday_is_weekday_6():
    r = rules(weekdays=frozenset({6}), days_prior=14)
    slots = client_slots(r, NO_BUSY, EARLY_MONDAY, MON, SUN + timedelta(days=7))
    assert sorted({s.start.astimezone(CHI).date() for s in slots}) == [SUN, SUN + timedelta(days=7)]


def test_no_allowed_weekday_means_no_window_and_no_slots():
    r = rules(weekdays=frozenset())
    assert booking_window(r, EARLY_MONDAY) is None
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, MON, SUN) == []


# --- today, tomorrow and the past ------------------------------------------------------------


def test_current_day_not_offered_when_not_allowed():
    r = rules(allow_current_day=False)
    assert slots_on(r, MON, EARLY_MONDAY) == []
    assert booking_window(r, EARLY_MONDAY) == (TUE, MON + timedelta(days=30))


def test_current_day_offered_when_allowed():
    r = rules(allow_current_day=True)
    assert walls(slots_on(r, MON, EARLY_MONDAY))[0] == "08:00"
    assert booking_window(r, EARLY_MONDAY) == (MON, MON + timedelta(days=30))


def test_past_times_today_are_excluded_when_now_is_mid_day():
    r = rules(allow_current_day=True)
    assert walls(slots_on(r, MON, local(MON, 12, 10))) == ["13:00", "14:00", "15:00", "16:00"]


def test_a_slot_starting_exactly_now_is_not_offered():
    r = rules(allow_current_day=True)
    assert walls(slots_on(r, MON, local(MON, 13))) == ["14:00", "15:00", "16:00"]
    assert walls(slots_on(r, MON, local(MON, 12, 59))) == ["13:00", "14:00", "15:00", "16:00"]


def test_today_is_the_practice_day_not_the_utc_day():
    # 23:30 CST on Monday is already Tuesday 05:30 UTC; Tuesday is still "tomorrow" for the practice.
    now = local(MON, 23, 30)
    assert now.astimezone(UTC).date() == TUE
    r = rules(allow_current_day=False)
    assert walls(slots_on(r, TUE, now))[0] == "08:00"
    assert booking_window(r, now)[0] == TUE


# --- days prior (booking horizon) ------------------------------------------------------------


def test_horizon_includes_the_last_day_and_not_the_day_after():
    r = rules(days_prior=3, weekdays=ALL_DAYS)
    slots = client_slots(r, NO_BUSY, local(MON, 12), MON - timedelta(days=5), MON + timedelta(days=10))
    assert sorted({s.start.astimezone(CHI).date() for s in slots}) == [TUE, WED, THU]


def test_horizon_is_counted_in_days_not_hours():
    # At 23:00 on Monday, "3 days ahead" still reaches all of Thursday (more than 72 hours away).
    r = rules(days_prior=3, weekdays=ALL_DAYS)
    slots = client_slots(r, NO_BUSY, local(MON, 23), MON, SUN)
    assert max(s.start for s in slots) == local(THU, 16)


def test_horizon_zero_without_current_day_offers_nothing():
    r = rules(days_prior=0, allow_current_day=False, weekdays=ALL_DAYS)
    assert booking_window(r, EARLY_MONDAY) is None
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, MON, SUN) == []


def test_horizon_zero_with_current_day_offers_only_the_rest_of_today():
    r = rules(days_prior=0, allow_current_day=True, weekdays=ALL_DAYS)
    slots = client_slots(r, NO_BUSY, local(MON, 14, 30), MON - timedelta(days=1), SUN)
    assert [s.start for s in slots] == [local(MON, 15), local(MON, 16)]


def test_horizon_one_without_current_day_is_tomorrow_only():
    r = rules(days_prior=1, allow_current_day=False, weekdays=ALL_DAYS)
    assert booking_window(r, EARLY_MONDAY) == (TUE, TUE)
    slots = client_slots(r, NO_BUSY, EARLY_MONDAY, MON, SUN)
    assert {s.start.astimezone(CHI).date() for s in slots} == {TUE}


def test_negative_horizon_is_treated_as_zero():
    r = rules(days_prior=-5, allow_current_day=True)
    assert booking_window(r, EARLY_MONDAY) == (MON, MON)


def test_requested_range_is_clipped_to_the_window():
    r = rules(days_prior=2, weekdays=ALL_DAYS)
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, WED, WED) != []
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, THU, SUN) == []
    assert client_slots(r, NO_BUSY, EARLY_MONDAY, WED, TUE) == []  # first day after last day


# --- busy times ------------------------------------------------------------------------------


def test_slots_overlapping_an_appointment_are_not_offered():
    b = busy((local(TUE, 10, 30), local(TUE, 11, 30)))
    r = rules(business_start=time(9, 0), business_end=time(13, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY, b)) == ["09:00", "12:00"]


def test_touching_appointments_do_not_block_neighbouring_slots():
    b = busy((local(TUE, 10), local(TUE, 11)))
    r = rules(business_start=time(9, 0), business_end=time(12, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY, b)) == ["09:00", "11:00"]


def test_long_early_appointment_still_blocks_a_late_slot():
    # The long one starts first; a short one starts later and ends early. The 15:00 and 16:00
    # slots are only covered by the long one, which a "last interval only" check would miss.
    b = busy(
        (local(TUE, 6), local(TUE, 16, 30)), (local(TUE, 9), local(TUE, 9, 15)), (local(TUE, 12), local(TUE, 12, 30))
    )
    assert walls(slots_on(rules(), TUE, EARLY_MONDAY, b)) == []
    r = rules(business_end=time(18, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY, b)) == ["17:00"]


def test_appointment_from_the_day_before_blocks_the_morning():
    b = busy((local(MON, 20), local(TUE, 9, 30)))
    r = rules(business_start=time(8, 0), business_end=time(11, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY, b)) == ["10:00"]


def test_busy_times_in_another_zone_are_compared_as_instants():
    b = BusyTimes(
        [
            Interval(
                datetime(2026, 3, 3, 10, tzinfo=ZoneInfo("America/New_York")),
                datetime(2026, 3, 3, 11, tzinfo=ZoneInfo("America/New_York")),
            )
        ]
    )
    # 10:00 EST = 09:00 CST.
    r = rules(business_start=time(8, 0), business_end=time(11, 0))
    assert walls(slots_on(r, TUE, EARLY_MONDAY, b)) == ["08:00", "10:00"]


def test_busy_times_overlap_is_half_open():
    b = busy((local(TUE, 10), local(TUE, 11)))
    assert b.overlaps(local(TUE, 10, 59), local(TUE, 12))
    assert b.overlaps(local(TUE, 9), local(TUE, 10, 1))
    assert not b.overlaps(local(TUE, 11), local(TUE, 12))
    assert not b.overlaps(local(TUE, 9), local(TUE, 10))
    assert not NO_BUSY.overlaps(local(TUE, 9), local(TUE, 10))
    assert len(b) == 1


# --- check_client_booking --------------------------------------------------------------------


def test_client_booking_accepts_an_offered_slot():
    r = rules()
    slot = slots_on(r, TUE, EARLY_MONDAY)[2]
    assert check_client_booking(r, NO_BUSY, EARLY_MONDAY, slot.start) == slot


def test_client_booking_accepts_a_slot_given_in_the_practice_zone():
    r = rules()
    got = check_client_booking(r, NO_BUSY, EARLY_MONDAY, local(TUE, 10))
    assert (got.start, got.end) == (utc(2026, 3, 3, 16), utc(2026, 3, 3, 17))


@pytest.mark.parametrize(
    "overrides,start,message",
    [
        ({}, datetime(2026, 3, 3, 10), "That time is not valid."),
        ({"weekdays": frozenset()}, local(TUE, 10), "Online booking is not open for this counselor."),
        ({"days_prior": 0}, local(TUE, 10), "Online booking is not open for this counselor."),
        ({"allow_current_day": True}, local(MON, 5), "That time has already passed."),
        ({"allow_current_day": True}, EARLY_MONDAY, "That time has already passed."),
        ({}, local(MON, 10), "Appointments for today can't be booked online. Please choose a later day."),
        ({}, local(MON + timedelta(days=31), 10), "Appointments can be booked at most 30 days ahead."),
        ({"days_prior": 3}, local(FRI, 10), "Appointments can be booked at most 3 days ahead."),
        ({}, local(SAT, 10), "Appointments can't be booked on Saturdays."),
        ({"weekdays": frozenset({0, 2})}, local(TUE, 10), "Appointments can't be booked on Tuesdays."),
        ({}, local(TUE, 7), "That time is outside the counselor's bookable hours."),
        ({}, local(TUE, 17), "That time is outside the counselor's bookable hours."),
        ({}, local(TUE, 10, 30), "That time is outside the counselor's bookable hours."),
        (
            {"session_minutes": 45, "business_end": time(9, 15)},
            local(TUE, 8, 45),
            "That time is outside the counselor's bookable hours.",
        ),
        ({}, local(TUE, 10) + timedelta(seconds=1), "That time is outside the counselor's bookable hours."),
    ],
    ids=[
        "naive",
        "no-weekdays",
        "no-window",
        "past",
        "exactly-now",
        "today-not-allowed",
        "beyond-horizon",
        "beyond-short-horizon",
        "weekday-not-allowed",
        "weekday-not-allowed-2",
        "before-business-start",
        "at-business-end",
        "off-grid",
        "would-end-after-business-end",
        "one-second-off-grid",
    ],
)
def test_client_booking_refuses_each_violation_with_its_message(overrides, start, message):
    with pytest.raises(SchedulingError) as refused:
        check_client_booking(rules(**overrides), NO_BUSY, EARLY_MONDAY, start)
    assert str(refused.value) == message


def test_client_booking_refuses_a_taken_slot():
    b = busy((local(TUE, 10, 30), local(TUE, 10, 45)))
    with pytest.raises(SchedulingError) as refused:
        check_client_booking(rules(), b, EARLY_MONDAY, local(TUE, 10))
    assert str(refused.value) == SLOT_TAKEN


def test_client_booking_refuses_a_slot_covered_by_a_long_early_appointment():
    b = busy((local(TUE, 6), local(TUE, 16, 30)), (local(TUE, 8), local(TUE, 8, 15)))
    with pytest.raises(SchedulingError, match="no longer available"):
        check_client_booking(rules(), b, EARLY_MONDAY, local(TUE, 16))


def test_client_booking_allows_a_slot_touching_appointments_on_both_sides():
    b = busy((local(TUE, 9), local(TUE, 10)), (local(TUE, 11), local(TUE, 12)))
    assert check_client_booking(rules(), b, EARLY_MONDAY, local(TUE, 10)).end == local(TUE, 11)


def test_client_booking_allows_the_last_day_of_the_horizon():
    r = rules(days_prior=3)
    assert check_client_booking(r, NO_BUSY, EARLY_MONDAY, local(THU, 16)).start == local(THU, 16)


def test_client_booking_today_when_allowed():
    r = rules(allow_current_day=True)
    assert check_client_booking(r, NO_BUSY, local(MON, 12, 10), local(MON, 13)).start == local(MON, 13)


# --- check_staff_times -----------------------------------------------------------------------


def test_staff_may_book_outside_business_hours():
    got = check_staff_times(NO_BUSY, local(SAT, 19), local(SAT, 20))
    assert got == Interval(local(SAT, 19), local(SAT, 20))


def test_staff_end_must_be_after_start():
    with pytest.raises(SchedulingError, match="^The end must be after the start.$"):
        check_staff_times(NO_BUSY, local(TUE, 10), local(TUE, 9))
    with pytest.raises(SchedulingError, match="^The end must be after the start.$"):
        check_staff_times(NO_BUSY, local(TUE, 10), local(TUE, 10))


def test_staff_times_must_be_zoned():
    with pytest.raises(SchedulingError, match="not valid"):
        check_staff_times(NO_BUSY, datetime(2026, 3, 3, 10), local(TUE, 11))
    with pytest.raises(SchedulingError, match="not valid"):
        check_staff_times(NO_BUSY, local(TUE, 10), datetime(2026, 3, 3, 11))


def test_staff_appointment_may_last_exactly_8_hours_but_not_longer():
    assert MAX_APPOINTMENT == timedelta(hours=8)
    assert check_staff_times(NO_BUSY, local(TUE, 8), local(TUE, 16)).end == local(TUE, 16)
    with pytest.raises(SchedulingError, match="^An appointment can last at most 8 hours.$"):
        check_staff_times(NO_BUSY, local(TUE, 8), local(TUE, 16) + timedelta(seconds=1))


def test_staff_appointment_may_not_overlap_another():
    b = busy((local(TUE, 10), local(TUE, 11)))
    for start, end in [
        (local(TUE, 10, 30), local(TUE, 11, 30)),
        (local(TUE, 9), local(TUE, 12)),
        (local(TUE, 10, 15), local(TUE, 10, 45)),
        (local(TUE, 9, 30), local(TUE, 10, 1)),
    ]:
        with pytest.raises(SchedulingError, match="^This overlaps another appointment on this calendar.$"):
            check_staff_times(b, start, end)


def test_staff_appointment_touching_end_to_start_is_not_an_overlap():
    b = busy((local(TUE, 10), local(TUE, 11)))
    assert check_staff_times(b, local(TUE, 11), local(TUE, 12)).start == local(TUE, 11)
    assert check_staff_times(b, local(TUE, 9), local(TUE, 10)).end == local(TUE, 10)


def test_staff_8_hour_limit_is_real_hours_when_times_are_in_the_practice_zone():
    long_night = (local(FALL_BACK, 0), local(FALL_BACK, 8))  # 9 real hours
    with pytest.raises(SchedulingError, match="at most 8 hours"):
        check_staff_times(NO_BUSY, *long_night)
    short_night = (local(SPRING_FORWARD, 0), local(SPRING_FORWARD, 8, 30))  # 7.5 real hours
    assert check_staff_times(NO_BUSY, *short_night).end == short_night[1]


def test_staff_8_hour_limit_is_real_hours_for_utc_times():
    with pytest.raises(SchedulingError, match="at most 8 hours"):
        check_staff_times(NO_BUSY, utc(2026, 11, 1, 5), utc(2026, 11, 1, 14))  # 00:00 CDT to 08:00 CST
    assert check_staff_times(NO_BUSY, utc(2026, 3, 8, 6), utc(2026, 3, 8, 13, 30)).start == utc(2026, 3, 8, 6)


# --- rescheduling ----------------------------------------------------------------------------

APPOINTMENT = local(THU, 10)


def test_reschedule_allowed_exactly_at_the_restriction_boundary():
    r = rules(reschedule_restriction_hours=24)
    assert reschedule_allowed(r, APPOINTMENT, APPOINTMENT - timedelta(hours=24))
    check_client_reschedule(r, APPOINTMENT, APPOINTMENT - timedelta(hours=24))  # no error


def test_reschedule_allowed_well_before_the_window():
    r = rules(reschedule_restriction_hours=24)
    assert reschedule_allowed(r, APPOINTMENT, APPOINTMENT - timedelta(days=10))


def test_reschedule_refused_one_second_inside_the_window_with_the_custom_message():
    r = rules(reschedule_restriction_hours=24, reschedule_message="  Please call us on 555-0100.  ")
    now = APPOINTMENT - timedelta(hours=24) + timedelta(seconds=1)
    assert not reschedule_allowed(r, APPOINTMENT, now)
    with pytest.raises(SchedulingError) as refused:
        check_client_reschedule(r, APPOINTMENT, now)
    assert str(refused.value) == "Please call us on 555-0100."


@pytest.mark.parametrize("message", ["", "   ", "\n\t"])
def test_reschedule_refused_with_the_default_message_when_none_is_set(message):
    r = rules(reschedule_restriction_hours=48, reschedule_message=message)
    with pytest.raises(SchedulingError) as refused:
        check_client_reschedule(r, APPOINTMENT, APPOINTMENT - timedelta(hours=47))
    assert str(refused.value) == DEFAULT_RESCHEDULE_MESSAGE


def test_reschedule_with_no_restriction_is_allowed_until_the_start():
    r = rules(reschedule_restriction_hours=0)
    assert reschedule_allowed(r, APPOINTMENT, APPOINTMENT)
    assert not reschedule_allowed(r, APPOINTMENT, APPOINTMENT + timedelta(seconds=1))


def test_negative_reschedule_restriction_counts_as_zero():
    r = rules(reschedule_restriction_hours=-5)
    assert reschedule_allowed(r, APPOINTMENT, APPOINTMENT)
    assert not reschedule_allowed(r, APPOINTMENT, APPOINTMENT + timedelta(hours=1))


def test_reschedule_window_is_real_hours_across_a_clock_change():
    # Appointment Sunday 8 March 10:00 CDT = 15:00 UTC, as the database returns it. 24 real hours
    # before is Saturday 09:00 CST; Saturday 10:00 CST ("same time yesterday") is only 23 hours before.
    r = rules(reschedule_restriction_hours=24)
    start = utc(2026, 3, 8, 15)
    saturday = SPRING_FORWARD - timedelta(days=1)
    assert reschedule_allowed(r, start, local(saturday, 9))
    assert not reschedule_allowed(r, start, local(saturday, 9) + timedelta(seconds=1))
    assert not reschedule_allowed(r, start, local(saturday, 10))


def test_reschedule_window_is_real_hours_when_the_start_is_in_the_practice_zone():
    r = rules(reschedule_restriction_hours=24)
    start = local(SPRING_FORWARD, 10)  # same instant as utc(2026, 3, 8, 15)
    assert not reschedule_allowed(r, start, local(SPRING_FORWARD - timedelta(days=1), 9, 30))


# --- status changes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "current,new",
    [
        ("requested", "scheduled"),
        ("requested", "confirmed"),
        ("requested", "declined"),
        ("scheduled", "confirmed"),
        ("scheduled", "cancelled"),
        ("scheduled", "checked_in"),
        ("confirmed", "no_show"),
        ("checked_in", "completed"),
        ("completed", "checked_in"),
        ("no_show", "completed"),
        ("cancelled", "scheduled"),
        ("declined", "scheduled"),
        ("rescheduled", "confirmed"),
    ],
)
def test_status_change_allowed(current, new):
    check_status_change(current, new)


@pytest.mark.parametrize("status", [s.value for s in AppointmentStatus])
def test_status_unchanged_is_always_allowed(status):
    check_status_change(status, status)


@pytest.mark.parametrize(
    "current,new,message",
    [
        ("completed", "cancelled", "An appointment that is completed can't be marked cancelled."),
        ("cancelled", "completed", "An appointment that is cancelled can't be marked completed."),
        ("no_show", "checked_in", "An appointment that is no show can't be marked checked in."),
        ("requested", "completed", "An appointment that is requested can't be marked completed."),
        ("declined", "confirmed", "An appointment that is declined can't be marked confirmed."),
        ("scheduled", "requested", "An appointment that is scheduled can't be marked requested."),
        ("mystery", "scheduled", "An appointment that is mystery can't be marked scheduled."),
    ],
)
def test_status_change_refused_with_message(current, new, message):
    with pytest.raises(SchedulingError) as refused:
        check_status_change(current, new)
    assert str(refused.value) == message


def test_status_table_covers_every_status_and_names_only_real_ones():
    known = {s.value for s in AppointmentStatus}
    assert set(STAFF_TRANSITIONS) == known
    for current, targets in STAFF_TRANSITIONS.items():
        assert targets <= known, current
        assert current not in targets


# --- calendar views --------------------------------------------------------------------------

WED_11 = date(2026, 3, 11)


def test_day_view_is_the_anchor_only():
    assert list(week_days(WED_11, "Day", 0)) == [WED_11]
    assert list(week_days(WED_11, "Day", 6)) == [WED_11]


def test_full_week_starting_monday():
    assert list(week_days(WED_11, "FullWeek", 0)) == [date(2026, 3, 9) + timedelta(days=i) for i in range(7)]


def test_full_week_starting_sunday():
    assert list(week_days(WED_11, "FullWeek", 6)) == [date(2026, 3, 8) + timedelta(days=i) for i in range(7)]


def test_week_days_view_is_monday_to_friday_whatever_the_first_day():
    expected = [date(2026, 3, 9) + timedelta(days=i) for i in range(5)]
    assert list(week_days(WED_11, "WeekDays", 0)) == expected
    assert list(week_days(WED_11, "WeekDays", 6)) == expected


def test_sunday_anchor_belongs_to_the_week_it_starts_or_ends():
    sunday = date(2026, 3, 15)
    assert list(week_days(sunday, "FullWeek", 0))[-1] == sunday  # Monday-first: Sunday is last
    assert list(week_days(sunday, "FullWeek", 6))[0] == sunday  # Sunday-first: Sunday is first
    assert list(week_days(sunday, "WeekDays", 6)) == [date(2026, 3, 16) + timedelta(days=i) for i in range(5)]
    assert list(week_days(sunday, "WeekDays", 0)) == [date(2026, 3, 9) + timedelta(days=i) for i in range(5)]


@pytest.mark.parametrize("first", range(7))
def test_full_week_starts_on_the_first_weekday_and_contains_the_anchor(first):
    days = list(week_days(WED_11, "FullWeek", first))
    assert days[0].weekday() == first and len(days) == 7 and WED_11 in days
    assert all(b - a == timedelta(days=1) for a, b in zip(days, days[1:], strict=False))


def test_week_spanning_a_month_and_leap_day():
    assert list(week_days(date(2028, 3, 1), "FullWeek", 0)) == [date(2028, 2, 28), date(2028, 2, 29)] + [
        date(2028, 3, d) for d in range(1, 6)
    ]


# --- plain words and settings ----------------------------------------------------------------


def test_describe_window_in_plain_words():
    r = rules(weekdays=frozenset({4, 0, 2}), business_start=time(8, 0), business_end=time(17, 30))
    assert describe_window(r) == (
        "You can book 60-minute sessions on Monday, Wednesday and Friday, 8:00 AM to 5:30 PM, "
        "from tomorrow up to 30 days ahead."
    )
    assert "on Sunday, 8:00 AM" in describe_window(rules(weekdays=frozenset({6})))
    assert "from today" in describe_window(rules(allow_current_day=True))


def test_rules_from_portal_settings():
    s = PortalSettings(
        counselor_id=1, allowed_weekdays="1,3, 5", session_minutes=45, days_prior=10, reschedule_message="Call"
    )
    r = Rules.from_settings(s, "America/Chicago")
    assert r.tz == CHI and r.weekdays == frozenset({1, 3, 5}) and r.session == timedelta(minutes=45)
    assert (r.business_start, r.business_end, r.days_prior, r.allow_current_day) == (time(8), time(17), 10, False)
    assert (r.reschedule_restriction_hours, r.reschedule_message) == (24, "Call")


# --- daylight saving time --------------------------------------------------------------------

NIGHT = dict(business_start=time(0, 0), business_end=time(5, 0), session_minutes=30, weekdays=ALL_DAYS)
WEEK_BEFORE_SPRING = local(date(2026, 3, 1), 12)
WEEK_BEFORE_FALL = local(date(2026, 10, 25), 12)


def test_spring_forward_skips_the_missing_wall_clock_times():
    slots = slots_on(rules(**NIGHT), SPRING_FORWARD, WEEK_BEFORE_SPRING)
    assert walls(slots) == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30"]
    assert "02:00" not in walls(slots) and "02:30" not in walls(slots)


def test_spring_forward_slots_are_exactly_the_session_length_in_real_time():
    slots = slots_on(rules(**NIGHT), SPRING_FORWARD, WEEK_BEFORE_SPRING)
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)
    # 01:30 CST is 07:30 UTC, and its session ends at 08:00 UTC = 03:00 CDT on the wall clock.
    straddling = slots[3]
    assert (straddling.start, straddling.end) == (utc(2026, 3, 8, 7, 30), utc(2026, 3, 8, 8, 0))
    assert wall(straddling.end) == "03:00"
    assert slots[4].start == utc(2026, 3, 8, 8, 0)  # 03:00 CDT


def test_spring_forward_offsets_before_and_after_the_gap():
    slots = slots_on(rules(**NIGHT), SPRING_FORWARD, WEEK_BEFORE_SPRING)
    assert slots[0].start == utc(2026, 3, 8, 6, 0)  # 00:00 CST = 06:00 UTC
    assert slots[-1].start == utc(2026, 3, 8, 9, 30)  # 04:30 CDT = 09:30 UTC


def test_spring_forward_missing_wall_time_cannot_be_booked():
    with pytest.raises(SchedulingError, match="does not exist"):
        check_client_booking(rules(**NIGHT), NO_BUSY, WEEK_BEFORE_SPRING, local(SPRING_FORWARD, 2, 30))


def test_spring_forward_session_pushed_past_business_end_by_the_gap_is_not_offered():
    # 60-minute sessions from 01:00: 01:00 CST + 60 real minutes ends at 03:00 CDT on the wall clock.
    # That fits business hours ending 03:00, but not business hours ending 02:30.
    r = rules(**{**NIGHT, "session_minutes": 60, "business_start": time(1, 0), "business_end": time(3, 0)})
    assert walls(slots_on(r, SPRING_FORWARD, WEEK_BEFORE_SPRING)) == ["01:00"]
    r = rules(**{**NIGHT, "session_minutes": 60, "business_start": time(1, 0), "business_end": time(2, 30)})
    assert slots_on(r, SPRING_FORWARD, WEEK_BEFORE_SPRING) == []


def test_fall_back_offers_each_repeated_wall_time_once():
    slots = slots_on(rules(**NIGHT), FALL_BACK, WEEK_BEFORE_FALL)
    assert walls(slots) == ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30", "04:00", "04:30"]
    assert all(s.end - s.start == timedelta(minutes=30) for s in slots)


def test_fall_back_repeated_hour_is_offered_at_its_first_occurrence_in_utc():
    slots = {wall(s.start): s for s in slots_on(rules(**NIGHT), FALL_BACK, WEEK_BEFORE_FALL)}
    assert slots["00:00"].start == utc(2026, 11, 1, 5, 0)  # CDT
    assert slots["01:00"].start == utc(2026, 11, 1, 6, 0)  # 01:00 CDT = 06:00 UTC
    assert slots["01:30"].start == utc(2026, 11, 1, 6, 30)
    assert slots["02:00"].start == utc(2026, 11, 1, 8, 0)  # 02:00 CST
    assert slots["04:30"].start == utc(2026, 11, 1, 10, 30)
    # Nothing is offered in the second 01:00–02:00 (07:00–08:00 UTC).
    assert not [s for s in slots.values() if utc(2026, 11, 1, 7) <= s.start < utc(2026, 11, 1, 8)]


def test_fall_back_second_occurrence_of_a_wall_time_cannot_be_booked():
    r = rules(**NIGHT)
    assert check_client_booking(r, NO_BUSY, WEEK_BEFORE_FALL, utc(2026, 11, 1, 6)).start == utc(2026, 11, 1, 6)
    with pytest.raises(SchedulingError, match="outside the counselor's bookable hours"):
        check_client_booking(r, NO_BUSY, WEEK_BEFORE_FALL, utc(2026, 11, 1, 7))  # 01:00 CST


def test_fall_back_offered_slot_given_in_the_practice_zone_is_accepted():
    r = rules(**NIGHT)
    start = local(FALL_BACK, 1, 0)  # fold=0: the first 01:00, CDT, the slot that is offered
    assert start.astimezone(UTC) == utc(2026, 11, 1, 6)
    assert check_client_booking(r, NO_BUSY, WEEK_BEFORE_FALL, start).start == utc(2026, 11, 1, 6)


def test_spring_forward_offered_slots_do_not_overlap_with_45_minute_sessions():
    slots = slots_on(rules(**{**NIGHT, "session_minutes": 45}), SPRING_FORWARD, WEEK_BEFORE_SPRING)
    assert all(a.end <= b.start for a, b in zip(slots, slots[1:], strict=False)), [
        (wall(s.start), wall(s.end)) for s in slots
    ]


@pytest.mark.parametrize(
    "day,utc_hour",
    [
        (date(2026, 3, 6), 15),  # Friday before spring forward: CST, 09:00 = 15:00 UTC
        (date(2026, 3, 9), 14),  # Monday after: CDT, 09:00 = 14:00 UTC
        (date(2026, 10, 30), 14),  # Friday before fall back: CDT
        (date(2026, 11, 2), 15),  # Monday after: CST
    ],
)
def test_business_days_around_clock_changes_keep_the_right_offset(day, utc_hour):
    r = rules(business_start=time(9, 0), business_end=time(17, 0), days_prior=14)
    slots = slots_on(r, day, local(day - timedelta(days=4), 12))
    assert slots[0].start == datetime.combine(day, time(utc_hour), tzinfo=UTC)
    assert len(slots) == 8 and all(s.end - s.start == timedelta(hours=1) for s in slots)


def test_a_window_across_spring_forward_has_the_same_wall_times_on_each_side():
    r = rules(business_start=time(9, 0), business_end=time(12, 0), days_prior=14)
    slots = client_slots(r, NO_BUSY, local(date(2026, 3, 5), 12), date(2026, 3, 6), date(2026, 3, 9))
    by_day: dict[date, list[str]] = {}
    for s in slots:
        by_day.setdefault(s.start.astimezone(CHI).date(), []).append(wall(s.start))
    assert by_day == {date(2026, 3, 6): ["09:00", "10:00", "11:00"], date(2026, 3, 9): ["09:00", "10:00", "11:00"]}
    assert [s.start.hour for s in slots] == [15, 16, 17, 14, 15, 16]


# --- leap day --------------------------------------------------------------------------------

LEAP = date(2028, 2, 29)  # a Tuesday


def test_leap_day_is_offered_when_its_weekday_is_allowed():
    assert LEAP.weekday() == 1
    r = rules(weekdays=frozenset({1}), days_prior=30)
    slots = client_slots(r, NO_BUSY, local(date(2028, 2, 20), 12), date(2028, 2, 20), date(2028, 3, 10))
    assert sorted({s.start.astimezone(CHI).date() for s in slots}) == [date(2028, 2, 22), LEAP, date(2028, 3, 7)]
    assert check_client_booking(r, NO_BUSY, local(date(2028, 2, 20), 12), local(LEAP, 9)).start == local(LEAP, 9)


@pytest.mark.parametrize(
    "days_prior,last",
    [(1, date(2028, 2, 28)), (2, LEAP), (3, date(2028, 3, 1)), (4, date(2028, 3, 2))],
)
def test_horizon_across_the_leap_day_counts_calendar_days(days_prior, last):
    now = local(date(2028, 2, 27), 12)  # Sunday
    r = rules(days_prior=days_prior, weekdays=ALL_DAYS)
    assert booking_window(r, now) == (date(2028, 2, 28), last)
    slots = client_slots(r, NO_BUSY, now, date(2028, 2, 1), date(2028, 3, 31))
    assert max(s.start.astimezone(CHI).date() for s in slots) == last


def test_horizon_across_the_leap_day_refuses_the_day_after():
    now = local(date(2028, 2, 27), 12)
    r = rules(days_prior=2, weekdays=ALL_DAYS)
    with pytest.raises(SchedulingError, match="at most 2 days ahead"):
        check_client_booking(r, NO_BUSY, now, local(date(2028, 3, 1), 9))


# --- properties ------------------------------------------------------------------------------

ZONES = [CHI, ZoneInfo("Europe/London"), ZoneInfo("Australia/Lord_Howe")]  # Lord Howe moves 30 minutes
# Around the clock changes (and the leap day) and anywhere in between.
ANCHORS = [
    utc(2026, 3, 8, 8),
    utc(2026, 11, 1, 7),
    utc(2026, 3, 1, 8),
    utc(2026, 10, 25, 7),
    utc(2028, 2, 28, 12),
    utc(2026, 6, 15, 12),
]


@st.composite
def rules_strategy(draw, zones=(CHI,)):
    # Often start in the small hours, where the clocks change.
    start = draw(st.one_of(st.integers(0, 12), st.integers(0, 23 * 4))) * 15
    end = draw(st.integers(1, 24 * 4 - 1)) * 15
    return Rules(
        tz=draw(st.sampled_from(zones)),
        business_start=time(start // 60, start % 60),
        business_end=time(end // 60, end % 60),
        session_minutes=draw(st.sampled_from([15, 30, 45, 60])),
        days_prior=draw(st.integers(0, 60)),
        allow_current_day=draw(st.booleans()),
        weekdays=draw(st.frozensets(st.integers(0, 6))),
    )


@st.composite
def now_strategy(draw):
    anchor = draw(st.sampled_from(ANCHORS))
    spread = draw(st.sampled_from([6 * 3600, 4 * 86400, 40 * 86400]))
    return anchor + timedelta(seconds=draw(st.integers(-spread, spread)))


@st.composite
def busy_strategy(draw, now: datetime, days: int):
    spans = []
    for _ in range(draw(st.integers(0, 12))):
        start = now + timedelta(minutes=draw(st.integers(-2 * 1440, (days + 2) * 1440)))
        length = timedelta(minutes=draw(st.one_of(st.integers(1, 120), st.integers(1, 16 * 60))))
        spans.append(Interval(start, start + length))
    return spans


def _brute_overlaps(spans, start, end) -> bool:
    return any(s.start < end and s.end > start for s in spans)


def _day_changes_offset(tz, day: date) -> bool:
    midnight = datetime.combine(day, time(0), tzinfo=tz)
    next_midnight = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return midnight.utcoffset() != next_midnight.utcoffset() or (
        next_midnight.astimezone(UTC) - midnight.astimezone(UTC)
    ) != timedelta(days=1)


@settings(max_examples=150, deadline=None)
@given(data=st.data(), r=rules_strategy(zones=ZONES), now=now_strategy())
def test_every_offered_slot_obeys_every_rule(data, r, now):
    spans = data.draw(busy_strategy(now, r.days_prior))
    busy_times = BusyTimes(spans)
    today = now.astimezone(r.tz).date()
    first_day, last_day = today - timedelta(days=1), today + timedelta(days=r.days_prior + 1)
    slots = client_slots(r, busy_times, now, first_day, last_day)
    window_first = today if r.allow_current_day else today + timedelta(days=1)
    window_last = today + timedelta(days=r.days_prior)

    seen_walls = set()
    for slot in slots:
        start_local, end_local = slot.start.astimezone(r.tz), slot.end.astimezone(r.tz)
        assert slot.end - slot.start == r.session
        assert slot.start > now
        assert not _brute_overlaps(spans, slot.start, slot.end)
        assert start_local.weekday() in r.weekdays
        assert window_first <= start_local.date() <= window_last
        # Inside business hours on the wall clock, same day.
        assert end_local.date() == start_local.date()
        assert r.business_start <= start_local.time() and end_local.time() <= r.business_end
        # On the grid from business start, at a wall time that exists, at its first occurrence.
        offset = start_local.replace(tzinfo=None) - datetime.combine(start_local.date(), r.business_start)
        assert offset % r.session == timedelta(0)
        assert start_local.fold == 0
        back = datetime.combine(start_local.date(), start_local.time(), tzinfo=r.tz)
        assert back.astimezone(UTC) == slot.start.astimezone(UTC)
        key = (start_local.date(), start_local.time())
        assert key not in seen_walls  # each wall-clock start offered once
        seen_walls.add(key)

    for a, b in zip(slots, slots[1:], strict=False):
        assert a.start < b.start
        assert a.end <= b.start  # also across a clock change

    # Completeness on days without a clock change: every free future grid slot is offered.
    offered = {s.start for s in slots}
    day = window_first
    while day <= window_last:
        if day.weekday() in r.weekdays and not _day_changes_offset(r.tz, day):
            cursor = datetime.combine(day, r.business_start)
            while cursor + r.session <= datetime.combine(day, r.business_end):
                start = cursor.replace(tzinfo=r.tz).astimezone(UTC)
                if start > now and not _brute_overlaps(spans, start, start + r.session):
                    assert start in offered, (day, cursor.time())
                cursor += r.session
        day += timedelta(days=1)

    # The booking check accepts what is offered (every slot, or an even spread of at most 200).
    stride = max(1, len(slots) // 200)
    for slot in slots[::stride] + slots[-1:]:
        assert check_client_booking(r, busy_times, now, slot.start) == slot


@settings(max_examples=150, deadline=None)
@given(data=st.data(), r=rules_strategy(), now=now_strategy())
def test_booking_check_accepts_exactly_the_offered_starts(data, r, now):
    """check_client_booking and client_slots agree on every candidate start, offered or not."""
    spans = data.draw(busy_strategy(now, r.days_prior))
    busy_times = BusyTimes(spans)
    today = now.astimezone(r.tz).date()
    slots = client_slots(r, busy_times, now, today - timedelta(days=1), today + timedelta(days=r.days_prior + 1))
    offered = {s.start for s in slots}
    base = now.replace(minute=0, second=0, microsecond=0)
    candidates = data.draw(st.lists(st.integers(-24 * 4, (r.days_prior + 2) * 24 * 4), max_size=40))
    for quarter in candidates:
        start = (base + timedelta(minutes=15 * quarter)).astimezone(UTC)
        try:
            got = check_client_booking(r, busy_times, now, start)
        except SchedulingError:
            assert start not in offered
        else:
            assert got.start in offered and got.end - got.start == r.session


@settings(max_examples=150, deadline=None)
@given(
    spans=st.lists(st.tuples(st.integers(0, 2000), st.integers(0, 600)), max_size=30),
    query=st.tuples(st.integers(-100, 2200), st.integers(1, 600)),
)
def test_busy_times_overlaps_agrees_with_brute_force(spans, query):
    base = utc(2026, 3, 8, 0)
    intervals = [Interval(base + timedelta(minutes=s), base + timedelta(minutes=s + n)) for s, n in spans]
    start = base + timedelta(minutes=query[0])
    end = start + timedelta(minutes=query[1])
    assert BusyTimes(intervals).overlaps(start, end) == _brute_overlaps(intervals, start, end)
