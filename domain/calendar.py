"""Working-day arithmetic for England and Wales (docs/practice.md, "Timescales and clocks").

Working days exclude weekends and England and Wales bank holidays. The clocks are generic so the
same calendar serves Line-of-Sight returns (15 working days), the meeting (30) and the statutory
clocks nearby (rapid review 15, national panel notification 5).

Bank holidays come from the `holidays` package. `country_holidays("GB")` with no subdivision
lists only the UK-wide days and misses Easter Monday and the August bank holiday, so a
subdivision is needed. The package has no joint "England and Wales" code: `ENG` and `WLS` give
the same days, because both follow the Banking and Financial Dealings Act 1971 schedule, so we
use `ENG`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

RETURNS_DUE_WORKING_DAYS = 15
MEETING_DUE_WORKING_DAYS = 30
MONDAY_TO_FRIDAY = frozenset({0, 1, 2, 3, 4})

_ONE_DAY = timedelta(days=1)


@lru_cache(maxsize=256)
def _bank_holidays(country: str, subdivision: str, year: int) -> frozenset[date]:
    # Building a holidays table is slow compared with a set lookup, and a clock asks about the
    # same few years over and over.
    table = holidays.country_holidays(country, subdiv=subdivision, years=year)
    return frozenset(table.keys())


@dataclass(frozen=True)
class WorkingCalendar:
    """A partnership's working days: which weekdays it works, and whose bank holidays apply."""

    tz_name: str = "Europe/London"
    working_weekdays: frozenset[int] = field(default=MONDAY_TO_FRIDAY)
    country: str = "GB"
    subdivision: str = "ENG"

    def __post_init__(self) -> None:
        # Fail when the calendar is configured, not in the middle of a scheduler sweep.
        if not self.working_weekdays or not self.working_weekdays <= frozenset(range(7)):
            raise ValueError("working_weekdays must be a non-empty set of weekday numbers 0-6")
        ZoneInfo(self.tz_name)
        _bank_holidays(self.country, self.subdivision, 2000)

    def is_bank_holiday(self, day: date) -> bool:
        return day in _bank_holidays(self.country, self.subdivision, day.year)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.working_weekdays and not self.is_bank_holiday(day)

    def next_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, otherwise the first working day after it."""
        while not self.is_working_day(day):
            day += _ONE_DAY
        return day

    def add_working_days(self, day: date, n: int) -> date:
        """The n-th working day after `day` (before it, when n is negative).

        `day` itself is never counted, as in "within 15 working days of opening". With n == 0
        the result is `day` rolled forward to a working day, because a deadline that falls on a
        weekend or bank holiday is met on the next working day.
        """
        if n == 0:
            return self.next_working_day(day)
        step = _ONE_DAY if n > 0 else -_ONE_DAY
        remaining = abs(n)
        while remaining:
            day += step
            if self.is_working_day(day):
                remaining -= 1
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Signed count of working days from `start` to `end`, `start` excluded, `end` included.

        It is the inverse of `add_working_days` for a working-day `end`: "overdue by 3 working
        days" is `working_days_between(due, today) == 3`. When `end` is before `start`, the
        working days in [end, start) are counted and the result is negative.
        """
        if end >= start:
            return self._count_working_days(start + _ONE_DAY, end)
        return -self._count_working_days(end, start - _ONE_DAY)

    def _count_working_days(self, first: date, last: date) -> int:
        count = 0
        day = first
        while day <= last:
            if self.is_working_day(day):
                count += 1
            day += _ONE_DAY
        return count

    def today(self) -> date:
        """Today's date where the partnership is, not where the server is."""
        return self.local_date(datetime.now(ZoneInfo(self.tz_name)))

    def local_date(self, moment: datetime) -> date:
        """The date `moment` falls on where the partnership is (a record stamped late on 31
        March in UTC can be 1 April in London)."""
        return moment.astimezone(ZoneInfo(self.tz_name)).date()


DEFAULT_CALENDAR = WorkingCalendar()


def is_working_day(day: date) -> bool:
    return DEFAULT_CALENDAR.is_working_day(day)


def add_working_days(day: date, n: int) -> date:
    return DEFAULT_CALENDAR.add_working_days(day, n)


def working_days_between(start: date, end: date) -> int:
    return DEFAULT_CALENDAR.working_days_between(start, end)


def default_returns_due(opened: date) -> date:
    """Agency returns are typically due 15 working days after the review opens."""
    return DEFAULT_CALENDAR.add_working_days(opened, RETURNS_DUE_WORKING_DAYS)


def default_meeting_due(opened: date) -> date:
    """The Line-of-Sight meeting is typically held within 30 working days of opening."""
    return DEFAULT_CALENDAR.add_working_days(opened, MEETING_DUE_WORKING_DAYS)


def london_today() -> date:
    return DEFAULT_CALENDAR.today()
