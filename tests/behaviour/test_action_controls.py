"""Issue 17: the chair's controls on an item not yet done, on both databases:
reassign (the new owner gets the full card, the previous one is told), amend what is to be done
or its due date, and cancel (chasing stops; it shows as cancelled, never Green). Each takes a
reason, is audited, and is the chair's alone; a refused one keeps the typed form. (A reassign
Teams can't deliver is tests/scenarios/test_edge_sends.py's.)"""

from __future__ import annotations

import json
from typing import Any

from openpyxl import load_workbook
from sqlalchemy import select, update

from cards import verbs
from cards.actions import SEE_BELOW
from cards.common import CARD_ID, REVISION
from domain.action_controls import BLOCK_LIFTED
from domain.identifier_checks import OVERRIDE_ACTION, confirm_key
from exports.tracker import PRINT_COLUMNS, PRINT_SHEET, RAG_COLUMN
from storage import tables as t
from tests.behaviour.test_action_moves import OWNER_CARD, OWNER_MOVES, make_lic_members, titles
from tests.support.activities import USER_AAD
from tests.support.answers import NAMED_NOTE as NAMED
from tests.support.controls import CHAIR_CONTROLS as CHAIR_BUTTONS
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    PRACTITIONER,
    Journey,
    button_data,
    published,
    saved_file,
)

CHAIR_CONTROLS = list(CHAIR_BUTTONS)


async def chair_view(j: Journey) -> tuple[t.ActionItem, dict[str, Any]]:
    [item] = await published(j)
    opened = await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD)
    assert opened["type"] == CARD
    return item, opened["value"]


def under(card: dict[str, Any], input_id: str) -> list[str]:
    """The problems drawn right under the input `input_id` (a refused form, drawn open)."""
    body = card["body"]
    [at] = [i for i, element in enumerate(body) if element.get("id") == input_id]
    said = []
    for element in body[at + 1 :]:
        if element.get("type") != "TextBlock" or element.get("color") != "attention":
            break
        said.append(element["text"])
    return said


def attention(card: dict[str, Any]) -> list[str]:
    """Every line of the card in the attention colour, in its order."""
    return [e["text"] for e in card["body"] if e.get("color") == "attention" and "text" in e]


async def test_the_chair_s_refused_forms_say_each_problem_under_its_box(
    journey_each: Journey,
) -> None:
    """walk8: the Amend and Reassign forms listed their problems at the top of the card, the
    last box's first, and Reassign's named no box. Each is now under its box, in the form's
    order, naming it by the label shown there."""
    j = journey_each
    item, card = await chair_view(j)
    reassign = await j.act(verbs.ACTION_REASSIGN, button_data(card, verbs.ACTION_REASSIGN))
    shown = reassign["value"]
    assert under(shown, "owner") == ["'New owner' is required."]
    assert under(shown, "reason") == ["'Why, for both owners and the record' is required."]
    assert attention(shown) == [
        SEE_BELOW,
        "'New owner' is required.",
        "'Why, for both owners and the record' is required.",
    ], "one pointer over the item, then each problem in the form's order"

    data = button_data(card, verbs.ACTION_AMEND)
    # As the form opens: what the item says now, its due date (the client sends both).
    as_it_is = {"new_description": item.description, "new_due_on": str(item.due_on)}
    unchanged = (await j.act(verbs.ACTION_AMEND, {**data, **as_it_is, "reason": ""}))["value"]
    assert under(unchanged, "new_description") == [
        "'What is to be done' and 'Due date' are as they were: change either to amend it."
    ]
    assert under(unchanged, "reason") == [
        "'Why it changed, for the owner and the record' is required."
    ]
    emptied = {**data, "new_description": "", "new_due_on": "someday", "reason": ""}
    refused = (await j.act(verbs.ACTION_AMEND, emptied))["value"]
    assert attention(refused) == [
        SEE_BELOW,
        "'What is to be done' is required.",
        "'Due date' must be a date like 2027-04-30.",
        "'Why it changed, for the owner and the record' is required.",
    ]
    assert j.bot.audit_actions().count("action.amended") == 0, "nothing written"


async def test_the_chair_reassigns_and_both_owners_are_told(journey_each: Journey) -> None:
    j = journey_each
    item, card = await chair_view(j)
    assert titles(card) == CHAIR_CONTROLS
    data = button_data(card, verbs.ACTION_REASSIGN)

    same = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": PRACTITIONER, "reason": "x"})
    assert "already own" in json.dumps(same["value"])
    stranger = await j.act(
        verbs.ACTION_REASSIGN, {**data, "owner": COLLEAGUE, "reason": "Mine"}, PRACTITIONER
    )
    assert "Only the chair" in json.dumps(stranger)

    with j.bot.db.session() as session, session.begin():  # chased three times so far
        counts = {"chase_count": 3, "owner_chase_count": 3, "unanswered_chase_count": 3}
        session.execute(update(t.ActionItem).values(**counts))
    j.bot.connector.clear()
    reason = "Police Colleague now leads the audit team"
    answer = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": COLLEAGUE, "reason": reason})
    assert "Reassigned to Police Colleague" in json.dumps(answer["value"])
    [row] = j.rows(t.ActionItem)
    assert row.owner_member_id != item.owner_member_id
    # The new owner's chasers are counted from nothing; the item's go on.
    assert (row.chase_count, row.owner_chase_count, row.unanswered_chase_count) == (3, 0, 0)
    sent = [json.dumps(c, ensure_ascii=False) for c in j.bot.connector.cards()]
    [first] = [c for c in j.bot.connector.cards() if "Your action" in json.dumps(c)]
    assert titles(first) == list(OWNER_CARD), "the new owner's full card"
    assert reason in json.dumps(first)
    assert any("The chair gave" in text for text in sent), "the previous owner is told"
    assert j.bot.audit_actions().count("action.reassigned") == 1


async def test_a_listed_owner_whose_id_is_no_guid_can_be_chosen(journey_each: Journey) -> None:
    """The Agents Playground's user (and a test tenant's) has a directory id that is not a
    GUID: the reassign list offers them, so choosing them must work (it said 'Choose the new
    owner from the list' to a chair who had). Someone not listed still needs a picker's GUID."""
    j = journey_each
    listed = "00000000-0000-0000-0000-0000000000020"  # the Playground user's shape
    with j.bot.db.session() as session, session.begin():
        session.execute(
            update(t.Member).where(t.Member.aad_object_id == COLLEAGUE).values(aad_object_id=listed)
        )
    _, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_REASSIGN)
    assert listed in json.dumps(card), "the reassign list offers them"

    unknown = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": "not-a-member", "reason": "x"})
    assert under(unknown["value"], "owner") == [
        "'New owner' must be someone on the list: choose them there."
    ]

    answer = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": listed, "reason": "Leave"})
    assert "Reassigned to Police Colleague" in json.dumps(answer["value"])
    [row] = j.rows(t.ActionItem)
    owners = {m.id: m.aad_object_id for m in j.rows(t.Member)}
    assert owners[row.owner_member_id] == listed


async def test_the_chair_amends_the_item_and_its_due_date(journey_each: Journey) -> None:
    j = journey_each
    _, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_AMEND)
    typed = {
        **data,
        "new_description": "Audit 30 referrals against the pathway.",
        "new_due_on": "2001-01-01",
        "reason": "Scope agreed at the LIC",
    }
    refused = (await j.act(verbs.ACTION_AMEND, typed))["value"]
    assert under(refused, "new_due_on") == ["'Due date' must be in the future."]
    assert "Scope agreed at the LIC" in json.dumps(refused), "the typed reason is kept"

    answer = await j.act(verbs.ACTION_AMEND, {**typed, "new_due_on": "2099-06-30"})
    assert "Amended" in json.dumps(answer["value"])
    [row] = j.rows(t.ActionItem)
    assert row.description == "Audit 30 referrals against the pathway."
    assert str(row.revised_due_on) == "2099-06-30"
    assert row.revised_due_reason == "Scope agreed at the LIC"
    assert "action.amended" in j.bot.audit_actions()


async def test_the_chair_cancels_and_chasing_stops(journey_each: Journey) -> None:
    j = journey_each
    item, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_CANCEL)
    empty = (await j.act(verbs.ACTION_CANCEL, {**data, "reason": ""}))["value"]
    assert "is required" in json.dumps(empty)
    assert j.rows(t.ActionItem)[0].status != "cancelled", "nothing written"

    j.bot.connector.clear()
    await j.act(verbs.ACTION_CANCEL, {**data, "reason": "Duplicates A2"})
    [row] = j.rows(t.ActionItem)
    assert (row.status, row.next_chase_at, row.cancelled_reason) == (
        "cancelled",
        None,
        "Duplicates A2",
    )
    assert any("cancelled it" in json.dumps(c) for c in j.bot.connector.cards()), "owner told"
    j.bot.connector.clear()
    await j.say(f"summary {item.reference.split('/')[0]}")
    summary = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "Cancelled" in summary
    assert "Green" not in summary


async def test_a_reason_naming_someone_is_held_until_ticked(journey_each: Journey) -> None:
    j = journey_each
    _, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_CANCEL)
    named = {**data, "reason": NAMED}
    held = json.dumps((await j.act(verbs.ACTION_CANCEL, named))["value"], ensure_ascii=False)
    assert confirm_key("reason") in held
    assert NAMED in held, "the form keeps what was typed"
    assert j.rows(t.ActionItem)[0].status != "cancelled", "nothing saved until ticked"

    await j.act(verbs.ACTION_CANCEL, {**named, confirm_key("reason"): "true"})
    assert j.rows(t.ActionItem)[0].status == "cancelled"
    assert OVERRIDE_ACTION in j.bot.audit_actions(), "the keeping is audited"


# --- split one item into two -------------------------------------------------------------------

SPLIT = {
    "a_description": "Audit 20 police referrals against the escalation pathway.",
    "a_owner": PRACTITIONER,
    "a_due_on": "2099-06-30",
    "a_measure": "90% escalated within 5 working days",
    "b_description": "Train the front desk on the pathway, with a sign-in sheet.",
    "b_owner": COLLEAGUE,
    "b_due_on": "2099-07-31",
    "b_measure": "Every front-desk officer trained",
    "reason": "Two teams do the two halves",
}


async def test_the_chair_splits_an_item_into_two(journey_each: Journey) -> None:
    j = journey_each
    item, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_SPLIT)

    refused = (await j.act(verbs.ACTION_SPLIT, {**data, **SPLIT, "b_measure": ""}))["value"]
    shown = json.dumps(refused, ensure_ascii=False)
    assert "Second new item: no measure of success" in shown
    assert SPLIT["a_description"] in shown, "the typed form is kept"
    assert SPLIT["reason"] in shown
    assert len(j.rows(t.ActionItem)) == 1, "nothing partial is written"

    j.bot.connector.clear()
    answer = json.dumps((await j.act(verbs.ACTION_SPLIT, {**data, **SPLIT}))["value"])
    a1 = item.reference
    a2, a3 = a1.replace("/A1", "/A2"), a1.replace("/A1", "/A3")
    assert f"Split into {a2} (Police Practitioner)" in answer
    assert f"{a3} (Police Colleague)" in answer
    assert titles(json.loads(answer)) == ["Open A2", "Open A3", "Review summary"]

    old, first, second = sorted(j.rows(t.ActionItem), key=lambda r: r.number)
    assert (old.status, old.next_chase_at) == ("split", None), "chasing has stopped"
    assert [(r.reference, r.status) for r in (first, second)] == [(a2, "open"), (a3, "open")]
    assert first.next_chase_at is not None, "chased from now on"
    assert second.next_chase_at is not None
    assert (first.agency_id, first.theme, first.agreed_on) == (
        old.agency_id,
        old.theme,
        old.agreed_on,
    ), "the meeting's agency, theme and date agreed are kept"
    assert str(second.due_on) == "2099-07-31"

    sent = j.bot.connector.cards()
    full = [c for c in sent if "Your action" in json.dumps(c)]
    assert [titles(c) for c in full] == [list(OWNER_CARD)] * 2, "each new owner's full card"
    told = [json.dumps(c, ensure_ascii=False) for c in sent]
    assert any(f"Split · {a1}" in c and f"into {a2}" in c for c in told), (
        "the item's owner is told where the work went"
    )
    assert j.bot.audit_actions().count("action.split") == 1
    [split_audit] = [e for e in j.rows(t.AuditEvent) if e.action == "action.split"]
    assert (split_audit.actor_aad_id, bool(split_audit.at)) == (USER_AAD, True), "who and when"
    assert split_audit.after["into"] == [a2, a3]
    assert split_audit.after["reason"] == SPLIT["reason"]

    twice = json.dumps((await j.act(verbs.ACTION_SPLIT, {**data, **SPLIT}))["value"])
    assert twice == answer, "a double click is claimed once: the same answer, no second split"
    unstamped = {k: v for k, v in data.items() if k != CARD_ID}
    stale = json.dumps(await j.act(verbs.ACTION_SPLIT, {**unstamped, **SPLIT}))
    assert "This changed since you opened it" in stale, "another copy of the old card"
    bare = {k: v for k, v in unstamped.items() if k != REVISION}
    again = json.dumps(await j.act(verbs.ACTION_SPLIT, {**bare, **SPLIT}))
    assert "already split" in again, "a click without a card's revision is told who split it"
    assert len(j.rows(t.ActionItem)) == 3

    j.bot.connector.clear()
    await j.say(f"summary {a1.split('/')[0]}")
    summary = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "1 split in two" in summary
    assert f"Split into {a2} and {a3}" in summary
    assert "Cancelled" not in summary, "a split item is not shown as cancelled"


async def test_only_the_chair_splits_and_typed_names_are_held(journey_each: Journey) -> None:
    j = journey_each
    _, card = await chair_view(j)
    data = {**button_data(card, verbs.ACTION_SPLIT), **SPLIT}
    stranger = await j.act(verbs.ACTION_SPLIT, data, PRACTITIONER)
    assert "Only the chair" in json.dumps(stranger)

    named = {**data, "b_measure": NAMED}
    held = json.dumps((await j.act(verbs.ACTION_SPLIT, named))["value"], ensure_ascii=False)
    assert confirm_key("b_measure") in held
    assert NAMED in held
    assert len(j.rows(t.ActionItem)) == 1, "nothing saved until ticked"
    await j.act(verbs.ACTION_SPLIT, {**named, confirm_key("b_measure"): "true"})
    assert len(j.rows(t.ActionItem)) == 3
    assert OVERRIDE_ACTION in j.bot.audit_actions()


async def test_a_cancelled_reviews_items_take_no_more_moves(journey_each: Journey) -> None:
    """Cancelling a review stops its items' chasers; a split, or an owner's update from a card
    still on screen, must not add items or re-arm a chaser afterwards."""
    j = journey_each
    item, card = await chair_view(j)
    split = button_data(card, verbs.ACTION_SPLIT)
    owners = await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER)
    progress = {**button_data(owners["value"], verbs.ACTION_PROGRESS), "note": "Audit begun."}
    reference = item.reference.split("/")[0]
    await j.say(f"cancel review {reference} because the family moved out of the area")
    [row] = j.rows(t.ActionItem)
    assert row.next_chase_at is None, "cancelling the review stopped the chasers"
    audited = len(j.rows(t.AuditEvent))

    for verb, data, who in (
        (verbs.ACTION_SPLIT, {**split, **SPLIT}, USER_AAD),
        (verbs.ACTION_PROGRESS, progress, PRACTITIONER),
    ):
        answer = json.dumps(await j.act(verb, data, who), ensure_ascii=False)
        assert f"{reference} has been cancelled" in answer, (verb, answer)

    [after] = j.rows(t.ActionItem)
    assert (after.status, after.next_chase_at) == (row.status, None), "nothing re-armed"
    assert len(j.rows(t.AuditEvent)) == audited, "nothing written"

    # Opened again, the item's card (the owner's, the chair's) draws no move only to be
    # refused: it says why and leads to the review's summary, or the reader's other items.
    for who in (PRACTITIONER, USER_AAD):
        card = await j.card(verbs.ACTION_VIEW, {"action_id": item.id}, who)
        assert f"{reference} has been cancelled" in card, card
        shown = json.loads(card)
        drawn = [a["verb"] for a in shown["actions"]]
        assert drawn == [verbs.SUMMARY, verbs.MY_ACTIONS], shown["actions"]


async def test_a_cancelled_reviews_completed_item_waits_for_no_impact(
    journey_each: Journey,
) -> None:
    """Recording impact on a cancelled review's item is refused: the LIC group's queue leaves
    it out, and the item opened from elsewhere says why instead of drawing the form."""
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    [item] = await published(j)
    complete = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    await j.card(verbs.ACTION_COMPLETE, complete, PRACTITIONER)
    assert item.reference in await j.card(verbs.AWAITING_IMPACT, {}, COLLEAGUE)
    reference = item.reference.split("/")[0]
    await j.say(f"cancel review {reference} because the family moved out of the area")

    queue = await j.card(verbs.AWAITING_IMPACT, {}, COLLEAGUE)
    assert item.reference not in queue, queue
    opened = json.loads(await j.card(verbs.ACTION_VIEW, {"action_id": item.id}, COLLEAGUE))
    assert f"{reference} has been cancelled" in json.dumps(opened, ensure_ascii=False)
    assert [a["verb"] for a in opened["actions"]] == [verbs.SUMMARY]


async def test_a_chair_who_takes_an_item_on_has_their_moves_and_the_chairs(
    journey_each: Journey,
) -> None:
    """The chair reassigns an item to themself: told "You have taken this action on" (not
    "The chair has given you this action") and sent no card about their own act; the one who
    had it is told. Their card of their own item then offers the owner's moves and the
    chair's (it offered the owner's alone: no Reassign or Amend of their own item), each
    of which they may make."""
    j = journey_each
    _, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_REASSIGN)
    j.bot.connector.clear()
    answer = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": USER_AAD, "reason": "Mine"})
    said = json.dumps(answer["value"], ensure_ascii=False)
    assert "You have taken this action on" in said, said
    assert "Reassigned to" not in said
    assert "Police Practitioner, who had it, has been told." in said, said
    sent = [json.dumps(c, ensure_ascii=False) for c in j.bot.connector.cards()]
    assert len(sent) == 1, "the one who had it, and nobody about their own act"
    assert "has taken" in sent[0]
    assert "has given you this action" not in sent[0]

    mine = answer["value"]
    # Their own moves as its owner first, then the chair's, each under its heading.
    headed = [
        (heading["text"], [a["title"] for a in row["actions"]])
        for heading, row in zip(mine["body"], mine["body"][1:], strict=False)
        if row.get("type") == "ActionSet"
    ]
    assert headed == [
        ("As its owner, you can:", [m for m in OWNER_MOVES if m != "Ask for a new date"]),
        (
            "As the review's chair, you can also:",
            ["Reassign", "Amend", "Split in two", "Cancel this action item…"],
        ),
    ], "the owner's moves (the chair sets a date with Amend), then the chair's"
    assert titles(mine) == ["Review summary", "My actions"]
    j.bot.connector.clear()
    amended = await j.act(
        verbs.ACTION_AMEND,
        {
            **button_data(mine, verbs.ACTION_AMEND),
            "new_description": "Audit 30 referrals against the pathway.",
            "reason": "Scope",
        },
    )
    assert "Amended" in json.dumps(amended["value"])
    assert j.bot.connector.cards() == [], "no card to themself about amending their own item"
    progress = await j.act(
        verbs.ACTION_PROGRESS,
        {**button_data(amended["value"], verbs.ACTION_PROGRESS), "note": "Started the audit"},
    )
    assert "Started the audit" in json.dumps(progress["value"])


async def test_the_chair_s_decision_on_a_blocked_item_sends_it_back_to_work(
    journey_each: Journey,
) -> None:
    """A blocked item waits for its chair ("For your decision: blocked action"); reassigned or
    amended, it stayed blocked and waiting for them after the decision, until its owner
    happened to post an update (found walking the Playground). Now either decision sends it
    back to work, the blocker cleared; split and cancel end it as before."""
    j = journey_each
    [item] = await published(j)
    why = {"action_id": item.id, "reason": "No audit tool"}
    await j.act(verbs.ACTION_BLOCKED, why, PRACTITIONER)
    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD))["value"]
    assert "For your decision: blocked action" in json.dumps(card)

    amend = {
        **button_data(card, verbs.ACTION_AMEND),
        "new_description": "Audit 20 referrals with the loaned audit tool.",
        "new_due_on": "2099-06-30",
    }
    answer = await j.act(verbs.ACTION_AMEND, {**amend, "reason": "A tool is on loan"})
    assert "Amended" in json.dumps(answer["value"])
    # Said to the chair and to the owner, not left to a status that changed (walk8).
    assert BLOCK_LIFTED in json.dumps(answer["value"])
    assert BLOCK_LIFTED in json.dumps(j.bot.connector.cards())  # the owner's card
    [row] = j.rows(t.ActionItem)
    assert (row.status, row.blocked_reason) == ("in_progress", None)
    shown = json.dumps(answer["value"])
    assert "For your decision" not in shown, shown
    assert "Why it's red" not in shown, shown
    j.bot.connector.clear()
    await j.say("my actions")
    assert "Nothing is waiting for your decision." in json.dumps(j.bot.connector.cards()[-1])

    # Blocked again, then reassigned: with its new owner, at work.
    await j.act(verbs.ACTION_BLOCKED, {**why, "reason": "Still no tool"}, PRACTITIONER)
    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD))["value"]
    data = {**button_data(card, verbs.ACTION_REASSIGN), "owner": COLLEAGUE, "reason": "Has one"}
    assert "Reassigned to Police Colleague" in json.dumps(
        (await j.act(verbs.ACTION_REASSIGN, data))["value"]
    )
    [row] = j.rows(t.ActionItem)
    assert (row.status, row.blocked_reason) == ("in_progress", None)
    assert j.bot.audit_actions().count("action.status_changed") >= 3


async def test_after_the_chair_s_decision_every_view_shows_it_as_the_latest_word(
    journey_each: Journey,
) -> None:
    """After a chair's decision on a blocked item, its card's "Latest update" still showed the
    owner's blocking note while the summary's "Latest:" showed the chair's reason (the seventh
    session's Left list). One rule (`domain.action_history.latest`) now gives both the chair's
    decision, who and when; the card's "History" keeps the blocking note under it, and the
    summary says why a red item is red, as the item card does."""
    j = journey_each
    [item] = await published(j)
    await j.act(
        verbs.ACTION_BLOCKED, {"action_id": item.id, "reason": "No audit tool"}, PRACTITIONER
    )
    reference = item.reference.rsplit("/", 1)[0]
    j.bot.connector.clear()
    await j.say(f"summary {reference}")
    blocked = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    # Why it is red, as the item card says it: its status, said once (walk9: "Why red:
    # blocked" under "· blocked" said it twice).
    assert " · blocked" in blocked, blocked
    assert "Why it's red" not in blocked, blocked
    assert "Latest: Blocked: No audit tool" in blocked

    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD))["value"]
    amend = {
        **button_data(card, verbs.ACTION_AMEND),
        "new_description": "Audit 20 referrals with the loaned audit tool.",
        "new_due_on": "2099-06-30",
    }
    answer = await j.act(verbs.ACTION_AMEND, {**amend, "reason": "A tool is on loan"})
    assert "Amended" in json.dumps(answer["value"])
    with j.bot.db.session() as session:
        chair = session.scalar(
            select(t.Member.display_name).where(t.Member.aad_object_id == USER_AAD)
        )
    assert chair
    for shown in (
        answer["value"],
        (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD))["value"],
        (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER))["value"],
    ):
        facts = {
            f["title"]: f["value"]
            for block in shown["body"]
            if block.get("type") == "FactSet"
            for f in block["facts"]
        }
        decided = facts.get("Decided by the chair", "")
        assert decided.startswith("Amended, Tue 30 Jun 2099: A tool is on loan ("), facts
        assert chair in decided, "who decided"
        assert "Latest update" not in facts, "the blocking note is no longer the latest"
        text = json.dumps(shown, ensure_ascii=False)
        assert "History" in text
        assert "Blocked: No audit tool" in text, "the blocking note stays in the history"
    j.bot.connector.clear()
    await j.say(f"summary {reference}")
    summary = json.dumps(j.bot.connector.cards()[-1], ensure_ascii=False)
    assert "Latest: Decided by the chair: Amended, Tue 30 Jun 2099: A tool is on loan (" in summary
    assert "No audit tool" not in summary


async def test_a_new_owner_starts_unrated_and_the_tracker_says_the_summary_s_latest_word(
    journey_each: Journey,
) -> None:
    """walk8 and the review: a reassigned item's new owner inherited the last owner's "off
    track" (its RAG red on another person's word), and the tracker's "Latest progress" kept
    its own rule ("2026-12-07 chair reassign: …") where the summary said the chair's decision,
    who and when. The new owner has not reported yet (the item's dates still rate it), and the
    tracker says what the summary says."""
    j = journey_each
    item, _ = await chair_view(j)
    owner = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, PRACTITIONER))["value"]
    update = {**button_data(owner, verbs.ACTION_PROGRESS), "note": "Audit paused", "rag": "red"}
    await j.act(verbs.ACTION_PROGRESS, update, PRACTITIONER)
    card = (await j.act(verbs.ACTION_VIEW, {"action_id": item.id}, USER_AAD))["value"]
    assert "its owner says it is off track" in json.dumps(card), "the owner's word rates it"

    j.bot.connector.clear()
    reason = "Police Colleague now leads the audit team"
    data = {**button_data(card, verbs.ACTION_REASSIGN), "owner": COLLEAGUE, "reason": reason}
    answer = json.dumps((await j.act(verbs.ACTION_REASSIGN, data))["value"])
    [theirs] = [c for c in j.bot.connector.cards() if "Your action" in json.dumps(c)]
    for shown in (answer, json.dumps(theirs)):
        assert "off track" not in shown, "not the new owner's word"
        assert "Green: on track" in shown, "due in 2027: its dates rate it"

    j.bot.connector.clear()
    review = item.reference.split("/")[0]
    await j.say(f"summary {review}")
    summary = json.dumps(j.bot.connector.cards(), ensure_ascii=False)
    assert "off track" not in summary
    assert "Green" in summary
    j.bot.connector.clear()
    await j.say(f"export {review}")
    said = json.dumps([*j.bot.connector.cards(), *j.bot.connector.texts()])
    path = saved_file(j.bot, said)
    assert path.suffix == ".xlsx", path
    book = load_workbook(path)
    assert book["Tracker"].cell(row=2, column=RAG_COLUMN + 1).value == "Green"
    printed = book[PRINT_SHEET]
    latest = [name for name, _ in PRINT_COLUMNS].index("Latest progress") + 1
    word = printed.cell(row=2, column=latest).value
    assert word.startswith(f"Decided by the chair: Reassigned: {reason} ("), word
    assert f"Latest: {word}" in summary, "the tracker's latest word is the summary's"
