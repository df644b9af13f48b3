"""One effect per click after the meeting and at sign-off: the same click twice, at once and
in turn, on both databases; stale cards refused with the current card; a date decision
bound to the request it shows."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from bot.app import SERVICES
from cards import verbs
from domain.idempotency import CARD_ID, STALE_MESSAGE
from domain.stale import TYPED_HEADING
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.answers import valid_answers
from tests.support.journey import (
    BANK,
    CARD,
    COLLEAGUE,
    LEAD,
    PRACTITIONER,
    Journey,
    answer_every_section,
    button_data,
    make_lic_member,
    open_review,
    published,
    refusal,
)


async def both_at_once(j: Journey, verb: str, data: dict[str, Any], aad: str) -> Any:
    first, second = await asyncio.gather(j.act(verb, data, aad), j.act(verb, data, aad))
    assert first == second, "a duplicate gets the first click's answer"
    later = await j.act(verb, data, aad)
    assert later == first, "and so does the same click later"
    return first


def audited(j: Journey, action: str) -> int:
    return sum(1 for e in j.rows(t.AuditEvent) if e.action == action)


def progress(j: Journey, kind: str) -> int:
    return sum(1 for p in j.rows(t.ProgressEntry) if p.kind == kind)


def sent_cards(j: Journey, says: str) -> list[dict[str, Any]]:
    return [c for c in j.bot.connector.cards() if says in json.dumps(c)]


async def asked_for(j: Journey, action_id: int, day: str) -> dict[str, Any]:
    """The owner asks for a new date from their current card: the request card the chair gets."""
    j.bot.connector.clear()
    card = await action_card(j, action_id)
    ask = {
        **button_data(card, verbs.ACTION_NEW_DATE),
        "proposed_due_on": day,
        "reason": "Staff off",
    }
    await j.act(verbs.ACTION_NEW_DATE, ask, PRACTITIONER)
    [request_card] = sent_cards(j, "New date asked for")
    return request_card


async def action_card(j: Journey, action_id: int) -> dict[str, Any]:
    reply = await j.act(verbs.ACTION_VIEW, {"action_id": action_id}, PRACTITIONER)
    assert reply["type"] == CARD
    card: dict[str, Any] = reply["value"]
    return card


async def test_the_owner_s_forms_have_one_effect_per_click(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    card = await action_card(j, item.id)
    update = {**button_data(card, verbs.ACTION_PROGRESS), "note": "Started", "rag": "amber"}

    answer = await both_at_once(j, verbs.ACTION_PROGRESS, update, PRACTITIONER)

    assert progress(j, "progress") == 1
    assert audited(j, "action.progress") == 1
    newer: dict[str, Any] = answer["value"]
    j.bot.connector.clear()
    ask = {
        **button_data(newer, verbs.ACTION_NEW_DATE),
        "proposed_due_on": "2099-06-30",
        "reason": "Staff off",
    }
    await both_at_once(j, verbs.ACTION_NEW_DATE, ask, PRACTITIONER)
    assert progress(j, "date_requested") == 1
    assert len(sent_cards(j, "New date asked for")) == 1, "the chair is asked once"

    [request_card] = sent_cards(j, "New date asked for")
    decision = button_data(request_card, verbs.DATE_APPROVE)
    await both_at_once(j, verbs.DATE_APPROVE, decision, USER_AAD)
    assert progress(j, "date_approved") == 1
    assert str(j.rows(t.ActionItem)[0].revised_due_on) == "2099-06-30"


async def test_a_stale_card_is_refused_with_the_current_one(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    older = await action_card(j, item.id)
    update = {**button_data(older, verbs.ACTION_PROGRESS), "note": "Started", "rag": "amber"}
    await j.act(verbs.ACTION_PROGRESS, update, PRACTITIONER)

    # The same person's older card: marking complete from it would hide the newer state.
    complete = {**button_data(older, verbs.ACTION_COMPLETE), "evidence": "Audit done"}
    reply = await j.act(verbs.ACTION_COMPLETE, complete, PRACTITIONER)

    assert reply["type"] == CARD, "answered with the current card"
    text = json.dumps(reply["value"])
    assert STALE_MESSAGE in text
    assert "In progress" in text or "in_progress" in text or "Started" in text
    assert j.rows(t.ActionItem)[0].status == "in_progress"
    # What changed, and the evidence typed on the older card, given back (not saved).
    assert "Last change: Police Practitioner marked the item in progress at " in text
    assert TYPED_HEADING in text
    assert "Audit done" in text
    # From the current card it works.
    current = {**button_data(reply["value"], verbs.ACTION_COMPLETE), "evidence": "Audit done"}
    await j.act(verbs.ACTION_COMPLETE, current, PRACTITIONER)
    assert j.rows(t.ActionItem)[0].status == "completed"


async def test_a_decision_names_the_request_it_shows(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    j.bot.connector.clear()
    for day in ("2099-06-30", "2099-09-30"):
        card = await action_card(j, item.id)
        ask = {
            **button_data(card, verbs.ACTION_NEW_DATE),
            "proposed_due_on": day,
            "reason": "Staff off",
        }
        await j.act(verbs.ACTION_NEW_DATE, ask, PRACTITIONER)
    first, second = sent_cards(j, "New date asked for")

    refused = await j.act(verbs.DATE_APPROVE, button_data(first, verbs.DATE_APPROVE))
    assert progress(j, "date_approved") == 0
    assert j.rows(t.ActionItem)[0].revised_due_on is None, "the later request is not applied"
    assert "changed since you opened it" in json.dumps(refused)

    # A hand-made decision naming the old request is refused too (no revision to go by).
    old_request = button_data(first, verbs.DATE_APPROVE)["request_id"]
    forged = await j.act(verbs.DATE_APPROVE, {"action_id": item.id, "request_id": old_request})
    assert "no longer the one waiting" in refusal(forged)
    assert j.rows(t.ActionItem)[0].revised_due_on is None

    await j.act(verbs.DATE_APPROVE, button_data(second, verbs.DATE_APPROVE))
    assert str(j.rows(t.ActionItem)[0].revised_due_on) == "2099-09-30"


async def test_a_date_now_past_is_not_approved(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    request_card = await asked_for(j, item.id, "2027-06-30")
    j.bot.app[SERVICES].clock.set(datetime(2027, 7, 2, 10, tzinfo=UTC))

    reply = await j.act(verbs.DATE_APPROVE, button_data(request_card, verbs.DATE_APPROVE))

    assert "The date asked for (Wed 30 Jun 2027) is now in the past" in refusal(reply)
    assert j.rows(t.ActionItem)[0].revised_due_on is None
    declined = await j.act(verbs.DATE_DECLINE, button_data(request_card, verbs.DATE_DECLINE))
    assert declined["type"] == CARD
    assert progress(j, "date_declined") == 1


async def test_impact_is_recorded_once(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    with j.bot.db.session() as session, session.begin():
        chair = session.scalars(select(t.Member).where(t.Member.aad_object_id == USER_AAD)).one()
        session.add(t.MemberRole(member_id=chair.id, role="lic_member"))
    card = await action_card(j, item.id)
    complete = {**button_data(card, verbs.ACTION_COMPLETE), "evidence": "Audit done"}
    await j.act(verbs.ACTION_COMPLETE, complete, PRACTITIONER)
    [impact_card] = sent_cards(j, "Record impact")
    record = {
        **button_data(impact_card, verbs.IMPACT_RECORD),
        "how_much": "20 audited",
        "how_well": "All in time",
        "better_off": "Yes",
        "decision": "escalate",
    }

    await both_at_once(j, verbs.IMPACT_RECORD, record, USER_AAD)

    assert len(j.rows(t.ImpactRecord)) == 1
    assert audited(j, "action.impact_recorded") == 1


async def _submitted(j: Journey) -> int:
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    entry = {"return_id": return_id, "event_date": "2025-01-10", "source": "school log"}
    await j.act(verbs.ENTRY_SAVE, {**entry, "event": "Missed appointment"}, PRACTITIONER)
    j.bot.connector.clear()
    await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    return return_id


async def test_sign_off_happens_once(journey_each: Journey) -> None:
    j = journey_each
    await _submitted(j)
    [signoff] = [c for c in sent_cards(j, "Approve") if "signoff_approve" in json.dumps(c)]
    approve = button_data(signoff, verbs.SIGNOFF_APPROVE)
    j.bot.connector.clear()

    await both_at_once(j, verbs.SIGNOFF_APPROVE, approve, LEAD)

    assert j.rows(t.PreAnalysisReturn)[0].status == "signed_off"
    assert audited(j, "return.signed_off") == 1
    assert len(sent_cards(j, "return signed off")) == 1, "the chair is told once"


async def test_a_sign_off_card_from_before_a_resubmission_is_stale(
    journey_each: Journey,
) -> None:
    j = journey_each
    return_id = await _submitted(j)
    [old] = [c for c in sent_cards(j, "Approve") if "signoff_approve" in json.dumps(c)]
    back = {**button_data(old, verbs.SIGNOFF_RETURN), "comments": "Add the GP contact."}
    await j.act(verbs.SIGNOFF_RETURN, back, LEAD)
    first = {"return_id": return_id, "section": 0, **valid_answers(BANK.sections[0])}
    await j.act(verbs.RETURN_SAVE, first, PRACTITIONER)  # back to work on it
    j.bot.app[SERVICES].clock.set(datetime.now(UTC) + timedelta(minutes=5))
    resubmitted = await j.act(verbs.RETURN_SUBMIT, {"return_id": return_id}, PRACTITIONER)
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted", resubmitted

    reply = await j.act(verbs.SIGNOFF_APPROVE, button_data(old, verbs.SIGNOFF_APPROVE), LEAD)

    assert STALE_MESSAGE in json.dumps(reply)
    assert j.rows(t.PreAnalysisReturn)[0].status == "submitted"


async def test_guide_approval_happens_once(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    make_lic_member(j, COLLEAGUE)
    reply = await j.act(verbs.GUIDE, {"review_id": item.review_id})
    submit = button_data(reply["value"], verbs.GUIDE_SUBMIT)
    await both_at_once(j, verbs.GUIDE_SUBMIT, submit, USER_AAD)
    assert audited(j, "guide.submitted") == 1
    request = next(
        c for c in j.bot.connector.cards() if "Approve the 7-minute briefing" in json.dumps(c)
    )
    approve = button_data(request, verbs.GUIDE_APPROVE)

    await both_at_once(j, verbs.GUIDE_APPROVE, approve, COLLEAGUE)

    assert audited(j, "guide.published") == 1
    assert len(j.rows(t.GuideVersion)) == 1


async def test_an_older_guide_card_does_not_overwrite_a_newer_edit(journey_each: Journey) -> None:
    j = journey_each
    [item] = await published(j)
    older = (await j.act(verbs.GUIDE, {"review_id": item.review_id}))["value"]
    newer = (await j.act(verbs.GUIDE, {"review_id": item.review_id}))["value"]
    edit = {**button_data(newer, verbs.GUIDE_SAVE), "part_0": "The newer first part."}
    await j.act(verbs.GUIDE_SAVE, edit)

    stale = {**button_data(older, verbs.GUIDE_SAVE), "part_0": "The older first part."}
    reply = await j.act(verbs.GUIDE_SAVE, stale)

    text = json.dumps(reply)
    assert STALE_MESSAGE in text
    assert "The newer first part." in text, "answered with the current guide"
    [guide] = j.rows(t.SevenMinuteGuide)
    assert "The newer first part." in json.dumps(guide.sections)
    submit = await j.act(verbs.GUIDE_SUBMIT, button_data(older, verbs.GUIDE_SUBMIT))
    assert STALE_MESSAGE in json.dumps(submit)
    assert audited(j, "guide.submitted") == 0


async def test_the_chair_decides_a_request_from_the_item_opened_from_my_actions(
    journey_each: Journey,
) -> None:
    """The chair opens a date-request item from `my actions` ("Waiting for your decision"):
    the request and its Approve and Decline are on the item's card, bound as the request card
    is, so a decision there is the same decision (the owner told, once), and a card drawn
    before a later request is refused, not applied to it."""
    j = journey_each
    [item] = await published(j)
    request_card = await asked_for(j, item.id, "2099-06-30")

    [listed] = (await j.say("my actions")).cards
    said = json.dumps(listed, ensure_ascii=False)
    assert "Waiting for your decision (1)" in said
    assert "approve or decline it when you open it" in said
    opened = await j.act(verbs.ACTION_VIEW, button_data(listed, verbs.ACTION_VIEW))
    chairs: dict[str, Any] = opened["value"]
    text = json.dumps(chairs, ensure_ascii=False)
    assert f"For your decision: action · {item.reference}" in text
    assert "Staff off" in text, text
    assert "30 Jun 2099" in text, text
    titles = [a["title"] for a in chairs["actions"]]
    assert titles[:2] == ["Approve", "Decline"], titles
    for verb in (verbs.DATE_APPROVE, verbs.DATE_DECLINE):
        # One binding (the request, the item's revision), each card its own click token.
        on_item, on_request = (
            {k: v for k, v in button_data(c, verb).items() if k != CARD_ID}
            for c in (chairs, request_card)
        )
        assert on_item == on_request, "one binding"

    # A second request since the chair opened it: the card's Approve is refused.
    await asked_for(j, item.id, "2099-09-30")
    assert progress(j, "date_requested") == 2
    refused = await j.act(verbs.DATE_APPROVE, button_data(chairs, verbs.DATE_APPROVE))
    assert progress(j, "date_approved") == 0
    assert j.rows(t.ActionItem)[0].revised_due_on is None
    assert "changed since you opened it" in json.dumps(refused)

    fresh = await j.act(verbs.ACTION_VIEW, {"action_id": item.id})
    assert "30 Sep 2099" in json.dumps(fresh["value"], ensure_ascii=False)
    j.bot.connector.clear()
    declined = await j.act(verbs.DATE_DECLINE, button_data(fresh["value"], verbs.DATE_DECLINE))
    assert "Date declined" in json.dumps(declined["value"])
    assert [a["title"] for a in declined["value"]["actions"]] == ["Open the action", "My actions"]
    assert progress(j, "date_declined") == 1
    assert audited(j, "action.date_declined") == 1
    assert len(sent_cards(j, "The chair declined your request")) == 1, "the owner is told"
    after = await j.act(verbs.ACTION_VIEW, {"action_id": item.id})
    assert verbs.DATE_APPROVE not in json.dumps(after["value"]), "nothing left to decide"
    nothing = json.dumps((await j.say("my actions")).cards, ensure_ascii=False)
    assert "Nothing is waiting for your decision." in nothing
