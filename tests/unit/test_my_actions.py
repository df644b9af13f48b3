"""`my actions` for a chair: what waits for their decision, apart from their own items (new-user
walk M10). The grouping rule is domain/actions.py `group_my_actions`; the card only draws it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

import pytest

from cards import verbs
from cards.actions import my_actions_card
from cards.validation import card_problems
from domain.action_state import Move, Mover, moves_for
from domain.actions import (
    BLOCKED_WHY,
    DATE_ASKED_WHY,
    ESCALATED_WHY,
    ActionDetail,
    MyActions,
    awaits_decision,
    group_my_actions,
    request_to_decide,
)
from domain.chasers import DEFAULT_POLICY, Rag
from domain.model import ActionStatus, MemberView, ReviewStage, Role
from tests.unit.test_action_state import detail_of
from tests.unit.test_summaries import TODAY, action

CHAIR = MemberView(99, 1, "aad-99", "Chair K (demo)", None, frozenset({Role.CHAIR}))
OWNER = MemberView(7, 1, "aad-7", "Practitioner K (demo)", 3, frozenset({Role.PRACTITIONER}))


def item(number: int, status: ActionStatus = ActionStatus.OPEN, **changes: object) -> ActionDetail:
    row = action(status=status, due_on=TODAY + timedelta(days=number * 7))
    base = replace(detail_of(row), id=number, reference=f"LOS-2026-001/A{number}")
    return replace(base, **changes)  # type: ignore[arg-type]


def test_why_an_item_waits_for_its_chair() -> None:
    assert awaits_decision(item(1, ActionStatus.ESCALATED), CHAIR.id) == ESCALATED_WHY
    assert awaits_decision(item(2, pending_date=TODAY), CHAIR.id) == DATE_ASKED_WHY
    assert awaits_decision(item(3, ActionStatus.BLOCKED), CHAIR.id) == BLOCKED_WHY
    assert awaits_decision(item(4), CHAIR.id) is None, "with its owner, nothing to decide"
    assert awaits_decision(item(5, ActionStatus.COMPLETED), CHAIR.id) is None, "the LIC's"
    assert awaits_decision(item(6, ActionStatus.ESCALATED), OWNER.id) is None, "not their review"
    deputy = item(7, ActionStatus.ESCALATED, chair_member_id=1, deputy_chair_member_id=99)
    assert awaits_decision(deputy, CHAIR.id) == ESCALATED_WHY, "a deputy decides as the chair"
    # The request card goes to the chair alone, but the item's card offers its Approve and
    # Decline to the deputy as to the chair: both are told the same.
    asked = item(9, pending_date=TODAY, chair_member_id=1, deputy_chair_member_id=99)
    assert awaits_decision(asked, CHAIR.id) == DATE_ASKED_WHY
    assert awaits_decision(asked, 1) == DATE_ASKED_WHY
    # A request left on an item since escalated: the chair's own decision is what waits.
    stale = item(10, ActionStatus.ESCALATED, pending_date=TODAY)
    assert awaits_decision(stale, CHAIR.id) == ESCALATED_WHY
    assert not request_to_decide(stale)
    for done in (ActionStatus.CLOSED, ActionStatus.CANCELLED, ActionStatus.SPLIT):
        assert awaits_decision(item(8, done, pending_date=TODAY), CHAIR.id) is None


@pytest.mark.parametrize(
    "waiting",
    [{"status": ActionStatus.ESCALATED}, {"status": ActionStatus.BLOCKED}, {"pending_date": TODAY}],
)
def test_an_item_of_a_cancelled_review_waits_for_no_decision(waiting: dict[str, object]) -> None:
    """Every move on it is refused (settled_by_review), so listing it would lead nowhere."""
    cancelled = item(9, review_stage=ReviewStage.CANCELLED, **waiting)
    assert awaits_decision(cancelled, CHAIR.id) is None


def test_a_chair_s_decisions_and_own_items_are_apart_each_most_urgent_first() -> None:
    chaired = [item(1), item(2, ActionStatus.BLOCKED), item(3, ActionStatus.ESCALATED)]
    chaired.append(item(4, pending_date=TODAY + timedelta(days=40)))
    # The chair's own items: one blocked (theirs and theirs to decide: listed once, deciding),
    # one open, one closed.
    own = [
        item(5, owner_member_id=99),
        item(2, ActionStatus.BLOCKED, owner_member_id=99),
        item(6, ActionStatus.CLOSED, owner_member_id=99),
    ]
    mine = group_my_actions(CHAIR, own, chaired, TODAY, DEFAULT_POLICY)
    assert mine.deciding is not None
    assert [r.item.id for r in mine.deciding] == [2, 3, 4], "red first, then by due date"
    assert [r.why for r in mine.deciding] == [BLOCKED_WHY, ESCALATED_WHY, DATE_ASKED_WHY]
    assert [r.rag for r in mine.deciding][:2] == [Rag.RED, Rag.RED]
    assert [r.item.id for r in mine.own] == [5], "an item the chair decides is not listed twice"
    assert all(r.why is None for r in mine.own)


def test_a_chair_with_nothing_to_decide_still_sees_both_groups() -> None:
    mine = group_my_actions(CHAIR, [], [item(1)], TODAY, DEFAULT_POLICY)
    assert mine == MyActions((), ())
    card = my_actions_card(mine)
    text = json.dumps(card)
    assert "Waiting for your decision (0)" in text
    assert "Nothing is waiting for your decision." in text
    assert "Your action items (0)" in text
    assert "You have no open action items of your own." in text
    assert card_problems(card) == []


def test_anyone_else_reads_one_list_as_before() -> None:
    mine = group_my_actions(OWNER, [item(1), item(2)], [], TODAY, DEFAULT_POLICY)
    assert mine.deciding is None
    text = json.dumps(my_actions_card(mine))
    assert "Waiting for your decision" not in text
    assert "Your action items" not in text
    assert "LOS-2026-001/A1" in text
    assert "LOS-2026-001/A2" in text
    empty = json.dumps(my_actions_card(group_my_actions(OWNER, [], [], TODAY, DEFAULT_POLICY)))
    assert "You have no open action items." in empty


def test_someone_deputising_without_the_chair_role_sees_the_decision_group() -> None:
    deputy = replace(OWNER, id=99)
    mine = group_my_actions(deputy, [], [item(1, ActionStatus.ESCALATED)], TODAY, DEFAULT_POLICY)
    assert mine.deciding is not None
    assert len(mine.deciding) == 1


@pytest.mark.parametrize(("deciding", "own"), [(3, 2), (20, 20), (0, 30)])
def test_the_card_counts_each_group_and_opens_the_decisions_first(deciding: int, own: int) -> None:
    waiting = [item(n, ActionStatus.ESCALATED) for n in range(1, deciding + 1)]
    mine_items = [item(100 + n, owner_member_id=99) for n in range(own)]
    mine = group_my_actions(CHAIR, mine_items, waiting, TODAY, DEFAULT_POLICY)
    card = my_actions_card(mine)
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert f"Waiting for your decision ({deciding})" in text
    assert f"Your action items ({own})" in text
    opens = [a for a in card["actions"] if a["verb"] == verbs.ACTION_VIEW]
    assert len(opens) == min(5, deciding + own)
    first = [a["data"]["action_id"] for a in opens]
    assert first == [r.item.id for r in (*(mine.deciding or ()), *mine.own)][: len(opens)]
    if deciding:
        assert ESCALATED_WHY in text
    if deciding + own > 15:
        assert "more." in text, "the rest are counted, not dropped silently"


# Each of the chair's moves as a reason for waiting names it (the cards' own move names).
_NAMED = {
    Move.SET_DATE: "set a new date",
    Move.NOT_ACHIEVABLE: "not achievable",
    Move.REOPEN: "reopen",
    Move.REASSIGN: "reassign",
    Move.AMEND: "amend",
    Move.SPLIT: "split",
    Move.CANCEL: "cancel",
}


@pytest.mark.parametrize(
    ("status", "why"),
    [(ActionStatus.BLOCKED, BLOCKED_WHY), (ActionStatus.ESCALATED, ESCALATED_WHY)],
)
def test_each_reason_says_what_the_chair_can_decide(status: ActionStatus, why: str) -> None:
    """ "Blocked · owner …" said the state, not what the chair was to decide: each reason names
    every move the chair's card of the item offers in its state, and no other."""
    said = why.lower()
    offered = moves_for(Mover.CHAIR, status)
    assert offered, status
    for move in offered:
        assert _NAMED[move] in said, (move, why)
    for move in set(_NAMED) - set(offered):
        assert _NAMED[move] not in said, (move, why)
    assert why.split(":", 1)[0] in ("Blocked", "Escalated by the LIC group"), "the state first"


def test_a_date_request_says_approve_or_decline_and_where() -> None:
    why = DATE_ASKED_WHY
    assert why.startswith("New date asked for: approve or decline it when you open it")
    # The chair's card of an item with its owner offers Amend, which sets the date too.
    assert "Amend" in why
    assert Move.AMEND in moves_for(Mover.CHAIR, ActionStatus.IN_PROGRESS)
    assert "request card" not in why, "the item's own card offers Approve and Decline now"


@pytest.mark.parametrize("status", list(ActionStatus))
def test_a_request_is_decided_from_the_item_while_its_owner_has_it(status: ActionStatus) -> None:
    """Approve and Decline of a waiting request are offered where `decide_date` takes them and
    the chair has nothing else to decide first: not on an ended item, nor an escalated one."""
    asked = item(1, status, pending_date=TODAY, pending_request_id=5)
    live = status not in (
        ActionStatus.CLOSED,
        ActionStatus.CANCELLED,
        ActionStatus.SPLIT,
        ActionStatus.ESCALATED,
    )
    assert request_to_decide(asked) is live
    assert not request_to_decide(item(2, status)), "no request, nothing to approve"
    settled = replace(asked, review_stage=ReviewStage.CANCELLED)
    assert not request_to_decide(settled)


def test_a_waiting_row_names_its_owner_and_reads_the_reason_whole() -> None:
    blocked = item(2, ActionStatus.BLOCKED, owner_name="Practitioner K (demo)")
    mine = group_my_actions(CHAIR, [], [blocked], TODAY, DEFAULT_POLICY)
    card = my_actions_card(mine)
    assert card_problems(card) == []
    [row] = [b for b in card["body"] if b.get("type") == "Container"]
    top, reason, _ = (line["text"] for line in row["items"])
    assert top.startswith("**LOS-2026-001/A2** · owner Practitioner K (demo) · Red")
    assert reason == f"{BLOCKED_WHY}.", "the reason, a sentence of its own"
    own = group_my_actions(
        OWNER, [item(1, owner_name="Practitioner K (demo)")], [], TODAY, DEFAULT_POLICY
    )
    [mine_row] = [b for b in my_actions_card(own)["body"] if b.get("type") == "Container"]
    assert "owner" not in mine_row["items"][0]["text"], "their own item: no owner named"
