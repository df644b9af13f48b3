"""Issue 17: readers of escalation copies act from them, on both databases. The agency lead
nudges the owner, reassigns the item within their agency, proposes a new date (the chair's
Approve / Decline card) or asks the chair to reassign (to another agency); the LIC group
comments or requests an update. Each reaches the right person with a card they can act on.
(A nudge Teams can't deliver is tests/scenarios/test_edge_sends.py's.)"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from cards import verbs
from domain.identifier_checks import confirm_key
from storage import tables as t
from tests.behaviour.test_action_moves import OWNER_CARD, escalate_to_the_chair, make_lic_members
from tests.behaviour.test_action_moves import titles as action_titles
from tests.support.activities import USER_AAD
from tests.support.answers import NAMED_NOTE as NAMED
from tests.support.journey import (
    COLLEAGUE,
    LEAD,
    OUTSIDER,
    PRACTITIONER,
    Journey,
    button_data,
    card_verbs,
)


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
    assert action_titles(copy)[:4] == [
        "Nudge the owner",
        "Reassign",
        "Propose a new date",
        "Ask the chair to reassign",
    ]

    j.bot.connector.clear()
    nudge = {**button_data(copy, verbs.ACTION_NUDGE), "note": "Can you send the audit?"}
    answer = await j.act(verbs.ACTION_NUDGE, nudge, LEAD)
    assert "Nudged " in json.dumps(answer["value"])
    assert "your message is on their action card" in json.dumps(answer["value"])
    [owner_card] = sent_with(j, "Can you send the audit?")
    assert action_titles(owner_card) == list(OWNER_CARD), "the owner can act on it"

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


def choices(card: dict[str, Any], input_id: str) -> list[str]:
    """The titles offered by the card's choice input `input_id` (at any depth)."""
    found: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for child in node:
                walk(child)
        elif isinstance(node, dict):
            if node.get("type") == "Input.ChoiceSet" and node.get("id") == input_id:
                found.extend(c["title"] for c in node.get("choices", []))
            for child in node.values():
                walk(child)

    walk(card)
    return found


async def test_the_lead_reassigns_within_their_agency(journey_each: Journey) -> None:
    j = journey_each
    await escalate_to_the_chair(j)
    copy = copy_for(j, "agency's safeguarding lead")
    # Only the agency's members (not the owner it has): never another agency's.
    assert choices(copy, "owner") == ["Police Colleague", "Police Lead"]
    data = button_data(copy, verbs.ACTION_LEAD_REASSIGN)
    [before] = j.rows(t.ActionItem)

    reason = "Police Colleague now runs the audit team"
    outside = await j.act(
        verbs.ACTION_LEAD_REASSIGN, {**data, "owner": OUTSIDER, "reason": reason}, LEAD
    )
    refused = json.dumps(outside["value"], ensure_ascii=False)
    assert "is not in Demo Police: you can reassign it only within your agency" in refused
    assert "ask the chair to reassign it" in refused, "the way to another agency is named"
    assert reason in refused, "the form stays open with what was typed"
    not_a_lead = await j.act(  # the owner sees it, but is no lead
        verbs.ACTION_LEAD_REASSIGN, {**data, "owner": LEAD, "reason": reason}, PRACTITIONER
    )
    assert "Only a safeguarding lead of Demo Police" in json.dumps(not_a_lead)
    named = await j.act(
        verbs.ACTION_LEAD_REASSIGN, {**data, "owner": COLLEAGUE, "reason": NAMED}, LEAD
    )
    assert confirm_key("reason") in json.dumps(named["value"]), "held until ticked"
    assert j.rows(t.ActionItem)[0].owner_member_id == before.owner_member_id, "nothing saved"

    j.bot.connector.clear()
    answer = await j.act(
        verbs.ACTION_LEAD_REASSIGN, {**data, "owner": COLLEAGUE, "reason": reason}, LEAD
    )
    assert "Reassigned to Police Colleague" in json.dumps(answer["value"])
    [after] = j.rows(t.ActionItem)
    assert after.owner_member_id != before.owner_member_id
    assert after.status == before.status, "still with an owner, chased as before"
    [new_owner] = sent_with(j, "has given you this action")
    assert action_titles(new_owner) == list(OWNER_CARD), "the new owner's full card"
    assert reason in json.dumps(new_owner, ensure_ascii=False)
    [old_owner] = sent_with(j, "Police Lead gave")
    assert "Police Colleague" in json.dumps(old_owner)
    [chair] = sent_with(j, "reassigned it to Police Colleague")
    assert "Reassign" in action_titles(chair), "the chair is told, with their controls"
    assert j.bot.audit_actions().count("action.reassigned") == 1

    # The same click again (a double click, a replay) is the one answer, not a second move.
    await j.act(verbs.ACTION_LEAD_REASSIGN, {**data, "owner": COLLEAGUE, "reason": reason}, LEAD)
    assert j.bot.audit_actions().count("action.reassigned") == 1, "once"


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
    assert action_titles(owner_card) == list(OWNER_CARD)

    stranger = await j.act(verbs.ACTION_COMMENT, {**ask, "note": "Mine"}, LEAD)
    assert "Only the LIC group" in json.dumps(stranger)


async def test_a_lead_who_chairs_the_review_is_not_told_as_if_the_chair_were_someone_else(
    journey_each: Journey,
) -> None:
    """The review's chair may lead the item's agency too (a small partnership): reassigning
    from their lead's copy, they are not sent the chair's copy of their own move."""
    j = journey_each
    await escalate_to_the_chair(j)
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        police = session.scalars(select(t.Agency).where(t.Agency.name == "Demo Police")).one()
        chair.agency_id = police.id
        session.add(t.MemberRole(member_id=chair.id, role="agency_lead"))
    data = button_data(copy_for(j, "agency's safeguarding lead"), verbs.ACTION_LEAD_REASSIGN)
    j.bot.connector.clear()
    reason = "Police Colleague now runs the audit team"
    answer = await j.act(verbs.ACTION_LEAD_REASSIGN, {**data, "owner": COLLEAGUE, "reason": reason})
    said = json.dumps(answer["value"], ensure_ascii=False)
    assert "Police Colleague has been sent it." in said, said
    assert "Police Practitioner, who had it, has been told." in said, said
    assert "chair has been told" not in said, said
    assert sent_with(j, "reassigned it to Police Colleague") == [], "no copy to themself"
    assert len(sent_with(j, "has given you this action")) == 1, "the new owner is sent it"
