"""What Teams does with a turn's sends, over HTTP on both platforms and both databases: a
person Teams can't reach (the fake connector refuses the next send, `fail_next`) is named to
the one who acted, never said to have been sent it, and what they did still stands; a channel
registered by its @mention in a thread is posted to as a new post, not a reply.

These are the edge's half of behaviour files in tests/behaviour/ (the core records every
proactive send and refuses none; docs/architecture.md §11), whose helpers they use."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from cards import verbs
from domain import chase_engine
from storage import tables as t
from tests.behaviour.test_access_ended import end_access, member_card
from tests.behaviour.test_action_controls import chair_view
from tests.behaviour.test_action_escalated import chair_card, escalated
from tests.behaviour.test_action_moves import escalate_to_the_chair, make_lic_members, sent_saying
from tests.behaviour.test_action_readers import copy_for
from tests.behaviour.test_lifecycle import (
    agency,
    lifecycle_journey,
    ret_of,
    review,
    two_agency_review,
)
from tests.conftest import _running_bot
from tests.support.activities import USER_AAD, activity, as_user
from tests.support.chasers import Sends, at_next_chase, log_rows, sweep
from tests.support.connector import FakeConnector
from tests.support.journey import (
    COLLEAGUE,
    LEAD,
    LIC_CHANNEL,
    PRACTITIONER,
    Journey,
    button_data,
    published,
)


@pytest.fixture
async def j(tmp_path: Path, database_url: str, connector: FakeConnector) -> AsyncIterator[Journey]:
    """tests/behaviour/test_lifecycle.py's journey over HTTP, on each database."""
    async for running in _running_bot(tmp_path, database_url, connector):
        yield await lifecycle_journey(running)


async def test_an_invitation_that_reaches_nobody_is_not_reported_as_success(j: Journey) -> None:
    await two_agency_review(j)
    health = ret_of(j, "Demo Health")
    # A practitioner from the directory who has never opened a chat with the bot, and for whom
    # Teams refuses to open one (the app isn't installed for them).
    quiet = t.Member(
        partnership_id=review(j).partnership_id,
        display_name="Health Visitor (new)",
        aad_object_id="77777777-7777-4777-8777-777777777777",
        agency_id=agency(j, "Demo Health"),
    )
    with j.bot.db.session() as session, session.begin():
        session.add(quiet)
        session.flush()
        assert quiet.id is not None
        session.add(t.MemberRole(member_id=quiet.id, role="practitioner"))
    j.bot.connector.fail_next(403, body={"error": {"code": "BotNotInConversationRoster"}})
    card = await j.card(
        verbs.RETURN_REASSIGN,
        {"return_id": health.id, "assignees": "77777777-7777-4777-8777-777777777777"},
    )
    assert "1 invited, but I couldn't reach Health Visitor (new)" in card
    assert "type continue" in card
    assert "(0 reached)" not in card


async def test_a_reassign_says_who_was_reached_and_who_was_not(journey_each: Journey) -> None:
    """The chair is told who has it only once Teams took it: someone it couldn't reach is
    named, to contact another way, never said to have been sent it."""
    j = journey_each
    _, card = await chair_view(j)
    data = button_data(card, verbs.ACTION_REASSIGN)
    j.bot.connector.clear()
    j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
    reason = "Police Colleague now leads the audit team"
    answer = await j.act(verbs.ACTION_REASSIGN, {**data, "owner": COLLEAGUE, "reason": reason})
    said = json.dumps(answer["value"], ensure_ascii=False)
    assert "Reassigned to Police Colleague." in said, said
    assert "Police Colleague has been sent it" not in said, said
    assert (
        "I couldn't reach Police Colleague in Teams, so they haven't seen this: please contact "
        "them yourself." in said
    ), said
    assert "Police Practitioner, who had it, has been told." in said, "the one Teams reached"
    assert j.bot.audit_actions().count("action.reassigned") == 1, "the move itself stands"


async def test_a_nudge_that_reaches_nobody_is_not_called_sent(journey_each: Journey) -> None:
    """The owner of an escalated item is often the one Teams can't reach: the lead who nudges
    them is told so, to contact them another way, never that they were sent it."""
    j = journey_each
    await escalate_to_the_chair(j)
    copy = copy_for(j, "agency's safeguarding lead")
    j.bot.connector.clear()
    j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
    nudge = {**button_data(copy, verbs.ACTION_NUDGE), "note": "Can you send the audit?"}
    answer = await j.act(verbs.ACTION_NUDGE, nudge, LEAD)
    said = json.dumps(answer["value"], ensure_ascii=False)
    assert "I couldn't reach" in said, said
    assert "please contact them yourself" in said, said
    assert "on their action card" not in said, said
    # Their words were lost from sight: shown back to copy, and kept in the item's history.
    assert "What you wrote, kept with the item for you to pass on: Can you send the audit?" in (
        said
    ), said
    with j.bot.db.session() as session:
        kept = session.scalars(select(t.ProgressEntry.note)).all()
    assert "Can you send the audit?" in kept
    assert j.bot.audit_actions().count("action.nudged") == 1, "the nudge is still recorded"


async def test_a_decision_that_reaches_no_owner_says_so(journey_each: Journey) -> None:
    """The owner of an escalated item is often the one Teams can't reach: the chair is told
    to contact them another way, never that they have been told."""
    j = journey_each
    item = await escalated(j)
    data = button_data(chair_card(j, item.reference), verbs.ACTION_SET_DATE)
    j.bot.connector.clear()
    j.bot.connector.fail_next(403, body={"error": {"code": "ConversationBlockedByUser"}})
    typed = {**data, "due_on": "2099-05-29", "reason": "Re-audit by spring"}
    answer = await j.act(verbs.ACTION_SET_DATE, typed, USER_AAD)
    said = json.dumps(answer["value"], ensure_ascii=False)
    assert "New date set" in said, said
    assert "has been told" not in said, said
    assert "I couldn't reach Police Practitioner in Teams" in said, said
    assert "please contact them yourself" in said, said
    assert j.bot.audit_actions().count("action.date_set") == 1, "the decision itself stands"


async def test_a_registered_lic_channel_gets_a_new_post(journey_each: Journey) -> None:
    j = journey_each
    make_lic_members(j, COLLEAGUE)
    body = activity(
        "message-channel-mention",
        j.bot.connector.url,
        text="<at>Line of Sight</at> register channel lic",
    )
    body["conversation"]["id"] = f"{LIC_CHANNEL};messageid=1700000000000"
    status, _ = await j.bot.post(as_user(body, USER_AAD))
    assert status == 201
    [channel] = j.rows(t.TeamChannel)
    assert channel.conversation_id == LIC_CHANNEL, "stored without the thread it was typed in"

    logged = await escalate_to_the_chair(j)

    assert [r.outcome for r in logged if r.recipient == "lic_channel"] == ["sent"]
    assert sent_saying(j, "For the LIC group") == [LIC_CHANNEL], "a new post, not a reply"
    assert not [r for r in logged if r.recipient == "lic_member"]


async def test_an_impact_leaver_s_notice_that_failed_is_told_again_and_after_a_second_leaving(
    journey_each: Journey, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Over HTTP (a connector failure is the edge's). review2: "told once" was the first
    impact request not sent, whatever became of its notice: one that Teams didn't take was
    never told again, nor was a second leaving after a restore. Now told is a notice that was
    sent, since the owner's latest leaving."""
    j = journey_each
    [item] = await published(j)
    members = {m.aad_object_id: m for m in j.rows(t.Member)}
    chair = members[USER_AAD]
    done = {"action_id": item.id, "evidence": "Audit done: 20 referrals."}
    assert "Marked complete" in await j.card(verbs.ACTION_COMPLETE, done, PRACTITIONER)
    await end_access(j, PRACTITIONER)
    sends = Sends(j, monkeypatch)
    heading = f"No evidence of impact to come · {item.reference}"

    sends.fail_always.add(chair.id)  # Teams doesn't take the chair's notice
    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    assert len(sends.to(chair.id, heading)) == 1
    notices = [r for r in log_rows(j) if r.recipient == chase_engine.ACCESS_ENDED_NOTICE]
    assert [r.outcome for r in notices] == [chase_engine.FAILED]
    sends.fail_always.clear()

    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    assert len(sends.to(chair.id, heading)) == 2, "the failed notice is told at the next request"
    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    assert len(sends.to(chair.id, heading)) == 2, "then once is enough"

    restore = button_data(await member_card(j, PRACTITIONER), verbs.MEMBER_RESTORE)
    assert "access restored" in json.dumps((await j.act(verbs.MEMBER_RESTORE, restore))["value"])
    await end_access(j, PRACTITIONER, "Left again.")
    at_next_chase(j, item.id)
    assert await sweep(j) == {chase_engine.ACCESS_ENDED: 1}
    assert len(sends.to(chair.id, heading)) == 3, "a second leaving is told again"
