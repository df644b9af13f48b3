"""Issue 17: the chair splits one action item into two. `check_split` is the pure rule: each new
item SMART as the outcome's action-item form checks one (what, owner, due date, measure; not
vague), the item's lead agency and theme kept, and a reason; every problem at once, by input."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cards import actions as action_cards
from cards import summaries as summary_cards
from cards import verbs
from cards.validation import card_problems
from domain.action_controls import SplitPart, check_split
from domain.action_history import HistoryEntry
from domain.action_state import MOVES, Move, Mover
from domain.chasers import DEFAULT_POLICY
from domain.errors import FormInvalid
from domain.model import ActionStatus
from domain.summaries import Access, build_summary
from domain.transitions import ACTION_TRANSITIONS
from tests.unit.test_action_state import detail_of
from tests.unit.test_summaries import TODAY, action, records, review

OWNER_A = "a1000000-0000-4000-8000-000000000005"
OWNER_B = "a1000000-0000-4000-8000-000000000006"
DUE = TODAY + timedelta(days=35)
while DUE.weekday() >= 5:  # a working day, as SMART asks
    DUE += timedelta(days=1)

GOOD: dict[str, Any] = {
    "a_description": "Audit 20 police referrals against the escalation pathway.",
    "a_owner": OWNER_A,
    "a_due_on": DUE.isoformat(),
    "a_measure": "90% escalated within 5 working days",
    "b_description": "Train the front desk on the pathway, with a sign-in sheet.",
    "b_owner": OWNER_B,
    "b_due_on": (DUE + timedelta(days=7)).isoformat(),
    "b_measure": "Every front-desk officer trained",
    "reason": "Two teams do the two halves",
}


def item(status: ActionStatus = ActionStatus.IN_PROGRESS) -> Any:
    return detail_of(action(status=status))


def test_two_smart_halves_and_a_reason_make_a_plan() -> None:
    plan = check_split(item(), GOOD, TODAY)
    assert plan.parts == (
        SplitPart(GOOD["a_description"], OWNER_A, DUE, GOOD["a_measure"]),
        SplitPart(GOOD["b_description"], OWNER_B, DUE + timedelta(days=7), GOOD["b_measure"]),
    )
    assert plan.reason == "Two teams do the two halves"
    assert set(plan.texts) == {
        "reason",
        "a_description",
        "a_measure",
        "b_description",
        "b_measure",
    }, "every typed text goes through the identifier guard"


def test_both_halves_may_go_to_the_same_owner() -> None:
    plan = check_split(item(), {**GOOD, "b_owner": OWNER_A}, TODAY)
    assert {p.owner_aad for p in plan.parts} == {OWNER_A}


@pytest.mark.parametrize(
    ("typed", "key", "words"),
    [
        ({"a_description": ""}, "a_description", "is required"),
        ({"b_owner": ""}, "b_owner", "no named owner"),
        ({"b_owner": "Child K's social worker"}, "b_owner", "Choose the owner from the list"),
        ({"a_due_on": ""}, "a_due_on", "no due date"),
        ({"a_due_on": "soon"}, "a_due_on", "must be a date"),
        ({"b_due_on": "2001-01-01"}, "b_due_on", "in the past"),
        ({"a_measure": ""}, "a_measure", "no measure of success"),
        ({"b_description": "Raise awareness of the pathway."}, "b_description", "hard to measure"),
        ({"reason": "  "}, "reason", "is required"),
        ({"b_description": GOOD["a_description"]}, "b_description", "the same as the first"),
    ],
)
def test_each_problem_is_refused_under_its_input(
    typed: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(FormInvalid) as refused:
        check_split(item(), {**GOOD, **typed}, TODAY)
    assert words in refused.value.errors[key], refused.value.errors
    if key.startswith(("a_", "b_")):
        half = "First" if key.startswith("a_") else "Second"
        assert refused.value.errors[key].startswith(f"{half} new item"), "which half"


def test_every_problem_comes_back_at_once() -> None:
    with pytest.raises(FormInvalid) as refused:
        check_split(item(), {"action_id": 1}, TODAY)
    assert {"reason", "a_description", "b_description", "a_owner", "b_due_on"} <= set(
        refused.value.errors
    )


def test_a_due_date_on_a_weekend_is_not_smart() -> None:
    saturday = DUE + timedelta(days=(5 - DUE.weekday()) % 7)
    with pytest.raises(FormInvalid) as refused:
        check_split(item(), {**GOOD, "a_due_on": saturday.isoformat()}, TODAY)
    assert "weekend" in refused.value.errors["a_due_on"]


def test_an_item_without_a_lead_agency_keeps_none() -> None:
    """The new items keep the item's lead agency; the meeting agreed it without one, and the
    split is not the place to be refused for that."""
    plan = check_split(replace(item(), agency_id=None), GOOD, TODAY)
    assert len(plan.parts) == 2


@given(st.sampled_from(list(ActionStatus)))
def test_split_is_the_chair_s_on_any_item_not_yet_done(status: ActionStatus) -> None:
    not_done = {
        ActionStatus.OPEN,
        ActionStatus.IN_PROGRESS,
        ActionStatus.BLOCKED,
        ActionStatus.ESCALATED,
    }
    assert (Move.SPLIT in MOVES[Mover.CHAIR][status]) == (status in not_done)
    assert (ActionStatus.SPLIT in ACTION_TRANSITIONS[status]) == (status in not_done)
    for mover in (Mover.OWNER, Mover.AGENCY_LEAD, Mover.LIC):
        assert Move.SPLIT not in MOVES[mover][status]
    assert MOVES[Mover.CHAIR][ActionStatus.SPLIT] == (), "a split item ends there"


def test_the_chair_s_split_form_offers_every_member_and_starts_from_the_item() -> None:
    detail = item(ActionStatus.OPEN)
    owners = [(OWNER_A, detail.owner_name or ""), (OWNER_B, "Another Owner")]
    card = action_cards.action_item_card(detail, None, owner=False, chair=True, owners=owners)
    assert card_problems(card) == []
    [form] = [a for a in card["actions"] if a["title"] == "Split in two"]
    inputs = {i["id"]: i for i in form["card"]["body"] if "id" in i}
    assert {"a_description", "a_owner", "a_due_on", "a_measure", "reason"} <= set(inputs)
    assert len(inputs["a_owner"]["choices"]) == 2, "the item's owner may keep a half"
    assert inputs["b_measure"]["value"] == detail.success_measure
    assert form["card"]["actions"][0]["data"]["verb"] == verbs.ACTION_SPLIT


def test_a_split_item_s_card_leads_to_the_review_not_nowhere() -> None:
    split = item(ActionStatus.SPLIT)
    for card in (
        action_cards.action_item_card(split, None),
        action_cards.action_item_card(split, None, owner=False, chair=True),
    ):
        # The review, or the reader's list, where the two new items are theirs to open.
        assert [a["title"] for a in card["actions"]] == ["Review summary", "My actions"]


def test_the_chair_s_split_card_opens_each_new_item() -> None:
    split = item(ActionStatus.SPLIT)
    parts = [
        replace(item(ActionStatus.OPEN), id=8, reference="LOS-2026-004/A3"),
        replace(item(ActionStatus.OPEN), id=9, reference="LOS-2026-004/A4"),
    ]
    card = action_cards.split_card(split, parts, ("Split into A3 and A4.",))
    assert card_problems(card) == []
    assert [a["title"] for a in card["actions"]] == ["Open A3", "Open A4", "Review summary"]
    assert [a["data"].get("action_id") for a in card["actions"][:2]] == [8, 9]


def test_the_summary_counts_a_split_item_apart_and_its_chairs_open_each_line() -> None:
    rows = (
        replace(
            action(status=ActionStatus.SPLIT),
            latest=HistoryEntry(
                datetime(2026, 5, 1, tzinfo=UTC), "split", "Split into A2 and A3: two teams"
            ),
        ),
        replace(action(status=ActionStatus.OPEN), id=2, reference="LOS-2026-004/A2"),
        replace(action(status=ActionStatus.OPEN), id=3, reference="LOS-2026-004/A3"),
    )
    summary = build_summary(review(), Access.FULL, records(1, rows=rows), TODAY, DEFAULT_POLICY)
    assert sum(summary.rag_counts.values()) == 2, "the two new items carry the rating"
    assert summary.split_count == 1
    for manage in (False, True):
        card = summary_cards.summary_card(summary, manage=manage)
        assert card_problems(card) == []
        text = json.dumps(card, ensure_ascii=False)
        assert "Action items (3):" in text
        assert "1 split in two" in text
        assert " of 2 action items" in text, "impact counts the two new items, not the split one"
        assert "Split into A2 and A3" in text
        assert "Cancelled" not in text, "a split item is not a cancelled one"
        opened = [c["selectAction"] for c in _columnsets(card) if "selectAction" in c]
        # What ends each row: the row opened the item, but nothing on it said so.
        ends = [c["columns"][-1]["items"][0].get("text") for c in _columnsets(card)]
        if manage:  # the chair reaches each item's card, and its controls, from here
            assert sorted(o["title"] for o in opened) == ["Open A1", "Open A2", "Open A3"]
            assert {o["verb"] for o in opened} == {verbs.ACTION_VIEW}
            assert ends.count(summary_cards.OPEN_ROW) == 3, ends
            assert summary_cards.OPEN_HINT in text
        else:
            assert opened == []
            assert summary_cards.OPEN_ROW not in ends, "opens nothing, so says nothing"
            assert summary_cards.OPEN_HINT not in text


def _columnsets(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "ColumnSet":
            found.append(node)
        for value in node.values():
            found.extend(_columnsets(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_columnsets(value))
    return found
