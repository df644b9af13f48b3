"""Issue 17: readers of escalation copies act from them, on both databases. The agency lead
nudges the owner, proposes a new date (the chair's Approve / Decline card) or asks the chair to
reassign; the LIC group comments or requests an update. Each reaches the right person with a
card they can act on."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from tests.scenarios.test_action_moves import OWNER_MOVES, escalate_to_the_chair, make_lic_members
from tests.scenarios.test_action_moves import titles as action_titles
from tests.support.journey import COLLEAGUE, LEAD, Journey, button_data, card_verbs


def copy_for(j: Journey, words: str) -> dict[str, Any]:
    [copy] = [c for c in j.bot.connector.cards() if words in json.dumps(c, ensure_ascii=False)]
    return copy


def sent_with(j: Journey, words: str) -> list[dict[str, Any]]:
    return [c for c in j.bot.connector.cards() if words in json.dumps(c, ensure_ascii=False)]


async def test_the_lead_acts_from_the_escalation_copy(journey_each: Journey) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    await escalate_to_the_chair(j)
    copy = copy_for(j, "agency's safeguarding lead")
    assert action_titles(copy)[:3] == [
        "Nudge the owner",
        "Propose a new date",
        "Ask the chair to reassign",
    ]

    j.bot.connector.clear()
    nudge = {**button_data(copy, verbs.ACTION_NUDGE), "note": "Can you send the audit?"}
    answer = await j.act(verbs.ACTION_NUDGE, nudge, LEAD)
    assert "Nudged the owner" in json.dumps(answer["value"])
    [owner_card] = sent_with(j, "Can you send the audit?")
    assert action_titles(owner_card) == list(OWNER_MOVES), "the owner can act on it"

    j.bot.connector.clear()
    ask = {**button_data(copy, verbs.ACTION_ASK_REASSIGN), "note": "The owner has left"}
    await j.act(verbs.ACTION_ASK_REASSIGN, ask, LEAD)
    [chair_card] = sent_with(j, "The owner has left")
    assert "Reassign" in action_titles(chair_card), "the chair can reassign from it"

    j.bot.connector.clear()
    propose = {
        **button_data(copy, verbs.ACTION_PROPOSE_DATE),
        "due_on": "2099-06-30",
        "note": "Staff off sick",
    }
    refused = await j.act(verbs.ACTION_PROPOSE_DATE, {**propose, "due_on": "2001-01-01"}, LEAD)
    assert "must be in the future" in json.dumps(refused)
    await j.act(verbs.ACTION_PROPOSE_DATE, propose, LEAD)
    [decision] = sent_with(j, "New date asked for")
    assert verbs.DATE_APPROVE in card_verbs(decision), "the chair approves or declines it"


async def test_the_lic_comments_and_requests_an_update(journey_each: Journey) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    await escalate_to_the_chair(j)
    copy = copy_for(j, "For the LIC group")
    assert action_titles(copy)[:2] == ["Comment", "Request an update"]

    j.bot.connector.clear()
    ask = {**button_data(copy, verbs.ACTION_REQUEST_UPDATE), "note": "Where is the re-audit?"}
    await j.act(verbs.ACTION_REQUEST_UPDATE, ask, COLLEAGUE)
    [owner_card] = sent_with(j, "Where is the re-audit?")
    assert action_titles(owner_card) == list(OWNER_MOVES)

    stranger = await j.act(verbs.ACTION_COMMENT, {**ask, "note": "Mine"}, LEAD)
    assert "Only the LIC group" in json.dumps(stranger)
