"""Issue 14: the chair's lifecycle controls, on SQLite and PostgreSQL. Every review
can reach its end: a late agency assigned later, a nil return, proceeding without an agency,
cancel and an admin's reopen, a deputy chair; and refusals that change nothing. (An invitation
Teams refuses is tests/scenarios/test_edge_sends.py's.)"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import CHASERS, SERVICES
from cards import verbs
from cards.common import STALE_NOTICE_ID
from domain.idempotency import STALE_MESSAGE
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.answers import valid_answers
from tests.support.audited import snapshot
from tests.support.core import CoreBot
from tests.support.journey import (
    BANK,
    COLLEAGUE,
    LEAD,
    OUTSIDER,
    PRACTITIONER,
    AnyBot,
    Journey,
    button_data,
    card_verbs,
    journey_on,
)

HEALTH_LEAD = "55555555-5555-4555-8555-555555555555"
DEPUTY = "66666666-6666-4666-8666-666666666666"


@pytest.fixture
async def j(any_bot: CoreBot) -> Journey:
    return await lifecycle_journey(any_bot)


async def lifecycle_journey(bot: AnyBot) -> Journey:
    """The journey's people, with Demo Health's lead and a second chair (the deputy)."""
    journey = await journey_on(bot)
    for aad in (HEALTH_LEAD, DEPUTY):
        await journey.say("help", aad)
    with bot.db.session() as session, session.begin():
        members = {m.aad_object_id: m for m in session.scalars(select(t.Member))}
        health = next(a for a in session.scalars(select(t.Agency)) if a.name == "Demo Health")
        members[HEALTH_LEAD].agency_id = health.id
        session.add(t.MemberRole(member_id=members[HEALTH_LEAD].id, role="agency_lead"))
        session.add(t.MemberRole(member_id=members[DEPUTY].id, role="chair"))
    bot.connector.clear()
    return journey


def agency(j: Journey, name: str) -> int:
    return next(a.id for a in j.rows(t.Agency) if a.name == name)


def ret_of(j: Journey, agency_name: str) -> Any:
    return next(r for r in j.rows(t.PreAnalysisReturn) if r.agency_id == agency(j, agency_name))


def review(j: Journey) -> Any:
    return j.rows(t.Review)[0]


def member_id(j: Journey, aad: str) -> int:
    return next(m.id for m in j.rows(t.Member) if m.aad_object_id == aad)


async def two_agency_draft(j: Journey) -> None:
    """Police and Health on one review, nobody assigned yet: a draft."""
    police, health = agency(j, "Demo Police"), agency(j, "Demo Health")
    await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": f"{police},{health}",
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )


async def two_agency_review(j: Journey, *, assign_health: bool = False) -> int:
    """Police and Health on one review; only Police's practitioners are assigned."""
    police, health = agency(j, "Demo Police"), agency(j, "Demo Health")
    await two_agency_draft(j)
    data = {"review_id": review(j).id, f"assignees_{police}": PRACTITIONER}
    if assign_health:
        data[f"assignees_{health}"] = OUTSIDER
    card = await j.card(verbs.REVIEW_ASSIGN, data)
    assert "is open for returns" in card
    return int(review(j).id)


async def complete(j: Journey, return_id: int, aad: str) -> None:
    for index, section in enumerate(BANK.sections):
        data: dict[str, Any] = {"return_id": return_id, "section": index, **valid_answers(section)}
        if section.repeatable:
            data["episode"] = 1
        await j.act(verbs.RETURN_NEXT, data, aad)
    await j.act(
        verbs.ENTRY_SAVE,
        {
            "return_id": return_id,
            "event_date": "2025-01-10",
            "source": "school log",
            "event": "School raised concern about attendance",
            "themes": "neglect",
        },
        aad,
    )
    card = await j.card(verbs.RETURN_SUBMIT, {"return_id": return_id}, aad)
    assert "Return submitted" in card


async def refused(j: Journey, verb: str, data: dict[str, Any], aad: str = USER_AAD) -> str:
    """The control is refused, and the database is as it was: with a message, or, a click on
    a card the thing has moved on from, with its current card and the refusal under its
    header (walk10: the message came at the card's foot, far below the button)."""
    before = snapshot(j.bot.db.engine)
    reply = await j.act(verb, data, aad)
    message, kept = str(reply["value"]), {"member"}
    if reply["type"] == "application/vnd.microsoft.card.adaptive":
        [notice] = [e for e in reply["value"]["body"] if e.get("id") == STALE_NOTICE_ID]
        message = str(notice["text"])
        # A click answered with a card keeps its claim, so a duplicate of it gets the same
        # card (bot/once.py), as a stale revision's refusal always has: the click's record,
        # not the review's.
        kept.add("idempotency_record")
    after = snapshot(j.bot.db.engine)
    changed = {
        table: rows
        for table, rows in after.items()
        if table not in kept and rows != before.get(table)
    }
    assert not changed, changed.keys()
    return message


async def test_an_agency_assigned_later_reaches_the_outcome(j: Journey) -> None:
    review_id = await two_agency_review(j)
    card = await j.card(verbs.REVIEW_MANAGE, {"review_id": review_id})
    assert "Manage Demo Health" in card
    assert "nobody yet" in card
    health = ret_of(j, "Demo Health")
    j.bot.connector.clear()
    card = await j.card(verbs.RETURN_REASSIGN, {"return_id": health.id, "assignees": OUTSIDER})
    assert "1 invited" in card
    assert "Start your return" in json.dumps(j.bot.connector.cards()), "the invitation is sent"
    await complete(j, ret_of(j, "Demo Police").id, PRACTITIONER)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": ret_of(j, "Demo Police").id}, LEAD)
    await complete(j, health.id, OUTSIDER)
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": health.id}, HEALTH_LEAD)
    assert review(j).stage == "analysis"
    card = await j.card(verbs.OUTCOME, {"review_id": review_id})
    assert "Child K" in card


async def test_nil_return_then_proceed_without_then_the_outcome(j: Journey) -> None:
    review_id = await two_agency_review(j)
    police, health = ret_of(j, "Demo Police"), ret_of(j, "Demo Health")
    j.bot.connector.clear()
    card = await j.card(
        verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact with the family."}
    )
    assert "asked to confirm" in card
    assert "Confirm a nil return" in json.dumps(j.bot.connector.cards()), "the lead is asked"
    assert ret_of(j, "Demo Police").status == "nil_pending"
    message = await refused(j, verbs.NIL_CONFIRM, {"return_id": police.id}, PRACTITIONER)
    assert "safeguarding lead" in message
    card = await j.card(verbs.NIL_CONFIRM, {"return_id": police.id}, LEAD)
    assert "Nil return confirmed" in card
    assert review(j).stage == "pre_analysis", "health is still outstanding"
    card = await j.card(
        verbs.RETURN_PROCEED,
        {"return_id": health.id, "reason": "Health return is late; the meeting can't wait."},
    )
    assert "goes ahead without" in card
    assert review(j).stage == "analysis", "nil + proceeded without: the outcome may go ahead"
    card = await j.card(verbs.OUTCOME, {"review_id": review_id})
    card = await j.card(verbs.PACK, {"review_id": review_id})
    assert "Nil return" in card
    assert "Proceeding without (chair's decision)" in card
    card = await j.card(verbs.SUMMARY, {"review_id": review_id})
    assert "nil return" in card.lower()
    assert "Proceeding without (chair's decision)" in card, "the Manage card's words"
    actions = [e.action for e in j.rows(t.AuditEvent)]
    for expected in ("return.nil_recorded", "return.nil_confirmed", "return.proceeded_without"):
        assert expected in actions


async def test_cancel_then_a_second_cancel_is_refused_and_an_admin_reopens(j: Journey) -> None:
    review_id = await two_agency_review(j)
    reference = review(j).reference
    message = await refused(
        j, verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Mine"}, PRACTITIONER
    )
    assert "chair" in message.lower()
    j.bot.connector.clear()
    await j.say(f"cancel review {reference} because the family moved out of the area")
    told = [c for c in j.bot.connector.sent if "is cancelled" in json.dumps(c.cards)]
    assert len(told) == 2, "the chair's answer, and the practitioner still writing"
    assert review(j).stage == "cancelled"
    assert review(j).cancelled_reason == "the family moved out of the area"
    assert all(r.next_chase_at is None for r in j.rows(t.PreAnalysisReturn))
    message = await refused(j, verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Again"})
    assert "already cancelled" in message
    message = await refused(j, verbs.REVIEW_REOPEN, {"review_id": review_id, "reason": "x"}, DEPUTY)
    assert "admin" in message.lower()
    card = await j.card(
        verbs.REVIEW_REOPEN, {"review_id": review_id, "reason": "Cancelled by mistake"}
    )
    assert "Review reopened" in card
    assert review(j).stage == "pre_analysis", "back to the stage it was cancelled at"
    actions = [e.action for e in j.rows(t.AuditEvent)]
    assert "review.cancelled" in actions
    assert "review.reopened" in actions


async def test_replacing_a_practitioner_takes_away_their_access(j: Journey) -> None:
    await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    card = await j.card(verbs.RETURN_OPEN, {"return_id": police.id}, PRACTITIONER)
    card = await j.card(
        verbs.RETURN_REASSIGN, {"return_id": police.id, "assignees": COLLEAGUE, "replace": "true"}
    )
    assert "taken off the return" in card
    assert "no longer on the Demo Police return" in json.dumps(j.bot.connector.cards())
    reply = await j.act(verbs.RETURN_OPEN, {"return_id": police.id}, PRACTITIONER)
    assert reply["type"] != "application/vnd.microsoft.card.adaptive"
    card = await j.card(verbs.RETURN_OPEN, {"return_id": police.id}, COLLEAGUE)
    assert "Section 1" in card


async def test_add_and_remove_agencies_with_the_last_one_kept(j: Journey) -> None:
    review_id = await two_agency_review(j)
    health = ret_of(j, "Demo Health")
    # Sent back once and resubmitted before its removal: the send-back is kept (0017).
    with j.bot.db.session() as session:
        row = session.get(t.PreAnalysisReturn, health.id)
        assert row is not None
        row.returned_comments = "Please say who held the strategy meeting."
        session.add(row)
        session.commit()
    card = await j.card(
        verbs.REVIEW_REMOVE_AGENCY, {"return_id": health.id, "reason": "Not involved after all."}
    )
    assert "Agency removed" in card
    assert "Manage Demo Health" not in card
    message = await refused(
        j, verbs.REVIEW_REMOVE_AGENCY, {"return_id": ret_of(j, "Demo Police").id, "reason": "x"}
    )
    assert "last agency" in message
    card = await j.card(
        verbs.REVIEW_ADD_AGENCY,
        {"review_id": review_id, "agency_id": str(agency(j, "Demo Health"))},
    )
    assert "Agency added" in card
    assert ret_of(j, "Demo Health").status == "not_started"
    # review13a: brought back, it starts afresh, with no old send-back on it.
    assert ret_of(j, "Demo Health").returned_comments is None


async def test_nil_on_a_submitted_return_and_late_controls_are_refused(j: Journey) -> None:
    review_id = await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    await complete(j, police.id, PRACTITIONER)
    message = await refused(j, verbs.RETURN_NIL, {"return_id": police.id, "reason": "None"})
    assert "return is “Submitted: waiting for sign-off”, so it can't be a nil return" in message
    await j.act(verbs.SIGNOFF_APPROVE, {"return_id": police.id}, LEAD)
    health = ret_of(j, "Demo Health")
    await j.card(verbs.RETURN_PROCEED, {"return_id": health.id, "reason": "Late."})
    assert review(j).stage == "analysis"
    message = await refused(
        j, verbs.RETURN_EXTEND, {"return_id": police.id, "due_on": "2099-03-01"}
    )
    assert "now at the “Analysis” stage" in message, "the stage in words, not its stored value"
    del review_id


async def test_extend_moves_the_chasers_and_edit_keeps_the_identifier_guard(j: Journey) -> None:
    review_id = await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    before = police.next_chase_at
    # The form offers a date its own save accepts (walk10: it offered the due date itself).
    agency = json.loads(await j.card(verbs.REVIEW_AGENCY, {"return_id": police.id}))
    offered = next(
        e["value"] for e in _inputs(agency) if e.get("id") == "due_on" and e.get("value")
    )
    assert date.fromisoformat(offered) > police.due_on
    moved = await j.card(verbs.RETURN_EXTEND, {"return_id": police.id, "due_on": offered})
    assert "Due date moved" in moved, moved[:600]
    card = await j.card(verbs.RETURN_EXTEND, {"return_id": police.id, "due_on": "2099-06-30"})
    assert "reminders follow the new date" in card
    after = ret_of(j, "Demo Police")
    assert str(after.due_on) == "2099-06-30"
    assert after.next_chase_at is not None
    assert before is None or after.next_chase_at > before
    card = await j.card(
        verbs.REVIEW_EDIT,
        {
            "review_id": review_id,
            "pseudonym": "John Smith born 01/02/2015",
            "reason": "Neglect concerns.",
            "meeting_on": "2099-02-01",
        },
    )
    assert review(j).pseudonym == "Child K", "an identifying pseudonym is refused"
    card = await j.card(
        verbs.REVIEW_EDIT,
        {
            "review_id": review_id,
            "pseudonym": "Child L",
            "reason": "Neglect concerns.",
            "period_under_review": "Jan 2024 to Jun 2025",
            "meeting_on": "2099-02-08",
        },
    )
    assert "Details saved" in card
    assert review(j).pseudonym == "Child L"
    assert review(j).period_under_review


async def test_a_deputy_chair_has_the_chairs_controls(j: Journey) -> None:
    review_id = await two_agency_review(j)
    health = ret_of(j, "Demo Health")
    await refused(j, verbs.RETURN_EXTEND, {"return_id": health.id, "due_on": "2099-03-01"}, DEPUTY)
    card = await j.card(
        verbs.REVIEW_DEPUTY, {"review_id": review_id, "deputy": str(member_id(j, DEPUTY))}
    )
    assert "Deputy chair saved" in card
    card = await j.card(
        verbs.RETURN_EXTEND, {"return_id": health.id, "due_on": "2099-03-01"}, DEPUTY
    )
    assert "Due date moved" in card
    meeting = review(j).meeting_on
    warning = "the Demo Health return will arrive after the meeting"
    assert (warning in card) == (date(2099, 3, 1) >= meeting), (meeting, card)
    past = (max(meeting, date(2099, 3, 1)) + timedelta(days=7)).isoformat()
    card = await j.card(verbs.RETURN_EXTEND, {"return_id": health.id, "due_on": past}, DEPUTY)
    assert warning in card, card
    assert ret_of(j, "Demo Health").due_on.isoformat() == past, "allowed, with the warning"
    card = await j.card(verbs.REVIEWS, {}, DEPUTY)
    assert verbs.REVIEW_MANAGE in card, "the deputy's reviews list offers Manage"
    card = await j.card(verbs.SUMMARY, {"review_id": review_id}, DEPUTY)
    assert "Manage review" in card
    card = await j.card(verbs.SUMMARY, {"review_id": review_id}, LEAD)
    assert "Manage review" not in card


async def test_typed_controls_do_it_or_say_what_to_do(j: Journey) -> None:
    await two_agency_review(j)
    reference = review(j).reference
    for text in (f"manage {reference}", f"assign {reference}", f"cancel review {reference}"):
        j.bot.connector.clear()
        await j.say(text)
        shown = json.dumps(j.bot.connector.cards())
        assert f"Manage {reference}" in shown, text
    assert review(j).stage == "pre_analysis", "cancel without a reason changes nothing"
    j.bot.connector.clear()
    await j.say(f"approve {reference}")
    shown = json.dumps(j.bot.connector.cards())
    assert "Review summary" not in shown
    assert "summary" not in shown[:200].lower()


async def test_a_lead_who_says_the_agency_was_involved_keeps_the_return_open(j: Journey) -> None:
    await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact."})
    message = await refused(
        j, verbs.RETURN_SAVE, {"return_id": police.id, "section": 0}, PRACTITIONER
    )
    assert "nil return" in message
    j.bot.connector.clear()
    card = await j.card(verbs.NIL_DECLINE, {"return_id": police.id}, LEAD)
    assert "stays open" in card
    assert ret_of(j, "Demo Police").status == "in_progress"
    assert "says the agency was involved" in json.dumps(j.bot.connector.cards()), "chair told"
    message = await refused(j, verbs.NIL_CONFIRM, {"return_id": police.id}, LEAD)
    assert "out of date" in message


async def test_a_cancelled_review_takes_no_writes_and_an_admin_reopens_it_by_typing(
    j: Journey,
) -> None:
    review_id = await two_agency_review(j)
    reference = review(j).reference
    police = ret_of(j, "Demo Police")
    await j.card(verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Opened twice."})
    first = BANK.sections[0]
    data = {"return_id": police.id, "section": 0, **valid_answers(first)}
    message = await refused(j, verbs.RETURN_SAVE, data, PRACTITIONER)
    assert "cancelled" in message
    await j.say(f"reopen review {reference} because it was cancelled by mistake")
    assert review(j).stage == "pre_analysis"
    card = await j.card(verbs.RETURN_SAVE, data, PRACTITIONER)
    assert "Section" in card


def aware(moment: datetime | None) -> datetime:
    assert moment is not None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def sweep_at(j: Journey, moment: datetime | None) -> dict[str, int]:
    j.bot.app[SERVICES].clock.set(aware(moment))
    j.bot.connector.clear()
    return (await j.bot.app[CHASERS].sweep()).outcomes


async def test_a_nil_return_waiting_for_its_lead_is_chased_until_confirmed(j: Journey) -> None:
    await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact."})
    pending = ret_of(j, "Demo Police")
    assert pending.status_changed_at is not None
    assert pending.next_chase_at is not None, "the lead's confirmation is scheduled"
    assert await sweep_at(j, aware(pending.next_chase_at) - timedelta(minutes=1)) == {}
    assert await sweep_at(j, aware(pending.next_chase_at) + timedelta(minutes=1)) == {"sent": 1}
    [to_lead] = j.bot.connector.sent
    chaser = json.dumps(to_lead.cards)
    assert "Waiting for you to confirm a nil return for 3 working days" in chaser
    assert {verbs.NIL_CONFIRM, verbs.NIL_DECLINE} <= set(card_verbs(to_lead.cards))
    # The lead confirms from the chaser's own card: the chasing stops.
    confirm = next(a for a in to_lead.cards[0]["actions"] if a["verb"] == verbs.NIL_CONFIRM)
    card = await j.card(verbs.NIL_CONFIRM, confirm["data"], LEAD)
    assert "Nil return confirmed" in card
    assert ret_of(j, "Demo Police").next_chase_at is None
    assert await sweep_at(j, aware(pending.next_chase_at) + timedelta(days=30)) == {}


async def test_a_declined_nil_return_is_chased_as_a_return_again_not_at_the_lead(
    j: Journey,
) -> None:
    await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact."})
    lead_chase = ret_of(j, "Demo Police").next_chase_at
    await j.card(verbs.NIL_DECLINE, {"return_id": police.id}, LEAD)
    after = ret_of(j, "Demo Police")
    assert after.status == "in_progress"
    assert after.next_chase_at is not None
    assert aware(after.next_chase_at).year >= 2098, "the practitioners, against the due date"
    assert await sweep_at(j, aware(lead_chase) + timedelta(minutes=1)) == {}


async def test_a_cancelled_review_offers_no_return_to_write_and_none_to_sign_off(
    j: Journey,
) -> None:
    """After a cancel, `continue` doesn't offer the practitioner its return, an old button
    opens it read-only (no Save that would then be refused), and the lead's `sign-offs`
    neither lists its submitted return nor lets it be approved."""
    review_id = await two_agency_review(j, assign_health=True)
    police, health = ret_of(j, "Demo Police"), ret_of(j, "Demo Health")
    await complete(j, police.id, PRACTITIONER)
    await j.card(verbs.REVIEW_CANCEL, {"review_id": review_id, "reason": "Opened twice."})
    j.bot.connector.clear()
    await j.say("continue", OUTSIDER)
    shown = json.dumps(j.bot.connector.cards())
    assert "You have no returns to work on." in shown, shown
    card = await j.card(verbs.RETURN_OPEN, {"return_id": health.id}, OUTSIDER)
    assert "Save draft" not in card, "a cancelled review's return is read-only"
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    shown = json.dumps(j.bot.connector.cards())
    assert "Nothing is waiting for your sign-off." in shown, shown
    message = await refused(j, verbs.SIGNOFF_APPROVE, {"return_id": police.id}, LEAD)
    assert "cancelled" in message
    assert ret_of(j, "Demo Police").status == "submitted"


async def test_unanswered_nil_chasers_copy_the_chair_and_the_deputy_in_their_own_words(
    j: Journey,
) -> None:
    review_id = await two_agency_review(j)
    deputy = {"review_id": review_id, "deputy": str(member_id(j, DEPUTY))}
    await j.card(verbs.REVIEW_DEPUTY, deputy)
    police = ret_of(j, "Demo Police")
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact."})
    # escalate_after (2) chasers go unanswered; the third copies the chair and the deputy.
    for _ in range(3):
        due = ret_of(j, "Demo Police").next_chase_at
        assert await sweep_at(j, aware(due) + timedelta(minutes=1)) == {"sent": 1}
    copies = [r for r in j.rows(t.ChaserLog) if r.kind == "escalation"]
    assert sorted(r.recipient for r in copies) == ["chair", "deputy_chair"]
    sent = [json.dumps(c) for c in j.bot.connector.cards()]
    assert len(sent) == 3, "the lead, the chair and the deputy"
    chair = next(c for c in sent if "For you as the review's chair" in c)
    deputy_copy = next(c for c in sent if "For you as the review's deputy chair" in c)
    for copy in (chair, deputy_copy):
        assert "Waiting for its agency lead to confirm a nil return" in copy
        assert "Waiting for you" not in copy
        assert verbs.NIL_CONFIRM not in copy
        assert verbs.REVIEW_AGENCY in copy
    # The deputy's button opens the agency's controls for them.
    card = await j.card(verbs.REVIEW_AGENCY, {"return_id": police.id}, DEPUTY)
    assert "Proceed without them" in card


async def test_a_confirmed_nil_return_is_not_counted_overdue_nor_brought_forward(
    j: Journey,
) -> None:
    await two_agency_review(j)
    police, health = ret_of(j, "Demo Police"), ret_of(j, "Demo Health")
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": "No contact."})
    await j.card(verbs.NIL_CONFIRM, {"return_id": police.id}, LEAD)
    j.bot.app[SERVICES].clock.set(datetime(2099, 2, 1, 10, tzinfo=UTC))  # past 15 Jan
    j.bot.connector.clear()
    await j.say("reviews")
    listing = json.dumps(j.bot.connector.cards())
    assert "OVERDUE: 1 agency return is past the due date." in listing, "Health alone"
    # An extension moves the due date later, never earlier.
    earlier = {"return_id": health.id, "due_on": "2099-03-01"}
    await j.card(verbs.RETURN_EXTEND, {"return_id": health.id, "due_on": "2099-03-10"})
    card = await j.card(verbs.RETURN_EXTEND, earlier)
    assert "later than Tue 10 Mar 2099" in card, "the one date format"
    assert str(ret_of(j, "Demo Health").due_on) == "2099-03-10"


async def test_reviews_judges_each_return_late_by_its_own_due_date(j: Journey) -> None:
    await two_agency_review(j)
    health = ret_of(j, "Demo Health")
    # Health is given until 10 Mar; the review's returns were due on 15 Jan.
    await j.card(verbs.RETURN_EXTEND, {"return_id": health.id, "due_on": "2099-03-10"})
    j.bot.app[SERVICES].clock.set(datetime(2099, 2, 1, 10, tzinfo=UTC))  # past 15 Jan
    j.bot.connector.clear()
    await j.say("reviews")
    listing = json.dumps(j.bot.connector.cards())
    assert "OVERDUE: 1 agency return is past the due date." in listing, "Police alone"
    # Past Health's own date too: both are late.
    j.bot.app[SERVICES].clock.set(datetime(2099, 3, 13, 10, tzinfo=UTC))
    j.bot.connector.clear()
    await j.say("reviews")
    assert "OVERDUE: 2 agency returns are past the due date." in json.dumps(j.bot.connector.cards())


async def test_proceed_without_an_agency_nobody_was_ever_assigned_to(j: Journey) -> None:
    """A draft (nobody assigned anywhere): Police is nil, Health is late and was never
    assigned. Proceeding without Health is a recorded chair decision, and the review moves on."""
    await two_agency_draft(j)
    review_id = int(review(j).id)
    assert review(j).stage == "draft"
    late = ret_of(j, "Demo Health")
    card = await j.card(verbs.REVIEW_AGENCY, {"return_id": late.id})
    assert verbs.RETURN_PROCEED in card, "offered while the review is a draft"
    card = await j.card(verbs.RETURN_PROCEED, {"return_id": late.id, "reason": " "})
    assert ret_of(j, "Demo Health").status == "not_started", "no reason, no decision"
    police_ret = ret_of(j, "Demo Police")
    await j.card(verbs.RETURN_NIL, {"return_id": police_ret.id, "reason": "No contact at all."})
    await j.card(verbs.NIL_CONFIRM, {"return_id": police_ret.id}, LEAD)
    assert review(j).stage == "draft", "Health still holds it back"
    reason = "Nobody at Health was found to write it; the meeting date is fixed."
    card = await j.card(verbs.RETURN_PROCEED, {"return_id": late.id, "reason": reason})
    assert "goes ahead without" in card
    assert review(j).stage == "analysis", "nil + proceeded without, straight from the draft"
    j.bot.connector.clear()
    await j.say("reviews")
    listing = json.dumps(j.bot.connector.cards())
    assert "0 of 2 submitted, 0 signed off, 2 nil or proceeded without" in listing
    pack = await j.card(verbs.PACK, {"review_id": review_id})
    assert "Proceeding without (chair's decision)" in pack
    summary = await j.card(verbs.SUMMARY, {"review_id": review_id})
    assert "Proceeding without (chair's decision)" in summary
    proceeded = [e for e in j.rows(t.AuditEvent) if e.action == "return.proceeded_without"]
    assert len(proceeded) == 1
    assert reason in json.dumps(proceeded[0].after)


async def test_a_nil_return_nobody_can_confirm_says_what_to_do_next(j: Journey) -> None:
    """Health's only lead steps down: the chair's answer is Health's card, saying why nobody
    was asked and offering the way on (Agencies for the admin, Proceed without)."""
    await two_agency_review(j)
    with j.bot.db.session() as session, session.begin():
        lead_id = member_id(j, HEALTH_LEAD)
        session.delete(session.get_one(t.MemberRole, (lead_id, "agency_lead")))
    health = ret_of(j, "Demo Health")
    j.bot.connector.clear()
    card = await j.card(verbs.RETURN_NIL, {"return_id": health.id, "reason": "No contact."})
    assert "couldn't reach a safeguarding lead of Demo Health" in card
    assert "nobody holds the agency lead role" in card
    assert "Demo Health · " in card, "the agency's own card, with its controls"
    assert {verbs.RETURN_PROCEED, verbs.AGENCIES} <= set(card_verbs(json.loads(card)))
    assert "Confirm a nil return" not in json.dumps(j.bot.connector.cards())


async def test_sign_offs_lists_a_nil_return_for_its_lead_to_answer_there(j: Journey) -> None:
    await two_agency_review(j)
    police = ret_of(j, "Demo Police")
    reason = "Police checked its records: no contact with the family."
    await j.card(verbs.RETURN_NIL, {"return_id": police.id, "reason": reason})
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    waiting = j.bot.connector.cards()[-1]
    shown = json.dumps(waiting)
    assert "Nil return to confirm, waiting 0 working days" in shown
    assert reason in shown
    assert {verbs.NIL_CONFIRM, verbs.NIL_DECLINE} <= set(card_verbs(waiting))
    confirm = next(
        a
        for c in waiting["body"]
        if c.get("type") == "Container"
        for i in c["items"]
        if i.get("type") == "ActionSet"
        for a in i["actions"]
        if a["verb"] == verbs.NIL_CONFIRM
    )
    card = await j.card(verbs.NIL_CONFIRM, confirm["data"], LEAD)
    assert "Nil return confirmed" in card
    assert {verbs.SIGN_OFFS, verbs.HELP} <= set(card_verbs(json.loads(card))), "a way onward"
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    assert "Nothing is waiting for your sign-off." in json.dumps(j.bot.connector.cards()[-1])


async def test_a_lead_covering_another_agency_answers_for_it_and_only_as_a_lead(
    j: Journey,
) -> None:
    """Police's lead also covers Health: asked to confirm Health's nil return, sees it in
    sign-offs and confirms it. Cover without the agency lead role counts for nothing."""
    await two_agency_review(j)
    health_id = agency(j, "Demo Health")
    with j.bot.db.session() as session, session.begin():
        session.add(t.AgencyLeadCover(member_id=member_id(j, LEAD), agency_id=health_id))
        session.add(t.AgencyLeadCover(member_id=member_id(j, PRACTITIONER), agency_id=health_id))
    health = ret_of(j, "Demo Health")
    j.bot.connector.clear()
    await j.card(verbs.RETURN_NIL, {"return_id": health.id, "reason": "No contact."})
    asked = [s for s in j.bot.connector.sent if "Confirm a nil return" in json.dumps(s.cards)]
    assert len(asked) == 2, "Health's own lead and the covering lead (not the practitioner)"
    message = await refused(j, verbs.NIL_CONFIRM, {"return_id": health.id}, PRACTITIONER)
    assert "safeguarding lead of Demo Health" in message
    j.bot.connector.clear()
    await j.say("sign-offs", LEAD)
    assert "Demo Health" in json.dumps(j.bot.connector.cards()[-1])
    card = await j.card(verbs.NIL_CONFIRM, {"return_id": health.id}, LEAD)
    assert "Nil return confirmed" in card
    assert ret_of(j, "Demo Health").status == "nil"


async def test_a_control_from_an_older_manage_card_changes_nothing(j: Journey) -> None:
    """The chair and the deputy each have the Manage card open. The chair edits the review;
    the deputy's controls from their card, drawn before that, are refused with the card as it
    is now, and change nothing. Likewise an agency's card after another chair's change."""
    review_id = await two_agency_review(j)
    await j.act(verbs.REVIEW_DEPUTY, {"review_id": review_id, "deputy": str(member_id(j, DEPUTY))})
    shown = {"review_id": review_id}
    older = (await j.act(verbs.REVIEW_MANAGE, shown, DEPUTY))["value"]
    newer = (await j.act(verbs.REVIEW_MANAGE, shown))["value"]
    details = {"reason": "Neglect concerns.", "meeting_on": "2099-02-01"}
    edit = {**button_data(newer, verbs.REVIEW_EDIT), **details, "pseudonym": "Child L"}
    assert "Child L" in json.dumps(await j.act(verbs.REVIEW_EDIT, edit))

    stale_edit = {**button_data(older, verbs.REVIEW_EDIT), **details, "pseudonym": "Child M"}
    cancel = {**button_data(older, verbs.REVIEW_CANCEL), "reason": "The family moved away."}
    for verb, data in ((verbs.REVIEW_EDIT, stale_edit), (verbs.REVIEW_CANCEL, cancel)):
        reply = json.dumps(await j.act(verb, data, DEPUTY), ensure_ascii=False)
        assert STALE_MESSAGE in reply
        assert "Child L" in reply, "answered with the Manage card as it is now"
    assert (review(j).pseudonym, review(j).stage) == ("Child L", "pre_analysis")

    police = ret_of(j, "Demo Police")
    older = (await j.act(verbs.REVIEW_AGENCY, {"return_id": police.id}, DEPUTY))["value"]
    newer = (await j.act(verbs.REVIEW_AGENCY, {"return_id": police.id}))["value"]
    extend = {**button_data(newer, verbs.RETURN_EXTEND), "due_on": "2099-06-30"}
    await j.act(verbs.RETURN_EXTEND, extend)
    stale = {**button_data(older, verbs.RETURN_EXTEND), "due_on": "2099-09-30"}
    reply = json.dumps(await j.act(verbs.RETURN_EXTEND, stale, DEPUTY), ensure_ascii=False)
    assert STALE_MESSAGE in reply
    assert str(ret_of(j, "Demo Police").due_on) == "2099-06-30"


def _inputs(element: Any) -> Iterator[dict[str, Any]]:
    """Every element of a card, show-cards' forms included, depth first."""
    if isinstance(element, dict):
        yield element
        for value in element.values():
            yield from _inputs(value)
    elif isinstance(element, list):
        for value in element:
            yield from _inputs(value)
