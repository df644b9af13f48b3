"""How `overdue …`'s words are read: a review named by reference keeps the period and agency
typed beside it (they were dropped unsaid: "overdue for LOS-2026-001 2026 Q3" listed every
overdue item of the review), the reference's year is never read as a period, and the card says
how it read them, words that named nothing included."""

from __future__ import annotations

import json
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from cards.summaries import overdue_card
from domain.commands import interpret
from domain.phrasing import FILLER, asked_words, quarter, year_period
from domain.scope import Scope, ScopeKind
from domain.summaries import OverdueList, overdue_read_as, unread_words

TODAY = date(2026, 12, 7)  # 2026 Q4
KNOWN = ("help", "summary", "dashboard", "overdue", "export")

# How a period may be typed, and what it is, on TODAY.
PERIODS = {
    "2026 q3": quarter(2026, 3),
    "2026-q3": quarter(2026, 3),
    "q2 2025": quarter(2025, 2),
    "this quarter": quarter(2026, 4),
    "last quarter": quarter(2026, 3),
    "this year": year_period(2026),
    "last year": year_period(2025),
    "2024": year_period(2024),
}
# How a reference may be typed, and the review it names.
REFERENCES = {
    "los-2026-001": "LOS-2026-001",
    "LOS-2026-001": "LOS-2026-001",
    "los 2025 12": "LOS-2025-012",
    "2024-7": "LOS-2024-007",
    "los/2026/004": "LOS-2026-004",
}
LEADS = ("overdue", "what's overdue", "show me the overdue stuff", "overdue items")
CONNECTING = sorted(w for w in FILLER if w not in {"review", "reviews"})


@settings(max_examples=300, deadline=None)
@given(
    lead=st.sampled_from(LEADS),
    before=st.lists(st.sampled_from(CONNECTING), max_size=3),
    reference=st.sampled_from(sorted(REFERENCES)),
    between=st.lists(st.sampled_from(CONNECTING), max_size=2),
    period=st.one_of(st.none(), st.sampled_from(sorted(PERIODS))),
    agency=st.sampled_from(["", "police", "health"]),
    period_first=st.booleans(),
)
def test_a_review_s_period_and_agency_are_read_beside_it(
    lead: str,
    before: list[str],
    reference: str,
    between: list[str],
    period: str | None,
    agency: str,
    period_first: bool,
) -> None:
    """However the question is put, with the reference first or last: the review, the period
    (or none: the reference's own year is no period) and the agency words, nothing dropped."""
    beside = [w for w in (period, agency) if w]
    # "2024 2024-7" with nothing between reads as the reference LOS-2024-2024 (the reference's
    # own spelling allows it): a word between, as people write it.
    parts = [*beside, "for", reference] if period_first else [reference, *between, *beside]
    text = " ".join([lead, *before, *parts])
    command = interpret(text, KNOWN)
    assert command is not None, text
    assert command.name == "overdue", text
    words = asked_words(command.argument, TODAY)
    assert words.reference == REFERENCES[reference], (text, command.argument)
    assert words.period == (PERIODS[period] if period else None), (text, command.argument)
    assert words.rest == agency, (text, command.argument)


def test_the_words_read_for_other_asking_commands_are_as_before() -> None:
    """Only `overdue` reads a period beside a review: a summary is the review's alone."""
    summary = interpret("summary for LOS-2026-001 2026 Q3", KNOWN)
    assert summary is not None
    assert summary.argument == "los-2026-001"


def test_words_that_name_no_period_are_kept_to_be_said_so() -> None:
    command = interpret("overdue for LOS-2026-001 this month", KNOWN)
    assert command is not None
    words = asked_words(command.argument, TODAY)
    assert (words.reference, words.period, words.rest) == ("LOS-2026-001", None, "this month")
    assert words == asked_words("LOS-2026-001 this month", TODAY)


def test_without_a_reference_the_period_is_still_taken_from_the_rest() -> None:
    words = asked_words("child k 2026-q3", TODAY)
    assert (words.reference, words.period, words.rest) == (None, quarter(2026, 3), "child k")
    assert asked_words("police this quarter", TODAY).period == quarter(2026, 4)
    assert asked_words("", TODAY) == asked_words("   ", TODAY)


def _listing(**kwargs: object) -> OverdueList:
    base = OverdueList(Scope(ScopeKind.PARTNERSHIP, 1, 1), None, (), 0, 1, 1)
    return OverdueList(**{**base.__dict__, **kwargs})  # type: ignore[arg-type]


def test_the_card_says_the_review_agency_and_period_it_read_and_pages_on_them() -> None:
    listing = _listing(
        review=(1, "LOS-2026-001 · Child K"), agency=(3, "Police"), period=quarter(2026, 3)
    )
    assert overdue_read_as(listing) == "LOS-2026-001 · Child K, Police, items agreed in 2026 Q3"
    card = overdue_card(listing, asked="los-2026-001 police 2026 q3")
    text = json.dumps(card, ensure_ascii=False)
    assert "LOS-2026-001 · Child K · agreed in 2026 Q3" in text
    assert (
        "I read “los-2026-001 police 2026 q3” as LOS-2026-001 · Child K, Police, items agreed "
        "in 2026 Q3." in text
    )
    dashboard = next(a for a in card["actions"] if a["title"] == "Dashboard")
    assert dashboard["data"]["period"] == "2026-Q3"


def test_the_card_says_which_words_it_did_not_use_and_how_periods_are_written() -> None:
    listing = _listing(review=(1, "LOS-2026-001 · Child K"))
    card = overdue_card(listing, asked="los-2026-001 this month", unread="this month")
    text = json.dumps(card, ensure_ascii=False)
    assert "I read “los-2026-001 this month” as LOS-2026-001 · Child K." in text
    assert unread_words("this month") in text
    assert unread_words("this month") == (
        "“this month” names no agency or period I know, so it wasn't used. "
        "Periods look like 2026, 2026-Q3 or last quarter."
    )
