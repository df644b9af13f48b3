"""A chaser due to people whose access ended (domain/chase_engine.py `owners_gone`): nothing
is sent, nothing is tried again, and those who can give it to someone else hear at once that
it needs a new owner, with the button to do it (cards/actions.py `access_ended_card`).
Before, it was a failed send retried for about half an hour, then "tell them yourself"."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import cast

import pytest

from cards import verbs
from cards.actions import access_ended_card
from cards.validation import card_problems
from domain import chase_engine as ce
from domain.chasers import Audience, ChaseKind, ChaseSubject, PlannedChase, SubjectKind
from domain.model import ActionStatus, ReturnStatus
from tests.unit.test_chase_delivery import _Log

AT = datetime(2027, 3, 10, 9, tzinfo=UTC)
NEXT = datetime(2027, 3, 15, 9, tzinfo=UTC)
CHAIR, DEPUTY, LEAD, OWNER, WRITER = 1, 2, 3, 7, 8


def _item_row(ended: tuple[int, ...] = (OWNER,)) -> ce.ChaseRow:
    subject = ChaseSubject(
        SubjectKind.ACTION_ITEM,
        ActionStatus.OPEN,
        date(2027, 3, 1),
        chase_count=3,
        overdue_unanswered=1,
    )
    return ce.ChaseRow(
        ce.ACTION,
        11,
        1,
        subject,
        (OWNER,),
        (LEAD,),
        CHAIR,
        "LOS-2026-004/A3",
        "Share the plan weekly.",
        DEPUTY,
        ended_ids=ended,
    )


def _return_row(ended: tuple[int, ...]) -> ce.ChaseRow:
    subject = ChaseSubject(SubjectKind.PRE_ANALYSIS_RETURN, ReturnStatus.IN_PROGRESS, AT.date())
    return ce.ChaseRow(
        ce.RETURN,
        12,
        1,
        subject,
        (OWNER, WRITER),
        (LEAD,),
        CHAIR,
        "LOS-2026-001",
        "Demo Community Health pre-analysis return",
        None,
        ended_ids=ended,
    )


def _claim(row: ce.ChaseRow, *audiences: Audience) -> ce.Claimed:
    chase = PlannedChase(AT, ChaseKind.OVERDUE, 4, audiences, "Overdue", "", "", "", AT)
    return ce.Claimed(row, chase, ce.key_for(row, chase.sequence), 1, NEXT, audiences)


def test_a_chaser_is_gone_only_when_it_is_for_its_owners_and_every_one_of_them_left() -> None:
    assert ce.owners_gone(_claim(_item_row(), Audience.OWNER))
    assert ce.owners_gone(_claim(_item_row(), Audience.OWNER, Audience.AGENCY_LEAD))
    assert not ce.owners_gone(_claim(_item_row(ended=()), Audience.OWNER))
    # A blocked item's chaser is the chair's, not the owner's: it goes to the chair as before.
    assert not ce.owners_gone(_claim(_item_row(), Audience.CHAIR))
    # One writer of a return remains: the chaser goes to them as usual.
    assert not ce.owners_gone(_claim(_return_row((OWNER,)), Audience.OWNER))
    assert ce.owners_gone(_claim(_return_row((OWNER, WRITER)), Audience.OWNER))
    nobody = replace(_item_row(ended=()), owner_ids=())
    assert not ce.owners_gone(_claim(nobody, Audience.OWNER))


def test_it_is_settled_at_once_counted_and_the_next_planned_never_retried() -> None:
    log = _Log()
    claimed = _claim(_item_row(), Audience.OWNER)
    log.rows[claimed.key] = {1: ce.ATTEMPTED}
    now = datetime(2027, 3, 10, 9, 1, tzinfo=UTC)
    outcome = ce.settle(cast(ce.ChaseRepository, log), claimed, ce.GONE, now)
    assert outcome == ce.ACCESS_ENDED
    assert log.rows[claimed.key] == {1: ce.ACCESS_ENDED}
    assert log.state["chase_count"] == 4, "done with: the next chaser has the next number"
    assert log.state["next_chase_at"] == NEXT, "planned as for any chaser, no back-off"
    assert log.state["last_chase_outcome"] == ce.ACCESS_ENDED
    assert ce.SETTLES[ce.ACCESS_ENDED] == ce.Settles(counts=True, reported=False)
    # Its own notice, not the "couldn't deliver, tell them yourself" report.
    assert ce.ACCESS_ENDED not in ce.REPORTED_TO_CHAIR
    assert ce.outcome_words(ce.ACCESS_ENDED) == "not sent: the owner's access has ended"


def test_those_who_can_give_it_to_someone_else_hear_never_the_owner() -> None:
    assert ce.access_ended_readers(_item_row()) == (CHAIR, DEPUTY, LEAD)
    # A return's writers are the chair's to assign: its agency's leads can't.
    assert ce.access_ended_readers(_return_row((OWNER, WRITER))) == (CHAIR,)
    chaired_by_owner = replace(_item_row(), chair_id=OWNER, lead_ids=(LEAD, DEPUTY))
    assert ce.access_ended_readers(chaired_by_owner) == (DEPUTY, LEAD)


@pytest.mark.parametrize("kind", ["item", "return"])
def test_the_notice_says_whose_access_ended_what_it_needs_and_has_the_button(kind: str) -> None:
    row = _item_row() if kind == "item" else _return_row((OWNER, WRITER))
    card = access_ended_card(row, ("Health Visitor (demo)",), NEXT)
    assert card_problems(card) == []
    shown = json.dumps(card, ensure_ascii=False)
    assert "Health Visitor (demo)'s access to Line of Sight has ended" in shown
    assert "the reminder due to them was not sent" in shown
    assert "tell them yourself" not in shown
    assert "Until it has someone else, you'll hear this instead of each reminder" in shown
    [button] = card["actions"]
    if kind == "item":
        assert "Needs a new owner · LOS-2026-004/A3" in shown
        assert "open it and Reassign it" in shown
        assert button["verb"] == verbs.ACTION_VIEW
        assert button["data"]["action_id"] == 11
    else:
        assert "Needs a new writer · Demo Community Health pre-analysis return" in shown
        assert button["verb"] == verbs.REVIEW_AGENCY
        assert button["data"]["return_id"] == 12
    done = access_ended_card(row, ("Health Visitor (demo)",), None)
    assert "No further reminder is planned." in json.dumps(done)


def test_chasers_not_sent_because_access_ended_are_not_counted_as_heard_after_a_restore() -> None:
    """Restored, the owner's next card says how many before it never reached them, not
    "You have now been chased 5 times" (`chase_messages.chased_line`)."""
    assert ce.never_delivered({ce.ACCESS_ENDED})
    assert not ce.never_delivered({ce.ACCESS_ENDED, ce.SENT})


ADMIN_A, ADMIN_B = 20, 21


def test_what_is_meant_for_a_chair_who_left_goes_to_the_deputy_else_the_admins() -> None:
    """`chair_readers`, the one place a chair whose access ended is passed over: before, their
    chasers and copies were sends the sender skipped and reported as undelivered."""
    live = _item_row(ended=())
    assert ce.chair_readers(live) == (CHAIR, DEPUTY)
    gone = replace(live, chair_ended=True)
    assert ce.chair_readers(gone) == (DEPUTY,)
    alone = replace(gone, deputy_id=None, admin_ids=(ADMIN_A, ADMIN_B))
    assert ce.chair_readers(alone) == (ADMIN_A, ADMIN_B)
    both = replace(gone, deputy_ended=True, admin_ids=(ADMIN_A,))
    assert ce.chair_readers(both) == (ADMIN_A,)
    # A deputy who left, with the chair still here: the chair alone.
    assert ce.chair_readers(replace(live, deputy_ended=True)) == (CHAIR,)

    # The chair's own chaser (a blocked item's): the deputy reads it as the chair.
    to = ce.recipients_of(_claim(gone, Audience.CHAIR))
    assert (to.chair, to.deputy, tuple(to.also_chair)) == (DEPUTY, None, ())
    to = ce.recipients_of(_claim(alone, Audience.CHAIR))
    assert (to.chair, to.deputy, tuple(to.also_chair)) == (ADMIN_A, None, (ADMIN_B,))
    to = ce.recipients_of(_claim(live, Audience.CHAIR))
    assert (to.chair, to.deputy, tuple(to.also_chair)) == (CHAIR, DEPUTY, ())

    # The copies and reports meant for the chair go the same way.
    assert ce.undelivered_readers(gone, {OWNER}) == (DEPUTY,)
    assert ce.undelivered_readers(alone, {OWNER}) == (ADMIN_A, ADMIN_B)
    assert ce.access_ended_readers(gone) == (DEPUTY, LEAD)
    from domain.action_state import Reader, copy_readers

    assert copy_readers((OWNER,), (LEAD,), ADMIN_A, None, (ADMIN_B,)) == (
        (ADMIN_A, Reader.CHAIR),
        (ADMIN_B, Reader.CHAIR),
        (LEAD, Reader.AGENCY_LEAD),
    )


def _impact_claim(not_sent_before: int) -> ce.Claimed:
    subject = ChaseSubject(
        SubjectKind.ACTION_ITEM, ActionStatus.COMPLETED, date(2027, 3, 1), status_since=AT.date()
    )
    row = replace(_item_row(), subject=subject)
    chase = PlannedChase(
        AT, ChaseKind.IMPACT_REQUEST, 2, (Audience.OWNER,), "Impact", "", "", "", AT
    )
    return ce.Claimed(
        row,
        chase,
        ce.key_for(row, chase.sequence),
        1,
        NEXT,
        (Audience.OWNER,),
        not_sent_before=not_sent_before,
    )


def test_a_completed_item_s_impact_request_for_a_leaver_is_told_once_to_the_chair_only() -> None:
    """review10 M1: nobody can reassign a completed item, so "needs a new owner" at every
    impact request was a dead end that never stopped. The chair hears once that no evidence of
    impact will come from the owner and the LIC group records it; the leads are not asked."""
    first, later = _impact_claim(0), _impact_claim(1)
    assert ce.owners_gone(first)
    assert ce.owners_gone(later)
    assert ce.access_ended_notice_due(first, lambda row: False)
    assert ce.access_ended_notice_due(later, lambda row: False), "its notice never reached anyone"
    assert not ce.access_ended_notice_due(later, lambda row: True), "told once, not every time"
    assert ce.access_ended_readers(first.row, ChaseKind.IMPACT_REQUEST) == (CHAIR, DEPUTY)
    # An open item's chaser is told each time, leads included.
    open_item = replace(_claim(_item_row(), Audience.OWNER), not_sent_before=3)
    assert ce.access_ended_notice_due(open_item, lambda row: True)
    assert ce.access_ended_readers(open_item.row, ChaseKind.OVERDUE) == (CHAIR, DEPUTY, LEAD)

    card = access_ended_card(first.row, ("Health Visitor (demo)",), NEXT, ChaseKind.IMPACT_REQUEST)
    assert card_problems(card) == []
    shown = json.dumps(card, ensure_ascii=False)
    assert "No evidence of impact to come · LOS-2026-004/A3" in shown
    assert "the request for evidence of impact was not sent" in shown
    assert "ask the LIC group to record the impact" in shown
    assert "Reassign" not in shown
    assert "you'll hear this instead of each reminder" not in shown
    [opens] = card["actions"]
    assert (opens["verb"], opens["data"]["action_id"]) == (verbs.ACTION_VIEW, 11)
