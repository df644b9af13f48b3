"""A moment on a card is written as the day it fell on where the partnership is."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cards.common import friendly_date


def test_a_moment_after_midnight_in_summer_is_written_as_that_day() -> None:
    """review12b: an outcome published at 00:30 on 2 July (23:30 UTC on 1 July) said it was
    published on 1 July: a moment's own `.date()` is UTC's."""
    published = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)
    assert friendly_date(published) == "Thu 2 Jul 2026"
    assert friendly_date(published.replace(tzinfo=None)) == "Thu 2 Jul 2026", "as SQLite keeps it"
    assert friendly_date(datetime(2026, 12, 1, 23, 30, tzinfo=UTC)) == "Tue 1 Dec 2026"
    assert friendly_date(date(2026, 7, 1)) == "Wed 1 Jul 2026"
    assert friendly_date(None) == "not set"
