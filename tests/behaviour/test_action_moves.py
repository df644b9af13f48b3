"""The owner's moves, on both databases: the first card after publishing is the full
action card; a blocked item offers no Mark complete, and a Mark complete sent anyway is refused
with why, the form drawn open again with what was typed, and nothing written. (A channel
registered by its @mention is tests/scenarios/test_edge_sends.py's.)"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from cards import verbs
from cards.common import REVISION
from domain.chase_engine import ACTION
from storage import tables as t
from storage.actions import SqlChases
from tests.support.activities import USER_AAD
from tests.support.chasers import at_next_chase, escalate_after_one, log_rows, sweep
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    Journey,
    button_data,
    card_verbs,
    published,
)

OWNER_MOVES = ("Update progress", "Mark complete", "Ask for a new date", "Blocked")
# The owner's whole card: their moves, then the way back to their `my actions` list.
OWNER_CARD = (*OWNER_MOVES, "My actions")


def titles(card: dict[str, Any]) -> list[str]:
    return [a.get("title", "") for a in card.get("actions", [])]


async def test_the_owner_s_first_card_is_the_full_action_card(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    [first] = [
        c
        for c in j.bot.connector.cards()
        if f"Your action · {item.reference}" in json.dumps(c, ensure_ascii=False)
    ]
    assert titles(first) == list(OWNER_CARD)
    assert "RAG" in json.dumps(first)
    assert "I'll remind you as the due date approaches" in json.dumps(first)


async def test_a_blocked_item_refuses_mark_complete_and_keeps_the_form(
    journey_each: Journey,
) -> None:
    j = journey_each
    [item] = await published(j)
    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER))["value"]
    blocked = {**button_data(card, verbs.ACTION_BLOCKED), "reason": "Waiting for the data team"}
    answer = await j.act(verbs.ACTION_BLOCKED, blocked, PRACTITIONER)
    shown: dict[str, Any] = answer["value"]
    assert "Mark complete" not in titles(shown), "a blocked item offers no Mark complete"
    assert verbs.ACTION_COMPLETE not in card_verbs(shown)

    # A Mark complete sent anyway (an older client, a hand-made request), with this card's
    # revision so it is not merely stale.
    current = {k: v for k, v in button_data(shown, verbs.ACTION_PROGRESS).items() if k != "verb"}
    typed = {**current, "evidence": "Audit of twenty referrals done", "evidence_link": ""}
    refused = await j.act(verbs.ACTION_COMPLETE, typed, PRACTITIONER)

    assert refused["type"] == CARD
    text = json.dumps(refused["value"])
    assert "can't be marked complete: it is blocked" in text
    assert "Audit of twenty referrals done" in text, "the typed evidence is kept"
    [row] = j.rows(t.ActionItem)
    assert row.status == "blocked", "nothing written"
    assert not [p for p in j.rows(t.ProgressEntry) if p.kind == "completed"]


async def test_an_invalid_form_stays_open_with_its_values(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER))["value"]
    ask = {**button_data(card, verbs.ACTION_NEW_DATE), "proposed_due_on": "2001-01-01"}
    ask["reason"] = "Staff off sick for a month"

    refused = (await j.act(verbs.ACTION_NEW_DATE, ask, PRACTITIONER))["value"]

    text = json.dumps(refused)
    assert "'Proposed date' must be in the future." in text
    assert "Staff off sick for a month" in text, "the typed reason is kept"
    assert verbs.ACTION_NEW_DATE in card_verbs(refused), "the form is open to send again"
    # It keeps the card's other controls (less Blocked, whose "reason" input the open form
    # has too), a way back to the item as it is, and to the owner's list.
    assert titles(refused) == [
        "Ask the chair",
        "Update progress",
        "Mark complete",
        "Back to the item",
        "My actions",
    ]
    listed = [a for a in refused["actions"] if a["title"] == "My actions"]
    assert listed[0]["associatedInputs"] == "none", "it sends nothing of what was typed"
    fixed = {**button_data(refused, verbs.ACTION_NEW_DATE), **ask, "proposed_due_on": "2099-01-05"}
    fixed[REVISION] = button_data(refused, verbs.ACTION_NEW_DATE)[REVISION]
    sent = json.dumps((await j.act(verbs.ACTION_NEW_DATE, fixed, PRACTITIONER))["value"])
    assert "must be in the future." not in sent
    asked = [p for p in j.rows(t.ProgressEntry) if p.kind == "date_requested"]
    assert len(asked) == 1, "sent again from the refused form, it is taken"


async def test_the_lead_s_escalation_copy_is_written_for_them(journey_each: Journey) -> None:
    j = journey_each
    await escalate_after_one(j)
    [item] = await published(j)
    copies: list[dict[str, Any]] = []
    for _ in range(8):
        at_next_chase(j, item.id)
        j.bot.connector.clear()
        await sweep(j)
        copies = [c for c in j.bot.connector.cards() if "Escalation" in json.dumps(c)]
        if copies:
            break
    assert len(copies) == 1, "one copy to the police lead"
    [copy] = copies
    text = json.dumps(copy, ensure_ascii=False)
    assert "agency's safeguarding lead" in text
    assert "working day" in text, "how late it is"
    for fact in ("Owner", "Due", "How late", "Chasers unanswered", "Last update"):
        assert f'"title": "{fact}"' in text, fact
    assert "Your action" not in text, "not the owner's card word for word"
    assert verbs.ACTION_COMPLETE not in card_verbs(copy), "the owner's moves are not the lead's"

    opened = await j.act(verbs.ACTION_VIEW, button_data(copy, verbs.ACTION_VIEW), LEAD)
    assert opened["type"] == CARD, "the agency lead opens an item their agency leads"
    assert item.reference in json.dumps(opened["value"], ensure_ascii=False)


def make_lic_members(j: Journey, *aads: str) -> None:
    with j.bot.db.session() as session, session.begin():
        members = {m.aad_object_id: m for m in session.scalars(select(t.Member))}
        for aad in aads:
            session.add(t.MemberRole(member_id=members[aad].id, role="lic_member"))


async def escalate_to_the_chair(j: Journey) -> list[t.ChaserLog]:
    """Sweeps until the chair and the LIC are copied; what that sweep logged."""
    await escalate_after_one(j)
    [item] = await published(j)
    for _ in range(10):
        at_next_chase(j, item.id)
        j.bot.connector.clear()
        before = len(log_rows(j))
        await sweep(j)
        logged = log_rows(j)[before:]
        if any(r.recipient == "chair" for r in logged):
            return logged
    raise AssertionError("the chair was never copied")


def sent_saying(j: Journey, words: str) -> list[str]:
    """The conversations that got a card with `words`."""
    return [
        s.conversation_id
        for s in j.bot.connector.sent
        if words in json.dumps(s.cards, ensure_ascii=False)
    ]


async def test_with_no_lic_channel_lic_members_are_copied_once_each(journey_each: Journey) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE, USER_AAD)  # the chair is an LIC member too

    logged = await escalate_to_the_chair(j)

    copies = {r.recipient: r.outcome for r in logged if r.kind == "escalation"}
    assert copies == {"agency_lead": "sent", "chair": "sent", "lic_member": "sent"}
    assert len(sent_saying(j, "For the LIC group")) == 1, "the colleague, in their own chat"
    assert len(sent_saying(j, "review's chair")) == 1, "the chair once, not once per role"


async def test_keep_open_then_completed_again_resumes_impact_chasing(
    journey_each: Journey,
) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    [item] = await published(j)
    complete = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    await j.card(verbs.ACTION_COMPLETE, complete, PRACTITIONER)
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": "Half in time",
        "better_off": "Not yet",
        "decision": "keep_open",
        "minute_reference": "LIC 4",
    }
    j.bot.connector.clear()
    recorded = await j.card(verbs.IMPACT_RECORD, impact, COLLEAGUE)
    assert "Impact recorded" in recorded
    # Not a dead end: the rest of the LIC group's queue, or the review's summary.
    card = json.loads(recorded)
    assert card_verbs(card) == [verbs.AWAITING_IMPACT, verbs.SUMMARY]
    summary = await j.card(verbs.SUMMARY, button_data(card, verbs.SUMMARY), COLLEAGUE)
    assert "Summary ·" in summary, "the button opens the review's summary"
    # Kept open is no impact evidenced: the summary says so, and what was decided instead.
    assert "Impact evidenced (closed): 0 of 1 action item" in summary
    assert "The LIC group decided otherwise on 1: 1 kept open" in summary
    assert "· LIC kept open " in summary, "with the decision just recorded"
    assert "better off: Not yet" in summary
    told = sent_saying(j, "Half in time")
    assert told, "the owner is told the group's answers"
    [kept] = j.rows(t.ActionItem)
    assert kept.status == "in_progress"

    again = {"action_id": item.id, "evidence": "Re-audit: 19 of 20 in time."}
    assert "Marked complete" in await j.card(verbs.ACTION_COMPLETE, again, PRACTITIONER)

    [completed] = j.rows(t.ActionItem)
    assert completed.status == "completed"
    assert completed.next_chase_at is not None, "impact chasing resumes from this completion"
    # Back for impact: the record-impact card shows what the group decided last, and why.
    again_card = await j.card(verbs.ACTION_VIEW, {"action_id": item.id}, COLLEAGUE)
    assert "Record impact ·" in again_card
    assert "The LIC group's previous decision" in again_card
    assert '"title": "How well did we do it?", "value": "Half in time"' in again_card
    with j.bot.db.session() as session:
        loaded = SqlChases(session).row(ACTION, int(item.id or 0))  # what the engine sees
    assert loaded is not None
    assert loaded.subject.impact_recorded is False, "the earlier keep-open record doesn't count"


async def test_awaiting_impact_lists_the_lic_queue(journey_each: Journey) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    items = await published(j, actions=2)
    done = {"action_id": items[0].id, "evidence": "Audit done: 20 referrals."}
    await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)

    j.bot.connector.clear()
    await j.say("awaiting impact", COLLEAGUE)
    [queue] = j.bot.connector.cards()
    text = json.dumps(queue, ensure_ascii=False)
    assert items[0].reference in text
    assert items[1].reference not in text, "only completed items wait for impact"
    assert "Audit done: 20 referrals." in text

    opened = await j.act(verbs.ACTION_VIEW, button_data(queue, verbs.ACTION_VIEW), COLLEAGUE)
    assert verbs.IMPACT_RECORD in card_verbs(opened["value"]), "the button opens the record"

    j.bot.connector.clear()
    await j.say("awaiting impact", PRACTITIONER)
    assert items[0].reference not in json.dumps(j.bot.connector.cards(), ensure_ascii=False)


async def test_after_recording_impact_the_lic_member_has_a_way_on(journey_each: Journey) -> None:
    """From `awaiting impact`, the answer to Record impact leads back to the queue (the next
    item) and to the item as it now is, instead of ending there."""
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    items = await published(j, actions=2)
    for item in items:
        done = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
        await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)
    impact = {
        "action_id": items[0].id,
        "how_much": "20 audited",
        "how_well": "All in time",
        "better_off": "Yes",
        "decision": "close",
    }
    answer = (await j.act(verbs.IMPACT_RECORD, impact, COLLEAGUE))["value"]
    assert titles(answer) == ["Next in awaiting impact", "Review summary"]
    queue = await j.act(
        verbs.AWAITING_IMPACT, button_data(answer, verbs.AWAITING_IMPACT), COLLEAGUE
    )
    shown = json.dumps(queue["value"], ensure_ascii=False)
    assert items[1].reference in shown, "the next item waiting"
    assert items[0].reference not in shown, "the one just closed has left the queue"
    refused = await j.act(verbs.AWAITING_IMPACT, {}, PRACTITIONER)
    assert "LIC group" in json.dumps(refused), "the queue is the LIC group's"


async def test_a_completed_item_asks_for_evidence_of_impact_not_progress(
    journey_each: Journey,
) -> None:
    j = journey_each
    [item] = await published(j)
    complete = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    card = (await j.act(verbs.ACTION_COMPLETE, complete, PRACTITIONER))["value"]
    assert titles(card) == ["Add evidence of impact", "My actions"], (
        "no 'Update progress' on delivered work"
    )
    assert '"id": "rag"' not in json.dumps(card), "no on-track rating for delivered work"
    note = {**button_data(card, verbs.ACTION_PROGRESS), "note": "Re-audit booked for March."}
    answer = json.dumps((await j.act(verbs.ACTION_PROGRESS, note, PRACTITIONER))["value"])
    assert "Evidence of impact recorded" in answer
    assert "Re-audit booked for March." in answer
    [row] = j.rows(t.ActionItem)
    assert row.status == "completed", "adding evidence leaves it with the LIC group"
