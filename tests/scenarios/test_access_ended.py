"""Ending a member's access (someone who left their agency) and restoring it, over real HTTP,
on both databases and both platforms: the admin ends it from the member card with a reason,
the person's every turn is then refused with one message and no data, what they still hold
is listed for someone to pick up, and nothing proactive goes to them."""

from __future__ import annotations

import json
from typing import Any

from cards import verbs
from domain.members import ACCESS_ENDED
from storage import tables as t
from tests.support.activities import USER_AAD
from tests.support.journey import (
    CARD,
    COLLEAGUE,
    LEAD,
    MESSAGE,
    PRACTITIONER,
    Journey,
    answer_every_section,
    button_data,
    open_review,
    person,
)


def member_id(j: Journey, aad: str) -> int:
    return next(m.id for m in j.rows(t.Member) if m.aad_object_id == aad)


def is_active(j: Journey, aad: str) -> bool:
    return bool(next(m.active for m in j.rows(t.Member) if m.aad_object_id == aad))


def audited(j: Journey, action: str) -> list[t.AuditEvent]:
    return [e for e in j.rows(t.AuditEvent) if e.action == action]


async def member_card(j: Journey, aad: str) -> dict[str, Any]:
    reply = await j.act(verbs.MEMBER_FORM, {"member_id": member_id(j, aad), "page": 1})
    assert reply["type"] == CARD, reply
    card: dict[str, Any] = reply["value"]
    return card


async def end_access(j: Journey, aad: str, reason: str = "Left the agency.") -> Any:
    data = button_data(await member_card(j, aad), verbs.MEMBER_END_ACCESS)
    return await j.act(verbs.MEMBER_END_ACCESS, {**data, "reason": reason})


async def test_ended_access_refuses_every_turn_without_data_until_restored(
    journey_each: Journey,
) -> None:
    j = journey_each
    review_id, return_id = await open_review(j)
    reply = await end_access(j, PRACTITIONER)
    shown = json.dumps(reply["value"])
    assert "Police Practitioner's access ended." in shown
    # What they still hold, for the chair to reassign: the return they write, by reference.
    [review] = j.rows(t.Review)
    assert "Still with them" in shown
    assert review.reference in shown
    assert "Writes the return: Demo Police" in shown
    assert "Restore access" in shown
    assert "End access" not in shown
    [ended] = audited(j, "member.access_ended")
    assert ended.after == {"active": False, "reason": "Left the agency."}
    assert ended.record_id == str(member_id(j, PRACTITIONER))

    # Their next message, and a click on a card they kept, get the one message and no data.
    j.bot.connector.clear()
    said = await j.say("continue", PRACTITIONER)
    assert said.texts == [ACCESS_ENDED], said.sent
    assert said.cards == []
    clicked = await j.act(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert clicked == {"type": MESSAGE, "value": ACCESS_ENDED} or clicked["value"] == ACCESS_ENDED
    assert "Child K" not in json.dumps(clicked)

    # The members list says so.
    listing = json.dumps((await j.act(verbs.MEMBERS, {}))["value"])
    assert "Access ended" in listing

    # Restored: they are back, with their roles, and the trail says who did it.
    data = button_data(await member_card(j, PRACTITIONER), verbs.MEMBER_RESTORE)
    restored = json.dumps((await j.act(verbs.MEMBER_RESTORE, data))["value"])
    assert "Police Practitioner's access restored." in restored
    assert is_active(j, PRACTITIONER)
    assert len(audited(j, "member.access_restored")) == 1
    opened = await j.card(verbs.RETURN_OPEN, {"return_id": return_id}, PRACTITIONER)
    assert "Child K" in opened
    assert review_id


async def test_a_replayed_end_access_click_ends_it_once(journey_each: Journey) -> None:
    j = journey_each
    data = button_data(await member_card(j, COLLEAGUE), verbs.MEMBER_END_ACCESS)
    click = person(USER_AAD).clicks(
        j.bot.connector.url, verbs.MEMBER_END_ACCESS, {**data, "reason": "Moved away."}
    )
    first = await j.turn(click)
    again = await j.turn(click)
    assert first.status == again.status == 200
    assert len(audited(j, "member.access_ended")) == 1
    assert not is_active(j, COLLEAGUE)


async def test_only_an_admin_ends_access_and_a_reason_is_needed(journey_each: Journey) -> None:
    j = journey_each
    target = {"member_id": member_id(j, PRACTITIONER), "reason": "Left."}
    refused = await j.act(verbs.MEMBER_END_ACCESS, target, COLLEAGUE)
    assert refused["type"] == MESSAGE
    assert "admin can do that" in refused["value"]
    assert is_active(j, PRACTITIONER)

    missing = json.dumps((await end_access(j, PRACTITIONER, reason="  "))["value"])
    assert "'Reason for ending access' is required." in missing
    named = json.dumps(
        (await end_access(j, PRACTITIONER, "Kelly Smith, 14 Acacia Road, left."))["value"]
    )
    assert "Use the pseudonym only." in named
    own = json.dumps(
        (
            await j.act(
                verbs.MEMBER_END_ACCESS, {"member_id": member_id(j, USER_AAD), "reason": "Test."}
            )
        )["value"]
    )
    assert "You can't end your own access." in own
    assert is_active(j, PRACTITIONER)
    assert is_active(j, USER_AAD)
    assert audited(j, "member.access_ended") == []


async def test_a_lead_whose_access_ended_is_not_asked_to_sign_off(journey_each: Journey) -> None:
    j = journey_each
    reply = await end_access(j, LEAD)
    assert "They hold no open returns" in json.dumps(reply["value"])
    _, return_id = await open_review(j)
    await answer_every_section(j, return_id)
    submitted = await j.turn(
        person(PRACTITIONER).clicks(
            j.bot.connector.url, verbs.RETURN_SUBMIT, {"return_id": return_id}
        )
    )
    assert submitted.status == 200
    # The chair hears of it; the lead, whose access ended, is sent nothing.
    readers = [(s.get("recipient") or {}).get("aadObjectId") for s in submitted.sent]
    assert USER_AAD in readers
    assert LEAD not in readers
    assert LEAD not in json.dumps(submitted.created)
    [ret] = j.rows(t.PreAnalysisReturn)
    assert ret.status == "submitted"


async def test_someone_whose_access_ended_is_given_no_work_and_not_answered_in_public(
    journey_each: Journey,
) -> None:
    """The review's finding: a people picker or an older card could still name a leaver as a
    return's writer (and the chair was told to ask them to open Line of Sight); and their
    @mention in a channel was answered there, telling the channel their access had ended."""
    j = journey_each
    await end_access(j, COLLEAGUE)
    police = next(a.id for a in j.rows(t.Agency) if a.name == "Demo Police")
    draft = await j.card(
        verbs.REVIEW_CREATE,
        {
            "pseudonym": "Child K",
            "reason": "Neglect concerns held by several agencies.",
            "agencies": str(police),
            "returns_due_on": "2099-01-15",
            "meeting_on": "2099-02-01",
        },
    )
    assert "Child K" in draft
    [review] = j.rows(t.Review)
    refused = await j.card(
        verbs.REVIEW_ASSIGN, {"review_id": review.id, f"assignees_{police}": COLLEAGUE}
    )
    assert "access to Line of Sight has ended: choose someone else" in refused
    assert j.rows(t.ReturnAssignee) == []

    j.bot.connector.clear()
    in_channel = await j.say("continue", COLLEAGUE, channel=True)
    assert in_channel.sent == [], "nothing is posted where others read it"
    in_private = await j.say("continue", COLLEAGUE)
    assert in_private.texts == [ACCESS_ENDED]
