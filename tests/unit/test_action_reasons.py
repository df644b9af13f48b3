"""What the chair's card says an item is, and why it is the colour it is.

- A date request is decided only where the chair's card offers Approve and Decline: one rule
  (`domain.actions.date_request_refused`) for the cards and for `decide_date`.
- A blocked item's card to its chair is titled as the decision it waits for.
- The RAG label is the same in every view ("Red: overdue, blocked or escalated"); a second
  fact says which of its causes it is (`domain.action_state.rag_reason`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings

from cards import actions as action_cards
from cards import verbs
from cards.common import why_rated
from cards.validation import card_problems
from domain.action_controls import DATE_CLOSED_BY, date_request_closed
from domain.action_history import HistoryEntry
from domain.action_state import (
    Move,
    Reader,
    action_rag,
    rag_reason,
    status_label,
    status_reason,
)
from domain.actions import (
    DATE_REQUEST_SETTLED,
    date_request_refused,
    item_rating,
    request_to_decide,
)
from domain.chasers import DEFAULT_POLICY, Rag
from domain.model import ActionStatus, ReviewStage
from tests.unit.test_action_state import _nodes, detail_of, items
from tests.unit.test_my_actions import item
from tests.unit.test_summaries import TODAY, action

DONE = (ActionStatus.CLOSED, ActionStatus.CANCELLED, ActionStatus.SPLIT)


def _facts(card: dict[str, Any]) -> dict[str, str]:
    facts = (f for node in _nodes(card) if node.get("type") == "FactSet" for f in node["facts"])
    return {fact["title"]: fact["value"] for fact in facts}


def _verbs(card: dict[str, Any]) -> list[str]:
    return [a.get("verb", "") for a in card.get("actions", [])]


# --- the date request's one rule ----------------------------------------------------------------


@pytest.mark.parametrize("status", list(ActionStatus))
def test_a_request_is_refused_where_the_card_offers_no_decision(status: ActionStatus) -> None:
    asked = item(1, status, pending_date=TODAY + timedelta(days=30), pending_request_id=5)
    refused = date_request_refused(asked)
    assert (refused is None) is request_to_decide(asked), "one rule for the card and the verb"
    if status is ActionStatus.ESCALATED:
        assert refused is not None
        assert "LOS-2026-001/A1 is now escalated to the chair by the LIC group" in refused
        assert "Set a new date" in refused, "says what the chair can do instead"
    elif status in DONE:
        assert refused is not None
        assert f"is now {status.value.replace('_', ' ')}" in refused.lower()
    else:
        assert refused is None, status


@pytest.mark.parametrize("move", list(DATE_CLOSED_BY))
@pytest.mark.parametrize("status", [ActionStatus.ESCALATED, ActionStatus.IN_PROGRESS])
def test_a_chair_s_decision_that_settles_the_date_closes_the_request(
    move: Move, status: ActionStatus
) -> None:
    """Any decision on an escalated item closes the request waiting on it, and so does one that
    settles its date on any item (a new date, an amended due date, an end); a reassign, or an
    amend of the wording alone, leaves a live item's request for the chair's Approve or
    Decline. Its history says which decision closed it, never that it was decided."""
    asked = item(1, status, pending_date=date(2099, 6, 30), pending_request_id=5)
    closed = date_request_closed(asked, move, due_changed=False)
    leaves_it = status is ActionStatus.IN_PROGRESS and move in (
        Move.REASSIGN,
        Move.LEAD_REASSIGN,
        Move.AMEND,
        Move.REOPEN,  # an item not escalated is not reopened: nothing settles its date
    )
    if leaves_it:
        assert closed is None, move
    else:
        assert closed == f"Date request for Tue 30 Jun 2099 closed: {DATE_CLOSED_BY[move]}.", closed
    if move is Move.AMEND:
        assert date_request_closed(asked, move, due_changed=True) == (
            "Date request for Tue 30 Jun 2099 closed: the chair amended its due date."
        )
    assert date_request_closed(item(2, status), move, due_changed=True) is None, "none waits"


def test_the_chair_setting_a_new_date_reads_as_closing_the_request() -> None:
    asked = item(1, ActionStatus.ESCALATED, pending_date=date(2099, 6, 30), pending_request_id=5)
    assert date_request_closed(asked, Move.SET_DATE, due_changed=True) == (
        "Date request for Tue 30 Jun 2099 closed: the chair set a new date."
    )
    assert "date_closed" in DATE_REQUEST_SETTLED, "the entry it leaves settles the request"


def test_a_request_on_a_settled_review_or_none_at_all_is_refused_saying_so() -> None:
    cancelled = item(1, pending_date=TODAY, review_stage=ReviewStage.CANCELLED)
    assert date_request_refused(cancelled) == (
        "LOS-2026-004 has been cancelled, so its action items can't be changed."
    )
    assert date_request_refused(item(2)) == "There is no date request waiting on LOS-2026-001/A2."


def test_the_request_card_of_an_item_since_escalated_offers_no_decision() -> None:
    """The request card is drawn by the same rule: no Approve or Decline to be refused."""
    live = item(1, ActionStatus.IN_PROGRESS, pending_date=TODAY, pending_request_id=5)
    assert _verbs(action_cards.date_request_card(live)) == [verbs.DATE_APPROVE, verbs.DATE_DECLINE]
    escalated = replace(live, status=ActionStatus.ESCALATED)
    card = action_cards.date_request_card(escalated)
    assert _verbs(card) == [verbs.ACTION_VIEW]
    assert "escalated to the chair by the LIC group" in json.dumps(card)
    assert card_problems(card) == []


# --- the blocked item's title -------------------------------------------------------------------


def _title(card: dict[str, Any]) -> str:
    """The card's title: its first line naming the item, under the letterhead."""
    texts = [str(b.get("text", "")) for b in card["body"] if b.get("type") == "TextBlock"]
    return next(text for text in texts if "LOS-2026-001/" in text)


def test_a_blocked_item_is_titled_for_its_chair_as_the_decision_it_waits_for() -> None:
    note = HistoryEntry(datetime(2026, 5, 1, tzinfo=UTC), "blocked", "No analyst until March")
    blocked = item(3, ActionStatus.BLOCKED, history=(note,))
    chair = action_cards.action_item_card(blocked, Rag.RED, owner=False, chair=True)
    assert _title(chair) == "For your decision: blocked action · LOS-2026-001/A3"
    assert card_problems(chair) == []
    owner = action_cards.action_item_card(blocked, Rag.RED)
    assert _title(owner) == "Your action · LOS-2026-001/A3", "the owner's, as before"
    # Nothing to decide on an item of a cancelled review: the plain title.
    settled = replace(blocked, review_stage=ReviewStage.CANCELLED)
    assert _title(action_cards.action_item_card(settled, Rag.RED, owner=False, chair=True)) == (
        "Action · LOS-2026-001/A3"
    )
    with_owner = item(4, ActionStatus.IN_PROGRESS)
    assert _title(action_cards.action_item_card(with_owner, owner=False, chair=True)) == (
        "Action · LOS-2026-001/A4"
    )
    escalated = item(5, ActionStatus.ESCALATED)
    assert _title(action_cards.action_item_card(escalated, owner=False, chair=True)) == (
        "For your decision: action · LOS-2026-001/A5"
    )


# --- which cause makes it red or amber ----------------------------------------------------------


def _reason(status: ActionStatus, days: int | None, says: str | None = None) -> str | None:
    due = None if days is None else TODAY + timedelta(days=days)
    return rag_reason(status, due, says, TODAY, DEFAULT_POLICY)


def test_the_reason_names_the_cause() -> None:
    # TODAY is Monday 15 June 2026; the warning window is 5 working days.
    assert _reason(ActionStatus.BLOCKED, 60) == "blocked"
    assert _reason(ActionStatus.ESCALATED, 10) == "escalated to the chair"
    # Blocked or escalated and past its date: both causes (it said only "blocked").
    assert _reason(ActionStatus.ESCALATED, -40) == (
        "escalated to the chair; overdue by 27 working days"
    )
    assert _reason(ActionStatus.BLOCKED, -14) == "blocked; overdue by 10 working days"
    assert _reason(ActionStatus.OPEN, -14) == "overdue by 10 working days"
    assert _reason(ActionStatus.IN_PROGRESS, -3) == "overdue by 1 working day"  # Friday
    assert _reason(ActionStatus.IN_PROGRESS, -1) == "due today", "Sunday: met on Monday"
    assert _reason(ActionStatus.OPEN, 2) == "due in 2 working days"
    assert _reason(ActionStatus.OPEN, 0) == "due today"
    assert _reason(ActionStatus.OPEN, 60, "amber") == "its owner says it is at risk"
    assert _reason(ActionStatus.OPEN, 60, "red") == "its owner says it is off track"
    assert _reason(ActionStatus.OPEN, 2, "amber") == (
        "due in 2 working days; its owner says it is at risk"
    ), "both causes of amber"
    assert _reason(ActionStatus.OPEN, -14, "red") == (
        "overdue by 10 working days; its owner says it is off track"
    )
    assert _reason(ActionStatus.OPEN, 2, "red") == "its owner says it is off track", (
        "only what makes it red: being due soon makes it amber"
    )
    for quiet in (
        _reason(ActionStatus.OPEN, 60),
        _reason(ActionStatus.COMPLETED, -14, "red"),
        _reason(ActionStatus.CLOSED, -14),
        _reason(ActionStatus.CANCELLED, -14),
        _reason(ActionStatus.OPEN, None),
    ):
        assert quiet is None, "green, blue and unrated say why in their label"


@settings(max_examples=200, deadline=None)
@given(items())
def test_every_red_or_amber_item_says_why_beside_the_label(row: Any) -> None:
    rated = action_rag(row.status, row.effective_due, row.latest_rag, TODAY, DEFAULT_POLICY)
    reason = rag_reason(row.status, row.effective_due, row.latest_rag, TODAY, DEFAULT_POLICY)
    assert bool(reason) is (rated in (Rag.RED, Rag.AMBER)), (rated, reason)
    detail = detail_of(row)
    assert item_rating(detail, TODAY, DEFAULT_POLICY) == (rated, reason)
    shown = _facts(action_cards.action_item_card(detail, rated, rag_reason=reason))
    if rated in (Rag.RED, Rag.AMBER) and reason != status_reason(row.status):
        assert shown[why_rated(rated.value)] == reason
    elif rated in (Rag.RED, Rag.AMBER):
        # "Blocked" or "Escalated" alone: the Status line beside it says it (walk9).
        assert shown["Status"] == status_label(row.status)
        assert not any(title.startswith("Why ") for title in shown)
    else:
        assert not any(title.startswith("Why ") for title in shown)


def test_the_escalation_copy_says_why_it_is_red() -> None:
    row = action(status=ActionStatus.BLOCKED, due_on=TODAY - timedelta(days=14))
    detail = detail_of(row)
    rag, why = item_rating(detail, TODAY, DEFAULT_POLICY)
    card = action_cards.escalation_card(detail, rag, Reader.CHAIR, 10, 3, rag_reason=why)
    facts = _facts(card)
    assert facts["RAG"] == "Red: overdue, blocked or escalated", "the label every view shares"
    assert facts["Why it's red"] == "blocked; overdue by 10 working days"
    assert card_problems(card) == []
