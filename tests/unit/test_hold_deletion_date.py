"""The legal hold card says when retention would delete the review without the hold (walk10:
it didn't): the retention period from the review's end, by the same rule the run uses."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cards import governance as cards
from cards.validation import card_problems
from domain.model import ReviewStage
from domain.retention import (
    PERIODS,
    HoldView,
    RetentionPolicy,
    ReviewCandidate,
    deleted_from,
    deletion_line,
    review_due,
)

SIX_YEARS = RetentionPolicy()  # 72 months
ENDED_ON = date(2026, 3, 5)


def candidate(ended_on: date) -> ReviewCandidate:
    return ReviewCandidate(1, "LOS-2026-001", ReviewStage.CLOSED, ended_on, False)


@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31)),
    st.integers(min_value=PERIODS[0].least, max_value=PERIODS[0].most),
)
def test_the_deletion_date_is_the_first_day_the_run_deletes_it(ended_on: date, months: int) -> None:
    policy = RetentionPolicy(closed_review_months=months)
    day = deleted_from(policy, ended_on)
    assert review_due(policy, candidate(ended_on), day)
    assert not review_due(policy, candidate(ended_on), day - timedelta(days=1))


def test_a_month_end_is_kept_until_the_whole_period_has_passed() -> None:
    one = RetentionPolicy(closed_review_months=1)
    assert deleted_from(one, date(2026, 3, 31)) == date(2026, 5, 1)
    assert deleted_from(one, date(2026, 3, 5)) == date(2026, 4, 5)
    assert deleted_from(SIX_YEARS, ENDED_ON) == date(2032, 3, 5)


def test_the_line_held_and_not_held_before_and_past_the_day() -> None:
    before, after = date(2026, 12, 7), date(2032, 3, 5)
    closed = ReviewStage.CLOSED
    assert deletion_line(SIX_YEARS, closed, ENDED_ON, True, before) == (
        "Without the hold, this review would be deleted on Fri 5 Mar 2032 "
        "(72 months after it ended)."
    )
    assert deletion_line(SIX_YEARS, closed, ENDED_ON, True, after) == (
        "Without the hold, this review is past its deletion date (Fri 5 Mar 2032, 72 months "
        "after it ended): lifting the hold lets the next retention run delete it."
    )
    assert deletion_line(SIX_YEARS, closed, ENDED_ON, False, before) == (
        "Retention deletes this review on Fri 5 Mar 2032 (72 months after it ended) unless it "
        "is held."
    )
    assert deletion_line(SIX_YEARS, closed, ENDED_ON, False, after).startswith(
        "This review is past its deletion date (Fri 5 Mar 2032"
    )
    one = RetentionPolicy(closed_review_months=1)
    assert deletion_line(one, ReviewStage.PRE_ANALYSIS, None, True, before) == (
        "Without the hold, this review would be deleted 1 month after it ends (it hasn't ended)."
    )


def test_the_hold_card_shows_the_line_and_stays_valid() -> None:
    line = deletion_line(SIX_YEARS, ReviewStage.CLOSED, ENDED_ON, True, date(2026, 12, 7))
    view = HoldView(4, "LOS-2026-004", "Child K", ReviewStage.CLOSED, True, ENDED_ON)
    card = cards.legal_hold_card(replace(view, deletion=line))
    assert "would be deleted on Fri 5 Mar 2032" in str(card)
    assert card_problems(card) == []
    assert "would be deleted" not in str(cards.legal_hold_card(view))
