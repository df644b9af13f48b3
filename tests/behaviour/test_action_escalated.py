"""Issue 17: an item the LIC group escalates is the chair's, on both databases.

It becomes `escalated`: Red in `my actions` (the chair's), the summary and the XLSX tracker; the
chair gets a card with their decisions and the chasers go to the chair alone; each decision
(a new date, not achievable, reopen) is audited with its reason, and the owner is told, with
their full card when the item is back with them. (A decision Teams can't deliver is
tests/scenarios/test_edge_sends.py's.)"""

from __future__ import annotations

import json
from typing import Any

from openpyxl import load_workbook

from cards import verbs
from exports.tracker import RAG_COLUMN
from storage import tables as t
from tests.behaviour.test_action_moves import make_lic_members, sent_saying, titles
from tests.behaviour.test_once_actions import asked_for
from tests.support.activities import USER_AAD
from tests.support.chasers import at_next_chase, log_rows, sweep
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    PRACTITIONER,
    Journey,
    button_data,
    published,
    saved_file,
)

CHAIR_DECISIONS = [
    "Set a new date",
    "Not achievable",
    "Reopen",
    "Reassign",
    "Split in two",
    "Review summary",
    "My actions",  # seventh: in the card's "…" menu (Teams draws six)
]


async def escalated(j: Journey) -> t.ActionItem:
    """A published item, completed by its owner and escalated by the LIC group (a colleague)."""
    [item] = await published(j)
    return await escalate(j, item)


async def escalate(j: Journey, item: t.ActionItem) -> t.ActionItem:
    """The item completed by its owner and escalated by the LIC group (a colleague)."""
    make_lic_members(j, COLLEAGUE)
    done = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)
    impact = {
        "action_id": item.id,
        "how_much": "20 audited",
        "how_well": "Few in time",
        "better_off": "Not yet",
        "decision": "escalate",
    }
    j.bot.connector.clear()
    assert "escalated to the chair" in await j.card(verbs.IMPACT_RECORD, impact, COLLEAGUE)
    [row] = j.rows(t.ActionItem)
    return row


def chair_card(j: Journey, reference: str) -> dict[str, Any]:
    [card] = [
        c
        for c in j.bot.connector.cards()
        if f"For your decision: action · {reference}" in json.dumps(c, ensure_ascii=False)
    ]
    return card


async def test_an_escalated_item_is_the_chair_s_and_red_everywhere(journey_each: Journey) -> None:
    j = journey_each
    item = await escalated(j)
    assert item.status == "escalated"
    assert sent_saying(j, "Few in time"), "the owner is told the group's comments"

    card = chair_card(j, item.reference)
    assert titles(card) == CHAIR_DECISIONS
    assert "Red: overdue, blocked or escalated" in json.dumps(card)

    j.bot.connector.clear()
    await j.say("my actions")  # the chair's list
    [mine] = j.bot.connector.cards()
    assert item.reference in json.dumps(mine)
    assert "Red" in json.dumps(mine)
    # Under its own heading, apart from the chair's own items (new-user walk M10).
    listed = json.dumps(mine)
    assert "Waiting for your decision (1)" in listed
    assert "Escalated by the LIC group" in listed
    assert listed.index("Waiting for your decision") < listed.index(item.reference)
    assert listed.index(item.reference) < listed.index("Your action items (")

    j.bot.connector.clear()
    await j.say(f"summary {item.reference.split('/')[0]}")
    summary = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "escalated to the chair" in summary
    assert "Red" in summary
    assert "Green" not in summary

    j.bot.connector.clear()
    await j.say(f"export {item.reference.split('/')[0]}")
    said = json.dumps([*j.bot.connector.cards(), *j.bot.connector.texts()])
    path = saved_file(j.bot, said)
    assert path.suffix == ".xlsx", path
    sheet = load_workbook(path)["Tracker"]
    assert sheet.cell(row=2, column=RAG_COLUMN + 1).value == "Red"

    owner = await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER)
    # No moves of their own while it is the chair's: the card leads to the review, not nowhere.
    assert titles(owner["value"]) == ["Review summary", "My actions"], (
        "no owner's moves while the chair's"
    )


async def test_chasers_go_to_the_chair_with_their_decisions(journey_each: Journey) -> None:
    j = journey_each
    item = await escalated(j)
    at_next_chase(j, int(item.id or 0))
    j.bot.connector.clear()
    before = len(log_rows(j))
    await sweep(j)
    logged = log_rows(j)[before:]
    assert [(r.kind, r.outcome) for r in logged] == [("escalated", "sent")]
    [chased] = j.bot.connector.cards()
    assert "Escalated to you by the LIC group" in json.dumps(chased)
    assert titles(chased) == CHAIR_DECISIONS


async def test_the_chair_sets_a_new_date_and_the_owner_gets_their_card(
    journey_each: Journey,
) -> None:
    j = journey_each
    item = await escalated(j)
    data = button_data(chair_card(j, item.reference), verbs.ACTION_SET_DATE)
    past = {**data, "due_on": "2001-01-01", "reason": "Re-audit by spring"}
    refused = (await j.act(verbs.ACTION_SET_DATE, past, USER_AAD))["value"]
    assert "'New due date' must be in the future." in json.dumps(refused)
    assert "Re-audit by spring" in json.dumps(refused), "the typed reason is kept"
    assert j.rows(t.ActionItem)[0].status == "escalated", "nothing written"

    j.bot.connector.clear()
    answer = await j.act(verbs.ACTION_SET_DATE, {**past, "due_on": "2099-05-29"}, USER_AAD)
    assert answer["type"] == CARD
    assert "New date set" in json.dumps(answer["value"])
    assert "Police Practitioner has been told." in json.dumps(answer["value"]), "named, once sent"
    [row] = j.rows(t.ActionItem)
    assert (row.status, str(row.revised_due_on)) == ("in_progress", "2099-05-29")
    assert row.next_chase_at is not None
    [told] = [c for c in j.bot.connector.cards() if "Your action" in json.dumps(c)]
    assert "Mark complete" in titles(told), "the owner's full card"
    assert "Re-audit by spring" in json.dumps(told)
    assert "action.date_set" in j.bot.audit_actions()

    again = await j.act(verbs.ACTION_SET_DATE, {**past, "due_on": "2099-05-29"}, USER_AAD)
    assert again["type"] == CARD, "a second click is answered, not crashed"
    assert j.bot.audit_actions().count("action.date_set") == 1, "decided once"


async def test_not_achievable_stops_chasing_and_reopen_returns_it(journey_each: Journey) -> None:
    j = journey_each
    item = await escalated(j)
    data = button_data(chair_card(j, item.reference), verbs.ACTION_NOT_ACHIEVABLE)
    answer = await j.act(verbs.ACTION_NOT_ACHIEVABLE, {**data, "reason": "Service ended"}, USER_AAD)
    assert "not achievable" in json.dumps(answer["value"])
    [row] = j.rows(t.ActionItem)
    assert (row.status, row.next_chase_at) == ("cancelled", None)
    assert row.cancelled_reason == "Not achievable: Service ended"
    assert "action.not_achievable" in j.bot.audit_actions()
    # It was the review's only item: the review closes, as it would had the LIC closed it.
    assert "the review is now closed" in json.dumps(answer["value"])
    assert j.rows(t.Review)[0].stage == "closed"

    reopen = {**data, "reason": "Try once more"}
    refused = await j.act(verbs.ACTION_REOPEN, reopen, USER_AAD)
    assert j.rows(t.ActionItem)[0].status == "cancelled", "a cancelled item is not reopened"
    assert "Reopen" not in json.dumps(refused)


async def test_reopen_hands_it_back_and_only_the_chair_decides(journey_each: Journey) -> None:
    j = journey_each
    item = await escalated(j)
    data = button_data(chair_card(j, item.reference), verbs.ACTION_REOPEN)
    stranger = await j.act(verbs.ACTION_REOPEN, {**data, "reason": "Mine now"}, PRACTITIONER)
    assert "Only the chair" in json.dumps(stranger)
    assert j.rows(t.ActionItem)[0].status == "escalated"

    await j.act(verbs.ACTION_REOPEN, {**data, "reason": "Audit again with the new form"}, USER_AAD)
    [row] = j.rows(t.ActionItem)
    assert row.status == "in_progress"
    assert "action.reopened" in j.bot.audit_actions()


async def test_a_date_request_left_on_an_item_since_escalated_is_not_decided(
    journey_each: Journey,
) -> None:
    """The owner asked for a new date, then delivered it, and the LIC group escalated it: the
    chair's card offers their own decision, not the request's Approve or Decline, and a click on
    the request card or a hand-made one is refused saying the item's state, nothing written
    (`domain.actions.date_request_refused`, the cards' rule too)."""
    j = journey_each
    [item] = await published(j)
    request_card = await asked_for(j, item.id, "2099-06-30")
    item = await escalate(j, item)
    assert item.status == "escalated"
    card = chair_card(j, item.reference)
    assert titles(card) == CHAIR_DECISIONS, "no Approve or Decline beside the decisions"

    decision = button_data(request_card, verbs.DATE_APPROVE)
    old = await j.act(verbs.DATE_APPROVE, decision, USER_AAD)
    assert "changed since you opened it" in json.dumps(old["value"]), "the card's revision"
    hand_made = {"action_id": item.id, "request_id": decision["request_id"]}
    for verb in (verbs.DATE_APPROVE, verbs.DATE_DECLINE):
        refused = await j.act(verb, hand_made, USER_AAD)
        said = json.dumps(refused["value"], ensure_ascii=False)
        assert f"{item.reference} is now escalated to the chair by the LIC group" in said, said
        assert "Set a new date" in said, "what the chair can do instead"

    [row] = j.rows(t.ActionItem)
    assert (row.status, row.revised_due_on) == ("escalated", None), "nothing written"
    decided = [p.kind for p in j.rows(t.ProgressEntry) if p.kind.startswith("date_")]
    assert decided == ["date_requested"], decided
    audited = j.bot.audit_actions()
    assert "action.date_approved" not in audited
    assert "action.date_declined" not in audited


async def test_the_chair_s_new_date_closes_a_request_left_from_before_the_escalation(
    journey_each: Journey,
) -> None:
    """The owner asked for 30 Jun, the LIC group escalated the item, and the chair set 29 May:
    the old request is closed by that decision (its history says so), so neither the chair's
    card nor `my actions` offers its Approve or Decline again, and a hand-made approve with the
    old request id is refused, nothing written: it would have set 30 Jun over the chair's date
    (`domain.action_controls.date_request_closed`)."""
    j = journey_each
    [item] = await published(j)
    request_card = await asked_for(j, item.id, "2099-06-30")
    item = await escalate(j, item)
    data = button_data(chair_card(j, item.reference), verbs.ACTION_SET_DATE)
    typed = {**data, "due_on": "2099-05-29", "reason": "Re-audit by spring"}
    answer = await j.act(verbs.ACTION_SET_DATE, typed, USER_AAD)
    assert "New date set" in json.dumps(answer["value"])
    assert verbs.DATE_APPROVE not in json.dumps(answer["value"]), "the card it answers with"

    opened = await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD)
    assert opened["type"] == CARD
    card = json.dumps(opened["value"], ensure_ascii=False)
    assert verbs.DATE_APPROVE not in card, titles(opened["value"])
    assert verbs.DATE_DECLINE not in card
    assert "New date asked for" not in card

    j.bot.connector.clear()
    await j.say("my actions")  # the chair's list
    listed = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "Waiting for your decision (0)" in listed, listed
    assert item.reference not in listed, "nothing of it waits for the chair"
    assert verbs.DATE_APPROVE not in listed

    closed = [(p.kind, p.note) for p in j.rows(t.ProgressEntry) if p.kind.startswith("date_")]
    assert closed == [
        ("date_requested", "Staff off"),
        ("date_closed", "Date request for Tue 30 Jun 2099 closed: the chair set a new date."),
    ], closed

    decision = button_data(request_card, verbs.DATE_APPROVE)
    hand_made = {"action_id": item.id, "request_id": decision["request_id"]}
    for verb in (verbs.DATE_APPROVE, verbs.DATE_DECLINE):
        refused = await j.act(verb, hand_made, USER_AAD)
        said = json.dumps(refused["value"], ensure_ascii=False)
        assert f"There is no date request waiting on {item.reference}" in said, said
    [row] = j.rows(t.ActionItem)
    assert (row.status, str(row.revised_due_on)) == ("in_progress", "2099-05-29"), "the chair's"
    kinds = [p.kind for p in j.rows(t.ProgressEntry) if p.kind.startswith("date_")]
    assert kinds == ["date_requested", "date_closed"], "nothing written"
    audited = j.bot.audit_actions()
    assert "action.date_approved" not in audited
    assert "action.date_declined" not in audited
