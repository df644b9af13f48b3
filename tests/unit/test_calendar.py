"""Working days for England and Wales: weekends, bank holidays, and counting in both directions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.calendar import (
    DEFAULT_CALENDAR,
    WorkingCalendar,
    add_working_days,
    default_meeting_due,
    default_returns_due,
    is_working_day,
    london_today,
    working_days_between,
)

CHRISTMAS_EVE_2026 = date(2026, 12, 24)  # Thursday
CHRISTMAS_2026 = date(2026, 12, 25)  # Friday
BOXING_DAY_SUBSTITUTE_2026 = date(2026, 12, 28)  # Monday
GOOD_FRIDAY_2027 = date(2027, 3, 26)
EASTER_MONDAY_2027 = date(2027, 3, 29)


@pytest.mark.parametrize(
    "day",
    [
        CHRISTMAS_2026,
        date(2026, 12, 26),  # Saturday, and Boxing Day
        date(2026, 12, 27),  # Sunday
        BOXING_DAY_SUBSTITUTE_2026,
        GOOD_FRIDAY_2027,
        EASTER_MONDAY_2027,
        date(2026, 8, 31),  # August bank holiday: England and Wales only, not Scotland
        date(2027, 1, 1),
    ],
)
def test_weekends_and_bank_holidays_are_not_working_days(day: date) -> None:
    assert not is_working_day(day)


@pytest.mark.parametrize(
    "day", [CHRISTMAS_EVE_2026, date(2026, 12, 29), date(2027, 3, 25), date(2027, 3, 30)]
)
def test_ordinary_weekdays_are_working_days(day: date) -> None:
    assert is_working_day(day)


def test_the_day_after_christmas_eve_2026_is_tuesday_29th() -> None:
    assert add_working_days(CHRISTMAS_EVE_2026, 1) == date(2026, 12, 29)


def test_counting_back_over_christmas_2026_lands_on_christmas_eve() -> None:
    assert add_working_days(date(2026, 12, 29), -1) == CHRISTMAS_EVE_2026


def test_easter_2027_skips_good_friday_and_easter_monday() -> None:
    maundy_thursday = date(2027, 3, 25)
    assert add_working_days(maundy_thursday, 1) == date(2027, 3, 30)
    assert add_working_days(date(2027, 3, 30), -1) == maundy_thursday
    assert working_days_between(maundy_thursday, date(2027, 3, 30)) == 1


def test_a_friday_plus_one_is_the_monday() -> None:
    assert add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_a_monday_minus_one_is_the_friday() -> None:
    assert add_working_days(date(2026, 11, 30), -1) == date(2026, 11, 27)


def test_a_weekend_day_counts_from_the_weekend() -> None:
    saturday = date(2026, 11, 28)
    assert add_working_days(saturday, 1) == date(2026, 11, 30)
    assert add_working_days(saturday, -1) == date(2026, 11, 27)


def test_zero_days_keeps_a_working_day() -> None:
    assert add_working_days(date(2026, 11, 26), 0) == date(2026, 11, 26)


def test_zero_days_rolls_a_non_working_day_forward() -> None:
    assert add_working_days(CHRISTMAS_2026, 0) == date(2026, 12, 29)


def test_returns_are_due_fifteen_working_days_after_opening() -> None:
    # Opened Monday 14 Dec 2026: Christmas, the Boxing Day substitute and New Year's Day 2027
    # all fall inside the window.
    assert default_returns_due(date(2026, 12, 14)) == date(2027, 1, 7)


def test_returns_due_in_an_ordinary_fortnight_is_three_weeks_later() -> None:
    assert default_returns_due(date(2026, 11, 2)) == date(2026, 11, 23)


def test_meeting_is_due_thirty_working_days_after_opening() -> None:
    assert default_meeting_due(date(2026, 11, 2)) == date(2026, 12, 14)


def test_working_days_between_is_negative_when_end_is_earlier() -> None:
    assert working_days_between(date(2026, 12, 29), CHRISTMAS_EVE_2026) == -1
    assert working_days_between(date(2026, 11, 30), date(2026, 11, 23)) == -5


def test_working_days_between_the_same_day_is_zero() -> None:
    assert working_days_between(CHRISTMAS_2026, CHRISTMAS_2026) == 0


def test_working_days_between_counts_a_whole_week() -> None:
    assert working_days_between(date(2026, 11, 23), date(2026, 11, 30)) == 5


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    n=st.integers(min_value=-400, max_value=400),
)
def test_between_is_the_inverse_of_add(start: date, n: int) -> None:
    end = add_working_days(start, n)
    assert is_working_day(end)
    if n != 0 or is_working_day(start):
        assert working_days_between(start, end) == n


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
    n=st.integers(min_value=1, max_value=60),
)
def test_adding_days_moves_forward_and_subtracting_moves_back(start: date, n: int) -> None:
    assert add_working_days(start, n) > start
    assert add_working_days(start, -n) < start


def test_a_custom_working_week_is_respected() -> None:
    four_day_week = WorkingCalendar(working_weekdays=frozenset({0, 1, 2, 3}))
    thursday = date(2026, 11, 26)
    assert not four_day_week.is_working_day(date(2026, 11, 27))
    assert four_day_week.add_working_days(thursday, 1) == date(2026, 11, 30)


@pytest.mark.parametrize("weekdays", [frozenset(), frozenset({7}), frozenset({-1, 0})])
def test_a_calendar_needs_real_working_weekdays(weekdays: frozenset[int]) -> None:
    with pytest.raises(ValueError, match="working_weekdays"):
        WorkingCalendar(working_weekdays=weekdays)


def test_an_unknown_time_zone_is_refused_when_configured() -> None:
    with pytest.raises(Exception, match="Mars"):
        WorkingCalendar(tz_name="Mars/Olympus_Mons")


def test_the_default_calendar_is_london_monday_to_friday_england_and_wales() -> None:
    assert DEFAULT_CALENDAR.tz_name == "Europe/London"
    assert DEFAULT_CALENDAR.working_weekdays == frozenset({0, 1, 2, 3, 4})
    assert DEFAULT_CALENDAR.subdivision == "ENG"


def test_today_is_a_date_near_the_system_date() -> None:
    assert abs(london_today() - date.today()) <= timedelta(days=1)


def test_a_long_span_is_counted_quickly() -> None:
    start = date(2026, 1, 1)
    end = add_working_days(start, 2500)
    assert working_days_between(start, end) == 2500
