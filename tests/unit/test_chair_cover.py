"""Who reads a review's chair part, and which reviews the dashboard names for it
(domain/chair_cover.py): one rule, read by the chaser sweep (`chase_engine.chair_readers`,
`chair_unread`) and by the dashboard and summary (`chair_gaps`)."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import verbs
from cards.summaries import CHAIR_GAPS_SHOWN, dashboard_card, summary_card
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain import chair_cover as cc
from domain import chase_engine as ce
from domain.model import ReviewStage
from domain.phrasing import year_period
from domain.summaries import Access, Dashboard, Dissemination, Scope, ScopeKind, build_summary
from domain.transitions import OPEN_STAGES
from tests.unit.test_chase_access_ended import _item_row
from tests.unit.test_summaries import DEFAULT_POLICY, TODAY, records, review

CHAIR, DEPUTY, ADMIN = 1, 2, 9

seats = st.builds(
    cc.Seat,
    chair_id=st.one_of(st.none(), st.integers(1, 4)),
    chair_ended=st.booleans(),
    deputy_id=st.one_of(st.none(), st.integers(1, 4)),
    deputy_ended=st.booleans(),
).filter(lambda s: s.deputy_id is None or s.deputy_id != s.chair_id)  # lifecycle.set_deputy
admins = st.lists(st.integers(1, 6), max_size=3, unique=True).map(tuple)


@given(seats, admins)
def test_the_sweep_and_the_dashboard_read_one_rule(
    seat: cc.Seat, admin_ids: tuple[int, ...]
) -> None:
    """What the sweep sends the chair's part to, and whether it logs "nobody reads", is what
    the dashboard's kind says, for any chair, deputy and admins."""
    row = replace(
        _item_row(),
        chair_id=seat.chair_id,
        chair_ended=seat.chair_ended,
        deputy_id=seat.deputy_id,
        deputy_ended=seat.deputy_ended,
        admin_ids=admin_ids,
    )
    readers = cc.readers(seat, admin_ids)
    assert ce.chair_readers(row) == readers
    kind = cc.cover(seat, admin_ids)
    assert ce.chair_unread(row) == (kind is cc.Cover.NOBODY)
    assert (kind is None) == (seat.chair_id is None)
    if kind is cc.Cover.NOBODY:
        assert seat.chair_ended
        assert not readers
    if kind is cc.Cover.ADMINS:
        assert readers == admin_ids
        assert admin_ids
    if kind is cc.Cover.DEPUTY:
        assert readers == (seat.deputy_id,)
    if kind is cc.Cover.CHAIR:
        assert readers[0] == seat.chair_id


@given(seats, admins)
def test_a_gap_is_a_chair_who_left_with_no_deputy_who_can(
    seat: cc.Seat, admin_ids: tuple[int, ...]
) -> None:
    gaps = cc.chair_gaps([_seat(1, "LOS-2026-001", seat)], admin_ids)
    deputy_can = seat.deputy_id is not None and not seat.deputy_ended
    left = seat.chair_id is not None and seat.chair_ended
    assert bool(gaps) == (left and not deputy_can)
    if gaps:
        assert gaps[0].cover is (cc.Cover.ADMINS if admin_ids else cc.Cover.NOBODY)


def test_the_cases_by_name() -> None:
    left = cc.Seat(CHAIR, chair_ended=True)
    assert cc.cover(cc.Seat(CHAIR), ()) is cc.Cover.CHAIR
    assert cc.cover(cc.Seat(None), (ADMIN,)) is None
    assert cc.cover(replace(left, deputy_id=DEPUTY), ()) is cc.Cover.DEPUTY
    assert cc.cover(left, (ADMIN,)) is cc.Cover.ADMINS
    assert cc.cover(replace(left, deputy_id=DEPUTY, deputy_ended=True), (ADMIN,)) is (
        cc.Cover.ADMINS
    )
    assert cc.cover(left, ()) is cc.Cover.NOBODY
    assert cc.nobody_reads(replace(left, deputy_id=DEPUTY, deputy_ended=True), ())


@given(st.sampled_from(list(ReviewStage)))
def test_only_open_reviews_are_named(stage: ReviewStage) -> None:
    """A closed or cancelled review has no chair's work left (and no deputy can be named)."""
    gaps = cc.chair_gaps([_seat(1, "LOS-2026-001", cc.Seat(CHAIR, True), stage)], ())
    assert bool(gaps) == (stage in OPEN_STAGES)


def test_nobody_first_then_by_reference() -> None:
    left = cc.Seat(CHAIR, True)
    gone = cc.Seat(CHAIR, True, DEPUTY, deputy_ended=True)
    found = cc.chair_gaps(
        [_seat(3, "LOS-2026-003", left), _seat(1, "LOS-2026-001", gone)], (ADMIN,)
    )
    assert [g.reference for g in found] == ["LOS-2026-001", "LOS-2026-003"]
    assert found[0].deputy_left
    assert not found[1].deputy_left
    none = cc.chair_gaps([_seat(3, "LOS-2026-003", left), _seat(1, "LOS-2026-001", gone)], ())
    assert {g.cover for g in none} == {cc.Cover.NOBODY}


# --- the cards ---------------------------------------------------------------------------------


def _board(gaps: tuple[cc.ChairGap, ...]) -> Dashboard:
    return Dashboard(
        scope=Scope(ScopeKind.PARTNERSHIP, 1, 1),
        agency=None,
        period=None,
        theme_period=year_period(TODAY.year),
        agencies=(),
        stages=(),
        by_agency=(),
        overdue=(),
        overdue_total=0,
        themes=(),
        dissemination=Dissemination(),
        chair_gaps=gaps,
    )


def _valid(card: dict[str, Any]) -> str:
    assert card_problems(card) == []
    return json.dumps(card, ensure_ascii=False)


def _gap(number: int, cover: cc.Cover, *, deputy_left: bool = False) -> cc.ChairGap:
    reference = f"LOS-2026-{number:03d}"
    return cc.ChairGap(number, reference, "Child K", "Police Practitioner", cover, deputy_left)


def test_the_dashboard_names_a_review_nobody_can_act_for_and_the_way_on() -> None:
    text = _valid(dashboard_card(_board((_gap(4, cc.Cover.NOBODY, deputy_left=True),)), TODAY))
    assert "Reviews whose chair has left (1)" in text
    assert "Nobody can act for the chair" in text
    assert "the review's deputy chair's access ended too" in text
    assert "reach nobody" in text
    assert "make someone an admin (the ADMIN_AAD_IDS setting)" in text
    assert verbs.REVIEW_MANAGE not in text, "a manager can't open it: no dead button"


def test_an_admin_is_offered_the_review_s_manage_card() -> None:
    board = _board((_gap(4, cc.Cover.ADMINS),))
    text = _valid(dashboard_card(board, TODAY, manage=True))
    assert "go to the partnership's admins" in text
    assert "Name a deputy chair (Manage, then Deputy chair)" in text
    assert '"title": "Manage LOS-2026-004"' in text
    other = json.dumps(dashboard_card(board, TODAY, manage=False), ensure_ascii=False)
    assert "An admin can name a deputy chair (manage LOS-2026-004)" in other
    assert verbs.REVIEW_MANAGE not in other


def test_many_gaps_are_named_with_a_way_to_each_and_the_card_stays_valid() -> None:
    """Past the first three, each is named by reference with the command that opens it
    (review12b: "…and 5 more reviews." named none of them)."""
    gaps = tuple(_gap(n, cc.Cover.ADMINS) for n in range(1, 9))
    card = dashboard_card(_board(gaps), TODAY, manage=True)
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    shown = {n for n in range(1, 9) if f'"title": "Manage LOS-2026-{n:03d}"' in text}
    assert shown == set(range(1, CHAIR_GAPS_SHOWN + 1))
    rest = ", ".join(f"LOS-2026-{n:03d}" for n in range(CHAIR_GAPS_SHOWN + 1, 9))
    assert f"…and {8 - CHAIR_GAPS_SHOWN} more reviews: {rest}." in text
    assert "Type manage and a reference to open one." in text
    many = tuple(_gap(n, cc.Cover.ADMINS) for n in range(1, 60))
    assert card_problems(dashboard_card(_board(many), TODAY, manage=False)) == []


def test_no_gap_says_nothing() -> None:
    text = json.dumps(dashboard_card(_board(()), TODAY), ensure_ascii=False)
    assert "chair has left" not in text


def test_the_summary_says_it_under_its_header() -> None:
    summary = build_summary(review(), Access.FULL, records(2, 0), TODAY, DEFAULT_POLICY)
    for cover, manage, said in (
        (cc.Cover.NOBODY, False, "Nobody can act for the chair"),
        (cc.Cover.ADMINS, True, "Name a deputy chair (Manage, then Deputy chair)"),
    ):
        card = summary_card(replace(summary, chair_gap=_gap(4, cover)), manage=manage)
        assert card_problems(card) == []
        text = json.dumps(card, ensure_ascii=False)
        assert said in text
        assert "Police Practitioner" in text
    plain = json.dumps(summary_card(summary), ensure_ascii=False)
    assert "no longer has access" not in plain


def _seat(
    review_id: int, reference: str, seat: cc.Seat, stage: ReviewStage = ReviewStage.PRE_ANALYSIS
) -> cc.ReviewSeat:
    return cc.ReviewSeat(review_id, reference, "Child K", stage, "Police Practitioner", seat)


@pytest.mark.parametrize("manage", [False, True])
def test_the_largest_summary_with_the_line_still_fits(manage: bool) -> None:
    """The line comes first on every page of a 60-item summary, the longest name a member can
    have in it (long words are given break points), and the card still fits Teams."""
    summary = build_summary(review(), Access.FULL, records(), TODAY, DEFAULT_POLICY)
    gap = replace(_gap(4, cc.Cover.NOBODY, deputy_left=True), chair_name="N" * 200)
    for page in (1, 2, 3):
        card = summary_card(replace(summary, chair_gap=gap), page, manage=manage)
        assert card_problems(card) == [], page
        assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
        assert "N" * 20 in json.dumps(card), "the name is said"
