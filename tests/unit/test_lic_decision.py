"""The LIC group's decision read back where people act on the item: on the owner's and the
chair's action card and on the next record-impact card, each answer its own fact (it was a
one-off notice, run together as "How well: … Better off: …"). And the notices and queue
around it: the chair's "review closed" is about the review; an empty queue leads on."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from cards import actions as action_cards
from cards import verbs
from cards.validation import TEAMS_CARD_LIMIT_BYTES, card_problems, card_size
from domain.actions import ActionDetail, LicDecision, lic_decision_facts
from domain.model import ActionStatus
from tests.unit.test_action_state import detail_of
from tests.unit.test_summaries import action

KEPT = LicDecision(
    decision="keep_open",
    recorded_at=datetime(2026, 12, 3, 15, tzinfo=UTC),
    how_much="Briefed 40 of 60 officers",
    how_well="Only 9 followed the pathway",
    better_off="No evidence yet",
    minute_reference="LIC 12/4",
    meeting_on=date(2026, 12, 2),
)


def item(status: ActionStatus = ActionStatus.IN_PROGRESS, **changes: Any) -> ActionDetail:
    return replace(detail_of(action(status=status)), **{"lic_decision": KEPT, **changes})


def fact_map(card: dict[str, Any]) -> dict[str, str]:
    return {
        fact["title"]: fact["value"]
        for element in card["body"]
        if element["type"] == "FactSet"
        for fact in element["facts"]
    }


def test_each_answer_is_its_own_fact_with_the_decision_date_and_minute() -> None:
    assert lic_decision_facts(KEPT) == [
        (
            "LIC decision",
            "Kept open on Thu 3 Dec 2026 (LIC meeting Wed 2 Dec 2026), minute LIC 12/4",
        ),
        ("How much did we do?", "Briefed 40 of 60 officers"),
        ("How well did we do it?", "Only 9 followed the pathway"),
        ("Is anyone better off?", "No evidence yet"),
    ]
    bare = replace(KEPT, decision="escalate", minute_reference=None, meeting_on=None)
    assert lic_decision_facts(bare)[0] == (
        "LIC decision",
        "Escalated to the chair on Thu 3 Dec 2026",
    )


def test_the_owners_and_the_chairs_action_card_show_the_lic_decision() -> None:
    for card in (
        action_cards.action_item_card(item()),
        action_cards.action_item_card(
            item(ActionStatus.ESCALATED, lic_decision=replace(KEPT, decision="escalate")),
            owner=False,
            chair=True,
        ),
    ):
        assert card_problems(card) == []
        shown = fact_map(card)
        assert shown["How well did we do it?"] == "Only 9 followed the pathway"
        assert shown["Is anyone better off?"] == "No evidence yet"
        assert "The LIC group's last decision" in json.dumps(card)
    assert "Escalated to the chair on" in fact_map(card)["LIC decision"]


def test_no_lic_decision_no_block() -> None:
    card = action_cards.action_item_card(item(lic_decision=None))
    assert "LIC decision" not in fact_map(card)
    assert "The LIC group's last decision" not in json.dumps(card)


def test_the_next_record_impact_card_shows_the_previous_decision() -> None:
    card = action_cards.impact_card(item(ActionStatus.COMPLETED))
    assert card_problems(card) == []
    assert "The LIC group's previous decision" in json.dumps(card)
    assert fact_map(card)["LIC decision"].startswith("Kept open on Thu 3 Dec 2026")


def test_the_lic_answers_stay_inert_and_the_card_fits() -> None:
    loud = replace(
        KEPT,
        how_well="**bold** [link](https://example.org) <at>Someone</at> " + "x" * 5000,
        better_off="# heading\n1. list",
        minute_reference="_minute_",
    )
    card = action_cards.action_item_card(item(lic_decision=loud))
    assert card_problems(card) == []
    assert card_size(card) <= TEAMS_CARD_LIMIT_BYTES
    text = json.dumps(card)
    assert "**bold**" not in text
    assert "[link](https" not in text
    assert "<at>" not in text
    assert len(fact_map(card)["How well did we do it?"]) <= 320, "shortened on the card"


def test_the_owners_notice_carries_the_decision_when_asked() -> None:
    notice = action_cards.chair_notice_card(
        item(), "Impact recorded", "Kept open.", with_lic_decision=True
    )
    assert fact_map(notice)["Is anyone better off?"] == "No evidence yet"
    plain = action_cards.chair_notice_card(item(), "Impact recorded", "Closed.")
    assert "LIC decision" not in fact_map(plain)


def test_the_review_closed_notice_is_about_the_review_and_offers_its_summary() -> None:
    closed = item(ActionStatus.CLOSED)
    card = action_cards.review_closed_card(closed)
    assert card_problems(card) == []
    text = json.dumps(card, ensure_ascii=False)
    assert f"Review closed · {closed.review_reference}" in text
    assert f"Review closed · {closed.reference}" not in text, "not the last item's reference"
    assert f"The last to close was {closed.reference}." in text
    assert [(a["title"], a["verb"]) for a in card["actions"]] == [("Review summary", verbs.SUMMARY)]


def test_an_empty_awaiting_impact_queue_leads_somewhere() -> None:
    card = action_cards.awaiting_impact_card([])
    assert card_problems(card) == []
    assert [a["verb"] for a in card["actions"]] == [verbs.MY_ACTIONS, verbs.HELP]
    full = action_cards.awaiting_impact_card([item(ActionStatus.COMPLETED)])
    assert [a["verb"] for a in full["actions"]] == [verbs.ACTION_VIEW]
